// The Compare pane: the table and the chart fed a hand-built comparison (rows, columns,
// values, tool tips, stacked bars that add up to each technique's cycles), the editor's mark at
// the first divergence and how an edit clears it, clicking a technique to load its run, a
// snippet that does not assemble, and a real comparison of the POPF demo.

#include "MainWindow.h"
#include "common/Theme.h"
#include "compare/CompareChart.h"
#include "compare/CompareModel.h"
#include "compare/ComparePane.h"
#include "controller/WorkbenchController.h"
#include "editor/CodeEditor.h"
#include "support/Demo.h"

#include <QAbstractItemModelTester>
#include <QComboBox>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableView>
#include <QtTest>

using namespace vmwb;

using vmwb::test::demoSource;

namespace {

const QString kNative = QStringLiteral("native");
const QString kTrapAndEmulate = QStringLiteral("trap-and-emulate");
const QString kParavirtual = QStringLiteral("paravirtual");
const QString kBinaryTranslation = QStringLiteral("binary-translation");
const QString kHardwareAssisted = QStringLiteral("hardware-assisted");

// A comparison takes five whole runs; on a loaded machine that can take a while.
constexpr int kCompareTimeoutMs = 120000;

// The line of the demo's `popf` (the critical section's end), found rather than assumed.
int popfLine(const QString &source)
{
    const QStringList lines = source.split(QLatin1Char('\n'));
    for (qsizetype i = 0; i < lines.size(); ++i) {
        if (lines[i].trimmed().startsWith(QLatin1String("popf")))
            return static_cast<int>(i + 1);
    }
    qFatal("the demo has no popf line");
}

TechniqueRun run(const QString &id, const char *title, const QString &comparedBy,
                 std::uint64_t instructions, std::uint64_t instructionCycles)
{
    TechniqueRun r;
    r.technique = id;
    r.title = QString::fromLatin1(title);
    r.comparedBy = comparedBy;
    r.status = RunStatus::Exited;
    r.exitCode = 3;
    r.instructions = instructions;
    r.instructionCycles = instructionCycles;
    return r;
}

void charge(TechniqueRun &r, EventKind kind, std::uint64_t count, std::uint64_t cycles)
{
    r.counts[static_cast<std::size_t>(kind)] = count;
    r.eventCycles[static_cast<std::size_t>(kind)] = cycles;
}

void total(TechniqueRun &r, std::uint64_t nativeCycles)
{
    r.cycles = r.instructionCycles;
    for (std::uint64_t cycles : r.eventCycles)
        r.cycles += cycles;
    r.overhead = static_cast<double>(r.cycles) / static_cast<double>(nativeCycles);
}

// The POPF demo as the engine compares it, with round numbers: trap-and-emulate loses the
// popf, the others are equivalent and pay in their own kind of event.
Comparison handBuiltComparison(int divergenceLine)
{
    Comparison c;
    c.file = QStringLiteral("popf-if.asm");
    c.costPreset = QStringLiteral("pentium4-2006");
    c.native = run(kNative, "Native", QStringLiteral("baseline"), 10000, 10000);
    charge(c.native, EventKind::Io, 40, 4000);
    charge(c.native, EventKind::InterruptDelivered, 20, 2000);
    total(c.native, 16000);

    TechniqueRun te =
        run(kTrapAndEmulate, "Trap-and-emulate", QStringLiteral("instruction"), 10000, 10000);
    charge(te, EventKind::Trap, 45, 90000);
    charge(te, EventKind::Hole, 2, 0);
    charge(te, EventKind::InterruptDelivered, 3, 300);
    total(te, c.native.cycles);
    Divergence d;
    d.index = 6012;
    d.rip = 0x100040;
    d.line = divergenceLine;
    d.instruction = QStringLiteral("popfq");
    d.what = QStringLiteral("rflags.if");
    d.nativeValue = QStringLiteral("1");
    d.techniqueValue = QStringLiteral("0");
    d.explanation = QStringLiteral("popfq at CPL 3 with IOPL 0 does not change IF");
    te.divergence = d;

    TechniqueRun pv = run(kParavirtual, "Paravirtual", QStringLiteral("output"), 10400, 10400);
    charge(pv, EventKind::Hypercall, 30, 15000);
    total(pv, c.native.cycles);

    TechniqueRun bt =
        run(kBinaryTranslation, "Binary translation", QStringLiteral("instruction"), 10000, 10000);
    charge(bt, EventKind::Callout, 44, 22000);
    charge(bt, EventKind::Translation, 2, 6000);
    total(bt, c.native.cycles);

    TechniqueRun hw = run(kHardwareAssisted, "Hardware-assisted (VT-x)",
                          QStringLiteral("instruction"), 10000, 10000);
    charge(hw, EventKind::VmExit, 42, 84000);
    total(hw, c.native.cycles);

    c.techniques = {te, pv, bt, hw};
    return c;
}

QVariant cell(const CompareModel &model, int row, int column, int role = Qt::DisplayRole)
{
    return model.index(row, column).data(role);
}

QMenu *menuNamed(app::MainWindow &window, const QString &title)
{
    for (QAction *entry : window.menuBar()->actions()) {
        if (entry->menu() && entry->text().remove(QLatin1Char('&')) == title)
            return entry->menu();
    }
    return nullptr;
}

// The demo in a window that has assembled and booted it.
void openDemo(app::MainWindow &window)
{
    QVERIFY(window.openDemo());
    window.controller().waitForIdle();
    QTRY_VERIFY(window.controller().hasProgram());
}

} // namespace

class TestCompareViews : public QObject
{
    Q_OBJECT

private slots:
    void modelHasARowPerTechniqueAfterNative();
    void modelShowsEachTechniquesResultAndCounts_data();
    void modelShowsEachTechniquesResultAndCounts();
    void modelToolTipGivesBothValuesAndTheExplanation();
    void modelColoursTheResultByTheTheme();
    void chartStacksAddUpToEachTechniquesCycles();
    void chartHasALayerPerKindThatCostCycles();
    void chartKeepsItsSumsOnALogarithmicAxis();
    void chartFollowsTheTheme();
    void detailsShowTheSelectedDivergence();
    void editorMarkSitsOnTheDivergenceAndAnEditClearsIt();
    void editorMarkWaitsForTheComparedText();
    void clickingARowLoadsThatTechniquesRun();
    void runMenuOffersTheComparison();
    void snippetThatDoesNotAssembleIsReported();
    void popfDemoDivergesOnlyUnderTrapAndEmulate();
};

void TestCompareViews::modelHasARowPerTechniqueAfterNative()
{
    CompareModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(model.rowCount(), 0);
    model.setComparison(handBuiltComparison(46));
    QCOMPARE(model.rowCount(), 5);
    QCOMPARE(model.columnCount(), int(CompareModel::ColumnCount));
    const QStringList ids{kNative, kTrapAndEmulate, kParavirtual, kBinaryTranslation,
                          kHardwareAssisted};
    for (int row = 0; row < ids.size(); ++row) {
        QCOMPARE(
            cell(model, row, CompareModel::TechniqueColumn, CompareModel::TechniqueRole).toString(),
            ids[row]);
        QCOMPARE(model.rowOf(ids[row]), row);
    }
    QCOMPARE(model.headerData(CompareModel::VmExitsColumn, Qt::Horizontal).toString(),
             QStringLiteral("VM exits"));
    QCOMPARE(model.headerData(CompareModel::OverheadColumn, Qt::Horizontal).toString(),
             QStringLiteral("Overhead"));
    model.clear();
    QCOMPARE(model.rowCount(), 0);
}

void TestCompareViews::modelShowsEachTechniquesResultAndCounts_data()
{
    QTest::addColumn<int>("row");
    QTest::addColumn<QString>("result");
    QTest::addColumn<bool>("equivalent");
    QTest::addColumn<int>("column");
    QTest::addColumn<qulonglong>("count");
    QTest::addColumn<qulonglong>("cycles");
    QTest::addColumn<QString>("overhead");

    QTest::newRow("native") << 0 << QStringLiteral("baseline") << true
                            << int(CompareModel::TrapsColumn) << 0ULL << 16000ULL
                            << QStringLiteral("\u00d71.00");
    QTest::newRow("trap-and-emulate")
        << 1 << QStringLiteral("diverges at line 46: popfq") << false
        << int(CompareModel::TrapsColumn) << 45ULL << 100300ULL << QStringLiteral("\u00d76.27");
    QTest::newRow("paravirtual") << 2 << QStringLiteral("equivalent (by its output)") << true
                                 << int(CompareModel::HypercallsColumn) << 30ULL << 25400ULL
                                 << QStringLiteral("\u00d71.59");
    QTest::newRow("binary-translation")
        << 3 << QStringLiteral("equivalent") << true << int(CompareModel::CalloutsColumn) << 44ULL
        << 38000ULL << QStringLiteral("\u00d72.38");
    QTest::newRow("hardware-assisted")
        << 4 << QStringLiteral("equivalent") << true << int(CompareModel::VmExitsColumn) << 42ULL
        << 94000ULL << QStringLiteral("\u00d75.88");
}

void TestCompareViews::modelShowsEachTechniquesResultAndCounts()
{
    QFETCH(int, row);
    QFETCH(QString, result);
    QFETCH(bool, equivalent);
    QFETCH(int, column);
    QFETCH(qulonglong, count);
    QFETCH(qulonglong, cycles);
    QFETCH(QString, overhead);

    QLocale::setDefault(QLocale::c());
    CompareModel model;
    model.setComparison(handBuiltComparison(46));
    QCOMPARE(cell(model, row, CompareModel::ResultColumn).toString(), result);
    QCOMPARE(cell(model, row, CompareModel::TechniqueColumn, CompareModel::EquivalentRole).toBool(),
             equivalent);
    QCOMPARE(cell(model, row, column, CompareModel::ValueRole).toULongLong(), count);
    QCOMPARE(cell(model, row, CompareModel::CyclesColumn, CompareModel::ValueRole).toULongLong(),
             cycles);
    QCOMPARE(cell(model, row, CompareModel::CyclesColumn).toString(), QLocale().toString(cycles));
    QCOMPARE(
        cell(model, row, CompareModel::InstructionsColumn, CompareModel::ValueRole).toULongLong(),
        model.runAt(row)->instructions);
    QCOMPARE(cell(model, row, CompareModel::OverheadColumn).toString(), overhead);
    QCOMPARE(
        cell(model, row, CompareModel::TechniqueColumn, CompareModel::DivergenceLineRole).toInt(),
        equivalent ? 0 : 46);
    // Numbers line up on the right, words on the left.
    const auto alignment = [&](int c) {
        return cell(model, row, c, Qt::TextAlignmentRole).value<Qt::Alignment>() &
               Qt::AlignHorizontal_Mask;
    };
    QCOMPARE(alignment(CompareModel::CyclesColumn), Qt::AlignRight);
    QCOMPARE(alignment(CompareModel::ResultColumn), Qt::AlignLeft);
}

void TestCompareViews::modelToolTipGivesBothValuesAndTheExplanation()
{
    CompareModel model;
    model.setComparison(handBuiltComparison(46));
    const QString tip = cell(model, 1, CompareModel::ResultColumn, Qt::ToolTipRole).toString();
    QVERIFY2(tip.contains(QStringLiteral("rflags.if")), qPrintable(tip));
    QVERIFY2(tip.contains(QStringLiteral("native 1")), qPrintable(tip));
    QVERIFY2(tip.contains(QStringLiteral("Trap-and-emulate 0")), qPrintable(tip));
    QVERIFY2(tip.contains(QStringLiteral("does not change IF")), qPrintable(tip));
    // An equivalent technique says so instead.
    const QString same = cell(model, 3, CompareModel::ResultColumn, Qt::ToolTipRole).toString();
    QVERIFY2(same.contains(QStringLiteral("same as under native")), qPrintable(same));
}

void TestCompareViews::modelColoursTheResultByTheTheme()
{
    CompareModel model;
    model.setComparison(handBuiltComparison(46));
    for (const QPalette &palette : {lightPalette(), darkPalette()}) {
        const WorkbenchColors colors = WorkbenchColors::forPalette(palette);
        model.setColors(colors);
        QCOMPARE(cell(model, 1, CompareModel::ResultColumn, Qt::BackgroundRole).value<QColor>(),
                 colors.difference);
        QCOMPARE(cell(model, 3, CompareModel::ResultColumn, Qt::BackgroundRole).value<QColor>(),
                 colors.inserted);
        QVERIFY(!cell(model, 0, CompareModel::ResultColumn, Qt::BackgroundRole).isValid());
        // Counts of nothing step back.
        QCOMPARE(cell(model, 0, CompareModel::TrapsColumn, Qt::ForegroundRole).value<QColor>(),
                 colors.dimText);
    }
    model.setCurrentTechnique(kBinaryTranslation);
    QVERIFY(cell(model, 3, CompareModel::TechniqueColumn, Qt::FontRole).value<QFont>().bold());
    QVERIFY(!cell(model, 1, CompareModel::TechniqueColumn, Qt::FontRole).isValid());
}

void TestCompareViews::chartStacksAddUpToEachTechniquesCycles()
{
    CompareChart chart;
    chart.resize(700, 400);
    const Comparison comparison = handBuiltComparison(46);
    chart.setComparison(comparison);
    QCOMPARE(chart.stackedCycles(0), double(comparison.native.cycles));
    for (std::size_t i = 0; i < comparison.techniques.size(); ++i) {
        const int index = static_cast<int>(i) + 1;
        QCOMPARE(chart.stackedCycles(index), double(comparison.techniques[i].cycles));
        QVERIFY2(chart.totalText(index).contains(
                     CompareModel::overheadText(comparison.techniques[i].overhead)),
                 qPrintable(chart.totalText(index)));
    }
    // Each layer sits on the one below it.
    for (std::size_t i = 1; i < chart.layers().size(); ++i)
        QCOMPARE(chart.layers()[i].bars->barBelow(), chart.layers()[i - 1].bars);
    // The longest bar and its label fit.
    QVERIFY(chart.xAxis->range().upper > double(comparison.techniques[0].cycles));
    chart.clear();
    QVERIFY(chart.layers().empty());
    QCOMPARE(chart.plottableCount(), 0);
}

void TestCompareViews::chartHasALayerPerKindThatCostCycles()
{
    CompareChart chart;
    chart.setComparison(handBuiltComparison(46));
    // Instructions first; holes cost nothing and get no layer.
    QList<std::optional<EventKind>> kinds;
    for (const CompareChart::Layer &layer : chart.layers())
        kinds << layer.kind;
    const QList<std::optional<EventKind>> expected{
        std::nullopt,       EventKind::InterruptDelivered, EventKind::Io,     EventKind::Hypercall,
        EventKind::Callout, EventKind::Translation,        EventKind::VmExit, EventKind::Trap};
    QCOMPARE(kinds.size(), expected.size());
    for (const auto &kind : expected)
        QVERIFY(kinds.contains(kind));
    QCOMPARE(chart.layers().front().kind, std::optional<EventKind>());
    QCOMPARE(chart.legend->itemCount(), int(chart.layers().size()));
    // Every layer has a colour of its own.
    QSet<QRgb> colours;
    for (const CompareChart::Layer &layer : chart.layers())
        colours.insert(layer.bars->brush().color().rgb());
    QCOMPARE(colours.size(), int(chart.layers().size()));
}

void TestCompareViews::chartKeepsItsSumsOnALogarithmicAxis()
{
    CompareChart chart;
    const Comparison comparison = handBuiltComparison(46);
    chart.setComparison(comparison);
    chart.setLogarithmic(true);
    QCOMPARE(chart.xAxis->scaleType(), QCPAxis::stLogarithmic);
    QVERIFY(chart.xAxis->range().lower > 0);
    QVERIFY(chart.xAxis->range().lower <= double(comparison.native.instructionCycles));
    QVERIFY(chart.xAxis->range().upper > double(comparison.techniques[0].cycles));
    for (int index = 0; index < 5; ++index) {
        const TechniqueRun &r =
            index == 0 ? comparison.native : comparison.techniques[std::size_t(index - 1)];
        QCOMPARE(chart.stackedCycles(index), double(r.cycles));
    }
    chart.setLogarithmic(false);
    QCOMPARE(chart.xAxis->scaleType(), QCPAxis::stLinear);
    QCOMPARE(chart.xAxis->range().lower, 0.0);
}

void TestCompareViews::chartFollowsTheTheme()
{
    CompareChart chart;
    chart.setComparison(handBuiltComparison(46));
    for (const QPalette &palette : {lightPalette(), darkPalette()}) {
        chart.setPalette(palette);
        QCOMPARE(chart.xAxis->tickLabelColor(), palette.color(QPalette::Text));
        QCOMPARE(chart.legend->textColor(), palette.color(QPalette::Text));
        const WorkbenchColors colors = WorkbenchColors::forPalette(palette);
        const auto vmExits = std::find_if(
            chart.layers().begin(), chart.layers().end(),
            [](const CompareChart::Layer &layer) { return layer.kind == EventKind::VmExit; });
        QVERIFY(vmExits != chart.layers().end());
        QCOMPARE(vmExits->bars->brush().color(),
                 CompareChart::layerColor(EventKind::VmExit, colors.dark));
    }
}

void TestCompareViews::detailsShowTheSelectedDivergence()
{
    app::MainWindow window(app::MainWindow::Settings::Ignore);
    window.show();
    ComparePane *pane = window.comparePane();
    pane->showComparison(handBuiltComparison(46), QString());
    // The loaded technique (trap-and-emulate) diverges: it is selected at once.
    QCOMPARE(pane->selectedTechnique(), kTrapAndEmulate);
    QVERIFY2(pane->detailText(QStringLiteral("heading")).contains(QStringLiteral("line 46")),
             qPrintable(pane->detailText(QStringLiteral("heading"))));
    QVERIFY(pane->detailText(QStringLiteral("instruction")).startsWith(QStringLiteral("popfq")));
    QCOMPARE(pane->detailText(QStringLiteral("what")), QStringLiteral("rflags.if"));
    QVERIFY(pane->detailText(QStringLiteral("native")).contains(QStringLiteral(">&nbsp;1&")));
    QVERIFY(pane->detailText(QStringLiteral("technique")).contains(QStringLiteral(">&nbsp;0&")));
    QVERIFY(pane->detailText(QStringLiteral("explanation")).contains(QStringLiteral("IOPL 0")));
    QVERIFY2(pane->statusText().contains(QStringLiteral("diverge from native execution: 1 of 4")),
             qPrintable(pane->statusText()));

    pane->selectTechnique(kHardwareAssisted);
    QVERIFY2(pane->detailText(QStringLiteral("heading")).contains(QStringLiteral("equivalent")),
             qPrintable(pane->detailText(QStringLiteral("heading"))));
    QVERIFY(!pane->findChild<QLabel *>(QStringLiteral("whatValue"))->isVisibleTo(pane));
}

void TestCompareViews::editorMarkSitsOnTheDivergenceAndAnEditClearsIt()
{
    app::MainWindow window(app::MainWindow::Settings::Ignore);
    window.show();
    openDemo(window);
    CodeEditor *editor = window.findChild<CodeEditor *>();
    QVERIFY(editor != nullptr);
    const int line = popfLine(editor->toPlainText());
    ComparePane *pane = window.comparePane();
    QSignalSpy selected(pane, &ComparePane::divergenceSelected);
    pane->showComparison(handBuiltComparison(line), editor->toPlainText());
    QVERIFY(!selected.isEmpty());
    QCOMPARE(editor->divergenceLine(), line);
    QVERIFY(editor->divergenceToolTip().contains(QStringLiteral("does not change IF")));

    // An equivalent technique has nothing to mark; the diverging one marks again.
    pane->selectTechnique(kBinaryTranslation);
    QCOMPARE(editor->divergenceLine(), 0);
    pane->selectTechnique(kTrapAndEmulate);
    QCOMPARE(editor->divergenceLine(), line);

    // A theme change re-highlights the text but leaves it as it was: the mark stays.
    applyTheme(Theme::Dark);
    QCoreApplication::processEvents();
    QCOMPARE(editor->divergenceLine(), line);
    applyTheme(Theme::Light);

    // Typing changes the text the comparison was made of.
    QTextCursor cursor(editor->document());
    cursor.insertText(QStringLiteral("; a comment\n"));
    QCOMPARE(editor->divergenceLine(), 0);
    QVERIFY(editor->divergenceToolTip().isEmpty());
}

void TestCompareViews::editorMarkWaitsForTheComparedText()
{
    app::MainWindow window(app::MainWindow::Settings::Ignore);
    window.show();
    openDemo(window);
    CodeEditor *editor = window.findChild<CodeEditor *>();
    // A comparison of other text (the student typed while it ran) marks nothing.
    window.comparePane()->showComparison(handBuiltComparison(46),
                                         QStringLiteral("hlt ; another snippet\n"));
    QCOMPARE(window.comparePane()->selectedTechnique(), kTrapAndEmulate);
    QCOMPARE(editor->divergenceLine(), 0);
}

void TestCompareViews::clickingARowLoadsThatTechniquesRun()
{
    app::MainWindow window(app::MainWindow::Settings::Ignore);
    window.resize(1400, 900);
    window.show();
    openDemo(window);
    CodeEditor *editor = window.findChild<CodeEditor *>();
    const int line = popfLine(editor->toPlainText());
    ComparePane *pane = window.comparePane();
    pane->show();
    pane->raise();
    QTRY_VERIFY(pane->isVisible());
    pane->showComparison(handBuiltComparison(line), editor->toPlainText());
    QTableView *table = pane->table();
    WorkbenchController &controller = window.controller();
    QSignalSpy settings(&controller, &WorkbenchController::settingsChanged);

    const QRect bt =
        table->visualRect(pane->model()->index(pane->model()->rowOf(kBinaryTranslation), 0));
    QTest::mouseClick(table->viewport(), Qt::LeftButton, {}, bt.center());
    QCOMPARE(controller.technique(), kBinaryTranslation);
    QVERIFY(!settings.isEmpty());
    QCOMPARE(window.findChild<QComboBox *>(QStringLiteral("technique"))->currentData().toString(),
             kBinaryTranslation);
    QCOMPARE(editor->divergenceLine(), 0); // equivalent: nothing to mark

    const QRect te =
        table->visualRect(pane->model()->index(pane->model()->rowOf(kTrapAndEmulate), 0));
    QTest::mouseClick(table->viewport(), Qt::LeftButton, {}, te.center());
    QCOMPARE(controller.technique(), kTrapAndEmulate);
    QCOMPARE(editor->divergenceLine(), line);
    // The loaded technique's row is the bold one.
    QTRY_VERIFY(pane->model()
                    ->index(pane->model()->rowOf(kTrapAndEmulate), 0)
                    .data(Qt::FontRole)
                    .value<QFont>()
                    .bold());
}

void TestCompareViews::runMenuOffersTheComparison()
{
    app::MainWindow window(app::MainWindow::Settings::Ignore);
    auto *compare = window.findChild<QAction *>(QStringLiteral("compareAction"));
    QVERIFY(compare != nullptr);
    QCOMPARE(compare->shortcut(), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_C));
    QMenu *run = menuNamed(window, QStringLiteral("Run"));
    QVERIFY(run != nullptr);
    QVERIFY(run->actions().contains(compare));
    // No other action of the window answers to the same keys.
    for (QAction *other : window.findChildren<QAction *>()) {
        if (other != compare)
            QVERIFY2(!other->shortcuts().contains(compare->shortcut()), qPrintable(other->text()));
    }
    auto *pane = window.findChild<QDockWidget *>(QStringLiteral("comparePane"));
    QVERIFY(pane != nullptr);
    QVERIFY(window.tabifiedDockWidgets(pane).contains(
        window.findChild<QDockWidget *>(QStringLiteral("eventlog"))));
    QMenu *view = menuNamed(window, QStringLiteral("View"));
    QVERIFY(view->actions().contains(pane->toggleViewAction()));
}

void TestCompareViews::snippetThatDoesNotAssembleIsReported()
{
    app::MainWindow window(app::MainWindow::Settings::Ignore);
    window.show();
    ComparePane *pane = window.comparePane();
    QSignalSpy finished(pane, &ComparePane::comparisonFinished);
    pane->compare(QStringLiteral("start:\n    mov rax,\n"), QStringLiteral("broken.asm"));
    QVERIFY(pane->isComparing());
    QVERIFY(!pane->compareButton()->isEnabled());
    QVERIFY(finished.wait(kCompareTimeoutMs));
    QCOMPARE(finished.front().front().toBool(), false);
    QVERIFY2(pane->statusText().contains(QStringLiteral("does not assemble")),
             qPrintable(pane->statusText()));
    QVERIFY2(pane->statusText().contains(QStringLiteral("broken.asm:2")),
             qPrintable(pane->statusText()));
    QVERIFY(pane->compareButton()->isEnabled());
    QCOMPARE(pane->model()->rowCount(), 0);
}

void TestCompareViews::popfDemoDivergesOnlyUnderTrapAndEmulate()
{
    app::MainWindow window(app::MainWindow::Settings::Ignore);
    window.resize(1400, 900);
    window.show();
    openDemo(window);
    CodeEditor *editor = window.findChild<CodeEditor *>();
    const QString source = demoSource();
    QCOMPARE(editor->toPlainText(), source);
    ComparePane *pane = window.comparePane();
    QSignalSpy finished(pane, &ComparePane::comparisonFinished);
    window.compareTechniques();
    QVERIFY(pane->isVisible());
    QVERIFY(finished.wait(kCompareTimeoutMs));
    QCOMPARE(finished.front().front().toBool(), true);

    const CompareModel &model = *pane->model();
    QVERIFY(model.comparison().has_value());
    const TechniqueRun &native = model.comparison()->native;
    QCOMPARE(native.comparedBy, QStringLiteral("baseline"));
    QVERIFY(native.cycles > 0);

    const TechniqueRun *te = model.runAt(model.rowOf(kTrapAndEmulate));
    QVERIFY(te != nullptr && te->divergence);
    QCOMPARE(te->divergence->line, popfLine(source));
    QVERIFY2(te->divergence->instruction.startsWith(QStringLiteral("popf")),
             qPrintable(te->divergence->instruction));
    QVERIFY(te->count(EventKind::Trap) > 0);
    QVERIFY(te->count(EventKind::Hole) > 0);
    for (const QString &id : {kBinaryTranslation, kHardwareAssisted}) {
        const TechniqueRun *r = model.runAt(model.rowOf(id));
        QVERIFY2(r != nullptr && r->equivalent(), qPrintable(id));
        QCOMPARE(model.index(model.rowOf(id), CompareModel::ResultColumn).data().toString(),
                 QStringLiteral("equivalent"));
    }
    QVERIFY(model.runAt(model.rowOf(kBinaryTranslation))->count(EventKind::Callout) > 0);
    QVERIFY(model.runAt(model.rowOf(kHardwareAssisted))->count(EventKind::VmExit) > 0);

    // The chart's bars add up to the engine's totals, and the editor marks the popf.
    for (int row = 0; row < model.rowCount(); ++row)
        QCOMPARE(pane->chart()->stackedCycles(row), double(model.runAt(row)->cycles));
    QCOMPARE(pane->selectedTechnique(), kTrapAndEmulate);
    QCOMPARE(editor->divergenceLine(), popfLine(source));
    QCOMPARE(pane->comparedSource(), source);
}

QTEST_MAIN(TestCompareViews)
#include "tst_compareviews.moc"
