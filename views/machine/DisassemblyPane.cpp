#include "machine/DisassemblyPane.h"

#include "common/Colors.h"
#include "controller/WorkbenchController.h"
#include "machine/DisassemblyModel.h"
#include "machine/RegisterModel.h"

#include <QApplication>
#include <QEvent>
#include <QHeaderView>
#include <QLabel>
#include <QPainter>
#include <QPainterPath>
#include <QScrollBar>
#include <QStyledItemDelegate>
#include <QTableView>
#include <QVBoxLayout>
#include <algorithm>

namespace vmwb {

// Paints what a plain delegate cannot: instruction tokens each in its kind's colour, the class
// as a badge, and a gutter in the address column with the RIP arrow and breakpoint dots.
class DisassemblyDelegate : public QStyledItemDelegate
{
public:
    using QStyledItemDelegate::QStyledItemDelegate;

    void setColors(const WorkbenchColors &colors) { m_colors = colors; }

    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;

protected:
    void initStyleOption(QStyleOptionViewItem *option, const QModelIndex &index) const override;

private:
    static int gutterWidth(const QStyleOptionViewItem &option);
    static QRectF badgeRect(const QStyleOptionViewItem &option, const QString &text);
    void paintGutter(QPainter *painter, const QStyleOptionViewItem &option,
                     const QModelIndex &index) const;
    void paintBadge(QPainter *painter, const QStyleOptionViewItem &option,
                    const QModelIndex &index) const;
    void paintTokens(QPainter *painter, const QStyleOptionViewItem &option, const QRect &rect,
                     const QModelIndex &index) const;

    WorkbenchColors m_colors;
};

namespace {

int textMargin(const QStyleOptionViewItem &option)
{
    const QStyle *style = option.widget ? option.widget->style() : QApplication::style();
    return style->pixelMetric(QStyle::PM_FocusFrameHMargin, nullptr, option.widget) + 1;
}

QFont badgeFont(const QFont &font)
{
    QFont bold = font;
    bold.setBold(true);
    return bold;
}

} // namespace

void DisassemblyDelegate::initStyleOption(QStyleOptionViewItem *option,
                                          const QModelIndex &index) const
{
    QStyledItemDelegate::initStyleOption(option, index);
    // Set here rather than on the view, so that the header keeps the window's font.
    option->font = valueFont().resolve(option->font);
    option->fontMetrics = QFontMetrics(option->font);
}

int DisassemblyDelegate::gutterWidth(const QStyleOptionViewItem &option)
{
    return QFontMetrics(option.font).height();
}

QRectF DisassemblyDelegate::badgeRect(const QStyleOptionViewItem &option, const QString &text)
{
    const QFontMetrics metrics(badgeFont(option.font));
    const qreal height = metrics.height();
    const qreal width = std::max(height * 1.3, metrics.horizontalAdvance(text) + height * 0.6);
    QRectF rect(0, 0, width, height);
    rect.moveCenter(QRectF(option.rect).center());
    return rect;
}

void DisassemblyDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option,
                                const QModelIndex &index) const
{
    QStyleOptionViewItem opt(option);
    initStyleOption(&opt, index);
    // The RIP row and the badges mark what matters; a focus frame would only add noise.
    opt.state &= ~QStyle::State_HasFocus;
    const int column = index.column();
    const bool badge = column == DisassemblyModel::ClassColumn &&
                       index.data(DisassemblyModel::SensitivityRole).isValid();
    const bool tokens = column == DisassemblyModel::InstructionColumn &&
                        !index.data(DisassemblyModel::DataRole).toBool();
    const bool gutter = column == DisassemblyModel::AddressColumn;
    if (!badge && !tokens && !gutter) {
        QStyledItemDelegate::paint(painter, opt, index);
        return;
    }

    const QWidget *widget = opt.widget;
    const QStyle *style = widget ? widget->style() : QApplication::style();
    const QString text = opt.text;
    opt.text.clear();
    style->drawControl(QStyle::CE_ItemViewItem, &opt, painter, widget); // background, selection
    opt.text = text;

    painter->save();
    painter->setClipRect(opt.rect);
    if (gutter) {
        paintGutter(painter, opt, index);
    } else if (badge) {
        paintBadge(painter, opt, index);
    } else {
        paintTokens(painter, opt, opt.rect, index);
    }
    painter->restore();
}

void DisassemblyDelegate::paintGutter(QPainter *painter, const QStyleOptionViewItem &option,
                                      const QModelIndex &index) const
{
    const int gutter = gutterWidth(option);
    const QRectF mark(option.rect.left() + gutter * 0.2, option.rect.center().y() - gutter * 0.3,
                      gutter * 0.6, gutter * 0.6);
    painter->setRenderHint(QPainter::Antialiasing);
    painter->setPen(Qt::NoPen);
    if (index.data(DisassemblyModel::BreakpointRole).toBool()) {
        painter->setBrush(m_colors.breakpoint);
        painter->drawEllipse(mark);
    }
    if (index.data(DisassemblyModel::CurrentRole).toBool()) {
        // The arrow keeps the RIP row findable where a projector washes out pale backgrounds.
        QPainterPath arrow;
        arrow.moveTo(mark.left(), mark.top());
        arrow.lineTo(mark.right(), mark.center().y());
        arrow.lineTo(mark.left(), mark.bottom());
        arrow.closeSubpath();
        painter->setBrush(option.palette.color(QPalette::Text));
        painter->drawPath(arrow);
    }
    const bool selected = option.state & QStyle::State_Selected;
    painter->setPen(option.palette.color(selected ? QPalette::HighlightedText : QPalette::Text));
    painter->setFont(option.font);
    const QRect textRect = option.rect.adjusted(gutter + textMargin(option), 0, 0, 0);
    painter->drawText(textRect, Qt::AlignVCenter | Qt::AlignLeft, option.text);
}

void DisassemblyDelegate::paintBadge(QPainter *painter, const QStyleOptionViewItem &option,
                                     const QModelIndex &index) const
{
    if (option.text.isEmpty())
        return; // innocuous: no badge, so the few sensitive instructions stand out
    const auto sensitivity =
        static_cast<Sensitivity>(index.data(DisassemblyModel::SensitivityRole).toInt());
    const QRectF rect = badgeRect(option, option.text);
    painter->setRenderHint(QPainter::Antialiasing);
    painter->setPen(Qt::NoPen);
    painter->setBrush(m_colors.sensitivity(sensitivity));
    const qreal radius = rect.height() / 4;
    painter->drawRoundedRect(rect, radius, radius);
    // The badge colours are saturated and dark enough for white text in both palettes.
    painter->setPen(Qt::white);
    painter->setFont(badgeFont(option.font));
    painter->drawText(rect, Qt::AlignCenter, option.text);
}

void DisassemblyDelegate::paintTokens(QPainter *painter, const QStyleOptionViewItem &option,
                                      const QRect &rect, const QModelIndex &index) const
{
    const auto tokens = index.data(DisassemblyModel::TokensRole).value<std::vector<Token>>();
    const bool selected = option.state & QStyle::State_Selected;
    const QColor selectedText = option.palette.color(QPalette::HighlightedText);
    const QFontMetrics metrics(option.font);
    painter->setFont(option.font);
    const int baseline = rect.top() + (rect.height() - metrics.height()) / 2 + metrics.ascent();
    int x = rect.left() + textMargin(option);
    if (tokens.empty()) {
        painter->setPen(selected ? selectedText : option.palette.color(QPalette::Text));
        painter->drawText(QPoint(x, baseline), option.text);
        return;
    }
    for (const Token &token : tokens) {
        painter->setPen(selected ? selectedText : m_colors.token(token.kind));
        painter->drawText(QPoint(x, baseline), token.text);
        x += metrics.horizontalAdvance(token.text);
    }
}

QSize DisassemblyDelegate::sizeHint(const QStyleOptionViewItem &option,
                                    const QModelIndex &index) const
{
    QSize size = QStyledItemDelegate::sizeHint(option, index);
    QStyleOptionViewItem opt(option);
    initStyleOption(&opt, index);
    switch (index.column()) {
    case DisassemblyModel::AddressColumn:
        size.rwidth() += gutterWidth(opt);
        break;
    case DisassemblyModel::ClassColumn:
        if (index.data(DisassemblyModel::SensitivityRole).isValid() && !opt.text.isEmpty()) {
            const int badge = qCeil(badgeRect(opt, opt.text).width());
            size.setWidth(std::max(size.width(), badge + 2 * textMargin(opt)));
        }
        break;
    default:
        break;
    }
    return size;
}

DisassemblyPane::DisassemblyPane(WorkbenchController &controller, QWidget *parent)
    : Pane(tr("Disassembly"), QStringLiteral("disassembly"), controller, parent)
{
    auto *content = new QWidget(this);
    auto *layout = new QVBoxLayout(content);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);

    m_model = new DisassemblyModel(this);
    m_view = new QTableView(content);
    m_delegate = new DisassemblyDelegate(m_view);
    m_view->setModel(m_model);
    m_view->setItemDelegate(m_delegate);
    m_view->setShowGrid(false);
    m_view->setWordWrap(false);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_view->setHorizontalScrollMode(QAbstractItemView::ScrollPerPixel);
    m_view->verticalHeader()->hide();
    m_view->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    QHeaderView *header = m_view->horizontalHeader();
    header->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    header->setHighlightSections(false);
    m_view->viewport()->installEventFilter(this);
    layout->addWidget(m_view, 1);

    m_legend = new QLabel(content);
    m_legend->setWordWrap(true);
    m_legend->setTextFormat(Qt::RichText);
    m_legend->setContentsMargins(6, 4, 6, 4);
    m_legend->setToolTip(tr("Popek and Goldberg (1974): a machine can be virtualized by "
                            "trap-and-emulate if every sensitive instruction is privileged. On "
                            "x86 some are not (Robin and Irvine 2000)."));
    layout->addWidget(m_legend);
    setWidget(content);

    connect(&controller, &WorkbenchController::programChanged, this, [this] {
        m_programStale = true;
        requestRefresh();
    });
    connect(&controller, &WorkbenchController::stateChanged, this, [this] { requestRefresh(); });
    connect(&controller, &WorkbenchController::settingsChanged, this, [this] { requestRefresh(); });
    connect(m_view, &QAbstractItemView::activated, this, [this](const QModelIndex &index) {
        const int line = index.data(DisassemblyModel::SourceLineRole).toInt();
        if (line > 0)
            emit lineActivated(line);
    });
    // Shown once the binary translator has translated a page (see showTranslation()).
    m_view->setColumnHidden(DisassemblyModel::TranslatedColumn, true);
    applyColors();
    fitColumns();
}

void DisassemblyPane::refresh()
{
    const WorkbenchController &c = controller();
    if (m_programStale) {
        m_programStale = false;
        m_model->setProgram(c.program());
        fitColumns();
    }
    // Where each breakpoint line stops (a label's breakpoint stops at the next instruction).
    QSet<quint64> breakpoints;
    for (int line : c.breakpointLines()) {
        if (const auto address = c.program().codeAddressFrom(line))
            breakpoints.insert(*address);
    }
    m_model->setBreakpointAddresses(breakpoints);
    if (c.snapshot().valid)
        m_model->setCurrentAddress(c.snapshot().rip);
    else
        m_model->clearCurrentAddress();
    showTranslation();
    followRip();
}

void DisassemblyPane::showTranslation()
{
    m_model->setTranslationCache(controller().snapshot().translationCache);
    const bool shown = m_model->hasTranslatedPages();
    if (shown != m_view->isColumnHidden(DisassemblyModel::TranslatedColumn))
        return;
    m_view->setColumnHidden(DisassemblyModel::TranslatedColumn, !shown);
    fitBytesColumns();
    updateLegend();
    emit translatedColumnShown(shown);
}

bool DisassemblyPane::showAddress(quint64 address)
{
    if (m_programStale)
        refresh();
    const int row = m_model->rowOfAddress(address);
    if (row < 0)
        return false;
    const QModelIndex index = m_model->index(row, DisassemblyModel::InstructionColumn);
    m_view->setCurrentIndex(index);
    m_view->scrollTo(index, QAbstractItemView::PositionAtCenter);
    return true;
}

void DisassemblyPane::followRip()
{
    const int row = m_model->currentRow();
    if (row < 0)
        return;
    const QModelIndex index = m_model->index(row, DisassemblyModel::InstructionColumn);
    const QRect rect = m_view->visualRect(index);
    const QRect viewport = m_view->viewport()->rect();
    // Keep a little context above and below the RIP row; recentre only when it gets close to
    // an edge, so that stepping through straight-line code does not scroll at every step.
    const int context = 2 * m_view->verticalHeader()->defaultSectionSize();
    if (rect.top() >= viewport.top() + context && rect.bottom() <= viewport.bottom() - context)
        return;
    QScrollBar *horizontal = m_view->horizontalScrollBar();
    const int left = horizontal->value();
    m_view->scrollTo(index, QAbstractItemView::PositionAtCenter);
    horizontal->setValue(left);
}

void DisassemblyPane::fitColumns()
{
    const QFontMetrics metrics(valueFont().resolve(m_view->font()));
    m_view->verticalHeader()->setDefaultSectionSize(metrics.height() + metrics.height() / 2);
    // The line column stretches to the pane's edge. A stretched last section never gets
    // narrower than it was when stretching was turned on, so it is fitted before that.
    QHeaderView *header = m_view->horizontalHeader();
    header->setStretchLastSection(false);
    m_view->resizeColumnsToContents();
    m_bytesContentWidth = m_view->columnWidth(DisassemblyModel::BytesColumn);
    header->setStretchLastSection(true);
    fitBytesColumns();
}

void DisassemblyPane::fitBytesColumns()
{
    // The instruction is what the class reads; in a narrow pane the bytes give way first
    // (elided, with all of them in the tooltip), from six bytes down to one. Under binary
    // translation the translated bytes share the room with the original ones but keep their
    // title readable: they are what the technique is about.
    const QFont font = valueFont().resolve(m_view->font());
    QFont bold = font;
    bold.setBold(true);
    const QFontMetrics metrics(font);
    const QFontMetrics boldMetrics(bold);
    const int padding = 2 * m_view->style()->pixelMetric(QStyle::PM_FocusFrameHMargin) + 2;
    const QString sixBytes = QStringLiteral("00 00 00 00 00 00 ");
    const int oneByte = metrics.horizontalAdvance(QStringLiteral("00 ")) +
                        metrics.horizontalAdvance(QChar(0x2026)) + padding;
    const QHeaderView *header = m_view->horizontalHeader();
    int others = 0;
    for (int column = 0; column < DisassemblyModel::LineColumn; ++column) {
        if (column != DisassemblyModel::BytesColumn && column != DisassemblyModel::TranslatedColumn)
            others += header->sectionSize(column);
    }
    const int lineColumn = header->sectionSizeHint(DisassemblyModel::LineColumn);
    const int available = m_view->viewport()->width() - others - lineColumn;
    const auto fit = [this, header](int column, int room, int least, int most) {
        const int width = std::clamp(room, std::min(least, most), most);
        if (width != header->sectionSize(column))
            m_view->setColumnWidth(column, width);
    };
    const int bytesMost =
        std::min(metrics.horizontalAdvance(sixBytes) + padding, m_bytesContentWidth);
    if (header->isSectionHidden(DisassemblyModel::TranslatedColumn)) {
        fit(DisassemblyModel::BytesColumn, available, oneByte, bytesMost);
        return;
    }
    // Two narrow columns side by side: neither title may be cut, or they run together.
    const int bytesLeast =
        std::max(oneByte, header->sectionSizeHint(DisassemblyModel::BytesColumn));
    // Patched bytes are bold, which may be wider even in a fixed-pitch font.
    const int title = header->sectionSizeHint(DisassemblyModel::TranslatedColumn);
    const int translatedMost = std::max(title, bytesMost + boldMetrics.horizontalAdvance(sixBytes) -
                                                   metrics.horizontalAdvance(sixBytes));
    fit(DisassemblyModel::TranslatedColumn, available / 2, std::max(oneByte, title),
        translatedMost);
    fit(DisassemblyModel::BytesColumn,
        available - header->sectionSize(DisassemblyModel::TranslatedColumn), bytesLeast, bytesMost);
}

bool DisassemblyPane::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_view->viewport() && event->type() == QEvent::Resize)
        fitBytesColumns();
    return Pane::eventFilter(watched, event);
}

void DisassemblyPane::applyColors()
{
    const WorkbenchColors colors = WorkbenchColors::forPalette(palette());
    m_model->setColors(colors);
    m_delegate->setColors(colors);
    updateLegend();
    m_view->viewport()->update();
}

void DisassemblyPane::updateLegend()
{
    const WorkbenchColors colors = WorkbenchColors::forPalette(palette());
    // Each entry keeps its badge and its words together when the legend wraps.
    const auto entry = [&colors](Sensitivity sensitivity, const QString &text) {
        return QStringLiteral("<span style=\"white-space:nowrap;\">"
                              "<span style=\"background-color:%1; color:#ffffff;\">"
                              "<b>&nbsp;%2&nbsp;</b></span> %3</span>")
            .arg(colors.sensitivity(sensitivity).name(),
                 DisassemblyModel::badgeText(sensitivity).toHtmlEscaped(), text.toHtmlEscaped());
    };
    QString legend =
        entry(Sensitivity::Privileged, tr("privileged: traps at CPL 3")) +
        QStringLiteral(" &nbsp; ") +
        entry(Sensitivity::SensitiveUnprivileged, tr("sensitive, unprivileged: runs unseen"));
    if (!m_view->isColumnHidden(DisassemblyModel::TranslatedColumn)) {
        // As the Translation cache pane marks rewritten bytes.
        legend += QStringLiteral(" &nbsp; <span style=\"white-space:nowrap; color:%1\">"
                                 "<b>cc</b> %2</span>")
                      .arg(colors.flagWritten.name(),
                           tr("= int3, a callout into the monitor").toHtmlEscaped());
    }
    m_legend->setText(legend);
}

void DisassemblyPane::changeEvent(QEvent *event)
{
    Pane::changeEvent(event);
    if (event->type() == QEvent::PaletteChange)
        applyColors();
    else if (event->type() == QEvent::FontChange)
        fitColumns();
}

} // namespace vmwb
