#include "rss/SampleTotals.h"

#include <algorithm>
#include <numeric>

namespace vmwb {

void SampleTotals::reset(int queues, int cores)
{
    const auto q = static_cast<std::size_t>(std::max(queues, 0));
    const auto c = static_cast<std::size_t>(std::max(cores, 0));
    samples = 0;
    offered = 0;
    queueArrivals.assign(q, 0);
    queueDrops.assign(q, 0);
    queueMaxOccupancy.assign(q, 0);
    corePackets.assign(c, 0);
    coreSteered.assign(c, 0);
    coreInterrupts.assign(c, 0);
    coreIpis.assign(c, 0);
    coreDrops.assign(c, 0);
    coreBusyNs.assign(c, 0);
}

void SampleTotals::update(const std::vector<rss::Sample> &all)
{
    for (; samples < all.size(); ++samples) {
        const rss::Sample &sample = all[samples];
        offered += sample.offered;
        // A sample may carry more queues or cores than expected; grow rather than lose them.
        if (sample.queues.size() > queueArrivals.size()) {
            queueArrivals.resize(sample.queues.size(), 0);
            queueDrops.resize(sample.queues.size(), 0);
            queueMaxOccupancy.resize(sample.queues.size(), 0);
        }
        for (std::size_t q = 0; q < sample.queues.size(); ++q) {
            queueArrivals[q] += sample.queues[q].arrivals;
            queueDrops[q] += sample.queues[q].drops;
            queueMaxOccupancy[q] = std::max(queueMaxOccupancy[q], sample.queues[q].maxOccupancy);
        }
        if (sample.cores.size() > corePackets.size()) {
            for (auto *v :
                 {&corePackets, &coreSteered, &coreInterrupts, &coreIpis, &coreDrops, &coreBusyNs})
                v->resize(sample.cores.size(), 0);
        }
        for (std::size_t c = 0; c < sample.cores.size(); ++c) {
            const rss::CoreSample &core = sample.cores[c];
            corePackets[c] += core.packets;
            coreSteered[c] += core.steered;
            coreInterrupts[c] += core.interrupts;
            coreIpis[c] += core.ipis;
            coreDrops[c] += core.drops;
            coreBusyNs[c] += core.busyNs;
        }
    }
}

std::uint64_t SampleTotals::drops() const
{
    return std::accumulate(coreDrops.begin(), coreDrops.end(), std::uint64_t{0});
}

std::vector<double> recentLoad(const std::vector<rss::Sample> &samples, int cores,
                               std::uint64_t sampleNs, std::size_t window)
{
    std::vector<double> load(static_cast<std::size_t>(std::max(cores, 0)), 0.0);
    const std::size_t count = std::min(window, samples.size());
    if (count == 0 || sampleNs == 0)
        return load;
    for (std::size_t i = samples.size() - count; i < samples.size(); ++i) {
        for (int c = 0; c < cores; ++c) {
            if (static_cast<std::size_t>(c) < samples[i].cores.size())
                load[static_cast<std::size_t>(c)] += samples[i].load(c, sampleNs);
        }
    }
    for (double &value : load)
        value = std::clamp(value / static_cast<double>(count), 0.0, 1.0);
    return load;
}

} // namespace vmwb
