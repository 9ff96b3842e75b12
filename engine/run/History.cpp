#include "run/History.h"

#include "hw/Paging.h"
#include "machine/PhysicalMemory.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <map>

namespace vmwb {

namespace {

constexpr std::size_t kPageSize = paging::kPageSize4K;
using Page = std::array<std::uint8_t, kPageSize>;
// A stored page's bookkeeping beyond its bytes: the map node and the allocation.
constexpr std::size_t kPageOverhead = 64;

const Page &zeroPage()
{
    static const Page zeros{};
    return zeros;
}

// Physical memory seen as one run of pages: guest memory first, then the monitor's region.
std::size_t pageCount(const PhysicalMemory &memory)
{
    return (memory.guestSize() + memory.monitorSize()) / kPageSize;
}

std::uint64_t pageAddress(const PhysicalMemory &memory, std::size_t index)
{
    const std::size_t guestPages = memory.guestSize() / kPageSize;
    return index < guestPages ? index * kPageSize
                              : memory.monitorBase() + (index - guestPages) * kPageSize;
}

// What a state holds besides memory, roughly: the CPU blob and the containers that grow.
std::size_t estimatedBytes(const SessionState &state)
{
    std::size_t total = sizeof state + state.machine.cpu.size() +
                        state.machine.fetchGuard.size() / 8 +
                        state.machine.watchedPages.size() * 16;
    total += state.monitor.frames.size() * sizeof(InterruptFrame) +
             static_cast<std::size_t>(state.monitor.statusMessage.size()) * 2;
    total += static_cast<std::size_t>(state.ports.console().size());
    total += state.vcpu.msrs.size() * 48;
    if (state.technique)
        total += state.technique->bytes();
    return total;
}

} // namespace

struct History::Snapshot
{
    std::uint64_t instructions = 0;
    SessionState state;
    std::map<PageIndex, std::unique_ptr<Page>> pages; // those that differ from the snapshot before
    std::size_t stateBytes = 0;

    std::size_t bytes() const { return stateBytes + pages.size() * (sizeof(Page) + kPageOverhead); }
};

History::History(std::uint64_t interval, std::size_t budget, bool paced)
    : m_interval(std::max<std::uint64_t>(interval, 1)), m_budget(budget), m_paced(paced),
      m_currentInterval(m_interval)
{}

History::~History() = default;

void History::record(SessionState state, const PhysicalMemory &memory)
{
    const auto started = std::chrono::steady_clock::now();
    auto snapshot = std::make_unique<Snapshot>();
    snapshot->instructions = state.machine.retired;
    const std::size_t pages = pageCount(memory);
    m_latest.resize(pages, nullptr);
    for (std::size_t index = 0; index < pages; ++index) {
        const std::uint8_t *now = memory.host(pageAddress(memory, index), kPageSize);
        const std::uint8_t *before = m_latest[index] ? m_latest[index] : zeroPage().data();
        if (std::memcmp(now, before, kPageSize) == 0)
            continue;
        auto copy = std::make_unique<Page>();
        std::memcpy(copy->data(), now, kPageSize);
        m_latest[index] = copy->data();
        snapshot->pages.emplace(static_cast<PageIndex>(index), std::move(copy));
    }
    snapshot->stateBytes = estimatedBytes(state);
    snapshot->state = std::move(state);
    m_bytes += snapshot->bytes();
    const std::uint64_t instructions = snapshot->instructions;
    m_snapshots.push_back(std::move(snapshot));
    while (m_bytes > m_budget && m_snapshots.size() > 1)
        dropOldest();
    const auto done = std::chrono::steady_clock::now();
    if (m_paced && m_snapshots.size() > 1 && instructions > m_lastInstructions) {
        const double ran = std::chrono::duration<double>(started - m_lastEnd).count();
        const double took = std::chrono::duration<double>(done - started).count();
        const double perSecond = double(instructions - m_lastInstructions) / std::max(ran, 1e-6);
        const double wanted = perSecond * took * kPace;
        m_currentInterval = std::clamp<std::uint64_t>(static_cast<std::uint64_t>(wanted),
                                                      m_interval, kLongestPacedInterval);
    }
    m_lastEnd = done;
    m_lastInstructions = instructions;
    m_nextDue = instructions + m_currentInterval;
}

// The oldest snapshot holds every page that is not zero; the next one takes over the pages it
// lacks, so that it does too.
void History::dropOldest()
{
    Snapshot &oldest = *m_snapshots[0];
    Snapshot &next = *m_snapshots[1];
    m_bytes -= oldest.bytes() + next.bytes();
    next.pages.merge(oldest.pages);
    m_bytes += next.bytes();
    m_snapshots.pop_front();
    ++m_dropped;
}

std::optional<std::uint64_t> History::newestAtOrBefore(std::uint64_t instructions) const
{
    for (auto it = m_snapshots.rbegin(); it != m_snapshots.rend(); ++it) {
        if ((*it)->instructions <= instructions)
            return (*it)->instructions;
    }
    return std::nullopt;
}

const SessionState &History::restore(std::uint64_t instructions, PhysicalMemory &memory)
{
    if (std::none_of(m_snapshots.begin(), m_snapshots.end(),
                     [instructions](const auto &s) { return s->instructions == instructions; }))
        throw EngineError("no snapshot at that instruction");
    while (m_snapshots.back()->instructions > instructions) {
        m_bytes -= m_snapshots.back()->bytes();
        m_snapshots.pop_back();
    }
    const std::size_t pages = pageCount(memory);
    m_latest.assign(pages, nullptr);
    for (const auto &snapshot : m_snapshots) {
        for (const auto &[index, page] : snapshot->pages)
            m_latest[index] = page->data();
    }
    for (std::size_t index = 0; index < pages; ++index) {
        std::uint8_t *now = memory.host(pageAddress(memory, index), kPageSize);
        const std::uint8_t *then = m_latest[index] ? m_latest[index] : zeroPage().data();
        if (std::memcmp(now, then, kPageSize) != 0)
            std::memcpy(now, then, kPageSize);
    }
    m_nextDue = instructions + m_currentInterval;
    m_lastEnd = std::chrono::steady_clock::now();
    m_lastInstructions = instructions;
    return m_snapshots.back()->state;
}

std::optional<std::uint64_t> History::oldest() const
{
    if (m_snapshots.empty())
        return std::nullopt;
    return m_snapshots.front()->instructions;
}

std::vector<std::uint64_t> History::snapshotInstructions() const
{
    std::vector<std::uint64_t> result;
    result.reserve(m_snapshots.size());
    for (const auto &snapshot : m_snapshots)
        result.push_back(snapshot->instructions);
    return result;
}

} // namespace vmwb
