#pragma once

// Native execution: the guest kernel runs at ring 0 on the bare machine and nothing is
// virtualized. It is the reference for equivalence and cost. The engine plays the hardware
// parts Unicorn leaves out: delivering interrupts and exceptions through the guest's IDT,
// and the devices on I/O ports.

#include "vmm/Technique.h"

namespace vmwb {

class Native : public Technique
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

protected:
    // Delivers an exception through the guest's IDT; `reason` says why the CPU raised it.
    void raise(Monitor &monitor, const CpuException &exception, const QString &reason);
    WatchAction moveToControlRegister(Monitor &monitor, const Instruction &instruction);
    // IN, OUT, INS and OUTS against the engine's devices; `cycles` is what the access costs
    // (the device's, or nothing when a monitor emulates it after an exit).
    WatchAction accessPorts(Monitor &monitor, const Instruction &instruction, std::uint64_t cycles);
};

} // namespace vmwb
