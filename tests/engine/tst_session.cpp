// Whole runs: the lecture's POPF demo, determinism, the instruction budget, HLT, the JSON
// report's fields, and robustness against code that is not code.

#include "support/Demo.h"
#include "support/GuestRun.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QtTest>
#include <atomic>
#include <limits>
#include <thread>

using namespace vmwb;
using namespace vmwb::test;

class TestSession : public QObject
{
    Q_OBJECT

private slots:
    void popfDemoLosesTicksOnlyUnderTrapAndEmulate();
    void runsAreDeterministic_data();
    void runsAreDeterministic();
    void endlessLoopEndsAtTheBudget_data();
    void endlessLoopEndsAtTheBudget();
    void hltWaitsForTheTimer_data();
    void hltWaitsForTheTimer();
    void hltWithInterruptsOffEndsTheRun_data();
    void hltWithInterruptsOffEndsTheRun();
    void timerPeriodOptionStartsTheTimer();
    void reportHasTheDocumentedFields();
    void timeStampCounterCountsModelledCycles();
    void randomBytesNeverBreakTheEngine_data();
    void randomBytesNeverBreakTheEngine();
    void unknownOptionsAreRefused();
    void faultLoopEndsTheRunWithAReason_data();
    void faultLoopEndsTheRunWithAReason();
    void stopFromAnotherThreadPausesAnEndlessLoop();
    void breakpointsStopBeforeTheInstruction_data();
    void breakpointsStopBeforeTheInstruction();
    void breakpointInAnInterruptHandlerStopsOnDelivery_data();
    void breakpointInAnInterruptHandlerStopsOnDelivery();
    void breakOnEventKindPausesAfterTheEvent();
};

void TestSession::popfDemoLosesTicksOnlyUnderTrapAndEmulate()
{
    const QString source = demoSource();
    const auto native = run(source, test::native());
    const auto deprivileged = run(source, trapAndEmulate());

    QCOMPARE(native->status(), RunStatus::Exited);
    QCOMPARE(deprivileged->status(), RunStatus::Exited);
    // Natively the ticks go on after popf; deprivileged, none arrives any more.
    QVERIFY2(native->ports().exitCode().value_or(0) >= 10, native->ports().console().constData());
    QCOMPARE(deprivileged->ports().exitCode(), std::optional<std::uint8_t>(0));
    QVERIFY(native->ports().console().contains("after popf: "));

    // The run says why: a hole at the popf, and an interrupt left pending with the virtual IF 0.
    const int popfLine = lineStartingWith(source, QStringLiteral("popf"));
    QVERIFY(popfLine > 0);
    const auto &events = deprivileged->trace().events();
    const auto hole = std::find_if(events.begin(), events.end(), [popfLine](const Event &e) {
        return e.kind == EventKind::Hole && e.line == popfLine;
    });
    QVERIFY(hole != events.end());
    QVERIFY2(
        hole->cause.contains(QStringLiteral("The guest meant IF = 1, but its virtual IF stays 0")),
        qPrintable(hole->cause));
    QCOMPARE(deprivileged->guestView().interruptFlag, false);
    QCOMPARE(deprivileged->pendingInterrupts().count(), 1u);
    QVERIFY(deprivileged->trace().count(EventKind::InterruptPending) >= 1);
    QCOMPARE(native->trace().count(EventKind::Hole), 0u);
    QCOMPARE(native->pendingInterrupts().count(), 0u);
    // Before the critical section both count the same ticks.
    QVERIFY(native->ports().console().startsWith(
        deprivileged->ports().console().left(deprivileged->ports().console().indexOf(','))));
}

void TestSession::runsAreDeterministic_data()
{
    QTest::addColumn<QString>("technique");
    QTest::newRow("native") << native();
    QTest::newRow("trap-and-emulate") << trapAndEmulate();
}

void TestSession::runsAreDeterministic()
{
    QFETCH(QString, technique);
    const QString source = demoSource();
    const QByteArray first = QJsonDocument(reportJson(*run(source, technique))).toJson();
    const QByteArray second = QJsonDocument(reportJson(*run(source, technique))).toJson();
    QCOMPARE(second, first);
}

void TestSession::endlessLoopEndsAtTheBudget_data()
{
    QTest::addColumn<QString>("technique");
    QTest::addColumn<QString>("body");
    for (const QString &technique : {native(), trapAndEmulate()}) {
        QTest::newRow(qPrintable(technique + ": jmp $")) << technique << "jmp $";
        QTest::newRow(qPrintable(technique + ": trapping loop")) << technique << "cli\n jmp $-1";
    }
}

void TestSession::endlessLoopEndsAtTheBudget()
{
    QFETCH(QString, technique);
    QFETCH(QString, body);
    SessionOptions options;
    options.maxInstructions = 12345;
    const auto session = run(body, technique, options);
    QCOMPARE(session->status(), RunStatus::BudgetExhausted);
    QCOMPARE(session->instructions(), 12345u);
    QVERIFY(session->statusMessage().contains(QStringLiteral("12345")));
}

void TestSession::hltWaitsForTheTimer_data()
{
    QTest::addColumn<QString>("technique");
    QTest::newRow("native") << native();
    QTest::newRow("trap-and-emulate") << trapAndEmulate();
}

void TestSession::hltWaitsForTheTimer()
{
    QFETCH(QString, technique);
    // sti; hlt three times: each hlt is woken by the next tick.
    const auto session = run(withTickCounter(QStringLiteral("    lidt [idt_descriptor]\n"
                                                            "    mov eax, 1000\n"
                                                            "    out TIMER_PORT, eax\n"
                                                            "    sti\n"
                                                            "    hlt\n"
                                                            "    hlt\n"
                                                            "    hlt\n"
                                                            "    mov rax, [ticks]\n"
                                                            "    out EXIT_PORT, al\n")),
                             technique);
    QCOMPARE(session->status(), RunStatus::Exited);
    QCOMPARE(session->ports().exitCode(), std::optional<std::uint8_t>(3));
    // Waiting costs no instructions: 4 + 3 hlt + 2 per tick + 2.
    QCOMPARE(session->instructions(), 4u + 3u + 6u + 2u);
    QCOMPARE(session->trace().count(EventKind::InterruptDelivered), 3u);
}

void TestSession::hltWithInterruptsOffEndsTheRun_data()
{
    QTest::addColumn<QString>("technique");
    QTest::addColumn<QString>("body");
    QTest::addColumn<QString>("reason");
    for (const QString &technique : {native(), trapAndEmulate()}) {
        QTest::newRow(qPrintable(technique + " IF = 0"))
            << technique << "mov eax, 100\n out 0x40, eax\n hlt"
            << "IF = 0";
        QTest::newRow(qPrintable(technique + " timer off")) << technique << "sti\n hlt"
                                                            << "timer off";
    }
}

void TestSession::hltWithInterruptsOffEndsTheRun()
{
    QFETCH(QString, technique);
    QFETCH(QString, body);
    QFETCH(QString, reason);
    const auto session = run(body, technique);
    QCOMPARE(session->status(), RunStatus::Halted);
    QVERIFY2(session->statusMessage().contains(reason), qPrintable(session->statusMessage()));
    QVERIFY(session->guestView().halted);
}

void TestSession::timerPeriodOptionStartsTheTimer()
{
    SessionOptions options;
    options.timerPeriod = 50;
    options.maxInstructions = 1000;
    const auto session = run(QStringLiteral("jmp $"), native(), options);
    // IF stays 0: the first tick is pending, the later ones merge into it.
    QCOMPARE(session->pendingInterrupts().count(), 1u);
    QCOMPARE(session->trace().count(EventKind::InterruptPending), 1u);
    QCOMPARE(session->trace().count(EventKind::InterruptLost), 1000u / 50u - 1u);
}

void TestSession::reportHasTheDocumentedFields()
{
    const auto session = run(demoSource(), trapAndEmulate());
    const QJsonObject report = reportJson(*session);
    for (const char *key : {"technique", "status", "exit_code", "instructions", "modelled_cycles",
                            "registers", "virtual_cpu", "counts", "events", "console"})
        QVERIFY2(report.contains(QLatin1String(key)), key);
    QCOMPARE(report.value(QStringLiteral("technique")).toString(), trapAndEmulate());
    QCOMPARE(report.value(QStringLiteral("status")).toString(), QStringLiteral("exited"));
    QCOMPARE(report.value(QStringLiteral("exit_code")).toInt(), 0);
    const QJsonObject registers = report.value(QStringLiteral("registers")).toObject();
    for (const char *name : {"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp", "r8", "r9",
                             "r10", "r11", "r12", "r13", "r14", "r15", "rip", "rflags"}) {
        QVERIFY2(registers.value(QLatin1String(name)).toString().startsWith(QStringLiteral("0x")),
                 name);
    }
    const QJsonObject vcpu = report.value(QStringLiteral("virtual_cpu")).toObject();
    for (const char *name : {"if", "cpl", "cr0", "cr3", "cr4", "idtr_base", "idtr_limit"})
        QVERIFY2(vcpu.contains(QLatin1String(name)), name);
    QCOMPARE(vcpu.value(QStringLiteral("if")).toInt(), 0);
    QCOMPARE(vcpu.value(QStringLiteral("cpl")).toInt(), 0);
    const QJsonObject counts = report.value(QStringLiteral("counts")).toObject();
    for (const char *name : {"traps", "holes", "interrupts_delivered", "interrupts_pending"})
        QVERIFY2(counts.contains(QLatin1String(name)), name);
    QCOMPARE(counts.value(QStringLiteral("holes")).toInt(), 2);
    const QJsonArray events = report.value(QStringLiteral("events")).toArray();
    QVERIFY(!events.isEmpty());
    for (const QJsonValue &value : events) {
        const QJsonObject event = value.toObject();
        for (const char *name : {"kind", "cause", "instruction", "rip", "cycles"})
            QVERIFY2(event.contains(QLatin1String(name)), name);
    }
    QVERIFY(report.value(QStringLiteral("console"))
                .toString()
                .contains(QStringLiteral("after popf: 0")));
    // The modelled cycles add up: one cycle per instruction plus every event's cycles.
    qint64 eventCycles = 0;
    for (const QJsonValue &value : events)
        eventCycles += value.toObject().value(QStringLiteral("cycles")).toInteger();
    QCOMPARE(report.value(QStringLiteral("modelled_cycles")).toInteger(),
             report.value(QStringLiteral("instructions")).toInteger() + eventCycles);
}

void TestSession::timeStampCounterCountsModelledCycles()
{
    // Two rdtsc around one out to a device: natively the port access costs 3,209 cycles
    // (Adams and Agesen 2006), plus the rdtsc and mov instructions between the reads.
    const QString source = QStringLiteral("    rdtsc\n"
                                          "    mov rbx, rax\n"
                                          "    out 0x80, al\n"
                                          "    rdtsc\n"
                                          "    sub rax, rbx\n"
                                          "    hlt\n");
    const auto native = run(source, test::native());
    QCOMPARE(reg(*native, Register::Rax), 3u + 3209u);
    const auto deprivileged = run(source, trapAndEmulate());
    QCOMPARE(reg(*deprivileged, Register::Rax), 3u + 889u + 200u);
}

void TestSession::randomBytesNeverBreakTheEngine_data()
{
    QTest::addColumn<QString>("technique");
    QTest::addColumn<quint32>("seed");
    for (quint32 seed = 1; seed <= 20; ++seed) {
        QTest::newRow(qPrintable(QStringLiteral("native %1").arg(seed))) << native() << seed;
        QTest::newRow(qPrintable(QStringLiteral("trap-and-emulate %1").arg(seed)))
            << trapAndEmulate() << seed;
    }
}

void TestSession::randomBytesNeverBreakTheEngine()
{
    QFETCH(QString, technique);
    QFETCH(quint32, seed);
    QRandomGenerator random(seed);
    AssembledProgram program;
    program.fileName = QStringLiteral("random.bin");
    program.loadAddress = 0x100000;
    program.code.resize(4096);
    for (char &byte : program.code)
        byte = static_cast<char>(random.bounded(256));
    SessionOptions options;
    options.technique = technique;
    options.maxInstructions = 20000;
    Session session(program, options, techniques(), presets());
    session.run();
    QVERIFY(session.status() != RunStatus::Running);
    QVERIFY(session.instructions() <= options.maxInstructions);
    if (session.status() == RunStatus::GuestFault)
        QVERIFY(!session.statusMessage().isEmpty());
    // The report can always be produced.
    QVERIFY(!reportJson(session).isEmpty());
    QVERIFY(!reportText(session).isEmpty());
}

void TestSession::unknownOptionsAreRefused()
{
    SessionOptions options;
    options.technique = QStringLiteral("binary-translation-9000");
    QVERIFY_THROWS_EXCEPTION(
        OptionError, Session(assemble(QStringLiteral("hlt")), options, techniques(), presets()));
    options.technique = native();
    options.costPreset = QStringLiteral("pentium-pro");
    QVERIFY_THROWS_EXCEPTION(
        OptionError, Session(assemble(QStringLiteral("hlt")), options, techniques(), presets()));
}

void TestSession::faultLoopEndsTheRunWithAReason_data()
{
    QTest::addColumn<QString>("technique");
    QTest::newRow("native") << native();
    QTest::newRow("trap-and-emulate") << trapAndEmulate();
}

void TestSession::faultLoopEndsTheRunWithAReason()
{
    QFETCH(QString, technique);
    // The #GP gate points at a non-canonical handler: every delivery faults again at once.
    const auto session = run(QStringLiteral("%include \"workbench.inc\"\n"
                                            "    lidt [idt_descriptor]\n"
                                            "    mov rax, 0x8000000000000000\n"
                                            "    mov rbx, [rax]\n"
                                            "align 16\n"
                                            "idt:\n"
                                            "%rep 13\n"
                                            "    IDT_NO_GATE\n"
                                            "%endrep\n"
                                            "    dw 0, KERNEL_CS\n"
                                            "    db 0, 0x8E\n"
                                            "    dw 0\n"
                                            "    dd 0x80000000, 0\n"
                                            "idt_end:\n"
                                            "idt_descriptor: dw idt_end - idt - 1\n"
                                            "    dq idt\n"),
                             technique);
    QCOMPARE(session->status(), RunStatus::GuestFault);
    QVERIFY2(session->statusMessage().contains(QStringLiteral("keep faulting")),
             qPrintable(session->statusMessage()));
}

void TestSession::stopFromAnotherThreadPausesAnEndlessLoop()
{
    SessionOptions options;
    options.maxInstructions = std::numeric_limits<std::uint64_t>::max();
    auto session = start(QStringLiteral("jmp $"), native(), options);
    std::atomic<bool> running{true};
    std::thread runner([&] {
        session->run();
        running = false;
    });
    QTest::qWait(100);
    session->requestStop();
    runner.join();
    QVERIFY(!running);
    QCOMPARE(session->status(), RunStatus::Running); // paused, not ended
    const std::uint64_t before = session->instructions();
    QVERIFY(before > 0);
    session->runFor(1000);
    QCOMPARE(session->instructions(), before + 1000);
}

void TestSession::breakpointsStopBeforeTheInstruction_data()
{
    QTest::addColumn<QString>("technique");
    QTest::newRow("native") << native();
    QTest::newRow("trap-and-emulate") << trapAndEmulate();
}

void TestSession::breakpointsStopBeforeTheInstruction()
{
    QFETCH(QString, technique);
    auto session = start(QStringLiteral("    mov ecx, 3\n"
                                        ".loop:\n"
                                        "    inc rax\n" // line 3
                                        "    cli\n"
                                        "    dec ecx\n"
                                        "    jnz .loop\n"
                                        "    hlt\n"),
                         technique);
    const auto address = session->program().addressOfLine(3);
    QVERIFY(address.has_value());
    session->setBreakpoints({*address});
    for (std::uint64_t pass = 0; pass < 3; ++pass) {
        session->run();
        QCOMPARE(session->lastPause(), Session::Pause::Breakpoint);
        QCOMPARE(session->machine().cpu().rip(), *address);
        QCOMPARE(reg(*session, Register::Rax), pass); // the inc has not run yet
        QCOMPARE(session->instructions(), 1 + 4 * pass);
    }
    session->setBreakpoints({});
    session->run();
    QCOMPARE(session->status(), RunStatus::Halted);
    QCOMPARE(session->lastPause(), Session::Pause::None);
    QCOMPARE(reg(*session, Register::Rax), 3u);
}

void TestSession::breakpointInAnInterruptHandlerStopsOnDelivery_data()
{
    QTest::addColumn<QString>("technique");
    QTest::newRow("native") << native();
    QTest::newRow("trap-and-emulate") << trapAndEmulate();
}

// The session delivers an interrupt between runs, so the next run starts at the handler: it
// must stop at a breakpoint there, not pass it as when continuing from that breakpoint.
void TestSession::breakpointInAnInterruptHandlerStopsOnDelivery()
{
    QFETCH(QString, technique);
    const QString source = withTickCounter(QStringLiteral("    lidt [idt_descriptor]\n"
                                                          "    mov eax, 100\n"
                                                          "    out TIMER_PORT, eax\n"
                                                          "    sti\n"
                                                          ".spin:\n"
                                                          "    cmp qword [ticks], 3\n"
                                                          "    jb .spin\n"
                                                          "    out EXIT_PORT, al\n"));
    auto session = start(source, technique);
    const int handlerLine =
        int(source.left(source.indexOf(QStringLiteral("tick:\n"))).count(QLatin1Char('\n'))) +
        2; // the line after the label
    const auto handler = session->program().addressOfLine(handlerLine);
    QVERIFY(handler.has_value());
    session->setBreakpoints({*handler});
    std::uint64_t delivered = 0;
    for (std::uint64_t tick = 0; tick < 3; ++tick) {
        session->run();
        QCOMPARE(session->lastPause(), Session::Pause::Breakpoint);
        QCOMPARE(session->machine().cpu().rip(), *handler);
        const std::uint64_t nowDelivered = session->trace().count(EventKind::InterruptDelivered);
        QCOMPARE(nowDelivered, delivered + 1); // one stop per interrupt, none missed or doubled
        delivered = nowDelivered;
    }
    session->run();
    QCOMPARE(session->status(), RunStatus::Exited);
}

void TestSession::breakOnEventKindPausesAfterTheEvent()
{
    auto session = start(demoSource(), trapAndEmulate());
    std::bitset<kEventKindCount> kinds;
    kinds.set(static_cast<std::size_t>(EventKind::Hole));
    session->setBreakOnEvents(kinds);
    // The run pauses right after the instruction of the hole: it is the last event, it has
    // run (one instruction more retired), and RIP is at the next instruction.
    for (const QString &mnemonic : {QStringLiteral("pushfq"), QStringLiteral("popfq")}) {
        session->run();
        QCOMPARE(session->lastPause(), Session::Pause::EventBreak);
        const Event &hole = session->trace().events().back();
        QCOMPARE(hole.kind, EventKind::Hole);
        QCOMPARE(hole.instruction, mnemonic);
        QCOMPARE(session->instructions(), hole.index + 1);
        const auto instruction = session->machine().decodeAt(hole.rip, Decoder::Detail::Facts);
        QVERIFY(instruction.has_value());
        QCOMPARE(session->machine().cpu().rip(), instruction->nextAddress());
    }
    QCOMPARE(session->trace().count(EventKind::Hole), 2u);
    session->run();
    QCOMPARE(session->status(), RunStatus::Exited);
}

QTEST_GUILESS_MAIN(TestSession)
#include "tst_session.moc"
