// Trap-and-emulate against native execution, one row per privileged instruction: under
// trap-and-emulate the instruction must fault into the monitor, and what the guest can see
// afterwards (registers, its CPU state, console, how the run ended) must equal the native run.
// Then the holes: popf and pushf at CPL 3, and interrupts that only arrive with IF = 1.

#include "hw/Rflags.h"
#include "support/GuestRun.h"

#include <QtTest>

using namespace vmwb;
using namespace vmwb::test;

namespace {

// Every row runs inside this frame: an IDT with a #GP handler that records the faulting RIP in
// r15 and ends the run with exit code 13.
QString program(const QString &body, const QString &data)
{
    return QStringLiteral("%include \"workbench.inc\"\n"
                          "    lidt [idt_descriptor]\n"
                          "%1\n"
                          "    mov al, 0\n"
                          "    out EXIT_PORT, al\n"
                          "gp_handler:\n"
                          "    add rsp, 8\n"
                          "    mov r15, [rsp]\n"
                          "    mov al, 13\n"
                          "    out EXIT_PORT, al\n"
                          "align 16\n"
                          "idt:\n"
                          "%rep 13\n"
                          "    IDT_NO_GATE\n"
                          "%endrep\n"
                          "    IDT_INTERRUPT_GATE gp_handler\n"
                          "idt_end:\n"
                          "idt_descriptor: dw idt_end - idt - 1\n"
                          "    dq idt\n"
                          "%2\n")
        .arg(body, data);
}

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
    QTest::addColumn<QString>("body");
    QTest::addColumn<QString>("data");
    QTest::addColumn<QString>("trapped"); // the instruction that must trap under trap-and-emulate

    QTest::newRow("cli") << "    sti\n    cli"
                         << ""
                         << "cli";
    QTest::newRow("sti") << "    sti\n    nop"
                         << ""
                         << "sti";
    QTest::newRow("hlt with IF = 0") << "    hlt"
                                     << ""
                                     << "hlt";
    QTest::newRow("mov r64, cr0") << "    mov rbx, cr0"
                                  << ""
                                  << "mov rbx, cr0";
    QTest::newRow("mov cr0, r64 (set TS)")
        << "    mov rax, cr0\n    or rax, 8\n    mov cr0, rax\n    mov rbx, cr0"
        << ""
        << "mov cr0, rax";
    QTest::newRow("mov r64, cr2") << "    mov rbx, cr2"
                                  << ""
                                  << "mov rbx, cr2";
    QTest::newRow("mov cr3, r64 (reload)") << "    mov rax, cr3\n    mov cr3, rax\n    mov rbx, cr3"
                                           << ""
                                           << "mov cr3, rax";
    QTest::newRow("mov cr4, r64 (set TSD)")
        << "    mov rax, cr4\n    or rax, 4\n    mov cr4, rax\n    mov rbx, cr4"
        << ""
        << "mov cr4, rax";
    QTest::newRow("mov cr8, r64") << "    mov eax, 5\n    mov cr8, rax\n    mov rbx, cr8"
                                  << ""
                                  << "mov cr8, rax";
    QTest::newRow("lidt") << "    lidt [other_idt]"
                          << "other_idt: dw 0x1ff\n    dq 0x300000"
                          << "lidt";
    QTest::newRow("lgdt") << "    lgdt [gdt_descriptor]"
                          << "gdt: dq 0, 0x00209A0000000000, 0x0000920000000000\n"
                             "gdt_descriptor: dw 3 * 8 - 1\n    dq gdt"
                          << "lgdt";
    QTest::newRow("lldt null") << "    xor eax, eax\n    lldt ax"
                               << ""
                               << "lldt";
    QTest::newRow("clts") << "    mov rax, cr0\n    or rax, 8\n    mov cr0, rax\n    clts\n"
                             "    mov rbx, cr0"
                          << ""
                          << "clts";
    QTest::newRow("lmsw") << "    mov rax, cr0\n    or rax, 8\n    mov cr0, rax\n"
                             "    mov ax, 3\n    lmsw ax\n    mov rbx, cr0"
                          << ""
                          << "lmsw";
    QTest::newRow("mov dr0") << "    mov rax, 0x1234\n    mov dr0, rax\n    mov rbx, dr0"
                             << ""
                             << "mov dr0, rax";
    QTest::newRow("in eax, imm8 (timer)")
        << "    mov eax, 0x12345\n    out TIMER_PORT, eax\n    in eax, TIMER_PORT\n"
           "    mov ebx, eax"
        << ""
        << "in eax";
    QTest::newRow("in al, dx (no device)") << "    mov dx, 0x80\n    in al, dx\n    movzx ebx, al"
                                           << ""
                                           << "in al, dx";
    QTest::newRow("out imm8, al (console)") << "    mov al, 'A'\n    out CONSOLE_PORT, al"
                                            << ""
                                            << "out 0xe9, al";
    QTest::newRow("rep outsb (console)")
        << "    mov rsi, text\n    mov ecx, 5\n    mov dx, CONSOLE_PORT\n    rep outsb"
        << "text: db \"hello\""
        << "rep outsb";
    QTest::newRow("insb (timer)")
        << "    mov eax, 0x41\n    out TIMER_PORT, eax\n    mov rdi, buffer\n"
           "    mov dx, TIMER_PORT\n    insb\n    movzx ebx, byte [buffer]"
        << "buffer: dq 0"
        << "insb";
    QTest::newRow("rdmsr EFER") << "    mov ecx, 0xC0000080\n    rdmsr\n    mov rbx, rax"
                                << ""
                                << "rdmsr";
    QTest::newRow("wrmsr, rdmsr LSTAR")
        << "    mov ecx, 0xC0000082\n    mov eax, 0x1234\n    xor edx, edx\n    wrmsr\n"
           "    xor eax, eax\n    rdmsr\n    mov rbx, rax"
        << ""
        << "wrmsr";
    QTest::newRow("wrmsr FS_BASE takes effect")
        << "    mov ecx, 0xC0000100\n    mov eax, value\n    xor edx, edx\n    wrmsr\n"
           "    mov rbx, [fs:0]"
        << "value: dq 0x1122334455667788"
        << "wrmsr";
    QTest::newRow("swapgs")
        << "    mov ecx, 0xC0000102\n    mov eax, 0x5000\n    xor edx, edx\n    wrmsr\n"
           "    swapgs\n    mov ecx, 0xC0000101\n    rdmsr\n    mov rbx, rax"
        << ""
        << "swapgs";
    QTest::newRow("invlpg") << "    invlpg [0x200000]"
                            << ""
                            << "invlpg";
    QTest::newRow("wbinvd") << "    wbinvd"
                            << ""
                            << "wbinvd";
    QTest::newRow("iretq to the kernel")
        << "    mov rax, rsp\n    push KERNEL_DS\n    push rax\n    push 0x202\n"
           "    push KERNEL_CS\n    push back\n    iretq\n"
           "back:\n    mov rbx, 1"
        << ""
        << "iretq";
    QTest::newRow("mov to cr0 with a reserved bit: #GP in both")
        << "    mov rax, cr0\n    bts rax, 32\n    mov cr0, rax"
        << ""
        << "mov cr0, rax";
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

    QCOMPARE(runStatusName(deprivileged->status()), runStatusName(native->status()));
    QCOMPARE(deprivileged->ports().exitCode(), native->ports().exitCode());
    QCOMPARE(deprivileged->ports().console(), native->ports().console());
    QCOMPARE(deprivileged->instructions(), native->instructions());
    const QJsonObject nativeReport = reportJson(*native);
    const QJsonObject deprivilegedReport = reportJson(*deprivileged);
    QJsonObject nativeRegisters = nativeReport.value(QStringLiteral("registers")).toObject();
    QJsonObject deprivilegedRegisters =
        deprivilegedReport.value(QStringLiteral("registers")).toObject();
    // RFLAGS differs by design: the deprivileged guest runs with the real IF set.
    nativeRegisters.remove(QStringLiteral("rflags"));
    deprivilegedRegisters.remove(QStringLiteral("rflags"));
    QCOMPARE(deprivilegedRegisters, nativeRegisters);
    QCOMPARE(deprivilegedReport.value(QStringLiteral("virtual_cpu")),
             nativeReport.value(QStringLiteral("virtual_cpu")));
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
