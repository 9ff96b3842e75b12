// Trap-and-emulate against native execution, one row per privileged instruction: under
// trap-and-emulate the instruction must fault into the monitor, and what the guest can see
// afterwards (registers, its CPU state, console, how the run ended) must equal the native run.
// Then the holes: popf and pushf at CPL 3, and interrupts that only arrive with IF = 1.

#include "hw/Rflags.h"
#include "support/GuestRun.h"
#include "support/PrivilegedCases.h"

#include <QtTest>

using namespace vmwb;
using namespace vmwb::test;

namespace {

bool hasTrapOn(const Session &session, const QString &mnemonic)
{
    for (const Event &event : session.trace().events()) {
        if (event.kind == EventKind::Trap && event.instruction.startsWith(mnemonic))
            return true;
    }
    return false;
}

} // namespace

class TestTrapAndEmulate : public QObject
{
    Q_OBJECT

private slots:
    void privilegedInstructionIsEmulatedLikeNative_data();
    void privilegedInstructionIsEmulatedLikeNative();
    void popfCannotChangeIfAtCpl3_data();
    void popfCannotChangeIfAtCpl3();
    void pushfAfterCliShowsTheRealIf_data();
    void pushfAfterCliShowsTheRealIf();
    void interruptsArriveOnlyWithIfSet_data();
    void interruptsArriveOnlyWithIfSet();
    void clearingPagingFaultsInTheGuest();
    void unemulatedPrivilegedInstructionEndsTheRunWithAReason();
    void guestExceptionIsReflectedToItsHandler();
};

void TestTrapAndEmulate::privilegedInstructionIsEmulatedLikeNative_data()
{
    addPrivilegedInstructionRows();
}

void TestTrapAndEmulate::privilegedInstructionIsEmulatedLikeNative()
{
    QFETCH(QString, body);
    QFETCH(QString, data);
    QFETCH(QString, trapped);
    const QString source = program(body, data);
    const auto native = run(source, test::native());
    const auto deprivileged = run(source, trapAndEmulate());

    QVERIFY2(native->status() != RunStatus::GuestFault, qPrintable(native->statusMessage()));
    QVERIFY2(hasTrapOn(*deprivileged, trapped),
             qPrintable(QStringLiteral("no trap on %1").arg(trapped)));
    QCOMPARE(deprivileged->trace().count(EventKind::Hole), 0u);

    compareWithNative(*deprivileged, *native);
}

void TestTrapAndEmulate::popfCannotChangeIfAtCpl3_data()
{
    QTest::addColumn<QString>("body");
    QTest::addColumn<bool>("nativeIf");
    QTest::addColumn<bool>("deprivilegedIf");

    // popf of an image with IF = 0 after sti: native clears IF, CPL 3 leaves the virtual IF set.
    QTest::newRow("popf cannot clear IF") << "    sti\n    push 0x2\n    popfq" << false << true;
    // popf of an image with IF = 1 after cli: native sets IF, CPL 3 leaves the virtual IF clear.
    QTest::newRow("popf cannot set IF") << "    cli\n    push 0x202\n    popfq" << true << false;
}

void TestTrapAndEmulate::popfCannotChangeIfAtCpl3()
{
    QFETCH(QString, body);
    QFETCH(bool, nativeIf);
    QFETCH(bool, deprivilegedIf);
    const QString source = program(body, {});
    const auto native = run(source, test::native());
    const auto deprivileged = run(source, trapAndEmulate());

    QCOMPARE(native->guestView().interruptFlag, nativeIf);
    QCOMPARE(deprivileged->guestView().interruptFlag, deprivilegedIf);
    QCOMPARE(native->trace().count(EventKind::Hole), 0u);
    QCOMPARE(deprivileged->trace().count(EventKind::Hole), 1u);
    const auto &events = deprivileged->trace().events();
    const auto hole = std::find_if(events.begin(), events.end(),
                                   [](const Event &e) { return e.kind == EventKind::Hole; });
    QVERIFY(hole != events.end());
    QCOMPARE(hole->instruction, QStringLiteral("popfq"));
    QVERIFY2(hole->cause.contains(QStringLiteral("leaves IF unchanged")), qPrintable(hole->cause));
    QVERIFY2(hole->cause.contains(QStringLiteral("The guest meant IF = %1").arg(nativeIf ? 1 : 0)),
             qPrintable(hole->cause));
}

void TestTrapAndEmulate::pushfAfterCliShowsTheRealIf_data()
{
    QTest::addColumn<QString>("technique");
    QTest::addColumn<bool>("pushedIf");
    QTest::newRow("native") << test::native() << false;
    QTest::newRow("trap-and-emulate") << trapAndEmulate() << true;
}

void TestTrapAndEmulate::pushfAfterCliShowsTheRealIf()
{
    QFETCH(QString, technique);
    QFETCH(bool, pushedIf);
    const auto session = run(program("    sti\n    cli\n    pushfq\n    pop rbx", {}), technique);
    QCOMPARE((reg(*session, Register::Rbx) & rflags::kIF) != 0, pushedIf);
    QCOMPARE(session->guestView().interruptFlag, false);
    QCOMPARE(session->trace().count(EventKind::Hole), pushedIf ? 1u : 0u);
}

void TestTrapAndEmulate::interruptsArriveOnlyWithIfSet_data()
{
    QTest::addColumn<QString>("technique");
    QTest::addColumn<QString>("program");
    QTest::addColumn<QString>("enable");
    QTest::addColumn<bool>("delivered");
    const QString immediate = QStringLiteral("out TIMER_PORT, eax");
    const QString throughDx = QStringLiteral("mov dx, TIMER_PORT\n    out dx, eax");
    for (const QString &technique : {test::native(), trapAndEmulate()}) {
        QTest::newRow(qPrintable(technique + " with sti"))
            << technique << immediate << "sti" << true;
        QTest::newRow(qPrintable(technique + " with sti, timer through dx"))
            << technique << throughDx << "sti" << true;
        QTest::newRow(qPrintable(technique + " with cli"))
            << technique << immediate << "cli" << false;
    }
}

void TestTrapAndEmulate::interruptsArriveOnlyWithIfSet()
{
    QFETCH(QString, technique);
    QFETCH(QString, program);
    QFETCH(QString, enable);
    QFETCH(bool, delivered);
    const QString source = withTickCounter(QStringLiteral("    lidt [idt_descriptor]\n"
                                                          "    mov eax, 100\n"
                                                          "    %2\n"
                                                          "    %1\n"
                                                          "    mov ecx, 1000\n"
                                                          "spin:\n"
                                                          "    dec ecx\n"
                                                          "    jnz spin\n"
                                                          "    mov rax, [ticks]\n"
                                                          "    out EXIT_PORT, al\n")
                                               .arg(enable, program));
    const auto session = run(source, technique);
    QCOMPARE(session->status(), RunStatus::Exited);
    const auto ticks = session->ports().exitCode().value_or(0);
    const std::uint64_t deliveredCount = session->trace().count(EventKind::InterruptDelivered);
    QCOMPARE(static_cast<std::uint64_t>(ticks), deliveredCount);
    if (delivered) {
        // 2,000 instructions of spinning at one tick per 100: about 20 ticks.
        QVERIFY2(deliveredCount >= 19 && deliveredCount <= 21,
                 qPrintable(QString::number(deliveredCount)));
        QCOMPARE(session->pendingInterrupts().count(), 0u);
    } else {
        QCOMPARE(deliveredCount, 0u);
        QCOMPARE(session->pendingInterrupts().count(), 1u);
        QVERIFY(session->trace().count(EventKind::InterruptPending) >= 1);
        QVERIFY(session->trace().count(EventKind::InterruptLost) >= 18);
    }
}

void TestTrapAndEmulate::clearingPagingFaultsInTheGuest()
{
    // SDM Vol. 2B, MOV to CR0: clearing PG in 64-bit mode raises #GP(0). The monitor checks
    // this itself and reflects #GP to the guest's handler.
    const auto session =
        run(program("    mov rax, cr0\n    btr rax, 31\n    mov cr0, rax", {}), trapAndEmulate());
    QCOMPARE(session->status(), RunStatus::Exited);
    QCOMPARE(session->ports().exitCode(), std::optional<std::uint8_t>(13));
    QVERIFY((session->guestView().cr0 & (1ULL << 31)) != 0);
}

void TestTrapAndEmulate::unemulatedPrivilegedInstructionEndsTheRunWithAReason()
{
    // An iretq to a ring-3 frame: the guest's own user mode is beyond this monitor.
    const auto session = run(program("    mov rax, rsp\n    push 0x1b\n    push rax\n"
                                     "    push 0x202\n    push 0x1b\n    push back\n"
                                     "    iretq\nback:",
                                     {}),
                             trapAndEmulate());
    QCOMPARE(session->status(), RunStatus::GuestFault);
    QVERIFY2(session->statusMessage().contains(QStringLiteral("iretq")),
             qPrintable(session->statusMessage()));
    QVERIFY2(session->statusMessage().contains(QStringLiteral("user mode is not modelled")),
             qPrintable(session->statusMessage()));
    QCOMPARE(session->trace().events().back().kind, EventKind::GuestFault);
}

void TestTrapAndEmulate::guestExceptionIsReflectedToItsHandler()
{
    // A #GP of the guest's own (a non-canonical address) reaches its handler in both.
    const QString source =
        program("    mov rax, 0x8000000000000000\n    mov rbx, [rax]\nfaulting_end:", {});
    for (const QString &technique : {test::native(), trapAndEmulate()}) {
        const auto session = run(source, technique);
        QCOMPARE(session->ports().exitCode(), std::optional<std::uint8_t>(13));
        const auto rip = session->program().addressOfLine(4);
        QVERIFY(rip.has_value());
        QCOMPARE(reg(*session, Register::R15), *rip);
    }
}

QTEST_GUILESS_MAIN(TestTrapAndEmulate)
#include "tst_trapandemulate.moc"
