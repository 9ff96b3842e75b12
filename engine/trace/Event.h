#pragma once

// What the workbench records while a guest runs: every trap, hole, interrupt, exception and
// device access, with the guest RIP, the instruction, the cause in the lecture's words and the
// modelled cost in cycles.

#include <QString>
#include <array>
#include <cstdint>
#include <functional>
#include <vector>

namespace vmwb {

enum class EventKind : std::uint8_t
{
    Trap,               // the CPU faulted into the monitor, which emulated or reflected
    Hole,               // a sensitive instruction ran without the monitor seeing it
    InterruptDelivered, // an interrupt reached the guest's handler
    InterruptPending,   // an interrupt was raised but the guest's IF is 0
    InterruptLost,      // an interrupt was raised while the same vector was still pending
    Exception,          // the guest's own exception, delivered through its IDT (native)
    Io,                 // a device access that did not trap (native)
    Halt,               // HLT: the guest waits for an interrupt
    Exit,               // the guest wrote its exit code
    GuestFault,   // the run ended because the guest did something the machine cannot go on from
    Hypercall,    // paravirtual: the guest kernel asked the monitor for privileged work
    Callout,      // binary translation: a patched sensitive instruction called into the monitor
    Translation,  // binary translation: a guest code page was translated (patched in place)
    Invalidation, // binary translation: the guest wrote to translated code; the page was restored
    VmExit,       // hardware-assisted: the CPU left the guest (VMX non-root) for the monitor
    Inline, // binary translation: translated code did an instruction's work in place, without a
            // callout (a CR8 access on the virtual TPR, ret's lookup of its translated target)
};

inline constexpr std::size_t kEventKindCount = 16;

// Stable names used in JSON output and filters.
const char *eventKindName(EventKind kind);

struct Event
{
    EventKind kind = EventKind::Trap;
    std::uint64_t index = 0; // instructions retired when it happened
    std::uint64_t rip = 0;
    int line = 0;        // source line of rip, 0 if unknown
    QString instruction; // Intel syntax
    QString cause;
    std::uint64_t cycles = 0;
    int vector = -1;
};

class Trace
{
public:
    static constexpr std::size_t kDefaultStorageLimit = 10000;

    explicit Trace(std::size_t storageLimit = kDefaultStorageLimit) : m_limit(storageLimit) {}

    // Whether the next event will be stored (and is worth formatting).
    bool storesNext() const { return m_events.size() < m_limit; }
    // Counts the event, adds its cycles, and stores it while there is room.
    void add(Event event);
    // Counts an event that is not stored (when storesNext() is false).
    void countOnly(EventKind kind, std::uint64_t cycles);

    const std::vector<Event> &events() const { return m_events; }
    std::uint64_t count(EventKind kind) const { return m_counts[static_cast<std::size_t>(kind)]; }
    std::uint64_t dropped() const { return m_dropped; }
    std::uint64_t cycles() const { return m_cycles; }
    // The modelled cycles of the events of one kind (they add up to cycles()).
    std::uint64_t cycles(EventKind kind) const
    {
        return m_cyclesByKind[static_cast<std::size_t>(kind)];
    }

    // Called for every stored event (the views append live).
    std::function<void(const Event &)> onEvent;

    // Step back (run/History.h): the trace as it stood at one moment, and going back to it.
    // Events stored since are forgotten, and the counts and cycles are those of then.
    struct Mark
    {
        std::size_t stored = 0;
        std::array<std::uint64_t, kEventKindCount> counts{};
        std::array<std::uint64_t, kEventKindCount> cyclesByKind{};
        std::uint64_t dropped = 0;
        std::uint64_t cycles = 0;
    };
    Mark mark() const { return {m_events.size(), m_counts, m_cyclesByKind, m_dropped, m_cycles}; }
    void rewind(const Mark &mark);

private:
    std::size_t m_limit;
    std::vector<Event> m_events;
    std::array<std::uint64_t, kEventKindCount> m_counts{};
    std::array<std::uint64_t, kEventKindCount> m_cyclesByKind{};
    std::uint64_t m_dropped = 0;
    std::uint64_t m_cycles = 0;
};

} // namespace vmwb
