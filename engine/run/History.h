#pragma once

// Step back: deterministic snapshots of a session. Every `interval` guest instructions the
// session records its whole state; going back to instruction n restores the newest snapshot at
// or before n and runs forward to n. Runs are deterministic, so that gives the state the run
// had then, byte for byte.
//
// A snapshot holds the CPU as Unicorn saves it, the instruction count, the pages a technique
// guards or watches, the virtual CPU, the pending interrupts, the devices, the monitor's
// bookkeeping (idle time, interrupt shadow, frames, status), the technique's own state, the
// trace's length, counts and cycles, and physical memory (guest memory and the monitor's
// region) as 4 KiB pages: the oldest snapshot every page that is not all zeros (what a freshly
// created machine's memory is), each later one only the pages that differ from the snapshot
// before it. Memory is bounded by a budget: when the snapshots hold more, the oldest go, and
// the pages of a dropped snapshot that the next one lacks move into that one.

#include "cpu/VirtualCpu.h"
#include "devices/Devices.h"
#include "machine/Machine.h"
#include "trace/Event.h"
#include "vmm/Monitor.h"
#include "vmm/Technique.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <vector>

namespace vmwb {

class PhysicalMemory;

// Everything a session is made of at one moment, but memory.
struct SessionState
{
    Machine::State machine;
    Monitor::State monitor;
    VirtualCpu vcpu;
    PendingInterrupts pending;
    PortBus ports;
    Trace::Mark trace;
    std::unique_ptr<TechniqueState> technique; // nullptr for a technique that keeps none
    std::uint64_t random = 0;                  // RDRAND's sequence
};

class History
{
public:
    // A step back replays at most about this many instructions. Each snapshot compares all of
    // memory with the one before, so a shorter interval makes long runs slower.
    static constexpr std::uint64_t kDefaultInterval = 10'000;
    static constexpr std::size_t kDefaultBudget = 256 * 1024 * 1024;
    // Paced: the guest runs about this many times as long as the snapshots take. A snapshot of
    // 16 MiB takes milliseconds while a fast loop runs a billion instructions a second, so a
    // fixed interval of 10,000 would make such a loop a hundred times slower; paced, a step
    // back replays about kPace snapshots' worth of time (tens of milliseconds).
    static constexpr double kPace = 20.0;
    static constexpr std::uint64_t kLongestPacedInterval = 500'000'000;

    // `interval` > 0. Paced, the interval is at least `interval` and grows with the guest's
    // speed on this host (instructions per second over the last interval) times the time the
    // last snapshot took times kPace.
    History(std::uint64_t interval, std::size_t budget, bool paced = false);
    ~History();
    History(const History &) = delete;
    History &operator=(const History &) = delete;

    std::uint64_t interval() const { return m_interval; }
    std::size_t budget() const { return m_budget; }
    // The instruction count from which the next snapshot is due.
    std::uint64_t nextDue() const { return m_nextDue; }

    // Records `state` with memory as it is now.
    void record(SessionState state, const PhysicalMemory &memory);
    // The instruction count of the newest snapshot at or before `instructions`, if one is kept.
    std::optional<std::uint64_t> newestAtOrBefore(std::uint64_t instructions) const;
    // Writes the memory of the snapshot taken at `instructions` back, forgets the snapshots
    // after it, and returns its state for the caller to put back. The snapshot must exist.
    const SessionState &restore(std::uint64_t instructions, PhysicalMemory &memory);

    std::size_t count() const { return m_snapshots.size(); }
    // The instruction count of the oldest snapshot kept.
    std::optional<std::uint64_t> oldest() const;
    // Instruction counts of the snapshots kept, oldest first.
    std::vector<std::uint64_t> snapshotInstructions() const;
    // What the snapshots hold now, in bytes (pages, CPU states, the rest estimated).
    std::size_t bytes() const { return m_bytes; }
    // How many snapshots went for the budget.
    std::uint64_t dropped() const { return m_dropped; }

private:
    struct Snapshot;
    using PageIndex = std::uint32_t;

    void dropOldest();

    std::uint64_t m_interval;
    std::size_t m_budget;
    bool m_paced;
    std::uint64_t m_currentInterval;                   // m_interval, or more when paced
    std::chrono::steady_clock::time_point m_lastEnd{}; // when the last snapshot was done
    std::uint64_t m_lastInstructions = 0;
    std::uint64_t m_nextDue = 0;
    std::deque<std::unique_ptr<Snapshot>> m_snapshots;
    // Each page as the newest snapshot has it, by index; nullptr for a page of zeros.
    std::vector<const std::uint8_t *> m_latest;
    std::size_t m_bytes = 0;
    std::uint64_t m_dropped = 0;
};

} // namespace vmwb
