#include "run/Report.h"

#include "core/Hex.h"
#include "run/Session.h"
#include "vmm/HardwareAssisted.h"
#include "vmx/Vmcs.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QTextStream>
#include <array>
#include <utility>

namespace vmwb {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("vmwb::Report", text);
}

// The guest's architectural registers, in the order a debugger lists them.
constexpr std::array<std::pair<const char *, Register>, 17> kRegisters{{
    {"rax", Register::Rax},
    {"rbx", Register::Rbx},
    {"rcx", Register::Rcx},
    {"rdx", Register::Rdx},
    {"rsi", Register::Rsi},
    {"rdi", Register::Rdi},
    {"rbp", Register::Rbp},
    {"rsp", Register::Rsp},
    {"r8", Register::R8},
    {"r9", Register::R9},
    {"r10", Register::R10},
    {"r11", Register::R11},
    {"r12", Register::R12},
    {"r13", Register::R13},
    {"r14", Register::R14},
    {"r15", Register::R15},
    {"rip", Register::Rip},
}};

QJsonObject registersJson(const UnicornCpu &cpu)
{
    QJsonObject registers;
    for (const auto &[name, reg] : kRegisters)
        registers.insert(QLatin1String(name), hex(cpu.read(reg)));
    registers.insert(QStringLiteral("rflags"), hex(cpu.rflags()));
    return registers;
}

QJsonObject virtualCpuJson(const VirtualCpu &v, const PendingInterrupts &pending)
{
    QJsonObject json;
    json.insert(QStringLiteral("if"), v.interruptFlag ? 1 : 0);
    json.insert(QStringLiteral("iopl"), static_cast<int>(v.iopl));
    json.insert(QStringLiteral("cpl"), static_cast<int>(v.cpl));
    json.insert(QStringLiteral("cr0"), hex(v.cr0));
    json.insert(QStringLiteral("cr2"), hex(v.cr2));
    json.insert(QStringLiteral("cr3"), hex(v.cr3));
    json.insert(QStringLiteral("cr4"), hex(v.cr4));
    json.insert(QStringLiteral("cr8"), hex(v.cr8));
    json.insert(QStringLiteral("idtr_base"), hex(v.idtr.base));
    json.insert(QStringLiteral("idtr_limit"), hex(v.idtr.limit));
    json.insert(QStringLiteral("gdtr_base"), hex(v.gdtr.base));
    json.insert(QStringLiteral("gdtr_limit"), hex(v.gdtr.limit));
    json.insert(QStringLiteral("halted"), v.halted);
    QJsonArray vectors;
    for (int vector = 0; vector < 256; ++vector) {
        if (pending.isPending(static_cast<std::uint8_t>(vector)))
            vectors.append(vector);
    }
    json.insert(QStringLiteral("pending_interrupts"), vectors);
    return json;
}

QJsonObject eventJson(const Event &event)
{
    QJsonObject json;
    json.insert(QStringLiteral("kind"), QLatin1String(eventKindName(event.kind)));
    json.insert(QStringLiteral("cause"), event.cause);
    json.insert(QStringLiteral("instruction"), event.instruction);
    json.insert(QStringLiteral("rip"), hex(event.rip));
    json.insert(QStringLiteral("line"), event.line);
    json.insert(QStringLiteral("index"), static_cast<qint64>(event.index));
    json.insert(QStringLiteral("cycles"), static_cast<qint64>(event.cycles));
    if (event.vector >= 0)
        json.insert(QStringLiteral("vector"), event.vector);
    return json;
}

// The VMCS fields whose values the run changed, and the controls it ran with.
QJsonObject vmcsJson(const HardwareAssisted &technique)
{
    QJsonObject changed;
    const vmx::Vmcs &now = *technique.vmcs();
    for (const vmx::Field field : now.changedFrom(technique.initialVmcs())) {
        const vmx::FieldInfo &info = vmx::fieldInfo(field);
        changed.insert(
            QLatin1String(info.name),
            QJsonObject{{QStringLiteral("encoding"), hex(info.encoding())},
                        {QStringLiteral("before"), hex(technique.initialVmcs().read(field))},
                        {QStringLiteral("after"), hex(now.read(field))}});
    }
    QJsonObject controls;
    for (const vmx::ControlInfo &control : vmx::allControls())
        controls.insert(QLatin1String(control.id), now.control(control.control));
    return QJsonObject{{QStringLiteral("fields_changed"), changed},
                       {QStringLiteral("controls"), controls}};
}

} // namespace

QJsonObject reportJson(const Session &session)
{
    const Trace &trace = session.trace();
    QJsonObject json;
    json.insert(QStringLiteral("file"), session.program().fileName);
    json.insert(QStringLiteral("technique"), session.technique().info().id);
    json.insert(QStringLiteral("status"), QLatin1String(runStatusName(session.status())));
    json.insert(QStringLiteral("message"), session.statusMessage());
    const auto exitCode = session.ports().exitCode();
    json.insert(QStringLiteral("exit_code"), session.status() == RunStatus::Exited && exitCode
                                                 ? QJsonValue(*exitCode)
                                                 : QJsonValue());
    json.insert(QStringLiteral("instructions"), static_cast<qint64>(session.instructions()));
    json.insert(QStringLiteral("modelled_cycles"), static_cast<qint64>(session.modelledCycles()));
    json.insert(QStringLiteral("cost_preset"), session.costs().id);
    json.insert(QStringLiteral("timer_period"), static_cast<qint64>(session.options().timerPeriod));
    json.insert(QStringLiteral("max_instructions"),
                static_cast<qint64>(session.options().maxInstructions));
    json.insert(QStringLiteral("registers"), registersJson(session.machine().cpu()));
    json.insert(QStringLiteral("virtual_cpu"),
                virtualCpuJson(session.guestView(), session.pendingInterrupts()));
    if (const auto *hardware = dynamic_cast<const HardwareAssisted *>(&session.technique())) {
        QJsonObject exits;
        for (const auto &[reason, count] : hardware->exitCounts())
            exits.insert(vmx::exitReasonKey(reason), static_cast<qint64>(count));
        json.insert(QStringLiteral("vm_exits"), exits);
        json.insert(QStringLiteral("vmcs"), vmcsJson(*hardware));
    }

    QJsonObject counts;
    counts.insert(QStringLiteral("traps"), static_cast<qint64>(trace.count(EventKind::Trap)));
    counts.insert(QStringLiteral("holes"), static_cast<qint64>(trace.count(EventKind::Hole)));
    counts.insert(QStringLiteral("interrupts_delivered"),
                  static_cast<qint64>(trace.count(EventKind::InterruptDelivered)));
    counts.insert(QStringLiteral("interrupts_pending"),
                  static_cast<qint64>(session.pendingInterrupts().count()));
    counts.insert(QStringLiteral("interrupts_lost"),
                  static_cast<qint64>(trace.count(EventKind::InterruptLost)));
    counts.insert(QStringLiteral("exceptions"),
                  static_cast<qint64>(trace.count(EventKind::Exception)));
    counts.insert(QStringLiteral("io"), static_cast<qint64>(trace.count(EventKind::Io)));
    counts.insert(QStringLiteral("hypercalls"),
                  static_cast<qint64>(trace.count(EventKind::Hypercall)));
    counts.insert(QStringLiteral("callouts"), static_cast<qint64>(trace.count(EventKind::Callout)));
    counts.insert(QStringLiteral("translations"),
                  static_cast<qint64>(trace.count(EventKind::Translation)));
    counts.insert(QStringLiteral("invalidations"),
                  static_cast<qint64>(trace.count(EventKind::Invalidation)));
    counts.insert(QStringLiteral("vm_exits"), static_cast<qint64>(trace.count(EventKind::VmExit)));
    counts.insert(QStringLiteral("events_not_stored"), static_cast<qint64>(trace.dropped()));
    json.insert(QStringLiteral("counts"), counts);

    QJsonArray events;
    for (const Event &event : trace.events())
        events.append(eventJson(event));
    json.insert(QStringLiteral("events"), events);
    json.insert(QStringLiteral("console"), QString::fromLatin1(session.ports().console()));
    return json;
}

QString reportText(const Session &session)
{
    QString text;
    QTextStream out(&text);
    const Trace &trace = session.trace();
    const VirtualCpu view = session.guestView();
    const UnicornCpu &cpu = session.machine().cpu();

    out << tr("%1 under %2: %3")
               .arg(session.program().fileName, session.technique().info().id,
                    QLatin1String(runStatusName(session.status())));
    if (!session.statusMessage().isEmpty())
        out << " (" << session.statusMessage() << ")";
    out << "\n";
    out << tr("instructions: %1, modelled cycles: %2 (%3)")
               .arg(session.instructions())
               .arg(session.modelledCycles())
               .arg(session.costs().title)
        << "\n";
    out << tr("traps: %1, holes: %2, interrupts delivered: %3, pending: %4, lost: %5")
               .arg(trace.count(EventKind::Trap))
               .arg(trace.count(EventKind::Hole))
               .arg(trace.count(EventKind::InterruptDelivered))
               .arg(session.pendingInterrupts().count())
               .arg(trace.count(EventKind::InterruptLost))
        << "\n";
    out << tr("guest believes: IF=%1 IOPL=%2 CPL=%3 CR0=%4 CR3=%5 CR4=%6 IDTR=%7/%8")
               .arg(view.interruptFlag ? 1 : 0)
               .arg(view.iopl)
               .arg(view.cpl)
               .arg(hex(view.cr0), hex(view.cr3), hex(view.cr4), hex(view.idtr.base),
                    hex(view.idtr.limit))
        << "\n";
    out << tr("real CPU: RIP=%1 RFLAGS=%2 CS=%3")
               .arg(hex(cpu.rip()), hex(cpu.rflags()), hex(cpu.read(Register::Cs)))
        << "\n";
    QString line;
    int column = 0;
    for (const auto &[name, reg] : kRegisters) {
        if (reg == Register::Rip)
            continue;
        line += QStringLiteral("  %1 %2").arg(QLatin1String(name), 3).arg(hex(cpu.read(reg)), -18);
        if (++column % 4 == 0) {
            out << line.trimmed().prepend(QStringLiteral("  ")) << "\n";
            line.clear();
        }
    }
    if (!trace.events().empty())
        out << tr("events:") << "\n";
    for (const Event &event : trace.events()) {
        out << QStringLiteral("  %1 %2 %3 %4 [%5 cycles] %6\n")
                   .arg(event.index, 8)
                   .arg(QLatin1String(eventKindName(event.kind)), -19)
                   .arg(event.line > 0 ? tr("line %1").arg(event.line) : hex(event.rip), -10)
                   .arg(event.instruction, -22)
                   .arg(event.cycles)
                   .arg(event.cause);
    }
    if (trace.dropped() > 0)
        out << tr("  ... %1 more events were counted but not stored").arg(trace.dropped()) << "\n";
    if (!session.ports().console().isEmpty())
        out << tr("console:") << "\n" << QString::fromLatin1(session.ports().console()) << "\n";
    return text;
}

} // namespace vmwb
