#include "vmm/TrapAndEmulate.h"

#include "core/Hex.h"
#include "cpu/ControlRegisterChecks.h"
#include "hw/ControlRegisters.h"
#include "hw/Descriptors.h"
#include "hw/Exceptions.h"
#include "hw/Rflags.h"
#include "machine/Operands.h"
#include "machine/Platform.h"
#include "vmm/Monitor.h"

#include <QCoreApplication>
#include <array>

namespace vmwb {

namespace {

using Emulation = TrapAndEmulate::Emulation;
using Then = Emulation::Then;

QString tr(const char *text)
{
    return QCoreApplication::translate("vmwb::TrapAndEmulate", text);
}

QString exceptionName(std::uint8_t vector)
{
    if (const auto info = exceptionInfo(vector); info && info->mnemonic[0] != '\0')
        return QLatin1String(info->mnemonic);
    return tr("vector %1").arg(vector);
}

// Architectural MSRs the virtual CPU keeps (SDM Vol. 4, Table 2-2).
namespace msr {
constexpr std::uint32_t kTsc = 0x10;
constexpr std::uint32_t kApicBase = 0x1B;
constexpr std::uint32_t kSysenterCs = 0x174;
constexpr std::uint32_t kSysenterEsp = 0x175;
constexpr std::uint32_t kSysenterEip = 0x176;
constexpr std::uint32_t kPat = 0x277;
constexpr std::uint32_t kStar = 0xC0000081;
constexpr std::uint32_t kLstar = 0xC0000082;
constexpr std::uint32_t kCstar = 0xC0000083;
constexpr std::uint32_t kFmask = 0xC0000084;
constexpr std::uint32_t kFsBase = 0xC0000100;
constexpr std::uint32_t kGsBase = 0xC0000101;
constexpr std::uint32_t kKernelGsBase = 0xC0000102;
constexpr std::array<std::uint32_t, 13> kVirtualized{
    kApicBase, kSysenterCs, kSysenterEsp, kSysenterEip, kPat,       kStar,         kLstar,
    kCstar,    kFmask,      kFsBase,      kGsBase,      efer::kMsr, kKernelGsBase,
};
} // namespace msr

Emulation next(QString effect, bool reschedule = false)
{
    Emulation e;
    e.effect = std::move(effect);
    e.reschedule = reschedule;
    return e;
}

Emulation fault(std::uint8_t vector, std::uint32_t errorCode, QString effect)
{
    Emulation e;
    e.then = Then::Reflect;
    e.vector = vector;
    e.errorCode = errorCode;
    e.effect = std::move(effect);
    return e;
}

Emulation unsupported(QString why)
{
    Emulation e;
    e.then = Then::Unsupported;
    e.effect = std::move(why);
    return e;
}

QString flagText(bool value)
{
    return value ? QStringLiteral("1") : QStringLiteral("0");
}

// --- one emulation per privileged instruction, against the virtual CPU ---

Emulation emulateCli(Monitor &monitor, const Instruction &)
{
    VirtualCpu &v = monitor.vcpu();
    const bool old = v.interruptFlag;
    v.interruptFlag = false;
    return next(tr("virtual IF %1 -> 0 (the real IF stays 1: the monitor needs its interrupts)")
                    .arg(flagText(old)));
}

Emulation emulateSti(Monitor &monitor, const Instruction &)
{
    VirtualCpu &v = monitor.vcpu();
    const bool old = v.interruptFlag;
    v.interruptFlag = true;
    if (!old)
        monitor.blockInterruptsForOneInstruction();
    return next(tr("virtual IF %1 -> 1").arg(flagText(old)), !old);
}

Emulation emulateHlt(Monitor &monitor, const Instruction &)
{
    Emulation e;
    e.then = Then::Halt;
    e.effect = monitor.vcpu().interruptFlag
                   ? tr("the virtual CPU waits for the next interrupt")
                   : tr("the virtual CPU waits with virtual IF = 0: no interrupt can wake it");
    return e;
}

std::uint64_t *controlRegister(VirtualCpu &v, Register reg)
{
    switch (reg) {
    case Register::Cr0:
        return &v.cr0;
    case Register::Cr2:
        return &v.cr2;
    case Register::Cr3:
        return &v.cr3;
    case Register::Cr4:
        return &v.cr4;
    case Register::Cr8:
        return &v.cr8;
    default:
        return nullptr;
    }
}

QString registerName(Register reg)
{
    switch (reg) {
    case Register::Cr0:
        return QStringLiteral("CR0");
    case Register::Cr2:
        return QStringLiteral("CR2");
    case Register::Cr3:
        return QStringLiteral("CR3");
    case Register::Cr4:
        return QStringLiteral("CR4");
    case Register::Cr8:
        return QStringLiteral("CR8");
    default:
        return QStringLiteral("?");
    }
}

Emulation emulateMovToCr(Monitor &monitor, const Instruction &instruction)
{
    if (instruction.operands.size() != 2)
        return unsupported(tr("unexpected operands"));
    VirtualCpu &v = monitor.vcpu();
    const Register reg = instruction.operands[0].reg.reg;
    std::uint64_t *target = controlRegister(v, reg);
    if (!target)
        return unsupported(tr("this control register is not modelled"));
    const std::uint64_t value = readRegister(monitor.machine().cpu(), instruction.operands[1].reg);
    if (const auto why = controlRegisterWriteFault(reg, value, v.cr4)) {
        return fault(vector::kGeneralProtection, 0,
                     tr("%1 is not allowed (%2): the guest gets #GP(0), as it would natively")
                         .arg(registerName(reg), *why));
    }
    const std::uint64_t old = *target;
    *target = value;
    QString effect = tr("virtual %1 %2 -> %3").arg(registerName(reg), hex(old), hex(value));
    if (reg == Register::Cr3)
        effect += tr(" (the real CR3 keeps the machine's identity map: shadow page tables are "
                     "not modelled yet)");
    return next(effect);
}

Emulation emulateMovFromCr(Monitor &monitor, const Instruction &instruction)
{
    if (instruction.operands.size() != 2)
        return unsupported(tr("unexpected operands"));
    VirtualCpu &v = monitor.vcpu();
    const Register reg = instruction.operands[1].reg.reg;
    const std::uint64_t *source = controlRegister(v, reg);
    if (!source)
        return unsupported(tr("this control register is not modelled"));
    writeRegister(monitor.machine().cpu(), instruction.operands[0].reg, *source);
    return next(tr("returned the virtual %1 = %2").arg(registerName(reg), hex(*source)));
}

Emulation emulateTableLoad(Monitor &monitor, const Instruction &instruction)
{
    if (instruction.operands.empty() || instruction.operands[0].kind != OperandKind::Memory)
        return unsupported(tr("unexpected operands"));
    const std::uint64_t address =
        effectiveAddress(monitor.machine(), instruction, instruction.operands[0].mem);
    std::uint16_t limit = 0;
    std::uint64_t base = 0;
    UnicornCpu &cpu = monitor.machine().cpu();
    if (!cpu.readVirtual(address, &limit, 2) || !cpu.readVirtual(address + 2, &base, 8))
        return unsupported(tr("the pseudo-descriptor at %1 is not mapped").arg(hex(address)));
    const bool idt = instruction.mnemonic == Mnemonic::Lidt;
    TableRegister &target = idt ? monitor.vcpu().idtr : monitor.vcpu().gdtr;
    target = {base, limit};
    return next(tr("virtual %1 = base %2, limit %3 (the real one stays the monitor's)")
                    .arg(QLatin1String(idt ? "IDTR" : "GDTR"), hex(base), hex(limit)));
}

std::uint16_t selectorOperand(Monitor &monitor, const Instruction &instruction)
{
    const Operand &operand = instruction.operands.front();
    if (operand.kind == OperandKind::Register)
        return static_cast<std::uint16_t>(readRegister(monitor.machine().cpu(), operand.reg));
    std::uint16_t value = 0;
    const std::uint64_t address = effectiveAddress(monitor.machine(), instruction, operand.mem);
    monitor.machine().cpu().readVirtual(address, &value, sizeof value);
    return value;
}

Emulation emulateLldtLtr(Monitor &monitor, const Instruction &instruction)
{
    if (instruction.operands.empty())
        return unsupported(tr("unexpected operands"));
    const std::uint16_t selector = selectorOperand(monitor, instruction);
    const bool ldt = instruction.mnemonic == Mnemonic::Lldt;
    (ldt ? monitor.vcpu().ldtr : monitor.vcpu().tr) = selector;
    return next(tr("virtual %1 = %2").arg(QLatin1String(ldt ? "LDTR" : "TR"), hex(selector)));
}

Emulation emulateLmsw(Monitor &monitor, const Instruction &instruction)
{
    if (instruction.operands.empty())
        return unsupported(tr("unexpected operands"));
    VirtualCpu &v = monitor.vcpu();
    const std::uint64_t source = selectorOperand(monitor, instruction);
    const std::uint64_t old = v.cr0;
    // LMSW loads CR0 bits 3:0 and cannot clear PE (SDM Vol. 2A, LMSW).
    v.cr0 = (v.cr0 & ~0xEULL) | (source & 0xF) | (v.cr0 & cr0::kPE);
    return next(tr("virtual CR0 %1 -> %2").arg(hex(old), hex(v.cr0)));
}

Emulation emulateClts(Monitor &monitor, const Instruction &)
{
    monitor.vcpu().cr0 &= ~cr0::kTS;
    return next(tr("cleared the virtual CR0.TS"));
}

int debugRegisterIndex(Register reg)
{
    switch (reg) {
    case Register::Dr0:
        return 0;
    case Register::Dr1:
        return 1;
    case Register::Dr2:
        return 2;
    case Register::Dr3:
        return 3;
    case Register::Dr6:
        return 6;
    case Register::Dr7:
        return 7;
    default:
        return -1;
    }
}

Emulation emulateMovDr(Monitor &monitor, const Instruction &instruction)
{
    if (instruction.operands.size() != 2)
        return unsupported(tr("unexpected operands"));
    const bool to = instruction.mnemonic == Mnemonic::MovToDr;
    const Operand &drOperand = instruction.operands[to ? 0 : 1];
    const Operand &gprOperand = instruction.operands[to ? 1 : 0];
    const int index = debugRegisterIndex(drOperand.reg.reg);
    if (index < 0)
        return unsupported(tr("this debug register is not modelled"));
    UnicornCpu &cpu = monitor.machine().cpu();
    auto &value = monitor.vcpu().dr[static_cast<std::size_t>(index)];
    if (to)
        value = readRegister(cpu, gprOperand.reg);
    else
        writeRegister(cpu, gprOperand.reg, value);
    return next(tr("%1 the virtual DR%2 (%3); debug traps are not modelled")
                    .arg(QLatin1String(to ? "wrote" : "read"))
                    .arg(index)
                    .arg(hex(value)));
}

// IRETQ from the guest kernel's handler faults because the frame's CS has RPL 0 and the
// guest runs at CPL 3; the monitor pops the frame itself (SDM Vol. 2A, IRET, 64-bit mode).
Emulation emulateIret(Monitor &monitor, const Instruction &instruction)
{
    if (instruction.operandSizeBits != 64)
        return unsupported(tr("only the 64-bit IRETQ is emulated"));
    UnicornCpu &cpu = monitor.machine().cpu();
    std::array<std::uint64_t, 5> frame{};
    const std::uint64_t rsp = cpu.read(Register::Rsp);
    if (!cpu.readVirtual(rsp, frame.data(), sizeof frame))
        return unsupported(tr("the interrupt frame at %1 is not mapped").arg(hex(rsp)));
    const auto [rip, cs, flags, newRsp, ss] = frame;
    if ((cs & 3) != 0) {
        return unsupported(
            tr("iretq to CPL %1: the guest's own user mode is not modelled").arg(cs & 3));
    }
    VirtualCpu &v = monitor.vcpu();
    const bool oldIf = v.interruptFlag;
    v.interruptFlag = (flags & rflags::kIF) != 0;
    v.iopl = rflags::iopl(flags);
    v.cs = static_cast<std::uint16_t>(cs);
    v.ss = static_cast<std::uint16_t>(ss);
    // The real flags take the guest's arithmetic flags; IF stays 1 and IOPL 0 for the monitor.
    const std::uint64_t real =
        (flags & rflags::kDefinedMask &
         ~(rflags::kIF | rflags::kIoplMask | rflags::kVM | rflags::kVIF | rflags::kVIP)) |
        rflags::kIF | rflags::kReserved1;
    cpu.setRflags(real);
    cpu.write(Register::Rsp, newRsp);
    Emulation e;
    e.then = Then::Jump;
    e.target = rip;
    e.reschedule = !oldIf && v.interruptFlag;
    e.effect = tr("popped the frame: back to %1, virtual IF %2 -> %3")
                   .arg(hex(rip), flagText(oldIf), flagText(v.interruptFlag));
    return e;
}

Emulation emulatePortIo(Monitor &monitor, const Instruction &instruction)
{
    const Monitor::PortIo io = monitor.emulatePortIo(instruction);
    Emulation e;
    e.effect = tr("emulated the device access: %1").arg(io.description);
    if (io.exitRequested) {
        e.then = Then::Exit;
    } else if (!io.ok) {
        e.then = Then::Repeat;
    } else {
        e.reschedule = io.timerProgrammed;
    }
    return e;
}

bool virtualizedMsr(std::uint32_t index)
{
    return std::find(msr::kVirtualized.begin(), msr::kVirtualized.end(), index) !=
           msr::kVirtualized.end();
}

Emulation emulateRdmsr(Monitor &monitor, const Instruction &)
{
    UnicornCpu &cpu = monitor.machine().cpu();
    const auto index = static_cast<std::uint32_t>(cpu.read(Register::Rcx));
    std::uint64_t value = 0;
    if (index == msr::kTsc) {
        value = monitor.modelledCycles();
    } else if (virtualizedMsr(index)) {
        value = monitor.vcpu().msrs[index];
    } else {
        return fault(vector::kGeneralProtection, 0,
                     tr("MSR %1 is not implemented: #GP(0) to the guest").arg(hex(index)));
    }
    cpu.write(Register::Rax, value & 0xFFFF'FFFF);
    cpu.write(Register::Rdx, value >> 32);
    return next(tr("returned the virtual MSR %1 = %2").arg(hex(index), hex(value)));
}

Emulation emulateWrmsr(Monitor &monitor, const Instruction &)
{
    UnicornCpu &cpu = monitor.machine().cpu();
    const auto index = static_cast<std::uint32_t>(cpu.read(Register::Rcx));
    const std::uint64_t value =
        (cpu.read(Register::Rdx) << 32) | (cpu.read(Register::Rax) & 0xFFFF'FFFF);
    if (index == msr::kTsc)
        return next(tr("ignored a write to the time-stamp counter (it counts modelled cycles)"));
    if (!virtualizedMsr(index)) {
        return fault(vector::kGeneralProtection, 0,
                     tr("MSR %1 is not implemented: #GP(0) to the guest").arg(hex(index)));
    }
    monitor.vcpu().msrs[index] = value;
    // The FS and GS bases take effect on the guest's own memory accesses.
    if (index == msr::kFsBase || index == msr::kGsBase)
        cpu.writeMsr(index, value);
    return next(tr("virtual MSR %1 = %2").arg(hex(index), hex(value)));
}

Emulation emulateSwapgs(Monitor &monitor, const Instruction &)
{
    auto &msrs = monitor.vcpu().msrs;
    std::swap(msrs[msr::kGsBase], msrs[msr::kKernelGsBase]);
    monitor.machine().cpu().writeMsr(msr::kGsBase, msrs[msr::kGsBase]);
    return next(tr("swapped the virtual GS base with KERNEL_GS_BASE (GS base now %1)")
                    .arg(hex(msrs[msr::kGsBase])));
}

// SYSRET returns to CPL 3 (SDM Vol. 2B, SYSRET): the guest's own user mode, which this monitor
// does not model (the deprivileged kernel already runs at the real CPL 3, and the virtual CPU
// keeps no separate user mode).
Emulation emulateSysret(Monitor &, const Instruction &)
{
    return unsupported(tr("the return to the guest's user mode (CPL 3) is not modelled yet"));
}

Emulation emulateNothing(Monitor &, const Instruction &instruction)
{
    switch (instruction.mnemonic) {
    case Mnemonic::Invlpg:
        return next(tr("nothing to do: there are no shadow page tables to update yet"));
    default:
        return next(tr("nothing to do: caches are not modelled"));
    }
}

// A data segment load the deprivileged kernel cannot do itself: its kernel selectors have
// DPL 0. The monitor remembers the guest's selector and keeps a usable one in the real register.
Emulation emulateSegmentLoad(Monitor &monitor, const Instruction &instruction)
{
    if (instruction.operands.empty())
        return unsupported(tr("unexpected operands"));
    const Register segment = instruction.operands[0].reg.reg;
    UnicornCpu &cpu = monitor.machine().cpu();
    std::uint16_t selector = 0;
    std::uint64_t rsp = cpu.read(Register::Rsp);
    if (instruction.mnemonic == Mnemonic::PopSeg) {
        std::uint64_t value = 0;
        if (!cpu.readVirtual(rsp, &value, sizeof value))
            return unsupported(tr("the stack at %1 is not mapped").arg(hex(rsp)));
        selector = static_cast<std::uint16_t>(value);
        cpu.write(Register::Rsp, rsp + 8);
    } else if (instruction.operands.size() == 2) {
        const Operand &source = instruction.operands[1];
        selector = source.kind == OperandKind::Register
                       ? static_cast<std::uint16_t>(readRegister(cpu, source.reg))
                       : 0;
        if (source.kind == OperandKind::Memory) {
            cpu.readVirtual(effectiveAddress(monitor.machine(), instruction, source.mem), &selector,
                            sizeof selector);
        }
    }
    VirtualCpu &v = monitor.vcpu();
    std::uint16_t real = 0;
    switch (segment) {
    case Register::Ss:
        v.ss = selector;
        real = platform::kUserData;
        break;
    case Register::Ds:
        v.ds = selector;
        break;
    case Register::Es:
        v.es = selector;
        break;
    case Register::Fs:
    case Register::Gs:
        break;
    default:
        return unsupported(tr("only data segment loads are emulated"));
    }
    cpu.write(segment, real); // the selector only; the base and the rest stay (ENGINE_FACTS)
    return next(tr("the guest's selector %1 is kept in the virtual CPU; the real register holds "
                   "%2, which CPL 3 may load")
                    .arg(hex(selector), hex(real)));
}

struct Handler
{
    Mnemonic mnemonic;
    Emulation (*emulate)(Monitor &, const Instruction &);
};

// One emulation per privileged instruction the monitor handles; anything else that traps
// ends the run with an explanation.
constexpr std::array kHandlers{
    Handler{Mnemonic::Cli, emulateCli},
    Handler{Mnemonic::Sti, emulateSti},
    Handler{Mnemonic::Hlt, emulateHlt},
    Handler{Mnemonic::MovToCr, emulateMovToCr},
    Handler{Mnemonic::MovFromCr, emulateMovFromCr},
    Handler{Mnemonic::Lidt, emulateTableLoad},
    Handler{Mnemonic::Lgdt, emulateTableLoad},
    Handler{Mnemonic::Lldt, emulateLldtLtr},
    Handler{Mnemonic::Ltr, emulateLldtLtr},
    Handler{Mnemonic::Lmsw, emulateLmsw},
    Handler{Mnemonic::Clts, emulateClts},
    Handler{Mnemonic::MovToDr, emulateMovDr},
    Handler{Mnemonic::MovFromDr, emulateMovDr},
    Handler{Mnemonic::Iret, emulateIret},
    Handler{Mnemonic::In, emulatePortIo},
    Handler{Mnemonic::Out, emulatePortIo},
    Handler{Mnemonic::Ins, emulatePortIo},
    Handler{Mnemonic::Outs, emulatePortIo},
    Handler{Mnemonic::Rdmsr, emulateRdmsr},
    Handler{Mnemonic::Wrmsr, emulateWrmsr},
    Handler{Mnemonic::Swapgs, emulateSwapgs},
    Handler{Mnemonic::Sysret, emulateSysret},
    Handler{Mnemonic::Invlpg, emulateNothing},
    Handler{Mnemonic::Wbinvd, emulateNothing},
    Handler{Mnemonic::Invd, emulateNothing},
    Handler{Mnemonic::MovToSeg, emulateSegmentLoad},
    Handler{Mnemonic::PopSeg, emulateSegmentLoad},
};

const Handler *handlerFor(Mnemonic mnemonic)
{
    for (const Handler &handler : kHandlers) {
        if (handler.mnemonic == mnemonic)
            return &handler;
    }
    return nullptr;
}

} // namespace

// Why a sensitive but unprivileged instruction that just ran unseen matters.
QString TrapAndEmulate::holeExplanation(Monitor &monitor, const Instruction &instruction)
{
    const VirtualCpu &v = monitor.vcpu();
    UnicornCpu &cpu = monitor.machine().cpu();
    const QString text = monitor.instructionText(instruction.address);
    switch (instruction.mnemonic) {
    case Mnemonic::Popf: {
        std::uint64_t image = 0;
        cpu.readVirtual(cpu.read(Register::Rsp), &image, instruction.operandSizeBits / 8U);
        const bool imageIf = (image & rflags::kIF) != 0;
        QString what =
            tr("%1 at CPL 3 with IOPL 0 leaves IF unchanged; the monitor never saw it.").arg(text);
        if (imageIf != v.interruptFlag) {
            what += tr(" The guest meant IF = %1, but its virtual IF stays %2.")
                        .arg(flagText(imageIf), flagText(v.interruptFlag));
        } else {
            what += tr(" Harmless here: the image has IF = %1, as the virtual IF already is.")
                        .arg(flagText(imageIf));
        }
        return what;
    }
    case Mnemonic::Pushf:
        return tr("%1 pushed the real RFLAGS: IF = 1 (the monitor keeps interrupts on) and "
                  "IOPL 0, while the guest believes IF = %2 and IOPL %3.")
            .arg(text, flagText(v.interruptFlag))
            .arg(v.iopl);
    case Mnemonic::Sidt: {
        const TableRegister real = cpu.idtr();
        return tr("%1 revealed the monitor's IDT (base %2, limit %3) instead of the guest's "
                  "(base %4, limit %5).")
            .arg(text, hex(real.base), hex(real.limit), hex(v.idtr.base), hex(v.idtr.limit));
    }
    case Mnemonic::Sgdt: {
        const TableRegister real = cpu.gdtr();
        return tr("%1 revealed the monitor's GDT (base %2, limit %3) instead of the guest's "
                  "(base %4, limit %5).")
            .arg(text, hex(real.base), hex(real.limit), hex(v.gdtr.base), hex(v.gdtr.limit));
    }
    case Mnemonic::Sldt:
        return tr("%1 revealed the real LDTR (%2); the guest loaded %3.")
            .arg(text, hex(cpu.ldtrSelector()), hex(v.ldtr));
    case Mnemonic::Str:
        return tr("%1 revealed the monitor's task register (%2); the guest loaded %3.")
            .arg(text, hex(cpu.trSelector()), hex(v.tr));
    case Mnemonic::Smsw:
        return tr("%1 revealed the real CR0 bits (%2); the guest's virtual CR0 is %3.")
            .arg(text, hex(cpu.read(Register::Cr0) & 0xFFFF), hex(v.cr0 & 0xFFFF));
    case Mnemonic::MovFromSeg:
    case Mnemonic::PushSeg: {
        const Register segment = instruction.mnemonic == Mnemonic::PushSeg
                                     ? instruction.operands.front().reg.reg
                                     : instruction.operands.back().reg.reg;
        const std::uint64_t real = cpu.read(segment);
        return tr("%1 revealed the real selector %2 (RPL %3): the guest kernel is not running at "
                  "CPL 0.")
            .arg(text, hex(real))
            .arg(real & 3);
    }
    case Mnemonic::Lar:
    case Mnemonic::Lsl:
    case Mnemonic::Verr:
    case Mnemonic::Verw:
        return tr("%1 checked a descriptor of the monitor's GDT against CPL 3, not the guest's "
                  "CPL 0.")
            .arg(text);
    case Mnemonic::CallFar:
    case Mnemonic::JmpFar:
    case Mnemonic::RetFar:
        return tr("%1 ran its privilege checks against CPL 3, not the guest's CPL 0.").arg(text);
    default:
        return tr("%1 is sensitive but does not trap at CPL 3; the monitor never saw it.")
            .arg(text);
    }
}

// Port I/O at CPL 3 with IOPL 0 faults on a real CPU (#GP: the TSS has no I/O permission
// bitmap), but Unicorn 2.0.1 performs it without the check (ENGINE_FACTS). The workbench
// raises the trap itself, before the instruction runs.
bool TrapAndEmulate::isPortIo(Mnemonic mnemonic)
{
    return mnemonic == Mnemonic::In || mnemonic == Mnemonic::Out || mnemonic == Mnemonic::Ins ||
           mnemonic == Mnemonic::Outs;
}

FrameView TrapAndEmulate::guestFrame(const Monitor &monitor)
{
    const VirtualCpu &v = monitor.vcpu();
    std::uint64_t flags = monitor.machine().cpu().rflags();
    flags = rflags::withBit(flags, rflags::kIF, v.interruptFlag);
    flags = rflags::withIopl(flags, v.iopl);
    return {v.idtr, flags, v.cs, v.ss};
}

void TrapAndEmulate::enterGuestHandler(Monitor &monitor, const Delivery &delivery)
{
    VirtualCpu &v = monitor.vcpu();
    if (delivery.interruptGate)
        v.interruptFlag = false;
    v.cs = delivery.selector;
    UnicornCpu &cpu = monitor.machine().cpu();
    cpu.setRflags(cpu.rflags() & ~(rflags::kTF | rflags::kNT | rflags::kRF));
}

const TechniqueInfo &TrapAndEmulate::staticInfo()
{
    static const TechniqueInfo info{
        QStringLiteral("trap-and-emulate"),
        QT_TRANSLATE_NOOP("vmwb::Technique", "Trap and emulate"),
        QT_TRANSLATE_NOOP("vmwb::Technique",
                          "The guest kernel runs deprivileged at ring 3. Privileged instructions "
                          "fault into the monitor, which emulates them against a virtual CPU. "
                          "Sensitive unprivileged instructions such as popf run unseen."),
        3,
    };
    return info;
}

void TrapAndEmulate::start(Monitor &monitor)
{
    // The guest believes it was entered as the native guest is: at CPL 0 with IF = 0, on the
    // platform's kernel selectors, tables and control registers.
    const UnicornCpu &cpu = monitor.machine().cpu();
    VirtualCpu &v = monitor.vcpu();
    v.interruptFlag = false;
    v.iopl = 0;
    v.cpl = 0;
    v.cr0 = cpu.read(Register::Cr0);
    v.cr2 = 0;
    v.cr3 = cpu.read(Register::Cr3);
    v.cr4 = cpu.read(Register::Cr4);
    v.cr8 = cpu.read(Register::Cr8);
    v.idtr = cpu.idtr();
    v.gdtr = cpu.gdtr();
    v.ldtr = cpu.ldtrSelector();
    v.tr = cpu.trSelector();
    v.cs = platform::kKernelCode;
    v.ss = platform::kKernelData;
    v.ds = platform::kKernelData;
    v.es = platform::kKernelData;
    for (std::uint32_t index : msr::kVirtualized)
        v.msrs[index] = cpu.readMsr(index);
}

bool TrapAndEmulate::watches(const Instruction &instruction) const
{
    // SYSRET at CPL 3 raises #UD rather than #GP while the real EFER.SCE is 0: the monitor
    // takes it before it runs.
    if (isPortIo(instruction.mnemonic) || instruction.mnemonic == Mnemonic::Sysret)
        return true;
    if (instruction.sensitivity != Sensitivity::SensitiveUnprivileged)
        return false;
    switch (instruction.mnemonic) {
    // These reach the monitor anyway: software interrupts through the real IDT, and segment
    // loads of kernel selectors fault at CPL 3.
    case Mnemonic::Int:
    case Mnemonic::Int3:
    case Mnemonic::Int1:
    case Mnemonic::MovToSeg:
    case Mnemonic::PopSeg:
        return false;
    default:
        return true;
    }
}

WatchAction TrapAndEmulate::onWatched(Monitor &monitor, const Instruction &instruction)
{
    if (isPortIo(instruction.mnemonic) || instruction.mnemonic == Mnemonic::Sysret) {
        emulateTrapped(monitor, instruction);
        return WatchAction::Handled;
    }
    monitor.record(EventKind::Hole, instruction.address, 0,
                   [&] { return holeExplanation(monitor, instruction); });
    return WatchAction::Execute;
}

void TrapAndEmulate::onException(Monitor &monitor, const CpuException &exception)
{
    Machine &machine = monitor.machine();
    const bool deprivileging =
        exception.vector == vector::kGeneralProtection && !exception.software;
    const Instruction *instruction = deprivileging ? exception.instruction : nullptr;
    const bool privileged = instruction && (instruction->sensitivity == Sensitivity::Privileged ||
                                            instruction->mnemonic == Mnemonic::MovToSeg ||
                                            instruction->mnemonic == Mnemonic::PopSeg);
    if (!privileged) {
        if (deprivileging && instruction &&
            instruction->sensitivity == Sensitivity::SensitiveUnprivileged) {
            monitor.failGuest(exception.rip,
                              tr("%1 faulted at CPL 3 where the guest kernel expects CPL 0; "
                                 "this monitor does not emulate it")
                                  .arg(monitor.instructionText(exception.rip)));
            return;
        }
        const auto info = exceptionInfo(exception.vector);
        const bool hasErrorCode = !exception.software && info && info->pushesErrorCode;
        std::uint32_t errorCode = 0;
        if (exception.vector == vector::kPageFault && !exception.software) {
            monitor.vcpu().cr2 = machine.cpu().read(Register::Cr2);
            errorCode = monitor.pageFaultErrorCode(monitor.vcpu().cr2, exception.rip, 0);
        }
        reflect(monitor, exception, errorCode, hasErrorCode);
        return;
    }

    emulateTrapped(monitor, *instruction);
}

bool TrapAndEmulate::emulatesPrivileged(Mnemonic mnemonic)
{
    return handlerFor(mnemonic) != nullptr;
}

TrapAndEmulate::Emulation TrapAndEmulate::emulate(Monitor &monitor, const Instruction &instruction)
{
    const Handler *handler = handlerFor(instruction.mnemonic);
    return handler ? handler->emulate(monitor, instruction)
                   : unsupported(tr("this monitor does not emulate it"));
}

void TrapAndEmulate::emulateTrapped(Monitor &monitor, const Instruction &instruction, Entry entry)
{
    Machine &machine = monitor.machine();
    const std::uint64_t rip = instruction.address;
    const Emulation emulation = emulate(monitor, instruction);
    const bool callout = entry == Entry::Callout;
    const bool inlined = entry == Entry::Inline;
    const std::uint64_t cycles =
        inlined   ? monitor.cost(Cost::InlineTprAccess)
        : callout ? monitor.cost(Cost::Callout)
                  : monitor.cost(Cost::TrapRoundTrip) + monitor.cost(Cost::MonitorEmulation);
    const EventKind kind = inlined   ? EventKind::Inline
                           : callout ? EventKind::Callout
                                     : EventKind::Trap;
    const QString text =
        instruction.text.isEmpty() ? monitor.instructionText(rip) : instruction.text;
    if (emulation.then == Then::Unsupported) {
        monitor.failGuest(
            rip, callout ? tr("%1 called out into the monitor, but %2").arg(text, emulation.effect)
                         : tr("%1 trapped (#GP at CPL 3), but %2").arg(text, emulation.effect));
        return;
    }
    if (emulation.then == Then::Reflect) {
        monitor.record(kind, rip, cycles, [&] {
            return callout ? tr("%1 called out into the monitor; %2").arg(text, emulation.effect)
                           : tr("%1 trapped (#GP at CPL 3); %2").arg(text, emulation.effect);
        });
        CpuException guestFault;
        guestFault.vector = emulation.vector;
        guestFault.rip = rip;
        guestFault.nextRip = instruction.nextAddress();
        reflect(monitor, guestFault, emulation.errorCode, true);
        return;
    }
    monitor.record(kind, rip, cycles, [&] {
        if (inlined)
            return tr("%1 was translated into code that works on the virtual CPU in place, "
                      "without a callout: %2")
                .arg(text, emulation.effect);
        if (callout)
            return tr("%1 was translated into a callout: the monitor emulated it: %2")
                .arg(text, emulation.effect);
        return tr("%1 is privileged: #GP at CPL 3 into the monitor, which emulated it: %2")
            .arg(text, emulation.effect);
    });
    const std::uint64_t after = instruction.nextAddress();
    switch (emulation.then) {
    case Then::Next:
    case Then::Jump: {
        const std::uint64_t target = emulation.then == Then::Jump ? emulation.target : after;
        if (emulation.reschedule)
            machine.stopAt(target, true);
        else
            machine.continueAt(target, true);
        return;
    }
    case Then::Repeat:
        machine.continueAt(rip, false);
        return;
    case Then::Halt:
        monitor.vcpu().halted = true;
        machine.stopAt(after, true);
        return;
    case Then::Exit: {
        const auto code = monitor.ports().exitCode().value_or(0);
        monitor.record(EventKind::Exit, rip, 0,
                       [&] { return tr("the guest ended the run with exit code %1").arg(code); });
        monitor.finish(RunStatus::Exited, tr("the guest wrote exit code %1").arg(code));
        machine.stopAt(after, true);
        return;
    }
    case Then::Reflect:
    case Then::Unsupported:
        return; // handled above
    }
}

void TrapAndEmulate::reflect(Monitor &monitor, const CpuException &exception,
                             std::uint32_t errorCode, bool hasErrorCode)
{
    const std::uint64_t returnRip = exception.software ? exception.nextRip : exception.rip;
    const Delivery delivery = monitor.pushInterruptFrame(
        exception.vector, hasErrorCode ? std::optional<std::uint32_t>(errorCode) : std::nullopt,
        returnRip, guestFrame(monitor));
    if (!delivery.ok) {
        monitor.failGuest(
            exception.rip,
            tr("%1 at %2 reached the monitor, but the guest cannot handle it: %3")
                .arg(exceptionName(exception.vector), hex(exception.rip), delivery.problem));
        return;
    }
    enterGuestHandler(monitor, delivery);
    // The fault into the monitor, the monitor's work to hand it back, and for a page fault the
    // walk that found no mapping and the shadow MMU's check that the fault is the guest's own.
    const bool pageFault = exception.vector == vector::kPageFault && !exception.software;
    const std::uint64_t cycles =
        monitor.cost(Cost::TrapRoundTrip) + monitor.cost(Cost::ExceptionReflection) +
        (pageFault ? monitor.cost(Cost::PageFaultWalk) + monitor.cost(Cost::ShadowPageFault) : 0);
    monitor.record(
        EventKind::Trap, exception.rip, cycles,
        [&] {
            if (exception.software) {
                return tr("%1 went through the real IDT into the monitor, which reflected vector "
                          "%2 to the guest's handler at %3")
                    .arg(monitor.instructionText(exception.rip))
                    .arg(exception.vector)
                    .arg(hex(delivery.handler));
            }
            return tr("%1 in the guest trapped into the monitor, which reflected it to the "
                      "guest's handler at %2")
                .arg(exceptionName(exception.vector), hex(delivery.handler));
        },
        exception.vector);
    monitor.machine().continueAt(delivery.handler, exception.software);
}

bool TrapAndEmulate::guestInterruptFlag(const Monitor &monitor) const
{
    return monitor.vcpu().interruptFlag;
}

bool TrapAndEmulate::deliverInterrupt(Monitor &monitor, std::uint8_t vector)
{
    UnicornCpu &cpu = monitor.machine().cpu();
    const std::uint64_t rip = cpu.rip();
    const Delivery delivery =
        monitor.pushInterruptFrame(vector, std::nullopt, rip, guestFrame(monitor));
    if (!delivery.ok) {
        monitor.failGuest(
            rip,
            tr("the monitor cannot inject interrupt %1: %2").arg(vector).arg(delivery.problem));
        return false;
    }
    enterGuestHandler(monitor, delivery);
    cpu.write(Register::Rip, delivery.handler);
    monitor.record(
        EventKind::InterruptDelivered, rip,
        monitor.cost(Cost::TrapRoundTrip) + monitor.cost(Cost::MonitorEmulation),
        [&] {
            return tr("interrupt %1 arrived in the monitor, which injected it through the guest's "
                      "IDT to %2 (virtual IF was 1)")
                .arg(vector)
                .arg(hex(delivery.handler));
        },
        vector);
    return true;
}

VirtualCpu TrapAndEmulate::guestView(const Monitor &monitor) const
{
    return monitor.vcpu();
}

std::uint64_t TrapAndEmulate::interruptArrivalCycles(const Monitor &monitor) const
{
    return monitor.cost(Cost::TrapRoundTrip);
}

} // namespace vmwb
