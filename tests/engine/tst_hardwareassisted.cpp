// Hardware-assisted execution (modelled VT-x) against native execution and the Intel SDM: each
// exit happens where the VMCS's controls say, with the SDM's basic exit reason, qualification
// and interruption information; what does not exit runs as on bare hardware, so the POPF demo
// gives the native ticks with no trap at all.

#include "hw/Rflags.h"
#include "support/Demo.h"
#include "support/GuestRun.h"
#include "support/PrivilegedCases.h"
#include "vmm/HardwareAssisted.h"
#include "vmx/Vmcs.h"

#include <QFile>
#include <QJsonObject>
#include <QtTest>

using namespace vmwb;
using namespace vmwb::test;

namespace {

QString hardwareAssisted()
{
    return QStringLiteral("hardware-assisted");
}

const HardwareAssisted &technique(const Session &session)
{
    return dynamic_cast<const HardwareAssisted &>(session.technique());
}

const vmx::Vmcs &vmcs(const Session &session)
{
    return *session.technique().vmcs();
}

std::uint64_t exits(const Session &session, std::uint16_t reason)
{
    const auto &counts = technique(session).exitCounts();
    auto it = counts.find(reason);
    return it == counts.end() ? 0 : it->second;
}

std::vector<const Event *> exitEvents(const Session &session, std::uint16_t reason)
{
    std::vector<const Event *> found;
    for (const Event &event : session.trace().events()) {
        if (event.kind == EventKind::VmExit && event.vector == reason)
            found.push_back(&event);
    }
    return found;
}

// Unconditional I/O exiting is off unless `controls` says otherwise, so that the program's
// final write to the exit port does not overwrite the exit-information fields under test.
std::unique_ptr<Session> runWith(const QString &source, std::map<QString, bool> controls = {},
                                 std::map<QString, std::uint64_t> fields = {})
{
    controls.try_emplace(QStringLiteral("unconditional-io-exiting"), false);
    SessionOptions options;
    options.vmcsControls = std::move(controls);
    options.vmcsFields = std::move(fields);
    return run(source, hardwareAssisted(), options);
}

// `body`, then exit code 0; an IDT whose #DE (0) and #PF (14) handlers record the vector in
// r14 (and CR2 in r13 for #PF) and end the run with exit code 0x40 + vector.
QString withFaultHandlers(const QString &body)
{
    return QStringLiteral("%include \"workbench.inc\"\n"
                          "    lidt [idt_descriptor]\n"
                          "%1\n"
                          "    mov al, 0\n"
                          "    out EXIT_PORT, al\n"
                          "de_handler:\n"
                          "    mov r14, 0\n"
                          "    mov al, 0x40\n"
                          "    out EXIT_PORT, al\n"
                          "pf_handler:\n"
                          "    mov r14, 14\n"
                          "    mov r13, cr2\n"
                          "    mov al, 0x4E\n"
                          "    out EXIT_PORT, al\n"
                          "align 16\n"
                          "idt:\n"
                          "    IDT_INTERRUPT_GATE de_handler\n"
                          "%rep 13\n"
                          "    IDT_NO_GATE\n"
                          "%endrep\n"
                          "    IDT_INTERRUPT_GATE pf_handler\n"
                          "idt_end:\n"
                          "idt_descriptor: dw idt_end - idt - 1\n"
                          "    dq idt\n")
        .arg(body);
}

void compareWithNativeState(const Session &hardware, const Session &native)
{
    for (Register r : {Register::Rax, Register::Rbx, Register::Rcx, Register::Rdx, Register::Rsi,
                       Register::Rdi, Register::R8, Register::R13, Register::R14, Register::R15})
        QCOMPARE(reg(hardware, r), reg(native, r));
    QCOMPARE(hardware.status(), native.status());
    QCOMPARE(hardware.ports().exitCode(), native.ports().exitCode());
    QCOMPARE(hardware.guestView().interruptFlag, native.guestView().interruptFlag);
    QCOMPARE(hardware.instructions(), native.instructions());
}

} // namespace

class TestHardwareAssisted : public QObject
{
    Q_OBJECT

private slots:
    void cpuidAlwaysExits();
    void hltExitsUnlessHltExitingIsOff();
    void movCr3ExitsOnlyWithCr3LoadExiting();
    void cr0WriteExitsOnlyForHostOwnedBits();
    void cltsAndLmswExitWhenTheMonitorOwnsTs();
    void ioExitsAsTheBitmapsSay();
    void rdmsrExitsAsTheMsrBitmapSays();
    void exceptionBitmapInterceptsDivideError();
    void exceptionBitmapInterceptsPageFault();
    void interruptWindowExitingWhileIfIsZero();
    void vmcallExitsAndReturnsEnosys();
    void privilegedInstructionRunsAsNative_data();
    void privilegedInstructionRunsAsNative();
    void popfDemoGivesTheNativeTicks();
    void vmxDemoExitsAsItsHeaderSays();
    void exitCostIsEntryPlusExitPlusHandler();
    void reportListsExitsAndChangedFields();
    void unknownControlIsRefused();
};

void TestHardwareAssisted::cpuidAlwaysExits()
{
    const QString source = program("    mov eax, 0\n    cpuid\n    mov r8, rbx", {});
    const auto native = run(source, test::native());
    const auto hardware = runWith(source);
    QCOMPARE(exits(*hardware, vmx::exit_reason::kCpuid), 1u);
    QCOMPARE(vmcs(*hardware).read(vmx::Field::ExitReason), 10u);
    QCOMPARE(vmcs(*hardware).read(vmx::Field::ExitInstructionLength), 2u); // 0F A2
    const auto events = exitEvents(*hardware, vmx::exit_reason::kCpuid);
    QCOMPARE(events.size(), std::size_t{1});
    QVERIFY2(events.front()->cause.contains(QStringLiteral("CPUID")),
             qPrintable(events.front()->cause));
    compareWithNativeState(*hardware, *native);
}

void TestHardwareAssisted::hltExitsUnlessHltExitingIsOff()
{
    const QString source = program("    hlt", {});
    const auto on = runWith(source);
    const auto off = runWith(source, {{QStringLiteral("hlt-exiting"), false}});
    QCOMPARE(exits(*on, vmx::exit_reason::kHlt), 1u);
    QCOMPARE(exits(*off, vmx::exit_reason::kHlt), 0u);
    QCOMPARE(on->status(), RunStatus::Halted);
    QCOMPARE(off->status(), RunStatus::Halted);
    QCOMPARE(vmcs(*on).read(vmx::Field::ExitReason), 12u);
}

void TestHardwareAssisted::movCr3ExitsOnlyWithCr3LoadExiting()
{
    const QString source = program("    mov rax, cr3\n    mov cr3, rax", {});
    const auto native = run(source, test::native());
    const auto off = run(source, hardwareAssisted()); // EPT on: CR3 is the guest's own
    const auto on = runWith(source, {{QStringLiteral("cr3-load-exiting"), true}});
    QCOMPARE(exits(*off, vmx::exit_reason::kCrAccess), 0u);
    QCOMPARE(exits(*on, vmx::exit_reason::kCrAccess), 1u);
    // SDM Table 28-3: CR 3 in bits 3:0, MOV to CR (0) in bits 5:4, RAX (0) in bits 11:8.
    QCOMPARE(vmcs(*on).read(vmx::Field::ExitQualification), 0x3u);
    QCOMPARE(vmcs(*on).read(vmx::Field::ExitInstructionLength), 3u); // 0F 22 D8
    const auto store = runWith(QStringLiteral("%include \"workbench.inc\"\n"
                                              "    mov rcx, cr3\n"
                                              "    mov al, 0\n"
                                              "    out EXIT_PORT, al\n"),
                               {{QStringLiteral("cr3-store-exiting"), true}});
    QCOMPARE(exits(*store, vmx::exit_reason::kCrAccess), 1u);
    // MOV from CR (1) in bits 5:4, RCX (1) in bits 11:8.
    QCOMPARE(vmcs(*store).read(vmx::Field::ExitQualification), 0x113u);
    compareWithNativeState(*on, *native);
}

void TestHardwareAssisted::cr0WriteExitsOnlyForHostOwnedBits()
{
    // TS (bit 3) is the guest's own; CD (bit 30) is in the default CR0 guest/host mask.
    const QString ts = program("    mov rax, cr0\n    or rax, 8\n    mov cr0, rax\n"
                               "    mov rbx, cr0",
                               {});
    const QString cd = program("    mov rax, cr0\n    bts rax, 30\n    mov cr0, rax\n"
                               "    mov rbx, cr0",
                               {});
    const auto tsNative = run(ts, test::native());
    const auto tsHardware = run(ts, hardwareAssisted());
    QCOMPARE(exits(*tsHardware, vmx::exit_reason::kCrAccess), 0u);
    compareWithNativeState(*tsHardware, *tsNative);
    const auto cdNative = run(cd, test::native());
    const auto cdHardware = runWith(cd);
    QCOMPARE(exits(*cdHardware, vmx::exit_reason::kCrAccess), 1u);
    QCOMPARE(vmcs(*cdHardware).read(vmx::Field::ExitQualification), 0x0u); // CR0, to, RAX
    // The guest reads back what it wrote: the read shadow follows its writes.
    QCOMPARE(reg(*cdHardware, Register::Rbx), reg(*cdNative, Register::Rbx));
    QCOMPARE(vmcs(*cdHardware).read(vmx::Field::Cr0ReadShadow) & (1ULL << 30), 1ULL << 30);
    compareWithNativeState(*cdHardware, *cdNative);
    // With CD out of the mask the same write does not exit.
    const auto unmasked = runWith(cd, {}, {{QStringLiteral("CR0_GUEST_HOST_MASK"), 0x80000001}});
    QCOMPARE(exits(*unmasked, vmx::exit_reason::kCrAccess), 0u);
}

void TestHardwareAssisted::cltsAndLmswExitWhenTheMonitorOwnsTs()
{
    const QString source = program("    mov rax, cr0\n    or rax, 8\n    mov cr0, rax\n"
                                   "    clts\n"
                                   "    mov rax, cr0\n    or eax, 8\n    lmsw ax\n"
                                   "    mov rbx, cr0",
                                   {});
    const auto native = run(source, test::native());
    // By default the monitor does not own TS: neither exits.
    const auto quiet = runWith(source);
    QCOMPARE(exits(*quiet, vmx::exit_reason::kCrAccess), 0u);
    // Owning TS (PG|TS|PE): the MOV to CR0, the CLTS and the LMSW each change it.
    const auto owned = runWith(source, {}, {{QStringLiteral("CR0_GUEST_HOST_MASK"), 0x80000009}});
    QCOMPARE(exits(*owned, vmx::exit_reason::kCrAccess), 3u);
    // LMSW loaded CR0 | TS, what the guest then read into RBX.
    const std::uint16_t lmswSource = static_cast<std::uint16_t>(reg(*native, Register::Rbx));
    QCOMPARE(vmcs(*owned).read(vmx::Field::ExitQualification),
             vmx::lmswQualification(lmswSource, false));
    QCOMPARE(reg(*owned, Register::Rbx), reg(*native, Register::Rbx));
    compareWithNativeState(*owned, *native);
}

void TestHardwareAssisted::ioExitsAsTheBitmapsSay()
{
    const QString source = QStringLiteral("%include \"workbench.inc\"\n"
                                          "    mov al, 'x'\n"
                                          "    out CONSOLE_PORT, al\n"
                                          "    mov dx, TIMER_PORT\n"
                                          "    xor eax, eax\n"
                                          "    out dx, eax\n"
                                          "    mov al, 0\n"
                                          "    out EXIT_PORT, al\n");
    // Default: unconditional I/O exiting, every port exits.
    const auto all = run(source, hardwareAssisted());
    QCOMPARE(exits(*all, vmx::exit_reason::kIoInstruction), 3u);
    QCOMPARE(all->ports().console(), QByteArray("x"));
    // The bitmaps: the console port is allowed, the timer and exit ports are not.
    const auto bitmaps = runWith(source, {{QStringLiteral("unconditional-io-exiting"), false},
                                          {QStringLiteral("use-io-bitmaps"), true}});
    QCOMPARE(bitmaps->ports().console(), QByteArray("x"));
    const auto events = exitEvents(*bitmaps, vmx::exit_reason::kIoInstruction);
    QCOMPARE(events.size(), std::size_t{2});
    QVERIFY2(events.front()->instruction.startsWith(QStringLiteral("out dx")),
             qPrintable(events.front()->instruction));
    // The last exit, the exit port: OUT (bit 3 = 0), 1 byte, immediate (bit 6), port 0xF4.
    QCOMPARE(vmcs(*bitmaps).read(vmx::Field::ExitQualification), 0xF40040u);
    // Neither control: no I/O exits at all.
    const auto none = runWith(source);
    QCOMPARE(exits(*none, vmx::exit_reason::kIoInstruction), 0u);
    QCOMPARE(none->status(), RunStatus::Exited);
}

void TestHardwareAssisted::rdmsrExitsAsTheMsrBitmapSays()
{
    const QString source = program("    mov ecx, 0x10\n    rdmsr", {}); // IA32_TIME_STAMP_COUNTER
    const auto native = run(source, test::native());
    const auto passes = run(source, hardwareAssisted());
    QCOMPARE(exits(*passes, vmx::exit_reason::kRdmsr), 0u);
    const auto bitmapOff = runWith(source, {{QStringLiteral("use-msr-bitmaps"), false}});
    QCOMPARE(exits(*bitmapOff, vmx::exit_reason::kRdmsr), 1u);
    QCOMPARE(vmcs(*bitmapOff).read(vmx::Field::ExitReason), 31u);
    QCOMPARE(reg(*passes, Register::Rcx), reg(*native, Register::Rcx));
}

void TestHardwareAssisted::exceptionBitmapInterceptsDivideError()
{
    const QString source = withFaultHandlers("    xor ecx, ecx\n    mov eax, 1\n    div ecx");
    const auto native = run(source, test::native());
    const auto quiet = run(source, hardwareAssisted());
    QCOMPARE(exits(*quiet, vmx::exit_reason::kExceptionOrNmi), 0u);
    const auto intercepted = runWith(source, {}, {{QStringLiteral("EXCEPTION_BITMAP"), 1ULL << 0}});
    QCOMPARE(exits(*intercepted, vmx::exit_reason::kExceptionOrNmi), 1u);
    // Vector 0, hardware exception (type 3), no error code, valid.
    QCOMPARE(vmcs(*intercepted).read(vmx::Field::ExitInterruptionInfo), 0x80000300u);
    QCOMPARE(native->ports().exitCode(), std::optional<std::uint8_t>(0x40));
    compareWithNativeState(*intercepted, *native);
}

void TestHardwareAssisted::exceptionBitmapInterceptsPageFault()
{
    const QString source = withFaultHandlers("    mov rax, [0x3000000]");
    const auto native = run(source, test::native());
    QCOMPARE(native->ports().exitCode(), std::optional<std::uint8_t>(0x4E));
    const auto quiet = run(source, hardwareAssisted()); // EPT: #PF stays in the guest
    QCOMPARE(exits(*quiet, vmx::exit_reason::kExceptionOrNmi), 0u);
    const auto intercepted =
        runWith(source, {}, {{QStringLiteral("EXCEPTION_BITMAP"), 1ULL << 14}});
    QCOMPARE(exits(*intercepted, vmx::exit_reason::kExceptionOrNmi), 1u);
    // Vector 14, hardware exception, error code valid; the qualification is the address.
    QCOMPARE(vmcs(*intercepted).read(vmx::Field::ExitInterruptionInfo), 0x80000B0Eu);
    QCOMPARE(vmcs(*intercepted).read(vmx::Field::ExitQualification), 0x3000000u);
    compareWithNativeState(*intercepted, *native);
    // PFEC_MASK/MATCH that the error code does not meet invert the bit (SDM 26.2).
    const auto inverted = runWith(source, {},
                                  {{QStringLiteral("EXCEPTION_BITMAP"), 1ULL << 14},
                                   {QStringLiteral("PAGE_FAULT_ERROR_CODE_MASK"), 1},
                                   {QStringLiteral("PAGE_FAULT_ERROR_CODE_MATCH"), 1}});
    QCOMPARE(exits(*inverted, vmx::exit_reason::kExceptionOrNmi), 0u);
}

void TestHardwareAssisted::interruptWindowExitingWhileIfIsZero()
{
    // The timer fires while IF = 0: an external-interrupt exit, the monitor sets
    // interrupt-window exiting, and the sti opens the window: a second exit, then injection.
    const QString source = withTickCounter("    lidt [idt_descriptor]\n"
                                           "    cli\n"
                                           "    mov eax, 50\n"
                                           "    out TIMER_PORT, eax\n"
                                           "    mov ecx, 30\n"
                                           "spin:\n"
                                           "    dec ecx\n"
                                           "    jnz spin\n"
                                           "    xor eax, eax\n"
                                           "    out TIMER_PORT, eax\n"
                                           "    sti\n"
                                           "    nop\n"
                                           "    mov rbx, [ticks]\n"
                                           "    mov al, bl\n"
                                           "    out EXIT_PORT, al");
    const auto native = run(source, test::native());
    const auto hardware = runWith(source);
    QCOMPARE(native->ports().exitCode(), std::optional<std::uint8_t>(1));
    QCOMPARE(hardware->ports().exitCode(), native->ports().exitCode());
    QCOMPARE(exits(*hardware, vmx::exit_reason::kExternalInterrupt), 1u);
    QCOMPARE(exits(*hardware, vmx::exit_reason::kInterruptWindow), 1u);
    QVERIFY(!vmcs(*hardware).control(vmx::Control::InterruptWindowExiting));
    // The injection: vector 32, external interrupt (type 0), valid.
    QCOMPARE(vmcs(*hardware).read(vmx::Field::EntryInterruptionInfo), 0x80000020u);
    // Without external-interrupt exiting the CPU holds the interrupt itself: no exits.
    const auto direct = runWith(source, {{QStringLiteral("external-interrupt-exiting"), false}});
    QCOMPARE(direct->ports().exitCode(), native->ports().exitCode());
    QCOMPARE(direct->trace().count(EventKind::VmExit), 0u);
}

void TestHardwareAssisted::vmcallExitsAndReturnsEnosys()
{
    const QString source = program("    mov eax, 7\n    vmcall\n    mov rbx, rax", {});
    const auto hardware = runWith(source);
    QCOMPARE(exits(*hardware, vmx::exit_reason::kVmcall), 1u);
    QCOMPARE(reg(*hardware, Register::Rbx), static_cast<std::uint64_t>(-1000));
    QCOMPARE(vmcs(*hardware).read(vmx::Field::ExitInstructionLength), 3u); // 0F 01 C1
    QCOMPARE(hardware->status(), RunStatus::Exited);
}

void TestHardwareAssisted::privilegedInstructionRunsAsNative_data()
{
    addPrivilegedInstructionRows();
}

void TestHardwareAssisted::privilegedInstructionRunsAsNative()
{
    QFETCH(QString, body);
    QFETCH(QString, data);
    const QString source = program(body, data);
    const auto native = run(source, test::native());
    const auto hardware = run(source, hardwareAssisted());
    QCOMPARE(hardware->trace().count(EventKind::Trap), 0u);
    QCOMPARE(hardware->trace().count(EventKind::Hole), 0u);
    compareWithNativeState(*hardware, *native);
}

void TestHardwareAssisted::popfDemoGivesTheNativeTicks()
{
    const auto native = run(demoSource(), test::native());
    const auto hardware = run(demoSource(), hardwareAssisted());
    QCOMPARE(hardware->status(), RunStatus::Exited);
    QVERIFY(native->ports().exitCode().value_or(0) > 0);
    QCOMPARE(hardware->ports().exitCode(), native->ports().exitCode());
    QCOMPARE(hardware->ports().console(), native->ports().console());
    QCOMPARE(hardware->instructions(), native->instructions());
    QCOMPARE(hardware->trace().count(EventKind::InterruptDelivered),
             native->trace().count(EventKind::InterruptDelivered));
    // popf, cli and sti ran natively: no trap, no hole.
    QCOMPARE(hardware->trace().count(EventKind::Trap), 0u);
    QCOMPARE(hardware->trace().count(EventKind::Hole), 0u);
    QVERIFY(hardware->trace().count(EventKind::VmExit) > 0);
}

void TestHardwareAssisted::vmxDemoExitsAsItsHeaderSays()
{
    QFile file(QStringLiteral(VMWB_SOURCE_DIR "/exercises/demos/vmx-exits.asm"));
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QString source = QString::fromUtf8(file.readAll());
    const auto native = run(source, test::native());
    const auto hardware = run(source, hardwareAssisted());
    QCOMPARE(native->ports().exitCode(), std::optional<std::uint8_t>(3));
    QCOMPARE(hardware->ports().exitCode(), native->ports().exitCode());
    QCOMPARE(exits(*hardware, vmx::exit_reason::kCpuid), 1u);
    QCOMPARE(exits(*hardware, vmx::exit_reason::kIoInstruction), 4u);
    QCOMPARE(exits(*hardware, vmx::exit_reason::kHlt), 3u);
    QCOMPARE(exits(*hardware, vmx::exit_reason::kExternalInterrupt), 3u);
    QCOMPARE(exits(*hardware, vmx::exit_reason::kInvlpg), 0u);
    const auto noHlt = run(source, hardwareAssisted(), [] {
        SessionOptions options;
        options.vmcsControls[QStringLiteral("hlt-exiting")] = false;
        return options;
    }());
    QCOMPARE(exits(*noHlt, vmx::exit_reason::kHlt), 0u);
    QCOMPARE(noHlt->ports().exitCode(), native->ports().exitCode());
    const auto withoutEpt = runWith(source, {{QStringLiteral("invlpg-exiting"), true},
                                             {QStringLiteral("unconditional-io-exiting"), false},
                                             {QStringLiteral("use-io-bitmaps"), true}});
    QCOMPARE(exits(*withoutEpt, vmx::exit_reason::kInvlpg), 1u);
    // The qualification of an INVLPG exit is the linear address (SDM 28.2.1).
    const auto events = exitEvents(*withoutEpt, vmx::exit_reason::kInvlpg);
    QCOMPARE(events.size(), std::size_t{1});
    QVERIFY2(events.front()->instruction.startsWith(QStringLiteral("invlpg")),
             qPrintable(events.front()->instruction));
    QCOMPARE(exits(*withoutEpt, vmx::exit_reason::kIoInstruction), 3u); // not the console's
    QCOMPARE(withoutEpt->ports().console(), QByteArray("!"));
}

void TestHardwareAssisted::exitCostIsEntryPlusExitPlusHandler()
{
    const auto hardware = runWith(program("    cpuid", {}));
    const auto events = exitEvents(*hardware, vmx::exit_reason::kCpuid);
    QCOMPARE(events.size(), std::size_t{1});
    const CostPreset &costs = hardware->costs();
    // The handler reads about ten VMCS fields (Adams and Agesen 2006) before its own work.
    QCOMPARE(events.front()->cycles, costs[Cost::VmExit] + 10 * costs[Cost::VmcsRead] +
                                         costs[Cost::MonitorEmulation] + costs[Cost::VmEntry]);
    QVERIFY(costs[Cost::VmExit] > 0 && costs[Cost::VmEntry] > 0);
}

void TestHardwareAssisted::reportListsExitsAndChangedFields()
{
    const auto hardware =
        runWith(program("    cpuid\n    hlt", {}), {{QStringLiteral("hlt-exiting"), false}});
    const QJsonObject json = reportJson(*hardware);
    const QJsonObject vmExits = json.value(QStringLiteral("vm_exits")).toObject();
    QCOMPARE(vmExits.value(QStringLiteral("cpuid")).toInt(), 1);
    QVERIFY(!vmExits.contains(QStringLiteral("hlt")));
    const QJsonObject changed = json.value(QStringLiteral("vmcs"))
                                    .toObject()
                                    .value(QStringLiteral("fields_changed"))
                                    .toObject();
    QVERIFY(changed.contains(QStringLiteral("VM_EXIT_REASON")));
    QVERIFY(changed.contains(QStringLiteral("GUEST_RIP")));
    QVERIFY(!changed.contains(QStringLiteral("HOST_RIP")));
    const QJsonObject controls =
        json.value(QStringLiteral("vmcs")).toObject().value(QStringLiteral("controls")).toObject();
    QCOMPARE(controls.value(QStringLiteral("hlt-exiting")).toBool(true), false);
}

void TestHardwareAssisted::unknownControlIsRefused()
{
    SessionOptions options;
    options.technique = hardwareAssisted();
    options.vmcsControls[QStringLiteral("hlt-exitting")] = false;
    QVERIFY_THROWS_EXCEPTION(
        OptionError, Session(assemble(program("    nop", {})), options, techniques(), presets()));
    options.vmcsControls.clear();
    options.vmcsFields[QStringLiteral("NO_SUCH_FIELD")] = 1;
    QVERIFY_THROWS_EXCEPTION(
        OptionError, Session(assemble(program("    nop", {})), options, techniques(), presets()));
    options.vmcsFields.clear();
    options.technique = test::native();
    options.vmcsControls[QStringLiteral("hlt-exiting")] = false;
    QVERIFY_THROWS_EXCEPTION(
        OptionError, Session(assemble(program("    nop", {})), options, techniques(), presets()));
}

QTEST_GUILESS_MAIN(TestHardwareAssisted)
#include "tst_hardwareassisted.moc"
