// The paravirtual monitor: hypercalls with Xen's numbers, argument registers and error codes;
// the shared info page whose mask the guest writes with plain stores; events delivered by
// upcall and returned from with the iret hypercall; and unmodified privileged instructions,
// which still trap and are emulated.

#include "hw/Rflags.h"
#include "support/GuestRun.h"
#include "vmm/Hypercalls.h"
#include "vmm/Paravirtual.h"

#include <QtTest>

using namespace vmwb;
using namespace vmwb::test;

namespace {

QString paravirtual()
{
    return QStringLiteral("paravirtual");
}

// `body` with both include files, ended by an exit through the exit hypercall.
QString guest(const QString &body, const QString &data = {})
{
    return QStringLiteral("%include \"workbench.inc\"\n"
                          "%include \"xen.inc\"\n"
                          "%1\n"
                          "    XEN_EXIT 0\n"
                          "%2\n")
        .arg(body, data);
}

// A paravirtual kernel with a timer: it registers `tick` as its event callback, binds
// VIRQ_TIMER and starts the periodic timer (100 guest instructions); `tick` counts events in
// the qword `ticks`.
QString withEventCounter(const QString &body)
{
    return guest(QStringLiteral("    mov rdi, tick\n"
                                "    xor esi, esi\n"
                                "    xor edx, edx\n"
                                "    HYPERCALL set_callbacks\n"
                                "    mov edi, EVTCHNOP_bind_virq\n"
                                "    mov rsi, bind\n"
                                "    HYPERCALL event_channel_op\n"
                                "    mov eax, 100\n"
                                "    XEN_SET_TIMER\n"
                                "%1\n"
                                "    mov rax, [ticks]\n"
                                "    XEN_EXIT_AL\n"
                                "tick:\n"
                                "    XEN_EVENT_ENTRY\n"
                                "    inc qword [ticks]\n"
                                "    XEN_IRET\n")
                     .arg(body),
                 QStringLiteral("align 8\n"
                                "bind: dd VIRQ_TIMER, 0, 0\n"
                                "ticks: dq 0\n"));
}

const Paravirtual &technique(const Session &session)
{
    const auto *pv = dynamic_cast<const Paravirtual *>(&session.technique());
    if (!pv)
        qFatal("not a paravirtual session");
    return *pv;
}

std::vector<Paravirtual::HypercallRecord> callsNamed(const Session &session, const QString &name)
{
    std::vector<Paravirtual::HypercallRecord> calls;
    for (const auto &call : technique(session).hypercalls()) {
        if (call.name == name)
            calls.push_back(call);
    }
    return calls;
}

const Event *firstEvent(const Session &session, EventKind kind)
{
    for (const Event &event : session.trace().events()) {
        if (event.kind == kind)
            return &event;
    }
    return nullptr;
}

} // namespace

class TestParavirtual : public QObject
{
    Q_OBJECT

private slots:
    void isRegisteredAfterTrapAndEmulate();
    void hypercallTakesXensArgumentRegisters();
    void hypercallArgumentsReachTheOperation();
    void hypercallReturnsXensErrorCodes_data();
    void hypercallReturnsXensErrorCodes();
    void hypercallCostsThePresetsHypercall();
    void guestStartsWithEventsMasked();
    void cliIsAPlainStoreWithoutTrap();
    void unmaskingHypercallsOnlyWhenAnEventIsPending();
    void eventsArriveByUpcallAndReturnByIret();
    void eventsStayPendingWhileMasked();
    void callbackOpRegistersTheEventCallback();
    void haltWithEventsMaskedTakesTheVcpuDown();
    void shutdownEndsTheRunWithTheExitCode();
    void consoleIoWritesToTheConsole();
    void exceptionsGoThroughTheTrapTable();
    void unmodifiedPrivilegedInstructionStillTraps();
    void popfIsAHoleOnlyWhenItMatters_data();
    void popfIsAHoleOnlyWhenItMatters();
    void macrosKeepRegistersAndFlags_data();
    void macrosKeepRegistersAndFlags();
};

void TestParavirtual::isRegisteredAfterTrapAndEmulate()
{
    const auto list = techniques().techniques();
    const auto position = [&](const QString &id) {
        return std::find_if(list.begin(), list.end(),
                            [&](const TechniqueInfo &info) { return info.id == id; }) -
               list.begin();
    };
    QVERIFY(techniques().contains(paravirtual()));
    QCOMPARE(position(paravirtual()), position(trapAndEmulate()) + 1);
    QCOMPARE(list[static_cast<std::size_t>(position(paravirtual()))].guestRing, 3);
}

void TestParavirtual::hypercallTakesXensArgumentRegisters()
{
    // Number in RAX, arguments in RDI, RSI, RDX, R10, R8; the result in RAX; nothing else
    // changes (RCX, R9 and R11 included).
    const auto session = run(guest("    mov eax, 99\n"
                                   "    mov rdi, 0x1111\n"
                                   "    mov rsi, 0x2222\n"
                                   "    mov rdx, 0x3333\n"
                                   "    mov r10, 0x4444\n"
                                   "    mov r8, 0x5555\n"
                                   "    mov rcx, 0x6666\n"
                                   "    mov r9, 0x7777\n"
                                   "    mov r11, 0x8888\n"
                                   "    int 0x82\n"
                                   "    mov rbx, rax\n"
                                   "    mov r12, rdi\n"
                                   "    mov r13, rsi\n"
                                   "    mov r14, rdx\n"
                                   "    mov r15, r10\n"
                                   "    mov rbp, r8\n"),
                             paravirtual());
    QCOMPARE(session->status(), RunStatus::Exited);
    const auto &calls = technique(*session).hypercalls();
    QVERIFY(!calls.empty());
    const auto &call = calls.front();
    QCOMPARE(call.number, 99u);
    const std::array<std::uint64_t, 5> expected{0x1111, 0x2222, 0x3333, 0x4444, 0x5555};
    QCOMPARE(call.arguments, expected);
    QCOMPARE(call.result, -xen::error::kENOSYS);
    QCOMPARE(static_cast<std::int64_t>(reg(*session, Register::Rbx)), -xen::error::kENOSYS);
    QCOMPARE(reg(*session, Register::R12), 0x1111u);
    QCOMPARE(reg(*session, Register::R13), 0x2222u);
    QCOMPARE(reg(*session, Register::R14), 0x3333u);
    QCOMPARE(reg(*session, Register::R15), 0x4444u);
    QCOMPARE(reg(*session, Register::Rbp), 0x5555u);
    QCOMPARE(reg(*session, Register::Rcx), 0x6666u);
    QCOMPARE(reg(*session, Register::R9), 0x7777u);
    QCOMPARE(reg(*session, Register::R11), 0x8888u);
    const Event *event = firstEvent(*session, EventKind::Hypercall);
    QVERIFY(event);
    QCOMPARE(event->instruction, QStringLiteral("int 0x82"));
    QCOMPARE(event->vector, 0x82);
    QVERIFY2(event->cause.contains(
                 QStringLiteral("hypercall 99(0x1111, 0x2222, 0x3333, 0x4444, 0x5555) = -38 "
                                "(-ENOSYS)")),
             qPrintable(event->cause));
}

void TestParavirtual::hypercallArgumentsReachTheOperation()
{
    // mmuext_op(ops, count, pdone, foreigndom) uses four arguments: the operation array, its
    // length, where to write how many were done, and the domain.
    const auto session = run(guest("    mov rdi, ops\n"
                                   "    mov esi, 2\n"
                                   "    mov rdx, done\n"
                                   "    mov r10d, DOMID_SELF\n"
                                   "    HYPERCALL mmuext_op\n"
                                   "    mov rbx, rax\n"
                                   "    mov ecx, [done]\n",
                                   "align 8\n"
                                   "ops: dd MMUEXT_TLB_FLUSH_LOCAL, 0\n"
                                   "    dq 0, 0\n"
                                   "    dd MMUEXT_NEW_BASEPTR, 0\n"
                                   "    dq 0x5, 0\n"
                                   "done: dd 0\n"),
                             paravirtual());
    QCOMPARE(reg(*session, Register::Rbx), 0u);
    QCOMPARE(reg(*session, Register::Rcx), 2u);
    QCOMPARE(session->guestView().cr3, 0x5000u);
    const auto calls = callsNamed(*session, QStringLiteral("mmuext_op"));
    QCOMPARE(calls.size(), std::size_t(1));
    QCOMPARE(calls[0].arguments[1], 2u);
    QCOMPARE(calls[0].arguments[3], std::uint64_t(xen::mmuext::kDomidSelf));
    const Event *event = firstEvent(*session, EventKind::Hypercall);
    QVERIFY(event);
    QVERIFY2(event->cause.contains(QStringLiteral(", 0x2, ")), qPrintable(event->cause));
    QVERIFY2(event->cause.contains(QStringLiteral("0x7ff0) = 0")), qPrintable(event->cause));
    QVERIFY2(event->cause.contains(QStringLiteral("virtual CR3 0x")), qPrintable(event->cause));
}

void TestParavirtual::hypercallReturnsXensErrorCodes_data()
{
    QTest::addColumn<QString>("body");
    QTest::addColumn<QString>("data");
    QTest::addColumn<QString>("name");
    QTest::addColumn<qint64>("result");

    QTest::newRow("no such hypercall: -ENOSYS") << "    mov eax, 200\n    int 0x82"
                                                << ""
                                                << "200" << qint64(-38);
    QTest::newRow("not implemented (mmu_update): -ENOSYS")
        << "    xor edi, edi\n    HYPERCALL mmu_update"
        << ""
        << "mmu_update" << qint64(-38);
    QTest::newRow("unknown sub-command of sched_op: -ENOSYS")
        << "    mov edi, 99\n    HYPERCALL sched_op"
        << ""
        << "sched_op" << qint64(-38);
    QTest::newRow("bad pointer: -EFAULT")
        << "    mov edi, CONSOLEIO_write\n    mov esi, 4\n    mov rdx, 0x7f0000000000\n"
           "    HYPERCALL console_io"
        << ""
        << "console_io" << qint64(-14);
    QTest::newRow("bad pointer in set_trap_table: -EFAULT")
        << "    mov rdi, 0x7f0000000000\n    HYPERCALL set_trap_table"
        << ""
        << "set_trap_table" << qint64(-14);
    QTest::newRow("VIRQ out of range: -EINVAL")
        << "    mov edi, EVTCHNOP_bind_virq\n    mov rsi, bind\n    HYPERCALL event_channel_op"
        << "align 8\nbind: dd 99, 0, 0"
        << "event_channel_op" << qint64(-22);
    QTest::newRow("non-canonical callback: -EINVAL")
        << "    mov rdi, 0x800000000000\n    xor esi, esi\n    xor edx, edx\n"
           "    HYPERCALL set_callbacks"
        << ""
        << "set_callbacks" << qint64(-22);
    QTest::newRow("periodic timer of 0: -EINVAL")
        << "    mov edi, VCPUOP_set_periodic_timer\n    xor esi, esi\n    mov rdx, period\n"
           "    HYPERCALL vcpu_op"
        << "align 8\nperiod: dq 0"
        << "vcpu_op" << qint64(-22);
    QTest::newRow("no such vCPU: -ENOENT")
        << "    mov edi, VCPUOP_is_up\n    mov esi, 1\n    xor edx, edx\n    HYPERCALL vcpu_op"
        << ""
        << "vcpu_op" << qint64(-2);
    QTest::newRow("VIRQ bound twice: -EEXIST")
        << "    mov edi, EVTCHNOP_bind_virq\n    mov rsi, bind\n    HYPERCALL event_channel_op\n"
           "    mov edi, EVTCHNOP_bind_virq\n    mov rsi, bind\n    HYPERCALL event_channel_op"
        << "align 8\nbind: dd VIRQ_TIMER, 0, 0"
        << "event_channel_op" << qint64(-17);
    QTest::newRow("xen_version succeeds") << "    xor edi, edi\n    xor esi, esi\n"
                                             "    HYPERCALL xen_version"
                                          << ""
                                          << "xen_version" << qint64(xen::kReportedVersion);
}

void TestParavirtual::hypercallReturnsXensErrorCodes()
{
    QFETCH(QString, body);
    QFETCH(QString, data);
    QFETCH(QString, name);
    QFETCH(qint64, result);
    const auto session =
        run(guest(body + QStringLiteral("\n    mov rbx, rax"), data), paravirtual());
    QCOMPARE(session->status(), RunStatus::Exited);
    QCOMPARE(static_cast<qint64>(reg(*session, Register::Rbx)), result);
    const auto calls = callsNamed(*session, name);
    QVERIFY(std::any_of(calls.begin(), calls.end(),
                        [&](const auto &call) { return call.result == result; }));
    // The event names the error the way Xen's errno.h does.
    if (result < 0) {
        const QString text = QStringLiteral("= %1 (-%2)").arg(result).arg(xen::errorName(-result));
        const auto &events = session->trace().events();
        QVERIFY2(std::any_of(events.begin(), events.end(),
                             [&](const Event &e) { return e.cause.contains(text); }),
                 qPrintable(text));
    }
}

void TestParavirtual::hypercallCostsThePresetsHypercall()
{
    const auto session = run(guest("    xor edi, edi\n    HYPERCALL xen_version"), paravirtual());
    const Event *event = firstEvent(*session, EventKind::Hypercall);
    QVERIFY(event);
    const CostPreset *preset = presets().find(CostPresets::defaultId());
    QVERIFY(preset);
    QCOMPARE(event->cycles, (*preset)[Cost::Hypercall]);
    QCOMPARE(session->trace().count(EventKind::Hypercall), 2u); // and the exit
}

void TestParavirtual::guestStartsWithEventsMasked()
{
    const auto session = run(guest("    movzx ebx, byte [VCPU0_UPCALL_MASK]\n"
                                   "    movzx ecx, byte [VCPU0_UPCALL_PENDING]"),
                             paravirtual());
    QCOMPARE(reg(*session, Register::Rbx), 1u);
    QCOMPARE(reg(*session, Register::Rcx), 0u);
    QCOMPARE(session->guestView().interruptFlag, false);
}

void TestParavirtual::cliIsAPlainStoreWithoutTrap()
{
    // A thousand cli/sti pairs with no event pending: no trap, no hypercall but the exit.
    const auto session = run(guest("    mov ecx, 1000\n"
                                   "again:\n"
                                   "    XEN_STI\n"
                                   "    XEN_CLI\n"
                                   "    dec ecx\n"
                                   "    jnz again\n"
                                   "    XEN_STI"),
                             paravirtual());
    QCOMPARE(session->status(), RunStatus::Exited);
    QCOMPARE(session->trace().count(EventKind::Trap), 0u);
    QCOMPARE(session->trace().count(EventKind::Hole), 0u);
    QCOMPARE(session->trace().count(EventKind::Hypercall), 1u); // the exit
    QCOMPARE(session->guestView().interruptFlag, true);
    // The same under trap-and-emulate: every cli and sti traps.
    const auto trapped = run(QStringLiteral("%include \"workbench.inc\"\n"
                                            "    mov ecx, 1000\n"
                                            "again:\n"
                                            "    sti\n"
                                            "    cli\n"
                                            "    dec ecx\n"
                                            "    jnz again\n"
                                            "    EXIT 0\n"),
                             trapAndEmulate());
    QCOMPARE(trapped->trace().count(EventKind::Trap), 2001u);
}

void TestParavirtual::unmaskingHypercallsOnlyWhenAnEventIsPending()
{
    // Masked across a tick: the unmask finds the event pending and makes one xen_version
    // hypercall. Masked briefly, with no tick in between: the unmask makes none.
    const auto session = run(withEventCounter(QStringLiteral("    XEN_CLI\n"
                                                             "    mov ecx, 100\n"
                                                             "masked:\n"
                                                             "    dec ecx\n"
                                                             "    jnz masked\n"
                                                             "    XEN_STI\n"
                                                             "    XEN_CLI\n"
                                                             "    XEN_STI\n"
                                                             "    XEN_CLI\n")),
                             paravirtual());
    QCOMPARE(session->status(), RunStatus::Exited);
    QCOMPARE(callsNamed(*session, QStringLiteral("xen_version")).size(), std::size_t(1));
    QCOMPARE(session->ports().exitCode(), std::optional<std::uint8_t>(1));
    QCOMPARE(session->trace().count(EventKind::InterruptDelivered), 1u);
    QCOMPARE(session->trace().count(EventKind::Trap), 0u);
}

void TestParavirtual::eventsArriveByUpcallAndReturnByIret()
{
    const auto session = run(withEventCounter(QStringLiteral("    XEN_STI\n"
                                                             "    mov ecx, 1000\n"
                                                             "spin:\n"
                                                             "    dec ecx\n"
                                                             "    jnz spin\n")),
                             paravirtual());
    QCOMPARE(session->status(), RunStatus::Exited);
    const auto ticks = session->ports().exitCode().value_or(0);
    const std::uint64_t delivered = session->trace().count(EventKind::InterruptDelivered);
    // 2,000 instructions of spinning plus the handlers' at one tick per 100: about 20.
    QVERIFY2(delivered >= 19 && delivered <= 24, qPrintable(QString::number(delivered)));
    QCOMPARE(static_cast<std::uint64_t>(ticks), delivered);
    QCOMPARE(callsNamed(*session, QStringLiteral("iret")).size(), delivered);
    QCOMPARE(session->trace().count(EventKind::Trap), 0u);
    const Event *upcall = firstEvent(*session, EventKind::InterruptDelivered);
    QVERIFY(upcall);
    QVERIFY2(upcall->cause.contains(QStringLiteral("upcall")), qPrintable(upcall->cause));
    QVERIFY2(upcall->cause.contains(QStringLiteral("VIRQ_TIMER")), qPrintable(upcall->cause));
    const auto port = technique(*session).timerPort();
    QVERIFY(port.has_value());
    QCOMPARE(*port, 1u); // port 0 is reserved
    QCOMPARE(technique(*session).eventCallback().has_value(), true);
    // Events are unmasked again after the last iret.
    QCOMPARE(session->guestView().interruptFlag, true);
}

void TestParavirtual::eventsStayPendingWhileMasked()
{
    const auto session = run(withEventCounter(QStringLiteral("    mov ecx, 1000\n"
                                                             "spin:\n"
                                                             "    dec ecx\n"
                                                             "    jnz spin\n"
                                                             "    movzx ebx, byte "
                                                             "[VCPU0_UPCALL_PENDING]\n"
                                                             "    mov r12, [EVTCHN_PENDING]\n"
                                                             "    mov r13, [VCPU0_PENDING_SEL]\n")),
                             paravirtual());
    QCOMPARE(session->ports().exitCode(), std::optional<std::uint8_t>(0));
    QCOMPARE(session->trace().count(EventKind::InterruptDelivered), 0u);
    QVERIFY(session->trace().count(EventKind::InterruptPending) >= 1);
    QCOMPARE(reg(*session, Register::Rbx), 1u);
    QCOMPARE(reg(*session, Register::R12), 1u << 1); // port 1
    QCOMPARE(reg(*session, Register::R13), 1u);      // word 0
}

void TestParavirtual::callbackOpRegistersTheEventCallback()
{
    // callback_op(CALLBACKOP_register, {CALLBACKTYPE_event, flags, address}) instead of
    // set_callbacks; the event callback cannot be unregistered (-EINVAL, as in Xen).
    const auto session = run(guest("    mov edi, CALLBACKOP_register\n"
                                   "    mov rsi, callback\n"
                                   "    HYPERCALL callback_op\n"
                                   "    mov r12, rax\n"
                                   "    mov edi, CALLBACKOP_unregister\n"
                                   "    mov rsi, callback\n"
                                   "    HYPERCALL callback_op\n"
                                   "    mov r13, rax\n"
                                   "    mov edi, EVTCHNOP_bind_virq\n"
                                   "    mov rsi, bind\n"
                                   "    HYPERCALL event_channel_op\n"
                                   "    mov eax, 100\n"
                                   "    XEN_SET_TIMER\n"
                                   "    XEN_STI\n"
                                   "    mov ecx, 500\n"
                                   "spin:\n"
                                   "    dec ecx\n"
                                   "    jnz spin\n"
                                   "    mov rax, [ticks]\n"
                                   "    XEN_EXIT_AL\n"
                                   "tick:\n"
                                   "    XEN_EVENT_ENTRY\n"
                                   "    inc qword [ticks]\n"
                                   "    XEN_IRET",
                                   "align 8\n"
                                   "callback: dw CALLBACKTYPE_event, CALLBACKF_mask_events\n"
                                   "    dd 0\n"
                                   "    dq tick\n"
                                   "bind: dd VIRQ_TIMER, 0, 0\n"
                                   "ticks: dq 0\n"),
                             paravirtual());
    QCOMPARE(reg(*session, Register::R12), 0u);
    QCOMPARE(static_cast<std::int64_t>(reg(*session, Register::R13)), -xen::error::kEINVAL);
    QVERIFY(session->ports().exitCode().value_or(0) >= 9);
    QCOMPARE(static_cast<std::uint64_t>(session->ports().exitCode().value_or(0)),
             session->trace().count(EventKind::InterruptDelivered));
}

void TestParavirtual::haltWithEventsMaskedTakesTheVcpuDown()
{
    const auto masked = run(guest("    XEN_HLT"), paravirtual());
    QCOMPARE(masked->status(), RunStatus::Halted);
    QVERIFY2(masked->statusMessage().contains(QStringLiteral("VCPUOP_down")),
             qPrintable(masked->statusMessage()));
    QCOMPARE(callsNamed(*masked, QStringLiteral("vcpu_op")).size(), std::size_t(1));

    const auto blocked = run(withEventCounter(QStringLiteral("    mov ecx, 3\n"
                                                             "waiting:\n"
                                                             "    XEN_STI\n"
                                                             "    XEN_HLT\n"
                                                             "    dec ecx\n"
                                                             "    jnz waiting\n")),
                             paravirtual());
    QCOMPARE(blocked->status(), RunStatus::Exited);
    QCOMPARE(blocked->ports().exitCode(), std::optional<std::uint8_t>(3));
    QCOMPARE(callsNamed(*blocked, QStringLiteral("sched_op")).size(), std::size_t(4)); // + exit
}

void TestParavirtual::shutdownEndsTheRunWithTheExitCode()
{
    const auto session = run(guest("    XEN_EXIT 42"), paravirtual());
    QCOMPARE(session->status(), RunStatus::Exited);
    QCOMPARE(session->ports().exitCode(), std::optional<std::uint8_t>(42));
    QCOMPARE(session->trace().events().back().kind, EventKind::Exit);
    const auto calls = callsNamed(*session, QStringLiteral("sched_op"));
    QCOMPARE(calls.size(), std::size_t(1));
    QCOMPARE(calls[0].arguments[0], xen::sched::kShutdown);
}

void TestParavirtual::consoleIoWritesToTheConsole()
{
    const auto session = run(guest("    mov edi, CONSOLEIO_write\n"
                                   "    mov esi, 5\n"
                                   "    mov rdx, text\n"
                                   "    HYPERCALL console_io\n"
                                   "    mov al, '!'\n"
                                   "    XEN_CONSOLE_OUT",
                                   "text: db \"hello\""),
                             paravirtual());
    QCOMPARE(session->ports().console(), QByteArray("hello!"));
    QCOMPARE(session->trace().count(EventKind::Trap), 0u);
    QCOMPARE(callsNamed(*session, QStringLiteral("console_io")).size(), std::size_t(2));
}

void TestParavirtual::exceptionsGoThroughTheTrapTable()
{
    // #GP (a non-canonical address) goes to the handler registered with set_trap_table, with
    // events masked on entry (flags bit 2) and the faulting RIP on a bounce frame.
    const auto session = run(guest("    mov rdi, traps\n"
                                   "    HYPERCALL set_trap_table\n"
                                   "    XEN_STI\n"
                                   "    mov rax, 0x8000000000000000\n"
                                   "faulting:\n"
                                   "    mov rbx, [rax]\n"
                                   "    XEN_EXIT 1\n"
                                   "gp:\n"
                                   "    mov r15, [rsp + 8]\n"
                                   "    movzx r14d, byte [VCPU0_UPCALL_MASK]\n"
                                   "    mov r13, [rsp + 24]\n"
                                   "    XEN_EXIT 13",
                                   "align 8\n"
                                   "traps: db 13, TI_MASK_EVENTS\n"
                                   "    dw KERNEL_CS\n"
                                   "    dd 0\n"
                                   "    dq gp\n"
                                   "    dq 0, 0\n"),
                             paravirtual());
    QCOMPARE(session->ports().exitCode(), std::optional<std::uint8_t>(13));
    QCOMPARE(reg(*session, Register::R14), 1u);
    QVERIFY((reg(*session, Register::R13) & rflags::kIF) != 0); // the events were unmasked
    const auto faulting = session->program().addressOfLine(8);
    QVERIFY(faulting.has_value());
    QCOMPARE(reg(*session, Register::R15), *faulting);
    QVERIFY(technique(*session).hasTrapTable());
}

void TestParavirtual::unmodifiedPrivilegedInstructionStillTraps()
{
    // A native cli left in the kernel faults; the monitor emulates it against the mask.
    const auto session =
        run(guest("    XEN_STI\n    cli\n    movzx ebx, byte [VCPU0_UPCALL_MASK]"), paravirtual());
    QCOMPARE(session->trace().count(EventKind::Trap), 1u);
    QCOMPARE(reg(*session, Register::Rbx), 1u);
    QCOMPARE(session->guestView().interruptFlag, false);
}

void TestParavirtual::popfIsAHoleOnlyWhenItMatters_data()
{
    QTest::addColumn<QString>("body");
    QTest::addColumn<qulonglong>("holes");
    QTest::newRow("popf restoring IF = 1 while masked") << "    push 0x202\n    popfq" << 1ull;
    QTest::newRow("popf keeping IF = 0 while masked") << "    push 0x2\n    popfq" << 0ull;
    QTest::newRow("pushf while unmasked") << "    XEN_STI\n    pushfq\n    pop rbx" << 0ull;
    QTest::newRow("pushf while masked") << "    pushfq\n    pop rbx" << 1ull;
    QTest::newRow("XEN_PUSHF and XEN_POPF") << "    XEN_PUSHF\n    XEN_STI\n    XEN_POPF" << 0ull;
}

void TestParavirtual::popfIsAHoleOnlyWhenItMatters()
{
    QFETCH(QString, body);
    QFETCH(qulonglong, holes);
    const auto session = run(guest(body), paravirtual());
    QCOMPARE(session->status(), RunStatus::Exited);
    QCOMPARE(static_cast<qulonglong>(session->trace().count(EventKind::Hole)), holes);
}

void TestParavirtual::macrosKeepRegistersAndFlags_data()
{
    QTest::addColumn<QString>("macro");
    QTest::addColumn<bool>("unmasked");
    for (const char *macro : {"XEN_CLI", "XEN_STI", "XEN_CONSOLE_OUT", "XEN_LOAD_CR3 rbx"}) {
        QTest::newRow(macro) << QString::fromLatin1(macro) << false;
        QTest::newRow(qPrintable(QStringLiteral("%1 after XEN_STI").arg(macro)))
            << QString::fromLatin1(macro) << true;
    }
}

void TestParavirtual::macrosKeepRegistersAndFlags()
{
    // Every general register and the status flags and DF are what they were before.
    QFETCH(QString, macro);
    QFETCH(bool, unmasked);
    const QString setup = QStringLiteral("%1"
                                         "    mov rax, 0x1111111111111141\n"
                                         "    mov rbx, 0x2222222222222000\n"
                                         "    mov rcx, 0x3333333333333333\n"
                                         "    mov rdx, 0x4444444444444444\n"
                                         "    mov rsi, 0x5555555555555555\n"
                                         "    mov rdi, 0x6666666666666666\n"
                                         "    mov rbp, 0x7777777777777777\n"
                                         "    mov r8, 0x8888888888888888\n"
                                         "    mov r9, 0x9999999999999999\n"
                                         "    mov r10, 0xAAAAAAAAAAAAAAAA\n"
                                         "    mov r11, 0xBBBBBBBBBBBBBBBB\n"
                                         "    mov r12, rsp\n"
                                         "    std\n"
                                         "    mov r13d, 0x7FFFFFFF\n"
                                         "    add r13d, 1\n" // OF, SF, AF, PF set; ZF, CF clear
                                         "    XEN_PUSHF\n"
                                         "    pop r14\n"
                                         "    %2\n"
                                         "    XEN_PUSHF\n"
                                         "    pop r15\n"
                                         "    mov r13, rsp\n"
                                         "    push rax\n"
                                         "    push rsi\n"
                                         "    push rdi\n"
                                         "    cld\n"
                                         "    XEN_EXIT 0")
                              .arg(unmasked ? QStringLiteral("    XEN_STI\n") : QString(), macro);
    const auto session =
        run(QStringLiteral("%include \"workbench.inc\"\n%include \"xen.inc\"\n") + setup,
            paravirtual());
    QCOMPARE(session->status(), RunStatus::Exited);
    const std::uint64_t before = reg(*session, Register::R14);
    const std::uint64_t after = reg(*session, Register::R15);
    const std::uint64_t status = rflags::kStatusFlags | rflags::kDF;
    QCOMPARE(before & status, rflags::kOF | rflags::kSF | rflags::kAF | rflags::kPF | rflags::kDF);
    QCOMPARE(after & status, before & status);
    const std::uint64_t rsp = reg(*session, Register::R13);
    QCOMPARE(rsp, reg(*session, Register::R12));
    std::array<std::uint64_t, 3> saved{}; // rdi, rsi, rax as pushed after the macro
    QVERIFY(session->machine().readLinear(rsp - 24, saved.data(), sizeof saved));
    QCOMPARE(saved[2], 0x1111111111111141u);
    QCOMPARE(saved[1], 0x5555555555555555u);
    QCOMPARE(saved[0], 0x6666666666666666u);
    QCOMPARE(reg(*session, Register::Rbx), 0x2222222222222000u);
    QCOMPARE(reg(*session, Register::Rcx), 0x3333333333333333u);
    QCOMPARE(reg(*session, Register::Rdx), 0x4444444444444444u);
    QCOMPARE(reg(*session, Register::Rbp), 0x7777777777777777u);
    QCOMPARE(reg(*session, Register::R8), 0x8888888888888888u);
    QCOMPARE(reg(*session, Register::R9), 0x9999999999999999u);
    QCOMPARE(reg(*session, Register::R10), 0xAAAAAAAAAAAAAAAAu);
    QCOMPARE(reg(*session, Register::R11), 0xBBBBBBBBBBBBBBBBu);
    // The pushed IF is the virtual one.
    QCOMPARE((before & rflags::kIF) != 0, unmasked);
}

QTEST_GUILESS_MAIN(TestParavirtual)
#include "tst_paravirtual.moc"
