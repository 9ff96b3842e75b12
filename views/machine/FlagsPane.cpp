#include "machine/FlagsPane.h"

#include "common/Colors.h"
#include "controller/WorkbenchController.h"
#include "machine/FlagsModel.h"
#include "machine/RegisterModel.h"

#include <QApplication>
#include <QEvent>
#include <QHeaderView>
#include <QLabel>
#include <QPainter>
#include <QStyledItemDelegate>
#include <QTableView>
#include <QVBoxLayout>
#include <algorithm>

namespace vmwb {

// Values in the fixed-pitch font, flag names and differing values in bold, and the instruction
// column's "reads" and "writes" each in its own colour.
class FlagsDelegate : public QStyledItemDelegate
{
public:
    using QStyledItemDelegate::QStyledItemDelegate;

    void setColors(const WorkbenchColors &colors) { m_colors = colors; }

    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override;

protected:
    void initStyleOption(QStyleOptionViewItem *option, const QModelIndex &index) const override;

private:
    WorkbenchColors m_colors;
};

void FlagsDelegate::initStyleOption(QStyleOptionViewItem *option, const QModelIndex &index) const
{
    QStyledItemDelegate::initStyleOption(option, index);
    const int column = index.column();
    // The flag's name stays in the window's font, on the same baseline as its meaning.
    if (column == FlagsModel::GuestColumn || column == FlagsModel::RealColumn)
        option->font = valueFont().resolve(option->font);
    if (column == FlagsModel::FlagColumn || index.data(FlagsModel::DifferentRole).toBool() ||
        column == FlagsModel::AccessColumn)
        option->font.setBold(true);
    option->fontMetrics = QFontMetrics(option->font);
}

void FlagsDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option,
                          const QModelIndex &index) const
{
    QStyleOptionViewItem opt(option);
    initStyleOption(&opt, index);
    opt.state &= ~QStyle::State_HasFocus;
    const int access = index.data(FlagsModel::AccessRole).toInt();
    if (index.column() != FlagsModel::AccessColumn || access == 0) {
        QStyledItemDelegate::paint(painter, opt, index);
        return;
    }
    const QWidget *widget = opt.widget;
    const QStyle *style = widget ? widget->style() : QApplication::style();
    opt.text.clear();
    style->drawControl(QStyle::CE_ItemViewItem, &opt, painter, widget);
    const QRect rect = style->subElementRect(QStyle::SE_ItemViewItemText, &opt, widget);
    const int margin = style->pixelMetric(QStyle::PM_FocusFrameHMargin, nullptr, widget) + 1;

    const bool selected = opt.state & QStyle::State_Selected;
    const QColor plain = opt.palette.color(selected ? QPalette::HighlightedText : QPalette::Text);
    struct Part
    {
        QString text;
        QColor color;
    };
    std::vector<Part> parts;
    if (access & FlagsModel::Reads)
        parts.push_back(
            {FlagsModel::accessWord(FlagsModel::Reads), selected ? plain : m_colors.flagRead});
    if (access == (FlagsModel::Reads | FlagsModel::Writes))
        parts.push_back({QStringLiteral(", "), plain});
    if (access & FlagsModel::Writes)
        parts.push_back(
            {FlagsModel::accessWord(FlagsModel::Writes), selected ? plain : m_colors.flagWritten});

    painter->save();
    painter->setClipRect(opt.rect);
    painter->setFont(opt.font);
    const QFontMetrics metrics(opt.font);
    const int baseline = rect.top() + (rect.height() - metrics.height()) / 2 + metrics.ascent();
    int x = rect.left() + margin;
    for (const Part &part : parts) {
        painter->setPen(part.color);
        painter->drawText(QPoint(x, baseline), part.text);
        x += metrics.horizontalAdvance(part.text);
    }
    painter->restore();
}

FlagsPane::FlagsPane(WorkbenchController &controller, QWidget *parent)
    : Pane(tr("Flags"), QStringLiteral("flags"), controller, parent)
{
    auto *content = new QWidget(this);
    auto *layout = new QVBoxLayout(content);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);

    m_header = new QLabel(content);
    m_header->setWordWrap(true);
    m_header->setTextFormat(Qt::RichText);
    m_header->setContentsMargins(6, 4, 6, 4);
    m_header->setToolTip(
        tr("\"Guest believes\" is the CPU as the guest kernel thinks it is: for IF, IOPL and the "
           "CPL the monitor's virtual CPU, for the other flags the real bits. \"Real CPU\" is "
           "what the processor holds. Highlighted cells mark where the two differ."));
    layout->addWidget(m_header);

    m_model = new FlagsModel(this);
    m_view = new QTableView(content);
    m_delegate = new FlagsDelegate(m_view);
    m_view->setModel(m_model);
    m_view->setItemDelegate(m_delegate);
    m_view->setShowGrid(false);
    m_view->setWordWrap(false);
    m_view->setAlternatingRowColors(true);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_view->verticalHeader()->hide();
    m_view->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    QHeaderView *header = m_view->horizontalHeader();
    header->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    header->setHighlightSections(false);
    // Fixed widths for the value columns, so that they do not jump as instructions with and
    // without flag accesses come and go; the meaning takes what is left.
    header->setSectionResizeMode(QHeaderView::Fixed);
    header->setSectionResizeMode(FlagsModel::FlagColumn, QHeaderView::ResizeToContents);
    header->setSectionResizeMode(FlagsModel::MeaningColumn, QHeaderView::Stretch);
    layout->addWidget(m_view, 1);
    setWidget(content);

    connect(&controller, &WorkbenchController::stateChanged, this, [this] { requestRefresh(); });
    connect(&controller, &WorkbenchController::settingsChanged, this, [this] { requestRefresh(); });
    applyColors();
    applyMetrics();
}

QString FlagsPane::headerText() const
{
    const MachineSnapshot &snapshot = controller().snapshot();
    if (!snapshot.valid)
        return tr("No program is loaded.");
    QString meaning;
    if (!snapshot.virtualized)
        meaning = tr("the guest's flags are the real flags.");
    else if (snapshot.guestRing > 0)
        meaning = tr("deprivileged at ring %1: the monitor keeps the guest's IF and IOPL in a "
                     "virtual CPU.")
                      .arg(snapshot.guestRing);
    else
        meaning = tr("the guest kernel runs at ring 0; \"guest believes\" shows the CPU as the "
                     "monitor presents it to the guest.");
    return tr("<b>%1</b> &mdash; %2")
        .arg(snapshot.techniqueTitle.toHtmlEscaped(), meaning.toHtmlEscaped());
}

void FlagsPane::refresh()
{
    m_model->setSnapshot(controller().snapshot());
    m_header->setText(headerText());
}

void FlagsPane::applyColors()
{
    const WorkbenchColors colors = WorkbenchColors::forPalette(palette());
    m_model->setColors(colors);
    m_delegate->setColors(colors);
    m_view->viewport()->update();
}

void FlagsPane::applyMetrics()
{
    QFont bold = valueFont().resolve(m_view->font());
    bold.setBold(true);
    const QFontMetrics metrics(bold);
    m_view->verticalHeader()->setDefaultSectionSize(metrics.height() + metrics.height() / 3);

    QFont boldText = m_view->font();
    boldText.setBold(true);
    const int padding = 2 * (m_view->style()->pixelMetric(QStyle::PM_FocusFrameHMargin) + 1) +
                        metrics.averageCharWidth();
    const int widest = QFontMetrics(boldText).horizontalAdvance(
        FlagsModel::accessText(FlagsModel::Reads | FlagsModel::Writes));
    QHeaderView *header = m_view->horizontalHeader();
    for (const int column :
         {FlagsModel::GuestColumn, FlagsModel::RealColumn, FlagsModel::AccessColumn}) {
        const int content = column == FlagsModel::AccessColumn
                                ? widest
                                : metrics.horizontalAdvance(QStringLiteral("0"));
        header->resizeSection(column, std::max(header->sectionSizeHint(column), content + padding));
    }
}

void FlagsPane::changeEvent(QEvent *event)
{
    Pane::changeEvent(event);
    if (event->type() == QEvent::PaletteChange)
        applyColors();
    else if (event->type() == QEvent::FontChange)
        applyMetrics();
}

} // namespace vmwb
