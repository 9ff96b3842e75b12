#include "decode/Sensitivity.h"

#include <QtGlobal>
#include <array>
#include <cstddef>

namespace vmwb {
namespace {

// Groups. "Privileged" and "sensitive" are Popek and Goldberg's terms (CACM 17(7), 1974); the
// two sensitive-but-unprivileged groups are Robin and Irvine's (USENIX Security 2000).
constexpr const char *kPrivileged =
    QT_TRANSLATE_NOOP("vmwb::Sensitivity", "privileged instruction: faults at CPL > 0");
constexpr const char *kIoSensitive = QT_TRANSLATE_NOOP(
    "vmwb::Sensitivity", "I/O-sensitive instruction: CPL is checked against IOPL");
constexpr const char *kInwardReturn = QT_TRANSLATE_NOOP(
    "vmwb::Sensitivity", "interrupt return: faults when returning to a more privileged level");
constexpr const char *kSensitiveRegister =
    QT_TRANSLATE_NOOP("vmwb::Sensitivity", "sensitive register instruction (Robin and Irvine)");
constexpr const char *kProtectionSystem =
    QT_TRANSLATE_NOOP("vmwb::Sensitivity", "protection system instruction (Robin and Irvine)");
constexpr const char *kVmx = QT_TRANSLATE_NOOP("vmwb::Sensitivity", "VMX instruction");
constexpr const char *kUnprivileged =
    QT_TRANSLATE_NOOP("vmwb::Sensitivity", "unprivileged instruction");
constexpr const char *kUndefined =
    QT_TRANSLATE_NOOP("vmwb::Sensitivity", "undefined instruction: #UD at every CPL");

// One row per Mnemonic after Other, in enum order (checked below). Facts are from each
// instruction's page in the Intel SDM Vol. 2 ("Operation" and "Protected Mode Exceptions") and
// Vol. 3A 2.8, "System Instruction Summary", unless the row names another source.
constexpr std::array kRules{
    SensitivityRule{
        Mnemonic::Cli,
        Sensitivity::Privileged,
        kIoSensitive,
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Clears IF in RFLAGS: the processor stops accepting maskable interrupts "
                          "until IF is set again."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "CPL 3 is greater than IOPL 0, so CLI raises #GP(0) (unless CR4.PVI = 1, "
                          "which makes it clear VIF instead); the monitor then clears the guest's "
                          "virtual IF."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity", "Intel SDM Vol. 2A, CLI"),
    },
    SensitivityRule{
        Mnemonic::Sti,
        Sensitivity::Privileged,
        kIoSensitive,
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Sets IF in RFLAGS: maskable interrupts are accepted again, starting "
                          "after the next instruction."),
        QT_TRANSLATE_NOOP(
            "vmwb::Sensitivity",
            "CPL 3 is greater than IOPL 0, so STI raises #GP(0) (unless CR4.PVI = 1); "
            "the monitor then sets the guest's virtual IF and delivers any pending "
            "virtual interrupt."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity", "Intel SDM Vol. 2B, STI"),
    },
    SensitivityRule{
        Mnemonic::Hlt,
        Sensitivity::Privileged,
        kPrivileged,
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Stops executing instructions until an interrupt, NMI, SMI, INIT or "
                          "reset arrives."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "#GP(0) at any CPL other than 0, so the monitor learns that the guest "
                          "is idle and can run something else."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity", "Intel SDM Vol. 2A, HLT"),
    },
    SensitivityRule{
        Mnemonic::Pushf,
        Sensitivity::SensitiveUnprivileged,
        kSensitiveRegister,
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Pushes RFLAGS onto the stack (VM and RF read as 0 in the copy)."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Does not trap: it pushes the real IF and IOPL, so a deprivileged kernel "
                          "sees the monitor's settings (IF = 1) instead of the values it believes "
                          "it set."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Intel SDM Vol. 2B, PUSHF/PUSHFD/PUSHFQ; Robin and Irvine 2000"),
    },
    SensitivityRule{
        Mnemonic::Popf,
        Sensitivity::SensitiveUnprivileged,
        kSensitiveRegister,
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Pops RFLAGS from the stack, loading IF and IOPL along with the other "
                          "flags (VM, VIF and VIP stay unchanged)."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Does not trap: at CPL 3 with IOPL 0 the processor silently leaves IF "
                          "and IOPL unchanged and loads only the other flags, so a deprivileged "
                          "kernel cannot disable interrupts this way and the monitor never hears "
                          "of it."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Intel SDM Vol. 2B, POPF/POPFD/POPFQ; Robin and Irvine 2000"),
    },
    SensitivityRule{
        Mnemonic::Lgdt,
        Sensitivity::Privileged,
        kPrivileged,
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Loads GDTR, the base and limit of the global descriptor table, from "
                          "memory."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "#GP(0) at CPL > 0, so the monitor can keep the real GDTR and shadow "
                          "the guest's table."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity", "Intel SDM Vol. 2A, LGDT/LIDT"),
    },
    SensitivityRule{
        Mnemonic::Lidt,
        Sensitivity::Privileged,
        kPrivileged,
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Loads IDTR, the base and limit of the interrupt descriptor table, from "
                          "memory."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "#GP(0) at CPL > 0, so interrupts keep going to the monitor's handlers "
                          "and the monitor records the guest's table."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity", "Intel SDM Vol. 2A, LGDT/LIDT"),
    },
    SensitivityRule{
        Mnemonic::Lldt,
        Sensitivity::Privileged,
        kPrivileged,
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Loads LDTR with a selector for a local descriptor table listed in the "
                          "GDT."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity", "#GP(0) at CPL > 0."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity", "Intel SDM Vol. 2A, LLDT"),
    },
    SensitivityRule{
        Mnemonic::Ltr,
        Sensitivity::Privileged,
        kPrivileged,
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Loads the task register with a TSS selector and marks that TSS busy."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity", "#GP(0) at CPL > 0."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity", "Intel SDM Vol. 2A, LTR"),
    },
    SensitivityRule{
        Mnemonic::Sgdt,
        Sensitivity::SensitiveUnprivileged,
        kSensitiveRegister,
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Stores GDTR (limit and base of the GDT) to memory."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Does not trap while CR4.UMIP = 0: a deprivileged kernel reads the "
                          "monitor's GDT base instead of its own. With CR4.UMIP = 1 it raises "
                          "#GP(0)."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Intel SDM Vol. 2B, SGDT; Vol. 3A 2.5 (CR4.UMIP); Robin and Irvine 2000"),
    },
    SensitivityRule{
        Mnemonic::Sidt,
        Sensitivity::SensitiveUnprivileged,
        kSensitiveRegister,
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Stores IDTR (limit and base of the IDT) to memory."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Does not trap while CR4.UMIP = 0: a deprivileged kernel reads the "
                          "monitor's IDT base instead of its own. With CR4.UMIP = 1 it raises "
                          "#GP(0)."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Intel SDM Vol. 2B, SIDT; Vol. 3A 2.5 (CR4.UMIP); Robin and Irvine 2000"),
    },
    SensitivityRule{
        Mnemonic::Sldt,
        Sensitivity::SensitiveUnprivileged,
        kSensitiveRegister,
        QT_TRANSLATE_NOOP("vmwb::Sensitivity", "Stores the LDTR selector."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Does not trap while CR4.UMIP = 0: it reveals the monitor's LDTR "
                          "selector. With CR4.UMIP = 1 it raises #GP(0)."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Intel SDM Vol. 2B, SLDT; Vol. 3A 2.5 (CR4.UMIP); Robin and Irvine 2000"),
    },
    SensitivityRule{
        Mnemonic::Str,
        Sensitivity::SensitiveUnprivileged,
        kProtectionSystem,
        QT_TRANSLATE_NOOP("vmwb::Sensitivity", "Stores the task register's TSS selector."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Does not trap while CR4.UMIP = 0: it reveals the monitor's TSS "
                          "selector. With CR4.UMIP = 1 it raises #GP(0)."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Intel SDM Vol. 2B, STR; Vol. 3A 2.5 (CR4.UMIP); Robin and Irvine 2000"),
    },
    SensitivityRule{
        Mnemonic::Smsw,
        Sensitivity::SensitiveUnprivileged,
        kSensitiveRegister,
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Stores the machine status word, the low bits of CR0 (PE, MP, EM, TS, "
                          "ET, NE); into a register it stores as many bits of CR0 as the operand "
                          "holds."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Does not trap while CR4.UMIP = 0: a deprivileged kernel sees the real "
                          "CR0 bits, not the virtual CR0 the monitor emulates for it. With "
                          "CR4.UMIP = 1 it raises #GP(0)."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Intel SDM Vol. 2B, SMSW; Vol. 3A 2.5 (CR4.UMIP); Robin and Irvine 2000"),
    },
    SensitivityRule{
        Mnemonic::Lmsw,
        Sensitivity::Privileged,
        kPrivileged,
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Loads CR0's PE, MP, EM and TS bits from the operand; it can set PE but "
                          "not clear it."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity", "#GP(0) at CPL > 0."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity", "Intel SDM Vol. 2A, LMSW"),
    },
    SensitivityRule{
        Mnemonic::Clts,
        Sensitivity::Privileged,
        kPrivileged,
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Clears CR0.TS, the flag kernels use to save FPU state lazily."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity", "#GP(0) at CPL > 0."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity", "Intel SDM Vol. 2A, CLTS"),
    },
    SensitivityRule{
        Mnemonic::Lar,
        Sensitivity::SensitiveUnprivileged,
        kProtectionSystem,
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Loads the access rights of the descriptor a selector names and sets "
                          "ZF, if that descriptor is visible at the current CPL and the "
                          "selector's RPL; otherwise it clears ZF."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Does not trap, but the answer depends on CPL: a deprivileged kernel "
                          "asking about its own DPL-0 segments gets ZF = 0 where it would get "
                          "ZF = 1 at CPL 0."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity", "Intel SDM Vol. 2A, LAR; Robin and Irvine 2000"),
    },
    SensitivityRule{
        Mnemonic::Lsl,
        Sensitivity::SensitiveUnprivileged,
        kProtectionSystem,
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Loads the limit of the segment a selector names and sets ZF, if its "
                          "descriptor is visible at the current CPL and the selector's RPL; "
                          "otherwise it clears ZF."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Does not trap, but the answer depends on CPL: a deprivileged kernel "
                          "asking about its own DPL-0 segments gets ZF = 0 where it would get "
                          "ZF = 1 at CPL 0."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity", "Intel SDM Vol. 2A, LSL; Robin and Irvine 2000"),
    },
    SensitivityRule{
        Mnemonic::Verr,
        Sensitivity::SensitiveUnprivileged,
        kProtectionSystem,
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Sets ZF if the segment a selector names is readable from the current "
                          "CPL and the selector's RPL, and clears ZF otherwise."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Does not trap, but the result depends on CPL: the kernel's DPL-0 "
                          "segments report ZF = 0 to a deprivileged kernel."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Intel SDM Vol. 2C, VERR/VERW; Robin and Irvine 2000"),
    },
    SensitivityRule{
        Mnemonic::Verw,
        Sensitivity::SensitiveUnprivileged,
        kProtectionSystem,
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Sets ZF if the segment a selector names is writable from the current "
                          "CPL and the selector's RPL, and clears ZF otherwise."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Does not trap, but the result depends on CPL: the kernel's DPL-0 "
                          "segments report ZF = 0 to a deprivileged kernel."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Intel SDM Vol. 2C, VERR/VERW; Robin and Irvine 2000"),
    },
    SensitivityRule{
        Mnemonic::MovToCr,
        Sensitivity::Privileged,
        kPrivileged,
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Writes a control register: CR0 (protection and paging), CR3 (the "
                          "page-table base), CR4 (extensions) or CR8 (task priority)."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "#GP(0) at CPL > 0, so the monitor sees every address-space switch and "
                          "mode change."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Intel SDM Vol. 2B, MOV (Move to/from Control Registers)"),
    },
    SensitivityRule{
        Mnemonic::MovFromCr,
        Sensitivity::Privileged,
        kPrivileged,
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Reads a control register: CR0, CR2 (the last page-fault address), "
                          "CR3, CR4 or CR8."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "#GP(0) at CPL > 0, so the monitor can return the guest's virtual value "
                          "instead of the real one."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Intel SDM Vol. 2B, MOV (Move to/from Control Registers)"),
    },
    SensitivityRule{
        Mnemonic::MovToDr,
        Sensitivity::Privileged,
        kPrivileged,
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Writes a debug register: DR0-DR3 hold breakpoint addresses, DR7 "
                          "enables and configures them."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity", "#GP(0) at CPL > 0."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Intel SDM Vol. 2B, MOV (Move to/from Debug Registers)"),
    },
    SensitivityRule{
        Mnemonic::MovFromDr,
        Sensitivity::Privileged,
        kPrivileged,
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Reads a debug register: DR0-DR3 (breakpoint addresses), DR6 (debug "
                          "status) or DR7 (debug control)."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity", "#GP(0) at CPL > 0."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Intel SDM Vol. 2B, MOV (Move to/from Debug Registers)"),
    },
    SensitivityRule{
        Mnemonic::MovToSeg,
        Sensitivity::SensitiveUnprivileged,
        kProtectionSystem,
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Loads a segment register; the descriptor's DPL is checked against CPL "
                          "and the selector's RPL (SS needs RPL = DPL = CPL). MOV cannot load "
                          "CS."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "The checks use CPL 3: loading the kernel's own DPL-0 data or stack "
                          "selector raises #GP where it worked at CPL 0, and a load that passes "
                          "does not trap at all."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Intel SDM Vol. 2B, MOV (Move); Robin and Irvine 2000"),
    },
    SensitivityRule{
        Mnemonic::MovFromSeg,
        Sensitivity::SensitiveUnprivileged,
        kProtectionSystem,
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Stores a segment selector into a register or memory."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Does not trap: reading CS or SS shows RPL 3, which tells the kernel "
                          "that it is not running at CPL 0."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Intel SDM Vol. 2B, MOV (Move); Robin and Irvine 2000"),
    },
    SensitivityRule{
        Mnemonic::PushSeg,
        Sensitivity::SensitiveUnprivileged,
        kProtectionSystem,
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Pushes the FS or GS selector (in 64-bit mode PUSH CS, SS, DS and ES "
                          "are invalid)."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Does not trap: the pushed selector, including its RPL, is the one the "
                          "monitor loaded, which can reveal that the kernel runs at CPL 3."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity", "Intel SDM Vol. 2B, PUSH; Robin and Irvine 2000"),
    },
    SensitivityRule{
        Mnemonic::PopSeg,
        Sensitivity::SensitiveUnprivileged,
        kProtectionSystem,
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Pops a selector into FS or GS (in 64-bit mode POP DS, ES and SS are "
                          "invalid), with the same descriptor checks as MOV to a segment "
                          "register."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "The checks use CPL 3: popping the kernel's own DPL-0 selector raises "
                          "#GP, and a pop that passes does not trap at all."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity", "Intel SDM Vol. 2B, POP; Robin and Irvine 2000"),
    },
    SensitivityRule{
        Mnemonic::Iret,
        Sensitivity::Privileged,
        kInwardReturn,
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Returns from an interrupt handler: pops RIP, CS and RFLAGS, and in "
                          "64-bit mode always RSP and SS; it may return to an outer level such as "
                          "user mode at CPL 3."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "A deprivileged kernel's IRETQ to its kernel frame (a CS with RPL 0) "
                          "raises #GP, because IRET cannot return to a more privileged level. An "
                          "IRET that stays at CPL 3 does not trap and, like POPF, leaves IF (and "
                          "IOPL) unchanged."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity", "Intel SDM Vol. 2A, IRET/IRETD/IRETQ"),
    },
    SensitivityRule{
        Mnemonic::In,
        Sensitivity::Privileged,
        kIoSensitive,
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Reads a byte, word or doubleword from an I/O port (port number in DX "
                          "or an immediate)."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "CPL 3 is greater than IOPL 0, so the processor consults the TSS I/O "
                          "permission bitmap: unless it allows every byte of the access, IN "
                          "raises #GP(0) and the monitor emulates the device."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Intel SDM Vol. 2A, IN; Vol. 1, I/O Permission Bit Map"),
    },
    SensitivityRule{
        Mnemonic::Out,
        Sensitivity::Privileged,
        kIoSensitive,
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Writes a byte, word or doubleword to an I/O port (port number in DX or "
                          "an immediate)."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "CPL 3 is greater than IOPL 0, so the processor consults the TSS I/O "
                          "permission bitmap: unless it allows every byte of the access, OUT "
                          "raises #GP(0) and the monitor emulates the device."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Intel SDM Vol. 2B, OUT; Vol. 1, I/O Permission Bit Map"),
    },
    SensitivityRule{
        Mnemonic::Ins,
        Sensitivity::Privileged,
        kIoSensitive,
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Reads from the I/O port in DX into memory at ES:[RDI], repeatedly "
                          "with a REP prefix."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "CPL 3 is greater than IOPL 0, so the processor consults the TSS I/O "
                          "permission bitmap: unless it allows the port, INS raises #GP(0) "
                          "before any data moves."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Intel SDM Vol. 2A, INS/INSB/INSW/INSD; Vol. 1, I/O Permission Bit Map"),
    },
    SensitivityRule{
        Mnemonic::Outs,
        Sensitivity::Privileged,
        kIoSensitive,
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Writes memory at [RSI] to the I/O port in DX, repeatedly with a REP "
                          "prefix."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "CPL 3 is greater than IOPL 0, so the processor consults the TSS I/O "
                          "permission bitmap: unless it allows the port, OUTS raises #GP(0) "
                          "before any data moves."),
        QT_TRANSLATE_NOOP(
            "vmwb::Sensitivity",
            "Intel SDM Vol. 2B, OUTS/OUTSB/OUTSW/OUTSD; Vol. 1, I/O Permission Bit Map"),
    },
    SensitivityRule{
        Mnemonic::Rdmsr,
        Sensitivity::Privileged,
        kPrivileged,
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Reads the model-specific register selected by ECX into EDX:EAX."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity", "#GP(0) at CPL > 0."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity", "Intel SDM Vol. 2B, RDMSR"),
    },
    SensitivityRule{
        Mnemonic::Wrmsr,
        Sensitivity::Privileged,
        kPrivileged,
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Writes EDX:EAX to the model-specific register selected by ECX (for "
                          "example EFER or the SYSCALL entry point, LSTAR)."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity", "#GP(0) at CPL > 0."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity", "Intel SDM Vol. 2D, WRMSR"),
    },
    SensitivityRule{
        Mnemonic::Rdtsc,
        Sensitivity::Innocuous,
        kUnprivileged,
        QT_TRANSLATE_NOOP("vmwb::Sensitivity", "Reads the time-stamp counter into EDX:EAX."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Runs without trapping unless CR4.TSD = 1, which makes it raise #GP(0) "
                          "at CPL > 0. Without a trap the guest sees real time, including the "
                          "time spent in the monitor."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity", "Intel SDM Vol. 2B, RDTSC"),
    },
    SensitivityRule{
        Mnemonic::Rdtscp,
        Sensitivity::Innocuous,
        kUnprivileged,
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Waits for earlier instructions, then reads the time-stamp counter into "
                          "EDX:EAX and IA32_TSC_AUX into ECX."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Runs without trapping unless CR4.TSD = 1, which makes it raise #GP(0) "
                          "at CPL > 0. Without a trap the guest sees real time, including the "
                          "time spent in the monitor."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity", "Intel SDM Vol. 2B, RDTSCP"),
    },
    SensitivityRule{
        Mnemonic::Rdpmc,
        Sensitivity::Privileged,
        kPrivileged,
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Reads the performance-monitoring counter selected by ECX into "
                          "EDX:EAX."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "#GP(0) at CPL > 0 unless CR4.PCE = 1, which lets every privilege level "
                          "read the counters."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity", "Intel SDM Vol. 2B, RDPMC"),
    },
    SensitivityRule{
        Mnemonic::Rdrand,
        Sensitivity::Innocuous,
        kUnprivileged,
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Returns a hardware random number and sets CF = 1 (CF = 0 if none was "
                          "ready)."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Same at every CPL, no trap. Under VT-x a hypervisor can make it exit "
                          "with the RDRAND exiting control."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity", "Intel SDM Vol. 2B, RDRAND"),
    },
    SensitivityRule{
        Mnemonic::Rdseed,
        Sensitivity::Innocuous,
        kUnprivileged,
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Returns a random seed from the hardware entropy source and sets CF = 1 "
                          "(CF = 0 if none was ready)."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Same at every CPL, no trap. Under VT-x a hypervisor can make it exit "
                          "with the RDSEED exiting control."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity", "Intel SDM Vol. 2B, RDSEED"),
    },
    SensitivityRule{
        Mnemonic::Cpuid,
        Sensitivity::Innocuous,
        kUnprivileged,
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Returns processor identification and feature information for the leaf "
                          "in EAX (and sub-leaf in ECX)."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Same at every CPL and no trap, so a deprivileged kernel sees the real "
                          "processor. Under VT-x, CPUID always causes a VM exit, so a hypervisor "
                          "can hide or add features."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Intel SDM Vol. 2A, CPUID; Vol. 3C, Instructions That Cause VM Exits "
                          "Unconditionally"),
    },
    SensitivityRule{
        Mnemonic::Invlpg,
        Sensitivity::Privileged,
        kPrivileged,
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Invalidates the TLB entries for the page that contains the address."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "#GP(0) at CPL > 0; a shadow-paging monitor uses the trap to drop its "
                          "shadow entry for the page."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity", "Intel SDM Vol. 2A, INVLPG"),
    },
    SensitivityRule{
        Mnemonic::Invd,
        Sensitivity::Privileged,
        kPrivileged,
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Invalidates the caches without writing modified lines back to "
                          "memory."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity", "#GP(0) at CPL > 0."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity", "Intel SDM Vol. 2A, INVD"),
    },
    SensitivityRule{
        Mnemonic::Wbinvd,
        Sensitivity::Privileged,
        kPrivileged,
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Writes modified cache lines back to memory, then invalidates the "
                          "caches."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity", "#GP(0) at CPL > 0."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity", "Intel SDM Vol. 2D, WBINVD"),
    },
    SensitivityRule{
        Mnemonic::Int,
        Sensitivity::SensitiveUnprivileged,
        kProtectionSystem,
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Calls the handler for vector n through the IDT. The gate's DPL must "
                          "be at least CPL, which always holds at CPL 0."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "The gate's DPL is checked against CPL 3: a gate with DPL < 3 raises "
                          "#GP(n * 8 + 2) instead of calling its handler, while a DPL-3 gate (a "
                          "system call vector) is taken without a fault."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Intel SDM Vol. 2A, INT n/INTO/INT3/INT1; Robin and Irvine 2000"),
    },
    SensitivityRule{
        Mnemonic::Int3,
        Sensitivity::SensitiveUnprivileged,
        kProtectionSystem,
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Raises the breakpoint exception (#BP, vector 3) through the IDT with "
                          "RIP after the INT3; debuggers plant it as a breakpoint."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "As with INT n, the gate's DPL is checked against CPL 3: with a DPL-0 "
                          "gate the result is #GP(3 * 8 + 2) instead of #BP."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Intel SDM Vol. 2A, INT n/INTO/INT3/INT1; Robin and Irvine 2000"),
    },
    SensitivityRule{
        Mnemonic::Int1,
        Sensitivity::SensitiveUnprivileged,
        kProtectionSystem,
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Raises the debug exception (#DB, vector 1) through the IDT, as a "
                          "hardware debug trap would."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Unlike INT n and INT3, the gate's DPL is not checked, so it reaches "
                          "the #DB handler at any CPL without a #GP."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity", "Intel SDM Vol. 2A, INT n/INTO/INT3/INT1"),
    },
    SensitivityRule{
        Mnemonic::Into,
        Sensitivity::Innocuous,
        kUndefined,
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Not valid in 64-bit mode: raises #UD. (In 32-bit code it calls the "
                          "overflow handler, #OF, when OF = 1.)"),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Raises #UD at every CPL in 64-bit mode, so privilege makes no "
                          "difference."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity", "Intel SDM Vol. 2A, INT n/INTO/INT3/INT1"),
    },
    SensitivityRule{
        Mnemonic::Syscall,
        Sensitivity::Innocuous,
        kUnprivileged,
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Fast system call: saves RIP in RCX and RFLAGS in R11, masks RFLAGS "
                          "with IA32_FMASK and jumps to IA32_LSTAR at CPL 0 (#UD if EFER.SCE = "
                          "0)."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Meant for CPL 3 and does not trap: it enters the CPL-0 code that "
                          "IA32_LSTAR names, which under a monitor is the monitor's entry point."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity", "Intel SDM Vol. 2B, SYSCALL"),
    },
    SensitivityRule{
        Mnemonic::Sysret,
        Sensitivity::Privileged,
        kPrivileged,
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Returns from SYSCALL to CPL 3: RIP from RCX, RFLAGS from R11."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity", "#GP(0) at CPL > 0."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity", "Intel SDM Vol. 2B, SYSRET"),
    },
    SensitivityRule{
        Mnemonic::Sysenter,
        Sensitivity::Innocuous,
        kUnprivileged,
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Fast system call: loads CS, SS, RIP and RSP from the IA32_SYSENTER "
                          "MSRs and runs at CPL 0 (#GP(0) if IA32_SYSENTER_CS is 0). AMD "
                          "processors raise #UD for it in 64-bit mode."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Meant for CPL 3 and does not trap: it enters the CPL-0 entry point "
                          "that the MSRs name."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Intel SDM Vol. 2B, SYSENTER; AMD APM Vol. 3, SYSENTER"),
    },
    SensitivityRule{
        Mnemonic::Sysexit,
        Sensitivity::Privileged,
        kPrivileged,
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Returns from SYSENTER to CPL 3: RIP from RDX, RSP from RCX."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity", "#GP(0) at CPL > 0."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity", "Intel SDM Vol. 2B, SYSEXIT"),
    },
    SensitivityRule{
        Mnemonic::Swapgs,
        Sensitivity::Privileged,
        kPrivileged,
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Exchanges the GS base with IA32_KERNEL_GS_BASE, so a kernel entry path "
                          "can find its per-CPU data."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity", "#GP(0) at CPL > 0."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity", "Intel SDM Vol. 2B, SWAPGS"),
    },
    SensitivityRule{
        Mnemonic::CallFar,
        Sensitivity::SensitiveUnprivileged,
        kProtectionSystem,
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Calls through a far pointer in memory (m16:32 or m16:64): to a code "
                          "segment, or through a call gate to a more privileged level; CPL, RPL "
                          "and DPL are checked."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "The checks use CPL 3: a far call to the kernel's own DPL-0 "
                          "non-conforming code segment raises #GP where it worked at CPL 0, "
                          "while a call gate with DPL 3 still lets CPL 3 in."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity", "Intel SDM Vol. 2A, CALL; Robin and Irvine 2000"),
    },
    SensitivityRule{
        Mnemonic::JmpFar,
        Sensitivity::SensitiveUnprivileged,
        kProtectionSystem,
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Jumps through a far pointer in memory (m16:32 or m16:64) to a code "
                          "segment or through a call gate; a far jump never changes CPL, and "
                          "CPL, RPL and DPL are checked."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "The checks use CPL 3: a far jump to the kernel's own DPL-0 "
                          "non-conforming code segment raises #GP where it worked at CPL 0."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity", "Intel SDM Vol. 2A, JMP; Robin and Irvine 2000"),
    },
    SensitivityRule{
        Mnemonic::RetFar,
        Sensitivity::SensitiveUnprivileged,
        kProtectionSystem,
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Returns through a far return address (CS and RIP) on the stack, "
                          "possibly to an outer privilege level, in which case it also pops RSP "
                          "and SS."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "The return CS's RPL is checked against CPL 3: returning to a CPL-0 "
                          "code selector raises #GP, since RET cannot return inward; a return "
                          "that stays at CPL 3 does not trap."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity", "Intel SDM Vol. 2B, RET; Robin and Irvine 2000"),
    },
    SensitivityRule{
        Mnemonic::Vmcall,
        Sensitivity::Privileged,
        kVmx,
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Outside VMX operation VMCALL raises #UD. In VMX non-root operation it "
                          "causes a VM exit: this is how a guest calls its hypervisor (a "
                          "hypercall)."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Same at CPL 3: #UD outside VMX operation, and a VM exit at any CPL in "
                          "VMX non-root operation, so the hypervisor must check the guest's CPL "
                          "itself."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Intel SDM Vol. 3C, VMCALL; Vol. 3C, Instructions That Cause VM Exits "
                          "Unconditionally"),
    },
    SensitivityRule{
        Mnemonic::Xsetbv,
        Sensitivity::Privileged,
        kPrivileged,
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Writes EDX:EAX to the extended control register selected by ECX; XCR0 "
                          "chooses the state components that XSAVE manages."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "#GP(0) at CPL > 0. Under VT-x it always causes a VM exit."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Intel SDM Vol. 2D, XSETBV; Vol. 3C, Instructions That Cause VM Exits "
                          "Unconditionally"),
    },
    SensitivityRule{
        Mnemonic::Monitor,
        Sensitivity::Privileged,
        kPrivileged,
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Arms address monitoring for the range that contains the address in "
                          "RAX, for a following MWAIT."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "#UD at CPL > 0, unless the processor enables it for user mode in a "
                          "model-specific way."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity", "Intel SDM Vol. 2B, MONITOR"),
    },
    SensitivityRule{
        Mnemonic::Mwait,
        Sensitivity::Privileged,
        kPrivileged,
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Waits in an optimized state until the monitored range is written or "
                          "an interrupt arrives."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "#UD at CPL > 0, unless the processor enables it for user mode in a "
                          "model-specific way."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity", "Intel SDM Vol. 2B, MWAIT"),
    },
    SensitivityRule{
        Mnemonic::Ud,
        Sensitivity::Innocuous,
        kUndefined,
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "UD0, UD1 and UD2 always raise #UD; they exist to be invalid on "
                          "purpose, for example to mark code that must not be reached."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                          "Raises #UD at every CPL, so privilege makes no difference."),
        QT_TRANSLATE_NOOP("vmwb::Sensitivity", "Intel SDM Vol. 2B, UD"),
    },
};

constexpr SensitivityRule kOtherRule{
    Mnemonic::Other,
    Sensitivity::Innocuous,
    kUnprivileged,
    QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                      "An instruction the workbench treats as innocuous: its effect does not "
                      "depend on the privilege level."),
    QT_TRANSLATE_NOOP("vmwb::Sensitivity",
                      "Runs directly at CPL 3 with the same effect as at CPL 0; the monitor is "
                      "not involved."),
    QT_TRANSLATE_NOOP("vmwb::Sensitivity", "Popek and Goldberg 1974"),
};

// The enum has no count enumerator, so its last value is named here: a Mnemonic appended
// after Ud must move this marker, or the check below reports the missing row.
constexpr Mnemonic kLastMnemonic = Mnemonic::Ud;

constexpr bool coversEveryMnemonicInOrder()
{
    if (kRules.size() != static_cast<std::size_t>(kLastMnemonic))
        return false;
    for (std::size_t i = 0; i < kRules.size(); ++i) {
        if (static_cast<std::size_t>(kRules[i].mnemonic) != i + 1)
            return false;
    }
    return true;
}
static_assert(coversEveryMnemonicInOrder(),
              "kRules needs exactly one row per Mnemonic after Other, in enum order");

} // namespace

std::span<const SensitivityRule> sensitivityRules()
{
    return kRules;
}

const SensitivityRule &sensitivityRule(Mnemonic mnemonic)
{
    const auto index = static_cast<std::size_t>(mnemonic);
    if (index == 0 || index > kRules.size())
        return kOtherRule;
    return kRules[index - 1];
}

} // namespace vmwb
