#include "vmm/Monitor.h"

#include "assembler/Assembler.h"
#include "bt/TranslationCache.h"
#include "core/Hex.h"
#include "hw/Descriptors.h"
#include "hw/Paging.h"
#include "hw/Rflags.h"
#include "machine/Operands.h"
#include "mmu/PageWalker.h"

#include <QCoreApplication>
#include <algorithm>
#include <array>
#include <cstring>

namespace vmwb {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("vmwb::Monitor", text);
}

// A string instruction processes at most this many elements per emulation; the rest follow
// when the instruction runs again (as the CPU may interrupt REP between iterations).
constexpr std::uint64_t kMaxStringElements = 65536;

// Deliveries in a row, with no guest instruction retired in between, before the guest is
// considered stuck in a fault loop.
constexpr int kMaxDeliveriesWithoutProgress = 64;

} // namespace

const char *runStatusName(RunStatus status)
{
    switch (status) {
    case RunStatus::Running:
        return "running";
    case RunStatus::Exited:
        return "exited";
    case RunStatus::Halted:
        return "halted";
    case RunStatus::BudgetExhausted:
        return "budget-exhausted";
    case RunStatus::GuestFault:
        return "guest-fault";
    case RunStatus::Stopped:
        return "stopped";
    }
    return "unknown";
}

Monitor::Monitor(Machine &machine, VirtualCpu &vcpu, PendingInterrupts &pending, PortBus &ports,
                 Trace &trace, const CostPreset &costs, const AssembledProgram *program)
    : m_machine(machine), m_vcpu(vcpu), m_pending(pending), m_ports(ports), m_trace(trace),
      m_costs(costs), m_program(program)
{}

std::uint64_t Monitor::modelledCycles() const
{
    return m_machine.retired() * m_costs[Cost::Instruction] + m_trace.cycles();
}

QString Monitor::instructionText(std::uint64_t rip) const
{
    if (m_translations) {
        if (const Patch *patch = m_translations->patchAt(rip); patch && patch->address == rip)
            return patch->originalText;
    }
    const auto instruction = m_machine.decodeAt(rip, Decoder::Detail::Full);
    return instruction ? instruction->text : tr("(invalid instruction)");
}

int Monitor::lineAt(std::uint64_t rip) const
{
    return m_program ? m_program->lineAt(rip) : 0;
}

void Monitor::addEvent(EventKind kind, std::uint64_t rip, std::uint64_t cycles, QString cause,
                       int vector)
{
    Event event;
    event.kind = kind;
    event.index = m_machine.retired();
    event.rip = rip;
    event.line = lineAt(rip);
    event.instruction = instructionText(rip);
    event.cause = std::move(cause);
    event.cycles = cycles;
    event.vector = vector;
    m_trace.add(std::move(event));
}

Monitor::State Monitor::saveState() const
{
    return {
        m_idle,        m_eventBreak, m_frames,       m_lastDeliveryAt, m_deliveriesWithoutProgress,
        m_shadowUntil, m_status,     m_statusMessage};
}

void Monitor::restoreState(const State &state)
{
    m_idle = state.idle;
    m_eventBreak = state.eventBreak;
    m_frames = state.frames;
    m_lastDeliveryAt = state.lastDeliveryAt;
    m_deliveriesWithoutProgress = state.deliveriesWithoutProgress;
    m_shadowUntil = state.shadowUntil;
    m_status = state.status;
    m_statusMessage = state.statusMessage;
}

void Monitor::breakOnEvent()
{
    m_eventBreak = true;
    // The instruction the event is about completes first: an emulated one continues at the
    // next block, which does not start; one that executes natively (a hole) is stepped over by
    // the session. The run pauses right after it, and resuming does not record it again.
    m_machine.requestStopAtNextBlock();
}

void Monitor::finish(RunStatus status, QString message)
{
    if (m_status != RunStatus::Running)
        return; // the first reason to end stands
    m_status = status;
    m_statusMessage = std::move(message);
}

void Monitor::failGuest(std::uint64_t rip, QString message)
{
    record(EventKind::GuestFault, rip, 0, [&] { return message; });
    finish(RunStatus::GuestFault, message);
    m_machine.stopAt(rip, false);
}

Delivery Monitor::pushInterruptFrame(std::uint8_t vector, std::optional<std::uint32_t> errorCode,
                                     std::uint64_t returnRip, const FrameView &view)
{
    Delivery delivery;
    // A handler that faults before running a single instruction faults again at once; a real
    // CPU turns that into a double fault and then shuts down.
    if (m_machine.retired() == m_lastDeliveryAt &&
        ++m_deliveriesWithoutProgress > kMaxDeliveriesWithoutProgress) {
        delivery.problem = tr("the guest's handlers keep faulting before any of their "
                              "instructions runs (a real CPU would double-fault and shut down)");
        return delivery;
    }
    if (m_machine.retired() != m_lastDeliveryAt)
        m_deliveriesWithoutProgress = 0;
    m_lastDeliveryAt = m_machine.retired();
    const std::uint64_t entry = 16ULL * vector;
    if (entry + 15 > view.idt.limit) {
        delivery.problem = tr("vector %1 lies beyond the IDT's limit (%2): the CPU raises #GP, "
                              "and with no handler for that either, a double fault")
                               .arg(vector)
                               .arg(hex(view.idt.limit));
        return delivery;
    }
    std::array<std::uint8_t, 16> bytes{};
    if (!m_machine.readLinear(view.idt.base + entry, bytes.data(), bytes.size())) {
        delivery.problem = tr("the IDT at %1 is not mapped").arg(hex(view.idt.base));
        return delivery;
    }
    const GateDescriptor gate = GateDescriptor::decode(bytes);
    if (!gate.present) {
        delivery.problem = tr("IDT entry %1 is not present: the CPU raises #NP, and with no "
                              "handler for that either, a double fault")
                               .arg(vector);
        return delivery;
    }
    if (!gate.isInterruptOrTrapGate()) {
        delivery.problem = tr("IDT entry %1 is not a 64-bit interrupt or trap gate (type %2)")
                               .arg(vector)
                               .arg(gate.type);
        return delivery;
    }
    // 64-bit mode aligns the stack to 16 bytes and always pushes SS:RSP (SDM Vol. 3A, 6.14.2).
    UnicornCpu &cpu = m_machine.cpu();
    const std::uint64_t oldRsp = cpu.read(Register::Rsp);
    std::array<std::uint64_t, 6> frame{};
    std::size_t words = 0;
    if (errorCode)
        frame[words++] = *errorCode;
    frame[words++] = returnRip;
    frame[words++] = view.cs;
    frame[words++] = view.rflags;
    frame[words++] = oldRsp;
    frame[words++] = view.ss;
    const std::uint64_t newRsp = (oldRsp & ~0xFULL) - 8 * words;
    if (!m_machine.writeLinear(newRsp, frame.data(), 8 * words)) {
        delivery.problem = tr("the stack at %1 is not mapped: pushing the interrupt frame "
                              "faults, a double fault")
                               .arg(hex(newRsp));
        return delivery;
    }
    cpu.write(Register::Rsp, newRsp);
    m_frames.push_back({newRsp, vector, errorCode.has_value()});
    constexpr std::size_t kFramesKept = 64;
    if (m_frames.size() > kFramesKept)
        m_frames.pop_front();
    delivery.ok = true;
    delivery.handler = gate.offset;
    delivery.selector = gate.selector;
    delivery.interruptGate = gate.type == GateDescriptor::kInterruptGate;
    return delivery;
}

std::optional<Monitor::PortOperand> Monitor::portOperand(const UnicornCpu &cpu,
                                                         const Instruction &instruction)
{
    const auto portOf = [&cpu](const Operand &operand, PortOperand &result) {
        result.immediate = operand.kind == OperandKind::Immediate;
        result.port = result.immediate
                          ? static_cast<std::uint16_t>(operand.immediate & 0xFF)
                          : static_cast<std::uint16_t>(cpu.read(Register::Rdx) & 0xFFFF);
    };
    PortOperand result;
    switch (instruction.mnemonic) {
    case Mnemonic::In:
        if (instruction.operands.size() != 2)
            return std::nullopt;
        portOf(instruction.operands[1], result);
        result.size = instruction.operands[0].reg.widthBits / 8U;
        return result;
    case Mnemonic::Out:
        if (instruction.operands.size() != 2)
            return std::nullopt;
        portOf(instruction.operands[0], result);
        result.size = instruction.operands[1].reg.widthBits / 8U;
        return result;
    case Mnemonic::Ins:
    case Mnemonic::Outs:
        result.port = static_cast<std::uint16_t>(cpu.read(Register::Rdx) & 0xFFFF);
        result.size = std::max(1U, instruction.operandSizeBits / 8U);
        return result;
    default:
        return std::nullopt;
    }
}

Monitor::PortIo Monitor::emulatePortIo(const Instruction &instruction)
{
    PortIo result;
    UnicornCpu &cpu = m_machine.cpu();
    const auto operand = portOperand(cpu, instruction);
    if (!operand)
        return result;
    const auto describe = [](const char *direction, std::uint16_t portNumber, std::uint32_t value,
                             const PortBus::Access &access) {
        return tr("%1 port %2 (%3): %4")
            .arg(QLatin1String(direction), hex(portNumber),
                 access.known ? access.device : tr("no device"), hex(value));
    };

    switch (instruction.mnemonic) {
    case Mnemonic::In: {
        const RegisterOperand &target = instruction.operands[0].reg;
        const std::uint16_t portNumber = operand->port;
        std::uint32_t value = 0;
        const auto access = m_ports.read(portNumber, operand->size, value);
        writeRegister(cpu, target, value);
        result.ok = true;
        result.description = describe("read from", portNumber, value, access);
        return result;
    }
    case Mnemonic::Out: {
        const std::uint16_t portNumber = operand->port;
        const RegisterOperand &source = instruction.operands[1].reg;
        const auto value = static_cast<std::uint32_t>(readRegister(cpu, source));
        const auto access = m_ports.write(portNumber, operand->size, value, now());
        result.ok = true;
        result.exitRequested = portNumber == port::kExit;
        result.timerProgrammed = portNumber == port::kTimer;
        result.description = describe("write to", portNumber, value, access);
        return result;
    }
    case Mnemonic::Ins:
    case Mnemonic::Outs: {
        const bool out = instruction.mnemonic == Mnemonic::Outs;
        const unsigned size = operand->size;
        const std::uint16_t portNumber = operand->port;
        const bool down = (cpu.rflags() & rflags::kDF) != 0;
        const std::uint64_t step =
            down ? static_cast<std::uint64_t>(-static_cast<std::int64_t>(size)) : size;
        std::uint64_t count = instruction.hasRepPrefix ? cpu.read(Register::Rcx) : 1;
        const std::uint64_t todo = std::min(count, kMaxStringElements);
        const Register indexRegister = out ? Register::Rsi : Register::Rdi;
        std::uint64_t address = cpu.read(indexRegister);
        std::uint64_t done = 0;
        PortBus::Access access;
        std::uint32_t last = 0;
        for (; done < todo; ++done, address += step) {
            std::uint32_t value = 0;
            if (out) {
                if (!cpu.readVirtual(address, &value, size))
                    break;
                access = m_ports.write(portNumber, size, value, now());
                result.exitRequested = result.exitRequested || portNumber == port::kExit;
                result.timerProgrammed = result.timerProgrammed || portNumber == port::kTimer;
            } else {
                access = m_ports.read(portNumber, size, value);
                if (!m_machine.writeLinear(address, &value, size))
                    break;
            }
            last = value;
        }
        cpu.write(indexRegister, address);
        if (instruction.hasRepPrefix)
            cpu.write(Register::Rcx, count - done);
        result.ok = done == todo;
        result.description = tr("%1 %2 element(s) of %3 byte(s) %4 port %5 (%6), last %7")
                                 .arg(QLatin1String(out ? "wrote" : "read"))
                                 .arg(done)
                                 .arg(size)
                                 .arg(QLatin1String(out ? "to" : "from"), hex(portNumber),
                                      access.known ? access.device : tr("no device"), hex(last));
        return result;
    }
    default:
        return result;
    }
}

std::uint32_t Monitor::pageFaultErrorCode(std::uint64_t cr2, std::uint64_t rip, unsigned cpl) const
{
    std::uint32_t code = 0;
    const PageWalk walk =
        walkPageTables(m_machine.memory(), m_machine.cpu().read(Register::Cr3), cr2);
    if (walk.present)
        code |= paging::fault::kPresent;
    if (cpl == 3)
        code |= paging::fault::kUser;
    if (const auto instruction = m_machine.decodeAt(rip, Decoder::Detail::Facts)) {
        const bool fetch = cr2 >= rip && cr2 < instruction->nextAddress();
        if (!fetch) {
            for (const Operand &operand : instruction->operands) {
                if (operand.kind == OperandKind::Memory && operand.written)
                    code |= paging::fault::kWrite;
            }
        }
    }
    return code;
}

} // namespace vmwb
