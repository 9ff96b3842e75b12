#pragma once

// What the workbench knows about one decoded x86-64 instruction: length, mnemonic, operands,
// the RFLAGS bits it reads and writes, its tokens for display, and its sensitivity class.
// Nothing here depends on Zydis: the decoder fills these plain structs.

#include <QString>
#include <array>
#include <cstdint>
#include <optional>
#include <vector>

namespace vmwb {

// Registers the engine reasons about. The 16 general registers come first, in their encoding
// order (SDM Vol. 2A, Table 2-2), so `static_cast<int>(r) - 1` is the register number.
enum class Register : std::uint8_t
{
    None,
    Rax,
    Rcx,
    Rdx,
    Rbx,
    Rsp,
    Rbp,
    Rsi,
    Rdi,
    R8,
    R9,
    R10,
    R11,
    R12,
    R13,
    R14,
    R15,
    Rip,
    Es,
    Cs,
    Ss,
    Ds,
    Fs,
    Gs,
    Cr0,
    Cr2,
    Cr3,
    Cr4,
    Cr8,
    Dr0,
    Dr1,
    Dr2,
    Dr3,
    Dr6,
    Dr7,
    Other, // any register the engine does not need to name (x87, SSE, mask, ...)
};

constexpr bool isGeneralRegister(Register r)
{
    return r >= Register::Rax && r <= Register::R15;
}
constexpr int generalRegisterNumber(Register r)
{
    return static_cast<int>(r) - static_cast<int>(Register::Rax);
}
constexpr bool isSegmentRegister(Register r)
{
    return r >= Register::Es && r <= Register::Gs;
}
constexpr bool isControlRegister(Register r)
{
    return r >= Register::Cr0 && r <= Register::Cr8;
}
constexpr bool isDebugRegister(Register r)
{
    return r >= Register::Dr0 && r <= Register::Dr7;
}

// The mnemonics the engine treats specially; every other instruction is `Other`.
// Variants that differ only in operand size (pushf/pushfd/pushfq, iret/iretd/iretq, ...) share
// one value; `Instruction::operandSizeBits` tells them apart.
enum class Mnemonic : std::uint8_t
{
    Other,
    Cli,
    Sti,
    Hlt,
    Pushf,
    Popf,
    Lgdt,
    Lidt,
    Lldt,
    Ltr,
    Sgdt,
    Sidt,
    Sldt,
    Str,
    Smsw,
    Lmsw,
    Clts,
    Lar,
    Lsl,
    Verr,
    Verw,
    MovToCr,
    MovFromCr,
    MovToDr,
    MovFromDr,
    MovToSeg,
    MovFromSeg,
    PushSeg,
    PopSeg,
    Iret,
    In,
    Out,
    Ins,
    Outs,
    Rdmsr,
    Wrmsr,
    Rdtsc,
    Rdtscp,
    Rdpmc,
    Rdrand,
    Rdseed,
    Cpuid,
    Invlpg,
    Invd,
    Wbinvd,
    Int,
    Int3,
    Int1,
    Into,
    Syscall,
    Sysret,
    Sysenter,
    Sysexit,
    Swapgs,
    CallFar,
    JmpFar,
    RetFar,
    Vmcall,
    Xsetbv,
    Monitor,
    Mwait,
    Ud,
};

// Popek and Goldberg's classes, with x86's third kind (Robin and Irvine 2000).
enum class Sensitivity : std::uint8_t
{
    Innocuous,             // same effect at every privilege level
    Privileged,            // faults (#GP, or #UD where noted) when executed at CPL 3
    SensitiveUnprivileged, // reads or depends on privileged state, but does not trap at CPL 3
};

enum class OperandKind : std::uint8_t
{
    Register,
    Memory,
    Immediate,
    Pointer
};

struct RegisterOperand
{
    Register reg = Register::None; // the full register (al, ax, eax and rax are all Rax)
    std::uint8_t widthBits = 0;    // 8, 16, 32 or 64 for general registers
    bool highByte = false;         // ah, ch, dh, bh
};

// A memory operand's effective address: segment:[base + index * scale + displacement].
// With base == Register::Rip the displacement is relative to the next instruction.
struct MemoryOperand
{
    Register segment = Register::None;
    Register base = Register::None;
    Register index = Register::None;
    std::uint8_t scale = 0; // 0 when there is no index
    std::int64_t displacement = 0;
};

struct Operand
{
    OperandKind kind = OperandKind::Register;
    bool read = false;
    bool written = false;
    std::uint16_t sizeBits = 0;   // size of the value the operand reads or writes
    RegisterOperand reg;          // kind == Register
    MemoryOperand mem;            // kind == Memory
    std::uint64_t immediate = 0;  // kind == Immediate (sign-extended to 64 bits if signed)
    std::uint16_t farSegment = 0; // kind == Pointer: segment of a far pointer
    std::uint64_t farOffset = 0;  // kind == Pointer: offset of a far pointer
};

// Token kinds of the formatted text, so views can colour without parsing strings.
enum class TokenKind : std::uint8_t
{
    Whitespace,
    Delimiter,
    ParenthesisOpen,
    ParenthesisClose,
    Prefix,
    Mnemonic,
    Register,
    AddressAbsolute,
    AddressRelative,
    Displacement,
    Immediate,
    TypeCast,
    Decorator,
    Symbol,
    Other,
};

struct Token
{
    TokenKind kind = TokenKind::Other;
    QString text;
};

struct Instruction
{
    std::uint64_t address = 0;
    std::uint8_t length = 0; // 1..15
    std::array<std::uint8_t, 15> bytes{};

    Mnemonic mnemonic = Mnemonic::Other;
    QString mnemonicText; // lower case, as formatted: "popfq", "mov", "rep outsb" -> "outsb"
    std::uint16_t operandSizeBits = 0;
    std::uint8_t addressSizeBits = 0;
    bool hasRepPrefix = false; // rep/repe/repne
    bool hasLockPrefix = false;

    std::vector<Operand> operands; // explicit (visible) operands only, in Intel order

    // RFLAGS bits (positions as in the register, SDM Vol. 1, 3.4.3) the instruction tests, and
    // those it writes (modified, set to 0, set to 1 or left undefined).
    std::uint32_t flagsRead = 0;
    std::uint32_t flagsWritten = 0;

    bool isBranch = false;  // changes RIP other than by falling through (jcc, jmp, call, ret,
                            // loop, int, iret, syscall, sysret, ...)
    bool endsBlock = false; // isBranch, or hlt / ud: the CPU does not fall through
    // Whether execution may continue at nextAddress(): true for everything but unconditional
    // jumps, returns, hlt and ud (calls and software interrupts come back).
    bool fallsThrough = true;
    // The target of a direct (relative) jump, call or conditional branch.
    std::optional<std::uint64_t> branchTarget;

    Sensitivity sensitivity = Sensitivity::Innocuous;

    // Only filled by Decoder::Detail::Full.
    QString text;              // Intel syntax, e.g. "mov rax, cr0"
    std::vector<Token> tokens; // the same text, as typed tokens

    std::uint64_t nextAddress() const { return address + length; }
};

} // namespace vmwb
