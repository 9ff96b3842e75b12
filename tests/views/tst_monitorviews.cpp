// The monitor's panes: the event log (append-only model, filters, break on), the virtual CPU,
// the console and the stack, driven by the popf demo under trap-and-emulate.

#include "common/Colors.h"
#include "common/Theme.h"
#include "controller/WorkbenchController.h"
#include "monitor/ConsolePane.h"
#include "monitor/EventLogModel.h"
#include "monitor/EventLogPane.h"
#include "monitor/StackModel.h"
#include "monitor/StackPane.h"
#include "monitor/VirtualCpuPane.h"
#include "support/Demo.h"
#include "support/HostedPane.h"

#include <QAbstractItemModelTester>
#include <QAction>
#include <QFile>
#include <QLabel>
#include <QMainWindow>
#include <QPlainTextEdit>
#include <QScrollBar>
#include <QSignalSpy>
#include <QTableView>
#include <QtTest>

using namespace vmwb;

using vmwb::test::demoSource;

namespace {

const QString kTrapAndEmulate = QStringLiteral("trap-and-emulate");

// The 1-based line of the first source line that, trimmed, starts with `text`.
int lineStartingWith(const QString &text)
{
    const QStringList lines = demoSource().split(QLatin1Char('\n'));
    for (qsizetype i = 0; i < lines.size(); ++i) {
        if (lines[i].trimmed().startsWith(text))
            return static_cast<int>(i + 1);
    }
    return 0;
}

// Loads the demo under `technique` and waits until the machine has booted into it.
void loadDemo(WorkbenchController &controller, const QString &technique = kTrapAndEmulate)
{
    controller.setTechnique(technique);
    QSignalSpy state(&controller, &WorkbenchController::stateChanged);
    controller.setSource(demoSource(), QStringLiteral("popf-if.asm"));
    controller.waitForIdle();
    QTRY_VERIFY(state.count() >= 1);
    QVERIFY(controller.hasProgram());
}

// Runs until the guest stops (end, breakpoint, event break) and the last signals are in.
void runToStop(WorkbenchController &controller, int line = 0)
{
    QSignalSpy running(&controller, &WorkbenchController::runningChanged);
    if (line > 0)
        controller.runToLine(line);
    else
        controller.run();
    QTRY_COMPARE_WITH_TIMEOUT(running.count(), 2, 20000);
    QVERIFY(!controller.isRunning());
    controller.waitForIdle();
}

// A pane docked in a main window, as in the application.
// This file's panes, at the size and in the dock area its tests lay them out for.
template <typename PaneType>
struct Hosted : test::Hosted<PaneType>
{
    explicit Hosted(WorkbenchController &controller, QSize size = {600, 450})
        : test::Hosted<PaneType>(controller, size, Qt::LeftDockWidgetArea)
    {}
};

Event makeEvent(EventKind kind, std::uint64_t index, int line = 0)
{
    Event event;
    event.kind = kind;
    event.index = index;
    event.rip = 0x100000 + index;
    event.line = line;
    event.instruction = QStringLiteral("cli");
    event.cause = QStringLiteral("cause %1").arg(index);
    event.cycles = 100;
    return event;
}

} // namespace

class TestMonitorViews : public QObject
{
    Q_OBJECT

private slots:
    void kindDescriptorsCoverEveryKind();
    void eventLogModelPassesTheTesterWithARealRun();
    void appendingInsertsRowsWithoutAReset();
    void capacityDropsTheOldestRows();
    void filteringByKindHidesTheOthers();
    void breakOnHolePausesTheNextRun();
    void doubleClickingAnEventActivatesItsLine();
    void theLogFollowsTheNewestRowUnlessScrolledUp();
    void paletteChangeRecoloursTheKinds();
    void virtualCpuShowsTheLostInterruptFlag();
    void virtualCpuHighlightsTheCliChange();
    void consoleShowsThePortOutput();
    void consoleEscapesControlCharacters();
    void stackLabelsTheInterruptFrame();
};

void TestMonitorViews::kindDescriptorsCoverEveryKind()
{
    const auto &descriptors = eventKindDescriptors();
    QCOMPARE(descriptors.size(), kEventKindCount);
    QSet<QString> titles;
    const WorkbenchColors colors = WorkbenchColors::forPalette(lightPalette());
    for (std::size_t i = 0; i < kEventKindCount; ++i) {
        const auto kind = static_cast<EventKind>(i);
        QCOMPARE(static_cast<std::size_t>(descriptors[i].kind), i);
        QVERIFY(!eventKindTitle(kind).isEmpty());
        QVERIFY(!eventKindPlural(kind).isEmpty());
        QVERIFY(!eventKindDescription(kind).isEmpty());
        QVERIFY(colors.event(kind).isValid());
        titles.insert(eventKindTitle(kind));
    }
    QCOMPARE(static_cast<std::size_t>(titles.size()), kEventKindCount);
}

void TestMonitorViews::eventLogModelPassesTheTesterWithARealRun()
{
    WorkbenchController controller;
    EventLogModel model;
    EventKindFilter filter;
    filter.setSourceModel(&model);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester filterTester(&filter,
                                          QAbstractItemModelTester::FailureReportingMode::QtTest);
    connect(&controller, &WorkbenchController::eventsAppended, &model, &EventLogModel::append);
    connect(&controller, &WorkbenchController::eventsCleared, &model, &EventLogModel::clear);
    loadDemo(controller);
    runToStop(controller);

    QVERIFY(model.rowCount() > 10);
    QCOMPARE(model.columnCount(), int(EventLogModel::ColumnCount));
    QVERIFY(model.count(EventKind::Trap) > 0);
    QCOMPARE(model.count(EventKind::Hole), qint64(controller.snapshot().holes));
    QVERIFY(model.count(EventKind::InterruptPending) > 0);

    int hole = -1;
    for (int row = 0; row < model.rowCount(); ++row) {
        if (model.event(row).kind == EventKind::Hole)
            hole = row;
    }
    QVERIFY(hole >= 0);
    const Event &event = model.event(hole);
    QCOMPARE(model.index(hole, EventLogModel::KindColumn).data().toString(),
             eventKindTitle(EventKind::Hole));
    QCOMPARE(model.index(hole, EventLogModel::NumberColumn).data().toString(),
             QLocale().toString(hole + 1));
    QCOMPARE(model.index(hole, EventLogModel::LineColumn).data().toString(),
             QString::number(lineStartingWith(QStringLiteral("popf"))));
    QVERIFY(model.index(hole, EventLogModel::RipColumn)
                .data()
                .toString()
                .startsWith(QLatin1String("0x")));
    QVERIFY(model.index(hole, EventLogModel::InstructionColumn)
                .data()
                .toString()
                .contains(QLatin1String("popf")));
    QCOMPARE(model.index(hole, EventLogModel::CauseColumn).data().toString(), event.cause);
    QVERIFY(model.index(hole, EventLogModel::CauseColumn)
                .data(Qt::ToolTipRole)
                .toString()
                .contains(event.cause.left(20).toHtmlEscaped()));
    QCOMPARE(model.index(hole, 0).data(EventLogModel::KindRole).toInt(), int(EventKind::Hole));
    QCOMPARE(model.index(hole, EventLogModel::KindColumn).data(Qt::DecorationRole).value<QColor>(),
             WorkbenchColors::forPalette(QGuiApplication::palette()).event(EventKind::Hole));

    // A restart clears the log with a reset.
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    controller.reset();
    controller.waitForIdle();
    QTRY_COMPARE(reset.count(), 1);
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(model.totalAppended(), 0);
}

void TestMonitorViews::appendingInsertsRowsWithoutAReset()
{
    EventLogModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);

    model.append({makeEvent(EventKind::Trap, 1), makeEvent(EventKind::Hole, 2)});
    model.append({makeEvent(EventKind::InterruptPending, 3)});
    model.append({});

    QCOMPARE(reset.count(), 0);
    QCOMPARE(inserted.count(), 2);
    QCOMPARE(inserted.at(0).at(1).toInt(), 0);
    QCOMPARE(inserted.at(0).at(2).toInt(), 1);
    QCOMPARE(inserted.at(1).at(1).toInt(), 2);
    QCOMPARE(inserted.at(1).at(2).toInt(), 2);
    QCOMPARE(model.rowCount(), 3);
    QCOMPARE(model.index(2, EventLogModel::AtColumn).data().toString(), QStringLiteral("3"));
}

void TestMonitorViews::capacityDropsTheOldestRows()
{
    EventLogModel model(nullptr, 5);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    QList<Event> events;
    for (int i = 1; i <= 4; ++i)
        events << makeEvent(EventKind::Trap, std::uint64_t(i));
    model.append(events);
    model.append({makeEvent(EventKind::Hole, 5), makeEvent(EventKind::Hole, 6),
                  makeEvent(EventKind::Hole, 7)});
    QCOMPARE(reset.count(), 0);
    QCOMPARE(removed.count(), 1);
    QCOMPARE(model.rowCount(), 5);
    QCOMPARE(model.droppedRows(), 2);
    QCOMPARE(model.totalAppended(), 7);
    QCOMPARE(model.event(0).index, 3u);
    // Row numbers stay the events' numbers in the run.
    QCOMPARE(model.index(0, EventLogModel::NumberColumn).data().toString(), QStringLiteral("3"));
    QCOMPARE(model.count(EventKind::Trap), 4);

    // A batch larger than the log keeps its newest events.
    QList<Event> many;
    for (int i = 0; i < 12; ++i)
        many << makeEvent(EventKind::Io, std::uint64_t(100 + i));
    model.append(many);
    QCOMPARE(model.rowCount(), 5);
    QCOMPARE(model.event(4).index, 111u);
    QCOMPARE(model.event(0).index, 107u);
    QCOMPARE(model.totalAppended(), 19);
}

void TestMonitorViews::filteringByKindHidesTheOthers()
{
    WorkbenchController controller;
    Hosted<EventLogPane> pane(controller);
    loadDemo(controller);
    runToStop(controller);
    QAbstractItemModelTester tester(pane->filter(),
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);

    const int all = pane->model()->rowCount();
    QVERIFY(all > 0);
    QCOMPARE(pane->filter()->rowCount(), all);
    for (std::size_t i = 0; i < kEventKindCount; ++i) {
        const auto kind = static_cast<EventKind>(i);
        QVERIFY(pane->showAction(kind)->isChecked());
        if (kind != EventKind::Hole)
            pane->showAction(kind)->trigger();
    }
    QVERIFY(pane->filter()->rowCount() > 0);
    QCOMPARE(pane->filter()->rowCount(), int(pane->model()->count(EventKind::Hole)));
    for (int row = 0; row < pane->filter()->rowCount(); ++row)
        QCOMPARE(pane->filter()->index(row, 0).data(EventLogModel::KindRole).toInt(),
                 int(EventKind::Hole));
    QVERIFY(pane->summary().contains(QLocale().toString(pane->filter()->rowCount())));

    pane->showAction(EventKind::Trap)->trigger();
    QCOMPARE(pane->filter()->rowCount(),
             int(pane->model()->count(EventKind::Hole) + pane->model()->count(EventKind::Trap)));
}

void TestMonitorViews::breakOnHolePausesTheNextRun()
{
    WorkbenchController controller;
    Hosted<EventLogPane> pane(controller);
    loadDemo(controller);

    QAction *breakOnHole = pane->breakOnAction(EventKind::Hole);
    QVERIFY(!breakOnHole->isChecked());
    QVERIFY(!breakOnHole->toolTip().isEmpty());
    breakOnHole->trigger();
    QVERIFY(breakOnHole->isChecked());
    QCOMPARE(controller.breakOnEvents(), QSet<EventKind>{EventKind::Hole});

    runToStop(controller);
    QCOMPARE(controller.snapshot().pause, PauseReason::EventBreak);
    QCOMPARE(controller.snapshot().status, RunStatus::Running);
    QCOMPARE(pane->model()->count(EventKind::Hole), 1);
    // It stopped at the first hole (the pushf of the critical section), long before the end.
    QVERIFY(controller.snapshot().line < lineStartingWith(QStringLiteral("popf")));

    breakOnHole->trigger();
    QVERIFY(controller.breakOnEvents().isEmpty());
}

void TestMonitorViews::doubleClickingAnEventActivatesItsLine()
{
    WorkbenchController controller;
    Hosted<EventLogPane> pane(controller, {900, 400});
    QVERIFY(QTest::qWaitForWindowExposed(&pane.window));
    loadDemo(controller);
    runToStop(controller);

    QSignalSpy activated(pane.pane, &EventLogPane::lineActivated);
    QTableView *table = pane->table();
    const QModelIndex first = table->model()->index(0, EventLogModel::CauseColumn);
    const int line = first.data(EventLogModel::LineRole).toInt();
    QVERIFY(line > 0);
    table->scrollTo(first);
    const QPoint centre = table->visualRect(first).center();
    // Qt 6's mouseDClick sends no press of its own; the click before it supplies one.
    QTest::mouseClick(table->viewport(), Qt::LeftButton, {}, centre);
    QTest::mouseDClick(table->viewport(), Qt::LeftButton, {}, centre);
    QTRY_COMPARE(activated.count(), 1);
    QCOMPARE(activated.at(0).at(0).toInt(), line);

    // An event without a source line goes nowhere.
    EventLogModel *model = pane->model();
    model->append({makeEvent(EventKind::Halt, 99999, 0)});
    const QModelIndex last = table->model()->index(table->model()->rowCount() - 1, 0);
    table->setCurrentIndex(last);
    QTest::keyClick(table, Qt::Key_Return);
    QCOMPARE(activated.count(), 1);
}

void TestMonitorViews::theLogFollowsTheNewestRowUnlessScrolledUp()
{
    WorkbenchController controller;
    Hosted<EventLogPane> pane(controller, {900, 400});
    QVERIFY(QTest::qWaitForWindowExposed(&pane.window));
    QList<Event> events;
    for (int i = 0; i < 200; ++i)
        events << makeEvent(EventKind::Trap, std::uint64_t(i), 10);
    pane->model()->append(events);
    QScrollBar *scroll = pane->table()->verticalScrollBar();
    QTRY_VERIFY(scroll->maximum() > 0);
    QCOMPARE(scroll->value(), scroll->maximum());

    pane->model()->append(events);
    QTRY_COMPARE(scroll->value(), scroll->maximum());

    scroll->setValue(scroll->maximum() / 2);
    const int kept = scroll->value();
    pane->model()->append(events);
    QCoreApplication::processEvents();
    QCOMPARE(scroll->value(), kept);
}

void TestMonitorViews::paletteChangeRecoloursTheKinds()
{
    WorkbenchController controller;
    Hosted<EventLogPane> pane(controller);
    pane->model()->append({makeEvent(EventKind::Hole, 1)});
    const QModelIndex kind = pane->model()->index(0, EventLogModel::KindColumn);
    pane->setPalette(lightPalette());
    QCOMPARE(kind.data(Qt::DecorationRole).value<QColor>(),
             WorkbenchColors::forPalette(lightPalette()).event(EventKind::Hole));
    pane->setPalette(darkPalette());
    QCOMPARE(kind.data(Qt::DecorationRole).value<QColor>(),
             WorkbenchColors::forPalette(darkPalette()).event(EventKind::Hole));
}

void TestMonitorViews::virtualCpuShowsTheLostInterruptFlag()
{
    WorkbenchController controller;
    Hosted<VirtualCpuPane> pane(controller);
    loadDemo(controller);
    QCOMPARE(pane->valueText(QStringLiteral("pending")), pane->tr("none"));
    runToStop(controller);

    // The popf hole: the monitor never saw the guest re-enable interrupts.
    QCOMPARE(controller.snapshot().status, RunStatus::Exited);
    QCOMPARE(pane->valueText(QStringLiteral("if")), QStringLiteral("0"));
    auto *ifValue = pane->findChild<QLabel *>(QStringLiteral("ifValue"));
    QVERIFY(ifValue != nullptr);
    QCOMPARE(ifValue->text(), QStringLiteral("0"));
    QVERIFY(!ifValue->toolTip().isEmpty());
    QCOMPARE(pane->valueText(QStringLiteral("pending")), QStringLiteral("32"));
    QCOMPARE(pane->valueText(QStringLiteral("pendingCount")), QStringLiteral("1"));
    QCOMPARE(pane->valueText(QStringLiteral("holes")),
             QLocale().toString(qulonglong(controller.snapshot().holes)));
    QCOMPARE(pane->valueText(QStringLiteral("cpl")), QStringLiteral("0"));
    QVERIFY(!pane->valueText(QStringLiteral("status")).isEmpty());
    auto *title = pane->findChild<QLabel *>(QStringLiteral("techniqueTitle"));
    QVERIFY(title != nullptr);
    QCOMPARE(title->text(), controller.snapshot().techniqueTitle);
}

void TestMonitorViews::virtualCpuHighlightsTheCliChange()
{
    WorkbenchController controller;
    Hosted<VirtualCpuPane> pane(controller);
    loadDemo(controller);
    const int cli = lineStartingWith(QStringLiteral("cli"));
    QVERIFY(cli > 0);
    runToStop(controller, cli);
    QCOMPARE(controller.snapshot().line, cli);
    QCOMPARE(pane->valueText(QStringLiteral("if")), QStringLiteral("1"));

    QSignalSpy state(&controller, &WorkbenchController::stateChanged);
    controller.step();
    controller.waitForIdle();
    QTRY_COMPARE(state.count(), 1);
    QCOMPARE(pane->valueText(QStringLiteral("if")), QStringLiteral("0"));
    QVERIFY(pane->isHighlighted(QStringLiteral("if")));
    auto *was = pane->findChild<QLabel *>(QStringLiteral("ifWas"));
    QVERIFY(was != nullptr);
    QVERIFY(was->isVisible());
    QVERIFY(was->text().contains(QLatin1Char('1')));
    QVERIFY(pane->isHighlighted(QStringLiteral("traps")));
    QVERIFY(!pane->isHighlighted(QStringLiteral("cr3")));

    controller.step();
    controller.waitForIdle();
    QTRY_COMPARE(state.count(), 2);
    QVERIFY(!pane->isHighlighted(QStringLiteral("if")));
    QVERIFY(!was->isVisible());
}

void TestMonitorViews::consoleShowsThePortOutput()
{
    WorkbenchController controller;
    Hosted<ConsolePane> pane(controller);
    QVERIFY(pane->text().isEmpty());
    QVERIFY(!pane->view()->placeholderText().isEmpty());
    QVERIFY(pane->view()->isReadOnly());
    loadDemo(controller);
    runToStop(controller);
    QVERIFY2(pane->text().contains(QLatin1String("after popf: 0")), qPrintable(pane->text()));
    QCOMPARE(pane->text(), ConsolePane::displayText(controller.snapshot().console));

    // A restart empties the console.
    QSignalSpy state(&controller, &WorkbenchController::stateChanged);
    controller.reset();
    controller.waitForIdle();
    QTRY_VERIFY(state.count() >= 1);
    QVERIFY(pane->text().isEmpty());
}

void TestMonitorViews::consoleEscapesControlCharacters()
{
    QCOMPARE(ConsolePane::displayText("ab\n\tc"), QStringLiteral("ab\n\tc"));
    QCOMPARE(ConsolePane::displayText("a\x01\r\n"), QStringLiteral("a\\x01\\x0d\n"));
    QCOMPARE(ConsolePane::displayText("\x7f\xe9"), QStringLiteral("\\x7f") + QChar(char16_t(0xe9)));
}

void TestMonitorViews::stackLabelsTheInterruptFrame()
{
    WorkbenchController controller;
    StackModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    connect(&controller, &WorkbenchController::stateChanged, &model,
            [&] { model.setSnapshot(controller.snapshot()); });
    Hosted<StackPane> pane(controller);
    loadDemo(controller);
    QVERIFY(model.rowCount() > 0);
    QVERIFY(model.topRow() >= 0);

    // Run into the handler of the first timer tick (about 500 instructions in).
    const int handler = lineStartingWith(QStringLiteral("timer_handler:")) + 1;
    QVERIFY(handler > 1);
    runToStop(controller, handler);
    QCOMPARE(controller.snapshot().line, handler);

    // RSP points at the RIP the CPU pushed; the frame's five slots read as one group.
    const int top = model.topRow();
    QVERIFY(top >= 0);
    const QString label = model.index(top, StackModel::LabelColumn).data().toString();
    QVERIFY2(label.contains(QLatin1String("RIP of interrupt 32")), qPrintable(label));
    QCOMPARE(model.index(top, StackModel::OffsetColumn).data().toString(), StackModel::topMarker());
    QVERIFY(model.index(top, 0).data(StackModel::IsTopRole).toBool());
    QVERIFY(model.index(top, StackModel::LabelColumn).data(Qt::FontRole).value<QFont>().bold());
    const int frame = model.index(top, 0).data(StackModel::FrameRole).toInt();
    QVERIFY(frame >= 0);
    for (int row = top - 4; row <= top; ++row) {
        QVERIFY(row >= 0);
        QCOMPARE(model.index(row, 0).data(StackModel::FrameRole).toInt(), frame);
        QVERIFY(model.index(row, 0).data(Qt::BackgroundRole).isValid());
    }
    QVERIFY(model.index(top - 4, StackModel::LabelColumn)
                .data()
                .toString()
                .startsWith(QLatin1String("SS")));
    // Higher addresses first; below RSP is free space.
    QVERIFY(model.index(0, 0).data(StackModel::AddressRole).toULongLong() >
            model.index(1, 0).data(StackModel::AddressRole).toULongLong());
    const int below = model.rowCount() - 1;
    QVERIFY(model.index(below, 0).data(StackModel::IsFreeRole).toBool());
    QVERIFY(model.index(below, 0).data(Qt::ForegroundRole).isValid());

    // The pane shows the same.
    QCOMPARE(pane->model()->rowCount(), model.rowCount());
    QCOMPARE(pane->model()->topRow(), top);
    QCOMPARE(pane->model()->index(top, StackModel::LabelColumn).data().toString(), label);
}

QTEST_MAIN(TestMonitorViews)
#include "tst_monitorviews.moc"
