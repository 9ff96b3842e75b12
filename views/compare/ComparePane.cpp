#include "compare/ComparePane.h"

#include "common/Colors.h"
#include "common/Format.h"
#include "common/PaddedItemDelegate.h"
#include "compare/CompareChart.h"
#include "compare/CompareModel.h"
#include "compare/TechniqueComparer.h"
#include "controller/WorkbenchController.h"

#include <QCheckBox>
#include <QEvent>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLocale>
#include <QPainter>
#include <QPushButton>
#include <QScrollArea>
#include <QScrollBar>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>
#include <algorithm>

namespace vmwb {

namespace {

// The rows of the details box, by key.
constexpr std::array<const char *, 5> kDetailKeys = {"instruction", "what", "native", "technique",
                                                     "explanation"};

// Keeps the result's colour when its row is selected, framed in the selection's colour: the
// red of a divergence is what the table is for.
class ResultDelegate : public PaddedItemDelegate
{
public:
    using PaddedItemDelegate::PaddedItemDelegate;

    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override
    {
        const bool selected = option.state & QStyle::State_Selected;
        if (index.column() != CompareModel::ResultColumn || !selected ||
            !index.data(Qt::BackgroundRole).isValid()) {
            PaddedItemDelegate::paint(painter, option, index);
            return;
        }
        QStyleOptionViewItem unselected(option);
        unselected.state &= ~QStyle::State_Selected;
        PaddedItemDelegate::paint(painter, unselected, index);
        painter->save();
        const qreal width = 2;
        painter->setPen(QPen(option.palette.color(QPalette::Highlight), width));
        painter->setBrush(Qt::NoBrush);
        painter->drawRect(
            QRectF(option.rect).adjusted(width / 2, width / 2, -width / 2, -width / 2));
        painter->restore();
    }
};

} // namespace

ComparePane::ComparePane(WorkbenchController &controller, QWidget *parent)
    : Pane(tr("Compare"), QStringLiteral("comparePane"), controller, parent)
{
    m_model = new CompareModel(this);
    m_comparer = new TechniqueComparer(this);

    auto *content = new QWidget(this);
    auto *layout = new QVBoxLayout(content);
    layout->setContentsMargins(4, 4, 4, 4);

    auto *bar = new QHBoxLayout;
    m_compareButton = new QPushButton(tr("&Compare Techniques"), content);
    m_compareButton->setObjectName(QStringLiteral("compareTechniques"));
    m_compareButton->setToolTip(
        tr("Run the editor's snippet natively and under every technique, and compare what the "
           "guest sees and what each technique costs (Ctrl+Shift+C)"));
    bar->addWidget(m_compareButton);
    m_status = new QLabel(content);
    m_status->setObjectName(QStringLiteral("compareStatus"));
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    bar->addWidget(m_status, 1);
    m_logarithmic = new QCheckBox(tr("&Logarithmic axis"), content);
    m_logarithmic->setObjectName(QStringLiteral("logarithmicAxis"));
    m_logarithmic->setToolTip(
        tr("Show the cycles on a logarithmic axis, so that a cheap run stays visible next to "
           "an expensive one. The totals then compare by length; the segments of one bar do "
           "not."));
    bar->addWidget(m_logarithmic);
    layout->addLayout(bar);

    // The table above the details, the chart beside them.
    m_splitter = new QSplitter(Qt::Horizontal, content);
    m_splitter->setChildrenCollapsible(false);
    layout->addWidget(m_splitter, 1);
    m_left = new QSplitter(Qt::Vertical, m_splitter);
    m_left->setChildrenCollapsible(false);

    m_table = new QTableView(m_left);
    m_table->setObjectName(QStringLiteral("compareTable"));
    m_table->setModel(m_model);
    m_table->setItemDelegate(new ResultDelegate(m_table));
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setAlternatingRowColors(true);
    m_table->setWordWrap(false);
    m_table->setHorizontalScrollMode(QAbstractItemView::ScrollPerPixel);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setHighlightSections(false);
    m_table->horizontalHeader()->setStretchLastSection(false);
    m_table->setToolTip(tr("Each technique against native execution; click a row to load "
                           "that technique's run"));
    m_left->addWidget(m_table);
    m_left->addWidget(createDetails());
    m_left->setStretchFactor(0, 0);
    m_left->setStretchFactor(1, 1);
    m_chart = new CompareChart(m_splitter);
    m_splitter->addWidget(m_left);
    m_splitter->addWidget(m_chart);
    m_splitter->setStretchFactor(0, 0);
    m_splitter->setStretchFactor(1, 1);
    setWidget(content);

    connect(m_compareButton, &QPushButton::clicked, this, &ComparePane::compareRequested);
    connect(m_logarithmic, &QCheckBox::toggled, m_chart, &CompareChart::setLogarithmic);
    connect(m_comparer, &TechniqueComparer::finished, this, [this](const Comparison &comparison) {
        showComparison(comparison, m_pendingSource);
        emit comparisonFinished(true);
    });
    connect(m_comparer, &TechniqueComparer::failed, this, [this](const QString &message) {
        m_compareButton->setEnabled(true);
        setStatus(message, true);
        emit comparisonFinished(false);
    });
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this] { showDetails(); });
    // A click loads the run even on the row already selected; Enter and double-click too.
    connect(m_table, &QTableView::clicked, this, [this](const QModelIndex &index) {
        loadRun(index.data(CompareModel::TechniqueRole).toString());
    });
    connect(m_table, &QTableView::activated, this, [this](const QModelIndex &index) {
        loadRun(index.data(CompareModel::TechniqueRole).toString());
    });
    connect(m_chart, &CompareChart::barClicked, this, [this](int index) {
        const QModelIndex row = m_model->index(index, CompareModel::TechniqueColumn);
        m_table->setCurrentIndex(row);
        loadRun(row.data(CompareModel::TechniqueRole).toString());
    });
    connect(m_loadButton, &QPushButton::clicked, this, [this] { loadRun(selectedTechnique()); });

    connect(&controller, &WorkbenchController::settingsChanged, this, [this] { requestRefresh(); });
    connect(&controller, &WorkbenchController::programChanged, this, [this] { requestRefresh(); });

    setStatus(tr("Run the snippet under every technique and compare each with native "
                 "execution."));
    applyColors();
    fitColumns();
    showDetails();
}

QWidget *ComparePane::createDetails()
{
    m_details = new QGroupBox(tr("First divergence"));
    m_details->setObjectName(QStringLiteral("divergenceDetails"));
    m_details->setToolTip(tr("The first guest instruction after which what the guest can see "
                             "(registers, flags, memory, console, interrupts) differs from "
                             "native execution"));
    auto *layout = new QVBoxLayout(m_details);
    auto *top = new QHBoxLayout;
    m_heading = new QLabel(m_details);
    m_heading->setObjectName(QStringLiteral("headingValue"));
    m_heading->setWordWrap(true);
    m_heading->setTextFormat(Qt::RichText);
    top->addWidget(m_heading, 1);
    m_loadButton = new QPushButton(tr("Load &Run"), m_details);
    m_loadButton->setObjectName(QStringLiteral("loadRun"));
    m_loadButton->setToolTip(tr("Switch the window to this technique and restart the program "
                                "under it; the editor marks the line where it diverges"));
    top->addWidget(m_loadButton, 0, Qt::AlignTop);
    layout->addLayout(top);
    auto *form = new QFormLayout;
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    form->setRowWrapPolicy(QFormLayout::DontWrapRows);
    layout->addLayout(form);
    layout->addStretch(1);

    const auto add = [this, form](const char *key, const QString &title, const QString &tip) {
        auto *name = new QLabel(title, m_details);
        name->setObjectName(QLatin1String(key) + QStringLiteral("Title"));
        name->setToolTip(tip);
        auto *value = new QLabel(m_details);
        value->setObjectName(QLatin1String(key) + QStringLiteral("Value"));
        value->setToolTip(tip);
        value->setWordWrap(true);
        value->setTextInteractionFlags(Qt::TextSelectableByMouse);
        form->addRow(name, value);
    };
    add("instruction", tr("Instruction"),
        tr("The guest instruction after which the difference appeared"));
    add("what", tr("What differs"),
        tr("The part of the machine the guest can see that differs: a register, a flag, "
           "memory, the console or the interrupts delivered"));
    add("native", tr("Native"), tr("Its value under native execution"));
    add("technique", tr("Technique"), tr("Its value under the technique"));
    add("explanation", tr("Why"), tr("Why the technique diverges, in the lecture's words"));
    m_details->findChild<QLabel *>(QStringLiteral("instructionValue"))->setFont(valueFont());

    auto *area = new QScrollArea;
    area->setWidget(m_details);
    area->setWidgetResizable(true);
    area->setFrameShape(QFrame::NoFrame);
    return area;
}

bool ComparePane::isComparing() const
{
    return m_comparer->isRunning();
}

QString ComparePane::statusText() const
{
    return m_statusText;
}

QString ComparePane::detailText(const QString &key) const
{
    const auto *label = findChild<QLabel *>(key + QStringLiteral("Value"));
    return label != nullptr ? label->text() : QString();
}

int ComparePane::selectedRow() const
{
    const QModelIndex current = m_table->selectionModel()->currentIndex();
    return current.isValid() ? current.row() : -1;
}

QString ComparePane::selectedTechnique() const
{
    const TechniqueRun *run = m_model->runAt(selectedRow());
    return run != nullptr ? run->technique : QString();
}

void ComparePane::compare(const QString &source, const QString &fileName)
{
    m_pendingSource = source;
    CompareOptions options;
    const WorkbenchController &c = controller();
    options.session.timerPeriod = c.timerPeriod();
    options.session.maxInstructions = c.maxInstructions();
    options.session.vmcsControls = c.vmcsControls();
    m_compareButton->setEnabled(false);
    setStatus(tr("Running %1 natively and under every technique...").arg(fileName));
    // The marks of the last comparison no longer say anything about this one.
    emit divergenceSelected(0, {});
    m_comparer->start(source, fileName, options);
}

void ComparePane::showComparison(const Comparison &comparison, const QString &source)
{
    m_comparedSource = source;
    m_compareButton->setEnabled(!m_comparer->isRunning());
    m_model->setComparison(comparison);
    m_model->setCurrentTechnique(controller().technique());
    m_chart->setComparison(comparison);
    fitColumns();
    if (!m_arrangedForComparison) {
        m_arrangedForComparison = true;
        arrange(true);
    }

    int divergent = 0;
    for (const TechniqueRun &run : comparison.techniques)
        divergent += run.divergence ? 1 : 0;
    const int techniques = static_cast<int>(comparison.techniques.size());
    QString summary;
    if (divergent == 0) {
        summary = tr("Every technique is equivalent to native execution.");
    } else {
        summary = tr("Techniques that diverge from native execution: %1 of %2.")
                      .arg(divergent)
                      .arg(techniques);
    }
    setStatus(tr("%1 Cost preset: %2. Click a technique to load its run.")
                  .arg(summary, comparison.costPreset));
    selectAfterComparing();
    refresh();
}

// The technique loaded in the window if it diverges, else the first one that diverges, else
// the loaded one: what the student most likely wants to see first.
void ComparePane::selectAfterComparing()
{
    const QString current = controller().technique();
    int row = -1;
    const int currentRow = m_model->rowOf(current);
    if (currentRow >= 0 && m_model->runAt(currentRow)->divergence)
        row = currentRow;
    for (int r = 1; row < 0 && r < m_model->rowCount(); ++r) {
        if (m_model->runAt(r)->divergence)
            row = r;
    }
    if (row < 0)
        row = std::max(0, currentRow);
    if (row < m_model->rowCount())
        m_table->setCurrentIndex(m_model->index(row, CompareModel::TechniqueColumn));
    showDetails();
}

void ComparePane::selectTechnique(const QString &id)
{
    const int row = m_model->rowOf(id);
    if (row >= 0)
        m_table->setCurrentIndex(m_model->index(row, CompareModel::TechniqueColumn));
}

void ComparePane::loadRun(const QString &id)
{
    if (id.isEmpty())
        return;
    selectTechnique(id);
    controller().setTechnique(id);
    // Mark the divergence again: loading may have cleared the editor's mark.
    showDetails();
}

void ComparePane::showDetails()
{
    const TechniqueRun *run = m_model->runAt(selectedRow());
    const WorkbenchColors colors = WorkbenchColors::forPalette(palette());
    const auto value = [this](const char *key) {
        return findChild<QLabel *>(QLatin1String(key) + QStringLiteral("Value"));
    };
    const auto showRows = [this](bool shown) {
        for (const char *key : kDetailKeys) {
            findChild<QLabel *>(QLatin1String(key) + QStringLiteral("Title"))->setVisible(shown);
            findChild<QLabel *>(QLatin1String(key) + QStringLiteral("Value"))->setVisible(shown);
        }
    };
    m_loadButton->setEnabled(run != nullptr);
    if (run == nullptr) {
        m_heading->setText(m_model->rowCount() == 0
                               ? tr("Nothing compared yet.")
                               : tr("Select a technique to see where it diverges."));
        showRows(false);
        emit divergenceSelected(0, {});
        return;
    }
    const QString title = CompareModel::titleOf(*run).toHtmlEscaped();
    const QLocale locale;
    if (!run->divergence) {
        QString text;
        if (run->comparedBy == QLatin1String("baseline")) {
            text = tr("<b>%1</b> is the baseline: what real hardware does, and what the "
                      "techniques are compared with.")
                       .arg(title);
        } else if (run->comparedBy == QLatin1String("none")) {
            text = tr("<b>%1</b> could not run the snippet: %2")
                       .arg(title, run->problem.toHtmlEscaped());
        } else if (run->comparedBy == QLatin1String("output")) {
            text = tr("<b>%1</b> is equivalent to native execution: it runs a modified "
                      "program, so it is compared by what the guest does: the console, the "
                      "interrupts delivered and the exit code.")
                       .arg(title);
        } else {
            text = tr("<b>%1</b> is equivalent to native execution: after each of its %2 "
                      "guest instructions the guest saw what it sees on real hardware.")
                       .arg(title, locale.toString(static_cast<qulonglong>(run->instructions)));
        }
        m_heading->setText(text);
        showRows(false);
        emit divergenceSelected(0, {});
        return;
    }

    const Divergence &d = *run->divergence;
    QString where = d.line > 0 ? tr("at line %1").arg(d.line) : tr("at an unknown line");
    m_heading->setText(
        tr("<b>%1</b> diverges from native execution %2, after %3 guest instructions.")
            .arg(title, where, locale.toString(static_cast<qulonglong>(d.index))));
    showRows(true);
    QString instruction = d.instruction.isEmpty() ? QStringLiteral("\u2014") : d.instruction;
    if (d.rip != 0)
        instruction += QStringLiteral("   (%1)").arg(groupedHex(d.rip, 8));
    value("instruction")->setText(instruction);
    value("what")->setText(d.what);
    // The technique's value on the colour of a difference, native's on that of agreement.
    const QString cell =
        QStringLiteral("<span style=\"background-color:%1\">&nbsp;%2&nbsp;</span>");
    value("native")->setText(cell.arg(colors.inserted.name(), d.nativeValue.toHtmlEscaped()));
    value("technique")
        ->setText(cell.arg(colors.difference.name(), d.techniqueValue.toHtmlEscaped()));
    findChild<QLabel *>(QStringLiteral("techniqueTitle"))->setText(CompareModel::titleOf(*run));
    value("explanation")
        ->setText(d.explanation.isEmpty() ? QStringLiteral("\u2014") : d.explanation);
    emit divergenceSelected(d.line, CompareModel::divergenceToolTip(*run));
}

void ComparePane::setStatus(const QString &text, bool problem)
{
    m_statusText = text;
    m_statusProblem = problem;
    m_status->setText(text);
    QPalette palette = m_status->palette();
    const WorkbenchColors colors = WorkbenchColors::forPalette(this->palette());
    palette.setColor(QPalette::WindowText,
                     problem ? colors.error : this->palette().color(QPalette::WindowText));
    m_status->setPalette(palette);
}

void ComparePane::refresh()
{
    m_model->setCurrentTechnique(controller().technique());
    if (m_model->rowCount() == 0 || m_comparer->isRunning())
        return;
    // The program the window runs is no longer the one compared.
    const ProgramView &program = controller().program();
    if (controller().hasProgram() && !program.source.isEmpty() &&
        program.source != m_comparedSource && !m_statusProblem) {
        setStatus(tr("The snippet changed after this comparison: press Compare to run it "
                     "again."));
    }
}

void ComparePane::applyColors()
{
    m_model->setColors(WorkbenchColors::forPalette(palette()));
    setStatus(m_statusText, m_statusProblem);
    if (m_heading != nullptr && m_model->rowCount() > 0)
        showDetails();
}

void ComparePane::fitColumns()
{
    m_table->resizeColumnsToContents();
    m_table->resizeRowsToContents();
    fitTableHeight();
}

int ComparePane::tableWidth() const
{
    int width = 2 * m_table->frameWidth();
    for (int column = 0; column < m_model->columnCount(); ++column)
        width += m_table->columnWidth(column);
    return width;
}

// The table as high as its rows (a row for each technique and native), the rest for the
// details.
void ComparePane::fitTableHeight()
{
    const int rows = std::max(m_model->rowCount(), 5);
    const int rowHeight = m_model->rowCount() > 0 ? m_table->rowHeight(0)
                                                  : m_table->verticalHeader()->defaultSectionSize();
    int wanted = m_table->horizontalHeader()->sizeHint().height() + rows * rowHeight +
                 2 * m_table->frameWidth();
    if (m_table->horizontalScrollBar()->isVisible())
        wanted += m_table->horizontalScrollBar()->sizeHint().height();
    const int total = m_left->height();
    if (total <= 0)
        return;
    // The details need room too: the explanation is what a student reads.
    const int table = std::min(wanted, total * 3 / 5);
    m_left->setSizes({table, total - table});
}

void ComparePane::resizeEvent(QResizeEvent *event)
{
    Pane::resizeEvent(event);
    arrange(false);
}

// Along the bottom of the window the pane is wide and short: the table and the details
// beside the chart. Docked at a side it is tall: everything one above the other. `again`
// arranges even if the shape has not changed (a first comparison sizes the table).
void ComparePane::arrange(bool again)
{
    const Qt::Orientation orientation = width() > height() * 3 / 2 ? Qt::Horizontal : Qt::Vertical;
    if (m_arranged == orientation && !again)
        return;
    m_arranged = orientation;
    m_splitter->setOrientation(orientation);
    if (orientation == Qt::Horizontal) {
        // The table's columns in full where they fit, the chart gets the rest.
        const int total = m_splitter->width();
        const int left = std::min(tableWidth() + 2, total * 3 / 5);
        m_splitter->setSizes({left, total - left});
    } else {
        const int total = m_splitter->height();
        m_splitter->setSizes({total * 11 / 20, total * 9 / 20});
    }
    fitTableHeight();
}

void ComparePane::changeEvent(QEvent *event)
{
    Pane::changeEvent(event);
    if (event->type() == QEvent::PaletteChange)
        applyColors();
    else if (event->type() == QEvent::FontChange)
        fitColumns();
}

} // namespace vmwb
