#include "trace/Event.h"

namespace vmwb {

const char *eventKindName(EventKind kind)
{
    static constexpr std::array<const char *, kEventKindCount> kNames{
        "trap",
        "hole",
        "interrupt-delivered",
        "interrupt-pending",
        "interrupt-lost",
        "exception",
        "io",
        "halt",
        "exit",
        "guest-fault",
        "hypercall",
        "callout",
        "translation",
        "invalidation",
        "vm_exit",
        "inline",
    };
    return kNames[static_cast<std::size_t>(kind)];
}

void Trace::add(Event event)
{
    if (!storesNext()) {
        countOnly(event.kind, event.cycles);
        return;
    }
    ++m_counts[static_cast<std::size_t>(event.kind)];
    m_cyclesByKind[static_cast<std::size_t>(event.kind)] += event.cycles;
    m_cycles += event.cycles;
    m_events.push_back(std::move(event));
    if (onEvent)
        onEvent(m_events.back());
}

void Trace::rewind(const Mark &mark)
{
    if (mark.stored < m_events.size())
        m_events.resize(mark.stored);
    m_counts = mark.counts;
    m_cyclesByKind = mark.cyclesByKind;
    m_dropped = mark.dropped;
    m_cycles = mark.cycles;
}

void Trace::countOnly(EventKind kind, std::uint64_t cycles)
{
    ++m_counts[static_cast<std::size_t>(kind)];
    m_cyclesByKind[static_cast<std::size_t>(kind)] += cycles;
    m_cycles += cycles;
    ++m_dropped;
}

} // namespace vmwb
