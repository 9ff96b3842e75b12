#pragma once

// One guest program run under one technique, from boot to its end: the machine, the monitor,
// the devices and the trace, and the loop that drives them. Deterministic: the same program
// and options give the same run, event for event.

#include "assembler/Assembler.h"
#include "cpu/VirtualCpu.h"
#include "devices/Devices.h"
#include "machine/Machine.h"
#include "run/History.h"
#include "trace/CostModel.h"
#include "trace/Event.h"
#include "vmm/Monitor.h"
#include "vmm/Technique.h"

#include <QString>
#include <bitset>
#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>

namespace vmwb {

struct SessionOptions
{
    static constexpr std::uint64_t kDefaultMaxInstructions = 100'000'000;

    QString technique = QStringLiteral("native");
    std::uint64_t timerPeriod = 0; // guest instructions between timer interrupts; 0 = off
    std::uint64_t maxInstructions = kDefaultMaxInstructions;
    QString costPreset = CostPresets::defaultId();
    std::size_t memorySize = 16 * 1024 * 1024;
    std::size_t eventLimit = Trace::kDefaultStorageLimit;
    // Hardware-assisted only: VM-execution controls turned on or off over the VMCS defaults,
    // by vmx::ControlInfo::id ("hlt-exiting" -> false). An unknown name is an OptionError.
    std::map<QString, bool> vmcsControls;
    // Hardware-assisted only: VMCS fields written over the defaults, by the SDM's name
    // ("EXCEPTION_BITMAP" -> 0x4001), after the controls. An unknown name is an OptionError.
    std::map<QString, std::uint64_t> vmcsFields;
    // Step back: a snapshot every this many guest instructions (0: none, and the session
    // cannot go back), kept within historyBudget bytes, the oldest dropped first.
    std::uint64_t snapshotInterval = 0;
    std::size_t historyBudget = History::kDefaultBudget;
    // Paced snapshots: the interval grows beyond snapshotInterval so that taking snapshots
    // costs about 1/History::kPace of the run (see History). Where the snapshots fall then
    // depends on the host's speed; what a step back restores does not.
    bool pacedSnapshots = false;
};

// An option the session cannot work with (unknown technique or cost preset, a program that
// does not fit). The command line reports it as bad input.
class OptionError : public std::runtime_error
{
public:
    explicit OptionError(const QString &message) : std::runtime_error(message.toStdString()) {}
};

class Session final : private MachineClient
{
public:
    // Loads `program`, boots the machine into it and starts the technique.
    Session(AssembledProgram program, SessionOptions options, const TechniqueRegistry &techniques,
            const CostPresets &presets);
    ~Session() override;
    Session(const Session &) = delete;
    Session &operator=(const Session &) = delete;

    // Runs until the guest ends, the budget runs out or requestStop() is called.
    RunStatus run();
    // Runs at most `instructions` more guest instructions (fewer if the guest ends first).
    RunStatus runFor(std::uint64_t instructions);
    // Makes run() return soon; safe from another thread.
    void requestStop();
    // Forgets a stop requested while no run was going on.
    void clearStopRequest();

    // Why the last run() or runFor() returned while the guest was still running.
    enum class Pause : std::uint8_t
    {
        None,       // it did not pause: the run ended (see status())
        Limit,      // runFor() ran its instructions
        Breakpoint, // RIP reached a breakpoint
        EventBreak, // an event of a kind in setBreakOnEvents() was recorded
        Stopped,    // requestStop()
    };
    Pause lastPause() const { return m_lastPause; }
    // Breakpoints by guest address; continuing from one runs the instruction there.
    void setBreakpoints(const std::vector<std::uint64_t> &addresses);
    void setBreakOnEvents(std::bitset<kEventKindCount> kinds);
    // Changes a register of the real CPU (while the session does not run).
    void setRegister(Register reg, std::uint64_t value);
    void setRflags(std::uint64_t value);

    RunStatus status() const { return m_monitor->status(); }
    const QString &statusMessage() const { return m_monitor->statusMessage(); }
    const SessionOptions &options() const { return m_options; }
    const AssembledProgram &program() const { return m_program; }
    const Technique &technique() const { return *m_technique; }
    const Machine &machine() const { return *m_machine; }
    const Monitor &monitor() const { return *m_monitor; }
    const Trace &trace() const { return m_trace; }
    const PortBus &ports() const { return m_ports; }
    const CostPreset &costs() const { return m_costs; }
    const PendingInterrupts &pendingInterrupts() const { return m_pending; }
    std::uint64_t instructions() const { return m_machine->retired(); }
    std::uint64_t modelledCycles() const { return m_monitor->modelledCycles(); }
    // The CPU as the guest believes it is (the real one for native execution).
    VirtualCpu guestView() const { return m_technique->guestView(*m_monitor); }

    // Step back (run/History.h), when options().snapshotInterval is not 0; nullptr otherwise.
    const History *history() const { return m_history.get(); }
    // The earliest instruction count the session can go back to, if it can go back at all.
    std::optional<std::uint64_t> earliestReachable() const;
    // Puts the session back to the state it had after `instructions` guest instructions, as
    // runFor() pausing there would have left it: restores the newest snapshot at or before and
    // runs forward, past breakpoints and events to break on. Returns false, changing nothing,
    // without history, without a snapshot that old, or for an instruction count ahead.
    bool rewindTo(std::uint64_t instructions);
    // rewindTo() one instruction before the current one.
    bool stepBack();

private:
    bool watches(const Instruction &instruction) override;
    WatchAction onWatched(const Instruction &instruction) override;
    void onException(const CpuException &exception) override;
    void onGuardedFetch(std::uint64_t page) override;
    void onWatchedAccess(MemoryAccess access, std::uint64_t address, std::size_t size) override;

    RunStatus runUntil(std::uint64_t limit);
    bool deliverPendingInterrupt();
    bool wakeFromHalt();
    void raiseDueTicks();
    void handle(const ExecuteResult &result);
    void stepOver(std::uint64_t address);
    void emulateNondeterministic(const Instruction &instruction);
    void recordSnapshot();

    AssembledProgram m_program;
    SessionOptions m_options;
    const CostPreset &m_costs;
    std::unique_ptr<Technique> m_technique;
    VirtualCpu m_vcpu;
    PendingInterrupts m_pending;
    PortBus m_ports;
    Trace m_trace;
    std::unique_ptr<Machine> m_machine;
    std::unique_ptr<Monitor> m_monitor;
    std::uint64_t m_random = 0x9E37'79B9'7F4A'7C15ULL; // RDRAND's deterministic sequence
    Pause m_lastPause = Pause::None;
    std::unique_ptr<History> m_history;
};

} // namespace vmwb
