#include "run/Session.h"

#include "core/Hex.h"
#include "hw/Rflags.h"
#include "machine/Operands.h"
#include "machine/Platform.h"
#include "vmm/HardwareAssisted.h"
#include "vmx/Vmcs.h"

#include <QCoreApplication>
#include <QStringList>

namespace vmwb {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("vmwb::Session", text);
}

const CostPreset &findPreset(const CostPresets &presets, const QString &id)
{
    if (const CostPreset *preset = presets.find(id))
        return *preset;
    QStringList known;
    for (const auto &preset : presets.all())
        known << preset.id;
    throw OptionError(tr("unknown cost preset \"%1\" (known: %2)").arg(id, known.join(", ")));
}

std::unique_ptr<Technique> createTechnique(const TechniqueRegistry &registry, const QString &id,
                                           const std::map<QString, bool> &vmcsControls,
                                           const std::map<QString, std::uint64_t> &vmcsFields)
{
    if (auto technique = registry.create(id)) {
        if (vmcsControls.empty() && vmcsFields.empty())
            return technique;
        auto *hardware = dynamic_cast<HardwareAssisted *>(technique.get());
        if (!hardware) {
            throw OptionError(tr("VMCS controls and fields apply to the hardware-assisted "
                                 "technique only, not to \"%1\"")
                                  .arg(id));
        }
        for (const auto &[name, on] : vmcsControls) {
            if (vmx::controlNamed(name))
                continue;
            QStringList known;
            for (const vmx::ControlInfo &control : vmx::allControls())
                known << QLatin1String(control.id);
            throw OptionError(
                tr("unknown VMCS control \"%1\" (known: %2)").arg(name, known.join(", ")));
        }
        for (const auto &[name, value] : vmcsFields) {
            if (!vmx::fieldNamed(name)) {
                throw OptionError(tr("unknown VMCS field \"%1\" (the SDM's names, e.g. "
                                     "EXCEPTION_BITMAP or CR0_GUEST_HOST_MASK)")
                                      .arg(name));
            }
        }
        hardware->setControls(vmcsControls);
        hardware->setFields(vmcsFields);
        return technique;
    }
    QStringList known;
    for (const auto &info : registry.techniques())
        known << info.id;
    throw OptionError(tr("unknown technique \"%1\" (known: %2)").arg(id, known.join(", ")));
}

// Instructions whose result the host would decide: the workbench supplies it, so that every
// run of a snippet is the same.
bool nondeterministic(const Instruction &instruction)
{
    switch (instruction.mnemonic) {
    case Mnemonic::Rdtsc:
    case Mnemonic::Rdtscp:
    case Mnemonic::Rdrand:
    case Mnemonic::Rdseed:
        return true;
    default:
        return false;
    }
}

// Room the program must leave for the stack below the top of guest memory.
constexpr std::uint64_t kMinimumStack = 64 * 1024;

} // namespace

Session::Session(AssembledProgram program, SessionOptions options,
                 const TechniqueRegistry &techniques, const CostPresets &presets)
    : m_program(std::move(program)), m_options(std::move(options)),
      m_costs(findPreset(presets, m_options.costPreset)),
      m_technique(createTechnique(techniques, m_options.technique, m_options.vmcsControls,
                                  m_options.vmcsFields)),
      m_trace(m_options.eventLimit)
{
    if (m_options.memorySize % 4096 != 0 || m_options.memorySize < 2 * 1024 * 1024 ||
        m_options.memorySize > platform::kMaxGuestMemory)
        throw OptionError(tr("guest memory must be a multiple of 4 KiB from 2 MiB to 256 MiB"));
    const std::uint64_t end =
        m_program.loadAddress + static_cast<std::uint64_t>(m_program.code.size());
    if (m_program.loadAddress < 0x1000 || end + kMinimumStack > m_options.memorySize) {
        throw OptionError(tr("the program (%1 bytes at %2) does not fit into %3 bytes of guest "
                             "memory with room for the stack")
                              .arg(m_program.code.size())
                              .arg(hex(m_program.loadAddress))
                              .arg(m_options.memorySize));
    }

    MachineClient &client = *this;
    m_machine = std::make_unique<Machine>(Machine::Config{m_options.memorySize}, client);
    m_machine->load(m_program.loadAddress,
                    std::span(reinterpret_cast<const std::uint8_t *>(m_program.code.constData()),
                              static_cast<std::size_t>(m_program.code.size())));
    m_monitor = std::make_unique<Monitor>(*m_machine, m_vcpu, m_pending, m_ports, m_trace, m_costs,
                                          &m_program);
    GuestEntry entry;
    entry.ring = m_technique->info().guestRing;
    entry.rip = m_program.loadAddress;
    entry.rsp = m_options.memorySize;
    // A deprivileged guest runs with the real IF set: the monitor must receive interrupts.
    entry.rflags = rflags::kReserved1 | (entry.ring == 3 ? rflags::kIF : 0);
    m_machine->boot(entry);
    m_technique->start(*m_monitor);
    if (m_options.timerPeriod != 0)
        m_ports.timer().program(m_options.timerPeriod, 0);
    if (m_options.snapshotInterval != 0) {
        m_history = std::make_unique<History>(m_options.snapshotInterval, m_options.historyBudget,
                                              m_options.pacedSnapshots);
        recordSnapshot();
    }
}

Session::~Session() = default;

RunStatus Session::run()
{
    return runUntil(m_options.maxInstructions);
}

RunStatus Session::runFor(std::uint64_t instructions)
{
    return runUntil(m_machine->retired() + instructions);
}

void Session::requestStop()
{
    m_machine->requestStop();
}

void Session::clearStopRequest()
{
    m_machine->clearStopRequest();
}

void Session::setBreakpoints(const std::vector<std::uint64_t> &addresses)
{
    m_machine->setBreakpoints(addresses);
}

void Session::setBreakOnEvents(std::bitset<kEventKindCount> kinds)
{
    m_monitor->setBreakOnEvents(kinds);
}

void Session::setRegister(Register reg, std::uint64_t value)
{
    m_machine->cpu().write(reg, value);
}

void Session::setRflags(std::uint64_t value)
{
    m_machine->cpu().setRflags(value);
}

RunStatus Session::runUntil(std::uint64_t limit)
{
    m_lastPause = Pause::None;
    m_monitor->clearEventBreak();
    while (m_monitor->status() == RunStatus::Running) {
        // Here, between two turns of the loop, the run is in a state it can be put back to.
        if (m_history && m_machine->retired() >= m_history->nextDue() && m_machine->settled())
            recordSnapshot();
        if (deliverPendingInterrupt())
            continue;
        if (m_vcpu.halted) {
            if (!wakeFromHalt())
                break;
            continue;
        }
        const std::uint64_t retired = m_machine->retired();
        if (retired >= m_options.maxInstructions) {
            m_monitor->finish(
                RunStatus::BudgetExhausted,
                tr("the instruction budget of %1 ran out").arg(m_options.maxInstructions));
            break;
        }
        if (retired >= limit) {
            m_lastPause = Pause::Limit;
            break;
        }
        std::uint64_t deadline = std::min(m_options.maxInstructions, limit);
        if (const auto tick = m_ports.timer().nextTick())
            deadline = std::min(deadline, *tick - (m_monitor->now() - retired));
        if (m_pending.any() && m_monitor->interruptsBlocked())
            deadline = std::min(deadline, m_monitor->shadowEnd());
        if (m_history && m_history->nextDue() > retired)
            deadline = std::min(deadline, m_history->nextDue());
        const ExecuteResult result = m_machine->execute(deadline);
        handle(result);
        raiseDueTicks();
        if (result.reason == StopReason::Breakpoint) {
            m_lastPause = Pause::Breakpoint;
            break;
        }
        // External, or a stop requested while a watched instruction was stepped over.
        if (result.reason == StopReason::External || m_machine->stopRequested()) {
            m_machine->clearStopRequest();
            m_lastPause = m_monitor->eventBreak() ? Pause::EventBreak : Pause::Stopped;
            break;
        }
    }
    if (m_monitor->status() != RunStatus::Running)
        m_lastPause = Pause::None;
    return m_monitor->status();
}

void Session::recordSnapshot()
{
    SessionState state;
    state.machine = m_machine->saveState();
    state.monitor = m_monitor->saveState();
    state.vcpu = m_vcpu;
    state.pending = m_pending;
    state.ports = m_ports;
    state.trace = m_trace.mark();
    state.technique = m_technique->saveState();
    state.random = m_random;
    m_history->record(std::move(state), m_machine->memory());
}

std::optional<std::uint64_t> Session::earliestReachable() const
{
    return m_history ? m_history->oldest() : std::nullopt;
}

bool Session::rewindTo(std::uint64_t instructions)
{
    if (!m_history || instructions > m_machine->retired())
        return false;
    const auto snapshot = m_history->newestAtOrBefore(instructions);
    if (!snapshot)
        return false;
    m_machine->prepareRestore();
    const SessionState &state = m_history->restore(*snapshot, m_machine->memory());
    m_machine->finishRestore(state.machine);
    m_monitor->restoreState(state.monitor);
    m_vcpu = state.vcpu;
    m_pending = state.pending;
    m_ports = state.ports;
    m_trace.rewind(state.trace);
    m_technique->restoreState(*m_monitor, state.technique.get());
    m_random = state.random;

    // Forward from the snapshot. Breakpoints and events to break on pause the user's runs, not
    // this one; a stop asked for meanwhile (Pause in the window) is the user's too.
    const std::bitset<kEventKindCount> breakOn = m_monitor->breakOnEvents();
    m_monitor->setBreakOnEvents({});
    m_machine->suspendBreakpoints(true);
    const auto resume = [&] {
        m_monitor->setBreakOnEvents(breakOn);
        m_machine->suspendBreakpoints(false);
    };
    try {
        do {
            m_machine->clearStopRequest();
            runUntil(instructions);
        } while (m_monitor->status() == RunStatus::Running && m_lastPause == Pause::Stopped);
    } catch (...) {
        resume();
        throw;
    }
    resume();
    return true;
}

bool Session::stepBack()
{
    return m_machine->retired() > 0 && rewindTo(m_machine->retired() - 1);
}

void Session::handle(const ExecuteResult &result)
{
    switch (result.reason) {
    case StopReason::Deadline:
    case StopReason::ClientRequest:
    case StopReason::External:
    case StopReason::Breakpoint:
        return;
    case StopReason::BeforeWatched:
        stepOver(m_machine->stoppedBefore());
        return;
    case StopReason::Halted:
        m_vcpu.halted = true;
        return;
    case StopReason::CpuError: {
        const std::uint64_t rip = m_machine->cpu().rip();
        QString message;
        if (const auto &access = m_machine->lastUnmappedAccess()) {
            const char *what = access->access == MemoryAccess::Fetch   ? "fetched code from"
                               : access->access == MemoryAccess::Write ? "wrote to"
                                                                       : "read from";
            message = tr("the guest %1 address %2, where the machine has no memory")
                          .arg(QLatin1String(what), hex(access->address));
        } else {
            message = tr("the emulator stopped at %1 (Unicorn error %2)")
                          .arg(hex(rip))
                          .arg(static_cast<int>(result.error));
        }
        m_monitor->record(EventKind::GuestFault, rip, 0, [&] { return message; });
        m_monitor->finish(RunStatus::GuestFault, message);
        return;
    }
    }
}

// Lets one watched instruction execute on the CPU, then looks at what it changed.
void Session::stepOver(std::uint64_t address)
{
    const auto instruction = m_machine->decodeAt(address, Decoder::Detail::Facts);
    const bool interruptsBefore = m_technique->guestInterruptFlag(*m_monitor);
    m_machine->passWatchOnce(address);
    // A pending stop (the event recorded for this instruction breaks the run) waits until the
    // instruction has run.
    const bool stopWanted = m_machine->takeStopRequest();
    const ExecuteResult result = m_machine->execute(m_machine->retired() + 1);
    m_machine->passWatchOnce(std::nullopt);
    if (stopWanted)
        m_machine->requestStopAtNextBlock();
    if (result.reason != StopReason::Deadline && result.reason != StopReason::BeforeWatched)
        handle(result);
    if (!instruction)
        return;
    // STI enables interrupts only after the next instruction (SDM Vol. 2B, STI).
    if (instruction->mnemonic == Mnemonic::Sti && !interruptsBefore &&
        m_technique->guestInterruptFlag(*m_monitor))
        m_monitor->blockInterruptsForOneInstruction();
    if (instruction->mnemonic == Mnemonic::MovToCr)
        m_machine->forgetDecodedCode();
}

bool Session::deliverPendingInterrupt()
{
    if (!m_pending.any() || m_monitor->interruptsBlocked() ||
        !m_technique->canDeliverInterrupt(*m_monitor))
        return false;
    const std::uint8_t vector = *m_pending.highest();
    m_pending.clear(vector);
    m_vcpu.halted = false;
    m_technique->deliverInterrupt(*m_monitor, vector);
    return true;
}

bool Session::wakeFromHalt()
{
    const bool deprivileged = m_technique->info().guestRing != 0;
    if (!m_technique->guestInterruptFlag(*m_monitor)) {
        QString message = deprivileged
                              ? tr("hlt with the virtual IF = 0: no interrupt can wake the guest")
                              : tr("hlt with IF = 0: no interrupt can wake the guest");
        if (m_pending.any())
            message +=
                QCoreApplication::translate("vmwb::Session", "; %n interrupt(s) stay pending",
                                            nullptr, static_cast<int>(m_pending.count()));
        m_monitor->finish(RunStatus::Halted, message);
        return false;
    }
    const auto tick = m_ports.timer().nextTick();
    if (!tick) {
        m_monitor->finish(RunStatus::Halted,
                          tr("hlt with the timer off: no interrupt can wake the guest"));
        return false;
    }
    // Waiting costs no instructions: virtual time jumps to the next tick.
    m_monitor->addIdleTime(*tick - m_monitor->now());
    raiseDueTicks();
    return true;
}

void Session::raiseDueTicks()
{
    const std::uint64_t due = m_ports.timer().takeDueTicks(m_monitor->now());
    const bool deprivileged = m_technique->info().guestRing != 0;
    const std::uint64_t rip = m_machine->cpu().rip();
    for (std::uint64_t i = 0; i < due; ++i) {
        const std::uint64_t cycles = m_technique->interruptArrivalCycles(*m_monitor);
        if (!m_pending.raise(kTimerVector)) {
            m_monitor->record(
                EventKind::InterruptLost, rip, cycles,
                [&] {
                    return tr("timer interrupt lost: vector %1 is still pending, and the "
                              "interrupt request register holds one request per vector")
                        .arg(kTimerVector);
                },
                kTimerVector);
            continue;
        }
        m_technique->interruptRaised(*m_monitor, kTimerVector);
        if (m_technique->guestInterruptFlag(*m_monitor) && !m_monitor->interruptsBlocked())
            continue; // delivered before the next instruction
        m_monitor->record(
            EventKind::InterruptPending, rip, cycles,
            [&] {
                if (m_technique->guestInterruptFlag(*m_monitor))
                    return tr("timer interrupt pending for one instruction after sti");
                return deprivileged
                           ? tr("timer interrupt pending: the guest's virtual IF is 0 (the real "
                                "IF is 1, so the monitor took the interrupt and holds it)")
                           : tr("timer interrupt pending: IF is 0");
            },
            kTimerVector);
    }
}

bool Session::watches(const Instruction &instruction)
{
    return nondeterministic(instruction) || m_technique->watches(instruction);
}

WatchAction Session::onWatched(const Instruction &instruction)
{
    if (nondeterministic(instruction)) {
        m_technique->beforeNondeterministic(*m_monitor, instruction);
        emulateNondeterministic(instruction);
        m_machine->continueAt(instruction.nextAddress(), true);
        return WatchAction::Handled;
    }
    return m_technique->onWatched(*m_monitor, instruction);
}

void Session::onException(const CpuException &exception)
{
    m_technique->onException(*m_monitor, exception);
}

void Session::onGuardedFetch(std::uint64_t page)
{
    m_technique->onGuardedFetch(*m_monitor, page);
}

void Session::onWatchedAccess(MemoryAccess access, std::uint64_t address, std::size_t size)
{
    m_technique->onWatchedAccess(*m_monitor, access, address, size);
}

void Session::emulateNondeterministic(const Instruction &instruction)
{
    UnicornCpu &cpu = m_machine->cpu();
    switch (instruction.mnemonic) {
    case Mnemonic::Rdtsc:
    case Mnemonic::Rdtscp: {
        // The time-stamp counter counts modelled cycles.
        const std::uint64_t tsc = m_monitor->modelledCycles();
        cpu.write(Register::Rax, tsc & 0xFFFF'FFFF);
        cpu.write(Register::Rdx, tsc >> 32);
        if (instruction.mnemonic == Mnemonic::Rdtscp)
            cpu.write(Register::Rcx, 0); // IA32_TSC_AUX
        return;
    }
    case Mnemonic::Rdrand:
    case Mnemonic::Rdseed: {
        // xorshift64*: a fixed sequence, with CF = 1 ("a random value is available").
        m_random ^= m_random >> 12;
        m_random ^= m_random << 25;
        m_random ^= m_random >> 27;
        const std::uint64_t value = m_random * 0x2545'F491'4F6C'DD1DULL;
        if (!instruction.operands.empty())
            writeRegister(cpu, instruction.operands.front().reg, value);
        const std::uint64_t arithmetic =
            rflags::kCF | rflags::kPF | rflags::kAF | rflags::kZF | rflags::kSF | rflags::kOF;
        cpu.setRflags((cpu.rflags() & ~arithmetic) | rflags::kCF);
        return;
    }
    default:
        return;
    }
}

} // namespace vmwb
