#pragma once

// Trap-and-emulate (Popek and Goldberg 1974): the guest kernel runs deprivileged at CPL 3.
// Every privileged instruction faults (#GP) into the monitor, which decodes it and emulates it
// against the virtual CPU. Sensitive but unprivileged instructions (Robin and Irvine 2000) run
// without trapping: POPF cannot change IF, PUSHF shows the real IF, SIDT shows the monitor's
// IDT. The monitor never sees them; the workbench does (it decodes ahead) and records each as a
// "hole".

#include "vmm/Monitor.h"
#include "vmm/Technique.h"

#include <QString>

namespace vmwb {

// Paravirtualization and binary translation build on it: they keep its emulations and change
// how the monitor is entered.
class TrapAndEmulate : public Technique
{
public:
    static const TechniqueInfo &staticInfo();

    const TechniqueInfo &info() const override { return staticInfo(); }
    void start(Monitor &monitor) override;
    bool watches(const Instruction &instruction) const override;
    WatchAction onWatched(Monitor &monitor, const Instruction &instruction) override;
    void onException(Monitor &monitor, const CpuException &exception) override;
    bool guestInterruptFlag(const Monitor &monitor) const override;
    bool deliverInterrupt(Monitor &monitor, std::uint8_t vector) override;
    VirtualCpu guestView(const Monitor &monitor) const override;
    std::uint64_t interruptArrivalCycles(const Monitor &monitor) const override;

    // What the emulation of one privileged instruction did.
    struct Emulation
    {
        enum class Then : std::uint8_t
        {
            Next,        // the guest continues after the instruction
            Jump,        // the guest continues at `target` (IRETQ)
            Repeat,      // the instruction is not finished (a long REP string): run it again
            Halt,        // HLT: wait for an interrupt
            Exit,        // the guest wrote its exit code
            Reflect,     // the instruction faults in the guest too: deliver `vector` to it
            Unsupported, // the monitor cannot emulate this
        };
        Then then = Then::Next;
        std::uint64_t target = 0;
        std::uint8_t vector = 0;
        std::uint32_t errorCode = 0;
        bool reschedule = false; // interrupts may now be deliverable, or the timer moved
        QString effect;          // what the monitor did, in the lecture's words
    };

    // How the monitor was entered for an emulation: the event it records and what it costs.
    enum class Entry : std::uint8_t
    {
        Trap,    // the instruction faulted at CPL 3 (or the workbench raised the fault)
        Callout, // binary translation: the instruction was replaced by a call into the monitor
        Inline,  // binary translation: translated code does the work in place (CR8 accesses on
                 // the virtual TPR), without entering the monitor
    };

protected:
    // Emulates `instruction` against the virtual CPU; Then::Unsupported if this monitor has no
    // emulation for it.
    virtual Emulation emulate(Monitor &monitor, const Instruction &instruction);
    // The monitor has been entered for `instruction`: emulate it, record the event and
    // continue the guest.
    void emulateTrapped(Monitor &monitor, const Instruction &instruction,
                        Entry entry = Entry::Trap);
    // Delivers an exception raised in the guest to the guest's own handler (through its IDT;
    // a paravirtual monitor uses the guest's trap table instead).
    virtual void reflect(Monitor &monitor, const CpuException &exception, std::uint32_t errorCode,
                         bool hasErrorCode);
    // What a delivery through the guest's IDT pushes: the guest's beliefs.
    static FrameView guestFrame(const Monitor &monitor);
    // What the guest's handler sees after a delivery, and what the real CPU keeps.
    static void enterGuestHandler(Monitor &monitor, const Delivery &delivery);
    // Why a sensitive unprivileged instruction is a hole, in the lecture's words.
    static QString holeExplanation(Monitor &monitor, const Instruction &instruction);
    static bool isPortIo(Mnemonic mnemonic);
    // Whether this monitor has an emulation for the privileged instruction.
    static bool emulatesPrivileged(Mnemonic mnemonic);
};

} // namespace vmwb
