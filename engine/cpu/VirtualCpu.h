#pragma once

// What the guest kernel believes its CPU is. Under trap-and-emulate the kernel runs at CPL 3,
// so the real CPU's IF, IOPL, CPL, control registers and descriptor-table registers belong to
// the monitor; the monitor keeps the guest's versions here and emulates privileged
// instructions against them. For native execution the engine fills it from the real CPU.

#include "machine/UnicornCpu.h"

#include <array>
#include <bitset>
#include <cstdint>
#include <map>
#include <optional>

namespace vmwb {

// Interrupt vectors raised but not yet delivered (an interrupt request register: one bit per
// vector, so a second request for a pending vector is lost, as with the local APIC's IRR).
class PendingInterrupts
{
public:
    // Returns false if the vector was already pending (the new request merges with it).
    bool raise(std::uint8_t vector);
    void clear(std::uint8_t vector) { m_bits.reset(vector); }
    bool any() const { return m_bits.any(); }
    bool isPending(std::uint8_t vector) const { return m_bits.test(vector); }
    std::size_t count() const { return m_bits.count(); }
    // The vector to deliver first: the highest one (the APIC's priority is vector / 16).
    std::optional<std::uint8_t> highest() const;

private:
    std::bitset<256> m_bits;
};

struct VirtualCpu
{
    bool interruptFlag = false;
    unsigned iopl = 0;
    unsigned cpl = 0;
    std::uint64_t cr0 = 0;
    std::uint64_t cr2 = 0;
    std::uint64_t cr3 = 0;
    std::uint64_t cr4 = 0;
    std::uint64_t cr8 = 0;
    TableRegister idtr;
    TableRegister gdtr;
    std::uint16_t ldtr = 0;
    std::uint16_t tr = 0;
    std::uint16_t cs = 0; // the selectors the guest believes it runs with
    std::uint16_t ss = 0;
    std::uint16_t ds = 0;
    std::uint16_t es = 0;
    std::array<std::uint64_t, 8> dr{}; // DR0..DR7 (DR4/DR5 alias DR6/DR7)
    std::map<std::uint32_t, std::uint64_t> msrs;
    bool halted = false;
};

} // namespace vmwb
