#include "vmm/Paravirtual.h"

#include "core/Hex.h"
#include "hw/Exceptions.h"
#include "hw/Rflags.h"
#include "vmm/Monitor.h"

#include <QCoreApplication>
#include <QStringList>
#include <algorithm>
#include <cstring>

namespace vmwb {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("vmwb::Paravirtual", text);
}

namespace sh = xen::shared;
namespace err = xen::error;

// NR_VIRQS (xen/include/public/xen.h): the virtual interrupts a vCPU can bind.
constexpr std::uint32_t kNrVirqs = 24;
// VGCF_in_syscall (xen/include/public/arch-x86/xen-x86_64.h): iret leaves RCX and R11 alone.
constexpr std::uint64_t kVgcfInSyscall = 1ULL << 8;
// Limits of this monitor, so that a runaway guest cannot make one hypercall take forever.
constexpr std::uint64_t kMaxConsoleWrite = 64 * 1024;
constexpr std::uint64_t kMaxMmuextOps = 1024;

QString flagText(bool value)
{
    return value ? QStringLiteral("1") : QStringLiteral("0");
}

// Arguments each hypercall takes, from the prototypes in Xen's x86-64 hypercall table
// (xen/include/hypercall-defs.c); only these are shown in the event text.
int arity(std::uint64_t number)
{
    using H = xen::Hypercall;
    switch (static_cast<H>(number)) {
    case H::Iret:
        return 0;
    case H::SetTrapTable:
    case H::FpuTaskswitch:
    case H::PlatformOp:
    case H::GetDebugreg:
    case H::SetTimerOp:
    case H::EventChannelOpCompat:
    case H::PhysdevOpCompat:
    case H::XsmOp:
    case H::Sysctl:
    case H::Domctl:
        return 1;
    case H::SetCallbacks:
    case H::UpdateVaMapping:
    case H::ConsoleIo:
    case H::GrantTableOp:
    case H::VcpuOp:
        return 3;
    case H::MmuUpdate:
    case H::UpdateVaMappingOtherdomain:
    case H::MmuextOp:
        return 4;
    default:
        return number < xen::kHypercallCount ? 2 : 5;
    }
}

QString printable(const QByteArray &bytes)
{
    constexpr qsizetype kShown = 40;
    QString text;
    for (qsizetype i = 0; i < std::min(bytes.size(), kShown); ++i) {
        const auto c = static_cast<unsigned char>(bytes[i]);
        if (c == '\n')
            text += QStringLiteral("\\n");
        else if (c >= 0x20 && c < 0x7F)
            text += QLatin1Char(static_cast<char>(c));
        else
            text += QStringLiteral("\\x%1").arg(c, 2, 16, QLatin1Char('0'));
    }
    if (bytes.size() > kShown)
        text += QStringLiteral("...");
    return text;
}

} // namespace

// How the guest goes on after a hypercall.
enum class Paravirtual::Then : std::uint8_t
{
    Continue,   // RAX = the result; the guest goes on after the int 0x82
    Reschedule, // the same, and the session looks at timers and events again first
    Block,      // SCHEDOP_block: the vCPU waits for an event
    Jump,       // iret: the registers are restored; the guest goes on at Call::target
    Shutdown,   // SCHEDOP_shutdown: the run ends
    Down,       // VCPUOP_down on the only vCPU: nothing can wake the guest again
    Fault,      // the guest gave the monitor something it cannot go on from (Call::effect)
};

struct Paravirtual::Call
{
    std::uint64_t number = 0;
    std::array<std::uint64_t, 5> args{};
    std::int64_t result = 0;
    QString effect;
    std::uint64_t target = 0;
    std::uint32_t exitCode = 0;
    std::uint32_t shutdownReason = 0;

    Then fail(std::int64_t positiveErrno, QString why)
    {
        result = -positiveErrno;
        effect = std::move(why);
        return Then::Continue;
    }
    Then done(QString what, Then then = Then::Continue)
    {
        result = 0;
        effect = std::move(what);
        return then;
    }
};

const TechniqueInfo &Paravirtual::staticInfo()
{
    static const TechniqueInfo info{
        QStringLiteral("paravirtual"),
        QT_TRANSLATE_NOOP("vmwb::Technique", "Paravirtualization"),
        QT_TRANSLATE_NOOP(
            "vmwb::Technique",
            "The guest kernel is modified (Xen-style): it runs at ring 3 and asks the "
            "monitor for privileged work by hypercall, and masks interrupts with a "
            "plain store to a page it shares with the monitor."),
        3,
    };
    return info;
}

// --- the shared info page ---

std::uint8_t Paravirtual::sharedByte(const Monitor &monitor, std::uint64_t offset) const
{
    std::uint8_t value = 0;
    monitor.machine().memory().read(sh::kAddress + offset, value);
    return value;
}

void Paravirtual::setSharedByte(Monitor &monitor, std::uint64_t offset, std::uint8_t value)
{
    monitor.machine().memory().write(sh::kAddress + offset, value);
}

bool Paravirtual::masked(const Monitor &monitor) const
{
    return sharedByte(monitor, sh::kUpcallMask) != 0;
}

void Paravirtual::setMasked(Monitor &monitor, bool value)
{
    setSharedByte(monitor, sh::kUpcallMask, value ? 1 : 0);
}

void Paravirtual::syncIn(Monitor &monitor) const
{
    monitor.vcpu().interruptFlag = !masked(monitor);
}

void Paravirtual::syncOut(Monitor &monitor)
{
    setMasked(monitor, !monitor.vcpu().interruptFlag);
}

// evtchn_2l_set_pending (xen/common/event_2l.c): set the port's pending bit; if it was clear
// and the port is not masked, set its word's bit in evtchn_pending_sel and raise
// evtchn_upcall_pending (vcpu_mark_events_pending).
void Paravirtual::setPending(Monitor &monitor, std::uint32_t port)
{
    PhysicalMemory &memory = monitor.machine().memory();
    const std::uint64_t word = port / 64;
    const std::uint64_t bit = 1ULL << (port % 64);
    std::uint64_t pending = 0;
    std::uint64_t mask = 0;
    memory.read(sh::kAddress + sh::kEvtchnPending + 8 * word, pending);
    memory.read(sh::kAddress + sh::kEvtchnMask + 8 * word, mask);
    if (pending & bit)
        return;
    memory.write(sh::kAddress + sh::kEvtchnPending + 8 * word, pending | bit);
    if (mask & bit)
        return;
    std::uint64_t selector = 0;
    memory.read(sh::kAddress + sh::kPendingSel, selector);
    memory.write(sh::kAddress + sh::kPendingSel, selector | (1ULL << word));
    setSharedByte(monitor, sh::kUpcallPending, 1);
}

bool Paravirtual::eventDue(const Monitor &monitor) const
{
    return m_eventCallback && !m_virqPorts.empty() &&
           sharedByte(monitor, sh::kUpcallPending) != 0 && !masked(monitor);
}

// --- Technique ---

void Paravirtual::start(Monitor &monitor)
{
    TrapAndEmulate::start(monitor);
    const QByteArray zeros(static_cast<qsizetype>(sh::kSize), '\0');
    monitor.machine().memory().write(sh::kAddress, zeros.constData(), sh::kSize);
    // The guest is entered with events masked, as the native guest is entered with IF = 0.
    setMasked(monitor, true);
    m_hypercalls.clear();
    m_eventCallback.reset();
    m_failsafeCallback.reset();
    m_syscallCallback.reset();
    m_trapTable.clear();
    m_trapTableSet = false;
    m_virqPorts.clear();
    m_timerPort.reset();
    m_unmaskSeen = false;
}

WatchAction Paravirtual::onWatched(Monitor &monitor, const Instruction &instruction)
{
    if (isPortIo(instruction.mnemonic)) {
        syncIn(monitor);
        emulateTrapped(monitor, instruction);
        syncOut(monitor);
        m_unmaskSeen = !masked(monitor);
        return WatchAction::Handled;
    }
    // A popf or pushf left in a paravirtual kernel only matters when the IF it pops or pushes
    // differs from the virtual IF: xen.inc's macros use popf to restore the arithmetic flags
    // after they have set the mask to match, and those are no holes.
    UnicornCpu &cpu = monitor.machine().cpu();
    const bool virtualIf = !masked(monitor);
    if (instruction.mnemonic == Mnemonic::Popf) {
        std::uint64_t image = 0;
        cpu.readVirtual(cpu.read(Register::Rsp), &image, instruction.operandSizeBits / 8U);
        if (((image & rflags::kIF) != 0) == virtualIf)
            return WatchAction::Execute;
    }
    if (instruction.mnemonic == Mnemonic::Pushf && virtualIf)
        return WatchAction::Execute; // the real IF (1) is what the guest believes
    syncIn(monitor);
    monitor.record(EventKind::Hole, instruction.address, 0,
                   [&] { return holeExplanation(monitor, instruction); });
    return WatchAction::Execute;
}

void Paravirtual::onException(Monitor &monitor, const CpuException &exception)
{
    if (exception.software && exception.vector == xen::kHypercallVector) {
        hypercall(monitor, exception);
    } else {
        // An unmodified privileged instruction or a guest exception: the inherited trap-and-
        // emulate code handles it against the virtual IF, which is the mask's inverse.
        syncIn(monitor);
        TrapAndEmulate::onException(monitor, exception);
        syncOut(monitor);
    }
    m_unmaskSeen = !masked(monitor);
}

bool Paravirtual::guestInterruptFlag(const Monitor &monitor) const
{
    return !masked(monitor);
}

bool Paravirtual::canDeliverInterrupt(const Monitor &monitor) const
{
    return m_unmaskSeen && !masked(monitor);
}

void Paravirtual::interruptRaised(Monitor &monitor, std::uint8_t vector)
{
    if (vector == kTimerVector && m_timerPort)
        setPending(monitor, *m_timerPort);
    m_unmaskSeen = !masked(monitor); // the interrupt entered the monitor
}

bool Paravirtual::deliverInterrupt(Monitor &monitor, std::uint8_t vector)
{
    if (vector == kTimerVector && !m_virqPorts.empty()) {
        // The event channel is the truth: the guest may already have taken the event while
        // it was masked (it cleared evtchn_upcall_pending itself).
        if (sharedByte(monitor, sh::kUpcallPending) == 0)
            return true;
        if (!m_eventCallback) {
            monitor.failGuest(monitor.machine().cpu().rip(),
                              tr("an event is pending, but the guest registered no event "
                                 "callback (set_callbacks or callback_op)"));
            return false;
        }
        upcall(monitor, vector);
        m_unmaskSeen = !masked(monitor);
        return monitor.status() == RunStatus::Running;
    }
    syncIn(monitor);
    const bool delivered = TrapAndEmulate::deliverInterrupt(monitor, vector);
    syncOut(monitor);
    m_unmaskSeen = !masked(monitor);
    return delivered;
}

VirtualCpu Paravirtual::guestView(const Monitor &monitor) const
{
    VirtualCpu view = monitor.vcpu();
    view.interruptFlag = !masked(monitor);
    return view;
}

// --- events ---

bool Paravirtual::pushBounceFrame(Monitor &monitor, std::uint64_t returnRip,
                                  std::optional<std::uint32_t> errorCode, bool oldMask)
{
    // create_bounce_frame (xen/arch/x86/x86_64/entry.S): 16-byte aligned, SS, RSP, RFLAGS with
    // IF = !evtchn_upcall_mask, CS, RIP and the error code, as the CPU pushes an interrupt
    // frame (SDM Vol. 3A, 6.14.2). Xen also pushes RCX and R11; this monitor does not.
    UnicornCpu &cpu = monitor.machine().cpu();
    const VirtualCpu &v = monitor.vcpu();
    std::uint64_t flags = rflags::withBit(cpu.rflags(), rflags::kIF, !oldMask);
    flags = rflags::withIopl(flags, v.iopl);
    const std::uint64_t oldRsp = cpu.read(Register::Rsp);
    std::array<std::uint64_t, 6> frame{};
    std::size_t words = 0;
    if (errorCode)
        frame[words++] = *errorCode;
    frame[words++] = returnRip;
    frame[words++] = v.cs;
    frame[words++] = flags;
    frame[words++] = oldRsp;
    frame[words++] = v.ss;
    const std::uint64_t newRsp = (oldRsp & ~0xFULL) - 8 * words;
    if (!monitor.machine().writeLinear(newRsp, frame.data(), 8 * words))
        return false;
    cpu.write(Register::Rsp, newRsp);
    cpu.setRflags(cpu.rflags() & ~(rflags::kTF | rflags::kNT | rflags::kRF));
    return true;
}

void Paravirtual::upcall(Monitor &monitor, std::uint8_t vector)
{
    UnicornCpu &cpu = monitor.machine().cpu();
    const std::uint64_t rip = cpu.rip();
    const bool oldMask = masked(monitor);
    if (!pushBounceFrame(monitor, rip, std::nullopt, oldMask)) {
        monitor.failGuest(rip, tr("the monitor cannot push the upcall's bounce frame: the guest "
                                  "stack at %1 is not mapped (Xen would crash the domain)")
                                   .arg(hex(cpu.read(Register::Rsp))));
        return;
    }
    // Upcalls run with events masked (xen/arch/x86/x86_64/entry.S, "Upcalls masked during
    // delivery"); the guest unmasks with its iret.
    setMasked(monitor, true);
    monitor.vcpu().interruptFlag = false;
    monitor.vcpu().halted = false;
    cpu.write(Register::Rip, *m_eventCallback);
    const auto port = m_timerPort.value_or(0);
    monitor.record(
        EventKind::InterruptDelivered, rip,
        monitor.cost(Cost::TrapRoundTrip) + monitor.cost(Cost::MonitorEmulation),
        [&] {
            return tr("VIRQ_TIMER arrived on event channel %1: upcall to the guest's event "
                      "callback at %2 on a bounce frame, events masked (evtchn_upcall_mask "
                      "%3 -> 1)")
                .arg(port)
                .arg(hex(*m_eventCallback), flagText(oldMask));
        },
        vector);
}

void Paravirtual::reflect(Monitor &monitor, const CpuException &exception, std::uint32_t errorCode,
                          bool hasErrorCode)
{
    if (!m_trapTableSet) {
        // An unmodified guest: through its IDT, as trap-and-emulate does.
        TrapAndEmulate::reflect(monitor, exception, errorCode, hasErrorCode);
        syncOut(monitor);
        return;
    }
    const auto entry = m_trapTable.find(exception.vector);
    if (entry == m_trapTable.end()) {
        monitor.failGuest(exception.rip,
                          tr("vector %1 at %2 reached the monitor, but the guest registered no "
                             "handler for it with set_trap_table (Xen would crash the domain)")
                              .arg(exception.vector)
                              .arg(hex(exception.rip)));
        return;
    }
    const std::uint64_t returnRip = exception.software ? exception.nextRip : exception.rip;
    VirtualCpu &v = monitor.vcpu();
    const bool oldMask = !v.interruptFlag;
    if (!pushBounceFrame(monitor, returnRip,
                         hasErrorCode ? std::optional<std::uint32_t>(errorCode) : std::nullopt,
                         oldMask)) {
        monitor.failGuest(exception.rip,
                          tr("the monitor cannot push the bounce frame for vector %1: the guest "
                             "stack is not mapped (Xen would crash the domain)")
                              .arg(exception.vector));
        return;
    }
    // trap_info.flags bit 2 (TI_GET_IF): mask events on entry, as an interrupt gate clears IF.
    if (entry->second.flags & xen::trapinfo::kMaskEvents)
        v.interruptFlag = false;
    v.cs = entry->second.cs;
    syncOut(monitor);
    monitor.record(
        EventKind::Trap, exception.rip,
        monitor.cost(Cost::TrapRoundTrip) + monitor.cost(Cost::MonitorEmulation),
        [&] {
            return tr("vector %1 in the guest trapped into the monitor, which bounced it to the "
                      "handler registered with set_trap_table at %2")
                .arg(exception.vector)
                .arg(hex(entry->second.address));
        },
        exception.vector);
    monitor.machine().continueAt(entry->second.address, exception.software);
}

// --- hypercalls ---

void Paravirtual::hypercall(Monitor &monitor, const CpuException &exception)
{
    Machine &machine = monitor.machine();
    UnicornCpu &cpu = machine.cpu();
    Call call;
    call.number = cpu.read(Register::Rax);
    call.args = {cpu.read(Register::Rdi), cpu.read(Register::Rsi), cpu.read(Register::Rdx),
                 cpu.read(Register::R10), cpu.read(Register::R8)};
    const Then then = perform(monitor, call);

    HypercallRecord record;
    record.rip = exception.rip;
    record.number = call.number;
    record.name = xen::hypercallName(call.number).value_or(QString::number(call.number));
    record.arguments = call.args;
    record.result = call.result;
    record.effect = call.effect;
    monitor.record(
        EventKind::Hypercall, exception.rip, monitor.cost(Cost::Hypercall),
        [&] {
            QStringList arguments;
            for (int i = 0; i < arity(call.number); ++i)
                arguments << hex(call.args[static_cast<std::size_t>(i)]);
            const QString result =
                then == Then::Jump ? tr("no return") : xen::resultText(call.result);
            return tr("hypercall %1(%2) = %3: %4")
                .arg(record.name, arguments.join(QStringLiteral(", ")), result, call.effect);
        },
        xen::kHypercallVector);
    m_hypercalls.push_back(std::move(record));
    if (m_hypercalls.size() > kHypercallsKept)
        m_hypercalls.pop_front();

    const std::uint64_t next = exception.nextRip;
    // Xen looks for events on every return to the guest: one that became deliverable is
    // delivered by upcall before the guest's next instruction.
    const auto resume = [&](std::uint64_t rip, bool reschedule) {
        if (eventDue(monitor)) {
            if (!monitor.pending().isPending(kTimerVector))
                monitor.pending().raise(kTimerVector);
            reschedule = true;
        }
        if (reschedule)
            machine.stopAt(rip, true);
        else
            machine.continueAt(rip, true);
    };
    switch (then) {
    case Then::Continue:
    case Then::Reschedule:
        cpu.write(Register::Rax, static_cast<std::uint64_t>(call.result));
        resume(next, then == Then::Reschedule);
        return;
    case Then::Jump:
        resume(call.target, false);
        return;
    case Then::Block:
        cpu.write(Register::Rax, 0);
        if (eventDue(monitor)) {
            resume(next, true);
            return;
        }
        monitor.vcpu().halted = true;
        machine.stopAt(next, true);
        return;
    case Then::Shutdown: {
        cpu.write(Register::Rax, 0);
        const std::uint32_t code = call.exitCode;
        if (call.shutdownReason == xen::sched::kShutdownCrash) {
            monitor.failGuest(exception.rip, tr("the guest shut itself down with SHUTDOWN_crash"));
            return;
        }
        monitor.ports().write(port::kExit, 1, code & 0xFF, monitor.now());
        monitor.record(EventKind::Exit, exception.rip, 0, [&] {
            return tr("the guest ended the run with sched_op(SCHEDOP_shutdown), exit code %1")
                .arg(code & 0xFF);
        });
        monitor.finish(RunStatus::Exited,
                       tr("the guest shut down with exit code %1").arg(code & 0xFF));
        machine.stopAt(next, true);
        return;
    }
    case Then::Down:
        monitor.vcpu().halted = true;
        monitor.finish(RunStatus::Halted,
                       tr("the guest took its only virtual CPU down (VCPUOP_down, as XenoLinux "
                          "halts with events masked): nothing can wake it"));
        machine.stopAt(next, true);
        return;
    case Then::Fault:
        monitor.failGuest(exception.rip, call.effect);
        return;
    }
}

Paravirtual::Then Paravirtual::perform(Monitor &monitor, Call &call)
{
    using H = xen::Hypercall;
    if (call.number >= xen::kHypercallCount || !xen::hypercallName(call.number))
        return call.fail(err::kENOSYS, tr("Xen defines no hypercall %1").arg(call.number));
    switch (static_cast<H>(call.number)) {
    case H::SetTrapTable:
        return setTrapTable(monitor, call);
    case H::SetCallbacks:
        return setCallbacks(monitor, call);
    case H::CallbackOp:
        return callbackOp(monitor, call);
    case H::SchedOp:
        return schedOp(monitor, call);
    case H::EventChannelOp:
        return eventChannelOp(monitor, call);
    case H::VcpuOp:
        return vcpuOp(monitor, call);
    case H::ConsoleIo:
        return consoleIo(monitor, call);
    case H::MmuextOp:
        return mmuextOp(monitor, call);
    case H::XenVersion:
        return xenVersion(monitor, call);
    case H::Iret:
        return iret(monitor, call);
    default:
        return call.fail(err::kENOSYS, tr("this monitor does not implement it"));
    }
}

// set_trap_table(const struct trap_info traps[]): the guest's virtual IDT for exceptions and
// software interrupts. A null pointer clears it; otherwise each entry up to the one with
// address 0 replaces the vector's handler (xen/arch/x86/pv/traps.c, do_set_trap_table).
Paravirtual::Then Paravirtual::setTrapTable(Monitor &monitor, Call &call)
{
    m_trapTableSet = true;
    const std::uint64_t traps = call.args[0];
    if (traps == 0) {
        m_trapTable.clear();
        return call.done(tr("cleared the guest's trap table"));
    }
    UnicornCpu &cpu = monitor.machine().cpu();
    QStringList set;
    for (std::size_t i = 0; i <= xen::trapinfo::kMaxEntries; ++i) {
        std::array<std::uint8_t, xen::trapinfo::kSize> bytes{};
        if (!cpu.readVirtual(traps + i * xen::trapinfo::kSize, bytes.data(), bytes.size()))
            return call.fail(err::kEFAULT, tr("entry %1 at %2 is not mapped")
                                               .arg(i)
                                               .arg(hex(traps + i * xen::trapinfo::kSize)));
        TrapEntry entry;
        const std::uint8_t vector = bytes[0];
        entry.flags = bytes[1];
        std::memcpy(&entry.cs, &bytes[2], sizeof entry.cs);
        std::memcpy(&entry.address, &bytes[8], sizeof entry.address);
        if (entry.address == 0) {
            return call.done(set.isEmpty()
                                 ? tr("no handlers given")
                                 : tr("handlers: %1").arg(set.join(QStringLiteral(", "))));
        }
        m_trapTable[vector] = entry;
        set << tr("vector %1 -> %2%3")
                   .arg(vector)
                   .arg(hex(entry.address))
                   .arg((entry.flags & xen::trapinfo::kMaskEvents) ? tr(" (masks events)")
                                                                   : QString());
    }
    return call.fail(err::kEINVAL,
                     tr("more than %1 entries without the terminating entry (address 0)")
                         .arg(xen::trapinfo::kMaxEntries));
}

// set_callbacks(event_address, failsafe_address, syscall_address), the x86-64 form
// (xen/arch/x86/pv/callback.c, do_set_callbacks).
Paravirtual::Then Paravirtual::setCallbacks(Monitor &, Call &call)
{
    for (std::size_t i = 0; i < 3; ++i) {
        if (!isCanonical(call.args[i]))
            return call.fail(err::kEINVAL,
                             tr("%1 is not a canonical address").arg(hex(call.args[i])));
    }
    const auto address = [](std::uint64_t a) {
        return a ? std::optional<std::uint64_t>(a) : std::nullopt;
    };
    m_eventCallback = address(call.args[0]);
    m_failsafeCallback = address(call.args[1]);
    m_syscallCallback = address(call.args[2]);
    return call.done(tr("event callback %1, failsafe callback %2, syscall callback %3")
                         .arg(hex(call.args[0]), hex(call.args[1]), hex(call.args[2])));
}

// callback_op(CALLBACKOP_register, struct callback_register *): x86-64 layout
// { uint16_t type; uint16_t flags; xen_callback_t address; } (xen/include/public/callback.h).
Paravirtual::Then Paravirtual::callbackOp(Monitor &monitor, Call &call)
{
    UnicornCpu &cpu = monitor.machine().cpu();
    const std::uint64_t cmd = call.args[0];
    if (cmd != xen::callback::kOpRegister && cmd != xen::callback::kOpUnregister)
        return call.fail(err::kENOSYS, tr("unknown command %1").arg(cmd));
    std::array<std::uint8_t, 16> bytes{};
    const std::size_t size = cmd == xen::callback::kOpRegister ? 16 : 4;
    if (!cpu.readVirtual(call.args[1], bytes.data(), size))
        return call.fail(err::kEFAULT,
                         tr("the argument at %1 is not mapped").arg(hex(call.args[1])));
    std::uint16_t type = 0;
    std::memcpy(&type, &bytes[0], sizeof type);
    std::uint64_t address = 0;
    std::memcpy(&address, &bytes[8], sizeof address);
    std::optional<std::uint64_t> *slot = nullptr;
    switch (type) {
    case xen::callback::kTypeEvent:
        slot = &m_eventCallback;
        break;
    case xen::callback::kTypeFailsafe:
        slot = &m_failsafeCallback;
        break;
    case xen::callback::kTypeSyscall:
        slot = &m_syscallCallback;
        break;
    default:
        return call.fail(err::kENOSYS, tr("callback type %1 is not supported").arg(type));
    }
    if (cmd == xen::callback::kOpUnregister) {
        // Xen refuses to unregister the event and failsafe callbacks.
        if (type != xen::callback::kTypeSyscall)
            return call.fail(err::kEINVAL, tr("the event and failsafe callbacks cannot be "
                                              "unregistered"));
        slot->reset();
        return call.done(tr("unregistered the syscall callback"));
    }
    if (!isCanonical(address))
        return call.fail(err::kEINVAL, tr("%1 is not a canonical address").arg(hex(address)));
    *slot = address ? std::optional<std::uint64_t>(address) : std::nullopt;
    return call.done(tr("registered callback type %1 at %2").arg(type).arg(hex(address)));
}

// sched_op(cmd, arg) (xen/include/public/sched.h).
Paravirtual::Then Paravirtual::schedOp(Monitor &monitor, Call &call)
{
    switch (call.args[0]) {
    case xen::sched::kYield:
        return call.done(tr("yielded: the only virtual CPU runs on"));
    case xen::sched::kBlock: {
        // "SCHEDOP_block: ... This operation atomically unmasks event delivery before
        // blocking" (sched.h), so that an event cannot slip in between.
        const bool wasMasked = masked(monitor);
        setMasked(monitor, false);
        monitor.vcpu().interruptFlag = true;
        return call.done(wasMasked ? tr("unmasked events and blocked until the next event")
                                   : tr("blocked until the next event"),
                         Then::Block);
    }
    case xen::sched::kShutdown: {
        // struct sched_shutdown { unsigned int reason; } and, a workbench extension, the exit
        // code as a second unsigned int (Xen has no exit code: the toolstack sees the reason).
        std::array<std::uint32_t, 2> words{};
        if (!monitor.machine().cpu().readVirtual(call.args[1], words.data(), sizeof words))
            return call.fail(
                err::kEFAULT,
                tr("struct sched_shutdown at %1 is not mapped").arg(hex(call.args[1])));
        call.shutdownReason = words[0];
        call.exitCode = words[1];
        return call.done(
            tr("shut down (reason %1), exit code %2").arg(words[0]).arg(words[1] & 0xFF),
            Then::Shutdown);
    }
    default:
        return call.fail(err::kENOSYS, tr("command %1 is not implemented").arg(call.args[0]));
    }
}

// event_channel_op(cmd, arg) (xen/include/public/event_channel.h).
Paravirtual::Then Paravirtual::eventChannelOp(Monitor &monitor, Call &call)
{
    UnicornCpu &cpu = monitor.machine().cpu();
    const std::uint64_t arg = call.args[1];
    switch (call.args[0]) {
    case xen::evtchnop::kBindVirq: {
        // struct evtchn_bind_virq { uint32_t virq; uint32_t vcpu; evtchn_port_t port; /* OUT */ }
        std::array<std::uint32_t, 2> in{};
        if (!cpu.readVirtual(arg, in.data(), sizeof in))
            return call.fail(err::kEFAULT,
                             tr("struct evtchn_bind_virq at %1 is not mapped").arg(hex(arg)));
        const auto [virq, vcpu] = in;
        if (virq >= kNrVirqs)
            return call.fail(err::kEINVAL, tr("VIRQ %1 does not exist").arg(virq));
        if (vcpu != 0)
            return call.fail(err::kENOENT, tr("there is no vCPU %1").arg(vcpu));
        if (m_virqPorts.count(virq))
            return call.fail(
                err::kEEXIST,
                tr("VIRQ %1 is already bound to port %2").arg(virq).arg(m_virqPorts[virq]));
        // Port 0 is reserved; Xen allocates the lowest free port.
        std::uint32_t port = 1;
        while (std::any_of(m_virqPorts.begin(), m_virqPorts.end(),
                           [port](const auto &bound) { return bound.second == port; }))
            ++port;
        if (!monitor.machine().writeLinear(arg + 8, &port, sizeof port))
            return call.fail(err::kEFAULT, tr("cannot write the port to %1").arg(hex(arg + 8)));
        m_virqPorts[virq] = port;
        if (virq == xen::kVirqTimer)
            m_timerPort = port;
        return call.done(virq == xen::kVirqTimer
                             ? tr("bound VIRQ_TIMER to event channel %1: timer interrupts "
                                  "now arrive as events")
                                   .arg(port)
                             : tr("bound VIRQ %1 to event channel %2 (no device raises it)")
                                   .arg(virq)
                                   .arg(port));
    }
    case xen::evtchnop::kUnmask: {
        // struct evtchn_unmask { evtchn_port_t port; }; evtchn_2l_unmask (event_2l.c).
        std::uint32_t port = 0;
        if (!cpu.readVirtual(arg, &port, sizeof port))
            return call.fail(err::kEFAULT,
                             tr("struct evtchn_unmask at %1 is not mapped").arg(hex(arg)));
        if (port >= sh::kPorts)
            return call.fail(err::kEINVAL, tr("port %1 does not exist").arg(port));
        PhysicalMemory &memory = monitor.machine().memory();
        const std::uint64_t word = port / 64;
        const std::uint64_t bit = 1ULL << (port % 64);
        std::uint64_t mask = 0;
        std::uint64_t pending = 0;
        memory.read(sh::kAddress + sh::kEvtchnMask + 8 * word, mask);
        memory.read(sh::kAddress + sh::kEvtchnPending + 8 * word, pending);
        memory.write(sh::kAddress + sh::kEvtchnMask + 8 * word, mask & ~bit);
        if ((mask & bit) && (pending & bit)) {
            std::uint64_t selector = 0;
            memory.read(sh::kAddress + sh::kPendingSel, selector);
            memory.write(sh::kAddress + sh::kPendingSel, selector | (1ULL << word));
            setSharedByte(monitor, sh::kUpcallPending, 1);
        }
        return call.done(tr("unmasked port %1").arg(port), Then::Reschedule);
    }
    case xen::evtchnop::kClose: {
        std::uint32_t port = 0;
        if (!cpu.readVirtual(arg, &port, sizeof port))
            return call.fail(err::kEFAULT,
                             tr("struct evtchn_close at %1 is not mapped").arg(hex(arg)));
        for (auto it = m_virqPorts.begin(); it != m_virqPorts.end(); ++it) {
            if (it->second == port) {
                if (it->first == xen::kVirqTimer)
                    m_timerPort.reset();
                m_virqPorts.erase(it);
                return call.done(tr("closed port %1").arg(port));
            }
        }
        return call.fail(err::kEINVAL, tr("port %1 is not bound").arg(port));
    }
    default:
        return call.fail(err::kENOSYS, tr("command %1 is not implemented").arg(call.args[0]));
    }
}

// vcpu_op(cmd, vcpuid, arg) (xen/include/public/vcpu.h).
Paravirtual::Then Paravirtual::vcpuOp(Monitor &monitor, Call &call)
{
    const std::uint64_t cmd = call.args[0];
    if (call.args[1] != 0)
        return call.fail(err::kENOENT, tr("there is no vCPU %1").arg(call.args[1]));
    IntervalTimer &timer = monitor.ports().timer();
    switch (cmd) {
    case xen::vcpuop::kSetPeriodicTimer: {
        // struct vcpu_set_periodic_timer { uint64_t period_ns; }: the period is in guest
        // instructions here, the workbench's unit of virtual time.
        std::uint64_t period = 0;
        if (!monitor.machine().cpu().readVirtual(call.args[2], &period, sizeof period))
            return call.fail(
                err::kEFAULT,
                tr("struct vcpu_set_periodic_timer at %1 is not mapped").arg(hex(call.args[2])));
        if (period == 0)
            return call.fail(err::kEINVAL, tr("a period of 0 (use VCPUOP_stop_periodic_timer)"));
        timer.program(period, monitor.now());
        return call.done(tr("periodic timer every %1 guest instructions").arg(period),
                         Then::Reschedule);
    }
    case xen::vcpuop::kStopPeriodicTimer:
        timer.program(0, monitor.now());
        return call.done(tr("stopped the periodic timer"), Then::Reschedule);
    case xen::vcpuop::kIsUp:
        call.result = 1;
        call.effect = tr("vCPU 0 is up");
        return Then::Continue;
    case xen::vcpuop::kDown:
        return call.done(tr("took vCPU 0 down"), Then::Down);
    default:
        return call.fail(err::kENOSYS, tr("command %1 is not implemented").arg(cmd));
    }
}

// console_io(CONSOLEIO_write, count, buffer): the hypervisor's console, here the device
// behind CONSOLE_PORT.
Paravirtual::Then Paravirtual::consoleIo(Monitor &monitor, Call &call)
{
    const std::uint64_t count = call.args[1];
    switch (call.args[0]) {
    case xen::consoleio::kWrite: {
        if (count > kMaxConsoleWrite)
            return call.fail(err::kEINVAL, tr("%1 bytes at once (this monitor takes at most %2)")
                                               .arg(count)
                                               .arg(kMaxConsoleWrite));
        QByteArray bytes(static_cast<qsizetype>(count), '\0');
        if (count != 0 && !monitor.machine().cpu().readVirtual(call.args[2], bytes.data(), count))
            return call.fail(err::kEFAULT,
                             tr("the buffer at %1 is not mapped").arg(hex(call.args[2])));
        for (const char c : bytes)
            monitor.ports().write(port::kConsole, 1, static_cast<std::uint8_t>(c), monitor.now());
        return call.done(
            tr("wrote %1 byte(s) to the console: \"%2\"").arg(count).arg(printable(bytes)));
    }
    case xen::consoleio::kRead:
        return call.done(tr("read 0 bytes: the console has no input"));
    default:
        return call.fail(err::kENOSYS, tr("command %1 is not implemented").arg(call.args[0]));
    }
}

// mmuext_op(struct mmuext_op ops[], count, unsigned int *pdone, domid_t foreigndom)
// (xen/include/public/xen.h; xen/arch/x86/mm.c, do_mmuext_op).
Paravirtual::Then Paravirtual::mmuextOp(Monitor &monitor, Call &call)
{
    const auto [ops, count, pdone, foreigndom, unused] = call.args;
    (void)unused;
    if ((foreigndom & 0xFFFF) != xen::mmuext::kDomidSelf)
        return call.fail(err::kESRCH, tr("domain %1: only DOMID_SELF is modelled").arg(foreigndom));
    if (count > kMaxMmuextOps)
        return call.fail(err::kEINVAL, tr("%1 operations at once").arg(count));
    UnicornCpu &cpu = monitor.machine().cpu();
    QStringList effects;
    std::uint32_t done = 0;
    std::int64_t error = 0;
    for (; done < count; ++done) {
        std::array<std::uint64_t, 3> op{};
        const std::uint64_t address = ops + done * xen::mmuext::kOpSize;
        if (!cpu.readVirtual(address, op.data(), sizeof op)) {
            error = err::kEFAULT;
            effects << tr("operation %1 at %2 is not mapped").arg(done).arg(hex(address));
            break;
        }
        const auto cmd = static_cast<std::uint32_t>(op[0]);
        if (cmd == xen::mmuext::kNewBaseptr) {
            const std::uint64_t mfn = op[1];
            if (mfn >= monitor.machine().memory().guestSize() / 4096) {
                error = err::kEINVAL;
                effects << tr("frame %1 is not the guest's").arg(hex(mfn));
                break;
            }
            VirtualCpu &v = monitor.vcpu();
            const std::uint64_t old = v.cr3;
            v.cr3 = mfn << 12;
            effects << tr("new page-table base: virtual CR3 %1 -> %2 (the guest's tables are not "
                          "validated or used yet: the real CR3 keeps the identity map)")
                           .arg(hex(old), hex(v.cr3));
        } else if (cmd >= xen::mmuext::kTlbFlushLocal && cmd <= xen::mmuext::kInvlpgAll) {
            effects << tr("TLB flush accepted (no TLB is modelled)");
        } else {
            error = err::kENOSYS;
            effects << tr("command %1 is not modelled").arg(cmd);
            break;
        }
    }
    if (pdone != 0 && !monitor.machine().writeLinear(pdone, &done, sizeof done)) {
        error = err::kEFAULT;
        effects << tr("cannot write pdone at %1").arg(hex(pdone));
    }
    const QString effect = effects.join(QStringLiteral("; "));
    if (error != 0)
        return call.fail(error, effect);
    return call.done(effect);
}

// xen_version(cmd, arg): XENVER_version returns major << 16 | minor. XenoLinux also uses it as
// the cheapest hypercall, to have pending events delivered (force_evtchn_callback).
Paravirtual::Then Paravirtual::xenVersion(Monitor &, Call &call)
{
    if (call.args[0] != xen::kXenVersionVersion)
        return call.fail(err::kENOSYS, tr("command %1 is not implemented").arg(call.args[0]));
    call.result = static_cast<std::int64_t>(xen::kReportedVersion);
    call.effect =
        tr("version %1.%2").arg(xen::kReportedVersion >> 16).arg(xen::kReportedVersion & 0xFFFF);
    return Then::Continue;
}

// iret: pops struct iret_context (xen/include/public/arch-x86/xen-x86_64.h) from the guest
// stack and returns to it, with events masked as the popped RFLAGS.IF says
// (xen/arch/x86/pv/iret.c, do_iret).
Paravirtual::Then Paravirtual::iret(Monitor &monitor, Call &call)
{
    UnicornCpu &cpu = monitor.machine().cpu();
    const std::uint64_t rsp = cpu.read(Register::Rsp);
    xen::IretContext frame;
    if (!cpu.readVirtual(rsp, &frame, sizeof frame)) {
        call.effect =
            tr("the iret frame at %1 is not mapped (Xen would crash the domain)").arg(hex(rsp));
        return Then::Fault;
    }
    if ((frame.cs & 3) != 0) {
        call.effect =
            tr("iret to CPL %1: the guest's own user mode is not modelled").arg(frame.cs & 3);
        return Then::Fault;
    }
    if (!isCanonical(frame.rip)) {
        call.effect = tr("iret to the non-canonical address %1").arg(hex(frame.rip));
        return Then::Fault;
    }
    const bool wasMasked = masked(monitor);
    const bool ifSet = (frame.rflags & rflags::kIF) != 0;
    cpu.write(Register::Rax, frame.rax);
    if ((frame.flags & kVgcfInSyscall) == 0) {
        cpu.write(Register::R11, frame.r11);
        cpu.write(Register::Rcx, frame.rcx);
    }
    // The real flags take the guest's arithmetic flags; IF stays 1 and IOPL 0 for the monitor.
    const std::uint64_t real =
        (frame.rflags & rflags::kDefinedMask &
         ~(rflags::kIF | rflags::kIoplMask | rflags::kVM | rflags::kVIF | rflags::kVIP)) |
        rflags::kIF | rflags::kReserved1;
    cpu.setRflags(real);
    cpu.write(Register::Rsp, frame.rsp);
    VirtualCpu &v = monitor.vcpu();
    v.cs = static_cast<std::uint16_t>(frame.cs);
    v.ss = static_cast<std::uint16_t>(frame.ss);
    v.iopl = rflags::iopl(frame.rflags);
    v.interruptFlag = ifSet;
    setMasked(monitor, !ifSet);
    call.result = static_cast<std::int64_t>(frame.rax);
    call.target = frame.rip;
    call.effect = tr("back to %1, evtchn_upcall_mask %2 -> %3")
                      .arg(hex(frame.rip), flagText(wasMasked), flagText(!ifSet));
    return Then::Jump;
}

struct Paravirtual::SavedState final : TechniqueState
{
    std::deque<HypercallRecord> hypercalls;
    std::optional<std::uint64_t> eventCallback;
    std::optional<std::uint64_t> failsafeCallback;
    std::optional<std::uint64_t> syscallCallback;
    std::map<std::uint8_t, TrapEntry> trapTable;
    bool trapTableSet = false;
    std::map<std::uint32_t, std::uint32_t> virqPorts;
    std::optional<std::uint32_t> timerPort;
    bool unmaskSeen = false;

    std::size_t bytes() const override
    {
        std::size_t total = sizeof *this;
        for (const HypercallRecord &call : hypercalls)
            total +=
                sizeof call + 2 * static_cast<std::size_t>(call.name.size() + call.effect.size());
        return total + trapTable.size() * 48 + virqPorts.size() * 40;
    }
};

// The shared info page and the event channels' bits live in guest memory, which the history
// saves on its own; the monitor's side of the registrations is here.
std::unique_ptr<TechniqueState> Paravirtual::saveState() const
{
    auto state = std::make_unique<SavedState>();
    state->hypercalls = m_hypercalls;
    state->eventCallback = m_eventCallback;
    state->failsafeCallback = m_failsafeCallback;
    state->syscallCallback = m_syscallCallback;
    state->trapTable = m_trapTable;
    state->trapTableSet = m_trapTableSet;
    state->virqPorts = m_virqPorts;
    state->timerPort = m_timerPort;
    state->unmaskSeen = m_unmaskSeen;
    return state;
}

void Paravirtual::restoreState(Monitor &, const TechniqueState *saved)
{
    const auto *state = dynamic_cast<const SavedState *>(saved);
    if (!state)
        throw EngineError("a snapshot of another technique");
    m_hypercalls = state->hypercalls;
    m_eventCallback = state->eventCallback;
    m_failsafeCallback = state->failsafeCallback;
    m_syscallCallback = state->syscallCallback;
    m_trapTable = state->trapTable;
    m_trapTableSet = state->trapTableSet;
    m_virqPorts = state->virqPorts;
    m_timerPort = state->timerPort;
    m_unmaskSeen = state->unmaskSeen;
}

} // namespace vmwb
