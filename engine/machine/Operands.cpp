#include "machine/Operands.h"

#include "machine/Machine.h"

namespace vmwb {

namespace {
constexpr std::uint32_t kFsBaseMsr = 0xC0000100;
constexpr std::uint32_t kGsBaseMsr = 0xC0000101;
} // namespace

std::uint64_t readRegister(const UnicornCpu &cpu, const RegisterOperand &operand)
{
    const std::uint64_t value = cpu.read(operand.reg);
    if (operand.highByte)
        return (value >> 8) & 0xFF;
    return value & widthMask(operand.widthBits);
}

void writeRegister(UnicornCpu &cpu, const RegisterOperand &operand, std::uint64_t value)
{
    if (!isGeneralRegister(operand.reg) || operand.widthBits == 64 || operand.widthBits == 0) {
        cpu.write(operand.reg, value);
        return;
    }
    if (operand.widthBits == 32) {
        cpu.write(operand.reg, value & 0xFFFF'FFFFULL);
        return;
    }
    const std::uint64_t old = cpu.read(operand.reg);
    if (operand.highByte) {
        cpu.write(operand.reg, (old & ~0xFF00ULL) | ((value & 0xFF) << 8));
        return;
    }
    const std::uint64_t mask = widthMask(operand.widthBits);
    cpu.write(operand.reg, (old & ~mask) | (value & mask));
}

std::uint64_t effectiveAddress(const Machine &machine, const Instruction &instruction,
                               const MemoryOperand &operand)
{
    const UnicornCpu &cpu = machine.cpu();
    std::uint64_t address = static_cast<std::uint64_t>(operand.displacement);
    if (operand.base == Register::Rip)
        address += instruction.nextAddress();
    else if (operand.base != Register::None)
        address += cpu.read(operand.base);
    if (operand.index != Register::None)
        address += cpu.read(operand.index) * operand.scale;
    if (instruction.addressSizeBits == 32)
        address &= 0xFFFF'FFFFULL;
    if (operand.segment == Register::Fs)
        address += cpu.readMsr(kFsBaseMsr);
    else if (operand.segment == Register::Gs)
        address += cpu.readMsr(kGsBaseMsr);
    return address;
}

} // namespace vmwb
