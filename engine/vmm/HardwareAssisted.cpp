#include "vmm/HardwareAssisted.h"

#include "core/Hex.h"
#include "hw/Exceptions.h"
#include "hw/Rflags.h"
#include "machine/Operands.h"
#include "vmm/Monitor.h"

#include <QCoreApplication>

namespace vmwb {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("vmwb::HardwareAssisted", text);
}

// KVM's answer to a hypercall number it does not know (include/uapi/linux/kvm_para.h).
constexpr std::int64_t kKvmEnosys = -1000;
constexpr std::uint64_t kCr4Vmxe = 1ULL << 13;

// Adams and Agesen 2006, section on hardware costs: handling a typical exit takes about ten
// VMREADs (the exit reason, qualification, guest RIP, instruction length, ...). Every exit is
// charged them, at the preset's VMREAD cost.
constexpr std::uint64_t kVmreadsPerExit = 10;

// The general register's number in exit qualifications (SDM Table 28-3): RAX 0 ... R15 15.
int gprNumber(Register reg)
{
    const int number = static_cast<int>(reg) - static_cast<int>(Register::Rax);
    return number >= 0 && number < 16 ? number : 0;
}

int crNumber(Register reg)
{
    switch (reg) {
    case Register::Cr0:
        return 0;
    case Register::Cr2:
        return 2;
    case Register::Cr3:
        return 3;
    case Register::Cr4:
        return 4;
    case Register::Cr8:
        return 8;
    default:
        return -1;
    }
}

} // namespace

const TechniqueInfo &HardwareAssisted::staticInfo()
{
    static const TechniqueInfo info{
        QStringLiteral("hardware-assisted"),
        QT_TRANSLATE_NOOP("vmwb::Technique", "Hardware-assisted (VT-x)"),
        QT_TRANSLATE_NOOP("vmwb::Technique",
                          "The guest kernel runs at ring 0 in VMX non-root operation: popf, cli "
                          "and sti run natively and correctly, and the CPU exits to the monitor "
                          "only where the VMCS's controls say (CPUID always; HLT, I/O, CR "
                          "writes, exceptions and interrupts as configured)."),
        0,
        true,
    };
    return info;
}

void HardwareAssisted::setControls(const std::map<QString, bool> &controls)
{
    m_controls = controls;
}

void HardwareAssisted::setFields(const std::map<QString, std::uint64_t> &fields)
{
    m_fields = fields;
}

void HardwareAssisted::start(Monitor &monitor)
{
    Native::start(monitor);
    m_vmcs = vmx::Vmcs::defaults();
    // The console is the guest's own, like a device assigned to it: with "use I/O bitmaps" on
    // (and unconditional I/O exiting off) its port does not exit; every other port does.
    m_vmcs.setIoIntercept(port::kConsole, false);
    // What the guest reads from CR0 and CR4 starts as what it really has.
    const UnicornCpu &cpu = monitor.machine().cpu();
    m_vmcs.write(vmx::Field::Cr0ReadShadow, cpu.read(Register::Cr0));
    m_vmcs.write(vmx::Field::Cr4ReadShadow, cpu.read(Register::Cr4));
    for (const auto &[id, on] : m_controls) {
        if (const auto control = vmx::controlNamed(id))
            m_vmcs.setControl(*control, on);
    }
    // Without EPT the monitor keeps shadow page tables, and every guest #PF must reach it to
    // be told apart as a hidden fault (the shadow lacks the entry) or a true one (the guest's
    // own tables lack it): the exception bitmap intercepts #PF, as on the Pentium 4 of Adams and
    // Agesen 2006, which had no nested paging. Fields given explicitly still win.
    if (!m_vmcs.control(vmx::Control::EnableEpt)) {
        m_vmcs.write(vmx::Field::ExceptionBitmap,
                     m_vmcs.read(vmx::Field::ExceptionBitmap) | (1ULL << vector::kPageFault));
    }
    for (const auto &[name, value] : m_fields) {
        if (const auto field = vmx::fieldNamed(name))
            m_vmcs.write(*field, value);
    }
    saveGuestState(monitor, cpu.rip());
    m_initial = m_vmcs;
    m_exitCounts.clear();
    m_windowOpened = false;
}

void HardwareAssisted::saveGuestState(const Monitor &monitor, std::uint64_t rip)
{
    using vmx::Field;
    const UnicornCpu &cpu = monitor.machine().cpu();
    m_vmcs.write(Field::GuestRip, rip);
    m_vmcs.write(Field::GuestRsp, cpu.read(Register::Rsp));
    m_vmcs.write(Field::GuestRflags, cpu.rflags());
    m_vmcs.write(Field::GuestCr0, cpu.read(Register::Cr0));
    m_vmcs.write(Field::GuestCr3, cpu.read(Register::Cr3));
    // VMXE must be 1 in the guest's CR4 while it runs in VMX operation (SDM 24.8); the read
    // shadow hides it from the guest (the CR4 guest/host mask owns it).
    m_vmcs.write(Field::GuestCr4, cpu.read(Register::Cr4) | kCr4Vmxe);
    m_vmcs.write(Field::GuestEsSelector, cpu.read(Register::Es));
    m_vmcs.write(Field::GuestCsSelector, cpu.read(Register::Cs));
    m_vmcs.write(Field::GuestSsSelector, cpu.read(Register::Ss));
    m_vmcs.write(Field::GuestDsSelector, cpu.read(Register::Ds));
    m_vmcs.write(Field::GuestFsSelector, cpu.read(Register::Fs));
    m_vmcs.write(Field::GuestGsSelector, cpu.read(Register::Gs));
    m_vmcs.write(Field::GuestLdtrSelector, cpu.ldtrSelector());
    m_vmcs.write(Field::GuestTrSelector, cpu.trSelector());
    m_vmcs.write(Field::GuestGdtrBase, cpu.gdtr().base);
    m_vmcs.write(Field::GuestIdtrBase, cpu.idtr().base);
    // Interruptibility state (SDM 25.4.2): bit 0 blocking by STI.
    m_vmcs.write(Field::GuestInterruptibility, monitor.interruptsBlocked() ? 1 : 0);
    // Activity state: 0 active, 1 HLT.
    m_vmcs.write(Field::GuestActivityState, monitor.vcpu().halted ? 1 : 0);
}

void HardwareAssisted::vmExit(Monitor &monitor, const Exit &exit)
{
    using vmx::Field;
    saveGuestState(monitor, exit.rip);
    m_vmcs.write(Field::ExitReason, exit.reason);
    m_vmcs.write(Field::ExitQualification, exit.qualification);
    m_vmcs.write(Field::ExitInterruptionInfo, exit.interruptionInfo);
    m_vmcs.write(Field::ExitInstructionLength, exit.instructionLength);
    // Every VM exit clears the valid bit of the entry's event injection (SDM 27.2.5).
    m_vmcs.write(Field::EntryInterruptionInfo,
                 m_vmcs.read(Field::EntryInterruptionInfo) & ~(1ULL << 31));
    ++m_exitCounts[exit.reason];
    const std::uint64_t cycles = monitor.cost(Cost::VmExit) +
                                 kVmreadsPerExit * monitor.cost(Cost::VmcsRead) +
                                 exit.handlerCycles + monitor.cost(Cost::VmEntry);
    monitor.record(
        EventKind::VmExit, exit.rip, cycles,
        [&] {
            const char *name = vmx::exitReasonName(exit.reason);
            QString text =
                tr("VM exit %1 (%2)")
                    .arg(exit.reason)
                    .arg(name ? QCoreApplication::translate("vmwb::Vmcs", name) : tr("unknown"));
            const QString qualification =
                exit.interruptionInfo != 0
                    ? vmx::describeInterruptionInfo(exit.interruptionInfo)
                    : vmx::describeQualification(exit.reason, exit.qualification);
            if (!qualification.isEmpty())
                text += QStringLiteral(": ") + qualification;
            text += QStringLiteral("; ") + exit.handled;
            return text;
        },
        static_cast<int>(exit.reason));
}

bool HardwareAssisted::watches(const Instruction &instruction) const
{
    switch (instruction.mnemonic) {
    case Mnemonic::Cpuid:
    case Mnemonic::Invlpg:
    case Mnemonic::Rdmsr:
    case Mnemonic::Wrmsr:
    case Mnemonic::MovToCr:
    case Mnemonic::MovFromCr:
    case Mnemonic::Vmcall:
    case Mnemonic::Clts:
    case Mnemonic::Lmsw:
        return true;
    default:
        return Native::watches(instruction);
    }
}

WatchAction HardwareAssisted::onWatched(Monitor &monitor, const Instruction &instruction)
{
    Machine &machine = monitor.machine();
    Exit exit;
    exit.rip = instruction.address;
    exit.instructionLength = instruction.length;
    exit.handlerCycles = monitor.cost(Cost::MonitorEmulation);
    switch (instruction.mnemonic) {
    case Mnemonic::Cpuid:
        // CPUID exits unconditionally in VMX non-root operation (SDM 26.1.2).
        exit.reason = vmx::exit_reason::kCpuid;
        exit.handled =
            tr("CPUID always exits: the monitor ran it for the guest (leaf %1) and resumed it")
                .arg(hex(machine.cpu().read(Register::Rax) & 0xFFFF'FFFF));
        vmExit(monitor, exit);
        return WatchAction::Execute;
    case Mnemonic::Hlt:
        if (m_vmcs.control(vmx::Control::HltExiting)) {
            exit.reason = vmx::exit_reason::kHlt;
            exit.handled = tr("the monitor blocks the virtual CPU until its next interrupt");
            vmExit(monitor, exit);
        }
        return Native::onWatched(monitor, instruction);
    case Mnemonic::Invlpg:
        if (m_vmcs.control(vmx::Control::InvlpgExiting)) {
            exit.reason = vmx::exit_reason::kInvlpg;
            if (const Operand *memory = [&]() -> const Operand * {
                    for (const Operand &operand : instruction.operands) {
                        if (operand.kind == OperandKind::Memory)
                            return &operand;
                    }
                    return nullptr;
                }())
                exit.qualification = effectiveAddress(machine, instruction, memory->mem);
            exit.handled = tr("the monitor flushed the page's translation and resumed the guest");
            vmExit(monitor, exit);
        }
        return WatchAction::Execute;
    case Mnemonic::In:
    case Mnemonic::Out:
    case Mnemonic::Ins:
    case Mnemonic::Outs:
        return portIo(monitor, instruction);
    case Mnemonic::MovToCr:
        return moveToCr(monitor, instruction);
    case Mnemonic::MovFromCr:
        return moveFromCr(monitor, instruction);
    case Mnemonic::Rdmsr:
    case Mnemonic::Wrmsr:
        return msr(monitor, instruction);
    case Mnemonic::Clts:
    case Mnemonic::Lmsw:
        return cltsOrLmsw(monitor, instruction);
    case Mnemonic::Vmcall: {
        // VMCALL always exits in non-root operation (SDM 26.1.2). No hypercall interface is
        // modelled: the monitor answers as KVM does a number it does not know.
        exit.reason = vmx::exit_reason::kVmcall;
        exit.handled = tr("the monitor knows no hypercall %1 and returned -KVM_ENOSYS (-1000) "
                          "in RAX, as KVM does")
                           .arg(machine.cpu().read(Register::Rax));
        vmExit(monitor, exit);
        machine.cpu().write(Register::Rax, static_cast<std::uint64_t>(kKvmEnosys));
        machine.continueAt(instruction.nextAddress(), true);
        return WatchAction::Handled;
    }
    default:
        return Native::onWatched(monitor, instruction);
    }
}

WatchAction HardwareAssisted::portIo(Monitor &monitor, const Instruction &instruction)
{
    const auto access = Monitor::portOperand(monitor.machine().cpu(), instruction);
    if (access && m_vmcs.ioExits(access->port, static_cast<int>(access->size))) {
        Exit exit;
        exit.rip = instruction.address;
        exit.instructionLength = instruction.length;
        exit.reason = vmx::exit_reason::kIoInstruction;
        const Mnemonic mnemonic = instruction.mnemonic;
        exit.qualification =
            vmx::ioQualification(access->port, static_cast<int>(access->size),
                                 mnemonic == Mnemonic::In || mnemonic == Mnemonic::Ins,
                                 mnemonic == Mnemonic::Ins || mnemonic == Mnemonic::Outs,
                                 instruction.hasRepPrefix, access->immediate);
        exit.handlerCycles = monitor.cost(Cost::IoExitEmulation);
        exit.handled = tr("the monitor emulated the device access");
        vmExit(monitor, exit);
        // The monitor's device model answers; no real device is touched.
        return accessPorts(monitor, instruction, 0);
    }
    // Without an exit the guest reaches the device directly, as a device assigned to the
    // guest would be.
    return Native::onWatched(monitor, instruction);
}

WatchAction HardwareAssisted::moveToCr(Monitor &monitor, const Instruction &instruction)
{
    if (instruction.operands.size() != 2)
        return Native::onWatched(monitor, instruction);
    UnicornCpu &cpu = monitor.machine().cpu();
    const Register reg = instruction.operands[0].reg.reg;
    const std::uint64_t value = readRegister(cpu, instruction.operands[1].reg);
    const int cr = crNumber(reg);
    bool exits = false;
    QString handled;
    switch (cr) {
    case 0:
        exits = m_vmcs.cr0WriteExits(value);
        handled = tr("a bit the monitor owns changed: it checked the new CR0 (%1), updated the "
                     "read shadow and resumed the guest")
                      .arg(hex(value));
        break;
    case 4:
        exits = m_vmcs.cr4WriteExits(value);
        handled = tr("a bit the monitor owns changed: it checked the new CR4 (%1), updated the "
                     "read shadow and resumed the guest")
                      .arg(hex(value));
        break;
    case 3:
        exits = m_vmcs.control(vmx::Control::Cr3LoadExiting);
        handled = tr("the monitor loaded the guest's new page-table root %1").arg(hex(value));
        break;
    case 8:
        exits = m_vmcs.control(vmx::Control::Cr8LoadExiting);
        handled = tr("the monitor set the guest's task priority to %1").arg(value & 0xF);
        break;
    default:
        break;
    }
    if (exits) {
        Exit exit;
        exit.rip = instruction.address;
        exit.instructionLength = instruction.length;
        exit.reason = vmx::exit_reason::kCrAccess;
        exit.qualification = vmx::crAccessQualification(cr, vmx::CrAccessType::MovToCr,
                                                        gprNumber(instruction.operands[1].reg.reg));
        exit.handlerCycles = monitor.cost(Cost::MonitorEmulation);
        exit.handled = handled;
        vmExit(monitor, exit);
    }
    // The guest's write, as the CPU (or the monitor for it) carries it out; the guest now reads
    // back what it wrote, host-owned bits included (the read shadow follows).
    const WatchAction action = Native::onWatched(monitor, instruction);
    if (cr == 0)
        m_vmcs.write(vmx::Field::Cr0ReadShadow, value);
    else if (cr == 4)
        m_vmcs.write(vmx::Field::Cr4ReadShadow, value);
    return action;
}

// CLTS and LMSW change CR0 too: they exit where the CR0 guest/host mask says (SDM 26.1.3), and
// the read shadow follows what the guest wrote.
WatchAction HardwareAssisted::cltsOrLmsw(Monitor &monitor, const Instruction &instruction)
{
    const bool clts = instruction.mnemonic == Mnemonic::Clts;
    std::uint16_t source = 0;
    bool memory = false;
    if (!clts) {
        if (instruction.operands.empty())
            return WatchAction::Execute;
        const Operand &operand = instruction.operands.front();
        if (operand.kind == OperandKind::Memory) {
            memory = true;
            const std::uint64_t address =
                effectiveAddress(monitor.machine(), instruction, operand.mem);
            if (!monitor.machine().readLinear(address, &source, sizeof source))
                return WatchAction::Execute; // the CPU raises the #PF itself
        } else {
            source = static_cast<std::uint16_t>(readRegister(monitor.machine().cpu(), operand.reg));
        }
    }
    if (clts ? m_vmcs.cltsExits() : m_vmcs.lmswExits(source)) {
        Exit exit;
        exit.rip = instruction.address;
        exit.instructionLength = instruction.length;
        exit.reason = vmx::exit_reason::kCrAccess;
        exit.qualification = clts ? vmx::crAccessQualification(0, vmx::CrAccessType::Clts, 0)
                                  : vmx::lmswQualification(source, memory);
        exit.handlerCycles = monitor.cost(Cost::MonitorEmulation);
        exit.handled = clts ? tr("the monitor owns CR0.TS: it cleared the guest's TS")
                            : tr("the monitor owns a bit LMSW changes: it carried out the LMSW");
        vmExit(monitor, exit);
    }
    // The guest reads back what it wrote: CLTS clears TS; LMSW loads MP, EM and TS and can
    // set PE but not clear it.
    std::uint64_t shadow = m_vmcs.read(vmx::Field::Cr0ReadShadow);
    if (clts)
        shadow &= ~std::uint64_t{0x8};
    else
        shadow = (shadow & ~std::uint64_t{0xE}) | (source & 0xE) | (shadow & 1) | (source & 1);
    m_vmcs.write(vmx::Field::Cr0ReadShadow, shadow);
    return WatchAction::Execute;
}

WatchAction HardwareAssisted::moveFromCr(Monitor &monitor, const Instruction &instruction)
{
    if (instruction.operands.size() != 2)
        return Native::onWatched(monitor, instruction);
    const int cr = crNumber(instruction.operands[1].reg.reg);
    const bool exits = (cr == 3 && m_vmcs.control(vmx::Control::Cr3StoreExiting)) ||
                       (cr == 8 && m_vmcs.control(vmx::Control::Cr8StoreExiting));
    if (exits) {
        Exit exit;
        exit.rip = instruction.address;
        exit.instructionLength = instruction.length;
        exit.reason = vmx::exit_reason::kCrAccess;
        exit.qualification = vmx::crAccessQualification(cr, vmx::CrAccessType::MovFromCr,
                                                        gprNumber(instruction.operands[0].reg.reg));
        exit.handlerCycles = monitor.cost(Cost::MonitorEmulation);
        exit.handled = cr == 3 ? tr("the monitor gave the guest its page-table root")
                               : tr("the monitor gave the guest its task priority");
        vmExit(monitor, exit);
    }
    if (cr == 0 || cr == 4) {
        // No exit: host-owned bits come from the read shadow (SDM 26.3).
        UnicornCpu &cpu = monitor.machine().cpu();
        const std::uint64_t real = cpu.read(cr == 0 ? Register::Cr0 : Register::Cr4);
        const std::uint64_t seen =
            cr == 0 ? m_vmcs.cr0AsGuestReads(real) : m_vmcs.cr4AsGuestReads(real);
        if (seen != real) {
            writeRegister(cpu, instruction.operands[0].reg, seen);
            monitor.machine().continueAt(instruction.nextAddress(), true);
            return WatchAction::Handled;
        }
        return WatchAction::Execute;
    }
    return Native::onWatched(monitor, instruction);
}

WatchAction HardwareAssisted::msr(Monitor &monitor, const Instruction &instruction)
{
    const bool write = instruction.mnemonic == Mnemonic::Wrmsr;
    const auto number =
        static_cast<std::uint32_t>(monitor.machine().cpu().read(Register::Rcx) & 0xFFFF'FFFF);
    if (m_vmcs.msrExits(number, write)) {
        Exit exit;
        exit.rip = instruction.address;
        exit.instructionLength = instruction.length;
        exit.reason = write ? vmx::exit_reason::kWrmsr : vmx::exit_reason::kRdmsr;
        exit.handlerCycles = monitor.cost(Cost::MonitorEmulation);
        exit.handled = write ? tr("the MSR bitmap intercepts writes to MSR %1: the monitor "
                                  "emulated it")
                                   .arg(hex(number))
                             : tr("the MSR bitmap intercepts reads of MSR %1: the monitor "
                                  "emulated it")
                                   .arg(hex(number));
        vmExit(monitor, exit);
    }
    return write ? WatchAction::Execute : Native::onWatched(monitor, instruction);
}

void HardwareAssisted::beforeNondeterministic(Monitor &monitor, const Instruction &instruction)
{
    if (instruction.mnemonic != Mnemonic::Rdtsc || !m_vmcs.control(vmx::Control::RdtscExiting))
        return;
    Exit exit;
    exit.rip = instruction.address;
    exit.instructionLength = instruction.length;
    exit.reason = vmx::exit_reason::kRdtsc;
    exit.handlerCycles = monitor.cost(Cost::MonitorEmulation);
    exit.handled = tr("the monitor supplied the guest's time-stamp counter");
    vmExit(monitor, exit);
}

void HardwareAssisted::onException(Monitor &monitor, const CpuException &exception)
{
    // The exception bitmap concerns exceptions; `int n` (a software interrupt) never exits by
    // it, while int3 and into are software exceptions and do (SDM 26.2).
    const bool softwareInterrupt =
        exception.software && exception.vector != vector::kBreakpoint && exception.vector != 4;
    if (!softwareInterrupt) {
        UnicornCpu &cpu = monitor.machine().cpu();
        const auto info = exceptionInfo(exception.vector);
        const bool hasErrorCode = !exception.software && info && info->pushesErrorCode;
        const std::uint32_t errorCode =
            exception.vector == vector::kPageFault
                ? monitor.pageFaultErrorCode(cpu.read(Register::Cr2), exception.rip, 0)
                : 0U;
        if (m_vmcs.exceptionExits(exception.vector, errorCode)) {
            Exit exit;
            exit.rip = exception.rip;
            exit.reason = vmx::exit_reason::kExceptionOrNmi;
            exit.interruptionInfo =
                vmx::interruptionInfo(exception.vector,
                                      exception.software ? vmx::InterruptionType::SoftwareException
                                                         : vmx::InterruptionType::HardwareException,
                                      hasErrorCode);
            if (exception.vector == vector::kPageFault)
                exit.qualification = cpu.read(Register::Cr2); // the faulting address
            m_vmcs.write(vmx::Field::ExitInterruptionErrorCode, hasErrorCode ? errorCode : 0);
            // The monitor decides the exception is the guest's own (without EPT, for a #PF,
            // the shadow MMU checks the guest's tables first) and injects it: a VMWRITE of the
            // VM-entry interruption information, and one of the error code if there is one
            // (SDM 25.8.3).
            const bool shadowPaging =
                exception.vector == vector::kPageFault && !m_vmcs.control(vmx::Control::EnableEpt);
            exit.handlerCycles = monitor.cost(Cost::ExceptionReflection) +
                                 (shadowPaging ? monitor.cost(Cost::ShadowPageFault) : 0) +
                                 (hasErrorCode ? 2 : 1) * monitor.cost(Cost::VmcsWrite);
            exit.handled =
                shadowPaging
                    ? tr("without EPT the exception bitmap intercepts #PF for the shadow page "
                         "tables: the guest's own tables lack the page, a true guest fault, so "
                         "the monitor injected it back into the guest on VM entry")
                    : tr("the exception bitmap intercepts it: the monitor looked at it and "
                         "injected it back into the guest on VM entry");
            vmExit(monitor, exit);
            m_vmcs.write(vmx::Field::EntryInterruptionInfo, exit.interruptionInfo);
            m_vmcs.write(vmx::Field::EntryExceptionErrorCode, hasErrorCode ? errorCode : 0);
        }
    }
    Native::onException(monitor, exception);
}

void HardwareAssisted::interruptRaised(Monitor &monitor, std::uint8_t vector)
{
    if (!m_vmcs.control(vmx::Control::ExternalInterruptExiting))
        return; // delivered through the guest's IDT by the CPU alone, when IF allows
    // With external-interrupt exiting every interrupt exits, whatever the guest's IF.
    const bool canInject = guestInterruptFlag(monitor) && !monitor.interruptsBlocked();
    Exit exit;
    exit.rip = monitor.machine().cpu().rip();
    exit.reason = vmx::exit_reason::kExternalInterrupt;
    exit.interruptionInfo =
        vmx::interruptionInfo(vector, vmx::InterruptionType::ExternalInterrupt, false);
    exit.handlerCycles = monitor.cost(Cost::MonitorEmulation);
    if (canInject) {
        exit.handled =
            tr("the guest's IF is 1: the monitor injects vector %1 on VM entry").arg(vector);
    } else {
        exit.handled = tr("the guest's IF is 0: the monitor holds vector %1 and sets "
                          "interrupt-window exiting, to inject it once the guest can take it")
                           .arg(vector);
        m_vmcs.setControl(vmx::Control::InterruptWindowExiting, true);
        m_windowOpened = true;
    }
    vmExit(monitor, exit);
}

bool HardwareAssisted::deliverInterrupt(Monitor &monitor, std::uint8_t vector)
{
    if (m_windowOpened) {
        // The guest set IF (sti, popf, iret): interrupt-window exiting takes the CPU out
        // before the next instruction (SDM 26.7.5).
        m_windowOpened = false;
        m_vmcs.setControl(vmx::Control::InterruptWindowExiting, false);
        Exit exit;
        exit.rip = monitor.machine().cpu().rip();
        exit.reason = vmx::exit_reason::kInterruptWindow;
        exit.handlerCycles = monitor.cost(Cost::MonitorEmulation);
        exit.handled = tr("the guest can take interrupts again: the monitor cleared "
                          "interrupt-window exiting and injects vector %1 on VM entry")
                           .arg(vector);
        vmExit(monitor, exit);
    }
    if (m_vmcs.control(vmx::Control::ExternalInterruptExiting)) {
        m_vmcs.write(
            vmx::Field::EntryInterruptionInfo,
            vmx::interruptionInfo(vector, vmx::InterruptionType::ExternalInterrupt, false));
    }
    return Native::deliverInterrupt(monitor, vector);
}

std::uint64_t HardwareAssisted::interruptArrivalCycles(const Monitor &) const
{
    // The exit an interrupt causes is its own event, with its cost (interruptRaised()).
    return 0;
}

VirtualCpu HardwareAssisted::guestView(const Monitor &monitor) const
{
    VirtualCpu view = Native::guestView(monitor);
    view.cr0 = m_vmcs.cr0AsGuestReads(view.cr0);
    view.cr4 = m_vmcs.cr4AsGuestReads(view.cr4);
    return view;
}

struct HardwareAssisted::SavedState final : TechniqueState
{
    vmx::Vmcs vmcs;
    std::map<std::uint16_t, std::uint64_t> exitCounts;
    bool windowOpened = false;

    std::size_t bytes() const override { return sizeof *this + exitCounts.size() * 48; }
};

// The controls and fields the run started with are options, not state: they stay.
std::unique_ptr<TechniqueState> HardwareAssisted::saveState() const
{
    auto state = std::make_unique<SavedState>();
    state->vmcs = m_vmcs;
    state->exitCounts = m_exitCounts;
    state->windowOpened = m_windowOpened;
    return state;
}

void HardwareAssisted::restoreState(Monitor &, const TechniqueState *saved)
{
    const auto *state = dynamic_cast<const SavedState *>(saved);
    if (!state)
        throw EngineError("a snapshot of another technique");
    m_vmcs = state->vmcs;
    m_exitCounts = state->exitCounts;
    m_windowOpened = state->windowOpened;
}

} // namespace vmwb
