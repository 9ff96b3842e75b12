#pragma once

// The simulation's samples added up per queue and per core, folded in as they arrive, so that
// each frame adds the new samples rather than walking the whole run again. The pictures read
// these; the engine's Totals has no per-queue arrivals and no per-core interrupts.

#include "rss/Simulation.h"

#include <cstdint>
#include <vector>

namespace vmwb {

struct SampleTotals
{
    std::size_t samples = 0; // how many of the simulation's samples are folded in
    std::uint64_t offered = 0;
    std::vector<std::uint64_t> queueArrivals;
    std::vector<std::uint64_t> queueDrops;
    std::vector<int> queueMaxOccupancy;
    std::vector<std::uint64_t> corePackets;
    std::vector<std::uint64_t> coreSteered;
    std::vector<std::uint64_t> coreInterrupts;
    std::vector<std::uint64_t> coreIpis;
    std::vector<std::uint64_t> coreDrops;
    std::vector<std::uint64_t> coreBusyNs;

    void reset(int queues, int cores);
    // Folds in the samples after the ones already counted.
    void update(const std::vector<rss::Sample> &all);
    std::uint64_t drops() const;
};

// The busy fraction of each core over the last `window` samples (0..1 each): what the load
// bars show, steadier than one sample and still live.
std::vector<double> recentLoad(const std::vector<rss::Sample> &samples, int cores,
                               std::uint64_t sampleNs, std::size_t window = 5);

} // namespace vmwb
