#pragma once

// The VMCS as a tree: one top-level row per area of the SDM (guest state, host state, the
// three kinds of controls, exit information), under it one row per modelled field with its
// title, its SDM name, its encoding and its value. Values the run changed since the program
// started are highlighted; tool tips decode controls, exit reasons and qualifications. The
// model holds the VMCS it shows, so a test can feed it a hand-built one.

#include "common/Colors.h"
#include "vmx/Vmcs.h"

#include <QAbstractItemModel>
#include <bitset>
#include <memory>
#include <optional>
#include <vector>

namespace vmwb {

class VmcsModel : public QAbstractItemModel
{
    Q_OBJECT

public:
    enum Column : int
    {
        FieldColumn,
        NameColumn,
        EncodingColumn,
        ValueColumn,
        ColumnCount
    };
    enum Role : int
    {
        FieldRole = Qt::UserRole + 1, // int(vmx::Field) of a field row, -1 on an area row
        AreaRole,                     // int(vmx::Area)
        EncodingRole,                 // quint32
        ValueRole,                    // quint64, on field rows while there is a VMCS
        ChangedRole,                  // bool: differs from the VMCS the program started with
    };

    explicit VmcsModel(QObject *parent = nullptr);

    // Nothing (no values) without a VMCS. `start` is the VMCS as the program started; without
    // it nothing counts as changed. The rows stay: only values and highlights change.
    void setVmcs(const std::optional<vmx::Vmcs> &vmcs,
                 std::shared_ptr<const vmx::Vmcs> start = nullptr);
    const std::optional<vmx::Vmcs> &vmcs() const { return m_vmcs; }
    void setColors(const WorkbenchColors &colors);

    bool isChanged(vmx::Field field) const;
    int changedCount() const { return static_cast<int>(m_changed.count()); }
    // The index of `field`'s row in `column`.
    QModelIndex indexOf(vmx::Field field, int column = FieldColumn) const;
    // The field row's value as shown: hex digits for its width, grouped by four.
    static QString valueText(vmx::Field field, std::uint64_t value);
    // "0x681E"
    static QString encodingText(std::uint32_t encoding);

    QModelIndex index(int row, int column, const QModelIndex &parent = {}) const override;
    QModelIndex parent(const QModelIndex &child) const override;
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;
    Qt::ItemFlags flags(const QModelIndex &index) const override;

private:
    struct Group
    {
        vmx::Area area;
        std::vector<vmx::Field> fields; // in allFields() order
    };

    const Group *groupOf(const QModelIndex &index) const; // the area row's group, or null
    QVariant areaData(const Group &group, int column, int role) const;
    QVariant fieldData(vmx::Field field, int column, int role) const;
    QString fieldToolTip(vmx::Field field) const;
    void emitAllChanged();

    std::vector<Group> m_groups;
    std::optional<vmx::Vmcs> m_vmcs;
    std::shared_ptr<const vmx::Vmcs> m_start;
    std::bitset<vmx::kFieldCount> m_changed;
    WorkbenchColors m_colors;
};

// In words, what a field's value means, for the fields whose bits say more than the number:
// the controls that are on, the exit reason's name, the qualification, interruption
// information, vectors of the exception bitmap. Empty for the others.
QString describeVmcsField(const vmx::Vmcs &vmcs, vmx::Field field);

} // namespace vmwb
