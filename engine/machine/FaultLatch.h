#pragma once

// Unicorn 2.0.1's double-fault quirk (Unicorn issue #1883, see ENGINE_FACTS): Unicorn hands every
// exception to the engine's hook instead of delivering it, so QEMU's "exception in flight" latch
// (CPUX86State::old_exception) is never cleared. The next contributory fault (#DE, #TS..#GP) or
// #PF is then reported as a double fault (8), and a third one ends emulation as a triple fault.
//
// The latch lies inside the CPU state that uc_context_save copies. Calibration finds its offset
// once per CPU by provoking two #GP faults in a row; afterwards clear() writes -1 ("no exception
// in flight") back after every fault, which is what a real CPU does once it has delivered one.

#include <QString>
#include <cstddef>
#include <cstdint>

namespace vmwb {

class UnicornCpu;

class FaultLatch
{
public:
    enum class Mode : std::uint8_t
    {
        Workaround, // the quirk is present: clear() resets the latch
        NotNeeded,  // two faults in a row were both reported as #GP: nothing to do
    };

    // Calibrates on a CPU that has not faulted yet. `probeAddress` holds an instruction that
    // raises #GP at CPL 0 and is restartable (the platform's calibration stub). Throws
    // EngineError when the latch cannot be found or the workaround does not hold.
    static FaultLatch calibrate(UnicornCpu &cpu, std::uint64_t probeAddress);

    // Marks "no exception in flight". Call after every fault the engine handles and before every
    // run (a run that was stopped can leave the latch set).
    void clear(UnicornCpu &cpu) const;

    Mode mode() const { return m_mode; }
    std::size_t offset() const { return m_offset; }
    QString describe() const;

private:
    FaultLatch(Mode mode, std::size_t offset) : m_mode(mode), m_offset(offset) {}

    Mode m_mode;
    std::size_t m_offset;
};

} // namespace vmwb
