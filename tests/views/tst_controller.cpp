// The bridge between engine and window: signals for steps and runs, pause while a guest loops
// forever, and assembler diagnostics.

#include "controller/WorkbenchController.h"
#include "support/Demo.h"

#include <QFile>
#include <QSignalSpy>
#include <QtTest>

using namespace vmwb;

using vmwb::test::demoSource;

namespace {

// Loads `source` and waits until the machine has booted into it.
void load(WorkbenchController &controller, const QString &source)
{
    QSignalSpy state(&controller, &WorkbenchController::stateChanged);
    controller.setSource(source, QStringLiteral("test.asm"));
    controller.waitForIdle();
    QTRY_VERIFY(state.count() >= 1);
}

} // namespace

class TestController : public QObject
{
    Q_OBJECT

private slots:
    void loadingAProgramBootsTheMachine();
    void malformedSourceGivesDiagnosticsWithTheLine();
    void stepEmitsOneStateChange();
    void runBatchesStateChanges();
    void pauseStopsAGuestThatLoopsForever();
    void breakpointLinesStopTheRun();
    void breakpointsOnLinesWithoutCodeAndAfterReassembly();
    void runToLineStopsThereOrRefuses();
    void techniqueChangeRestartsTheMachine();
    void stepBackAndRewindTakeTheLogBackToo();
};

void TestController::loadingAProgramBootsTheMachine()
{
    WorkbenchController controller;
    load(controller, demoSource());
    QVERIFY(controller.hasProgram());
    QVERIFY(controller.diagnostics().isEmpty());
    QCOMPARE(controller.snapshot().instructions, 0u);
    QCOMPARE(controller.snapshot().rip, controller.program().loadAddress);
    QVERIFY(!controller.program().disassembly.empty());
    QCOMPARE(controller.snapshot().line, controller.program().lineAt(controller.snapshot().rip));
}

void TestController::malformedSourceGivesDiagnosticsWithTheLine()
{
    WorkbenchController controller;
    QSignalSpy diagnostics(&controller, &WorkbenchController::diagnosticsChanged);
    controller.setSource(QStringLiteral("nop\nmov rax, rbx, rcx\n"), QStringLiteral("bad.asm"));
    controller.waitForIdle();
    QCOMPARE(diagnostics.count(), 1);
    QCOMPARE(controller.diagnostics().size(), 1);
    QCOMPARE(controller.diagnostics().front().line, 2);
    QCOMPARE(controller.diagnostics().front().severity, AssemblerDiagnostic::Severity::Error);
    QVERIFY(!controller.hasProgram());
}

void TestController::stepEmitsOneStateChange()
{
    WorkbenchController controller;
    load(controller, demoSource());
    QSignalSpy state(&controller, &WorkbenchController::stateChanged);
    const std::uint64_t rip = controller.snapshot().rip;
    controller.step();
    controller.waitForIdle();
    QCOMPARE(state.count(), 1);
    QCOMPARE(controller.snapshot().instructions, 1u);
    QVERIFY(controller.snapshot().rip != rip);
    QCOMPARE(controller.snapshot().pause, PauseReason::Step);
}

void TestController::runBatchesStateChanges()
{
    WorkbenchController controller;
    load(controller, demoSource());
    QSignalSpy state(&controller, &WorkbenchController::stateChanged);
    QSignalSpy running(&controller, &WorkbenchController::runningChanged);
    QSignalSpy events(&controller, &WorkbenchController::eventsAppended);
    controller.run();
    QTRY_COMPARE_WITH_TIMEOUT(running.count(), 2, 20000);
    QCOMPARE(running.at(0).at(0).toBool(), true);
    QCOMPARE(running.at(1).at(0).toBool(), false);
    QVERIFY(!controller.isRunning());
    QCOMPARE(controller.snapshot().status, RunStatus::Exited);
    QCOMPARE(controller.snapshot().pause, PauseReason::Ended);
    // 13,000 instructions arrive in a handful of snapshots, not one per instruction.
    QVERIFY2(state.count() < 50, qPrintable(QString::number(state.count())));
    qsizetype eventCount = 0;
    for (const auto &arguments : events)
        eventCount += arguments.at(0).value<QList<Event>>().size();
    QVERIFY(eventCount > 10);
}

void TestController::pauseStopsAGuestThatLoopsForever()
{
    WorkbenchController controller;
    controller.setMaxInstructions(std::numeric_limits<quint64>::max());
    load(controller, QStringLiteral("jmp $"));
    QSignalSpy running(&controller, &WorkbenchController::runningChanged);
    controller.run();
    QTRY_COMPARE(running.count(), 1);
    QTest::qWait(200);
    controller.pause();
    QTRY_COMPARE_WITH_TIMEOUT(running.count(), 2, 5000);
    QCOMPARE(controller.snapshot().pause, PauseReason::User);
    QCOMPARE(controller.snapshot().status, RunStatus::Running);
    QVERIFY(controller.snapshot().instructions > 1000);
}

void TestController::breakpointLinesStopTheRun()
{
    WorkbenchController controller;
    load(controller,
         QStringLiteral("    mov ecx, 5\n.l:\n    inc rax\n    dec ecx\n    jnz .l\n    hlt\n"));
    controller.setBreakpointLines({3});
    QSignalSpy running(&controller, &WorkbenchController::runningChanged);
    controller.run();
    QTRY_COMPARE(running.count(), 2);
    QCOMPARE(controller.snapshot().pause, PauseReason::Breakpoint);
    QCOMPARE(controller.snapshot().line, 3);
    controller.run();
    QTRY_COMPARE(running.count(), 4);
    QCOMPARE(controller.snapshot().line, 3);
    QCOMPARE(controller.snapshot().registerValue(RegisterId::Rax), 1u);
}

// Lines become addresses in the program being run: a label's breakpoint stops at the next
// instruction, and an unchanged set of lines still applies to a reassembled program.
void TestController::breakpointsOnLinesWithoutCodeAndAfterReassembly()
{
    WorkbenchController controller;
    load(controller, QStringLiteral("    mov ecx, 2\n.l:\n    inc rax\n    dec ecx\n    jnz .l\n"
                                    "    hlt\n"));
    controller.setBreakpointLines({2}); // the label
    QSignalSpy running(&controller, &WorkbenchController::runningChanged);
    controller.run();
    QTRY_COMPARE(running.count(), 2);
    QCOMPARE(controller.snapshot().pause, PauseReason::Breakpoint);
    QCOMPARE(controller.snapshot().line, 3);
    QCOMPARE(controller.snapshot().registerValue(RegisterId::Rax), 0u);

    // Line 2 now holds an instruction of its own.
    load(controller, QStringLiteral("    mov ecx, 2\n    mov rbx, 7\n.l:\n    inc rax\n"
                                    "    dec ecx\n    jnz .l\n    hlt\n"));
    controller.run();
    QTRY_COMPARE(running.count(), 4);
    QCOMPARE(controller.snapshot().pause, PauseReason::Breakpoint);
    QCOMPARE(controller.snapshot().line, 2);
    QCOMPARE(controller.snapshot().registerValue(RegisterId::Rbx), 0u);
}

void TestController::runToLineStopsThereOrRefuses()
{
    WorkbenchController controller;
    load(controller, QStringLiteral("    mov ecx, 3\n.l:\n    inc rax\n    dec ecx\n    jnz .l\n"
                                    "    hlt\n; the end\n"));
    QSignalSpy running(&controller, &WorkbenchController::runningChanged);
    QVERIFY(controller.runToLine(6));
    QTRY_COMPARE(running.count(), 2);
    QCOMPARE(controller.snapshot().pause, PauseReason::RunTo);
    QCOMPARE(controller.snapshot().line, 6);
    QCOMPARE(controller.snapshot().registerValue(RegisterId::Rax), 3u);
    // No code from line 7 on: nothing runs.
    QVERIFY(!controller.runToLine(7));
    controller.waitForIdle();
    QCOMPARE(running.count(), 2);
    // The run-to target is not a breakpoint: the next run goes to the end.
    controller.reset();
    controller.waitForIdle();
    QVERIFY(controller.runToLine(3));
    QTRY_COMPARE(running.count(), 4);
    QCOMPARE(controller.snapshot().line, 3);
    QCOMPARE(controller.snapshot().pause, PauseReason::RunTo);
    controller.run();
    QTRY_COMPARE(running.count(), 6);
    QCOMPARE(controller.snapshot().status, RunStatus::Halted);
}

void TestController::techniqueChangeRestartsTheMachine()
{
    WorkbenchController controller;
    load(controller, demoSource());
    controller.step();
    controller.waitForIdle();
    QSignalSpy cleared(&controller, &WorkbenchController::eventsCleared);
    controller.setTechnique(QStringLiteral("trap-and-emulate"));
    controller.waitForIdle();
    QCOMPARE(cleared.count(), 1);
    QCOMPARE(controller.snapshot().techniqueId, QStringLiteral("trap-and-emulate"));
    QCOMPARE(controller.snapshot().instructions, 0u);
    QCOMPARE(controller.snapshot().realCpl, 3u);
    QCOMPARE(controller.snapshot().guest.cpl, 0u);
}

// Step back and the history slider: the machine returns to an earlier instruction, the event
// log loses what happened after it, and a step forward comes back to the same state.
void TestController::stepBackAndRewindTakeTheLogBackToo()
{
    WorkbenchController controller;
    load(controller, demoSource());
    QVERIFY(!controller.canStepBack()); // nothing before instruction 0
    QSignalSpy truncated(&controller, &WorkbenchController::eventsTruncated);
    QSignalSpy running(&controller, &WorkbenchController::runningChanged);
    controller.run();
    QTRY_COMPARE_WITH_TIMEOUT(running.count(), 2, 20000);
    controller.waitForIdle();
    const MachineSnapshot end = controller.snapshot();
    QCOMPARE(end.status, RunStatus::Exited);
    QVERIFY(controller.canStepBack());

    controller.stepBack();
    controller.waitForIdle();
    QCOMPARE(controller.snapshot().instructions, end.instructions - 1);
    QCOMPARE(controller.snapshot().status, RunStatus::Running);
    QCOMPARE(controller.snapshot().pause, PauseReason::SteppedBack);
    // The guest's last instruction (the exit port's out) has not run yet: its events are gone.
    QCOMPARE(truncated.count(), 1);
    controller.step();
    controller.waitForIdle();
    QCOMPARE(controller.snapshot().instructions, end.instructions);
    QCOMPARE(controller.snapshot().status, RunStatus::Exited);
    QCOMPARE(controller.snapshot().registers, end.registers);
    QCOMPARE(controller.snapshot().console, end.console);

    controller.rewindTo(1000);
    controller.waitForIdle();
    QCOMPARE(controller.snapshot().instructions, 1000u);
    QCOMPARE(truncated.count(), 2);
    const qint64 kept = truncated.last().at(0).toLongLong();
    QVERIFY(kept > 0);
    QCOMPARE(controller.snapshot().traps + controller.snapshot().io <= static_cast<quint64>(kept),
             true);
    // Ahead of now: refused, nothing changes.
    controller.rewindTo(end.instructions);
    controller.waitForIdle();
    QCOMPARE(controller.snapshot().instructions, 1000u);
}

QTEST_MAIN(TestController)
#include "tst_controller.moc"
