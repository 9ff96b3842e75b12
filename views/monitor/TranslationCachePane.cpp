#include "monitor/TranslationCachePane.h"

#include "common/Colors.h"
#include "common/Format.h"
#include "common/PaddedItemDelegate.h"
#include "common/TechniquePlaceholder.h"
#include "controller/WorkbenchController.h"
#include "machine/DisassemblyModel.h"
#include "monitor/TranslationCacheModel.h"

#include <QApplication>
#include <QEvent>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QPainter>
#include <QPushButton>
#include <QScrollBar>
#include <QSplitter>
#include <QStackedWidget>
#include <QStyle>
#include <QTableView>
#include <QVBoxLayout>

namespace vmwb {

namespace {

constexpr auto kBinaryTranslation = "binary-translation";

// Which page of the stacked widget shows what.
constexpr int kPlaceholderPage = 0;
constexpr int kTablesPage = 1;

int textMargin(const QStyleOptionViewItem &option)
{
    const QStyle *style = option.widget ? option.widget->style() : QApplication::style();
    return style->pixelMetric(QStyle::PM_FocusFrameHMargin, nullptr, option.widget) + 1;
}

bool isFixedPitchColumn(int column)
{
    return column != TranslationPatchModel::ClassColumn &&
           column != TranslationPatchModel::CalloutsColumn;
}

} // namespace

// Paints the patch table as the Disassembly pane paints code: sensitivity badges, instruction
// tokens in their colours, and the int3 padding dimmed after the callout.
class TranslationPatchDelegate : public PaddedItemDelegate
{
public:
    using PaddedItemDelegate::PaddedItemDelegate;

    void setColors(const WorkbenchColors &colors) { m_colors = colors; }

    void initStyleOption(QStyleOptionViewItem *option, const QModelIndex &index) const override
    {
        PaddedItemDelegate::initStyleOption(option, index);
        if (isFixedPitchColumn(index.column())) {
            option->font = valueFont().resolve(option->font);
            option->fontMetrics = QFontMetrics(option->font);
        }
    }

    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override
    {
        const int column = index.column();
        const bool badge = column == TranslationPatchModel::ClassColumn;
        const bool tokens = column == TranslationPatchModel::OriginalColumn ||
                            column == TranslationPatchModel::RewrittenColumn;
        if (!badge && !tokens) {
            PaddedItemDelegate::paint(painter, option, index);
            return;
        }
        QStyleOptionViewItem opt(option);
        initStyleOption(&opt, index);
        opt.state &= ~QStyle::State_HasFocus;
        const QWidget *widget = opt.widget;
        const QStyle *style = widget ? widget->style() : QApplication::style();
        const QString text = opt.text;
        opt.text.clear();
        style->drawControl(QStyle::CE_ItemViewItem, &opt, painter, widget);
        painter->save();
        painter->setClipRect(opt.rect);
        if (badge)
            paintBadge(painter, opt, text, index);
        else
            paintTokens(painter, opt, text, index);
        painter->restore();
    }

    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override
    {
        QSize size = PaddedItemDelegate::sizeHint(option, index);
        if (index.column() == TranslationPatchModel::ClassColumn) {
            QStyleOptionViewItem opt(option);
            initStyleOption(&opt, index);
            size.setWidth(std::max(size.width(), qCeil(badgeRect(opt, opt.text).width()) + 16));
        }
        return size;
    }

private:
    static QFont badgeFont(const QFont &font)
    {
        QFont bold = font;
        bold.setBold(true);
        return bold;
    }

    static QRectF badgeRect(const QStyleOptionViewItem &option, const QString &text)
    {
        const QFontMetrics metrics(badgeFont(option.font));
        const qreal height = metrics.height();
        const qreal width = std::max(height * 1.3, metrics.horizontalAdvance(text) + height * 0.6);
        QRectF rect(0, 0, width, height);
        rect.moveCenter(QRectF(option.rect).center());
        return rect;
    }

    void paintBadge(QPainter *painter, const QStyleOptionViewItem &option, const QString &text,
                    const QModelIndex &index) const
    {
        if (text.isEmpty())
            return;
        const auto sensitivity =
            static_cast<Sensitivity>(index.data(TranslationPatchModel::SensitivityRole).toInt());
        const QRectF rect = badgeRect(option, text);
        painter->setRenderHint(QPainter::Antialiasing);
        painter->setPen(Qt::NoPen);
        painter->setBrush(m_colors.sensitivity(sensitivity));
        painter->drawRoundedRect(rect, rect.height() / 4, rect.height() / 4);
        // The badge colours are saturated and dark enough for white text in both palettes.
        painter->setPen(Qt::white);
        painter->setFont(badgeFont(option.font));
        painter->drawText(rect, Qt::AlignCenter, text);
    }

    void paintTokens(QPainter *painter, const QStyleOptionViewItem &option, const QString &text,
                     const QModelIndex &index) const
    {
        const auto tokens =
            index.data(TranslationPatchModel::TokensRole).value<std::vector<Token>>();
        const bool selected = option.state & QStyle::State_Selected;
        const QColor selectedText = option.palette.color(QPalette::HighlightedText);
        const QFontMetrics metrics(option.font);
        painter->setFont(option.font);
        const QRect rect = option.rect;
        const int baseline = rect.top() + (rect.height() - metrics.height()) / 2 + metrics.ascent();
        int x = rect.left() + textMargin(option) + PaddedItemDelegate::kDefaultPadding;
        if (tokens.empty()) {
            painter->setPen(selected ? selectedText : option.palette.color(QPalette::Text));
            painter->drawText(QPoint(x, baseline), text);
            return;
        }
        QString shown;
        for (const Token &token : tokens) {
            painter->setPen(selected ? selectedText : m_colors.token(token.kind));
            painter->drawText(QPoint(x, baseline), token.text);
            x += metrics.horizontalAdvance(token.text);
            shown += token.text;
        }
        // What follows the instruction in the display text: the padding note.
        if (text.size() > shown.size() && text.startsWith(shown)) {
            painter->setPen(selected ? selectedText : m_colors.dimText);
            painter->drawText(QPoint(x, baseline), text.mid(shown.size()));
        }
    }

    WorkbenchColors m_colors;
};

TranslationCachePane::TranslationCachePane(WorkbenchController &controller, QWidget *parent)
    : Pane(tr("Translation cache"), QStringLiteral("translationCachePane"), controller, parent)
{
    m_pageModel = new TranslationCacheModel(this);
    m_patchModel = new TranslationPatchModel(this);

    m_stack = new QStackedWidget(this);

    // Under the other techniques: what the pane is for, and one click to see it.
    auto *placeholder = new TechniquePlaceholder(
        controller, QString::fromLatin1(kBinaryTranslation), QStringLiteral("translation"),
        tr("Use &Binary Translation"), QStringLiteral("useBinaryTranslation"),
        tr("Restart the program under binary translation and watch the translator patch it"),
        m_stack);
    m_placeholder = placeholder->label();
    m_chooseTechnique = placeholder->button();
    m_stack->addWidget(placeholder);

    auto *tables = new QWidget(m_stack);
    auto *layout = new QVBoxLayout(tables);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->setSpacing(4);
    m_summary = new QLabel(tables);
    m_summary->setObjectName(QStringLiteral("translationSummary"));
    m_summary->setWordWrap(true);
    m_summary->setToolTip(tr("What the translator has done in this run"));
    layout->addWidget(m_summary);

    const auto setUpTable = [](QTableView *table) {
        table->setSelectionBehavior(QAbstractItemView::SelectRows);
        table->setSelectionMode(QAbstractItemView::SingleSelection);
        table->setEditTriggers(QAbstractItemView::NoEditTriggers);
        table->setAlternatingRowColors(true);
        table->setWordWrap(false);
        table->setShowGrid(false);
        table->setCornerButtonEnabled(false);
        table->verticalHeader()->hide();
        table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
        table->horizontalHeader()->setHighlightSections(false);
        table->horizontalHeader()->setStretchLastSection(true);
        table->setHorizontalScrollMode(QAbstractItemView::ScrollPerPixel);
    };

    auto *splitter = new QSplitter(Qt::Vertical, tables);
    splitter->setChildrenCollapsible(false);
    m_splitter = splitter;
    m_pages = new QTableView(splitter);
    m_pages->setObjectName(QStringLiteral("translatedPages"));
    m_pages->setModel(m_pageModel);
    m_pages->setItemDelegate(new PaddedItemDelegate(m_pages));
    setUpTable(m_pages);
    m_pages->setToolTip(tr("The code pages the translator decoded on their first fetch. Pick "
                           "one to see its patches below."));

    auto *patchBox = new QWidget(splitter);
    auto *patchLayout = new QVBoxLayout(patchBox);
    patchLayout->setContentsMargins(0, 0, 0, 0);
    patchLayout->setSpacing(4);
    m_patchTitle = new QLabel(patchBox);
    m_patchTitle->setObjectName(QStringLiteral("patchTitle"));
    m_patchTitle->setWordWrap(true);
    patchLayout->addWidget(m_patchTitle);
    m_patches = new QTableView(patchBox);
    m_patches->setObjectName(QStringLiteral("translationPatches"));
    m_patches->setModel(m_patchModel);
    m_delegate = new TranslationPatchDelegate(m_patches);
    m_patches->setItemDelegate(m_delegate);
    setUpTable(m_patches);
    m_patches->setToolTip(tr("Each sensitive instruction on the page: the guest's original on "
                             "the left, the callout that replaced it on the right. Double-click "
                             "or press Enter to show it in the editor and the disassembly."));
    patchLayout->addWidget(m_patches, 1);
    m_legend = new QLabel(patchBox);
    m_legend->setWordWrap(true);
    m_legend->setTextFormat(Qt::RichText);
    m_legend->setToolTip(tr("The translator patches every sensitive instruction, privileged or "
                            "not: unlike trap-and-emulate it does not rely on a fault."));
    patchLayout->addWidget(m_legend);
    splitter->addWidget(m_pages);
    splitter->addWidget(patchBox);
    splitter->setStretchFactor(0, 2);
    splitter->setStretchFactor(1, 3);
    layout->addWidget(splitter, 1);
    m_stack->addWidget(tables);
    setWidget(m_stack);

    connect(m_pages->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this] { showPatchesOfSelectedPage(); });
    connect(m_pageModel, &QAbstractItemModel::modelReset, this, [this] { fitColumns(); });
    connect(m_patchModel, &QAbstractItemModel::modelReset, this, [this] { fitColumns(); });
    connect(m_patches, &QAbstractItemView::activated, this, [this](const QModelIndex &index) {
        if (!index.isValid())
            return;
        emit addressActivated(index.data(TranslationPatchModel::AddressRole).toULongLong());
        const int line = index.data(TranslationPatchModel::SourceLineRole).toInt();
        if (line > 0)
            emit lineActivated(line);
    });
    connect(&controller, &WorkbenchController::stateChanged, this, [this] { requestRefresh(); });
    connect(&controller, &WorkbenchController::settingsChanged, this, [this] { requestRefresh(); });
    connect(&controller, &WorkbenchController::programChanged, this, [this] { requestRefresh(); });

    applyColors();
    fitColumns();
    refresh();
}

bool TranslationCachePane::showsPlaceholder() const
{
    return m_stack->currentIndex() == kPlaceholderPage;
}

QString TranslationCachePane::summary() const
{
    return m_summary->text();
}

void TranslationCachePane::refresh()
{
    const WorkbenchController &c = controller();
    const MachineSnapshot &s = c.snapshot();
    const bool translating =
        s.translationCache != nullptr || c.technique() == QLatin1String(kBinaryTranslation);
    m_stack->setCurrentIndex(translating ? kTablesPage : kPlaceholderPage);
    bool offered = false;
    for (const TechniqueInfo &info : c.techniques())
        offered = offered || info.id == QLatin1String(kBinaryTranslation);
    m_chooseTechnique->setVisible(offered);

    const std::optional<quint64> selected = m_patchModel->page();
    m_pageModel->setCache(s.translationCache);
    // Keep the page the student picked; otherwise show the first one.
    int row = selected ? m_pageModel->rowOfPage(*selected) : -1;
    if (row < 0 && m_pageModel->rowCount() > 0)
        row = 0;
    if (row >= 0 && m_pages->currentIndex().row() != row)
        m_pages->setCurrentIndex(m_pageModel->index(row, 0));
    showPatchesOfSelectedPage();
    updateSummary();
}

void TranslationCachePane::showPatchesOfSelectedPage()
{
    const int row = m_pages->currentIndex().row();
    const TranslatedPage *page = m_pageModel->page(row);
    m_patchModel->setPage(page, controller().program().lines);
    if (page == nullptr) {
        m_patchTitle->setText(tr("Patches: pick a page above"));
        return;
    }
    QString title = tr("Patches on page %1: the original beside what the translator wrote")
                        .arg(groupedHex(page->page, 8));
    if (!page->valid)
        title += tr(" (invalidated: the original bytes are back until the next fetch)");
    m_patchTitle->setText(title);
}

void TranslationCachePane::updateSummary()
{
    const TranslationCache *cache = m_pageModel->cache();
    if (cache == nullptr || cache->pages().empty()) {
        m_summary->setText(tr("Nothing translated yet: step or run the guest. The first fetch "
                              "from a code page makes the translator decode it and patch its "
                              "sensitive instructions."));
        return;
    }
    int invalid = 0;
    std::uint64_t callouts = 0;
    for (const auto &[address, page] : cache->pages()) {
        invalid += page.valid ? 0 : 1;
        for (const auto &[at, patch] : page.patches)
            callouts += patch.callouts;
    }
    const int pages = static_cast<int>(cache->pages().size());
    const QLocale locale;
    QStringList parts;
    parts << tr("%n page(s) translated", nullptr, pages);
    if (invalid > 0)
        parts << tr("%n invalidated", nullptr, invalid);
    parts << tr("%n patch(es) in place", nullptr, static_cast<int>(cache->patchCount()));
    parts << tr("%1 callouts").arg(locale.toString(static_cast<qulonglong>(callouts)));
    m_summary->setText(parts.join(QStringLiteral(" \u00b7 ")));
}

void TranslationCachePane::applyColors()
{
    const WorkbenchColors colors = WorkbenchColors::forPalette(palette());
    m_pageModel->setColors(colors);
    m_patchModel->setColors(colors);
    m_delegate->setColors(colors);
    const auto badge = [&colors](Sensitivity sensitivity, const QString &text) {
        return QStringLiteral("<span style=\"white-space:nowrap;\">"
                              "<span style=\"background-color:%1; color:#ffffff;\">"
                              "<b>&nbsp;%2&nbsp;</b></span> %3</span>")
            .arg(colors.sensitivity(sensitivity).name(),
                 DisassemblyModel::badgeText(sensitivity).toHtmlEscaped(), text.toHtmlEscaped());
    };
    m_legend->setText(badge(Sensitivity::Privileged, tr("privileged")) +
                      QStringLiteral(" &nbsp; ") +
                      badge(Sensitivity::SensitiveUnprivileged, tr("sensitive, unprivileged")) +
                      QStringLiteral(" &nbsp; <span style=\"color:%1\">%2</span>")
                          .arg(colors.flagWritten.name(),
                               tr("cc = int3, the callout into the monitor").toHtmlEscaped()));
    m_placeholder->setText(
        QStringLiteral("<p style=\"font-size:large\"><b>%1</b></p><p style=\"color:%2\">%3</p>")
            .arg(tr("Choose binary translation to see the translator patch the guest's code.")
                     .toHtmlEscaped(),
                 colors.dimText.name(),
                 tr("Under binary translation the monitor decodes each code page on its first "
                    "fetch and replaces every sensitive instruction with a callout (int3) into "
                    "the monitor, keeping the original to emulate it. This pane lists the "
                    "translated pages and each patch, original beside rewritten.")
                     .toHtmlEscaped()));
    m_pages->viewport()->update();
    m_patches->viewport()->update();
}

void TranslationCachePane::fitColumns()
{
    for (QTableView *table : {m_pages, m_patches}) {
        const QFontMetrics text(table->font());
        const QFontMetrics mono(valueFont().resolve(table->font()));
        const int rowHeight = std::max(text.height(), mono.height()) + 8;
        table->verticalHeader()->setDefaultSectionSize(rowHeight);
        table->verticalHeader()->setMinimumSectionSize(rowHeight);
        QHeaderView *header = table->horizontalHeader();
        header->setStretchLastSection(false);
        table->resizeColumnsToContents();
        if (table == m_pages)
            m_pagesContentWidth = header->length();
        header->setStretchLastSection(true);
    }
    balanceSplitter();
}

void TranslationCachePane::resizeEvent(QResizeEvent *event)
{
    Pane::resizeEvent(event);
    // Along the bottom of the window the pane is wide and short: the pages go to the left of
    // the patches. Docked at a side it is tall: they go above.
    const Qt::Orientation orientation = width() > 2 * height() ? Qt::Horizontal : Qt::Vertical;
    if (m_splitter->orientation() != orientation) {
        m_splitter->setOrientation(orientation);
        balanceSplitter();
    }
}

void TranslationCachePane::balanceSplitter()
{
    if (m_splitter->orientation() == Qt::Vertical) {
        m_pages->setMaximumWidth(QWIDGETSIZE_MAX);
        const int total = m_splitter->height();
        m_splitter->setSizes({total * 2 / 5, total * 3 / 5});
        return;
    }
    // Side by side: the pages get no more than their columns need, the patches the rest.
    m_pages->setMaximumWidth(m_pagesContentWidth + 2 * m_pages->frameWidth() +
                             m_pages->verticalScrollBar()->sizeHint().width());
    const int total = m_splitter->width();
    m_splitter->setSizes({m_pages->maximumWidth(), std::max(0, total - m_pages->maximumWidth())});
}

void TranslationCachePane::changeEvent(QEvent *event)
{
    Pane::changeEvent(event);
    if (event->type() == QEvent::PaletteChange)
        applyColors();
    else if (event->type() == QEvent::FontChange)
        fitColumns();
}

} // namespace vmwb
