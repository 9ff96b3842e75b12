#pragma once

// Which MOV to CR0, CR4 or CR8 the CPU refuses with #GP(0) in 64-bit mode (Intel SDM Vol. 2B,
// "MOV-Move to/from Control Registers", Protected Mode and 64-Bit Mode Exceptions; Vol. 3A, 2.5).
// Both the trap-and-emulate monitor and the native hardware model apply them: Unicorn 2.0.1
// accepts reserved CR0 bits and clearing CR0.PG in 64-bit mode without a fault.

#include "decode/Instruction.h"

#include <QString>
#include <cstdint>
#include <optional>

namespace vmwb {

// Why writing `value` to `reg` faults, given the current CR4; nothing if it is allowed.
std::optional<QString> controlRegisterWriteFault(Register reg, std::uint64_t value,
                                                 std::uint64_t currentCr4);

} // namespace vmwb
