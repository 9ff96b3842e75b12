// The VMCS model against the Intel SDM: field encodings (appendix B), control bits (25.6.1,
// 25.6.2), exit reasons (appendix C), exit-qualification layouts (VM-exit chapter tables) and
// the rules that decide which guest actions exit (VMX non-root operation chapter).

#include "vmx/Vmcs.h"

#include <QtTest>
#include <set>

using namespace vmwb;
using namespace vmwb::vmx;

Q_DECLARE_METATYPE(vmwb::vmx::Field)
Q_DECLARE_METATYPE(vmwb::vmx::Control)

class TestVmcs : public QObject
{
    Q_OBJECT

private slots:
    void encodingMatchesTheSdm_data();
    void encodingMatchesTheSdm();
    void encodeFieldPacksTypeWidthAndIndex();
    void fieldsAreInEnumOrderWithUniqueNames();
    void fieldNamedIsCaseInsensitive();
    void areasFollowTheSdmGrouping_data();
    void areasFollowTheSdmGrouping();
    void controlBitsMatchTheSdm_data();
    void controlBitsMatchTheSdm();
    void controlsRoundTripByIdAndHaveMeanings();
    void exitReasonNamesAndKeys_data();
    void exitReasonNamesAndKeys();
    void exitReasonKeysAreUniqueSnakeCase();
    void crAccessQualification_data();
    void crAccessQualification();
    void ioQualification_data();
    void ioQualification();
    void interruptionInfo_data();
    void interruptionInfo();
    void describesQualifications_data();
    void describesQualifications();
    void describesExceptionQualificationByVector();
    void describesInterruptionInfo_data();
    void describesInterruptionInfo();
    void ioExitsUnconditionallyOrByBitmap();
    void ioBitmapChecksEveryPortTouched();
    void msrExitsByBitmap_data();
    void msrExitsByBitmap();
    void msrOutsideTheBitmapRangesAlwaysExits();
    void msrBitmapsOffMeansEveryMsrExits();
    void cr0AndCr4MaskAndShadow();
    void cltsAndLmswFollowTheMask();
    void exceptionBitmap();
    void pageFaultErrorCodeMaskAndMatch_data();
    void pageFaultErrorCodeMaskAndMatch();
    void writeTruncatesToTheFieldWidth_data();
    void writeTruncatesToTheFieldWidth();
    void secondaryControlsNeedActivation();
    void defaults();
    void changedFrom();
};

void TestVmcs::encodingMatchesTheSdm_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<uint>("encoding");
    // SDM Vol. 3, appendix B (the same numbers as Linux's arch/x86/include/asm/vmx.h).
    const std::pair<const char *, uint> rows[] = {
        {"VIRTUAL_PROCESSOR_ID", 0x0000},
        {"GUEST_ES_SELECTOR", 0x0800},
        {"GUEST_CS_SELECTOR", 0x0802},
        {"GUEST_SS_SELECTOR", 0x0804},
        {"GUEST_DS_SELECTOR", 0x0806},
        {"GUEST_FS_SELECTOR", 0x0808},
        {"GUEST_GS_SELECTOR", 0x080A},
        {"GUEST_LDTR_SELECTOR", 0x080C},
        {"GUEST_TR_SELECTOR", 0x080E},
        {"HOST_ES_SELECTOR", 0x0C00},
        {"HOST_CS_SELECTOR", 0x0C02},
        {"HOST_SS_SELECTOR", 0x0C04},
        {"HOST_DS_SELECTOR", 0x0C06},
        {"HOST_TR_SELECTOR", 0x0C0C},
        {"IO_BITMAP_A", 0x2000},
        {"IO_BITMAP_B", 0x2002},
        {"MSR_BITMAP", 0x2004},
        {"EPT_POINTER", 0x201A},
        {"GUEST_PHYSICAL_ADDRESS", 0x2400},
        {"VMCS_LINK_POINTER", 0x2800},
        {"PIN_BASED_VM_EXEC_CONTROL", 0x4000},
        {"CPU_BASED_VM_EXEC_CONTROL", 0x4002},
        {"EXCEPTION_BITMAP", 0x4004},
        {"PAGE_FAULT_ERROR_CODE_MASK", 0x4006},
        {"PAGE_FAULT_ERROR_CODE_MATCH", 0x4008},
        {"CR3_TARGET_COUNT", 0x400A},
        {"VM_EXIT_CONTROLS", 0x400C},
        {"VM_ENTRY_CONTROLS", 0x4012},
        {"VM_ENTRY_INTR_INFO_FIELD", 0x4016},
        {"VM_ENTRY_EXCEPTION_ERROR_CODE", 0x4018},
        {"VM_ENTRY_INSTRUCTION_LEN", 0x401A},
        {"SECONDARY_VM_EXEC_CONTROL", 0x401E},
        {"VM_INSTRUCTION_ERROR", 0x4400},
        {"VM_EXIT_REASON", 0x4402},
        {"VM_EXIT_INTR_INFO", 0x4404},
        {"VM_EXIT_INTR_ERROR_CODE", 0x4406},
        {"VM_EXIT_INSTRUCTION_LEN", 0x440C},
        {"VMX_INSTRUCTION_INFO", 0x440E},
        {"GUEST_INTERRUPTIBILITY_INFO", 0x4824},
        {"GUEST_ACTIVITY_STATE", 0x4826},
        {"CR0_GUEST_HOST_MASK", 0x6000},
        {"CR4_GUEST_HOST_MASK", 0x6002},
        {"CR0_READ_SHADOW", 0x6004},
        {"CR4_READ_SHADOW", 0x6006},
        {"EXIT_QUALIFICATION", 0x6400},
        {"GUEST_LINEAR_ADDRESS", 0x640A},
        {"GUEST_CR0", 0x6800},
        {"GUEST_CR3", 0x6802},
        {"GUEST_CR4", 0x6804},
        {"GUEST_GDTR_BASE", 0x6816},
        {"GUEST_IDTR_BASE", 0x6818},
        {"GUEST_RSP", 0x681C},
        {"GUEST_RIP", 0x681E},
        {"GUEST_RFLAGS", 0x6820},
        {"HOST_CR0", 0x6C00},
        {"HOST_CR3", 0x6C02},
        {"HOST_CR4", 0x6C04},
        {"HOST_GDTR_BASE", 0x6C0C},
        {"HOST_IDTR_BASE", 0x6C0E},
        {"HOST_RSP", 0x6C14},
        {"HOST_RIP", 0x6C16},
    };
    static_assert(std::extent_v<decltype(rows)> == kFieldCount, "one row per modelled field");
    for (const auto &[name, encoding] : rows)
        QTest::newRow(name) << QString::fromLatin1(name) << encoding;
}

void TestVmcs::encodingMatchesTheSdm()
{
    QFETCH(QString, name);
    QFETCH(uint, encoding);
    const auto field = fieldNamed(name);
    QVERIFY(field.has_value());
    QCOMPARE(fieldInfo(*field).encoding(), encoding);
}

void TestVmcs::encodeFieldPacksTypeWidthAndIndex()
{
    // B.1: bit 0 high access, bits 9:1 index, bits 11:10 type, bits 14:13 width.
    static_assert(encodeField(FieldWidth::Natural, FieldType::GuestState, 15) == 0x681E);
    static_assert(encodeField(FieldWidth::Bits64, FieldType::Control, 0, true) == 0x2001);
    static_assert(encodeField(FieldWidth::Bits32, FieldType::ExitInformation, 1) == 0x4402);
    QCOMPARE(fieldInfo(Field::GuestRip).encoding(), 0x681Eu);
    QCOMPARE(fieldInfo(Field::ExitQualification).encoding(), 0x6400u);
}

void TestVmcs::fieldsAreInEnumOrderWithUniqueNames()
{
    std::set<QString> names;
    std::set<std::uint32_t> encodings;
    for (std::size_t i = 0; i < kFieldCount; ++i) {
        const FieldInfo &info = allFields()[i];
        QCOMPARE(static_cast<std::size_t>(info.field), i);
        QCOMPARE(&fieldInfo(info.field), &info);
        QVERIFY(info.title && *info.title);
        QVERIFY2(names.insert(QString::fromLatin1(info.name)).second, info.name);
        QVERIFY2(encodings.insert(info.encoding()).second, info.name);
        QVERIFY2((info.encoding() & 1) == 0, info.name); // full access
        QCOMPARE(fieldNamed(QString::fromLatin1(info.name)), std::optional<Field>(info.field));
    }
}

void TestVmcs::fieldNamedIsCaseInsensitive()
{
    QCOMPARE(fieldNamed(QStringLiteral("guest_rip")), std::optional<Field>(Field::GuestRip));
    QCOMPARE(fieldNamed(QStringLiteral("Exception_Bitmap")),
             std::optional<Field>(Field::ExceptionBitmap));
    QVERIFY(!fieldNamed(QStringLiteral("GUEST_RIPX")).has_value());
    QVERIFY(!fieldNamed(QString()).has_value());
}

void TestVmcs::areasFollowTheSdmGrouping_data()
{
    QTest::addColumn<Field>("field");
    QTest::addColumn<int>("area");
    QTest::addColumn<int>("type");
    const auto row = [](const char *name, Field field, Area area, FieldType type) {
        QTest::newRow(name) << field << static_cast<int>(area) << static_cast<int>(type);
    };
    row("VPID", Field::VirtualProcessorId, Area::ExecutionControls, FieldType::Control);
    row("IO bitmap A", Field::IoBitmapA, Area::ExecutionControls, FieldType::Control);
    row("EPTP", Field::EptPointer, Area::ExecutionControls, FieldType::Control);
    row("CR0 shadow", Field::Cr0ReadShadow, Area::ExecutionControls, FieldType::Control);
    row("exit controls", Field::ExitControls, Area::ExitControls, FieldType::Control);
    row("entry controls", Field::EntryControls, Area::EntryControls, FieldType::Control);
    row("entry interruption", Field::EntryInterruptionInfo, Area::EntryControls,
        FieldType::Control);
    row("entry length", Field::EntryInstructionLength, Area::EntryControls, FieldType::Control);
    row("instruction error", Field::VmInstructionError, Area::ExitInformation,
        FieldType::ExitInformation);
    row("guest-physical", Field::GuestPhysicalAddress, Area::ExitInformation,
        FieldType::ExitInformation);
    row("qualification", Field::ExitQualification, Area::ExitInformation,
        FieldType::ExitInformation);
    row("link pointer", Field::VmcsLinkPointer, Area::GuestState, FieldType::GuestState);
    row("activity", Field::GuestActivityState, Area::GuestState, FieldType::GuestState);
    row("host RIP", Field::HostRip, Area::HostState, FieldType::HostState);
}

void TestVmcs::areasFollowTheSdmGrouping()
{
    QFETCH(Field, field);
    QFETCH(int, area);
    QFETCH(int, type);
    QCOMPARE(static_cast<int>(fieldInfo(field).area), area);
    QCOMPARE(static_cast<int>(fieldInfo(field).type), type);
    QVERIFY(areaTitle(fieldInfo(field).area) && *areaTitle(fieldInfo(field).area));
}

void TestVmcs::controlBitsMatchTheSdm_data()
{
    QTest::addColumn<QString>("id");
    QTest::addColumn<Field>("field");
    QTest::addColumn<quint64>("mask");
    const auto row = [](const char *id, Field field, quint64 mask) {
        QTest::newRow(id) << QString::fromLatin1(id) << field << mask;
    };
    // SDM 25.6.1 and 25.6.2 (Linux: PIN_BASED_EXT_INTR_MASK, CPU_BASED_HLT_EXITING, ...).
    row("external-interrupt-exiting", Field::PinBasedControls, 0x1);
    row("interrupt-window-exiting", Field::PrimaryProcessorControls, 0x4);
    row("hlt-exiting", Field::PrimaryProcessorControls, 0x80);
    row("invlpg-exiting", Field::PrimaryProcessorControls, 0x200);
    row("rdtsc-exiting", Field::PrimaryProcessorControls, 0x1000);
    row("cr3-load-exiting", Field::PrimaryProcessorControls, 0x8000);
    row("cr3-store-exiting", Field::PrimaryProcessorControls, 0x10000);
    row("cr8-load-exiting", Field::PrimaryProcessorControls, 0x80000);
    row("cr8-store-exiting", Field::PrimaryProcessorControls, 0x100000);
    row("unconditional-io-exiting", Field::PrimaryProcessorControls, 0x1000000);
    row("use-io-bitmaps", Field::PrimaryProcessorControls, 0x2000000);
    row("use-msr-bitmaps", Field::PrimaryProcessorControls, 0x10000000);
    row("activate-secondary-controls", Field::PrimaryProcessorControls, 0x80000000);
    row("enable-ept", Field::SecondaryProcessorControls, 0x2);
    row("enable-vpid", Field::SecondaryProcessorControls, 0x20);
}

void TestVmcs::controlBitsMatchTheSdm()
{
    QFETCH(QString, id);
    QFETCH(Field, field);
    QFETCH(quint64, mask);
    const auto control = controlNamed(id);
    QVERIFY(control.has_value());
    QCOMPARE(controlInfo(*control).field, field);
    QCOMPARE(1ULL << controlInfo(*control).bit, mask);

    Vmcs vmcs;
    vmcs.setControl(*control, true);
    QCOMPARE(vmcs.read(field), mask);
    QVERIFY(vmcs.control(*control));
    vmcs.write(field, 0xFFFF'FFFF);
    vmcs.setControl(*control, false);
    QCOMPARE(vmcs.read(field), 0xFFFF'FFFFULL & ~mask);
    QVERIFY(!vmcs.control(*control));
}

void TestVmcs::controlsRoundTripByIdAndHaveMeanings()
{
    std::set<QString> ids;
    for (std::size_t i = 0; i < kControlCount; ++i) {
        const ControlInfo &info = allControls()[i];
        QCOMPARE(static_cast<std::size_t>(info.control), i);
        QVERIFY(ids.insert(QString::fromLatin1(info.id)).second);
        QCOMPARE(controlNamed(QString::fromLatin1(info.id)), std::optional<Control>(info.control));
        QVERIFY(info.title && *info.title);
        QVERIFY2(QByteArray(info.meaning).endsWith('.'), info.id); // one sentence
        QVERIFY(info.bit >= 0 && info.bit < 32);
    }
    QVERIFY(!controlNamed(QStringLiteral("hlt")).has_value());
}

void TestVmcs::exitReasonNamesAndKeys_data()
{
    QTest::addColumn<int>("reason");
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("key");
    const auto row = [](int reason, const char *name, const char *key) {
        QTest::addRow("%d", reason)
            << reason << QString::fromLatin1(name) << QString::fromLatin1(key);
    };
    // SDM appendix C; numbers cross-checked in published-numbers.md section 7a.
    row(0, "Exception or NMI", "exception_or_nmi");
    row(1, "External interrupt", "external_interrupt");
    row(2, "Triple fault", "triple_fault");
    row(7, "Interrupt window", "interrupt_window");
    row(10, "CPUID", "cpuid");
    row(12, "HLT", "hlt");
    row(14, "INVLPG", "invlpg");
    row(16, "RDTSC", "rdtsc");
    row(18, "VMCALL", "vmcall");
    row(28, "Control-register access", "cr_access");
    row(29, "MOV DR", "mov_dr");
    row(30, "I/O instruction", "io_instruction");
    row(31, "RDMSR", "rdmsr");
    row(32, "WRMSR", "wrmsr");
    row(33, "VM-entry failure: invalid guest state", "vm_entry_failure_invalid_guest_state");
    row(37, "Monitor trap flag", "monitor_trap_flag");
    row(48, "EPT violation", "ept_violation");
    row(49, "EPT misconfiguration", "ept_misconfiguration");
    row(52, "VMX-preemption timer expired", "vmx_preemption_timer_expired");
    row(74, "Bus lock", "bus_lock");
    row(77, "TDCALL", "tdcall");
}

void TestVmcs::exitReasonNamesAndKeys()
{
    QFETCH(int, reason);
    QFETCH(QString, name);
    QFETCH(QString, key);
    const auto number = static_cast<std::uint16_t>(reason);
    QVERIFY(exitReasonName(number));
    QCOMPARE(QString::fromLatin1(exitReasonName(number)), name);
    QCOMPARE(exitReasonKey(number), key);
}

void TestVmcs::exitReasonKeysAreUniqueSnakeCase()
{
    // Unassigned numbers have no name and a numbered key.
    for (const int number : {35, 38, 42, 78, 200, 0xFFFF}) {
        const auto unassigned = static_cast<std::uint16_t>(number);
        QVERIFY(!exitReasonName(unassigned));
        QCOMPARE(exitReasonKey(unassigned), QStringLiteral("reason_%1").arg(unassigned));
    }
    const QRegularExpression snake(QStringLiteral("^[a-z0-9]+(_[a-z0-9]+)*$"));
    std::set<QString> keys;
    int named = 0;
    for (std::uint16_t reason = 0; reason <= 77; ++reason) {
        const QString key = exitReasonKey(reason);
        QVERIFY2(snake.match(key).hasMatch(), qPrintable(key));
        QVERIFY2(keys.insert(key).second, qPrintable(key));
        if (exitReasonName(reason))
            ++named;
    }
    QCOMPARE(named, 78 - 3); // all of 0-77 but 35, 38 and 42
    QCOMPARE(exit_reason::kEptViolation, std::uint16_t{48});
    QCOMPARE(exit_reason::kEntryFailureBit, 0x80000000u);
}

void TestVmcs::crAccessQualification_data()
{
    QTest::addColumn<int>("cr");
    QTest::addColumn<int>("type");
    QTest::addColumn<int>("gpr");
    QTest::addColumn<quint64>("qualification");
    QTest::addColumn<QString>("words");
    const auto row = [](const char *name, int cr, CrAccessType type, int gpr, quint64 q,
                        const char *words) {
        QTest::newRow(name) << cr << static_cast<int>(type) << gpr << q
                            << QString::fromLatin1(words);
    };
    row("mov cr3, rax", 3, CrAccessType::MovToCr, 0, 0x3, "MOV to CR3 from RAX");
    row("mov rcx, cr3", 3, CrAccessType::MovFromCr, 1, 0x113, "MOV from CR3 to RCX");
    row("mov cr0, r15", 0, CrAccessType::MovToCr, 15, 0xF00, "MOV to CR0 from R15");
    row("mov rbx, cr8", 8, CrAccessType::MovFromCr, 3, 0x318, "MOV from CR8 to RBX");
    row("mov cr4, rdx", 4, CrAccessType::MovToCr, 2, 0x204, "MOV to CR4 from RDX");
    // CLTS names neither a control register nor a GPR: both fields are cleared.
    row("clts", 0, CrAccessType::Clts, 5, 0x20, "CLTS");
}

void TestVmcs::crAccessQualification()
{
    QFETCH(int, cr);
    QFETCH(int, type);
    QFETCH(int, gpr);
    QFETCH(quint64, qualification);
    QFETCH(QString, words);
    const std::uint64_t q = vmx::crAccessQualification(cr, static_cast<CrAccessType>(type), gpr);
    QCOMPARE(q, qualification);
    QCOMPARE(describeQualification(exit_reason::kCrAccess, q), words);
}

void TestVmcs::ioQualification_data()
{
    QTest::addColumn<int>("port");
    QTest::addColumn<int>("size");
    QTest::addColumn<bool>("in");
    QTest::addColumn<bool>("string");
    QTest::addColumn<bool>("rep");
    QTest::addColumn<bool>("immediate");
    QTest::addColumn<quint64>("qualification");
    QTest::addColumn<QString>("words");
    QTest::newRow("out 0x40, al") << 0x40 << 1 << false << false << false << true
                                  << quint64{0x400040}
                                  << QStringLiteral("OUT to port 0x40, 1 byte, immediate operand");
    QTest::newRow("in al, dx (0x3F8)")
        << 0x3F8 << 1 << true << false << false << false << quint64{0x3F80008}
        << QStringLiteral("IN from port 0x3F8 (DX), 1 byte");
    QTest::newRow("rep outsb (dx = 0x3F8)")
        << 0x3F8 << 1 << false << true << true << false << quint64{0x3F80030}
        << QStringLiteral("REP OUTSB to port 0x3F8 (DX), 1 byte");
    QTest::newRow("insw (dx = 0x1F0)")
        << 0x1F0 << 2 << true << true << false << false << quint64{0x1F00019}
        << QStringLiteral("INSW from port 0x1F0 (DX), 2 bytes");
    QTest::newRow("in eax, 0x71") << 0x71 << 4 << true << false << false << true
                                  << quint64{0x71004B}
                                  << QStringLiteral(
                                         "IN from port 0x71, 4 bytes, immediate operand");
    QTest::newRow("out dx (0xCFC), eax")
        << 0xCFC << 4 << false << false << false << false << quint64{0xCFC0003}
        << QStringLiteral("OUT to port 0xCFC (DX), 4 bytes");
}

void TestVmcs::ioQualification()
{
    QFETCH(int, port);
    QFETCH(int, size);
    QFETCH(bool, in);
    QFETCH(bool, string);
    QFETCH(bool, rep);
    QFETCH(bool, immediate);
    QFETCH(quint64, qualification);
    QFETCH(QString, words);
    const std::uint64_t q =
        vmx::ioQualification(static_cast<std::uint16_t>(port), size, in, string, rep, immediate);
    QCOMPARE(q, qualification);
    QCOMPARE(describeQualification(exit_reason::kIoInstruction, q), words);
}

void TestVmcs::interruptionInfo_data()
{
    QTest::addColumn<int>("vector");
    QTest::addColumn<int>("type");
    QTest::addColumn<bool>("errorCode");
    QTest::addColumn<uint>("info");
    const auto row = [](const char *name, int vector, InterruptionType type, bool errorCode,
                        uint info) {
        QTest::newRow(name) << vector << static_cast<int>(type) << errorCode << info;
    };
    row("#PF with error code", 14, InterruptionType::HardwareException, true, 0x80000B0E);
    row("external interrupt 32", 32, InterruptionType::ExternalInterrupt, false, 0x80000020);
    row("NMI", 2, InterruptionType::Nmi, false, 0x80000202);
    row("#GP(0)", 13, InterruptionType::HardwareException, true, 0x80000B0D);
    row("int3", 3, InterruptionType::SoftwareException, false, 0x80000603);
    row("int 0x80", 0x80, InterruptionType::SoftwareInterrupt, false, 0x80000480);
}

void TestVmcs::interruptionInfo()
{
    QFETCH(int, vector);
    QFETCH(int, type);
    QFETCH(bool, errorCode);
    QFETCH(uint, info);
    QCOMPARE(vmx::interruptionInfo(static_cast<std::uint8_t>(vector),
                                   static_cast<InterruptionType>(type), errorCode),
             info);
}

void TestVmcs::describesQualifications_data()
{
    QTest::addColumn<int>("reason");
    QTest::addColumn<quint64>("qualification");
    QTest::addColumn<QString>("words");
    const auto row = [](const char *name, int reason, quint64 q, const char *words) {
        QTest::newRow(name) << reason << q << QString::fromLatin1(words);
    };
    row("invlpg", exit_reason::kInvlpg, 0x7f0000, "linear address 0x7f0000");
    row("lmsw register", exit_reason::kCrAccess, lmswQualification(0x1, false),
        "LMSW 0x1 from a register");
    row("lmsw memory", exit_reason::kCrAccess, lmswQualification(0xF, true),
        "LMSW 0xf from memory");
    row("mov dr7, rax", exit_reason::kMovDr, 0x7, "MOV to DR7 from RAX");
    row("mov rcx, dr6", exit_reason::kMovDr, 0x116, "MOV from DR6 to RCX");
    row("task switch by jmp", exit_reason::kTaskSwitch, 0x8000'0028, "to TSS selector 0x28 by JMP");
    row("ept write to read-only", exit_reason::kEptViolation, 0x18A,
        "data write; EPT allowed r--; at the translated address");
    row("ept fetch during walk", exit_reason::kEptViolation, 0x84,
        "instruction fetch; EPT allowed ---; at a guest paging-structure entry");
    row("hlt", exit_reason::kHlt, 0, "none");
    row("cpuid", exit_reason::kCpuid, 0, "none");
    row("exception without info", exit_reason::kExceptionOrNmi, 0, "none");
    row("vmread displacement", 23, 0x10, "displacement 0x10");
    row("link pointer", exit_reason::kEntryFailureGuestState, 4, "invalid VMCS link pointer");
}

void TestVmcs::describesQualifications()
{
    QFETCH(int, reason);
    QFETCH(quint64, qualification);
    QFETCH(QString, words);
    QCOMPARE(describeQualification(static_cast<std::uint16_t>(reason), qualification), words);
}

void TestVmcs::describesExceptionQualificationByVector()
{
    const auto pf = vmx::interruptionInfo(14, InterruptionType::HardwareException, true);
    QCOMPARE(describeQualification(exit_reason::kExceptionOrNmi, 0xdead000, pf),
             QStringLiteral("faulting linear address 0xdead000"));
    const auto db = vmx::interruptionInfo(1, InterruptionType::HardwareException, false);
    QCOMPARE(describeQualification(exit_reason::kExceptionOrNmi, 0x4000, db),
             QStringLiteral("debug conditions 0x4000"));
    const auto ud = vmx::interruptionInfo(6, InterruptionType::HardwareException, false);
    QCOMPARE(describeQualification(exit_reason::kExceptionOrNmi, 0, ud), QStringLiteral("none"));
    // Other reasons ignore the interruption information.
    QCOMPARE(describeQualification(exit_reason::kCrAccess, 0x3, pf),
             QStringLiteral("MOV to CR3 from RAX"));
}

void TestVmcs::describesInterruptionInfo_data()
{
    QTest::addColumn<uint>("info");
    QTest::addColumn<QString>("words");
    QTest::newRow("#PF") << 0x80000B0Eu
                         << QStringLiteral("vector 14 (#PF), hardware exception, error code valid");
    QTest::newRow("interrupt 32") << 0x80000020u << QStringLiteral("vector 32, external interrupt");
    QTest::newRow("int3") << 0x80000603u << QStringLiteral("vector 3 (#BP), software exception");
    QTest::newRow("NMI") << 0x80000202u << QStringLiteral("vector 2 (NMI), NMI");
    QTest::newRow("not valid") << 0x00000B0Eu << QStringLiteral("none");
    QTest::newRow("zero") << 0u << QStringLiteral("none");
}

void TestVmcs::describesInterruptionInfo()
{
    QFETCH(uint, info);
    QFETCH(QString, words);
    QCOMPARE(describeInterruptionInfo(info), words);
}

void TestVmcs::ioExitsUnconditionallyOrByBitmap()
{
    Vmcs vmcs;
    QVERIFY(!vmcs.ioExits(0x40, 1)); // both controls 0: the instruction runs
    vmcs.setControl(Control::UnconditionalIoExiting, true);
    QVERIFY(vmcs.ioExits(0x40, 1));
    QVERIFY(vmcs.ioExits(0xFFFF, 4));

    // With "use I/O bitmaps" on, unconditional I/O exiting is ignored: the bitmaps decide.
    vmcs.setControl(Control::UseIoBitmaps, true);
    QVERIFY(!vmcs.ioExits(0x40, 1));
    vmcs.setIoIntercept(0x40, true);
    QVERIFY(vmcs.ioExits(0x40, 1));
    QVERIFY(!vmcs.ioExits(0x41, 1));
    vmcs.setIoIntercept(0x9000, true); // bitmap B
    QVERIFY(vmcs.ioExits(0x9000, 1));
    QVERIFY(!vmcs.ioExits(0x8FFF, 1));
    vmcs.setIoIntercept(0x40, false);
    QVERIFY(!vmcs.ioExits(0x40, 1));

    vmcs.setControl(Control::UnconditionalIoExiting, false);
    QVERIFY(vmcs.ioExits(0x9000, 1));
    QVERIFY(!vmcs.ioExits(0x40, 1));
}

void TestVmcs::ioBitmapChecksEveryPortTouched()
{
    Vmcs vmcs;
    vmcs.setControl(Control::UseIoBitmaps, true);
    vmcs.setIoIntercept(0x71, true);
    QVERIFY(!vmcs.ioExits(0x70, 1));
    QVERIFY(vmcs.ioExits(0x70, 2)); // 0x70 allowed, 0x71 denied
    QVERIFY(!vmcs.ioExits(0x6E, 2));
    QVERIFY(vmcs.ioExits(0x6E, 4)); // 0x6E-0x71
    // Across the A/B boundary.
    vmcs.setIoIntercept(0x8000, true);
    QVERIFY(!vmcs.ioExits(0x7FFF, 1));
    QVERIFY(vmcs.ioExits(0x7FFF, 2));
    // An access that wraps past 0xFFFF exits whatever the bitmaps say.
    QVERIFY(!vmcs.ioExits(0xFFFF, 1));
    QVERIFY(!vmcs.ioExits(0xFFFC, 4));
    QVERIFY(vmcs.ioExits(0xFFFF, 2));
    QVERIFY(vmcs.ioExits(0xFFFE, 4));
}

void TestVmcs::msrExitsByBitmap_data()
{
    QTest::addColumn<uint>("msr");
    QTest::addColumn<bool>("write");
    QTest::newRow("TSC read") << 0x10u << false;
    QTest::newRow("TSC write") << 0x10u << true;
    QTest::newRow("APIC base write") << 0x1Bu << true;
    QTest::newRow("last low MSR") << 0x1FFFu << false;
    QTest::newRow("EFER read") << 0xC0000080u << false;
    QTest::newRow("LSTAR write") << 0xC0000082u << true;
    QTest::newRow("last high MSR") << 0xC0001FFFu << true;
}

void TestVmcs::msrExitsByBitmap()
{
    QFETCH(uint, msr);
    QFETCH(bool, write);
    Vmcs vmcs;
    vmcs.setControl(Control::UseMsrBitmaps, true);
    QVERIFY(!vmcs.msrExits(msr, write));
    vmcs.setMsrIntercept(msr, write, true);
    QVERIFY(vmcs.msrExits(msr, write));
    // The four bitmaps are separate: the other direction and the same offset in the other
    // range are unaffected.
    QVERIFY(!vmcs.msrExits(msr, !write));
    QVERIFY(!vmcs.msrExits(msr ^ 0xC0000000u, write));
    vmcs.setMsrIntercept(msr, write, false);
    QVERIFY(!vmcs.msrExits(msr, write));
}

void TestVmcs::msrOutsideTheBitmapRangesAlwaysExits()
{
    Vmcs vmcs;
    vmcs.setControl(Control::UseMsrBitmaps, true);
    for (std::uint32_t msr : {0x2000u, 0x4000'0000u, 0xBFFF'FFFFu, 0xC000'2000u, 0xFFFF'FFFFu}) {
        QVERIFY(vmcs.msrExits(msr, false));
        QVERIFY(vmcs.msrExits(msr, true));
        vmcs.setMsrIntercept(msr, false, false); // no bit to clear
        QVERIFY(vmcs.msrExits(msr, false));
    }
}

void TestVmcs::msrBitmapsOffMeansEveryMsrExits()
{
    Vmcs vmcs = Vmcs::defaults();
    QVERIFY(!vmcs.msrExits(0xC0000080, false));
    vmcs.setControl(Control::UseMsrBitmaps, false);
    QVERIFY(vmcs.msrExits(0xC0000080, false));
    QVERIFY(vmcs.msrExits(0x10, false));
}

void TestVmcs::cr0AndCr4MaskAndShadow()
{
    Vmcs vmcs;
    vmcs.write(Field::Cr0GuestHostMask, 0x8000'0001); // PG, PE owned by the host
    vmcs.write(Field::Cr0ReadShadow, 0x8000'0011);
    // Guest-owned bits change freely; an owned bit that differs from the shadow exits.
    QVERIFY(!vmcs.cr0WriteExits(0x8000'0011));
    QVERIFY(!vmcs.cr0WriteExits(0x8000'0019)); // TS is the guest's
    QVERIFY(!vmcs.cr0WriteExits(0x8001'0031)); // WP, NE too
    QVERIFY(vmcs.cr0WriteExits(0x0000'0011));  // clears PG
    QVERIFY(vmcs.cr0WriteExits(0x8000'0010));  // clears PE
    // Reads: owned bits from the shadow, the rest from the real register.
    QCOMPARE(vmcs.cr0AsGuestReads(0x0000'0039), 0x8000'0039ULL);
    QCOMPARE(vmcs.cr0AsGuestReads(0x8000'0000), 0x8000'0001ULL);

    vmcs.write(Field::Cr4GuestHostMask, 1ULL << 13); // VMXE
    vmcs.write(Field::Cr4ReadShadow, 0x20);
    QVERIFY(!vmcs.cr4WriteExits(0x20));
    QVERIFY(!vmcs.cr4WriteExits(0xA0)); // PGE is the guest's
    QVERIFY(vmcs.cr4WriteExits(0x2020));
    QCOMPARE(vmcs.cr4AsGuestReads(0x2020), 0x20ULL);
    QCOMPARE(vmcs.cr4AsGuestReads(0x20A0), 0xA0ULL);
}

void TestVmcs::cltsAndLmswFollowTheMask()
{
    Vmcs vmcs;
    QVERIFY(!vmcs.cltsExits());
    vmcs.write(Field::Cr0GuestHostMask, 0x8); // TS owned
    QVERIFY(!vmcs.cltsExits());               // shadow TS = 0
    vmcs.write(Field::Cr0ReadShadow, 0x8);
    QVERIFY(vmcs.cltsExits());

    vmcs.write(Field::Cr0GuestHostMask, 0x1); // PE owned
    vmcs.write(Field::Cr0ReadShadow, 0x0);
    QVERIFY(vmcs.lmswExits(0x1));  // would set PE
    QVERIFY(!vmcs.lmswExits(0xE)); // MP, EM, TS are the guest's
    vmcs.write(Field::Cr0ReadShadow, 0x1);
    QVERIFY(!vmcs.lmswExits(0x0));            // LMSW cannot clear PE
    vmcs.write(Field::Cr0GuestHostMask, 0x3); // PE and MP owned, shadow PE = 1, MP = 0
    QVERIFY(!vmcs.lmswExits(0x1));
    QVERIFY(vmcs.lmswExits(0x3)); // would set MP
    vmcs.write(Field::Cr0ReadShadow, 0x3);
    QVERIFY(!vmcs.lmswExits(0x3));
    QVERIFY(vmcs.lmswExits(0x1)); // would clear MP
}

void TestVmcs::exceptionBitmap()
{
    Vmcs vmcs;
    for (std::uint8_t vector = 0; vector < 32; ++vector)
        QVERIFY(!vmcs.exceptionExits(vector));
    vmcs.write(Field::ExceptionBitmap, (1U << 6) | (1U << 13) | (1U << 2));
    QVERIFY(vmcs.exceptionExits(6));
    QVERIFY(vmcs.exceptionExits(13, 0));
    QVERIFY(!vmcs.exceptionExits(14, 0));
    QVERIFY(!vmcs.exceptionExits(0));
    // NMIs exit by "NMI exiting", and vectors 32-255 are interrupts: never by the bitmap.
    QVERIFY(!vmcs.exceptionExits(2));
    QVERIFY(!vmcs.exceptionExits(32));
    QVERIFY(!vmcs.exceptionExits(255));
}

void TestVmcs::pageFaultErrorCodeMaskAndMatch_data()
{
    QTest::addColumn<bool>("bit14");
    QTest::addColumn<uint>("mask");
    QTest::addColumn<uint>("match");
    QTest::addColumn<uint>("errorCode");
    QTest::addColumn<bool>("exits");
    // (PFEC & MASK) == MATCH: bit 14 says "exit when set"; otherwise "exit when clear".
    QTest::newRow("bit set, 0/0 matches all") << true << 0u << 0u << 0x2u << true;
    QTest::newRow("bit clear, 0/0 matches all") << false << 0u << 0u << 0x2u << false;
    QTest::newRow("bit set, writes only: write") << true << 0x2u << 0x2u << 0x3u << true;
    QTest::newRow("bit set, writes only: read") << true << 0x2u << 0x2u << 0x1u << false;
    QTest::newRow("bit clear, mismatch exits") << false << 0x2u << 0x2u << 0x1u << true;
    QTest::newRow("bit clear, match does not") << false << 0x2u << 0x2u << 0x2u << false;
    QTest::newRow("bit clear, impossible match: all exit") << false << 0u << 1u << 0x7u << true;
    QTest::newRow("user not-present") << true << 0x5u << 0x4u << 0x6u << true;
    QTest::newRow("user protection") << true << 0x5u << 0x4u << 0x5u << false;
}

void TestVmcs::pageFaultErrorCodeMaskAndMatch()
{
    QFETCH(bool, bit14);
    QFETCH(uint, mask);
    QFETCH(uint, match);
    QFETCH(uint, errorCode);
    QFETCH(bool, exits);
    Vmcs vmcs;
    vmcs.write(Field::ExceptionBitmap, bit14 ? 1U << 14 : 0);
    vmcs.write(Field::PageFaultErrorCodeMask, mask);
    vmcs.write(Field::PageFaultErrorCodeMatch, match);
    QCOMPARE(vmcs.exceptionExits(14, errorCode), exits);
}

void TestVmcs::writeTruncatesToTheFieldWidth_data()
{
    QTest::addColumn<Field>("field");
    QTest::addColumn<quint64>("stored");
    constexpr quint64 kAllOnes = ~0ULL;
    QTest::newRow("16-bit VPID") << Field::VirtualProcessorId << quint64{0xFFFF};
    QTest::newRow("16-bit selector") << Field::HostTrSelector << quint64{0xFFFF};
    QTest::newRow("32-bit controls") << Field::PrimaryProcessorControls << quint64{0xFFFF'FFFF};
    QTest::newRow("32-bit exit reason") << Field::ExitReason << quint64{0xFFFF'FFFF};
    QTest::newRow("64-bit link pointer") << Field::VmcsLinkPointer << kAllOnes;
    QTest::newRow("64-bit guest-physical") << Field::GuestPhysicalAddress << kAllOnes;
    QTest::newRow("natural RIP") << Field::GuestRip << kAllOnes;
    QTest::newRow("natural qualification") << Field::ExitQualification << kAllOnes;
}

void TestVmcs::writeTruncatesToTheFieldWidth()
{
    QFETCH(Field, field);
    QFETCH(quint64, stored);
    Vmcs vmcs;
    vmcs.write(field, ~0ULL);
    QCOMPARE(vmcs.read(field), stored);
    vmcs.write(field, 0x1234'5678'9ABC'DEF0);
    QCOMPARE(vmcs.read(field), 0x1234'5678'9ABC'DEF0ULL & stored);
}

void TestVmcs::secondaryControlsNeedActivation()
{
    Vmcs vmcs;
    vmcs.setControl(Control::EnableEpt, true);
    QVERIFY(vmcs.control(Control::EnableEpt));
    QVERIFY(!vmcs.controlActive(Control::EnableEpt));
    vmcs.setControl(Control::ActivateSecondaryControls, true);
    QVERIFY(vmcs.controlActive(Control::EnableEpt));
    QVERIFY(!vmcs.controlActive(Control::EnableVpid));
    vmcs.setControl(Control::HltExiting, true);
    QVERIFY(vmcs.controlActive(Control::HltExiting));
}

void TestVmcs::defaults()
{
    const Vmcs vmcs = Vmcs::defaults();
    // The header's list of controls that are on; everything else is off.
    const std::set<Control> on{
        Control::ExternalInterruptExiting,
        Control::HltExiting,
        Control::Cr8LoadExiting,
        Control::Cr8StoreExiting,
        Control::UnconditionalIoExiting,
        Control::UseMsrBitmaps,
        Control::ActivateSecondaryControls,
        Control::EnableEpt,
        Control::EnableVpid,
    };
    for (const ControlInfo &info : allControls())
        QVERIFY2(vmcs.control(info.control) == (on.count(info.control) == 1), info.id);
    QCOMPARE(vmcs.read(Field::PinBasedControls), 0x1ULL);
    QCOMPARE(vmcs.read(Field::PrimaryProcessorControls), 0x9118'0080ULL);
    QCOMPARE(vmcs.read(Field::SecondaryProcessorControls), 0x22ULL);

    QCOMPARE(vmcs.read(Field::VmcsLinkPointer), ~0ULL);
    QVERIFY(vmcs.read(Field::VirtualProcessorId) != 0);     // VPID 0 is the host's
    QCOMPARE(vmcs.read(Field::EptPointer) & 0x3F, 0x1EULL); // WB, 4-level walk
    QCOMPARE(vmcs.read(Field::Cr3TargetCount), 0ULL);
    QCOMPARE(vmcs.read(Field::ExceptionBitmap), 0ULL);
    QVERIFY(!vmcs.exceptionExits(14, 0x2));
    QCOMPARE(vmcs.read(Field::Cr0GuestHostMask), 0xE000'0001ULL);
    QCOMPARE(vmcs.read(Field::Cr0ReadShadow), 0x8000'0031ULL);
    QCOMPARE(vmcs.read(Field::Cr4GuestHostMask), 0x2000ULL);
    QCOMPARE(vmcs.read(Field::Cr4ReadShadow) & 0x2000, 0ULL);
    QCOMPARE(vmcs.read(Field::GuestActivityState), 0ULL);
    QCOMPARE(vmcs.read(Field::ExitControls) & 0x200, 0x200ULL);        // host address-space size
    QCOMPARE(vmcs.read(Field::ExitControls) & 0x8000, 0x8000ULL);      // acknowledge interrupt
    QCOMPARE(vmcs.read(Field::EntryControls) & 0x200, 0x200ULL);       // IA-32e mode guest
    QCOMPARE(vmcs.read(Field::HostCr4) & 0x2020, 0x2020ULL);           // VMXE, PAE
    QCOMPARE(vmcs.read(Field::HostCr0) & 0x8000'0021, 0x8000'0021ULL); // PG, NE, PE
    QVERIFY(vmcs.read(Field::HostRip) != 0);
    QVERIFY(vmcs.read(Field::HostRsp) != 0);
    QVERIFY(vmcs.read(Field::HostCsSelector) != 0);
    QVERIFY(vmcs.read(Field::HostTrSelector) != 0);
    for (Field address : {Field::IoBitmapA, Field::IoBitmapB, Field::MsrBitmap})
        QCOMPARE(vmcs.read(address) & 0xFFF, 0ULL); // page-aligned, set

    // Unconditional I/O exiting: every port exits. Turning the bitmaps on changes nothing
    // until a port is allowed.
    QVERIFY(vmcs.ioExits(0x80, 1));
    Vmcs bitmaps = vmcs;
    bitmaps.setControl(Control::UseIoBitmaps, true);
    bitmaps.setControl(Control::UnconditionalIoExiting, false);
    for (int port = 0; port <= 0xFFFF; ++port)
        QVERIFY(bitmaps.ioExits(static_cast<std::uint16_t>(port), 1));
    bitmaps.setIoIntercept(0x80, false);
    QVERIFY(!bitmaps.ioExits(0x80, 1));

    // MSRs: only writes to IA32_TIME_STAMP_COUNTER exit within the bitmap ranges.
    QVERIFY(vmcs.msrExits(0x10, true));
    QVERIFY(!vmcs.msrExits(0x10, false));
    QVERIFY(!vmcs.msrExits(0x1B, true));
    QVERIFY(!vmcs.msrExits(0xC0000080, true));
    QVERIFY(vmcs.msrExits(0x4000'0000, false)); // outside the ranges

    // The guest sees CR4 without VMXE, and its CR0 write that keeps PG and PE does not exit.
    QCOMPARE(vmcs.cr4AsGuestReads(vmcs.read(Field::GuestCr4)), vmcs.read(Field::Cr4ReadShadow));
    QVERIFY(!vmcs.cr0WriteExits(0x8001'0033));
    QVERIFY(vmcs.cr0WriteExits(0x0000'0031));
}

void TestVmcs::changedFrom()
{
    const Vmcs before = Vmcs::defaults();
    QVERIFY(before.changedFrom(before).empty());
    Vmcs after = before;
    after.write(Field::ExitReason, exit_reason::kHlt);
    after.write(Field::GuestRip, before.read(Field::GuestRip) + 1);
    after.setControl(Control::HltExiting, true);                // already on: no change
    after.write(Field::GuestCr0, before.read(Field::GuestCr0)); // same value
    const std::vector<Field> expected{Field::ExitReason, Field::GuestRip};
    QCOMPARE(after.changedFrom(before), expected); // in enum order
    after.setIoIntercept(0x80, false);             // bitmaps are not fields
    QCOMPARE(after.changedFrom(before), expected);
}

QTEST_GUILESS_MAIN(TestVmcs)
#include "tst_vmcs.moc"
