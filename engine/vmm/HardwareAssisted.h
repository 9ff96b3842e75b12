#pragma once

// Hardware-assisted execution (Intel VT-x), modelled: the guest kernel runs at ring 0 in VMX
// non-root operation, and the CPU leaves it for the monitor (a VM exit) exactly where the
// VMCS's controls say real hardware would (Intel SDM Vol. 3, chapter 26 "VMX Non-Root
// Operation"). Unicorn has no VMX: the engine decodes ahead for the instructions that can exit
// (exact code hooks), keeps the VMCS, fills in its exit-information fields, and charges a VM
// exit and entry from the cost preset. Everything that does not exit runs as on bare hardware
// (Native): popf, cli and sti included, which is what makes the POPF demo correct.

#include "vmm/Native.h"
#include "vmx/Vmcs.h"

#include <map>

namespace vmwb {

class HardwareAssisted final : public Native
{
public:
    static const TechniqueInfo &staticInfo();

    // VM-execution controls over the defaults, by vmx::ControlInfo::id. Unknown names are the
    // caller's to refuse (vmx::controlNamed()).
    void setControls(const std::map<QString, bool> &controls);
    // VMCS fields over the defaults and the controls, by the SDM's name (vmx::fieldNamed()).
    void setFields(const std::map<QString, std::uint64_t> &fields);

    const TechniqueInfo &info() const override { return staticInfo(); }
    void start(Monitor &monitor) override;
    bool watches(const Instruction &instruction) const override;
    WatchAction onWatched(Monitor &monitor, const Instruction &instruction) override;
    void onException(Monitor &monitor, const CpuException &exception) override;
    bool deliverInterrupt(Monitor &monitor, std::uint8_t vector) override;
    std::uint64_t interruptArrivalCycles(const Monitor &monitor) const override;
    void interruptRaised(Monitor &monitor, std::uint8_t vector) override;
    void beforeNondeterministic(Monitor &monitor, const Instruction &instruction) override;
    VirtualCpu guestView(const Monitor &monitor) const override;
    const vmx::Vmcs *vmcs() const override { return &m_vmcs; }
    std::unique_ptr<TechniqueState> saveState() const override;
    void restoreState(Monitor &monitor, const TechniqueState *state) override;

    // The VMCS as the run began, and how many exits of each basic reason it has taken.
    const vmx::Vmcs &initialVmcs() const { return m_initial; }
    const std::map<std::uint16_t, std::uint64_t> &exitCounts() const { return m_exitCounts; }

private:
    struct SavedState;
    struct Exit
    {
        std::uint16_t reason = 0;
        std::uint64_t qualification = 0;
        std::uint32_t interruptionInfo = 0; // VM_EXIT_INTR_INFO, 0 = not valid
        std::uint8_t instructionLength = 0;
        std::uint64_t rip = 0;
        std::uint64_t handlerCycles = 0; // the monitor's own work, beyond exit and entry
        QString handled;                 // what the monitor did, in words
    };
    void vmExit(Monitor &monitor, const Exit &exit);
    void saveGuestState(const Monitor &monitor, std::uint64_t rip);
    WatchAction portIo(Monitor &monitor, const Instruction &instruction);
    WatchAction moveToCr(Monitor &monitor, const Instruction &instruction);
    WatchAction moveFromCr(Monitor &monitor, const Instruction &instruction);
    WatchAction msr(Monitor &monitor, const Instruction &instruction);
    WatchAction cltsOrLmsw(Monitor &monitor, const Instruction &instruction);

    vmx::Vmcs m_vmcs = vmx::Vmcs::defaults();
    vmx::Vmcs m_initial = m_vmcs;
    std::map<QString, bool> m_controls;
    std::map<QString, std::uint64_t> m_fields;
    std::map<std::uint16_t, std::uint64_t> m_exitCounts;
    bool m_windowOpened = false; // interrupt-window exiting was set for a pending interrupt
};

} // namespace vmwb
