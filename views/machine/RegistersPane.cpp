#include "machine/RegistersPane.h"

#include "common/Colors.h"
#include "controller/WorkbenchController.h"
#include "machine/RegisterModel.h"

#include <QApplication>
#include <QEvent>
#include <QHeaderView>
#include <QPainter>
#include <QStyledItemDelegate>
#include <QTableView>

namespace vmwb {

// Shows values in the fixed-pitch font and dims their leading zeros, so that the digits that
// carry the value stand out across a lecture hall ("0x0000_0000_0000_0" grey, "202" bold).
class RegisterValueDelegate : public QStyledItemDelegate
{
public:
    using QStyledItemDelegate::QStyledItemDelegate;

    void setColors(const WorkbenchColors &colors) { m_colors = colors; }
    void setEditorToolTip(const QString &toolTip) { m_editorToolTip = toolTip; }

    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override;
    QWidget *createEditor(QWidget *parent, const QStyleOptionViewItem &option,
                          const QModelIndex &index) const override;

protected:
    void initStyleOption(QStyleOptionViewItem *option, const QModelIndex &index) const override;

private:
    WorkbenchColors m_colors;
    QString m_editorToolTip;
};

namespace {

// Where the significant digits of "0x0000_0000_0010_0000" start; a zero keeps its last digit.
qsizetype significantStart(const QString &text)
{
    if (!text.startsWith(QLatin1String("0x")))
        return 0;
    qsizetype i = 2;
    while (i < text.size() - 1 &&
           (text.at(i) == QLatin1Char('0') || text.at(i) == QLatin1Char('_')))
        ++i;
    return i;
}

} // namespace

void RegisterValueDelegate::initStyleOption(QStyleOptionViewItem *option,
                                            const QModelIndex &index) const
{
    QStyledItemDelegate::initStyleOption(option, index);
    option->font = valueFont().resolve(option->font);
    option->fontMetrics = QFontMetrics(option->font);
}

void RegisterValueDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option,
                                  const QModelIndex &index) const
{
    QStyleOptionViewItem opt(option);
    initStyleOption(&opt, index);
    opt.state &= ~QStyle::State_HasFocus;
    if (index.column() != RegisterModel::ValueColumn || opt.text.isEmpty()) {
        QStyledItemDelegate::paint(painter, opt, index);
        return;
    }
    const QWidget *widget = opt.widget;
    const QStyle *style = widget ? widget->style() : QApplication::style();
    const QString text = opt.text;
    opt.text.clear();
    style->drawControl(QStyle::CE_ItemViewItem, &opt, painter, widget);
    const QRect rect = style->subElementRect(QStyle::SE_ItemViewItemText, &opt, widget);
    const int margin = style->pixelMetric(QStyle::PM_FocusFrameHMargin, nullptr, widget) + 1;

    const qsizetype split = significantStart(text);
    const QString leading = text.left(split);
    const QString significant = text.mid(split);
    const bool selected = opt.state & QStyle::State_Selected;
    QColor dim = m_colors.dimText;
    QColor strong = opt.palette.color(QPalette::Text);
    if (selected) {
        strong = opt.palette.color(QPalette::HighlightedText);
        dim = strong;
        dim.setAlphaF(0.7f);
    }
    QFont strongFont = opt.font;
    strongFont.setBold(true);

    painter->save();
    painter->setClipRect(opt.rect);
    const QFontMetrics metrics(opt.font);
    const int baseline = rect.top() + (rect.height() - metrics.height()) / 2 + metrics.ascent();
    int x = rect.left() + margin;
    painter->setFont(opt.font);
    painter->setPen(dim);
    painter->drawText(QPoint(x, baseline), leading);
    x += metrics.horizontalAdvance(leading);
    painter->setFont(strongFont);
    painter->setPen(strong);
    painter->drawText(QPoint(x, baseline), significant);
    painter->restore();
}

QWidget *RegisterValueDelegate::createEditor(QWidget *parent, const QStyleOptionViewItem &option,
                                             const QModelIndex &index) const
{
    QWidget *editor = QStyledItemDelegate::createEditor(parent, option, index);
    if (editor) {
        editor->setFont(valueFont());
        editor->setToolTip(m_editorToolTip);
    }
    return editor;
}

RegistersPane::RegistersPane(WorkbenchController &controller, QWidget *parent)
    : Pane(tr("Registers"), QStringLiteral("registers"), controller, parent)
{
    m_model = new RegisterModel(this);
    m_model->setEditCallback(
        [&controller](RegisterId id, quint64 value) { controller.setRegister(id, value); });
    m_view = new QTableView(this);
    m_delegate = new RegisterValueDelegate(m_view);
    m_view->setModel(m_model);
    m_delegate->setEditorToolTip(
        tr("Hex (0x10, 10h) or decimal (16, -1); Enter applies it, Escape cancels"));
    m_view->setItemDelegate(m_delegate);
    m_view->setShowGrid(false);
    m_view->setWordWrap(false);
    m_view->setAlternatingRowColors(true);
    m_view->setSelectionBehavior(QAbstractItemView::SelectItems);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setEditTriggers(QAbstractItemView::DoubleClicked | QAbstractItemView::EditKeyPressed |
                            QAbstractItemView::SelectedClicked);
    m_view->verticalHeader()->hide();
    m_view->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    QHeaderView *header = m_view->horizontalHeader();
    header->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    header->setHighlightSections(false);
    header->setSectionResizeMode(RegisterModel::NameColumn, QHeaderView::ResizeToContents);
    header->setSectionResizeMode(RegisterModel::ValueColumn, QHeaderView::Stretch);
    setWidget(m_view);

    connect(&controller, &WorkbenchController::stateChanged, this, [this] { requestRefresh(); });
    connect(&controller, &WorkbenchController::runningChanged, this, [this] { requestRefresh(); });
    applyColors();
    applyMetrics();
}

void RegistersPane::refresh()
{
    const WorkbenchController &c = controller();
    m_model->setSnapshot(c.snapshot());
    m_model->setEditable(c.hasProgram() && !c.isRunning());
}

void RegistersPane::applyColors()
{
    const WorkbenchColors colors = WorkbenchColors::forPalette(palette());
    m_model->setColors(colors);
    m_delegate->setColors(colors);
    m_view->viewport()->update();
}

void RegistersPane::applyMetrics()
{
    // Compact rows: all 28 registers fit a pane of ordinary height.
    const QFontMetrics metrics(valueFont().resolve(m_view->font()));
    m_view->verticalHeader()->setDefaultSectionSize(metrics.height() + metrics.height() / 3);
}

void RegistersPane::changeEvent(QEvent *event)
{
    Pane::changeEvent(event);
    if (event->type() == QEvent::PaletteChange)
        applyColors();
    else if (event->type() == QEvent::FontChange)
        applyMetrics();
}

} // namespace vmwb
