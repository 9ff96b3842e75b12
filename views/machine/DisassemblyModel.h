#pragma once

// The loaded guest code as the decoder sees it: one row per instruction or data directive, with
// its sensitivity class (Popek and Goldberg's privileged / sensitive / innocuous) and the row
// RIP is on. Under binary translation a second bytes column shows what guest memory holds now
// on each translated page: the int3 callouts beside the original bytes they replaced. The model
// holds a copy of the program and the cache it shows, so a test can feed it without a
// controller.

#include "bt/TranslationCache.h"
#include "common/Colors.h"
#include "controller/Snapshot.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QSet>
#include <memory>
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
        TranslatedColumn, // what memory holds under binary translation
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
        TranslationRole,               // int(Translation) of the row's page
    };
    // What the binary translator has done to the page a row lies on.
    enum class Translation : int
    {
        None,          // no translation cache (another technique)
        NotTranslated, // the guest has not fetched from the page yet
        Invalidated,   // the guest wrote to the page; guarded until its next fetch
        Unchanged,     // translated; these bytes run as they are
        Patched,       // translated; a callout replaced these bytes
    };
    Q_ENUM(Translation)

    explicit DisassemblyModel(QObject *parent = nullptr);

    void setProgram(const ProgramView &program);
    void setCurrentAddress(quint64 rip);
    void clearCurrentAddress();
    void setBreakpointAddresses(const QSet<quint64> &addresses);
    void setColors(const WorkbenchColors &colors);
    // The binary translator's cache (null under other techniques). Changes only the
    // translated column's cells.
    void setTranslationCache(std::shared_ptr<const TranslationCache> cache);
    const TranslationCache *translationCache() const { return m_translationCache.get(); }
    // Whether the translator has translated any page yet: the pane shows the translated
    // column only then.
    bool hasTranslatedPages() const;

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
    Translation translation(const DisassemblyLine &line) const;
    // The line's bytes as guest memory holds them now: the program's, with the patches on
    // valid pages written over them.
    QByteArray translatedBytes(const DisassemblyLine &line) const;
    QString translatedToolTip(const DisassemblyLine &line) const;
    void emitRowChanged(int row);

    std::vector<DisassemblyLine> m_lines;
    QHash<quint64, int> m_rowOfAddress;
    QSet<quint64> m_breakpoints;
    std::optional<quint64> m_current;
    int m_currentRow = -1;
    int m_addressDigits = 8;
    WorkbenchColors m_colors;
    std::shared_ptr<const TranslationCache> m_translationCache;
};

} // namespace vmwb
