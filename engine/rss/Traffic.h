#pragma once

// The packets a simulation receives: generated flows (uniform, Zipf-distributed, one elephant,
// a SYN flood) and replayed captures, merged in time order. Deterministic: arrivals are a
// Poisson process drawn from the scenario's seed with the workbench's own generator, so every
// platform sees the same packets.

#include "rss/Capture.h"
#include "rss/Scenario.h"

#include <cstdint>
#include <memory>
#include <vector>

namespace vmwb::rss {

// A flow the generator knows by name (a SYN flood's one-packet flows are not kept).
struct Flow
{
    QString label;
    FlowTuple tuple;
    std::array<std::uint8_t, 36> input{}; // the hash input in Microsoft's layout
    std::uint8_t inputLength = 0;
    int source = 0;     // index into Scenario::traffic
    double share = 0.0; // of its source's packets
};

struct Arrival
{
    std::uint64_t timeNs = 0;
    int flow = -1; // index into flows(), or -1 for a one-packet flow (SYN flood)
    int source = 0;
    // A one-packet flow's hash input, valid until the next call to next(); a known flow's is
    // flows()[flow].input (not copied here: the generator touches as little memory per packet
    // as it can).
    const std::uint8_t *input = nullptr;
    std::uint8_t inputLength = 0;
    std::uint16_t bytes = 0;
};

class TrafficGenerator
{
public:
    // Reads capture files (throws CaptureError) and draws the flows.
    explicit TrafficGenerator(const Scenario &scenario);
    ~TrafficGenerator();
    TrafficGenerator(const TrafficGenerator &) = delete;
    TrafficGenerator &operator=(const TrafficGenerator &) = delete;

    const std::vector<Flow> &flows() const;
    // The next arrival in time order; false when every source has ended.
    bool next(Arrival &arrival);
    // Notes from reading captures ("3 records were not IPv4 or IPv6 over Ethernet").
    QStringList notes() const;

private:
    struct State;
    std::unique_ptr<State> m_state;
};

// The hash input of a tuple, written into `out` without allocating; returns its length.
std::uint8_t writeHashInput(const FlowTuple &tuple, std::array<std::uint8_t, 36> &out);

} // namespace vmwb::rss
