#include "vmm/Native.h"

#include "core/Hex.h"
#include "cpu/ControlRegisterChecks.h"
#include "hw/Exceptions.h"
#include "hw/Rflags.h"
#include "machine/Operands.h"
#include "vmm/Monitor.h"

#include <QCoreApplication>

namespace vmwb {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("vmwb::Native", text);
}

constexpr std::uint32_t kTscMsr = 0x10;

QString exceptionName(std::uint8_t vector)
{
    if (const auto info = exceptionInfo(vector); info && info->mnemonic[0] != '\0') {
        return QStringLiteral("%1 (%2)").arg(
            QLatin1String(info->mnemonic),
            QCoreApplication::translate("vmwb::Exceptions", info->name));
    }
    return tr("vector %1").arg(vector);
}

// The real CPU's view: what it pushes and where its IDT is.
FrameView realFrame(const Monitor &monitor)
{
    const UnicornCpu &cpu = monitor.machine().cpu();
    return {cpu.idtr(), cpu.rflags(), static_cast<std::uint16_t>(cpu.read(Register::Cs)),
            static_cast<std::uint16_t>(cpu.read(Register::Ss))};
}

// After a delivery the CPU clears TF, NT and RF, and IF for an interrupt gate
// (SDM Vol. 3A, 6.12.1.3).
void enterHandler(UnicornCpu &cpu, const Delivery &delivery)
{
    std::uint64_t flags = cpu.rflags() & ~(rflags::kTF | rflags::kNT | rflags::kRF);
    if (delivery.interruptGate)
        flags &= ~rflags::kIF;
    cpu.setRflags(flags);
    if (cpu.read(Register::Cs) != delivery.selector)
        cpu.write(Register::Cs, delivery.selector);
}

} // namespace

const TechniqueInfo &Native::staticInfo()
{
    static const TechniqueInfo info{
        QStringLiteral("native"),
        QT_TRANSLATE_NOOP("vmwb::Technique", "Native"),
        QT_TRANSLATE_NOOP("vmwb::Technique",
                          "The guest kernel runs at ring 0 on the bare machine: nothing is "
                          "virtualized. The reference for equivalence and cost."),
        0,
        false,
    };
    return info;
}

void Native::start(Monitor &) {}

bool Native::watches(const Instruction &instruction) const
{
    switch (instruction.mnemonic) {
    case Mnemonic::Hlt: // the engine models waiting for an interrupt
    case Mnemonic::In:  // the devices live in the engine
    case Mnemonic::Out:
    case Mnemonic::Ins:
    case Mnemonic::Outs:
    case Mnemonic::Sti: // these may enable interrupts while one is pending
    case Mnemonic::Popf:
    case Mnemonic::Iret:
    case Mnemonic::MovToCr:   // checked as the SDM says; may change the page tables
    case Mnemonic::MovFromCr: // CR8: Unicorn has no local APIC to keep the TPR
    case Mnemonic::Rdmsr:     // the time-stamp counter must be deterministic
    case Mnemonic::Syscall:   // Unicorn runs a hook instead of the transition (see onWatched)
    case Mnemonic::Sysret:
        return true;
    default:
        return false;
    }
}

WatchAction Native::onWatched(Monitor &monitor, const Instruction &instruction)
{
    Machine &machine = monitor.machine();
    switch (instruction.mnemonic) {
    case Mnemonic::Hlt:
        monitor.vcpu().halted = true;
        monitor.record(EventKind::Halt, instruction.address, 0, [&] {
            return machine.cpu().rflags() & rflags::kIF
                       ? tr("hlt: the CPU waits for the next interrupt")
                       : tr("hlt with IF = 0: only an NMI could wake the CPU");
        });
        machine.stopAt(instruction.nextAddress(), true);
        return WatchAction::Handled;
    case Mnemonic::In:
    case Mnemonic::Out:
    case Mnemonic::Ins:
    case Mnemonic::Outs:
        return accessPorts(monitor, instruction, monitor.cost(Cost::PortAccess));
    case Mnemonic::Sti:
    case Mnemonic::Popf:
    case Mnemonic::Iret:
        // With an interrupt pending, stop so that it is delivered as soon as IF allows.
        return monitor.pending().any() ? WatchAction::StopBefore : WatchAction::Execute;
    case Mnemonic::MovToCr:
        return moveToControlRegister(monitor, instruction);
    case Mnemonic::MovFromCr:
        if (instruction.operands.size() != 2 || instruction.operands[1].reg.reg != Register::Cr8)
            return WatchAction::Execute;
        writeRegister(machine.cpu(), instruction.operands[0].reg, monitor.vcpu().cr8);
        machine.continueAt(instruction.nextAddress(), true);
        return WatchAction::Handled;
    case Mnemonic::Rdmsr: {
        UnicornCpu &cpu = machine.cpu();
        if ((cpu.read(Register::Rcx) & 0xFFFF'FFFF) != kTscMsr)
            return WatchAction::Execute;
        const std::uint64_t tsc = monitor.modelledCycles();
        cpu.write(Register::Rax, tsc & 0xFFFF'FFFF);
        cpu.write(Register::Rdx, tsc >> 32);
        machine.continueAt(instruction.nextAddress(), true);
        return WatchAction::Handled;
    }
    case Mnemonic::Syscall:
    case Mnemonic::Sysret:
        // Unicorn 2.0.1 replaces SYSCALL's switch to CPL 0 by its instruction hook, and the
        // engine has no other way to lower the CPL from 3 to 0: the guest's own user mode is not
        // modelled. Entering it with SYSRET would be a one-way trip, and going on after a
        // SYSCALL would run user code past a system call that never happened.
        monitor.failGuest(instruction.address,
                          tr("%1: the guest's own user mode is not modelled yet (the workbench "
                             "cannot carry out SYSCALL's entry into the kernel, from CPL 3 to "
                             "CPL 0: Unicorn 2.0.1 runs a hook instead)")
                              .arg(monitor.instructionText(instruction.address)));
        return WatchAction::Handled;
    default:
        return WatchAction::Execute;
    }
}

WatchAction Native::accessPorts(Monitor &monitor, const Instruction &instruction,
                                std::uint64_t cycles)
{
    Machine &machine = monitor.machine();
    const Monitor::PortIo io = monitor.emulatePortIo(instruction);
    monitor.record(EventKind::Io, instruction.address, cycles, [&] { return io.description; });
    if (io.exitRequested) {
        const auto code = monitor.ports().exitCode().value_or(0);
        monitor.record(EventKind::Exit, instruction.address, 0,
                       [&] { return tr("the guest ended the run with exit code %1").arg(code); });
        monitor.finish(RunStatus::Exited, tr("the guest wrote exit code %1").arg(code));
        machine.stopAt(instruction.nextAddress(), true);
    } else if (!io.ok) {
        machine.continueAt(instruction.address, false); // a long REP string: go on with it
    } else if (io.timerProgrammed) {
        machine.stopAt(instruction.nextAddress(), true); // the timer's deadline moved
    } else {
        machine.continueAt(instruction.nextAddress(), true);
    }
    return WatchAction::Handled;
}

WatchAction Native::moveToControlRegister(Monitor &monitor, const Instruction &instruction)
{
    if (instruction.operands.size() != 2)
        return WatchAction::Execute;
    UnicornCpu &cpu = monitor.machine().cpu();
    const Register reg = instruction.operands[0].reg.reg;
    const std::uint64_t value = readRegister(cpu, instruction.operands[1].reg);
    if (const auto why = controlRegisterWriteFault(reg, value, cpu.read(Register::Cr4))) {
        raise(monitor,
              {vector::kGeneralProtection, false, instruction.address, instruction.nextAddress()},
              *why);
        return WatchAction::Handled;
    }
    if (reg == Register::Cr8) {
        monitor.vcpu().cr8 = value; // the task-priority register, kept by the engine
        monitor.record(EventKind::Io, instruction.address, monitor.cost(Cost::TprWrite), [&] {
            return tr("%1: the CPU wrote the local APIC's task-priority register (TPR = %2)")
                .arg(monitor.instructionText(instruction.address))
                .arg(value & 0xF);
        });
        monitor.machine().continueAt(instruction.nextAddress(), true);
        return WatchAction::Handled;
    }
    // Executed by the CPU; the run stops after it so the engine re-reads the page tables.
    return WatchAction::StopBefore;
}

void Native::onException(Monitor &monitor, const CpuException &exception)
{
    raise(monitor, exception, {});
}

void Native::raise(Monitor &monitor, const CpuException &exception, const QString &reason)
{
    Machine &machine = monitor.machine();
    UnicornCpu &cpu = machine.cpu();
    std::optional<std::uint32_t> errorCode;
    const auto info = exceptionInfo(exception.vector);
    if (!exception.software && info && info->pushesErrorCode) {
        errorCode = exception.vector == vector::kPageFault
                        ? monitor.pageFaultErrorCode(cpu.read(Register::Cr2), exception.rip, 0)
                        : 0U;
    }
    const std::uint64_t returnRip = exception.software ? exception.nextRip : exception.rip;
    const Delivery delivery =
        monitor.pushInterruptFrame(exception.vector, errorCode, returnRip, realFrame(monitor));
    if (!delivery.ok) {
        monitor.failGuest(
            exception.rip,
            tr("%1 at %2, and the guest cannot handle it: %3. A real CPU would "
               "shut down (triple fault).")
                .arg(exceptionName(exception.vector), hex(exception.rip), delivery.problem));
        return;
    }
    enterHandler(cpu, delivery);
    // A page fault also costs the walk that found no usable mapping.
    const std::uint64_t cycles = monitor.cost(Cost::ExceptionDelivery) +
                                 (exception.vector == vector::kPageFault && !exception.software
                                      ? monitor.cost(Cost::PageFaultWalk)
                                      : 0);
    monitor.record(
        EventKind::Exception, exception.rip, cycles,
        [&] {
            if (exception.software) {
                return tr("%1: the CPU delivered vector %2 through the IDT to %3")
                    .arg(monitor.instructionText(exception.rip))
                    .arg(exception.vector)
                    .arg(hex(delivery.handler));
            }
            if (!reason.isEmpty()) {
                return tr("%1 (%2): the CPU delivered it through the IDT to %3")
                    .arg(exceptionName(exception.vector), reason, hex(delivery.handler));
            }
            return tr("%1: the CPU delivered it through the IDT to %2")
                .arg(exceptionName(exception.vector), hex(delivery.handler));
        },
        exception.vector);
    machine.continueAt(delivery.handler, exception.software);
}

bool Native::guestInterruptFlag(const Monitor &monitor) const
{
    return (monitor.machine().cpu().rflags() & rflags::kIF) != 0;
}

bool Native::deliverInterrupt(Monitor &monitor, std::uint8_t vector)
{
    UnicornCpu &cpu = monitor.machine().cpu();
    const std::uint64_t rip = cpu.rip();
    const Delivery delivery =
        monitor.pushInterruptFrame(vector, std::nullopt, rip, realFrame(monitor));
    if (!delivery.ok) {
        monitor.failGuest(
            rip, tr("interrupt %1 cannot be delivered: %2").arg(vector).arg(delivery.problem));
        return false;
    }
    enterHandler(cpu, delivery);
    cpu.write(Register::Rip, delivery.handler);
    monitor.record(
        EventKind::InterruptDelivered, rip, monitor.cost(Cost::ExceptionDelivery),
        [&] {
            return tr("interrupt %1 delivered through the IDT to %2 (IF was 1)")
                .arg(vector)
                .arg(hex(delivery.handler));
        },
        vector);
    return true;
}

VirtualCpu Native::guestView(const Monitor &monitor) const
{
    const UnicornCpu &cpu = monitor.machine().cpu();
    VirtualCpu view;
    const std::uint64_t flags = cpu.rflags();
    view.interruptFlag = (flags & rflags::kIF) != 0;
    view.iopl = rflags::iopl(flags);
    view.cs = static_cast<std::uint16_t>(cpu.read(Register::Cs));
    view.ss = static_cast<std::uint16_t>(cpu.read(Register::Ss));
    view.ds = static_cast<std::uint16_t>(cpu.read(Register::Ds));
    view.es = static_cast<std::uint16_t>(cpu.read(Register::Es));
    view.cpl = view.cs & 3U;
    view.cr0 = cpu.read(Register::Cr0);
    view.cr2 = cpu.read(Register::Cr2);
    view.cr3 = cpu.read(Register::Cr3);
    view.cr4 = cpu.read(Register::Cr4);
    view.cr8 = monitor.vcpu().cr8;
    view.idtr = cpu.idtr();
    view.gdtr = cpu.gdtr();
    view.ldtr = cpu.ldtrSelector();
    view.tr = cpu.trSelector();
    view.halted = monitor.vcpu().halted;
    return view;
}

std::uint64_t Native::interruptArrivalCycles(const Monitor &) const
{
    return 0;
}

} // namespace vmwb
