#pragma once

// What a technique works with while the guest runs: the machine, the guest's virtual CPU, the
// devices, the trace and the cost model, plus the mechanics every technique shares (delivering
// through an IDT, device access, recording events, ending the run).

#include "cpu/VirtualCpu.h"
#include "devices/Devices.h"
#include "machine/Machine.h"
#include "trace/CostModel.h"
#include "trace/Event.h"

#include <QString>
#include <bitset>
#include <cstdint>
#include <deque>
#include <optional>

namespace vmwb {

struct AssembledProgram;
class TranslationCache;

enum class RunStatus : std::uint8_t
{
    Running,
    Exited,          // the guest wrote to the exit port
    Halted,          // HLT with no interrupt that could ever wake the guest
    BudgetExhausted, // the instruction budget ran out
    GuestFault,      // the guest did something the machine cannot continue from
    Stopped,         // stopped from outside (a user pressed Pause)
};

// Stable names for JSON ("exited", "halted", "budget-exhausted", "guest-fault", ...).
const char *runStatusName(RunStatus status);

// What an interrupt delivery pushes and which IDT it reads: the real CPU's for native
// execution, the guest's beliefs under a deprivileging technique.
struct FrameView
{
    TableRegister idt;
    std::uint64_t rflags = 0; // the RFLAGS image pushed
    std::uint16_t cs = 0;     // the CS image pushed
    std::uint16_t ss = 0;     // the SS image pushed
};

// An interrupt frame the machine pushed on the guest stack (for the stack view's labels).
struct InterruptFrame
{
    std::uint64_t address = 0; // lowest address: the error code if there is one, else RIP
    std::uint8_t vector = 0;
    bool hasErrorCode = false;
};

struct Delivery
{
    bool ok = false;
    QString problem; // why the delivery failed, in the manual's terms
    std::uint64_t handler = 0;
    std::uint16_t selector = 0;
    bool interruptGate = false; // the gate clears IF
};

class Monitor
{
public:
    Monitor(Machine &machine, VirtualCpu &vcpu, PendingInterrupts &pending, PortBus &ports,
            Trace &trace, const CostPreset &costs, const AssembledProgram *program);

    Machine &machine() { return m_machine; }
    const Machine &machine() const { return m_machine; }
    VirtualCpu &vcpu() { return m_vcpu; }
    const VirtualCpu &vcpu() const { return m_vcpu; }
    PendingInterrupts &pending() { return m_pending; }
    const PendingInterrupts &pending() const { return m_pending; }
    PortBus &ports() { return m_ports; }
    const Trace &trace() const { return m_trace; }
    std::uint64_t cost(Cost which) const { return m_costs[which]; }

    // Virtual time: instructions retired plus the time the guest spent halted.
    std::uint64_t now() const { return m_machine.retired() + m_idle; }
    void addIdleTime(std::uint64_t instructions) { m_idle += instructions; }
    std::uint64_t modelledCycles() const;

    // Records an event at `rip`; `cause` is only evaluated when the event is stored.
    template <typename CauseFn>
    void record(EventKind kind, std::uint64_t rip, std::uint64_t cycles, CauseFn &&cause,
                int vector = -1)
    {
        if (m_breakOn.test(static_cast<std::size_t>(kind)))
            breakOnEvent();
        if (!m_trace.storesNext()) {
            m_trace.countOnly(kind, cycles);
            return;
        }
        addEvent(kind, rip, cycles, cause(), vector);
    }
    // The instruction at `rip` as the guest wrote it (a translator's patch shows its original).
    QString instructionText(std::uint64_t rip) const;
    void setTranslationCache(const TranslationCache *cache) { m_translations = cache; }
    int lineAt(std::uint64_t rip) const;

    // The run's outcome, set by techniques and the session.
    RunStatus status() const { return m_status; }
    const QString &statusMessage() const { return m_statusMessage; }
    void finish(RunStatus status, QString message);
    // Ends the run because of the guest (records a guest-fault event) and stops the machine.
    void failGuest(std::uint64_t rip, QString message);

    // Events of these kinds stop the run (the user's "break on"); eventBreak() tells whether
    // one did since the flag was last cleared.
    void setBreakOnEvents(std::bitset<kEventKindCount> kinds) { m_breakOn = kinds; }
    bool eventBreak() const { return m_eventBreak; }
    void clearEventBreak() { m_eventBreak = false; }
    // The most recent interrupt frames pushed, oldest first.
    const std::deque<InterruptFrame> &frames() const { return m_frames; }

    // STI and MOV SS delay interrupts until one more instruction has run.
    void blockInterruptsForOneInstruction() { m_shadowUntil = m_machine.retired() + 1; }
    bool interruptsBlocked() const { return m_machine.retired() < m_shadowUntil; }
    std::uint64_t shadowEnd() const { return m_shadowUntil; }

    // Pushes an interrupt frame on the guest stack and enters the handler of `vector` found
    // in view.idt (Intel SDM Vol. 3A, 6.14.2, Figure 6-9). Sets RSP and RIP; leaves RFLAGS
    // and the segment registers to the caller.
    Delivery pushInterruptFrame(std::uint8_t vector, std::optional<std::uint32_t> errorCode,
                                std::uint64_t returnRip, const FrameView &view);

    // Port I/O of IN, OUT, INS and OUTS against the devices. Returns a description of what
    // happened, for the event.
    struct PortIo
    {
        bool ok = false;              // false: the instruction is not port I/O
        bool exitRequested = false;   // the guest wrote its exit code
        bool timerProgrammed = false; // the timer's next tick moved
        QString description;
    };
    PortIo emulatePortIo(const Instruction &instruction);
    // The port and access size of IN, OUT, INS or OUTS: the port is an 8-bit immediate or DX.
    struct PortOperand
    {
        std::uint16_t port = 0;
        unsigned size = 1; // bytes: 1, 2 or 4
        bool immediate = false;
    };
    static std::optional<PortOperand> portOperand(const UnicornCpu &cpu,
                                                  const Instruction &instruction);

    // The #PF error code for a fault at `cr2` raised by the instruction at `rip`, derived from
    // the page tables and the instruction (Unicorn does not report it).
    std::uint32_t pageFaultErrorCode(std::uint64_t cr2, std::uint64_t rip, unsigned cpl) const;

    // Step back (run/History.h): what the monitor keeps of the run beyond the machine, the
    // virtual CPU, the devices and the trace. The events to break on are the user's, not the
    // run's, and stay as they are.
    struct State
    {
        std::uint64_t idle = 0;
        bool eventBreak = false;
        std::deque<InterruptFrame> frames;
        std::uint64_t lastDeliveryAt = 0;
        int deliveriesWithoutProgress = 0;
        std::uint64_t shadowUntil = 0;
        RunStatus status = RunStatus::Running;
        QString statusMessage;
    };
    State saveState() const;
    void restoreState(const State &state);
    std::bitset<kEventKindCount> breakOnEvents() const { return m_breakOn; }

private:
    void addEvent(EventKind kind, std::uint64_t rip, std::uint64_t cycles, QString cause,
                  int vector);
    void breakOnEvent();

    Machine &m_machine;
    VirtualCpu &m_vcpu;
    PendingInterrupts &m_pending;
    PortBus &m_ports;
    Trace &m_trace;
    const CostPreset &m_costs;
    const AssembledProgram *m_program;
    const TranslationCache *m_translations = nullptr;
    std::uint64_t m_idle = 0;
    std::bitset<kEventKindCount> m_breakOn;
    bool m_eventBreak = false;
    std::deque<InterruptFrame> m_frames;
    std::uint64_t m_lastDeliveryAt = ~0ULL;
    int m_deliveriesWithoutProgress = 0;
    std::uint64_t m_shadowUntil = 0;
    RunStatus m_status = RunStatus::Running;
    QString m_statusMessage;
};

} // namespace vmwb
