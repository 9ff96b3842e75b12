#pragma once

// RFLAGS field by field, plus the CPL: what the guest kernel believes next to what the real CPU
// has, and which flags the instruction at RIP reads and writes. Under trap-and-emulate this is
// where the class sees the virtual IF at 0 while the real IF stays 1.

#include "common/Colors.h"
#include "controller/Snapshot.h"

#include <QAbstractTableModel>
#include <optional>

namespace vmwb {

class FlagsModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column : int
    {
        FlagColumn,
        MeaningColumn,
        GuestColumn,
        RealColumn,
        AccessColumn, // what the current instruction does with the flag
        ColumnCount
    };
    enum Role : int
    {
        DifferentRole = Qt::UserRole + 1, // bool: guest and real CPU disagree
        AccessRole,                       // int: Access bits for the current instruction
        GuestValueRole,                   // uint
        RealValueRole,                    // uint
    };
    enum Access : int
    {
        Reads = 1,
        Writes = 2,
    };

    explicit FlagsModel(QObject *parent = nullptr);

    void setSnapshot(const MachineSnapshot &snapshot);
    void setColors(const WorkbenchColors &colors);

    // "reads" or "writes", and both joined as the instruction column shows them.
    static QString accessWord(Access kind);
    static QString accessText(int bits);

    // The row of a field by its short name ("IF", "IOPL", "CPL"), or -1.
    static int rowOf(const QString &name);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;
    Qt::ItemFlags flags(const QModelIndex &index) const override;

private:
    unsigned guestValue(int row) const;
    unsigned realValue(int row) const;
    bool isDifferent(int row) const;
    int access(int row) const;
    QString accessToolTip(int row) const;
    QString valueToolTip(int row, int column) const;

    bool m_valid = false;
    std::uint64_t m_realFlags = 0;
    unsigned m_realCpl = 0;
    VirtualCpu m_guest;
    int m_guestRing = 0;
    std::optional<Instruction> m_current;
    WorkbenchColors m_colors;
};

} // namespace vmwb
