#pragma once

// The registers of the real CPU, one row per RegisterId: name and value, the values the last
// step changed highlighted, and the registers the user may change editable while the guest is
// paused. The model holds plain values, so a test can feed it a snapshot without a controller.

#include "common/Colors.h"
#include "common/Format.h"
#include "controller/Snapshot.h"

#include <QAbstractTableModel>
#include <QFont>
#include <array>
#include <functional>
#include <optional>

namespace vmwb {

// What the user typed into a register: hex with 0x or a trailing h ("0x10", "10h"), bare hex
// when it has a leading zero or a letter a-f ("0010", "ff"), else decimal ("16", "-1", the
// latter as two's complement). Underscores and spaces may group digits. Nothing if it is not a
// number or does not fit in 64 bits.
std::optional<quint64> parseRegisterValue(const QString &text);

class RegisterModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column : int
    {
        NameColumn,
        ValueColumn,
        ColumnCount
    };
    enum Role : int
    {
        RegisterIdRole = Qt::UserRole + 1, // int(RegisterId)
        ValueRole,                         // quint64
        ChangedRole,                       // bool: the last step changed it
    };
    using EditCallback = std::function<void(RegisterId, quint64)>;

    explicit RegisterModel(QObject *parent = nullptr);

    void setSnapshot(const MachineSnapshot &snapshot);
    // Whether values may be edited now (the guest is paused); registerEditable() decides which.
    void setEditable(bool editable);
    bool isEditable() const { return m_editable; }
    // Called with every accepted edit, before registerEdited is emitted.
    void setEditCallback(EditCallback callback);
    void setColors(const WorkbenchColors &colors);

    static RegisterId registerAt(int row) { return static_cast<RegisterId>(row); }
    static int rowOf(RegisterId id) { return static_cast<int>(id); }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;
    Qt::ItemFlags flags(const QModelIndex &index) const override;
    bool setData(const QModelIndex &index, const QVariant &value, int role = Qt::EditRole) override;

signals:
    void registerEdited(vmwb::RegisterId id, quint64 value);

private:
    QString toolTip(RegisterId id) const;
    QString bitsText(RegisterId id, quint64 value) const;
    void emitAllChanged();

    bool m_valid = false;
    bool m_editable = false;
    std::array<std::uint64_t, kRegisterCount> m_values{};
    std::array<bool, kRegisterCount> m_changed{};
    unsigned m_realCpl = 0;
    EditCallback m_editCallback;
    WorkbenchColors m_colors;
};

} // namespace vmwb
