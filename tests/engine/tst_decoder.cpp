// The decoder and the sensitivity table. Encodings are NASM's (`bits 64`, `-f bin`); texts are
// Zydis 4.0's Intel syntax.

#include "decode/Decoder.h"
#include "decode/Sensitivity.h"
#include "hw/Rflags.h"

#include <QByteArray>
#include <QRandomGenerator>
#include <QStringList>
#include <QTest>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <span>
#include <utility>

using vmwb::Decoder;
using vmwb::Instruction;
using vmwb::Mnemonic;
using vmwb::OperandKind;
using vmwb::Register;
using vmwb::Sensitivity;
using vmwb::TokenKind;

namespace {

// RFLAGS masks as the 32-bit values the decoder reports.
constexpr quint32 bits(std::uint64_t mask)
{
    return static_cast<quint32>(mask);
}

constexpr std::uint64_t kAddress = 0x1000;

struct MnemonicCase
{
    const char *source; // NASM, bits 64
    const char *hex;    // what NASM assembled it to
    Mnemonic mnemonic;
    const char *text; // Zydis Intel text; nullptr when the bytes are invalid in 64-bit mode
    Sensitivity sensitivity;
};

// At least one row per Mnemonic except Other (checked by everyMnemonicHasACase).
constexpr std::array kMnemonicCases{
    MnemonicCase{"cli", "FA", Mnemonic::Cli, "cli", Sensitivity::Privileged},
    MnemonicCase{"sti", "FB", Mnemonic::Sti, "sti", Sensitivity::Privileged},
    MnemonicCase{"hlt", "F4", Mnemonic::Hlt, "hlt", Sensitivity::Privileged},
    MnemonicCase{"pushfq", "9C", Mnemonic::Pushf, "pushfq", Sensitivity::SensitiveUnprivileged},
    MnemonicCase{"o16 pushf", "66 9C", Mnemonic::Pushf, "pushf",
                 Sensitivity::SensitiveUnprivileged},
    MnemonicCase{"popfq", "9D", Mnemonic::Popf, "popfq", Sensitivity::SensitiveUnprivileged},
    MnemonicCase{"o16 popf", "66 9D", Mnemonic::Popf, "popf", Sensitivity::SensitiveUnprivileged},
    MnemonicCase{"lgdt [rax]", "0F 01 10", Mnemonic::Lgdt, "lgdt [rax]", Sensitivity::Privileged},
    MnemonicCase{"lidt [rax]", "0F 01 18", Mnemonic::Lidt, "lidt [rax]", Sensitivity::Privileged},
    MnemonicCase{"lldt ax", "0F 00 D0", Mnemonic::Lldt, "lldt ax", Sensitivity::Privileged},
    MnemonicCase{"ltr ax", "0F 00 D8", Mnemonic::Ltr, "ltr ax", Sensitivity::Privileged},
    MnemonicCase{"sgdt [rax]", "0F 01 00", Mnemonic::Sgdt, "sgdt [rax]",
                 Sensitivity::SensitiveUnprivileged},
    MnemonicCase{"sidt [rax]", "0F 01 08", Mnemonic::Sidt, "sidt [rax]",
                 Sensitivity::SensitiveUnprivileged},
    MnemonicCase{"sldt eax", "0F 00 C0", Mnemonic::Sldt, "sldt eax",
                 Sensitivity::SensitiveUnprivileged},
    MnemonicCase{"str eax", "0F 00 C8", Mnemonic::Str, "str eax",
                 Sensitivity::SensitiveUnprivileged},
    MnemonicCase{"smsw eax", "0F 01 E0", Mnemonic::Smsw, "smsw eax",
                 Sensitivity::SensitiveUnprivileged},
    MnemonicCase{"lmsw ax", "0F 01 F0", Mnemonic::Lmsw, "lmsw ax", Sensitivity::Privileged},
    MnemonicCase{"clts", "0F 06", Mnemonic::Clts, "clts", Sensitivity::Privileged},
    // Zydis prints the source of LAR and LSL at the operand size (NASM wrote `cx`).
    MnemonicCase{"lar eax, cx", "0F 02 C1", Mnemonic::Lar, "lar eax, ecx",
                 Sensitivity::SensitiveUnprivileged},
    MnemonicCase{"lsl eax, cx", "0F 03 C1", Mnemonic::Lsl, "lsl eax, ecx",
                 Sensitivity::SensitiveUnprivileged},
    MnemonicCase{"verr ax", "0F 00 E0", Mnemonic::Verr, "verr ax",
                 Sensitivity::SensitiveUnprivileged},
    MnemonicCase{"verw ax", "0F 00 E8", Mnemonic::Verw, "verw ax",
                 Sensitivity::SensitiveUnprivileged},
    MnemonicCase{"mov cr0, rax", "0F 22 C0", Mnemonic::MovToCr, "mov cr0, rax",
                 Sensitivity::Privileged},
    MnemonicCase{"mov cr3, rax", "0F 22 D8", Mnemonic::MovToCr, "mov cr3, rax",
                 Sensitivity::Privileged},
    MnemonicCase{"mov cr8, rax", "44 0F 22 C0", Mnemonic::MovToCr, "mov cr8, rax",
                 Sensitivity::Privileged},
    MnemonicCase{"mov rax, cr0", "0F 20 C0", Mnemonic::MovFromCr, "mov rax, cr0",
                 Sensitivity::Privileged},
    MnemonicCase{"mov rax, cr2", "0F 20 D0", Mnemonic::MovFromCr, "mov rax, cr2",
                 Sensitivity::Privileged},
    MnemonicCase{"mov rbx, cr4", "0F 20 E3", Mnemonic::MovFromCr, "mov rbx, cr4",
                 Sensitivity::Privileged},
    MnemonicCase{"mov dr7, rax", "0F 23 F8", Mnemonic::MovToDr, "mov dr7, rax",
                 Sensitivity::Privileged},
    MnemonicCase{"mov rax, dr6", "0F 21 F0", Mnemonic::MovFromDr, "mov rax, dr6",
                 Sensitivity::Privileged},
    MnemonicCase{"mov ds, ax", "8E D8", Mnemonic::MovToSeg, "mov ds, ax",
                 Sensitivity::SensitiveUnprivileged},
    MnemonicCase{"mov ss, ax", "8E D0", Mnemonic::MovToSeg, "mov ss, ax",
                 Sensitivity::SensitiveUnprivileged},
    MnemonicCase{"mov eax, ss", "8C D0", Mnemonic::MovFromSeg, "mov eax, ss",
                 Sensitivity::SensitiveUnprivileged},
    MnemonicCase{"mov [rax], ds", "8C 18", Mnemonic::MovFromSeg, "mov [rax], ds",
                 Sensitivity::SensitiveUnprivileged},
    MnemonicCase{"push fs", "0F A0", Mnemonic::PushSeg, "push fs",
                 Sensitivity::SensitiveUnprivileged},
    MnemonicCase{"push gs", "0F A8", Mnemonic::PushSeg, "push gs",
                 Sensitivity::SensitiveUnprivileged},
    MnemonicCase{"pop fs", "0F A1", Mnemonic::PopSeg, "pop fs", Sensitivity::SensitiveUnprivileged},
    MnemonicCase{"pop gs", "0F A9", Mnemonic::PopSeg, "pop gs", Sensitivity::SensitiveUnprivileged},
    MnemonicCase{"iretq", "48 CF", Mnemonic::Iret, "iretq", Sensitivity::Privileged},
    // NASM's `iret` in 64-bit code is CF as well: a 32-bit IRETD, not a kernel's IRETQ.
    MnemonicCase{"iretd", "CF", Mnemonic::Iret, "iretd", Sensitivity::Privileged},
    MnemonicCase{"o16 iret", "66 CF", Mnemonic::Iret, "iret", Sensitivity::Privileged},
    MnemonicCase{"in al, dx", "EC", Mnemonic::In, "in al, dx", Sensitivity::Privileged},
    MnemonicCase{"in eax, 0x60", "E5 60", Mnemonic::In, "in eax, 0x60", Sensitivity::Privileged},
    MnemonicCase{"out dx, al", "EE", Mnemonic::Out, "out dx, al", Sensitivity::Privileged},
    MnemonicCase{"out 0x80, al", "E6 80", Mnemonic::Out, "out 0x80, al", Sensitivity::Privileged},
    MnemonicCase{"insb", "6C", Mnemonic::Ins, "insb", Sensitivity::Privileged},
    MnemonicCase{"insd", "6D", Mnemonic::Ins, "insd", Sensitivity::Privileged},
    MnemonicCase{"outsb", "6E", Mnemonic::Outs, "outsb", Sensitivity::Privileged},
    MnemonicCase{"rep outsb", "F3 6E", Mnemonic::Outs, "rep outsb", Sensitivity::Privileged},
    MnemonicCase{"outsw", "66 6F", Mnemonic::Outs, "outsw", Sensitivity::Privileged},
    MnemonicCase{"rdmsr", "0F 32", Mnemonic::Rdmsr, "rdmsr", Sensitivity::Privileged},
    MnemonicCase{"wrmsr", "0F 30", Mnemonic::Wrmsr, "wrmsr", Sensitivity::Privileged},
    MnemonicCase{"rdtsc", "0F 31", Mnemonic::Rdtsc, "rdtsc", Sensitivity::Innocuous},
    MnemonicCase{"rdtscp", "0F 01 F9", Mnemonic::Rdtscp, "rdtscp", Sensitivity::Innocuous},
    MnemonicCase{"rdpmc", "0F 33", Mnemonic::Rdpmc, "rdpmc", Sensitivity::Privileged},
    MnemonicCase{"rdrand eax", "0F C7 F0", Mnemonic::Rdrand, "rdrand eax", Sensitivity::Innocuous},
    MnemonicCase{"rdseed rax", "48 0F C7 F8", Mnemonic::Rdseed, "rdseed rax",
                 Sensitivity::Innocuous},
    MnemonicCase{"cpuid", "0F A2", Mnemonic::Cpuid, "cpuid", Sensitivity::Innocuous},
    MnemonicCase{"invlpg [rax]", "0F 01 38", Mnemonic::Invlpg, "invlpg [rax]",
                 Sensitivity::Privileged},
    MnemonicCase{"invd", "0F 08", Mnemonic::Invd, "invd", Sensitivity::Privileged},
    MnemonicCase{"wbinvd", "0F 09", Mnemonic::Wbinvd, "wbinvd", Sensitivity::Privileged},
    MnemonicCase{"int 0x80", "CD 80", Mnemonic::Int, "int 0x80",
                 Sensitivity::SensitiveUnprivileged},
    MnemonicCase{"int 3", "CD 03", Mnemonic::Int, "int 0x3", Sensitivity::SensitiveUnprivileged},
    MnemonicCase{"int3", "CC", Mnemonic::Int3, "int3", Sensitivity::SensitiveUnprivileged},
    MnemonicCase{"int1", "F1", Mnemonic::Int1, "int1", Sensitivity::SensitiveUnprivileged},
    // INTO does not exist in 64-bit mode (SDM Vol. 2A, INT n/INTO/INT3/INT1): #UD.
    MnemonicCase{"into", "CE", Mnemonic::Into, nullptr, Sensitivity::Innocuous},
    MnemonicCase{"syscall", "0F 05", Mnemonic::Syscall, "syscall", Sensitivity::Innocuous},
    MnemonicCase{"sysret", "0F 07", Mnemonic::Sysret, "sysret", Sensitivity::Privileged},
    MnemonicCase{"o64 sysret", "48 0F 07", Mnemonic::Sysret, "sysret", Sensitivity::Privileged},
    MnemonicCase{"sysenter", "0F 34", Mnemonic::Sysenter, "sysenter", Sensitivity::Innocuous},
    MnemonicCase{"sysexit", "0F 35", Mnemonic::Sysexit, "sysexit", Sensitivity::Privileged},
    MnemonicCase{"swapgs", "0F 01 F8", Mnemonic::Swapgs, "swapgs", Sensitivity::Privileged},
    MnemonicCase{"call far [rbx]", "48 FF 1B", Mnemonic::CallFar, "call far [rbx]",
                 Sensitivity::SensitiveUnprivileged},
    MnemonicCase{"call far dword [rbx]", "FF 1B", Mnemonic::CallFar, "call far [rbx]",
                 Sensitivity::SensitiveUnprivileged},
    MnemonicCase{"jmp far [rax]", "48 FF 28", Mnemonic::JmpFar, "jmp far [rax]",
                 Sensitivity::SensitiveUnprivileged},
    MnemonicCase{"jmp far dword [rax]", "FF 28", Mnemonic::JmpFar, "jmp far [rax]",
                 Sensitivity::SensitiveUnprivileged},
    MnemonicCase{"retf", "CB", Mnemonic::RetFar, "ret far", Sensitivity::SensitiveUnprivileged},
    MnemonicCase{"retf 8", "CA 08 00", Mnemonic::RetFar, "ret far 0x8",
                 Sensitivity::SensitiveUnprivileged},
    MnemonicCase{"o64 retf", "48 CB", Mnemonic::RetFar, "ret far",
                 Sensitivity::SensitiveUnprivileged},
    MnemonicCase{"vmcall", "0F 01 C1", Mnemonic::Vmcall, "vmcall", Sensitivity::Privileged},
    MnemonicCase{"xsetbv", "0F 01 D1", Mnemonic::Xsetbv, "xsetbv", Sensitivity::Privileged},
    MnemonicCase{"monitor", "0F 01 C8", Mnemonic::Monitor, "monitor", Sensitivity::Privileged},
    MnemonicCase{"mwait", "0F 01 C9", Mnemonic::Mwait, "mwait", Sensitivity::Privileged},
    MnemonicCase{"ud2", "0F 0B", Mnemonic::Ud, "ud2", Sensitivity::Innocuous},
    MnemonicCase{"ud1 eax, ecx", "0F B9 C1", Mnemonic::Ud, "ud1 eax, ecx", Sensitivity::Innocuous},
    MnemonicCase{"ud0 eax, ecx", "0F FF C1", Mnemonic::Ud, "ud0 eax, ecx", Sensitivity::Innocuous},
    MnemonicCase{"mov rax, rbx", "48 89 D8", Mnemonic::Other, "mov rax, rbx",
                 Sensitivity::Innocuous},
    MnemonicCase{"push rax", "50", Mnemonic::Other, "push rax", Sensitivity::Innocuous},
    MnemonicCase{"call rax", "FF D0", Mnemonic::Other, "call rax", Sensitivity::Innocuous},
    MnemonicCase{"ret", "C3", Mnemonic::Other, "ret", Sensitivity::Innocuous},
};

std::span<const std::uint8_t> asSpan(const QByteArray &bytes)
{
    return {reinterpret_cast<const std::uint8_t *>(bytes.constData()),
            static_cast<std::size_t>(bytes.size())};
}

QString joinedTokens(const Instruction &instruction)
{
    QString text;
    for (const vmwb::Token &token : instruction.tokens)
        text += token.text;
    return text;
}

QString mnemonicToken(const Instruction &instruction)
{
    for (const vmwb::Token &token : instruction.tokens) {
        if (token.kind == TokenKind::Mnemonic)
            return token.text;
    }
    return {};
}

} // namespace

class TestDecoder : public QObject
{
    Q_OBJECT

private slots:
    void mnemonics_data();
    void mnemonics();
    void everyMnemonicHasACase();
    void factsDetailOmitsOnlyTextAndTokens_data();
    void factsDetailOmitsOnlyTextAndTokens();
    void mnemonicText_data();
    void mnemonicText();
    void sizes_data();
    void sizes();
    void registerOperands_data();
    void registerOperands();
    void memoryOperands_data();
    void memoryOperands();
    void immediates_data();
    void immediates();
    void relativeBranchKeepsDisplacement();
    void farBranches_data();
    void farBranches();
    void operandAccess_data();
    void operandAccess();
    void flags_data();
    void flags();
    void branches_data();
    void branches();
    void prefixes_data();
    void prefixes();
    void tokens_data();
    void tokens();
    void invalid_data();
    void invalid();
    void emptySpan();
    void randomBytes();
    void sensitivityTableCoversEveryMnemonicInOrder();
    void otherRuleIsInnocuous();

private:
    std::optional<Instruction> decode(const QByteArray &bytes,
                                      Decoder::Detail detail = Decoder::Detail::Full) const
    {
        return m_decoder.decode(asSpan(bytes), kAddress, detail);
    }

    const Decoder m_decoder;
};

void TestDecoder::mnemonics_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<Mnemonic>("mnemonic");
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<Sensitivity>("sensitivity");
    for (const MnemonicCase &c : kMnemonicCases) {
        QTest::newRow(c.source) << QByteArray::fromHex(c.hex) << c.mnemonic
                                << QString::fromLatin1(c.text) << (c.text != nullptr)
                                << c.sensitivity;
    }
}

void TestDecoder::mnemonics()
{
    QFETCH(QByteArray, bytes);
    QFETCH(Mnemonic, mnemonic);
    QFETCH(QString, text);
    QFETCH(bool, valid);
    QFETCH(Sensitivity, sensitivity);

    const auto instruction = decode(bytes);
    QCOMPARE(instruction.has_value(), valid);
    if (!valid)
        return;
    QCOMPARE(instruction->address, kAddress);
    QCOMPARE(instruction->length, bytes.size());
    QCOMPARE(
        QByteArray(reinterpret_cast<const char *>(instruction->bytes.data()), instruction->length),
        bytes);
    QCOMPARE(instruction->nextAddress(), kAddress + static_cast<std::uint64_t>(bytes.size()));
    QCOMPARE(instruction->mnemonic, mnemonic);
    QCOMPARE(instruction->text, text);
    QCOMPARE(instruction->sensitivity, sensitivity);
    QCOMPARE(instruction->sensitivity, vmwb::sensitivityRule(mnemonic).sensitivity);
    QCOMPARE(joinedTokens(*instruction), text);
    QCOMPARE(mnemonicToken(*instruction), instruction->mnemonicText);
}

void TestDecoder::everyMnemonicHasACase()
{
    std::set<Mnemonic> covered;
    for (const MnemonicCase &c : kMnemonicCases)
        covered.insert(c.mnemonic);
    for (const vmwb::SensitivityRule &rule : vmwb::sensitivityRules())
        QVERIFY2(covered.count(rule.mnemonic) == 1, rule.atCpl0);
}

void TestDecoder::factsDetailOmitsOnlyTextAndTokens_data()
{
    mnemonics_data();
}

void TestDecoder::factsDetailOmitsOnlyTextAndTokens()
{
    QFETCH(QByteArray, bytes);
    QFETCH(bool, valid);

    const auto facts = decode(bytes, Decoder::Detail::Facts);
    const auto full = decode(bytes, Decoder::Detail::Full);
    QCOMPARE(facts.has_value(), valid);
    if (!valid)
        return;
    QVERIFY(facts->text.isEmpty());
    QVERIFY(facts->tokens.empty());
    QCOMPARE(facts->length, full->length);
    QCOMPARE(facts->mnemonic, full->mnemonic);
    QCOMPARE(facts->mnemonicText, full->mnemonicText);
    QCOMPARE(facts->operands.size(), full->operands.size());
    QCOMPARE(facts->flagsRead, full->flagsRead);
    QCOMPARE(facts->flagsWritten, full->flagsWritten);
    QCOMPARE(facts->isBranch, full->isBranch);
    QCOMPARE(facts->endsBlock, full->endsBlock);
    QCOMPARE(facts->sensitivity, full->sensitivity);
}

void TestDecoder::mnemonicText_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("mnemonicText");
    QTest::newRow("popfq") << QByteArray::fromHex("9D") << QStringLiteral("popfq");
    QTest::newRow("mov rax, cr0") << QByteArray::fromHex("0F 20 C0") << QStringLiteral("mov");
    QTest::newRow("rep outsb") << QByteArray::fromHex("F3 6E") << QStringLiteral("outsb");
    QTest::newRow("iretq") << QByteArray::fromHex("48 CF") << QStringLiteral("iretq");
    QTest::newRow("lock add [rax], eax")
        << QByteArray::fromHex("F0 01 00") << QStringLiteral("add");
    // The Intel formatter prints far branches as "call far", "jmp far" and "ret far".
    QTest::newRow("retf") << QByteArray::fromHex("CB") << QStringLiteral("ret far");
    QTest::newRow("call far [rbx]")
        << QByteArray::fromHex("48 FF 1B") << QStringLiteral("call far");
}

void TestDecoder::mnemonicText()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QString, mnemonicText);
    const auto instruction = decode(bytes, Decoder::Detail::Facts);
    QVERIFY(instruction);
    QCOMPARE(instruction->mnemonicText, mnemonicText);
}

void TestDecoder::sizes_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<int>("operandSizeBits");
    QTest::addColumn<int>("addressSizeBits");
    QTest::newRow("pushfq") << QByteArray::fromHex("9C") << 64 << 64;
    QTest::newRow("o16 pushf") << QByteArray::fromHex("66 9C") << 16 << 64;
    QTest::newRow("iretd") << QByteArray::fromHex("CF") << 32 << 64;
    QTest::newRow("iretq") << QByteArray::fromHex("48 CF") << 64 << 64;
    QTest::newRow("mov ax, ss") << QByteArray::fromHex("66 8C D0") << 16 << 64;
    QTest::newRow("mov eax, [ebx+ecx*2]") << QByteArray::fromHex("67 8B 04 4B") << 32 << 32;
}

void TestDecoder::sizes()
{
    QFETCH(QByteArray, bytes);
    QFETCH(int, operandSizeBits);
    QFETCH(int, addressSizeBits);
    const auto instruction = decode(bytes);
    QVERIFY(instruction);
    QCOMPARE(instruction->operandSizeBits, operandSizeBits);
    QCOMPARE(instruction->addressSizeBits, addressSizeBits);
}

void TestDecoder::registerOperands_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<int>("operand");
    QTest::addColumn<Register>("reg");
    QTest::addColumn<int>("widthBits");
    QTest::addColumn<bool>("highByte");

    const QByteArray movAlAh = QByteArray::fromHex("88 E0");
    QTest::newRow("mov al, ah: al") << movAlAh << 0 << Register::Rax << 8 << false;
    QTest::newRow("mov al, ah: ah") << movAlAh << 1 << Register::Rax << 8 << true;
    const QByteArray movAxR8w = QByteArray::fromHex("66 44 89 C0");
    QTest::newRow("mov ax, r8w: ax") << movAxR8w << 0 << Register::Rax << 16 << false;
    QTest::newRow("mov ax, r8w: r8w") << movAxR8w << 1 << Register::R8 << 16 << false;
    const QByteArray movEaxR15d = QByteArray::fromHex("44 89 F8");
    QTest::newRow("mov eax, r15d: eax") << movEaxR15d << 0 << Register::Rax << 32 << false;
    QTest::newRow("mov eax, r15d: r15d") << movEaxR15d << 1 << Register::R15 << 32 << false;
    const QByteArray movRaxR15 = QByteArray::fromHex("4C 89 F8");
    QTest::newRow("mov rax, r15: rax") << movRaxR15 << 0 << Register::Rax << 64 << false;
    QTest::newRow("mov rax, r15: r15") << movRaxR15 << 1 << Register::R15 << 64 << false;
    const QByteArray movR8bSpl = QByteArray::fromHex("41 88 E0");
    QTest::newRow("mov r8b, spl: r8b") << movR8bSpl << 0 << Register::R8 << 8 << false;
    QTest::newRow("mov r8b, spl: spl") << movR8bSpl << 1 << Register::Rsp << 8 << false;
    QTest::newRow("mov r15b, dil: r15b")
        << QByteArray::fromHex("41 88 FF") << 0 << Register::R15 << 8 << false;
    QTest::newRow("mov r15b, dil: dil")
        << QByteArray::fromHex("41 88 FF") << 1 << Register::Rdi << 8 << false;
    QTest::newRow("xchg bh, ch: ch")
        << QByteArray::fromHex("86 FD") << 0 << Register::Rcx << 8 << true;
    QTest::newRow("xchg bh, ch: bh")
        << QByteArray::fromHex("86 FD") << 1 << Register::Rbx << 8 << true;
    QTest::newRow("mov rax, cr0: cr0")
        << QByteArray::fromHex("0F 20 C0") << 1 << Register::Cr0 << 64 << false;
    QTest::newRow("mov cr8, rax: cr8")
        << QByteArray::fromHex("44 0F 22 C0") << 0 << Register::Cr8 << 64 << false;
    QTest::newRow("mov dr7, rax: dr7")
        << QByteArray::fromHex("0F 23 F8") << 0 << Register::Dr7 << 64 << false;
    // DR4 is an alias of DR6 only while CR4.DE = 0 (SDM Vol. 3B 18.2.2): not named.
    QTest::newRow("mov rax, dr4: dr4")
        << QByteArray::fromHex("0F 21 E0") << 1 << Register::Other << 64 << false;
    QTest::newRow("mov eax, ss: ss")
        << QByteArray::fromHex("8C D0") << 1 << Register::Ss << 16 << false;
    QTest::newRow("push fs: fs") << QByteArray::fromHex("0F A0") << 0 << Register::Fs << 16
                                 << false;
    QTest::newRow("in al, dx: dx")
        << QByteArray::fromHex("EC") << 1 << Register::Rdx << 16 << false;
    QTest::newRow("movaps xmm0, xmm1: xmm0")
        << QByteArray::fromHex("0F 28 C1") << 0 << Register::Other << 128 << false;
    // 256 bits do not fit RegisterOperand::widthBits; Operand::sizeBits has them.
    QTest::newRow("vmovdqa ymm0, ymm1: ymm0")
        << QByteArray::fromHex("C5 FD 6F C1") << 0 << Register::Other << 0 << false;
}

void TestDecoder::registerOperands()
{
    QFETCH(QByteArray, bytes);
    QFETCH(int, operand);
    QFETCH(Register, reg);
    QFETCH(int, widthBits);
    QFETCH(bool, highByte);

    const auto instruction = decode(bytes);
    QVERIFY(instruction);
    QVERIFY(static_cast<std::size_t>(operand) < instruction->operands.size());
    const vmwb::Operand &op = instruction->operands[static_cast<std::size_t>(operand)];
    QCOMPARE(op.kind, OperandKind::Register);
    QCOMPARE(op.reg.reg, reg);
    QCOMPARE(op.reg.widthBits, widthBits);
    QCOMPARE(op.reg.highByte, highByte);
}

void TestDecoder::memoryOperands_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<int>("operand");
    QTest::addColumn<Register>("segment");
    QTest::addColumn<Register>("base");
    QTest::addColumn<Register>("index");
    QTest::addColumn<int>("scale");
    QTest::addColumn<qint64>("displacement");
    QTest::addColumn<int>("sizeBits");

    QTest::newRow("mov al, [rax+rbx*4+0x10]")
        << QByteArray::fromHex("8A 44 98 10") << 1 << Register::Ds << Register::Rax << Register::Rbx
        << 4 << qint64{0x10} << 8;
    QTest::newRow("mov rax, [rip+0x20]")
        << QByteArray::fromHex("48 8B 05 20 00 00 00") << 1 << Register::Ds << Register::Rip
        << Register::None << 0 << qint64{0x20} << 64;
    QTest::newRow("mov eax, fs:[rdx]") << QByteArray::fromHex("64 8B 02") << 1 << Register::Fs
                                       << Register::Rdx << Register::None << 0 << qint64{0} << 32;
    QTest::newRow("mov rax, [rsp-8]") << QByteArray::fromHex("48 8B 44 24 F8") << 1 << Register::Ss
                                      << Register::Rsp << Register::None << 0 << qint64{-8} << 64;
    QTest::newRow("mov eax, [ebx+ecx*2]") << QByteArray::fromHex("67 8B 04 4B") << 1 << Register::Ds
                                          << Register::Rbx << Register::Rcx << 2 << qint64{0} << 32;
    QTest::newRow("mov al, [qword 0x1122334455667788]")
        << QByteArray::fromHex("A0 88 77 66 55 44 33 22 11") << 1 << Register::Ds << Register::None
        << Register::None << 0 << qint64{0x1122334455667788} << 8;
    QTest::newRow("lgdt [rax]") << QByteArray::fromHex("0F 01 10") << 0 << Register::Ds
                                << Register::Rax << Register::None << 0 << qint64{0} << 80;
    QTest::newRow("mov [rax], ds") << QByteArray::fromHex("8C 18") << 0 << Register::Ds
                                   << Register::Rax << Register::None << 0 << qint64{0} << 16;
}

void TestDecoder::memoryOperands()
{
    QFETCH(QByteArray, bytes);
    QFETCH(int, operand);
    QFETCH(Register, segment);
    QFETCH(Register, base);
    QFETCH(Register, index);
    QFETCH(int, scale);
    QFETCH(qint64, displacement);
    QFETCH(int, sizeBits);

    const auto instruction = decode(bytes);
    QVERIFY(instruction);
    QVERIFY(static_cast<std::size_t>(operand) < instruction->operands.size());
    const vmwb::Operand &op = instruction->operands[static_cast<std::size_t>(operand)];
    QCOMPARE(op.kind, OperandKind::Memory);
    QCOMPARE(op.mem.segment, segment);
    QCOMPARE(op.mem.base, base);
    QCOMPARE(op.mem.index, index);
    QCOMPARE(op.mem.scale, scale);
    QCOMPARE(op.mem.displacement, displacement);
    QCOMPARE(op.sizeBits, sizeBits);
}

void TestDecoder::immediates_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<int>("operand");
    QTest::addColumn<quint64>("value");

    // Signed immediates come sign-extended to 64 bits; Zydis treats most immediates as signed,
    // including `mov al, 0xff` and the imm32 of `and eax, 0x80000000`.
    QTest::newRow("add rax, -1") << QByteArray::fromHex("48 83 C0 FF") << 1
                                 << quint64{0xFFFF'FFFF'FFFF'FFFF};
    QTest::newRow("add eax, 0x7f") << QByteArray::fromHex("83 C0 7F") << 1 << quint64{0x7F};
    QTest::newRow("push -2") << QByteArray::fromHex("6A FE") << 0 << quint64{0xFFFF'FFFF'FFFF'FFFE};
    QTest::newRow("mov al, 0xff") << QByteArray::fromHex("B0 FF") << 1
                                  << quint64{0xFFFF'FFFF'FFFF'FFFF};
    QTest::newRow("and eax, 0x80000000")
        << QByteArray::fromHex("25 00 00 00 80") << 1 << quint64{0xFFFF'FFFF'8000'0000};
    QTest::newRow("mov rax, 0x123456789abcdef0")
        << QByteArray::fromHex("48 B8 F0 DE BC 9A 78 56 34 12") << 1
        << quint64{0x1234'5678'9ABC'DEF0};
    // Unsigned: a vector, a port number and a byte count stay zero-extended.
    QTest::newRow("int 0x80") << QByteArray::fromHex("CD 80") << 0 << quint64{0x80};
    QTest::newRow("in eax, 0x60") << QByteArray::fromHex("E5 60") << 1 << quint64{0x60};
    QTest::newRow("out 0x80, al") << QByteArray::fromHex("E6 80") << 0 << quint64{0x80};
    QTest::newRow("ret 0x8000") << QByteArray::fromHex("C2 00 80") << 0 << quint64{0x8000};
}

void TestDecoder::immediates()
{
    QFETCH(QByteArray, bytes);
    QFETCH(int, operand);
    QFETCH(quint64, value);

    const auto instruction = decode(bytes);
    QVERIFY(instruction);
    QVERIFY(static_cast<std::size_t>(operand) < instruction->operands.size());
    const vmwb::Operand &op = instruction->operands[static_cast<std::size_t>(operand)];
    QCOMPARE(op.kind, OperandKind::Immediate);
    QCOMPARE(op.immediate, value);
}

void TestDecoder::relativeBranchKeepsDisplacement()
{
    // jz $+0x10 at 0x1000: the operand is the displacement from the next instruction; the
    // text shows the target.
    const auto instruction = decode(QByteArray::fromHex("74 0E"));
    QVERIFY(instruction);
    QCOMPARE(instruction->operands.size(), std::size_t{1});
    QCOMPARE(instruction->operands[0].kind, OperandKind::Immediate);
    QCOMPARE(instruction->operands[0].immediate, quint64{0x0E});
    QCOMPARE(instruction->nextAddress() + instruction->operands[0].immediate, quint64{0x1010});
    QCOMPARE(instruction->text, QStringLiteral("jz 0x1010"));

    const auto backwards = decode(QByteArray::fromHex("EB FE")); // jmp $
    QVERIFY(backwards);
    QCOMPARE(backwards->nextAddress() + backwards->operands[0].immediate, kAddress);
}

void TestDecoder::farBranches_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<Mnemonic>("mnemonic");
    QTest::addColumn<int>("operandSizeBits");
    QTest::addColumn<Register>("base");
    QTest::addColumn<int>("pointerBits"); // size of the m16:xx operand, 0 if none

    // Only the memory forms exist in 64-bit mode; REX.W selects m16:64 (Intel).
    QTest::newRow("call far [rbx]")
        << QByteArray::fromHex("48 FF 1B") << Mnemonic::CallFar << 64 << Register::Rbx << 80;
    QTest::newRow("call far dword [rbx]")
        << QByteArray::fromHex("FF 1B") << Mnemonic::CallFar << 32 << Register::Rbx << 48;
    QTest::newRow("jmp far [rax]")
        << QByteArray::fromHex("48 FF 28") << Mnemonic::JmpFar << 64 << Register::Rax << 80;
    QTest::newRow("jmp far dword [rax]")
        << QByteArray::fromHex("FF 28") << Mnemonic::JmpFar << 32 << Register::Rax << 48;
    QTest::newRow("retf") << QByteArray::fromHex("CB") << Mnemonic::RetFar << 32 << Register::None
                          << 0;
    QTest::newRow("o64 retf") << QByteArray::fromHex("48 CB") << Mnemonic::RetFar << 64
                              << Register::None << 0;
}

void TestDecoder::farBranches()
{
    QFETCH(QByteArray, bytes);
    QFETCH(Mnemonic, mnemonic);
    QFETCH(int, operandSizeBits);
    QFETCH(Register, base);
    QFETCH(int, pointerBits);

    const auto instruction = decode(bytes);
    QVERIFY(instruction);
    QCOMPARE(instruction->mnemonic, mnemonic);
    QCOMPARE(instruction->operandSizeBits, operandSizeBits);
    QVERIFY(instruction->isBranch);
    QVERIFY(instruction->endsBlock);
    if (pointerBits == 0) {
        QVERIFY(instruction->operands.empty());
        return;
    }
    QCOMPARE(instruction->operands.size(), std::size_t{1});
    QCOMPARE(instruction->operands[0].kind, OperandKind::Memory);
    QCOMPARE(instruction->operands[0].mem.base, base);
    QCOMPARE(instruction->operands[0].sizeBits, pointerBits);
    QVERIFY(instruction->operands[0].read);
}

void TestDecoder::operandAccess_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("access"); // r, w or rw per operand, comma-separated

    QTest::newRow("mov rax, cr0") << QByteArray::fromHex("0F 20 C0") << QStringLiteral("w,r");
    QTest::newRow("mov cr3, rax") << QByteArray::fromHex("0F 22 D8") << QStringLiteral("w,r");
    QTest::newRow("add [rax], eax") << QByteArray::fromHex("01 00") << QStringLiteral("rw,r");
    QTest::newRow("cmp rax, rbx") << QByteArray::fromHex("48 39 D8") << QStringLiteral("r,r");
    QTest::newRow("xchg bh, ch") << QByteArray::fromHex("86 FD") << QStringLiteral("rw,rw");
    QTest::newRow("in al, dx") << QByteArray::fromHex("EC") << QStringLiteral("w,r");
    QTest::newRow("out dx, al") << QByteArray::fromHex("EE") << QStringLiteral("r,r");
    QTest::newRow("sgdt [rax]") << QByteArray::fromHex("0F 01 00") << QStringLiteral("w");
    QTest::newRow("pop fs") << QByteArray::fromHex("0F A1") << QStringLiteral("w");
    // LAR writes its destination only when the descriptor is visible.
    QTest::newRow("lar eax, cx") << QByteArray::fromHex("0F 02 C1") << QStringLiteral("w,r");
}

void TestDecoder::operandAccess()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QString, access);

    const auto instruction = decode(bytes);
    QVERIFY(instruction);
    QStringList actual;
    for (const vmwb::Operand &op : instruction->operands)
        actual << QString(op.read ? QStringLiteral("r") : QString()) +
                      (op.written ? QStringLiteral("w") : QString());
    QCOMPARE(actual.join(QLatin1Char(',')), access);
}

void TestDecoder::flags_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<quint32>("read");
    QTest::addColumn<quint32>("written");

    using namespace vmwb::rflags;
    // CLI and STI test IOPL (CPL is compared with it) and change IF, or VIF under CR4.PVI.
    QTest::newRow("cli") << QByteArray::fromHex("FA") << bits(kIoplMask) << bits(kIF | kVIF);
    QTest::newRow("sti") << QByteArray::fromHex("FB") << bits(kIoplMask) << bits(kIF | kVIF);
    QTest::newRow("popfq") << QByteArray::fromHex("9D") << bits(kIoplMask | kVM | kVIP)
                           << bits(kStatusFlags | kTF | kIF | kDF | kIoplMask | kNT | kRF | kAC |
                                   kVIF | kID);
    QTest::newRow("pushfq") << QByteArray::fromHex("9C")
                            << bits(kStatusFlags | kTF | kIF | kDF | kIoplMask | kNT | kRF | kVM |
                                    kAC | kVIF | kVIP | kID)
                            << quint32{0};
    QTest::newRow("add eax, 0x7f")
        << QByteArray::fromHex("83 C0 7F") << quint32{0} << bits(kStatusFlags);
    QTest::newRow("jz") << QByteArray::fromHex("74 0E") << bits(kZF) << quint32{0};
    QTest::newRow("rep outsb") << QByteArray::fromHex("F3 6E") << bits(kDF | kIoplMask)
                               << quint32{0};
    QTest::newRow("mov rax, rbx") << QByteArray::fromHex("48 89 D8") << quint32{0} << quint32{0};
    // Quirk: Zydis 4.0 lists no flags for INT1, though delivering its #DB changes them as
    // delivering INT3's #BP does (TF and RF cleared, IF too through an interrupt gate).
    QTest::newRow("int1") << QByteArray::fromHex("F1") << quint32{0} << quint32{0};
}

void TestDecoder::flags()
{
    QFETCH(QByteArray, bytes);
    QFETCH(quint32, read);
    QFETCH(quint32, written);

    const auto instruction = decode(bytes, Decoder::Detail::Facts);
    QVERIFY(instruction);
    QCOMPARE(instruction->flagsRead, read);
    QCOMPARE(instruction->flagsWritten, written);
}

void TestDecoder::branches_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<bool>("isBranch");
    QTest::addColumn<bool>("endsBlock");

    QTest::newRow("jmp $") << QByteArray::fromHex("EB FE") << true << true;
    QTest::newRow("jz $+0x10") << QByteArray::fromHex("74 0E") << true << true;
    QTest::newRow("jz near $+0x100") << QByteArray::fromHex("0F 84 FA 00 00 00") << true << true;
    QTest::newRow("call $+5") << QByteArray::fromHex("E8 00 00 00 00") << true << true;
    QTest::newRow("call [rax]") << QByteArray::fromHex("FF 10") << true << true;
    QTest::newRow("jmp rax") << QByteArray::fromHex("FF E0") << true << true;
    QTest::newRow("ret") << QByteArray::fromHex("C3") << true << true;
    QTest::newRow("loop $") << QByteArray::fromHex("E2 FE") << true << true;
    QTest::newRow("jrcxz $") << QByteArray::fromHex("E3 FE") << true << true;
    QTest::newRow("int 0x80") << QByteArray::fromHex("CD 80") << true << true;
    QTest::newRow("int3") << QByteArray::fromHex("CC") << true << true;
    QTest::newRow("iretq") << QByteArray::fromHex("48 CF") << true << true;
    QTest::newRow("syscall") << QByteArray::fromHex("0F 05") << true << true;
    QTest::newRow("sysret") << QByteArray::fromHex("48 0F 07") << true << true;
    QTest::newRow("sysenter") << QByteArray::fromHex("0F 34") << true << true;
    QTest::newRow("sysexit") << QByteArray::fromHex("0F 35") << true << true;
    QTest::newRow("retf") << QByteArray::fromHex("CB") << true << true;
    QTest::newRow("hlt") << QByteArray::fromHex("F4") << false << true;
    QTest::newRow("ud2") << QByteArray::fromHex("0F 0B") << false << true;
    QTest::newRow("ud1 eax, ecx") << QByteArray::fromHex("0F B9 C1") << false << true;
    QTest::newRow("nop") << QByteArray::fromHex("90") << false << false;
    QTest::newRow("cli") << QByteArray::fromHex("FA") << false << false;
    QTest::newRow("cpuid") << QByteArray::fromHex("0F A2") << false << false;
    QTest::newRow("vmcall") << QByteArray::fromHex("0F 01 C1") << false << false;
    QTest::newRow("mov rax, rbx") << QByteArray::fromHex("48 89 D8") << false << false;
}

void TestDecoder::branches()
{
    QFETCH(QByteArray, bytes);
    QFETCH(bool, isBranch);
    QFETCH(bool, endsBlock);

    const auto instruction = decode(bytes, Decoder::Detail::Facts);
    QVERIFY(instruction);
    QCOMPARE(instruction->isBranch, isBranch);
    QCOMPARE(instruction->endsBlock, endsBlock);
}

void TestDecoder::prefixes_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<bool>("rep");
    QTest::addColumn<bool>("lock");

    QTest::newRow("outsb") << QByteArray::fromHex("6E") << false << false;
    QTest::newRow("rep outsb") << QByteArray::fromHex("F3 6E") << true << false;
    QTest::newRow("rep movsb") << QByteArray::fromHex("F3 A4") << true << false;
    QTest::newRow("repne scasb") << QByteArray::fromHex("F2 AE") << true << false;
    QTest::newRow("lock add [rax], eax") << QByteArray::fromHex("F0 01 00") << false << true;
    QTest::newRow("pause") << QByteArray::fromHex("F3 90") << false << false;
}

void TestDecoder::prefixes()
{
    QFETCH(QByteArray, bytes);
    QFETCH(bool, rep);
    QFETCH(bool, lock);

    const auto instruction = decode(bytes, Decoder::Detail::Facts);
    QVERIFY(instruction);
    QCOMPARE(instruction->hasRepPrefix, rep);
    QCOMPARE(instruction->hasLockPrefix, lock);
}

void TestDecoder::tokens_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("kinds"); // one letter per token, see below

    // m mnemonic, p prefix, r register, _ whitespace, d delimiter, ( and ) brackets,
    // i immediate, D displacement, a absolute address
    QTest::newRow("mov rax, cr0") << QByteArray::fromHex("0F 20 C0")
                                  << QStringLiteral("mov rax, cr0") << QStringLiteral("m_rd_r");
    QTest::newRow("mov al, [rax+rbx*4+0x10]")
        << QByteArray::fromHex("8A 44 98 10") << QStringLiteral("mov al, [rax+rbx*4+0x10]")
        << QStringLiteral("m_rd_(rdrdidD)");
    QTest::newRow("mov eax, fs:[rdx]")
        << QByteArray::fromHex("64 8B 02") << QStringLiteral("mov eax, fs:[rdx]")
        << QStringLiteral("m_rd_rd(r)");
    QTest::newRow("rep outsb") << QByteArray::fromHex("F3 6E") << QStringLiteral("rep outsb")
                               << QStringLiteral("p_m");
    QTest::newRow("jz $+0x10") << QByteArray::fromHex("74 0E") << QStringLiteral("jz 0x1010")
                               << QStringLiteral("m_a");
    QTest::newRow("mov rax, [rip+0x20]")
        << QByteArray::fromHex("48 8B 05 20 00 00 00") << QStringLiteral("mov rax, [0x1027]")
        << QStringLiteral("m_rd_(a)");
    QTest::newRow("in eax, 0x60") << QByteArray::fromHex("E5 60") << QStringLiteral("in eax, 0x60")
                                  << QStringLiteral("m_rd_i");
}

void TestDecoder::tokens()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QString, text);
    QFETCH(QString, kinds);

    static const std::array<std::pair<TokenKind, QChar>, 10> letters{{
        {TokenKind::Mnemonic, QLatin1Char('m')},
        {TokenKind::Prefix, QLatin1Char('p')},
        {TokenKind::Register, QLatin1Char('r')},
        {TokenKind::Whitespace, QLatin1Char('_')},
        {TokenKind::Delimiter, QLatin1Char('d')},
        {TokenKind::ParenthesisOpen, QLatin1Char('(')},
        {TokenKind::ParenthesisClose, QLatin1Char(')')},
        {TokenKind::Immediate, QLatin1Char('i')},
        {TokenKind::Displacement, QLatin1Char('D')},
        {TokenKind::AddressAbsolute, QLatin1Char('a')},
    }};

    const auto instruction = decode(bytes);
    QVERIFY(instruction);
    QCOMPARE(instruction->text, text);
    QCOMPARE(joinedTokens(*instruction), text);
    QString actual;
    for (const vmwb::Token &token : instruction->tokens) {
        QChar letter = QLatin1Char('?');
        for (const auto &[kind, l] : letters) {
            if (kind == token.kind)
                letter = l;
        }
        actual += letter;
    }
    QCOMPARE(actual, kinds);
}

void TestDecoder::invalid_data()
{
    QTest::addColumn<QByteArray>("bytes");

    // Opcodes removed from 64-bit mode (SDM Vol. 2A, Appendix A, "i64").
    QTest::newRow("push es (06)") << QByteArray::fromHex("06");
    QTest::newRow("push cs (0E)") << QByteArray::fromHex("0E");
    QTest::newRow("into (CE)") << QByteArray::fromHex("CE");
    QTest::newRow("jmp ptr16:32 (EA)") << QByteArray::fromHex("EA 00 00 00 00 08 00");
    QTest::newRow("call ptr16:32 (9A)") << QByteArray::fromHex("9A 00 00 00 00 08 00");
    // CR1 does not exist: MOV from it is #UD.
    QTest::newRow("mov rax, cr1") << QByteArray::fromHex("0F 20 C8");
    QTest::newRow("lock nop") << QByteArray::fromHex("F0 90");
    // Cut short.
    QTest::newRow("mov eax, imm32 cut") << QByteArray::fromHex("B8 01 02");
    QTest::newRow("0F alone") << QByteArray::fromHex("0F");
    QTest::newRow("0F 01 alone") << QByteArray::fromHex("0F 01");
    QTest::newRow("REX.W alone") << QByteArray::fromHex("48");
    QTest::newRow("prefixes only") << QByteArray::fromHex("66 67 F3");
    // 15 prefixes and an opcode: 16 bytes, over the 15-byte limit (SDM Vol. 2A 2.3.11).
    QTest::newRow("16 bytes") << QByteArray::fromHex("666666666666666666666666666666 90");
}

void TestDecoder::invalid()
{
    QFETCH(QByteArray, bytes);
    QVERIFY(!decode(bytes, Decoder::Detail::Full));
    QVERIFY(!decode(bytes, Decoder::Detail::Facts));
}

void TestDecoder::emptySpan()
{
    QVERIFY(!m_decoder.decode({}, kAddress));
    const std::array<std::uint8_t, 1> nop{0x90};
    QVERIFY(!m_decoder.decode(std::span(nop).first(0), kAddress));
    QVERIFY(m_decoder.decode(nop, kAddress));
}

void TestDecoder::randomBytes()
{
    QRandomGenerator random(20240229);
    std::array<std::uint8_t, 15> bytes{};
    int decoded = 0;
    for (int i = 0; i < 200'000; ++i) {
        for (std::uint8_t &byte : bytes)
            byte = static_cast<std::uint8_t>(random.bounded(256));
        const auto size = static_cast<std::size_t>(random.bounded(1, 16));
        const auto detail = (i % 2 == 0) ? Decoder::Detail::Full : Decoder::Detail::Facts;
        const auto instruction =
            m_decoder.decode(std::span(bytes).first(size), random.generate64(), detail);
        if (!instruction)
            continue;
        ++decoded;
        if (instruction->length < 1 || instruction->length > 15 || instruction->length > size)
            QFAIL(qPrintable(
                QStringLiteral("bad length %1 for %2 bytes").arg(instruction->length).arg(size)));
        if (detail == Decoder::Detail::Full && joinedTokens(*instruction) != instruction->text)
            QFAIL(qPrintable(instruction->text));
    }
    QVERIFY(decoded > 100'000);
}

void TestDecoder::sensitivityTableCoversEveryMnemonicInOrder()
{
    const auto rules = vmwb::sensitivityRules();
    QCOMPARE(rules.size(), static_cast<std::size_t>(Mnemonic::Ud));
    for (std::size_t i = 0; i < rules.size(); ++i) {
        const vmwb::SensitivityRule &rule = rules[i];
        QCOMPARE(static_cast<std::size_t>(rule.mnemonic), i + 1);
        QCOMPARE(&vmwb::sensitivityRule(rule.mnemonic), &rule);
        QVERIFY(rule.group != nullptr && *rule.group != '\0');
        QVERIFY(rule.atCpl0 != nullptr && *rule.atCpl0 != '\0');
        QVERIFY(rule.atCpl3 != nullptr && *rule.atCpl3 != '\0');
        QVERIFY(rule.source != nullptr && *rule.source != '\0');
    }
}

void TestDecoder::otherRuleIsInnocuous()
{
    const vmwb::SensitivityRule &other = vmwb::sensitivityRule(Mnemonic::Other);
    QCOMPARE(other.mnemonic, Mnemonic::Other);
    QCOMPARE(other.sensitivity, Sensitivity::Innocuous);
    QVERIFY(other.group != nullptr && *other.group != '\0');
    QVERIFY(other.atCpl0 != nullptr && *other.atCpl0 != '\0');
    QVERIFY(other.atCpl3 != nullptr && *other.atCpl3 != '\0');
    QVERIFY(other.source != nullptr && *other.source != '\0');
    // A value outside the enum gets the same rule instead of reading past the table.
    QCOMPARE(&vmwb::sensitivityRule(static_cast<Mnemonic>(0xFF)), &other);
}

QTEST_GUILESS_MAIN(TestDecoder)

#include "tst_decoder.moc"
