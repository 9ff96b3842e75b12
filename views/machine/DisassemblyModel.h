#pragma once

// The loaded guest code as the decoder sees it: one row per instruction or data directive, with
// its sensitivity class (Popek and Goldberg's privileged / sensitive / innocuous) and the row
// RIP is on. The model holds a copy of the program, so a test can feed it without a controller.

#include "common/Colors.h"
#include "controller/Snapshot.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QSet>
#include <optional>
#include <vector>

namespace vmwb {

class DisassemblyModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column : int
    {
        AddressColumn,
        BytesColumn,
        ClassColumn,
        InstructionColumn,
        LineColumn,
        ColumnCount
    };
    enum Role : int
    {
        TokensRole = Qt::UserRole + 1, // std::vector<Token>, empty for data and invalid bytes
        SensitivityRole,               // int(Sensitivity), invalid for data and invalid bytes
        AddressRole,                   // quint64
        SourceLineRole,                // int, 0 if none
        CurrentRole,                   // bool: RIP is on this row
        BreakpointRole,                // bool
        DataRole,                      // bool: a data directive, not code
    };

    explicit DisassemblyModel(QObject *parent = nullptr);

    void setProgram(const ProgramView &program);
    void setCurrentAddress(quint64 rip);
    void clearCurrentAddress();
    void setBreakpointAddresses(const QSet<quint64> &addresses);
    void setColors(const WorkbenchColors &colors);

    // The row RIP is on, or -1.
    int currentRow() const { return m_currentRow; }
    // The row whose bytes contain `address`, or -1.
    int rowOfAddress(quint64 address) const;

    // "P", "S" or "" for innocuous: the badge the class column shows.
    static QString badgeText(Sensitivity sensitivity);
    // "privileged", "sensitive, unprivileged", "innocuous".
    static QString className(Sensitivity sensitivity);
    // One sentence on what the class means for trap-and-emulate.
    static QString classMeaning(Sensitivity sensitivity);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;
    Qt::ItemFlags flags(const QModelIndex &index) const override;

private:
    QVariant displayText(const DisassemblyLine &line, int column) const;
    QString instructionToolTip(const DisassemblyLine &line) const;
    QString bytesText(const QByteArray &bytes, qsizetype limit) const;
    void emitRowChanged(int row);

    std::vector<DisassemblyLine> m_lines;
    QHash<quint64, int> m_rowOfAddress;
    QSet<quint64> m_breakpoints;
    std::optional<quint64> m_current;
    int m_currentRow = -1;
    int m_addressDigits = 8;
    WorkbenchColors m_colors;
};

} // namespace vmwb
