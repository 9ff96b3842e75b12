#pragma once

// The guest stack around RSP as a table, highest address at the top as in the SDM's figures
// (Vol. 3A, Figure 6-9), so that an interrupt frame reads SS, RSP, RFLAGS, CS, RIP downwards.

#include "common/Colors.h"
#include "controller/Snapshot.h"

#include <QAbstractTableModel>
#include <QFont>
#include <vector>

namespace vmwb {

class StackModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column : int
    {
        OffsetColumn, // "RSP ->" at RSP, "+0x10" above it
        AddressColumn,
        ValueColumn,
        LabelColumn,
        ColumnCount
    };

    enum Role : int
    {
        AddressRole = Qt::UserRole + 1, // qulonglong
        IsTopRole,                      // bool: the slot RSP points at
        IsFreeRole,                     // bool: below RSP (free space)
        FrameRole,                      // int: which interrupt frame the slot belongs to, or -1
    };

    explicit StackModel(QObject *parent = nullptr);

    void setSnapshot(const MachineSnapshot &snapshot);
    void setColors(const WorkbenchColors &colors);
    // The view's font for labels, a fixed-width one of the same size for numbers.
    void setFonts(const QFont &text, const QFont &fixed);

    // "RSP ->": the offset column's mark for the slot RSP points at.
    static QString topMarker();
    // Row of the slot RSP points at, or -1.
    int topRow() const;
    const StackSlot &slot(int row) const { return m_rows[static_cast<std::size_t>(row)].slot; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    struct Row
    {
        StackSlot slot;
        int frame = -1;
    };

    QVariant display(const Row &row, int column) const;
    QVariant toolTip(const Row &row, int column) const;
    QVariant background(const Row &row, int column) const;

    std::vector<Row> m_rows; // highest address first
    std::uint64_t m_rsp = 0;
    WorkbenchColors m_colors;
    QFont m_textFont;
    QFont m_fixedFont;
};

} // namespace vmwb
