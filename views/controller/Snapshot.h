#pragma once

// What the panes see of the engine: plain values copied out of the running session on the
// worker thread and handed to the GUI thread. Panes never touch the engine itself.

#include "assembler/Assembler.h"
#include "bt/TranslationCache.h"
#include "cpu/VirtualCpu.h"
#include "decode/Instruction.h"
#include "trace/Event.h"
#include "vmm/Monitor.h"
#include "vmx/Vmcs.h"

#include <QByteArray>
#include <QMetaType>
#include <QString>
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

namespace vmwb {

// The registers the Registers pane lists, in its order.
enum class RegisterId : std::uint8_t
{
    Rax,
    Rbx,
    Rcx,
    Rdx,
    Rsi,
    Rdi,
    Rbp,
    Rsp,
    R8,
    R9,
    R10,
    R11,
    R12,
    R13,
    R14,
    R15,
    Rip,
    Rflags,
    Cs,
    Ds,
    Es,
    Fs,
    Gs,
    Ss,
    Cr0,
    Cr2,
    Cr3,
    Cr4,
};
inline constexpr std::size_t kRegisterCount = 28;

// The engine's register for an id; Rflags has none (it is read with UnicornCpu::rflags()).
Register engineRegister(RegisterId id);
// "rax", "rflags", "cr0" ...
const char *registerName(RegisterId id);
// Whether the user may change it while the guest is paused.
bool registerEditable(RegisterId id);

// One 8-byte slot of the guest stack, with what the workbench knows about it.
struct StackSlot
{
    std::uint64_t address = 0;
    std::uint64_t value = 0;
    bool readable = false; // the slot is mapped
    QString label;         // e.g. "RIP of interrupt 32", empty if nothing is known
    int frame = -1;        // which interrupt frame on the stack the slot belongs to (0, 1, ...
                           // in the order they were pushed), -1 for none
};

// How the last run or step ended, for the status bar.
enum class PauseReason : std::uint8_t
{
    None,        // not paused yet (just loaded or reset)
    Step,        // a step finished
    Breakpoint,  // a breakpoint was reached
    RunTo,       // the line of "run to cursor" was reached
    EventBreak,  // an event of a kind the user breaks on was recorded
    User,        // the user pressed Pause
    Ended,       // the run ended (see MachineSnapshot::status)
    SteppedBack, // the machine went back in its history (step back, the history slider)
};

struct MachineSnapshot
{
    std::uint64_t sequence = 0; // grows with every snapshot of a session
    bool valid = false;         // false until a program is loaded and booted

    QString techniqueId;
    QString techniqueTitle; // translated
    int guestRing = 0;
    bool virtualized = false; // a monitor stands between the guest and the CPU (not native)
    RunStatus status = RunStatus::Running;
    QString statusMessage;
    PauseReason pause = PauseReason::None;
    std::uint64_t instructions = 0;
    std::uint64_t maxInstructions = 0;
    // Step back: the earliest instruction count the machine can go back to, if any.
    std::optional<std::uint64_t> historyStart;
    // Whether a step back is possible: there is a snapshot before the current instruction.
    bool canStepBack() const
    {
        return historyStart && instructions > 0 && *historyStart < instructions;
    }
    std::uint64_t modelledCycles = 0;
    QString costPreset;

    // The real CPU.
    std::array<std::uint64_t, kRegisterCount> registers{};
    std::uint64_t registerValue(RegisterId id) const
    {
        return registers[static_cast<std::size_t>(id)];
    }
    // Registers whose value differs from the previous snapshot's.
    std::array<bool, kRegisterCount> changed{};
    unsigned realCpl = 0;

    // What the guest believes (for native execution, the real CPU).
    VirtualCpu guest;
    std::vector<std::uint8_t> pendingVectors;

    std::uint64_t rip = 0;
    int line = 0;                       // source line of RIP, 0 if none
    std::optional<Instruction> current; // the instruction at RIP, fully decoded

    std::uint64_t traps = 0;
    std::uint64_t holes = 0;
    std::uint64_t interruptsDelivered = 0;
    std::uint64_t interruptsLost = 0;
    std::uint64_t exceptions = 0;
    std::uint64_t io = 0;
    std::uint64_t eventsNotStored = 0;

    std::vector<StackSlot> stack; // from RSP - 32 up to RSP + 15 slots
    QByteArray console;           // everything written to port 0xE9

    // What the binary translator has translated and patched; null under every other
    // technique. The worker copies the cache only when it has changed and never changes a
    // copy, so consecutive snapshots share one and a pane can tell "changed" by the pointer.
    std::shared_ptr<const TranslationCache> translationCache;

    // Hardware-assisted execution: the VMCS as it is now, and as it was when the session
    // started (shared by every snapshot of the session), so that a pane can show what the run
    // changed. Both empty under every other technique.
    std::optional<vmx::Vmcs> vmcs;
    std::shared_ptr<const vmx::Vmcs> vmcsAtStart;
    std::uint64_t vmExits = 0;
    // The newest VM exit's event, when the trace stored it (it stops storing when full).
    std::optional<Event> lastVmExit;
};

// One line of the disassembly of the loaded program.
struct DisassemblyLine
{
    std::uint64_t address = 0;
    int line = 0;        // source line that produced it
    bool isData = false; // a data directive: shown as bytes
    QByteArray bytes;
    std::optional<Instruction> instruction; // decoded (Full detail) unless data or invalid
};

// The program as the panes show it.
struct ProgramView
{
    QString fileName;
    QString source;
    std::uint64_t loadAddress = 0;
    std::vector<LineMapping> lines; // source line <-> address
    std::vector<DisassemblyLine> disassembly;

    int lineAt(std::uint64_t address) const { return vmwb::lineAt(lines, address); }
    std::optional<std::uint64_t> codeAddressFrom(int line) const
    {
        return vmwb::codeAddressFrom(lines, line);
    }
};

} // namespace vmwb

Q_DECLARE_METATYPE(vmwb::MachineSnapshot)
Q_DECLARE_METATYPE(vmwb::ProgramView)
Q_DECLARE_METATYPE(vmwb::Event)
Q_DECLARE_METATYPE(vmwb::AssemblerDiagnostic)
