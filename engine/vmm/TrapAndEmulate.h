#pragma once

// Trap-and-emulate (Popek and Goldberg 1974): the guest kernel runs deprivileged at CPL 3.
// Every privileged instruction faults (#GP) into the monitor, which decodes it and emulates it
// against the virtual CPU. Sensitive but unprivileged instructions (Robin and Irvine 2000) run
// without trapping: POPF cannot change IF, PUSHF shows the real IF, SIDT shows the monitor's
// IDT. The monitor never sees them; the workbench does (it decodes ahead) and records each as a
// "hole".

#include "vmm/Technique.h"

#include <QString>

namespace vmwb {

class TrapAndEmulate final : public Technique
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

private:
    // A privileged instruction at `rip` has trapped: emulate it and continue the guest.
    void emulateTrapped(Monitor &monitor, const Instruction &instruction);
    void reflect(Monitor &monitor, const CpuException &exception, std::uint32_t errorCode,
                 bool hasErrorCode);
};

} // namespace vmwb
