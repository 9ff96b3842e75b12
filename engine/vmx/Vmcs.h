#pragma once

// A model of Intel VT-x's virtual-machine control structure (VMCS), as the Intel SDM Vol. 3
// describes it: chapter 25 "Virtual-Machine Control Structures", appendix B "Field Encoding in
// VMCS", appendix C for the basic exit reasons. Chapter and table numbers are those of the
// editions since 2022 (older editions number the VMX chapters lower, e.g. Table 27-3 for
// Table 28-3). Unicorn has no VMX, so the engine keeps the VMCS itself and raises VM exits
// where the controls say real hardware would. Only the fields the workbench uses are
// modelled; each keeps the SDM's name and encoding.

#include <QString>
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

namespace vmwb::vmx {

// Field encoding (SDM Vol. 3, B.1 / 25.11.2): bit 0 access type (0 full, 1 high), bits 9:1
// index, bits 11:10 type, bit 12 reserved (0), bits 14:13 width.
enum class FieldWidth : std::uint8_t
{
    Bits16 = 0,
    Bits64 = 1,
    Bits32 = 2,
    Natural = 3
};
enum class FieldType : std::uint8_t
{
    Control = 0,
    ExitInformation = 1, // "VM-exit information" (read-only data)
    GuestState = 2,
    HostState = 3
};
constexpr std::uint32_t encodeField(FieldWidth width, FieldType type, std::uint16_t index,
                                    bool high = false)
{
    return (static_cast<std::uint32_t>(width) << 13) | (static_cast<std::uint32_t>(type) << 10) |
           (static_cast<std::uint32_t>(index) << 1) | (high ? 1U : 0U);
}

// The VMCS areas as the SDM groups the fields (25.3 to 25.9).
enum class Area : std::uint8_t
{
    GuestState,
    HostState,
    ExecutionControls,
    ExitControls,
    EntryControls,
    ExitInformation
};
const char *areaTitle(Area area); // QT_TRANSLATE_NOOP("vmwb::Vmcs", ...)

// The modelled fields, each with the SDM's name (as in Linux's vmx.h) and encoding.
enum class Field : std::uint16_t
{
    // 16-bit
    VirtualProcessorId, // VIRTUAL_PROCESSOR_ID 0x0000
    GuestEsSelector,    // 0x0800
    GuestCsSelector,    // 0x0802
    GuestSsSelector,    // 0x0804
    GuestDsSelector,    // 0x0806
    GuestFsSelector,    // 0x0808
    GuestGsSelector,    // 0x080A
    GuestLdtrSelector,  // 0x080C
    GuestTrSelector,    // 0x080E
    HostEsSelector,     // 0x0C00
    HostCsSelector,     // 0x0C02
    HostSsSelector,     // 0x0C04
    HostDsSelector,     // 0x0C06
    HostTrSelector,     // 0x0C0C

    // 64-bit
    IoBitmapA,            // IO_BITMAP_A 0x2000
    IoBitmapB,            // IO_BITMAP_B 0x2002
    MsrBitmap,            // MSR_BITMAP 0x2004
    EptPointer,           // EPT_POINTER 0x201A
    GuestPhysicalAddress, // GUEST_PHYSICAL_ADDRESS 0x2400 (exit information)
    VmcsLinkPointer,      // VMCS_LINK_POINTER 0x2800

    // 32-bit
    PinBasedControls,           // PIN_BASED_VM_EXEC_CONTROL 0x4000
    PrimaryProcessorControls,   // CPU_BASED_VM_EXEC_CONTROL 0x4002
    ExceptionBitmap,            // EXCEPTION_BITMAP 0x4004
    PageFaultErrorCodeMask,     // PAGE_FAULT_ERROR_CODE_MASK 0x4006
    PageFaultErrorCodeMatch,    // PAGE_FAULT_ERROR_CODE_MATCH 0x4008
    Cr3TargetCount,             // CR3_TARGET_COUNT 0x400A
    ExitControls,               // VM_EXIT_CONTROLS 0x400C
    EntryControls,              // VM_ENTRY_CONTROLS 0x4012
    EntryInterruptionInfo,      // VM_ENTRY_INTR_INFO_FIELD 0x4016
    EntryExceptionErrorCode,    // VM_ENTRY_EXCEPTION_ERROR_CODE 0x4018
    EntryInstructionLength,     // VM_ENTRY_INSTRUCTION_LEN 0x401A
    SecondaryProcessorControls, // SECONDARY_VM_EXEC_CONTROL 0x401E
    VmInstructionError,         // VM_INSTRUCTION_ERROR 0x4400
    ExitReason,                 // VM_EXIT_REASON 0x4402
    ExitInterruptionInfo,       // VM_EXIT_INTR_INFO 0x4404
    ExitInterruptionErrorCode,  // VM_EXIT_INTR_ERROR_CODE 0x4406
    ExitInstructionLength,      // VM_EXIT_INSTRUCTION_LEN 0x440C
    ExitInstructionInfo,        // VMX_INSTRUCTION_INFO 0x440E
    GuestInterruptibility,      // GUEST_INTERRUPTIBILITY_INFO 0x4824
    GuestActivityState,         // GUEST_ACTIVITY_STATE 0x4826

    // natural width
    Cr0GuestHostMask,   // CR0_GUEST_HOST_MASK 0x6000
    Cr4GuestHostMask,   // CR4_GUEST_HOST_MASK 0x6002
    Cr0ReadShadow,      // CR0_READ_SHADOW 0x6004
    Cr4ReadShadow,      // CR4_READ_SHADOW 0x6006
    ExitQualification,  // EXIT_QUALIFICATION 0x6400
    GuestLinearAddress, // GUEST_LINEAR_ADDRESS 0x640A
    GuestCr0,           // GUEST_CR0 0x6800
    GuestCr3,           // GUEST_CR3 0x6802
    GuestCr4,           // GUEST_CR4 0x6804
    GuestGdtrBase,      // GUEST_GDTR_BASE 0x6816
    GuestIdtrBase,      // GUEST_IDTR_BASE 0x6818
    GuestRsp,           // GUEST_RSP 0x681C
    GuestRip,           // GUEST_RIP 0x681E
    GuestRflags,        // GUEST_RFLAGS 0x6820
    HostCr0,            // HOST_CR0 0x6C00
    HostCr3,            // HOST_CR3 0x6C02
    HostCr4,            // HOST_CR4 0x6C04
    HostGdtrBase,       // HOST_GDTR_BASE 0x6C0C
    HostIdtrBase,       // HOST_IDTR_BASE 0x6C0E
    HostRsp,            // HOST_RSP 0x6C14
    HostRip,            // HOST_RIP 0x6C16
    Count
};
inline constexpr std::size_t kFieldCount = static_cast<std::size_t>(Field::Count);

struct FieldInfo
{
    Field field;
    const char *name;  // the SDM's / Linux's name, e.g. "GUEST_RIP"
    const char *title; // QT_TRANSLATE_NOOP("vmwb::Vmcs", "Guest RIP")
    Area area;
    FieldWidth width;
    FieldType type;
    std::uint16_t index;
    std::uint32_t encoding() const { return encodeField(width, type, index); }
};
const FieldInfo &fieldInfo(Field field);
const std::array<FieldInfo, kFieldCount> &allFields();
std::optional<Field> fieldNamed(const QString &name); // by FieldInfo::name, case-insensitive

// The VM-execution controls the workbench lets a student toggle (SDM 25.6.1, 25.6.2).
enum class Control : std::uint8_t
{
    ExternalInterruptExiting,  // pin-based bit 0
    InterruptWindowExiting,    // primary bit 2
    HltExiting,                // primary bit 7
    InvlpgExiting,             // primary bit 9
    RdtscExiting,              // primary bit 12
    Cr3LoadExiting,            // primary bit 15
    Cr3StoreExiting,           // primary bit 16
    Cr8LoadExiting,            // primary bit 19
    Cr8StoreExiting,           // primary bit 20
    UnconditionalIoExiting,    // primary bit 24
    UseIoBitmaps,              // primary bit 25
    UseMsrBitmaps,             // primary bit 28
    ActivateSecondaryControls, // primary bit 31
    EnableEpt,                 // secondary bit 1
    EnableVpid,                // secondary bit 5
    Count
};
inline constexpr std::size_t kControlCount = static_cast<std::size_t>(Control::Count);

struct ControlInfo
{
    Control control;
    const char *id;      // command-line name: "hlt-exiting", "use-io-bitmaps", ...
    const char *title;   // QT_TRANSLATE_NOOP("vmwb::Vmcs", "HLT exiting")
    const char *meaning; // one sentence, QT_TRANSLATE_NOOP: what turning it on does
    Field field;         // PinBasedControls, PrimaryProcessorControls or SecondaryProcessorControls
    int bit;
};
const ControlInfo &controlInfo(Control control);
const std::array<ControlInfo, kControlCount> &allControls();
std::optional<Control> controlNamed(const QString &id); // by ControlInfo::id

// VM-exit and VM-entry controls the defaults set (SDM 25.7.1, 25.8.1).
namespace exit_control {
inline constexpr std::uint32_t kHostAddressSpaceSize = 1U << 9; // the host runs in 64-bit mode
// The CPU acknowledges an external interrupt at the exit and stores its vector in
// VM_EXIT_INTR_INFO; with this 0 that field is not valid after an external-interrupt exit.
inline constexpr std::uint32_t kAcknowledgeInterruptOnExit = 1U << 15;
} // namespace exit_control
namespace entry_control {
inline constexpr std::uint32_t kIa32eModeGuest = 1U << 9; // the guest is in IA-32e mode
} // namespace entry_control

// Basic exit reasons (SDM Vol. 3, appendix C), the low 16 bits of VM_EXIT_REASON.
namespace exit_reason {
inline constexpr std::uint16_t kExceptionOrNmi = 0;
inline constexpr std::uint16_t kExternalInterrupt = 1;
inline constexpr std::uint16_t kTripleFault = 2;
inline constexpr std::uint16_t kStartupIpi = 4;
inline constexpr std::uint16_t kInterruptWindow = 7;
inline constexpr std::uint16_t kTaskSwitch = 9;
inline constexpr std::uint16_t kCpuid = 10;
inline constexpr std::uint16_t kHlt = 12;
inline constexpr std::uint16_t kInvlpg = 14;
inline constexpr std::uint16_t kRdtsc = 16;
inline constexpr std::uint16_t kVmcall = 18;
inline constexpr std::uint16_t kCrAccess = 28;
inline constexpr std::uint16_t kMovDr = 29;
inline constexpr std::uint16_t kIoInstruction = 30;
inline constexpr std::uint16_t kRdmsr = 31;
inline constexpr std::uint16_t kWrmsr = 32;
inline constexpr std::uint16_t kEntryFailureGuestState = 33;
inline constexpr std::uint16_t kEntryFailureMsrLoading = 34;
inline constexpr std::uint16_t kEptViolation = 48;
inline constexpr std::uint16_t kEptMisconfiguration = 49;
// Bit 31 of VM_EXIT_REASON: the exit reports a failed VM entry (SDM 25.9.1).
inline constexpr std::uint32_t kEntryFailureBit = 1U << 31;
} // namespace exit_reason
// "HLT", "Control-register access", ... for every number appendix C assigns (0-77); nullptr
// for the others.
const char *exitReasonName(std::uint16_t reason);
// Stable JSON key: "hlt", "cr_access", "io_instruction", "external_interrupt", ...
QString exitReasonKey(std::uint16_t reason);

// Exit qualification for control-register accesses (SDM Table 28-3).
enum class CrAccessType : std::uint8_t
{
    MovToCr = 0,
    MovFromCr = 1,
    Clts = 2,
    Lmsw = 3
};
std::uint64_t crAccessQualification(int cr, CrAccessType type, int gpr); // gpr: 0 RAX ... 15 R15
// The LMSW form: bits 31:16 the 16-bit source operand, bit 6 set for a memory operand.
std::uint64_t lmswQualification(std::uint16_t source, bool memoryOperand);
// Exit qualification for I/O instructions (SDM Table 28-5).
std::uint64_t ioQualification(std::uint16_t port, int size, bool in, bool string, bool rep,
                              bool immediate);
// Interruption information (SDM 25.8.3 / 25.9.2): VM_ENTRY_INTR_INFO_FIELD and
// VM_EXIT_INTR_INFO share the layout.
enum class InterruptionType : std::uint8_t
{
    ExternalInterrupt = 0,
    Nmi = 2,
    HardwareException = 3,
    SoftwareInterrupt = 4,
    PrivilegedSoftwareException = 5,
    SoftwareException = 6,
    OtherEvent = 7
};
std::uint32_t interruptionInfo(std::uint8_t vector, InterruptionType type, bool errorCodeValid);

// In words: "MOV to CR3 from RAX", "OUT to port 0x40, 1 byte, immediate", "vector 14 (#PF),
// hardware exception, error code valid", ... for the reason's qualification / information.
QString describeQualification(std::uint16_t reason, std::uint64_t qualification);
// The same, for an exception or NMI exit naming what the qualification holds for the vector
// in VM_EXIT_INTR_INFO (the faulting address of a #PF, the conditions of a #DB).
QString describeQualification(std::uint16_t reason, std::uint64_t qualification,
                              std::uint32_t exitInterruptionInfo);
QString describeInterruptionInfo(std::uint32_t info);

class Vmcs
{
public:
    // The values a monitor like KVM would start a 64-bit guest with (see Vmcs.cpp for each):
    // external-interrupt exiting, HLT exiting, unconditional I/O exiting, CR8 load/store
    // exiting, use MSR bitmaps (the MSRs the bitmaps cover pass but the time-stamp counter's
    // writes; those outside 0-0x1FFF and 0xC0000000-0xC0001FFF always exit), secondary
    // controls with EPT and VPID on; CR0 mask on PE, PG, CD, NW; CR4 mask on VMXE.
    static Vmcs defaults();

    std::uint64_t read(Field field) const;
    // Truncated to the field's width (16 or 32 bits; natural width and 64-bit keep 64).
    void write(Field field, std::uint64_t value);

    bool control(Control control) const;
    void setControl(Control control, bool on);
    // As the CPU acts on it: a secondary control counts only while "activate secondary
    // controls" is 1 (SDM 25.6.2); otherwise the same as control().
    bool controlActive(Control control) const;

    // The I/O bitmaps (A: ports 0-0x7FFF, B: 0x8000-0xFFFF), kept in the model.
    void setIoIntercept(std::uint16_t port, bool exits);
    // Whether an access of `size` bytes at `port` exits (SDM 26.1.3): unconditional I/O exiting
    // when "use I/O bitmaps" is 0, else any bit of the ports touched; wrapping past 0xFFFF exits.
    bool ioExits(std::uint16_t port, int size) const;
    // The MSR bitmap (read low/high, write low/high; SDM 25.6.9). MSRs outside
    // 0-0x1FFF and 0xC0000000-0xC0001FFF always exit, and every MSR does when "use MSR
    // bitmaps" is 0.
    void setMsrIntercept(std::uint32_t msr, bool write, bool exits);
    bool msrExits(std::uint32_t msr, bool write) const;
    // MOV to CR0/CR4 exits if a bit owned by the host (set in the guest/host mask) would
    // differ from the read shadow (SDM 26.1.3).
    bool cr0WriteExits(std::uint64_t value) const;
    bool cr4WriteExits(std::uint64_t value) const;
    // What MOV from CR0/CR4 returns in the guest: host-owned bits from the read shadow.
    std::uint64_t cr0AsGuestReads(std::uint64_t real) const;
    std::uint64_t cr4AsGuestReads(std::uint64_t real) const;
    // CLTS exits if CR0.TS is set in both the mask and the read shadow; LMSW exits if it would
    // set PE where the mask owns PE and the shadow has it clear, or change an owned bit of MP,
    // EM or TS (SDM 26.1.3).
    bool cltsExits() const;
    bool lmswExits(std::uint16_t source) const;
    // Exception bitmap, with the #PF error-code mask/match rule (SDM 26.2).
    bool exceptionExits(std::uint8_t vector, std::uint32_t errorCode = 0) const;

    // The fields whose values differ from `other` (for "what the run changed").
    std::vector<Field> changedFrom(const Vmcs &other) const;

private:
    std::array<std::uint64_t, kFieldCount> m_values{};
    std::array<std::uint8_t, 8192> m_ioBitmaps{}; // A then B, 1 = exits
    std::array<std::uint8_t, 4096> m_msrBitmap{}; // read low, read high, write low, write high
};

} // namespace vmwb::vmx
