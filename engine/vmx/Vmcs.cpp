#include "vmx/Vmcs.h"

#include "core/Hex.h"
#include "hw/ControlRegisters.h"
#include "hw/Exceptions.h"
#include "machine/Platform.h"

#include <QCoreApplication>
#include <QStringList>
#include <algorithm>

// Section numbers follow the SDM editions in which chapter 25 is "Virtual-Machine Control
// Structures" (26 VMX non-root operation, 27 VM entries, 28 VM exits). Older and newer
// editions number these chapters and their tables differently (the CR-access table has been
// 27-3, 28-3, 29-3 and 30-3), so tables are cited by title.

namespace vmwb::vmx {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("vmwb::Vmcs", text);
}

constexpr std::size_t indexOf(Field field)
{
    return static_cast<std::size_t>(field);
}

using W = FieldWidth;
using T = FieldType;
using A = Area;

// Appendix B lists each field's encoding; the index is bits 9:1 of it. The table is in enum
// order (checked below), so fieldInfo() is an array access.
constexpr std::array<FieldInfo, kFieldCount> kFields{{
    // 16-bit fields (B.1)
    {Field::VirtualProcessorId, "VIRTUAL_PROCESSOR_ID",
     QT_TRANSLATE_NOOP("vmwb::Vmcs", "Virtual-processor identifier (VPID)"), A::ExecutionControls,
     W::Bits16, T::Control, 0},
    {Field::GuestEsSelector, "GUEST_ES_SELECTOR",
     QT_TRANSLATE_NOOP("vmwb::Vmcs", "Guest ES selector"), A::GuestState, W::Bits16, T::GuestState,
     0},
    {Field::GuestCsSelector, "GUEST_CS_SELECTOR",
     QT_TRANSLATE_NOOP("vmwb::Vmcs", "Guest CS selector"), A::GuestState, W::Bits16, T::GuestState,
     1},
    {Field::GuestSsSelector, "GUEST_SS_SELECTOR",
     QT_TRANSLATE_NOOP("vmwb::Vmcs", "Guest SS selector"), A::GuestState, W::Bits16, T::GuestState,
     2},
    {Field::GuestDsSelector, "GUEST_DS_SELECTOR",
     QT_TRANSLATE_NOOP("vmwb::Vmcs", "Guest DS selector"), A::GuestState, W::Bits16, T::GuestState,
     3},
    {Field::GuestFsSelector, "GUEST_FS_SELECTOR",
     QT_TRANSLATE_NOOP("vmwb::Vmcs", "Guest FS selector"), A::GuestState, W::Bits16, T::GuestState,
     4},
    {Field::GuestGsSelector, "GUEST_GS_SELECTOR",
     QT_TRANSLATE_NOOP("vmwb::Vmcs", "Guest GS selector"), A::GuestState, W::Bits16, T::GuestState,
     5},
    {Field::GuestLdtrSelector, "GUEST_LDTR_SELECTOR",
     QT_TRANSLATE_NOOP("vmwb::Vmcs", "Guest LDTR selector"), A::GuestState, W::Bits16,
     T::GuestState, 6},
    {Field::GuestTrSelector, "GUEST_TR_SELECTOR",
     QT_TRANSLATE_NOOP("vmwb::Vmcs", "Guest TR selector"), A::GuestState, W::Bits16, T::GuestState,
     7},
    {Field::HostEsSelector, "HOST_ES_SELECTOR", QT_TRANSLATE_NOOP("vmwb::Vmcs", "Host ES selector"),
     A::HostState, W::Bits16, T::HostState, 0},
    {Field::HostCsSelector, "HOST_CS_SELECTOR", QT_TRANSLATE_NOOP("vmwb::Vmcs", "Host CS selector"),
     A::HostState, W::Bits16, T::HostState, 1},
    {Field::HostSsSelector, "HOST_SS_SELECTOR", QT_TRANSLATE_NOOP("vmwb::Vmcs", "Host SS selector"),
     A::HostState, W::Bits16, T::HostState, 2},
    {Field::HostDsSelector, "HOST_DS_SELECTOR", QT_TRANSLATE_NOOP("vmwb::Vmcs", "Host DS selector"),
     A::HostState, W::Bits16, T::HostState, 3},
    {Field::HostTrSelector, "HOST_TR_SELECTOR", QT_TRANSLATE_NOOP("vmwb::Vmcs", "Host TR selector"),
     A::HostState, W::Bits16, T::HostState, 6},
    // 64-bit fields (B.2), full access (bit 0 = 0)
    {Field::IoBitmapA, "IO_BITMAP_A", QT_TRANSLATE_NOOP("vmwb::Vmcs", "Address of I/O bitmap A"),
     A::ExecutionControls, W::Bits64, T::Control, 0},
    {Field::IoBitmapB, "IO_BITMAP_B", QT_TRANSLATE_NOOP("vmwb::Vmcs", "Address of I/O bitmap B"),
     A::ExecutionControls, W::Bits64, T::Control, 1},
    {Field::MsrBitmap, "MSR_BITMAP", QT_TRANSLATE_NOOP("vmwb::Vmcs", "Address of MSR bitmaps"),
     A::ExecutionControls, W::Bits64, T::Control, 2},
    {Field::EptPointer, "EPT_POINTER", QT_TRANSLATE_NOOP("vmwb::Vmcs", "EPT pointer (EPTP)"),
     A::ExecutionControls, W::Bits64, T::Control, 13},
    {Field::GuestPhysicalAddress, "GUEST_PHYSICAL_ADDRESS",
     QT_TRANSLATE_NOOP("vmwb::Vmcs", "Guest-physical address"), A::ExitInformation, W::Bits64,
     T::ExitInformation, 0},
    {Field::VmcsLinkPointer, "VMCS_LINK_POINTER",
     QT_TRANSLATE_NOOP("vmwb::Vmcs", "VMCS link pointer"), A::GuestState, W::Bits64, T::GuestState,
     0},
    // 32-bit fields (B.3)
    {Field::PinBasedControls, "PIN_BASED_VM_EXEC_CONTROL",
     QT_TRANSLATE_NOOP("vmwb::Vmcs", "Pin-based VM-execution controls"), A::ExecutionControls,
     W::Bits32, T::Control, 0},
    {Field::PrimaryProcessorControls, "CPU_BASED_VM_EXEC_CONTROL",
     QT_TRANSLATE_NOOP("vmwb::Vmcs", "Primary processor-based VM-execution controls"),
     A::ExecutionControls, W::Bits32, T::Control, 1},
    {Field::ExceptionBitmap, "EXCEPTION_BITMAP",
     QT_TRANSLATE_NOOP("vmwb::Vmcs", "Exception bitmap"), A::ExecutionControls, W::Bits32,
     T::Control, 2},
    {Field::PageFaultErrorCodeMask, "PAGE_FAULT_ERROR_CODE_MASK",
     QT_TRANSLATE_NOOP("vmwb::Vmcs", "Page-fault error-code mask"), A::ExecutionControls, W::Bits32,
     T::Control, 3},
    {Field::PageFaultErrorCodeMatch, "PAGE_FAULT_ERROR_CODE_MATCH",
     QT_TRANSLATE_NOOP("vmwb::Vmcs", "Page-fault error-code match"), A::ExecutionControls,
     W::Bits32, T::Control, 4},
    {Field::Cr3TargetCount, "CR3_TARGET_COUNT", QT_TRANSLATE_NOOP("vmwb::Vmcs", "CR3-target count"),
     A::ExecutionControls, W::Bits32, T::Control, 5},
    {Field::ExitControls, "VM_EXIT_CONTROLS", QT_TRANSLATE_NOOP("vmwb::Vmcs", "VM-exit controls"),
     A::ExitControls, W::Bits32, T::Control, 6},
    {Field::EntryControls, "VM_ENTRY_CONTROLS",
     QT_TRANSLATE_NOOP("vmwb::Vmcs", "VM-entry controls"), A::EntryControls, W::Bits32, T::Control,
     9},
    {Field::EntryInterruptionInfo, "VM_ENTRY_INTR_INFO_FIELD",
     QT_TRANSLATE_NOOP("vmwb::Vmcs", "VM-entry interruption-information field"), A::EntryControls,
     W::Bits32, T::Control, 11},
    {Field::EntryExceptionErrorCode, "VM_ENTRY_EXCEPTION_ERROR_CODE",
     QT_TRANSLATE_NOOP("vmwb::Vmcs", "VM-entry exception error code"), A::EntryControls, W::Bits32,
     T::Control, 12},
    {Field::EntryInstructionLength, "VM_ENTRY_INSTRUCTION_LEN",
     QT_TRANSLATE_NOOP("vmwb::Vmcs", "VM-entry instruction length"), A::EntryControls, W::Bits32,
     T::Control, 13},
    {Field::SecondaryProcessorControls, "SECONDARY_VM_EXEC_CONTROL",
     QT_TRANSLATE_NOOP("vmwb::Vmcs", "Secondary processor-based VM-execution controls"),
     A::ExecutionControls, W::Bits32, T::Control, 15},
    {Field::VmInstructionError, "VM_INSTRUCTION_ERROR",
     QT_TRANSLATE_NOOP("vmwb::Vmcs", "VM-instruction error"), A::ExitInformation, W::Bits32,
     T::ExitInformation, 0},
    {Field::ExitReason, "VM_EXIT_REASON", QT_TRANSLATE_NOOP("vmwb::Vmcs", "Exit reason"),
     A::ExitInformation, W::Bits32, T::ExitInformation, 1},
    {Field::ExitInterruptionInfo, "VM_EXIT_INTR_INFO",
     QT_TRANSLATE_NOOP("vmwb::Vmcs", "VM-exit interruption information"), A::ExitInformation,
     W::Bits32, T::ExitInformation, 2},
    {Field::ExitInterruptionErrorCode, "VM_EXIT_INTR_ERROR_CODE",
     QT_TRANSLATE_NOOP("vmwb::Vmcs", "VM-exit interruption error code"), A::ExitInformation,
     W::Bits32, T::ExitInformation, 3},
    {Field::ExitInstructionLength, "VM_EXIT_INSTRUCTION_LEN",
     QT_TRANSLATE_NOOP("vmwb::Vmcs", "VM-exit instruction length"), A::ExitInformation, W::Bits32,
     T::ExitInformation, 6},
    {Field::ExitInstructionInfo, "VMX_INSTRUCTION_INFO",
     QT_TRANSLATE_NOOP("vmwb::Vmcs", "VM-exit instruction information"), A::ExitInformation,
     W::Bits32, T::ExitInformation, 7},
    {Field::GuestInterruptibility, "GUEST_INTERRUPTIBILITY_INFO",
     QT_TRANSLATE_NOOP("vmwb::Vmcs", "Guest interruptibility state"), A::GuestState, W::Bits32,
     T::GuestState, 18},
    {Field::GuestActivityState, "GUEST_ACTIVITY_STATE",
     QT_TRANSLATE_NOOP("vmwb::Vmcs", "Guest activity state"), A::GuestState, W::Bits32,
     T::GuestState, 19},
    // Natural-width fields (B.4)
    {Field::Cr0GuestHostMask, "CR0_GUEST_HOST_MASK",
     QT_TRANSLATE_NOOP("vmwb::Vmcs", "CR0 guest/host mask"), A::ExecutionControls, W::Natural,
     T::Control, 0},
    {Field::Cr4GuestHostMask, "CR4_GUEST_HOST_MASK",
     QT_TRANSLATE_NOOP("vmwb::Vmcs", "CR4 guest/host mask"), A::ExecutionControls, W::Natural,
     T::Control, 1},
    {Field::Cr0ReadShadow, "CR0_READ_SHADOW", QT_TRANSLATE_NOOP("vmwb::Vmcs", "CR0 read shadow"),
     A::ExecutionControls, W::Natural, T::Control, 2},
    {Field::Cr4ReadShadow, "CR4_READ_SHADOW", QT_TRANSLATE_NOOP("vmwb::Vmcs", "CR4 read shadow"),
     A::ExecutionControls, W::Natural, T::Control, 3},
    {Field::ExitQualification, "EXIT_QUALIFICATION",
     QT_TRANSLATE_NOOP("vmwb::Vmcs", "Exit qualification"), A::ExitInformation, W::Natural,
     T::ExitInformation, 0},
    {Field::GuestLinearAddress, "GUEST_LINEAR_ADDRESS",
     QT_TRANSLATE_NOOP("vmwb::Vmcs", "Guest-linear address"), A::ExitInformation, W::Natural,
     T::ExitInformation, 5},
    {Field::GuestCr0, "GUEST_CR0", QT_TRANSLATE_NOOP("vmwb::Vmcs", "Guest CR0"), A::GuestState,
     W::Natural, T::GuestState, 0},
    {Field::GuestCr3, "GUEST_CR3", QT_TRANSLATE_NOOP("vmwb::Vmcs", "Guest CR3"), A::GuestState,
     W::Natural, T::GuestState, 1},
    {Field::GuestCr4, "GUEST_CR4", QT_TRANSLATE_NOOP("vmwb::Vmcs", "Guest CR4"), A::GuestState,
     W::Natural, T::GuestState, 2},
    {Field::GuestGdtrBase, "GUEST_GDTR_BASE", QT_TRANSLATE_NOOP("vmwb::Vmcs", "Guest GDTR base"),
     A::GuestState, W::Natural, T::GuestState, 11},
    {Field::GuestIdtrBase, "GUEST_IDTR_BASE", QT_TRANSLATE_NOOP("vmwb::Vmcs", "Guest IDTR base"),
     A::GuestState, W::Natural, T::GuestState, 12},
    {Field::GuestRsp, "GUEST_RSP", QT_TRANSLATE_NOOP("vmwb::Vmcs", "Guest RSP"), A::GuestState,
     W::Natural, T::GuestState, 14},
    {Field::GuestRip, "GUEST_RIP", QT_TRANSLATE_NOOP("vmwb::Vmcs", "Guest RIP"), A::GuestState,
     W::Natural, T::GuestState, 15},
    {Field::GuestRflags, "GUEST_RFLAGS", QT_TRANSLATE_NOOP("vmwb::Vmcs", "Guest RFLAGS"),
     A::GuestState, W::Natural, T::GuestState, 16},
    {Field::HostCr0, "HOST_CR0", QT_TRANSLATE_NOOP("vmwb::Vmcs", "Host CR0"), A::HostState,
     W::Natural, T::HostState, 0},
    {Field::HostCr3, "HOST_CR3", QT_TRANSLATE_NOOP("vmwb::Vmcs", "Host CR3"), A::HostState,
     W::Natural, T::HostState, 1},
    {Field::HostCr4, "HOST_CR4", QT_TRANSLATE_NOOP("vmwb::Vmcs", "Host CR4"), A::HostState,
     W::Natural, T::HostState, 2},
    {Field::HostGdtrBase, "HOST_GDTR_BASE", QT_TRANSLATE_NOOP("vmwb::Vmcs", "Host GDTR base"),
     A::HostState, W::Natural, T::HostState, 6},
    {Field::HostIdtrBase, "HOST_IDTR_BASE", QT_TRANSLATE_NOOP("vmwb::Vmcs", "Host IDTR base"),
     A::HostState, W::Natural, T::HostState, 7},
    {Field::HostRsp, "HOST_RSP", QT_TRANSLATE_NOOP("vmwb::Vmcs", "Host RSP"), A::HostState,
     W::Natural, T::HostState, 10},
    {Field::HostRip, "HOST_RIP", QT_TRANSLATE_NOOP("vmwb::Vmcs", "Host RIP"), A::HostState,
     W::Natural, T::HostState, 11},
}};

constexpr bool fieldsInEnumOrder()
{
    for (std::size_t i = 0; i < kFields.size(); ++i) {
        if (indexOf(kFields[i].field) != i)
            return false;
    }
    return true;
}
static_assert(fieldsInEnumOrder(), "kFields must list every Field in enum order");

// The field types match the areas: exit information is type 1, guest state 2, host state 3,
// and every control area type 0 (B.1 to B.4).
constexpr bool typesMatchAreas()
{
    for (const FieldInfo &info : kFields) {
        FieldType expected = FieldType::Control;
        if (info.area == Area::GuestState)
            expected = FieldType::GuestState;
        else if (info.area == Area::HostState)
            expected = FieldType::HostState;
        else if (info.area == Area::ExitInformation)
            expected = FieldType::ExitInformation;
        if (info.type != expected)
            return false;
    }
    return true;
}
static_assert(typesMatchAreas(), "a field's type must match its area");

// SDM 25.6.1 Table "Definitions of Pin-Based VM-Execution Controls", 25.6.2 Tables
// "Definitions of Primary Processor-Based VM-Execution Controls" and "Definitions of
// Secondary Processor-Based VM-Execution Controls".
constexpr std::array<ControlInfo, kControlCount> kControls{{
    {Control::ExternalInterruptExiting, "external-interrupt-exiting",
     QT_TRANSLATE_NOOP("vmwb::Vmcs", "External-interrupt exiting"),
     QT_TRANSLATE_NOOP("vmwb::Vmcs",
                       "An external interrupt that arrives while the guest runs causes a VM exit "
                       "instead of going through the guest's IDT."),
     Field::PinBasedControls, 0},
    {Control::InterruptWindowExiting, "interrupt-window-exiting",
     QT_TRANSLATE_NOOP("vmwb::Vmcs", "Interrupt-window exiting"),
     QT_TRANSLATE_NOOP("vmwb::Vmcs",
                       "A VM exit occurs before the first guest instruction at which RFLAGS.IF is "
                       "1 and nothing else blocks interrupts, so the monitor can inject a "
                       "pending interrupt."),
     Field::PrimaryProcessorControls, 2},
    {Control::HltExiting, "hlt-exiting", QT_TRANSLATE_NOOP("vmwb::Vmcs", "HLT exiting"),
     QT_TRANSLATE_NOOP("vmwb::Vmcs",
                       "HLT in the guest causes a VM exit, so the monitor can run something "
                       "else instead of letting the CPU idle."),
     Field::PrimaryProcessorControls, 7},
    {Control::InvlpgExiting, "invlpg-exiting", QT_TRANSLATE_NOOP("vmwb::Vmcs", "INVLPG exiting"),
     QT_TRANSLATE_NOOP("vmwb::Vmcs",
                       "INVLPG in the guest causes a VM exit, which a monitor with shadow page "
                       "tables needs to keep them coherent."),
     Field::PrimaryProcessorControls, 9},
    {Control::RdtscExiting, "rdtsc-exiting", QT_TRANSLATE_NOOP("vmwb::Vmcs", "RDTSC exiting"),
     QT_TRANSLATE_NOOP("vmwb::Vmcs",
                       "RDTSC (and RDTSCP, where enabled) in the guest causes a VM exit, so the "
                       "monitor can supply the time-stamp counter itself."),
     Field::PrimaryProcessorControls, 12},
    {Control::Cr3LoadExiting, "cr3-load-exiting",
     QT_TRANSLATE_NOOP("vmwb::Vmcs", "CR3-load exiting"),
     QT_TRANSLATE_NOOP("vmwb::Vmcs",
                       "MOV to CR3 in the guest causes a VM exit unless the value is one of the "
                       "CR3-target values, so a shadow-paging monitor sees every address-space "
                       "switch."),
     Field::PrimaryProcessorControls, 15},
    {Control::Cr3StoreExiting, "cr3-store-exiting",
     QT_TRANSLATE_NOOP("vmwb::Vmcs", "CR3-store exiting"),
     QT_TRANSLATE_NOOP("vmwb::Vmcs",
                       "MOV from CR3 in the guest causes a VM exit, so the monitor can return the "
                       "guest's own CR3 instead of its shadow page table's."),
     Field::PrimaryProcessorControls, 16},
    {Control::Cr8LoadExiting, "cr8-load-exiting",
     QT_TRANSLATE_NOOP("vmwb::Vmcs", "CR8-load exiting"),
     QT_TRANSLATE_NOOP("vmwb::Vmcs",
                       "MOV to CR8 (the task-priority register) in the guest causes a VM exit."),
     Field::PrimaryProcessorControls, 19},
    {Control::Cr8StoreExiting, "cr8-store-exiting",
     QT_TRANSLATE_NOOP("vmwb::Vmcs", "CR8-store exiting"),
     QT_TRANSLATE_NOOP("vmwb::Vmcs", "MOV from CR8 in the guest causes a VM exit."),
     Field::PrimaryProcessorControls, 20},
    {Control::UnconditionalIoExiting, "unconditional-io-exiting",
     QT_TRANSLATE_NOOP("vmwb::Vmcs", "Unconditional I/O exiting"),
     QT_TRANSLATE_NOOP("vmwb::Vmcs",
                       "Every IN, INS, OUT and OUTS in the guest causes a VM exit; ignored while "
                       "\"use I/O bitmaps\" is on."),
     Field::PrimaryProcessorControls, 24},
    {Control::UseIoBitmaps, "use-io-bitmaps", QT_TRANSLATE_NOOP("vmwb::Vmcs", "Use I/O bitmaps"),
     QT_TRANSLATE_NOOP("vmwb::Vmcs",
                       "IN, INS, OUT and OUTS cause a VM exit only for ports whose bit is set in "
                       "I/O bitmap A or B, or when an access wraps past port 0xFFFF."),
     Field::PrimaryProcessorControls, 25},
    {Control::UseMsrBitmaps, "use-msr-bitmaps", QT_TRANSLATE_NOOP("vmwb::Vmcs", "Use MSR bitmaps"),
     QT_TRANSLATE_NOOP("vmwb::Vmcs",
                       "RDMSR and WRMSR cause a VM exit only for MSRs whose bit is set in the MSR "
                       "bitmaps or that lie outside the ranges they cover; off, every RDMSR and "
                       "WRMSR exits."),
     Field::PrimaryProcessorControls, 28},
    {Control::ActivateSecondaryControls, "activate-secondary-controls",
     QT_TRANSLATE_NOOP("vmwb::Vmcs", "Activate secondary controls"),
     QT_TRANSLATE_NOOP("vmwb::Vmcs",
                       "The secondary processor-based controls (EPT, VPID, ...) take effect; off, "
                       "the CPU acts as if they were all 0."),
     Field::PrimaryProcessorControls, 31},
    {Control::EnableEpt, "enable-ept", QT_TRANSLATE_NOOP("vmwb::Vmcs", "Enable EPT"),
     QT_TRANSLATE_NOOP("vmwb::Vmcs",
                       "Guest-physical addresses are translated through the extended page tables, "
                       "so the guest changes its own CR3 and takes its own page faults; the "
                       "monitor sees only EPT violations (none here: all guest memory is mapped). "
                       "Turning it off causes no exit by itself: a monitor without EPT keeps "
                       "shadow page tables, and turns on CR3-load and INVLPG exiting and #PF in "
                       "the exception bitmap for them."),
     Field::SecondaryProcessorControls, 1},
    {Control::EnableVpid, "enable-vpid", QT_TRANSLATE_NOOP("vmwb::Vmcs", "Enable VPID"),
     QT_TRANSLATE_NOOP("vmwb::Vmcs",
                       "TLB entries are tagged with the guest's virtual-processor identifier, so "
                       "VM entries and exits need not flush the TLB."),
     Field::SecondaryProcessorControls, 5},
}};

constexpr bool controlsInEnumOrder()
{
    for (std::size_t i = 0; i < kControls.size(); ++i) {
        if (static_cast<std::size_t>(kControls[i].control) != i)
            return false;
    }
    return true;
}
static_assert(controlsInEnumOrder(), "kControls must list every Control in enum order");

struct ExitReasonInfo
{
    const char *name; // nullptr: not assigned
    const char *key;
};

// SDM Vol. 3, appendix C, Table "Basic Exit Reasons", indexed by number. Names are the SDM's,
// shortened where it explains; keys are stable snake case for JSON.
constexpr std::array<ExitReasonInfo, 78> kExitReasons{{
    {QT_TRANSLATE_NOOP("vmwb::Vmcs", "Exception or NMI"), "exception_or_nmi"}, // 0
    {QT_TRANSLATE_NOOP("vmwb::Vmcs", "External interrupt"), "external_interrupt"},
    {QT_TRANSLATE_NOOP("vmwb::Vmcs", "Triple fault"), "triple_fault"},
    {QT_TRANSLATE_NOOP("vmwb::Vmcs", "INIT signal"), "init_signal"},
    {QT_TRANSLATE_NOOP("vmwb::Vmcs", "Start-up IPI (SIPI)"), "start_up_ipi"},
    {QT_TRANSLATE_NOOP("vmwb::Vmcs", "I/O SMI"), "io_smi"}, // 5
    {QT_TRANSLATE_NOOP("vmwb::Vmcs", "Other SMI"), "other_smi"},
    {QT_TRANSLATE_NOOP("vmwb::Vmcs", "Interrupt window"), "interrupt_window"},
    {QT_TRANSLATE_NOOP("vmwb::Vmcs", "NMI window"), "nmi_window"},
    {QT_TRANSLATE_NOOP("vmwb::Vmcs", "Task switch"), "task_switch"},
    {QT_TRANSLATE_NOOP("vmwb::Vmcs", "CPUID"), "cpuid"}, // 10
    {QT_TRANSLATE_NOOP("vmwb::Vmcs", "GETSEC"), "getsec"},
    {QT_TRANSLATE_NOOP("vmwb::Vmcs", "HLT"), "hlt"},
    {QT_TRANSLATE_NOOP("vmwb::Vmcs", "INVD"), "invd"},
    {QT_TRANSLATE_NOOP("vmwb::Vmcs", "INVLPG"), "invlpg"},
    {QT_TRANSLATE_NOOP("vmwb::Vmcs", "RDPMC"), "rdpmc"}, // 15
    {QT_TRANSLATE_NOOP("vmwb::Vmcs", "RDTSC"), "rdtsc"},
    {QT_TRANSLATE_NOOP("vmwb::Vmcs", "RSM"), "rsm"},
    {QT_TRANSLATE_NOOP("vmwb::Vmcs", "VMCALL"), "vmcall"},
    {QT_TRANSLATE_NOOP("vmwb::Vmcs", "VMCLEAR"), "vmclear"},
    {QT_TRANSLATE_NOOP("vmwb::Vmcs", "VMLAUNCH"), "vmlaunch"}, // 20
    {QT_TRANSLATE_NOOP("vmwb::Vmcs", "VMPTRLD"), "vmptrld"},
    {QT_TRANSLATE_NOOP("vmwb::Vmcs", "VMPTRST"), "vmptrst"},
    {QT_TRANSLATE_NOOP("vmwb::Vmcs", "VMREAD"), "vmread"},
    {QT_TRANSLATE_NOOP("vmwb::Vmcs", "VMRESUME"), "vmresume"},
    {QT_TRANSLATE_NOOP("vmwb::Vmcs", "VMWRITE"), "vmwrite"}, // 25
    {QT_TRANSLATE_NOOP("vmwb::Vmcs", "VMXOFF"), "vmxoff"},
    {QT_TRANSLATE_NOOP("vmwb::Vmcs", "VMXON"), "vmxon"},
    {QT_TRANSLATE_NOOP("vmwb::Vmcs", "Control-register access"), "cr_access"},
    {QT_TRANSLATE_NOOP("vmwb::Vmcs", "MOV DR"), "mov_dr"},
    {QT_TRANSLATE_NOOP("vmwb::Vmcs", "I/O instruction"), "io_instruction"}, // 30
    {QT_TRANSLATE_NOOP("vmwb::Vmcs", "RDMSR"), "rdmsr"},
    {QT_TRANSLATE_NOOP("vmwb::Vmcs", "WRMSR"), "wrmsr"},
    {QT_TRANSLATE_NOOP("vmwb::Vmcs", "VM-entry failure: invalid guest state"),
     "vm_entry_failure_invalid_guest_state"},
    {QT_TRANSLATE_NOOP("vmwb::Vmcs", "VM-entry failure: MSR loading"),
     "vm_entry_failure_msr_loading"},
    {nullptr, nullptr}, // 35
    {QT_TRANSLATE_NOOP("vmwb::Vmcs", "MWAIT"), "mwait"},
    {QT_TRANSLATE_NOOP("vmwb::Vmcs", "Monitor trap flag"), "monitor_trap_flag"},
    {nullptr, nullptr},
    {QT_TRANSLATE_NOOP("vmwb::Vmcs", "MONITOR"), "monitor"},
    {QT_TRANSLATE_NOOP("vmwb::Vmcs", "PAUSE"), "pause"}, // 40
    {QT_TRANSLATE_NOOP("vmwb::Vmcs", "VM-entry failure: machine-check event"),
     "vm_entry_failure_machine_check_event"},
    {nullptr, nullptr},
    {QT_TRANSLATE_NOOP("vmwb::Vmcs", "TPR below threshold"), "tpr_below_threshold"},
    {QT_TRANSLATE_NOOP("vmwb::Vmcs", "APIC access"), "apic_access"},
    {QT_TRANSLATE_NOOP("vmwb::Vmcs", "Virtualized EOI"), "virtualized_eoi"}, // 45
    {QT_TRANSLATE_NOOP("vmwb::Vmcs", "Access to GDTR or IDTR"), "access_to_gdtr_or_idtr"},
    {QT_TRANSLATE_NOOP("vmwb::Vmcs", "Access to LDTR or TR"), "access_to_ldtr_or_tr"},
    {QT_TRANSLATE_NOOP("vmwb::Vmcs", "EPT violation"), "ept_violation"},
    {QT_TRANSLATE_NOOP("vmwb::Vmcs", "EPT misconfiguration"), "ept_misconfiguration"},
    {QT_TRANSLATE_NOOP("vmwb::Vmcs", "INVEPT"), "invept"}, // 50
    {QT_TRANSLATE_NOOP("vmwb::Vmcs", "RDTSCP"), "rdtscp"},
    {QT_TRANSLATE_NOOP("vmwb::Vmcs", "VMX-preemption timer expired"),
     "vmx_preemption_timer_expired"},
    {QT_TRANSLATE_NOOP("vmwb::Vmcs", "INVVPID"), "invvpid"},
    {QT_TRANSLATE_NOOP("vmwb::Vmcs", "WBINVD or WBNOINVD"), "wbinvd_or_wbnoinvd"},
    {QT_TRANSLATE_NOOP("vmwb::Vmcs", "XSETBV"), "xsetbv"}, // 55
    {QT_TRANSLATE_NOOP("vmwb::Vmcs", "APIC write"), "apic_write"},
    {QT_TRANSLATE_NOOP("vmwb::Vmcs", "RDRAND"), "rdrand"},
    {QT_TRANSLATE_NOOP("vmwb::Vmcs", "INVPCID"), "invpcid"},
    {QT_TRANSLATE_NOOP("vmwb::Vmcs", "VMFUNC"), "vmfunc"},
    {QT_TRANSLATE_NOOP("vmwb::Vmcs", "ENCLS"), "encls"}, // 60
    {QT_TRANSLATE_NOOP("vmwb::Vmcs", "RDSEED"), "rdseed"},
    {QT_TRANSLATE_NOOP("vmwb::Vmcs", "Page-modification log full"), "page_modification_log_full"},
    {QT_TRANSLATE_NOOP("vmwb::Vmcs", "XSAVES"), "xsaves"},
    {QT_TRANSLATE_NOOP("vmwb::Vmcs", "XRSTORS"), "xrstors"},
    {QT_TRANSLATE_NOOP("vmwb::Vmcs", "PCONFIG"), "pconfig"}, // 65
    {QT_TRANSLATE_NOOP("vmwb::Vmcs", "SPP-related event"), "spp_related_event"},
    {QT_TRANSLATE_NOOP("vmwb::Vmcs", "UMWAIT"), "umwait"},
    {QT_TRANSLATE_NOOP("vmwb::Vmcs", "TPAUSE"), "tpause"},
    {QT_TRANSLATE_NOOP("vmwb::Vmcs", "LOADIWKEY"), "loadiwkey"},
    {QT_TRANSLATE_NOOP("vmwb::Vmcs", "ENCLV"), "enclv"}, // 70
    {QT_TRANSLATE_NOOP("vmwb::Vmcs", "SGX conflict"), "sgx_conflict"},
    {QT_TRANSLATE_NOOP("vmwb::Vmcs", "ENQCMD PASID translation failure"),
     "enqcmd_pasid_translation_failure"},
    {QT_TRANSLATE_NOOP("vmwb::Vmcs", "ENQCMDS PASID translation failure"),
     "enqcmds_pasid_translation_failure"},
    {QT_TRANSLATE_NOOP("vmwb::Vmcs", "Bus lock"), "bus_lock"},
    {QT_TRANSLATE_NOOP("vmwb::Vmcs", "Instruction timeout"), "instruction_timeout"}, // 75
    {QT_TRANSLATE_NOOP("vmwb::Vmcs", "SEAMCALL"), "seamcall"},
    {QT_TRANSLATE_NOOP("vmwb::Vmcs", "TDCALL"), "tdcall"},
}};

// The general-purpose registers in the order exit qualifications number them (SDM Table
// "Exit Qualification for Control-Register Accesses", bits 11:8).
constexpr std::array<const char *, 16> kGprNames{
    "RAX", "RCX", "RDX", "RBX", "RSP", "RBP", "RSI", "RDI",
    "R8",  "R9",  "R10", "R11", "R12", "R13", "R14", "R15",
};

// Ports as the brief's and Intel's tables write them: upper-case hex digits ("0x3F8").
QString portText(std::uint64_t port)
{
    return QStringLiteral("0x") + QString::number(port, 16).toUpper();
}

QString bytesText(int size)
{
    return size == 1 ? tr("1 byte") : tr("%1 bytes").arg(size);
}

std::uint64_t bits(std::uint64_t value, int high, int low)
{
    const int width = high - low + 1;
    const std::uint64_t mask = width >= 64 ? ~0ULL : (1ULL << width) - 1;
    return (value >> low) & mask;
}

//  Control-register access (SDM Table "Exit Qualification for Control-Register Accesses"):
//   31            16 15  12 11   8 7 6 5  4 3    0
//  +----------------+------+------+-+-+----+------+
//  |  LMSW source   | rsvd | GPR  |0|M|type|  CR  |   type: 0 MOV to CR, 1 MOV from CR,
//  +----------------+------+------+-+-+----+------+         2 CLTS, 3 LMSW; M: LMSW from memory
QString describeCrAccess(std::uint64_t q)
{
    const auto cr = bits(q, 3, 0);
    const auto type = static_cast<CrAccessType>(bits(q, 5, 4));
    const QString gpr = QLatin1String(kGprNames[bits(q, 11, 8)]);
    switch (type) {
    case CrAccessType::MovToCr:
        return tr("MOV to CR%1 from %2").arg(cr).arg(gpr);
    case CrAccessType::MovFromCr:
        return tr("MOV from CR%1 to %2").arg(cr).arg(gpr);
    case CrAccessType::Clts:
        return tr("CLTS");
    case CrAccessType::Lmsw:
        break;
    }
    const QString source = hex(bits(q, 31, 16));
    return bits(q, 6, 6) ? tr("LMSW %1 from memory").arg(source)
                         : tr("LMSW %1 from a register").arg(source);
}

//  I/O instruction (SDM Table "Exit Qualification for I/O Instructions"):
//   31            16 15    7 6 5 4 3 2  0
//  +----------------+-------+-+-+-+-+----+
//  |      port      | rsvd  |I|R|S|D|size|   size: bytes - 1 (0, 1 or 3); D: 1 = IN;
//  +----------------+-------+-+-+-+-+----+   S: string; R: REP prefix; I: immediate port
QString describeIo(std::uint64_t q)
{
    const int size = static_cast<int>(bits(q, 2, 0)) + 1;
    const bool in = bits(q, 3, 3);
    const bool string = bits(q, 4, 4);
    const bool rep = bits(q, 5, 5);
    const bool immediate = bits(q, 6, 6);
    QString mnemonic = in ? QStringLiteral("IN") : QStringLiteral("OUT");
    if (string) // INSB/INSW/INSD, OUTSB/OUTSW/OUTSD
        mnemonic += size == 1   ? QStringLiteral("SB")
                    : size == 2 ? QStringLiteral("SW")
                                : QStringLiteral("SD");
    if (rep)
        mnemonic.prepend(QStringLiteral("REP "));
    const QString port = portText(bits(q, 31, 16));
    const QString bytes = bytesText(size);
    if (immediate) {
        return in ? tr("%1 from port %2, %3, immediate operand").arg(mnemonic, port, bytes)
                  : tr("%1 to port %2, %3, immediate operand").arg(mnemonic, port, bytes);
    }
    return in ? tr("%1 from port %2 (DX), %3").arg(mnemonic, port, bytes)
              : tr("%1 to port %2 (DX), %3").arg(mnemonic, port, bytes);
}

// MOV DR (SDM Table "Exit Qualification for MOV DR"): bits 2:0 the debug register, bit 4 the
// direction (0 MOV to DR, 1 MOV from DR), bits 11:8 the general-purpose register.
QString describeMovDr(std::uint64_t q)
{
    const auto dr = bits(q, 2, 0);
    const QString gpr = QLatin1String(kGprNames[bits(q, 11, 8)]);
    return bits(q, 4, 4) ? tr("MOV from DR%1 to %2").arg(dr).arg(gpr)
                         : tr("MOV to DR%1 from %2").arg(dr).arg(gpr);
}

// Task switch (SDM Table "Exit Qualification for Task Switches"): bits 15:0 the selector of
// the new TSS, bits 31:30 the source (0 CALL, 1 IRET, 2 JMP, 3 task gate in the IDT).
QString describeTaskSwitch(std::uint64_t q)
{
    const QString selector = hex(bits(q, 15, 0));
    switch (bits(q, 31, 30)) {
    case 0:
        return tr("to TSS selector %1 by CALL").arg(selector);
    case 1:
        return tr("to TSS selector %1 by IRET").arg(selector);
    case 2:
        return tr("to TSS selector %1 by JMP").arg(selector);
    default:
        return tr("to TSS selector %1 through a task gate in the IDT").arg(selector);
    }
}

// EPT violation (SDM Table "Exit Qualification for EPT Violations"): bits 0-2 the access
// (read, write, instruction fetch), bits 3-5 what the EPT entries allowed (read, write,
// execute), bit 7 the guest-linear address field is valid, bit 8 (when 7 is set) the access
// was to the translated address rather than to a guest paging-structure entry.
QString describeEptViolation(std::uint64_t q)
{
    QStringList access;
    if (bits(q, 0, 0))
        access << tr("data read");
    if (bits(q, 1, 1))
        access << tr("data write");
    if (bits(q, 2, 2))
        access << tr("instruction fetch");
    QString allowed;
    allowed += bits(q, 3, 3) ? QLatin1Char('r') : QLatin1Char('-');
    allowed += bits(q, 4, 4) ? QLatin1Char('w') : QLatin1Char('-');
    allowed += bits(q, 5, 5) ? QLatin1Char('x') : QLatin1Char('-');
    QString where;
    if (!bits(q, 7, 7))
        where = tr("no guest-linear address");
    else if (bits(q, 8, 8))
        where = tr("at the translated address");
    else
        where = tr("at a guest paging-structure entry");
    return tr("%1; EPT allowed %2; %3")
        .arg(access.isEmpty() ? tr("no access") : access.join(tr(" and ")), allowed, where);
}

// The exits whose qualification is the instruction's memory-operand displacement, 0 for a
// register operand (SDM 28.2.1): VMCLEAR, VMPTRLD, VMPTRST, VMREAD, VMWRITE, VMXON, access to
// GDTR/IDTR (LGDT, LIDT, SGDT, SIDT) and LDTR/TR (LLDT, LTR, SLDT, STR), INVEPT, INVVPID,
// INVPCID, XSAVES, XRSTORS.
constexpr std::array<std::uint16_t, 13> kDisplacementReasons{19, 21, 22, 23, 25, 27, 46,
                                                             47, 50, 53, 58, 63, 64};

QString rawQualification(std::uint64_t q)
{
    return q == 0 ? tr("none") : hex(q);
}

} // namespace

const char *areaTitle(Area area)
{
    switch (area) {
    case Area::GuestState:
        return QT_TRANSLATE_NOOP("vmwb::Vmcs", "Guest-state area");
    case Area::HostState:
        return QT_TRANSLATE_NOOP("vmwb::Vmcs", "Host-state area");
    case Area::ExecutionControls:
        return QT_TRANSLATE_NOOP("vmwb::Vmcs", "VM-execution control fields");
    case Area::ExitControls:
        return QT_TRANSLATE_NOOP("vmwb::Vmcs", "VM-exit control fields");
    case Area::EntryControls:
        return QT_TRANSLATE_NOOP("vmwb::Vmcs", "VM-entry control fields");
    case Area::ExitInformation:
        return QT_TRANSLATE_NOOP("vmwb::Vmcs", "VM-exit information fields");
    }
    return "";
}

const FieldInfo &fieldInfo(Field field)
{
    Q_ASSERT(indexOf(field) < kFieldCount);
    return kFields[indexOf(field)];
}

const std::array<FieldInfo, kFieldCount> &allFields()
{
    return kFields;
}

std::optional<Field> fieldNamed(const QString &name)
{
    for (const FieldInfo &info : kFields) {
        if (name.compare(QLatin1String(info.name), Qt::CaseInsensitive) == 0)
            return info.field;
    }
    return std::nullopt;
}

const ControlInfo &controlInfo(Control control)
{
    Q_ASSERT(static_cast<std::size_t>(control) < kControlCount);
    return kControls[static_cast<std::size_t>(control)];
}

const std::array<ControlInfo, kControlCount> &allControls()
{
    return kControls;
}

std::optional<Control> controlNamed(const QString &id)
{
    for (const ControlInfo &info : kControls) {
        if (id == QLatin1String(info.id))
            return info.control;
    }
    return std::nullopt;
}

const char *exitReasonName(std::uint16_t reason)
{
    return reason < kExitReasons.size() ? kExitReasons[reason].name : nullptr;
}

QString exitReasonKey(std::uint16_t reason)
{
    if (reason < kExitReasons.size() && kExitReasons[reason].key)
        return QLatin1String(kExitReasons[reason].key);
    return QStringLiteral("reason_%1").arg(reason);
}

std::uint64_t crAccessQualification(int cr, CrAccessType type, int gpr)
{
    Q_ASSERT(cr >= 0 && cr <= 15 && gpr >= 0 && gpr <= 15);
    // CLTS and LMSW name no control register (CR0 is implied) and no general-purpose register:
    // the SDM clears both fields for them.
    if (type == CrAccessType::Clts || type == CrAccessType::Lmsw) {
        cr = 0;
        gpr = 0;
    }
    return (static_cast<std::uint64_t>(gpr & 0xF) << 8) | (static_cast<std::uint64_t>(type) << 4) |
           static_cast<std::uint64_t>(cr & 0xF);
}

std::uint64_t lmswQualification(std::uint16_t source, bool memoryOperand)
{
    return (std::uint64_t{source} << 16) | (memoryOperand ? 1ULL << 6 : 0) |
           (static_cast<std::uint64_t>(CrAccessType::Lmsw) << 4);
}

std::uint64_t ioQualification(std::uint16_t port, int size, bool in, bool string, bool rep,
                              bool immediate)
{
    Q_ASSERT(size == 1 || size == 2 || size == 4);
    return (std::uint64_t{port} << 16) | (immediate ? 1ULL << 6 : 0) | (rep ? 1ULL << 5 : 0) |
           (string ? 1ULL << 4 : 0) | (in ? 1ULL << 3 : 0) |
           static_cast<std::uint64_t>((size - 1) & 0x7);
}

//  Interruption information (SDM 25.8.3, 25.9.2):
//   31 30        13 12 11 10  8 7       0
//  +--+-----------+--+--+-----+---------+
//  |V |  reserved |N |E |type |  vector |   V: valid; E: error code delivered / valid;
//  +--+-----------+--+--+-----+---------+   N (exit only): NMI unblocking due to IRET
std::uint32_t interruptionInfo(std::uint8_t vector, InterruptionType type, bool errorCodeValid)
{
    return (1U << 31) | (errorCodeValid ? 1U << 11 : 0U) | (static_cast<std::uint32_t>(type) << 8) |
           std::uint32_t{vector};
}

QString describeQualification(std::uint16_t reason, std::uint64_t qualification)
{
    switch (reason) {
    case exit_reason::kExceptionOrNmi:
        // The faulting linear address for a #PF, the debug conditions for a #DB, else 0.
        return rawQualification(qualification);
    case exit_reason::kInvlpg:
        return tr("linear address %1").arg(hex(qualification));
    case exit_reason::kCrAccess:
        return describeCrAccess(qualification);
    case exit_reason::kMovDr:
        return describeMovDr(qualification);
    case exit_reason::kIoInstruction:
        return describeIo(qualification);
    case exit_reason::kTaskSwitch:
        return describeTaskSwitch(qualification);
    case exit_reason::kEptViolation:
        return describeEptViolation(qualification);
    case exit_reason::kStartupIpi:
        return tr("SIPI vector %1").arg(hex(bits(qualification, 7, 0)));
    case exit_reason::kEntryFailureGuestState: // SDM 27.8
        switch (qualification) {
        case 2:
            return tr("loading the PDPTEs failed");
        case 3:
            return tr("NMI injection into a guest blocking events by STI");
        case 4:
            return tr("invalid VMCS link pointer");
        default:
            return rawQualification(qualification);
        }
    case exit_reason::kEntryFailureMsrLoading: // SDM 27.8: the failing entry, 1 for the first
        return tr("MSR-load entry %1").arg(qualification);
    default:
        break;
    }
    if (std::find(kDisplacementReasons.begin(), kDisplacementReasons.end(), reason) !=
        kDisplacementReasons.end())
        return tr("displacement %1").arg(hex(qualification));
    return rawQualification(qualification);
}

QString describeQualification(std::uint16_t reason, std::uint64_t qualification,
                              std::uint32_t exitInterruptionInfo)
{
    const bool valid = exitInterruptionInfo & (1U << 31);
    const auto type = static_cast<InterruptionType>(bits(exitInterruptionInfo, 10, 8));
    const auto vector = static_cast<std::uint8_t>(exitInterruptionInfo & 0xFF);
    if (reason == exit_reason::kExceptionOrNmi && valid &&
        type == InterruptionType::HardwareException) {
        if (vector == vmwb::vector::kPageFault)
            return tr("faulting linear address %1").arg(hex(qualification));
        if (vector == vmwb::vector::kDebug)
            return tr("debug conditions %1").arg(hex(qualification));
    }
    return describeQualification(reason, qualification);
}

QString describeInterruptionInfo(std::uint32_t info)
{
    if (!(info & (1U << 31)))
        return tr("none");
    const auto vector = static_cast<std::uint8_t>(info & 0xFF);
    const auto type = static_cast<InterruptionType>(bits(info, 10, 8));
    QString typeText;
    bool isException = false;
    switch (type) {
    case InterruptionType::ExternalInterrupt:
        typeText = tr("external interrupt");
        break;
    case InterruptionType::Nmi:
        typeText = tr("NMI");
        isException = true; // vector 2: the table names it "NMI"
        break;
    case InterruptionType::HardwareException:
        typeText = tr("hardware exception");
        isException = true;
        break;
    case InterruptionType::SoftwareInterrupt:
        typeText = tr("software interrupt");
        break;
    case InterruptionType::PrivilegedSoftwareException:
        typeText = tr("privileged software exception");
        isException = true;
        break;
    case InterruptionType::SoftwareException:
        typeText = tr("software exception");
        isException = true;
        break;
    case InterruptionType::OtherEvent:
        typeText = tr("other event");
        break;
    default:
        typeText = tr("reserved type 1");
        break;
    }
    QString text = tr("vector %1").arg(vector);
    if (isException) {
        const auto exception = exceptionInfo(vector);
        if (exception && exception->mnemonic[0] != '\0')
            text += QStringLiteral(" (%1)").arg(QLatin1String(exception->mnemonic));
    }
    text += QStringLiteral(", ") + typeText;
    if (info & (1U << 11))
        text += QStringLiteral(", ") + tr("error code valid");
    if (info & (1U << 12))
        text += QStringLiteral(", ") + tr("NMI unblocking due to IRET");
    return text;
}

Vmcs Vmcs::defaults()
{
    // Where the model puts the monitor's VT-x structures: free space in the monitor region
    // (machine/Platform.h). Nothing is stored at these addresses; the bitmaps live in this
    // object and the engine handles exits in C++. They are here so the fields read like a
    // real monitor's.
    constexpr std::uint64_t kIoBitmapAAddress = platform::kMonitorBase + 0x2'0000;
    constexpr std::uint64_t kIoBitmapBAddress = platform::kMonitorBase + 0x2'1000;
    constexpr std::uint64_t kMsrBitmapAddress = platform::kMonitorBase + 0x2'2000;
    constexpr std::uint64_t kEptPml4Address = platform::kMonitorBase + 0x2'3000;
    constexpr std::uint64_t kExitHandlerAddress = platform::kMonitorBase + 0x2'8000;
    // EPTP (SDM 25.6.11): bits 2:0 memory type 6 (write-back), bits 5:3 page-walk length
    // minus one (3: four levels), bits 51:12 the EPT PML4 table.
    constexpr std::uint64_t kEptMemoryTypeWriteBack = 6;
    constexpr std::uint64_t kEptFourLevelWalk = 3ULL << 3;
    constexpr std::uint32_t kTimeStampCounterMsr = 0x10; // IA32_TIME_STAMP_COUNTER

    Vmcs vmcs;
    // The reserved "default1" bits the capability MSRs demand (SDM appendix A.3) are left 0:
    // the model shows only the controls a student can reason about.
    vmcs.setControl(Control::ExternalInterruptExiting, true);
    vmcs.setControl(Control::HltExiting, true);
    vmcs.setControl(Control::Cr8LoadExiting, true);
    vmcs.setControl(Control::Cr8StoreExiting, true);
    vmcs.setControl(Control::UnconditionalIoExiting, true);
    vmcs.setControl(Control::UseMsrBitmaps, true);
    vmcs.setControl(Control::ActivateSecondaryControls, true);
    vmcs.setControl(Control::EnableEpt, true);
    vmcs.setControl(Control::EnableVpid, true);
    // With "enable VPID" on, VPID 0 is the host's and VM entry refuses it (SDM 27.2.1.1).
    vmcs.write(Field::VirtualProcessorId, 1);
    vmcs.write(Field::EptPointer, kEptPml4Address | kEptFourLevelWalk | kEptMemoryTypeWriteBack);

    vmcs.write(Field::IoBitmapA, kIoBitmapAAddress);
    vmcs.write(Field::IoBitmapB, kIoBitmapBAddress);
    vmcs.write(Field::MsrBitmap, kMsrBitmapAddress);
    // Every port exits until the monitor lets it through, so turning "use I/O bitmaps" on
    // changes nothing until a port is allowed.
    vmcs.m_ioBitmaps.fill(0xFF);
    // Every MSR in the bitmap's ranges passes but writes to the time-stamp counter, which the
    // monitor turns into a TSC offset, as KVM does.
    vmcs.setMsrIntercept(kTimeStampCounterMsr, true, true);

    // EPT maps guest memory, so page faults stay in the guest: no exceptions exit. With mask
    // and match 0 every #PF error code "matches", and bit 14 (0) decides.
    vmcs.write(Field::ExceptionBitmap, 0);
    vmcs.write(Field::PageFaultErrorCodeMask, 0);
    vmcs.write(Field::PageFaultErrorCodeMatch, 0);
    vmcs.write(Field::Cr3TargetCount, 0);

    // The monitor owns CR0.PE and CR0.PG (the guest must not leave protected or paged mode
    // underneath it) and the cache controls CD and NW; the guest sees and may write the rest.
    vmcs.write(Field::Cr0GuestHostMask, cr0::kPE | cr0::kNW | cr0::kCD | cr0::kPG);
    // What a 64-bit guest kernel set: PG, NE, ET, PE.
    vmcs.write(Field::Cr0ReadShadow, cr0::kPG | cr0::kNE | cr0::kET | cr0::kPE);
    // CR4.VMXE must be 1 in VMX operation (IA32_VMX_CR4_FIXED0); the guest is shown 0.
    vmcs.write(Field::Cr4GuestHostMask, cr4::kVMXE);
    vmcs.write(Field::Cr4ReadShadow, cr4::kPAE);

    vmcs.write(Field::ExitControls,
               exit_control::kHostAddressSpaceSize | exit_control::kAcknowledgeInterruptOnExit);
    vmcs.write(Field::EntryControls, entry_control::kIa32eModeGuest);

    // The guest as it is entered: a 64-bit kernel, running (activity state 0, not blocked).
    vmcs.write(Field::GuestCr0, cr0::kPG | cr0::kNE | cr0::kET | cr0::kPE);
    vmcs.write(Field::GuestCr4, cr4::kPAE | cr4::kVMXE);
    vmcs.write(Field::GuestRflags, 0x2); // bit 1 is reserved and reads as 1
    vmcs.write(Field::GuestActivityState, 0);
    vmcs.write(Field::GuestInterruptibility, 0);
    // The SDM requires all ones here unless VMCS shadowing is in use (SDM 27.3.1.5).
    vmcs.write(Field::VmcsLinkPointer, ~0ULL);

    // The host is the 64-bit monitor of machine/Platform.h: its GDT, IDT, page tables and
    // stack. HOST_RIP is the model's exit-handler entry point.
    vmcs.write(Field::HostCr0,
               cr0::kPG | cr0::kAM | cr0::kWP | cr0::kNE | cr0::kET | cr0::kMP | cr0::kPE);
    vmcs.write(Field::HostCr3, platform::kPml4);
    vmcs.write(Field::HostCr4,
               cr4::kPAE | cr4::kPGE | cr4::kOSFXSR | cr4::kOSXMMEXCPT | cr4::kVMXE);
    vmcs.write(Field::HostCsSelector, platform::kKernelCode);
    vmcs.write(Field::HostSsSelector, platform::kKernelData);
    vmcs.write(Field::HostDsSelector, platform::kKernelData);
    vmcs.write(Field::HostEsSelector, platform::kKernelData);
    vmcs.write(Field::HostTrSelector, platform::kTssSelector);
    vmcs.write(Field::HostGdtrBase, platform::kGdt);
    vmcs.write(Field::HostIdtrBase, platform::kMonitorIdt);
    vmcs.write(Field::HostRsp, platform::kMonitorStackTop);
    vmcs.write(Field::HostRip, kExitHandlerAddress);
    return vmcs;
}

std::uint64_t Vmcs::read(Field field) const
{
    Q_ASSERT(indexOf(field) < kFieldCount);
    return m_values[indexOf(field)];
}

void Vmcs::write(Field field, std::uint64_t value)
{
    Q_ASSERT(indexOf(field) < kFieldCount);
    switch (fieldInfo(field).width) {
    case FieldWidth::Bits16:
        value &= 0xFFFF;
        break;
    case FieldWidth::Bits32:
        value &= 0xFFFF'FFFF;
        break;
    case FieldWidth::Bits64:
    case FieldWidth::Natural: // 64 bits on a processor that supports Intel 64
        break;
    }
    m_values[indexOf(field)] = value;
}

bool Vmcs::control(Control control) const
{
    const ControlInfo &info = controlInfo(control);
    return (read(info.field) >> info.bit) & 1;
}

void Vmcs::setControl(Control control, bool on)
{
    const ControlInfo &info = controlInfo(control);
    const std::uint64_t bit = 1ULL << info.bit;
    const std::uint64_t value = read(info.field);
    write(info.field, on ? value | bit : value & ~bit);
}

bool Vmcs::controlActive(Control control) const
{
    if (controlInfo(control).field == Field::SecondaryProcessorControls &&
        !this->control(Control::ActivateSecondaryControls))
        return false;
    return this->control(control);
}

// I/O bitmaps (SDM 25.6.4): A holds one bit per port 0x0000-0x7FFF, B per port 0x8000-0xFFFF;
// stored back to back, so bit `port` of the pair is the port's.
void Vmcs::setIoIntercept(std::uint16_t port, bool exits)
{
    const auto mask = static_cast<std::uint8_t>(1U << (port % 8));
    std::uint8_t &byte = m_ioBitmaps[port / 8];
    byte = exits ? static_cast<std::uint8_t>(byte | mask) : static_cast<std::uint8_t>(byte & ~mask);
}

bool Vmcs::ioExits(std::uint16_t port, int size) const
{
    if (!control(Control::UseIoBitmaps))
        return control(Control::UnconditionalIoExiting);
    for (int i = 0; i < std::max(size, 1); ++i) {
        const unsigned touched = unsigned{port} + static_cast<unsigned>(i);
        if (touched > 0xFFFF)
            return true; // wraps around the 16-bit port space (SDM 26.1.3)
        if ((m_ioBitmaps[touched / 8] >> (touched % 8)) & 1)
            return true;
    }
    return false;
}

namespace {

// MSR bitmaps (SDM 25.6.9): four 1-KiB bitmaps in one 4-KiB page.
//   bytes    0-1023  read,  MSRs 0x00000000-0x00001FFF
//   bytes 1024-2047  read,  MSRs 0xC0000000-0xC0001FFF
//   bytes 2048-3071  write, MSRs 0x00000000-0x00001FFF
//   bytes 3072-4095  write, MSRs 0xC0000000-0xC0001FFF
// The bit of `msr`, counted from the start of the page; nullopt outside both ranges.
std::optional<std::size_t> msrBit(std::uint32_t msr, bool write)
{
    constexpr std::uint32_t kLowEnd = 0x1FFF;
    constexpr std::uint32_t kHighBase = 0xC000'0000;
    constexpr std::uint32_t kHighEnd = 0xC000'1FFF;
    std::size_t base = 0;
    std::uint32_t offset = 0;
    if (msr <= kLowEnd) {
        base = 0;
        offset = msr;
    } else if (msr >= kHighBase && msr <= kHighEnd) {
        base = 1024;
        offset = msr - kHighBase;
    } else {
        return std::nullopt;
    }
    if (write)
        base += 2048;
    return base * 8 + offset;
}

} // namespace

void Vmcs::setMsrIntercept(std::uint32_t msr, bool write, bool exits)
{
    const auto bit = msrBit(msr, write);
    if (!bit)
        return; // outside the bitmaps: such an MSR always exits
    const auto mask = static_cast<std::uint8_t>(1U << (*bit % 8));
    std::uint8_t &byte = m_msrBitmap[*bit / 8];
    byte = exits ? static_cast<std::uint8_t>(byte | mask) : static_cast<std::uint8_t>(byte & ~mask);
}

bool Vmcs::msrExits(std::uint32_t msr, bool write) const
{
    if (!control(Control::UseMsrBitmaps))
        return true;
    const auto bit = msrBit(msr, write);
    if (!bit)
        return true;
    return (m_msrBitmap[*bit / 8] >> (*bit % 8)) & 1;
}

// SDM 26.1.3, MOV to CR0 / CR4: exits unless, for every bit set in the guest/host mask, the
// source operand's bit equals the read shadow's.
bool Vmcs::cr0WriteExits(std::uint64_t value) const
{
    return ((value ^ read(Field::Cr0ReadShadow)) & read(Field::Cr0GuestHostMask)) != 0;
}

bool Vmcs::cr4WriteExits(std::uint64_t value) const
{
    return ((value ^ read(Field::Cr4ReadShadow)) & read(Field::Cr4GuestHostMask)) != 0;
}

// SDM 25.6.6: for a bit set in the mask, MOV from CR reads the shadow's bit; for a clear bit,
// the real register's.
std::uint64_t Vmcs::cr0AsGuestReads(std::uint64_t real) const
{
    const std::uint64_t mask = read(Field::Cr0GuestHostMask);
    return (real & ~mask) | (read(Field::Cr0ReadShadow) & mask);
}

std::uint64_t Vmcs::cr4AsGuestReads(std::uint64_t real) const
{
    const std::uint64_t mask = read(Field::Cr4GuestHostMask);
    return (real & ~mask) | (read(Field::Cr4ReadShadow) & mask);
}

bool Vmcs::cltsExits() const
{
    return (read(Field::Cr0GuestHostMask) & read(Field::Cr0ReadShadow) & cr0::kTS) != 0;
}

bool Vmcs::lmswExits(std::uint16_t source) const
{
    const std::uint64_t mask = read(Field::Cr0GuestHostMask);
    const std::uint64_t shadow = read(Field::Cr0ReadShadow);
    // LMSW can set PE but never clear it, so only setting an owned, shadowed-clear PE exits.
    const std::uint64_t operand = source;
    if ((mask & operand & ~shadow & cr0::kPE) != 0)
        return true;
    constexpr std::uint64_t kMpEmTs = cr0::kMP | cr0::kEM | cr0::kTS;
    return ((operand ^ shadow) & mask & kMpEmTs) != 0;
}

// SDM 26.2 and 25.6.3: an exception's vector selects a bit of the exception bitmap. For a
// page fault the bit's meaning depends on the error code: if (PFEC & PFEC_MASK) == PFEC_MATCH
// bit 14 says exit when set; otherwise it says exit when clear.
bool Vmcs::exceptionExits(std::uint8_t vector, std::uint32_t errorCode) const
{
    // Vectors 32-255 are interrupts, and an NMI (vector 2) exits by "NMI exiting", never by
    // the bitmap.
    if (vector >= vmwb::vector::kFirstExternal || vector == vmwb::vector::kNmi)
        return false;
    const bool bit = (read(Field::ExceptionBitmap) >> vector) & 1;
    if (vector != vmwb::vector::kPageFault)
        return bit;
    const auto mask = static_cast<std::uint32_t>(read(Field::PageFaultErrorCodeMask));
    const auto match = static_cast<std::uint32_t>(read(Field::PageFaultErrorCodeMatch));
    return (errorCode & mask) == match ? bit : !bit;
}

std::vector<Field> Vmcs::changedFrom(const Vmcs &other) const
{
    std::vector<Field> changed;
    for (const FieldInfo &info : kFields) {
        if (read(info.field) != other.read(info.field))
            changed.push_back(info.field);
    }
    return changed;
}

} // namespace vmwb::vmx
