#include "monitor/TranslationCacheModel.h"

#include "common/Format.h"
#include "common/TableColumns.h"
#include "decode/Decoder.h"
#include "machine/DisassemblyModel.h"

#include <QGuiApplication>
#include <QLocale>
#include <algorithm>
#include <limits>
#include <span>

namespace vmwb {

namespace {

constexpr std::array<ColumnHeader, TranslationCacheModel::ColumnCount> kPageColumns{{
    {QT_TRANSLATE_NOOP("vmwb::TranslationCacheModel", "Page"),
     QT_TRANSLATE_NOOP("vmwb::TranslationCacheModel",
                       "The guest-linear address of the 4 KiB code page the translator decoded")},
    {QT_TRANSLATE_NOOP("vmwb::TranslationCacheModel", "State"),
     QT_TRANSLATE_NOOP("vmwb::TranslationCacheModel",
                       "valid: the page runs with its patches. invalidated: the guest wrote to "
                       "it, so the translator restored the original bytes and will translate "
                       "it again on the next fetch.")},
    {QT_TRANSLATE_NOOP("vmwb::TranslationCacheModel", "Decoded"),
     QT_TRANSLATE_NOOP("vmwb::TranslationCacheModel",
                       "Instructions the translator decoded on the page")},
    {QT_TRANSLATE_NOOP("vmwb::TranslationCacheModel", "Patches"),
     QT_TRANSLATE_NOOP("vmwb::TranslationCacheModel",
                       "Sensitive instructions it replaced by a callout into the monitor")},
    {QT_TRANSLATE_NOOP("vmwb::TranslationCacheModel", "Translations"),
     QT_TRANSLATE_NOOP("vmwb::TranslationCacheModel",
                       "How often the page was translated (again after each invalidation)")},
    {QT_TRANSLATE_NOOP("vmwb::TranslationCacheModel", "Invalidations"),
     QT_TRANSLATE_NOOP("vmwb::TranslationCacheModel",
                       "How often a guest write to the page threw its translation away")},
    {QT_TRANSLATE_NOOP("vmwb::TranslationCacheModel", "Translated at"),
     QT_TRANSLATE_NOOP("vmwb::TranslationCacheModel",
                       "The guest instruction count when the page was last translated")},
}};

constexpr std::array<ColumnHeader, TranslationPatchModel::ColumnCount> kPatchColumns{{
    {QT_TRANSLATE_NOOP("vmwb::TranslationPatchModel", "Address"),
     QT_TRANSLATE_NOOP("vmwb::TranslationPatchModel", "The guest address of the instruction")},
    {QT_TRANSLATE_NOOP("vmwb::TranslationPatchModel", "Class"),
     QT_TRANSLATE_NOOP("vmwb::TranslationPatchModel",
                       "P: privileged, traps at CPL 3. S: sensitive but unprivileged, does not "
                       "trap: the reason the translator must patch it.")},
    {QT_TRANSLATE_NOOP("vmwb::TranslationPatchModel", "Original bytes"),
     QT_TRANSLATE_NOOP("vmwb::TranslationPatchModel",
                       "The guest's own bytes, which the translator keeps to emulate the "
                       "instruction and to restore the page")},
    {QT_TRANSLATE_NOOP("vmwb::TranslationPatchModel", "Original"),
     QT_TRANSLATE_NOOP("vmwb::TranslationPatchModel",
                       "The guest's instruction, decoded from the original bytes")},
    {QT_TRANSLATE_NOOP("vmwb::TranslationPatchModel", "Rewritten bytes"),
     QT_TRANSLATE_NOOP("vmwb::TranslationPatchModel",
                       "What guest memory holds now: int3 (cc), padded with int3 to the "
                       "original length so that no other instruction moves")},
    {QT_TRANSLATE_NOOP("vmwb::TranslationPatchModel", "Rewritten"),
     QT_TRANSLATE_NOOP("vmwb::TranslationPatchModel",
                       "The rewritten bytes as the CPU decodes them: a callout into the monitor, "
                       "which emulates the original instruction")},
    {QT_TRANSLATE_NOOP("vmwb::TranslationPatchModel", "Callouts"),
     QT_TRANSLATE_NOOP("vmwb::TranslationPatchModel",
                       "How often the guest reached the patch and called out to the monitor")},
    {QT_TRANSLATE_NOOP("vmwb::TranslationPatchModel", "Line"),
     QT_TRANSLATE_NOOP("vmwb::TranslationPatchModel",
                       "The source line of the instruction; double-click to go there")},
}};

constexpr std::uint8_t kInt3 = 0xcc;
constexpr quint64 kPageMask = ~quint64{0xfff};

QString bytesText(const std::array<std::uint8_t, 15> &bytes, std::uint8_t length)
{
    const auto count = std::min<std::size_t>(length, bytes.size());
    return QString::fromLatin1(
        QByteArray(reinterpret_cast<const char *>(bytes.data()), static_cast<qsizetype>(count))
            .toHex(' '));
}

QVariant alignment(Qt::Alignment value)
{
    return QVariant::fromValue(value | Qt::AlignVCenter);
}

} // namespace

// --- pages ------------------------------------------------------------------------------------

TranslationCacheModel::TranslationCacheModel(QObject *parent)
    : QAbstractTableModel(parent), m_colors(WorkbenchColors::forPalette(QGuiApplication::palette()))
{}

void TranslationCacheModel::setCache(std::shared_ptr<const TranslationCache> cache)
{
    if (cache == m_cache)
        return;
    std::vector<const TranslatedPage *> rows;
    if (cache) {
        for (const auto &[address, page] : cache->pages())
            rows.push_back(&page);
    }
    const bool samePages = rows.size() == m_rows.size() &&
                           std::equal(rows.begin(), rows.end(), m_rows.begin(),
                                      [](const TranslatedPage *a, const TranslatedPage *b) {
                                          return a->page == b->page;
                                      });
    if (samePages) {
        m_cache = std::move(cache);
        m_rows = std::move(rows);
        if (!m_rows.empty())
            emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
        return;
    }
    beginResetModel();
    m_cache = std::move(cache);
    m_rows = std::move(rows);
    endResetModel();
}

void TranslationCacheModel::setColors(const WorkbenchColors &colors)
{
    m_colors = colors;
    if (!m_rows.empty())
        emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
}

const TranslatedPage *TranslationCacheModel::page(int row) const
{
    if (row < 0 || row >= rowCount())
        return nullptr;
    return m_rows[static_cast<std::size_t>(row)];
}

int TranslationCacheModel::rowOfPage(quint64 address) const
{
    for (std::size_t i = 0; i < m_rows.size(); ++i) {
        if (m_rows[i]->page == (address & kPageMask))
            return static_cast<int>(i);
    }
    return -1;
}

int TranslationCacheModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int TranslationCacheModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant TranslationCacheModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid())
        return {};
    Q_ASSERT(checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid));
    const TranslatedPage &page = *m_rows[static_cast<std::size_t>(index.row())];
    const int column = index.column();
    const QLocale locale;
    switch (role) {
    case Qt::DisplayRole:
        switch (column) {
        case PageColumn:
            return groupedHex(page.page, 8);
        case StateColumn:
            return page.valid ? tr("valid") : tr("invalidated");
        case DecodedColumn:
            return locale.toString(page.decoded);
        case PatchesColumn:
            return locale.toString(static_cast<qulonglong>(page.patches.size()));
        case TranslationsColumn:
            return locale.toString(page.translations);
        case InvalidationsColumn:
            return locale.toString(page.invalidations);
        case TranslatedAtColumn:
            return locale.toString(static_cast<qulonglong>(page.translatedAt));
        default:
            return {};
        }
    case Qt::ToolTipRole:
        if (column == StateColumn) {
            return page.valid ? tr("The page runs with its patches: each sensitive instruction "
                                   "on it calls out to the monitor.")
                              : tr("The guest wrote to this page, so its translation was thrown "
                                   "away: the original bytes are back and the page is guarded "
                                   "until the guest fetches from it again.");
        }
        return tr("Page %1: %n patch(es)", nullptr, static_cast<int>(page.patches.size()))
            .arg(groupedHex(page.page, 8));
    case Qt::ForegroundRole:
        if (column == StateColumn && !page.valid)
            return m_colors.warning;
        if (column == PageColumn)
            return m_colors.text;
        return {};
    case Qt::FontRole:
        if (column == PageColumn) {
            QFont font = valueFont();
            return font;
        }
        if (column == StateColumn && !page.valid) {
            QFont font;
            font.setBold(true);
            return font;
        }
        return {};
    case Qt::TextAlignmentRole:
        if (column == PageColumn || column == StateColumn)
            return alignment(Qt::AlignLeft);
        return alignment(Qt::AlignRight);
    case PageRole:
        return static_cast<quint64>(page.page);
    case ValidRole:
        return page.valid;
    default:
        return {};
    }
}

QVariant TranslationCacheModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    return columnHeaderData(kPageColumns, "vmwb::TranslationCacheModel", section, orientation,
                            role);
}

Qt::ItemFlags TranslationCacheModel::flags(const QModelIndex &index) const
{
    return readOnlyCellFlags(index);
}

// --- patches ----------------------------------------------------------------------------------

TranslationPatchModel::TranslationPatchModel(QObject *parent)
    : QAbstractTableModel(parent), m_decoder(std::make_unique<Decoder>()),
      m_colors(WorkbenchColors::forPalette(QGuiApplication::palette()))
{}

TranslationPatchModel::~TranslationPatchModel() = default;

TranslationPatchModel::Row
TranslationPatchModel::makeRow(const Patch &patch, const std::vector<LineMapping> &lines) const
{
    Row row;
    row.patch = patch;
    const std::size_t length = std::min<std::size_t>(patch.length, patch.original.size());
    row.original = m_decoder->decode(std::span<const std::uint8_t>(patch.original.data(), length),
                                     patch.address, Decoder::Detail::Full);
    row.rewritten = m_decoder->decode(std::span<const std::uint8_t>(patch.patched.data(), length),
                                      patch.address, Decoder::Detail::Full);
    if (row.rewritten) {
        const std::size_t first = row.rewritten->length;
        const bool padded = std::all_of(patch.patched.begin() + static_cast<std::ptrdiff_t>(first),
                                        patch.patched.begin() + static_cast<std::ptrdiff_t>(length),
                                        [](std::uint8_t byte) { return byte == kInt3; });
        row.padding = padded ? static_cast<int>(length - first) : 0;
    }
    row.line = lines.empty() ? 0 : lineAt(lines, patch.address);
    return row;
}

void TranslationPatchModel::setPage(const TranslatedPage *page,
                                    const std::vector<LineMapping> &lines)
{
    const std::optional<quint64> address = page ? std::optional<quint64>(page->page) : std::nullopt;
    // The same patches as before: only the callouts move while the guest runs.
    if (page && address == m_page && page->patches.size() == m_rows.size()) {
        bool same = true;
        std::size_t i = 0;
        for (const auto &[at, patch] : page->patches) {
            const Patch &old = m_rows[i++].patch;
            same = same && old.address == patch.address && old.length == patch.length &&
                   old.original == patch.original && old.patched == patch.patched;
        }
        if (same) {
            i = 0;
            for (const auto &[at, patch] : page->patches)
                m_rows[i++].patch.callouts = patch.callouts;
            if (!m_rows.empty())
                emit dataChanged(index(0, CalloutsColumn), index(rowCount() - 1, CalloutsColumn));
            return;
        }
    }
    beginResetModel();
    m_page = address;
    m_rows.clear();
    if (page) {
        for (const auto &[at, patch] : page->patches)
            m_rows.push_back(makeRow(patch, lines));
    }
    endResetModel();
}

void TranslationPatchModel::setColors(const WorkbenchColors &colors)
{
    m_colors = colors;
    if (!m_rows.empty())
        emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
}

int TranslationPatchModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int TranslationPatchModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString TranslationPatchModel::rewrittenText(const Row &row) const
{
    if (!row.rewritten)
        return tr("(not an instruction)");
    if (row.padding == 0)
        return row.rewritten->text;
    return tr("%1 + %n int3 padding", nullptr, row.padding).arg(row.rewritten->text);
}

QVariant TranslationPatchModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid())
        return {};
    Q_ASSERT(checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid));
    const Row &row = m_rows[static_cast<std::size_t>(index.row())];
    const Patch &patch = row.patch;
    const int column = index.column();
    switch (role) {
    case Qt::DisplayRole:
        switch (column) {
        case AddressColumn:
            return groupedHex(patch.address, 8);
        case ClassColumn:
            return DisassemblyModel::badgeText(patch.sensitivity);
        case OriginalBytesColumn:
            return bytesText(patch.original, patch.length);
        case OriginalColumn:
            if (row.original)
                return row.original->text;
            return patch.originalText.isEmpty() ? tr("(not an instruction)") : patch.originalText;
        case RewrittenBytesColumn:
            return bytesText(patch.patched, patch.length);
        case RewrittenColumn:
            return rewrittenText(row);
        case CalloutsColumn:
            return QLocale().toString(static_cast<qulonglong>(patch.callouts));
        case LineColumn:
            return row.line > 0 ? QVariant(row.line) : QVariant();
        default:
            return {};
        }
    case Qt::ToolTipRole:
        switch (column) {
        case ClassColumn:
        case OriginalColumn:
            return tr("<p><b><tt>%1</tt></b> &mdash; %2</p><p>%3</p>")
                .arg(data(index.siblingAtColumn(OriginalColumn)).toString().toHtmlEscaped(),
                     DisassemblyModel::className(patch.sensitivity).toHtmlEscaped(),
                     DisassemblyModel::classMeaning(patch.sensitivity).toHtmlEscaped());
        case RewrittenBytesColumn:
        case RewrittenColumn:
            return tr("The translator wrote int3 over the first byte and padded the rest of "
                      "the %n byte(s) with int3: the guest calls out to the monitor here, and "
                      "the monitor emulates the original instruction.",
                      nullptr, patch.length);
        case CalloutsColumn:
            return tr("The guest has reached this patch %n time(s)", nullptr,
                      static_cast<int>(std::min<std::uint64_t>(patch.callouts,
                                                               std::numeric_limits<int>::max())));
        default:
            return headerData(column, Qt::Horizontal, Qt::ToolTipRole);
        }
    case Qt::ForegroundRole:
        switch (column) {
        case OriginalColumn:
        case RewrittenColumn:
            return m_colors.text;
        case RewrittenBytesColumn:
            return m_colors.flagWritten;
        default:
            return m_colors.dimText;
        }
    case Qt::TextAlignmentRole:
        switch (column) {
        case ClassColumn:
            return alignment(Qt::AlignHCenter);
        case CalloutsColumn:
            return alignment(Qt::AlignRight);
        default:
            return alignment(Qt::AlignLeft);
        }
    case TokensRole:
        if (column == OriginalColumn && row.original)
            return QVariant::fromValue(row.original->tokens);
        if (column == RewrittenColumn && row.rewritten)
            return QVariant::fromValue(row.rewritten->tokens);
        return QVariant::fromValue(std::vector<Token>{});
    case SensitivityRole:
        return static_cast<int>(patch.sensitivity);
    case AddressRole:
        return static_cast<quint64>(patch.address);
    case SourceLineRole:
        return row.line;
    case PaddingRole:
        return row.padding;
    default:
        return {};
    }
}

QVariant TranslationPatchModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    return columnHeaderData(kPatchColumns, "vmwb::TranslationPatchModel", section, orientation,
                            role);
}

Qt::ItemFlags TranslationPatchModel::flags(const QModelIndex &index) const
{
    return readOnlyCellFlags(index);
}

} // namespace vmwb
