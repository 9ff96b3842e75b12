#pragma once

// Reading and writing instruction operands against the machine, for emulation.

#include "decode/Instruction.h"

#include <cstdint>

namespace vmwb {

class Machine;
class UnicornCpu;

constexpr std::uint64_t widthMask(unsigned bits)
{
    return bits >= 64 ? ~0ULL : (1ULL << bits) - 1;
}

// A general register operand's value (al, ah, ax, eax, rax ...).
std::uint64_t readRegister(const UnicornCpu &cpu, const RegisterOperand &operand);
// Writes like the CPU: 32-bit writes zero the upper half, 8- and 16-bit writes merge.
void writeRegister(UnicornCpu &cpu, const RegisterOperand &operand, std::uint64_t value);
// segment:[base + index * scale + displacement] as a linear address (FS and GS add their
// bases; the others are flat in 64-bit mode, SDM Vol. 3A, 3.4.4).
std::uint64_t effectiveAddress(const Machine &machine, const Instruction &instruction,
                               const MemoryOperand &operand);

} // namespace vmwb
