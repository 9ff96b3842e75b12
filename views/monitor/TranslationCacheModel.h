#pragma once

// The binary translator's cache as tables: one row per translated code page, and, for the page
// the student picks, one row per sensitive instruction the translator patched, with the
// original bytes and instruction next to the bytes that replaced them (int3, padded with int3
// to the original length). The models hold the cache they show, so a test can feed them a
// hand-built one without a controller.

#include "assembler/Assembler.h"
#include "bt/TranslationCache.h"
#include "common/Colors.h"

#include <QAbstractTableModel>
#include <memory>
#include <optional>
#include <vector>

namespace vmwb {

class Decoder;

class TranslationCacheModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column : int
    {
        PageColumn,
        StateColumn,
        DecodedColumn,
        PatchesColumn,
        TranslationsColumn,
        InvalidationsColumn,
        TranslatedAtColumn,
        ColumnCount
    };
    enum Role : int
    {
        PageRole = Qt::UserRole + 1, // quint64: the page's guest-linear address
        ValidRole,                   // bool
    };

    explicit TranslationCacheModel(QObject *parent = nullptr);

    // Null shows nothing. Keeps the rows (and so the selection) when the same pages are
    // cached as before and only their counters changed.
    void setCache(std::shared_ptr<const TranslationCache> cache);
    const TranslationCache *cache() const { return m_cache.get(); }
    void setColors(const WorkbenchColors &colors);

    // The page shown in `row`, or null.
    const TranslatedPage *page(int row) const;
    // The row of the page at `address` (any address in it), or -1.
    int rowOfPage(quint64 address) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;
    Qt::ItemFlags flags(const QModelIndex &index) const override;

private:
    std::shared_ptr<const TranslationCache> m_cache;
    std::vector<const TranslatedPage *> m_rows; // into m_cache, in address order
    WorkbenchColors m_colors;
};

class TranslationPatchModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column : int
    {
        AddressColumn,
        ClassColumn,
        OriginalBytesColumn,
        OriginalColumn,
        RewrittenBytesColumn,
        RewrittenColumn,
        CalloutsColumn,
        LineColumn,
        ColumnCount
    };
    enum Role : int
    {
        TokensRole = Qt::UserRole + 1, // std::vector<Token> of the instruction columns
        SensitivityRole,               // int(Sensitivity), in the class column
        AddressRole,                   // quint64
        SourceLineRole,                // int, 0 if none
        PaddingRole,                   // int: int3 bytes after the callout (rewritten column)
    };

    explicit TranslationPatchModel(QObject *parent = nullptr);
    ~TranslationPatchModel() override;

    // The patches of `page` (none for null); `lines` maps addresses to source lines. Keeps the
    // rows when the page holds the same patches as before and only their callouts changed.
    void setPage(const TranslatedPage *page, const std::vector<LineMapping> &lines = {});
    void setColors(const WorkbenchColors &colors);
    std::optional<quint64> page() const { return m_page; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;
    Qt::ItemFlags flags(const QModelIndex &index) const override;

private:
    struct Row
    {
        Patch patch;
        std::optional<Instruction> original;  // decoded from the original bytes
        std::optional<Instruction> rewritten; // the first instruction of the patched bytes
        int padding = 0;                      // int3 bytes after it
        int line = 0;
    };
    Row makeRow(const Patch &patch, const std::vector<LineMapping> &lines) const;
    QString rewrittenText(const Row &row) const;

    std::unique_ptr<Decoder> m_decoder;
    std::optional<quint64> m_page;
    std::vector<Row> m_rows;
    WorkbenchColors m_colors;
};

} // namespace vmwb
