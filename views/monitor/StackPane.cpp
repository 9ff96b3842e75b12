#include "monitor/StackPane.h"

#include "common/Colors.h"
#include "common/PaddedItemDelegate.h"
#include "controller/WorkbenchController.h"
#include "monitor/StackModel.h"

#include <QEvent>
#include <QFontDatabase>
#include <QHeaderView>
#include <QLabel>
#include <QTableView>
#include <QVBoxLayout>

namespace vmwb {

StackPane::StackPane(WorkbenchController &controller, QWidget *parent)
    : Pane(tr("Stack"), QStringLiteral("stack"), controller, parent)
{
    m_model = new StackModel(this);

    auto *content = new QWidget(this);
    auto *layout = new QVBoxLayout(content);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->setSpacing(4);

    m_caption = new QLabel(tr("Higher addresses at the top; the stack grows down."), content);
    m_caption->setObjectName(QStringLiteral("stackCaption"));
    m_caption->setWordWrap(true);
    m_caption->setToolTip(tr("x86-64 pushes by lowering RSP by 8 and storing at the new RSP; "
                             "an interrupt pushes SS, RSP, RFLAGS, CS and RIP in that order"));
    layout->addWidget(m_caption);

    m_table = new QTableView(content);
    m_table->setObjectName(QStringLiteral("stackTable"));
    m_table->setModel(m_model);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setWordWrap(false);
    m_table->setShowGrid(false);
    m_table->setItemDelegate(new PaddedItemDelegate(m_table));
    m_table->setCornerButtonEnabled(false);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->horizontalHeader()->setHighlightSections(false);
    m_table->setToolTip(tr("The guest stack around RSP. Tinted rows belong to an interrupt "
                           "frame; dimmed rows below RSP are free."));
    layout->addWidget(m_table, 1);
    setWidget(content);

    updateColors();
    updateFonts();

    connect(&controller, &WorkbenchController::stateChanged, this, [this] { requestRefresh(); });
}

void StackPane::refresh()
{
    m_model->setSnapshot(controller().snapshot());
    if (const int top = m_model->topRow(); top >= 0)
        // Centred, so that the free slots below RSP and the frame above it both show.
        m_table->scrollTo(m_model->index(top, 0), QAbstractItemView::PositionAtCenter);
}

void StackPane::updateColors()
{
    const WorkbenchColors colors = WorkbenchColors::forPalette(palette());
    m_model->setColors(colors);
    QPalette captionPalette = m_caption->palette();
    captionPalette.setColor(QPalette::WindowText, colors.dimText);
    m_caption->setPalette(captionPalette);
}

void StackPane::updateFonts()
{
    const QFont text = m_table->font();
    QFont fixed = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    fixed.setPointSizeF(text.pointSizeF());
    m_model->setFonts(text, fixed);

    QFont bold = fixed;
    bold.setBold(true);
    const QFontMetrics metrics(bold);
    const QFontMetrics textMetrics(text);
    m_table->verticalHeader()->setDefaultSectionSize(
        std::max(metrics.height(), textMetrics.height()) + 8);
    const int padding = 2 * metrics.averageCharWidth() + 4;
    auto fit = [&](int column, const QString &sample) {
        const QString header =
            m_model->headerData(column, Qt::Horizontal, Qt::DisplayRole).toString();
        m_table->setColumnWidth(column, std::max(metrics.horizontalAdvance(sample),
                                                 textMetrics.horizontalAdvance(header) + 8) +
                                            padding);
    };
    fit(StackModel::OffsetColumn, StackModel::topMarker());
    fit(StackModel::AddressColumn, QStringLiteral("0x0000000000"));
    fit(StackModel::ValueColumn, QStringLiteral("0x0000000000"));
}

void StackPane::changeEvent(QEvent *event)
{
    Pane::changeEvent(event);
    if (event->type() == QEvent::PaletteChange)
        updateColors();
    else if (event->type() == QEvent::FontChange)
        updateFonts();
}

} // namespace vmwb
