#include "decode/Decoder.h"

#include "decode/Sensitivity.h"
#include "hw/Rflags.h"

#include <Zydis/Zydis.h>
#include <algorithm>
#include <array>
#include <cstddef>
#include <limits>

namespace vmwb {
namespace {

// Zydis 4.0 reports every flag at its RFLAGS position except IOPL: the two-bit field is
// reported as bit 12 alone (ZYDIS_CPUFLAG_IOPL), so the translation widens it to both bits.
constexpr std::uint32_t mask(std::uint64_t bits)
{
    return static_cast<std::uint32_t>(bits);
}

struct FlagTranslation
{
    ZydisAccessedFlagsMask zydis;
    std::uint32_t rflags;
};

constexpr std::array kFlagTranslations{
    FlagTranslation{ZYDIS_CPUFLAG_CF, mask(rflags::kCF)},
    FlagTranslation{ZYDIS_CPUFLAG_PF, mask(rflags::kPF)},
    FlagTranslation{ZYDIS_CPUFLAG_AF, mask(rflags::kAF)},
    FlagTranslation{ZYDIS_CPUFLAG_ZF, mask(rflags::kZF)},
    FlagTranslation{ZYDIS_CPUFLAG_SF, mask(rflags::kSF)},
    FlagTranslation{ZYDIS_CPUFLAG_TF, mask(rflags::kTF)},
    FlagTranslation{ZYDIS_CPUFLAG_IF, mask(rflags::kIF)},
    FlagTranslation{ZYDIS_CPUFLAG_DF, mask(rflags::kDF)},
    FlagTranslation{ZYDIS_CPUFLAG_OF, mask(rflags::kOF)},
    FlagTranslation{ZYDIS_CPUFLAG_IOPL, mask(rflags::kIoplMask)},
    FlagTranslation{ZYDIS_CPUFLAG_NT, mask(rflags::kNT)},
    FlagTranslation{ZYDIS_CPUFLAG_RF, mask(rflags::kRF)},
    FlagTranslation{ZYDIS_CPUFLAG_VM, mask(rflags::kVM)},
    FlagTranslation{ZYDIS_CPUFLAG_AC, mask(rflags::kAC)},
    FlagTranslation{ZYDIS_CPUFLAG_VIF, mask(rflags::kVIF)},
    FlagTranslation{ZYDIS_CPUFLAG_VIP, mask(rflags::kVIP)},
    FlagTranslation{ZYDIS_CPUFLAG_ID, mask(rflags::kID)},
};

constexpr std::uint32_t toRflags(ZydisAccessedFlagsMask mask)
{
    std::uint32_t result = 0;
    for (const FlagTranslation &flag : kFlagTranslations) {
        if ((mask & flag.zydis) != 0)
            result |= flag.rflags;
    }
    return result;
}

static_assert(toRflags(ZYDIS_CPUFLAG_IOPL) == mask(rflags::kIoplMask));
static_assert(toRflags(ZYDIS_CPUFLAG_CF | ZYDIS_CPUFLAG_IF | ZYDIS_CPUFLAG_ID) ==
              mask(rflags::kCF | rflags::kIF | rflags::kID));

// Zydis names that map one to one onto the engine's mnemonics. MOV, PUSH, POP, CALL, JMP and
// RET depend on their operands and are classified in classify().
struct MnemonicTranslation
{
    ZydisMnemonic zydis;
    Mnemonic mnemonic;
};

constexpr std::array kMnemonicTranslations{
    MnemonicTranslation{ZYDIS_MNEMONIC_CLI, Mnemonic::Cli},
    MnemonicTranslation{ZYDIS_MNEMONIC_STI, Mnemonic::Sti},
    MnemonicTranslation{ZYDIS_MNEMONIC_HLT, Mnemonic::Hlt},
    MnemonicTranslation{ZYDIS_MNEMONIC_PUSHF, Mnemonic::Pushf},
    MnemonicTranslation{ZYDIS_MNEMONIC_PUSHFD, Mnemonic::Pushf},
    MnemonicTranslation{ZYDIS_MNEMONIC_PUSHFQ, Mnemonic::Pushf},
    MnemonicTranslation{ZYDIS_MNEMONIC_POPF, Mnemonic::Popf},
    MnemonicTranslation{ZYDIS_MNEMONIC_POPFD, Mnemonic::Popf},
    MnemonicTranslation{ZYDIS_MNEMONIC_POPFQ, Mnemonic::Popf},
    MnemonicTranslation{ZYDIS_MNEMONIC_LGDT, Mnemonic::Lgdt},
    MnemonicTranslation{ZYDIS_MNEMONIC_LIDT, Mnemonic::Lidt},
    MnemonicTranslation{ZYDIS_MNEMONIC_LLDT, Mnemonic::Lldt},
    MnemonicTranslation{ZYDIS_MNEMONIC_LTR, Mnemonic::Ltr},
    MnemonicTranslation{ZYDIS_MNEMONIC_SGDT, Mnemonic::Sgdt},
    MnemonicTranslation{ZYDIS_MNEMONIC_SIDT, Mnemonic::Sidt},
    MnemonicTranslation{ZYDIS_MNEMONIC_SLDT, Mnemonic::Sldt},
    MnemonicTranslation{ZYDIS_MNEMONIC_STR, Mnemonic::Str},
    MnemonicTranslation{ZYDIS_MNEMONIC_SMSW, Mnemonic::Smsw},
    MnemonicTranslation{ZYDIS_MNEMONIC_LMSW, Mnemonic::Lmsw},
    MnemonicTranslation{ZYDIS_MNEMONIC_CLTS, Mnemonic::Clts},
    MnemonicTranslation{ZYDIS_MNEMONIC_LAR, Mnemonic::Lar},
    MnemonicTranslation{ZYDIS_MNEMONIC_LSL, Mnemonic::Lsl},
    MnemonicTranslation{ZYDIS_MNEMONIC_VERR, Mnemonic::Verr},
    MnemonicTranslation{ZYDIS_MNEMONIC_VERW, Mnemonic::Verw},
    MnemonicTranslation{ZYDIS_MNEMONIC_IRET, Mnemonic::Iret},
    MnemonicTranslation{ZYDIS_MNEMONIC_IRETD, Mnemonic::Iret},
    MnemonicTranslation{ZYDIS_MNEMONIC_IRETQ, Mnemonic::Iret},
    MnemonicTranslation{ZYDIS_MNEMONIC_IN, Mnemonic::In},
    MnemonicTranslation{ZYDIS_MNEMONIC_OUT, Mnemonic::Out},
    MnemonicTranslation{ZYDIS_MNEMONIC_INSB, Mnemonic::Ins},
    MnemonicTranslation{ZYDIS_MNEMONIC_INSW, Mnemonic::Ins},
    MnemonicTranslation{ZYDIS_MNEMONIC_INSD, Mnemonic::Ins},
    MnemonicTranslation{ZYDIS_MNEMONIC_OUTSB, Mnemonic::Outs},
    MnemonicTranslation{ZYDIS_MNEMONIC_OUTSW, Mnemonic::Outs},
    MnemonicTranslation{ZYDIS_MNEMONIC_OUTSD, Mnemonic::Outs},
    MnemonicTranslation{ZYDIS_MNEMONIC_RDMSR, Mnemonic::Rdmsr},
    MnemonicTranslation{ZYDIS_MNEMONIC_WRMSR, Mnemonic::Wrmsr},
    MnemonicTranslation{ZYDIS_MNEMONIC_RDTSC, Mnemonic::Rdtsc},
    MnemonicTranslation{ZYDIS_MNEMONIC_RDTSCP, Mnemonic::Rdtscp},
    MnemonicTranslation{ZYDIS_MNEMONIC_RDPMC, Mnemonic::Rdpmc},
    MnemonicTranslation{ZYDIS_MNEMONIC_RDRAND, Mnemonic::Rdrand},
    MnemonicTranslation{ZYDIS_MNEMONIC_RDSEED, Mnemonic::Rdseed},
    MnemonicTranslation{ZYDIS_MNEMONIC_CPUID, Mnemonic::Cpuid},
    MnemonicTranslation{ZYDIS_MNEMONIC_INVLPG, Mnemonic::Invlpg},
    MnemonicTranslation{ZYDIS_MNEMONIC_INVD, Mnemonic::Invd},
    MnemonicTranslation{ZYDIS_MNEMONIC_WBINVD, Mnemonic::Wbinvd},
    MnemonicTranslation{ZYDIS_MNEMONIC_INT, Mnemonic::Int},
    MnemonicTranslation{ZYDIS_MNEMONIC_INT3, Mnemonic::Int3},
    MnemonicTranslation{ZYDIS_MNEMONIC_INT1, Mnemonic::Int1},
    MnemonicTranslation{ZYDIS_MNEMONIC_INTO, Mnemonic::Into},
    MnemonicTranslation{ZYDIS_MNEMONIC_SYSCALL, Mnemonic::Syscall},
    MnemonicTranslation{ZYDIS_MNEMONIC_SYSRET, Mnemonic::Sysret},
    MnemonicTranslation{ZYDIS_MNEMONIC_SYSENTER, Mnemonic::Sysenter},
    MnemonicTranslation{ZYDIS_MNEMONIC_SYSEXIT, Mnemonic::Sysexit},
    MnemonicTranslation{ZYDIS_MNEMONIC_SWAPGS, Mnemonic::Swapgs},
    MnemonicTranslation{ZYDIS_MNEMONIC_VMCALL, Mnemonic::Vmcall},
    MnemonicTranslation{ZYDIS_MNEMONIC_XSETBV, Mnemonic::Xsetbv},
    MnemonicTranslation{ZYDIS_MNEMONIC_MONITOR, Mnemonic::Monitor},
    MnemonicTranslation{ZYDIS_MNEMONIC_MWAIT, Mnemonic::Mwait},
    MnemonicTranslation{ZYDIS_MNEMONIC_UD0, Mnemonic::Ud},
    MnemonicTranslation{ZYDIS_MNEMONIC_UD1, Mnemonic::Ud},
    MnemonicTranslation{ZYDIS_MNEMONIC_UD2, Mnemonic::Ud},
};

constexpr auto kMnemonicByZydis = [] {
    std::array<Mnemonic, ZYDIS_MNEMONIC_MAX_VALUE + 1> table{}; // all Mnemonic::Other
    for (const MnemonicTranslation &translation : kMnemonicTranslations)
        table[static_cast<std::size_t>(translation.zydis)] = translation.mnemonic;
    return table;
}();

// MOV to or from a control, debug or segment register is its own instruction to the CPU
// (SDM Vol. 2B, "MOV—Move to/from Control Registers", "MOV—Move to/from Debug Registers",
// "MOV—Move"); Zydis calls all of them MOV.
struct MovForm
{
    ZydisRegisterClass registerClass;
    Mnemonic to;
    Mnemonic from;
};

constexpr std::array kMovForms{
    MovForm{ZYDIS_REGCLASS_CONTROL, Mnemonic::MovToCr, Mnemonic::MovFromCr},
    MovForm{ZYDIS_REGCLASS_DEBUG, Mnemonic::MovToDr, Mnemonic::MovFromDr},
    MovForm{ZYDIS_REGCLASS_SEGMENT, Mnemonic::MovToSeg, Mnemonic::MovFromSeg},
};

// Instructions that become a different engine mnemonic for one operand shape: PUSH and POP of
// a segment register, and CALL, JMP and RET through a far pointer.
struct OperandForm
{
    ZydisMnemonic zydis;
    Mnemonic mnemonic;
};

constexpr std::array kSegmentStackForms{
    OperandForm{ZYDIS_MNEMONIC_PUSH, Mnemonic::PushSeg},
    OperandForm{ZYDIS_MNEMONIC_POP, Mnemonic::PopSeg},
};

constexpr std::array kFarForms{
    OperandForm{ZYDIS_MNEMONIC_CALL, Mnemonic::CallFar},
    OperandForm{ZYDIS_MNEMONIC_JMP, Mnemonic::JmpFar},
    OperandForm{ZYDIS_MNEMONIC_RET, Mnemonic::RetFar},
};

// Zydis registers that the engine names, as runs of consecutive Zydis values that map onto
// consecutive vmwb::Register values. Everything else is Register::Other.
struct RegisterRun
{
    ZydisRegister first;
    ZydisRegister last;
    Register full;     // the register `first` is part of
    Register fullLast; // the register `last` is part of
    std::uint8_t widthBits;
    bool highByte;
};

constexpr std::array kRegisterRuns{
    RegisterRun{ZYDIS_REGISTER_AL, ZYDIS_REGISTER_BL, Register::Rax, Register::Rbx, 8, false},
    RegisterRun{ZYDIS_REGISTER_AH, ZYDIS_REGISTER_BH, Register::Rax, Register::Rbx, 8, true},
    RegisterRun{ZYDIS_REGISTER_SPL, ZYDIS_REGISTER_R15B, Register::Rsp, Register::R15, 8, false},
    RegisterRun{ZYDIS_REGISTER_AX, ZYDIS_REGISTER_R15W, Register::Rax, Register::R15, 16, false},
    RegisterRun{ZYDIS_REGISTER_EAX, ZYDIS_REGISTER_R15D, Register::Rax, Register::R15, 32, false},
    RegisterRun{ZYDIS_REGISTER_RAX, ZYDIS_REGISTER_R15, Register::Rax, Register::R15, 64, false},
    RegisterRun{ZYDIS_REGISTER_IP, ZYDIS_REGISTER_IP, Register::Rip, Register::Rip, 16, false},
    RegisterRun{ZYDIS_REGISTER_EIP, ZYDIS_REGISTER_EIP, Register::Rip, Register::Rip, 32, false},
    RegisterRun{ZYDIS_REGISTER_RIP, ZYDIS_REGISTER_RIP, Register::Rip, Register::Rip, 64, false},
    RegisterRun{ZYDIS_REGISTER_ES, ZYDIS_REGISTER_GS, Register::Es, Register::Gs, 16, false},
    RegisterRun{ZYDIS_REGISTER_CR0, ZYDIS_REGISTER_CR0, Register::Cr0, Register::Cr0, 64, false},
    RegisterRun{ZYDIS_REGISTER_CR2, ZYDIS_REGISTER_CR4, Register::Cr2, Register::Cr4, 64, false},
    RegisterRun{ZYDIS_REGISTER_CR8, ZYDIS_REGISTER_CR8, Register::Cr8, Register::Cr8, 64, false},
    RegisterRun{ZYDIS_REGISTER_DR0, ZYDIS_REGISTER_DR3, Register::Dr0, Register::Dr3, 64, false},
    RegisterRun{ZYDIS_REGISTER_DR6, ZYDIS_REGISTER_DR7, Register::Dr6, Register::Dr7, 64, false},
};

// Each run must be equally long on both sides, or the table below would name wrong registers.
constexpr bool runsMatchBothEnums()
{
    for (const RegisterRun &run : kRegisterRuns) {
        const int zydisLength = static_cast<int>(run.last) - static_cast<int>(run.first);
        const int ourLength = static_cast<int>(run.fullLast) - static_cast<int>(run.full);
        if (zydisLength != ourLength || zydisLength < 0)
            return false;
    }
    return true;
}
static_assert(runsMatchBothEnums(), "a register run has different lengths in Zydis and vmwb");

constexpr auto kRegisterByZydis = [] {
    std::array<RegisterOperand, ZYDIS_REGISTER_MAX_VALUE + 1> table{};
    for (std::size_t i = 1; i < table.size(); ++i)
        table[i].reg = Register::Other;
    for (const RegisterRun &run : kRegisterRuns) {
        for (int r = run.first; r <= run.last; ++r) {
            RegisterOperand &entry = table[static_cast<std::size_t>(r)];
            entry.reg = static_cast<Register>(static_cast<int>(run.full) + (r - run.first));
            entry.widthBits = run.widthBits;
            entry.highByte = run.highByte;
        }
    }
    return table;
}();

// Categories whose instructions change RIP other than by falling through: jumps, calls,
// returns (including IRET), software interrupts and the fast system calls and returns. Zydis
// also files XBEGIN, XEND, XABORT (transactional aborts jump) and RSM here.
constexpr std::array kBranchCategories{
    ZYDIS_CATEGORY_COND_BR,   ZYDIS_CATEGORY_UNCOND_BR, ZYDIS_CATEGORY_CALL,   ZYDIS_CATEGORY_RET,
    ZYDIS_CATEGORY_INTERRUPT, ZYDIS_CATEGORY_SYSCALL,   ZYDIS_CATEGORY_SYSRET,
};

// Instructions after which the CPU does not fall through although they are not branches.
constexpr std::array kStopMnemonics{Mnemonic::Hlt, Mnemonic::Ud};

struct TokenTranslation
{
    ZydisTokenType zydis;
    TokenKind kind;
};

constexpr std::array kTokenTranslations{
    TokenTranslation{ZYDIS_TOKEN_WHITESPACE, TokenKind::Whitespace},
    TokenTranslation{ZYDIS_TOKEN_DELIMITER, TokenKind::Delimiter},
    TokenTranslation{ZYDIS_TOKEN_PARENTHESIS_OPEN, TokenKind::ParenthesisOpen},
    TokenTranslation{ZYDIS_TOKEN_PARENTHESIS_CLOSE, TokenKind::ParenthesisClose},
    TokenTranslation{ZYDIS_TOKEN_PREFIX, TokenKind::Prefix},
    TokenTranslation{ZYDIS_TOKEN_MNEMONIC, TokenKind::Mnemonic},
    TokenTranslation{ZYDIS_TOKEN_REGISTER, TokenKind::Register},
    TokenTranslation{ZYDIS_TOKEN_ADDRESS_ABS, TokenKind::AddressAbsolute},
    TokenTranslation{ZYDIS_TOKEN_ADDRESS_REL, TokenKind::AddressRelative},
    TokenTranslation{ZYDIS_TOKEN_DISPLACEMENT, TokenKind::Displacement},
    TokenTranslation{ZYDIS_TOKEN_IMMEDIATE, TokenKind::Immediate},
    TokenTranslation{ZYDIS_TOKEN_TYPECAST, TokenKind::TypeCast},
    TokenTranslation{ZYDIS_TOKEN_DECORATOR, TokenKind::Decorator},
    TokenTranslation{ZYDIS_TOKEN_SYMBOL, TokenKind::Symbol},
};

// Formatted Intel text is far shorter than this; the token buffer also holds a small header
// per token.
constexpr std::size_t kTextBufferSize = 256;
constexpr std::size_t kTokenBufferSize = 1024;

RegisterOperand toRegister(ZydisRegister zydis)
{
    const auto index = static_cast<std::size_t>(zydis);
    if (index >= kRegisterByZydis.size())
        return {Register::Other, 0, false};
    RegisterOperand result = kRegisterByZydis[index];
    if (result.reg == Register::Other) {
        // Vector and tile registers are wider than widthBits can hold; Operand::sizeBits has
        // their size.
        const ZydisRegisterWidth width = ZydisRegisterGetWidth(ZYDIS_MACHINE_MODE_LONG_64, zydis);
        if (width <= std::numeric_limits<std::uint8_t>::max())
            result.widthBits = static_cast<std::uint8_t>(width);
    }
    return result;
}

ZydisRegisterClass registerClassOf(const ZydisDecodedOperand &operand)
{
    if (operand.type != ZYDIS_OPERAND_TYPE_REGISTER)
        return ZYDIS_REGCLASS_INVALID;
    return ZydisRegisterGetClass(operand.reg.value);
}

Operand toOperand(const ZydisDecodedOperand &zydis)
{
    Operand operand;
    operand.read = (zydis.actions & ZYDIS_OPERAND_ACTION_MASK_READ) != 0;
    operand.written = (zydis.actions & ZYDIS_OPERAND_ACTION_MASK_WRITE) != 0;
    operand.sizeBits = zydis.size;
    switch (zydis.type) {
    case ZYDIS_OPERAND_TYPE_REGISTER:
        operand.kind = OperandKind::Register;
        operand.reg = toRegister(zydis.reg.value);
        break;
    case ZYDIS_OPERAND_TYPE_MEMORY:
        operand.kind = OperandKind::Memory;
        operand.mem.segment = toRegister(zydis.mem.segment).reg;
        operand.mem.base = toRegister(zydis.mem.base).reg;
        operand.mem.index = toRegister(zydis.mem.index).reg;
        operand.mem.scale = operand.mem.index == Register::None ? 0 : zydis.mem.scale;
        operand.mem.displacement = zydis.mem.disp.value;
        break;
    case ZYDIS_OPERAND_TYPE_IMMEDIATE:
        operand.kind = OperandKind::Immediate;
        // Zydis stores a signed immediate already sign-extended to 64 bits.
        operand.immediate =
            zydis.imm.is_signed ? static_cast<std::uint64_t>(zydis.imm.value.s) : zydis.imm.value.u;
        break;
    case ZYDIS_OPERAND_TYPE_POINTER:
        operand.kind = OperandKind::Pointer;
        operand.farSegment = zydis.ptr.segment;
        operand.farOffset = zydis.ptr.offset;
        break;
    default:
        break;
    }
    return operand;
}

// The operands Intel syntax prints, in its order. Zydis marks some of them implicit rather
// than explicit (AL and DX in `in al, dx`, FS in `push fs`, EAX in `and eax, imm32`); they
// are part of the instruction as written, so they are kept.
std::span<const ZydisDecodedOperand> visibleOperands(const ZydisDecodedInstruction &instruction,
                                                     const ZydisDecodedOperand *operands)
{
    return {operands, instruction.operand_count_visible};
}

Mnemonic classify(const ZydisDecodedInstruction &instruction,
                  std::span<const ZydisDecodedOperand> operands)
{
    if (instruction.meta.branch_type == ZYDIS_BRANCH_TYPE_FAR) {
        for (const OperandForm &form : kFarForms) {
            if (form.zydis == instruction.mnemonic)
                return form.mnemonic;
        }
    }
    if (instruction.mnemonic == ZYDIS_MNEMONIC_MOV && operands.size() >= 2) {
        for (const MovForm &form : kMovForms) {
            if (registerClassOf(operands[0]) == form.registerClass)
                return form.to;
            if (registerClassOf(operands[1]) == form.registerClass)
                return form.from;
        }
    }
    if (!operands.empty() && registerClassOf(operands[0]) == ZYDIS_REGCLASS_SEGMENT) {
        for (const OperandForm &form : kSegmentStackForms) {
            if (form.zydis == instruction.mnemonic)
                return form.mnemonic;
        }
    }
    return kMnemonicByZydis[static_cast<std::size_t>(instruction.mnemonic)];
}

// The mnemonic as the Intel formatter prints it: Zydis adds " far" for far branches.
QString mnemonicTextOf(const ZydisDecodedInstruction &instruction)
{
    QString text = QString::fromLatin1(ZydisMnemonicGetString(instruction.mnemonic));
    if (instruction.meta.branch_type == ZYDIS_BRANCH_TYPE_FAR)
        text += QLatin1String(" far");
    return text.toLower();
}

bool isBranchInstruction(const ZydisDecodedInstruction &instruction)
{
    return instruction.meta.branch_type != ZYDIS_BRANCH_TYPE_NONE ||
           std::find(kBranchCategories.begin(), kBranchCategories.end(),
                     instruction.meta.category) != kBranchCategories.end();
}

TokenKind toTokenKind(ZydisTokenType type)
{
    for (const TokenTranslation &translation : kTokenTranslations) {
        if (translation.zydis == type)
            return translation.kind;
    }
    return TokenKind::Other;
}

} // namespace

struct Decoder::Impl
{
    ZydisDecoder decoder{};
    ZydisFormatter formatter{};
    bool ready = false;

    Impl()
    {
        ready =
            ZYAN_SUCCESS(
                ZydisDecoderInit(&decoder, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64)) &&
            ZYAN_SUCCESS(ZydisFormatterInit(&formatter, ZYDIS_FORMATTER_STYLE_INTEL)) &&
            // Read like the NASM source beside it: lower-case hex, no zero padding, negative
            // immediates as negative numbers.
            ZYAN_SUCCESS(ZydisFormatterSetProperty(&formatter, ZYDIS_FORMATTER_PROP_HEX_UPPERCASE,
                                                   ZYAN_FALSE)) &&
            ZYAN_SUCCESS(ZydisFormatterSetProperty(
                &formatter, ZYDIS_FORMATTER_PROP_ADDR_PADDING_ABSOLUTE, ZYDIS_PADDING_DISABLED)) &&
            ZYAN_SUCCESS(ZydisFormatterSetProperty(&formatter, ZYDIS_FORMATTER_PROP_IMM_SIGNEDNESS,
                                                   ZYDIS_SIGNEDNESS_AUTO)) &&
            ZYAN_SUCCESS(ZydisFormatterSetProperty(&formatter, ZYDIS_FORMATTER_PROP_DISP_PADDING,
                                                   ZYDIS_PADDING_DISABLED)) &&
            ZYAN_SUCCESS(ZydisFormatterSetProperty(&formatter, ZYDIS_FORMATTER_PROP_IMM_PADDING,
                                                   ZYDIS_PADDING_DISABLED));
    }

    void format(const ZydisDecodedInstruction &zydis, const ZydisDecodedOperand *operands,
                Instruction &instruction) const;
};

void Decoder::Impl::format(const ZydisDecodedInstruction &zydis,
                           const ZydisDecodedOperand *operands, Instruction &instruction) const
{
    std::array<char, kTextBufferSize> text{};
    if (ZYAN_SUCCESS(ZydisFormatterFormatInstruction(&formatter, &zydis, operands,
                                                     zydis.operand_count_visible, text.data(),
                                                     text.size(), instruction.address, nullptr)))
        instruction.text = QString::fromLatin1(text.data());

    std::array<char, kTokenBufferSize> tokenBuffer{};
    const ZydisFormatterToken *token = nullptr;
    if (!ZYAN_SUCCESS(ZydisFormatterTokenizeInstruction(
            &formatter, &zydis, operands, zydis.operand_count_visible, tokenBuffer.data(),
            tokenBuffer.size(), instruction.address, &token, nullptr)))
        return;
    do {
        ZydisTokenType type = ZYDIS_TOKEN_INVALID;
        ZyanConstCharPointer value = nullptr;
        if (!ZYAN_SUCCESS(ZydisFormatterTokenGetValue(token, &type, &value)) || value == nullptr)
            break;
        instruction.tokens.push_back({toTokenKind(type), QString::fromLatin1(value)});
    } while (ZYAN_SUCCESS(ZydisFormatterTokenNext(&token)));
}

Decoder::Decoder() : m_impl(std::make_unique<Impl>()) {}

Decoder::~Decoder() = default;

std::optional<Instruction> Decoder::decode(std::span<const std::uint8_t> bytes,
                                           std::uint64_t address, Detail detail) const
{
    if (bytes.empty() || !m_impl->ready)
        return std::nullopt;

    ZydisDecodedInstruction zydis{};
    std::array<ZydisDecodedOperand, ZYDIS_MAX_OPERAND_COUNT> zydisOperands{};
    if (!ZYAN_SUCCESS(ZydisDecoderDecodeFull(&m_impl->decoder, bytes.data(), bytes.size(), &zydis,
                                             zydisOperands.data())))
        return std::nullopt;

    Instruction instruction;
    instruction.address = address;
    instruction.length = zydis.length;
    std::copy_n(bytes.begin(), std::min<std::size_t>(zydis.length, instruction.bytes.size()),
                instruction.bytes.begin());

    const auto operands = visibleOperands(zydis, zydisOperands.data());
    for (const ZydisDecodedOperand &operand : operands)
        instruction.operands.push_back(toOperand(operand));

    instruction.mnemonic = classify(zydis, operands);
    instruction.mnemonicText = mnemonicTextOf(zydis);
    instruction.operandSizeBits = zydis.operand_width;
    instruction.addressSizeBits = zydis.address_width;
    instruction.hasRepPrefix = (zydis.attributes & (ZYDIS_ATTRIB_HAS_REP | ZYDIS_ATTRIB_HAS_REPE |
                                                    ZYDIS_ATTRIB_HAS_REPNE)) != 0;
    instruction.hasLockPrefix = (zydis.attributes & ZYDIS_ATTRIB_HAS_LOCK) != 0;

    if (zydis.cpu_flags != nullptr) {
        const ZydisAccessedFlags &flags = *zydis.cpu_flags;
        instruction.flagsRead = toRflags(flags.tested);
        instruction.flagsWritten =
            toRflags(flags.modified | flags.set_0 | flags.set_1 | flags.undefined);
    }

    instruction.isBranch = isBranchInstruction(zydis);
    instruction.endsBlock =
        instruction.isBranch || std::find(kStopMnemonics.begin(), kStopMnemonics.end(),
                                          instruction.mnemonic) != kStopMnemonics.end();
    instruction.sensitivity = sensitivityRule(instruction.mnemonic).sensitivity;
    const ZydisInstructionCategory category = zydis.meta.category;
    instruction.fallsThrough = !instruction.endsBlock || category == ZYDIS_CATEGORY_COND_BR ||
                               category == ZYDIS_CATEGORY_CALL ||
                               category == ZYDIS_CATEGORY_INTERRUPT ||
                               category == ZYDIS_CATEGORY_SYSCALL;
    if (zydis.meta.branch_type != ZYDIS_BRANCH_TYPE_NONE && zydis.operand_count_visible > 0 &&
        zydisOperands[0].type == ZYDIS_OPERAND_TYPE_IMMEDIATE && zydisOperands[0].imm.is_relative) {
        ZyanU64 target = 0;
        if (ZYAN_SUCCESS(ZydisCalcAbsoluteAddress(&zydis, &zydisOperands[0], address, &target)))
            instruction.branchTarget = target;
    }

    if (detail == Detail::Full)
        m_impl->format(zydis, zydisOperands.data(), instruction);
    return instruction;
}

} // namespace vmwb
