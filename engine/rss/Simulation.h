#pragma once

// A NIC with receive-side scaling and the cores behind it, simulated packet by packet,
// deterministically (the same scenario and seed give the same numbers).
//
//   packet --Toeplitz(key, 5-tuple)--> hash --low bits--> RETA bucket --> queue --MSI-X--> core
//
// The NIC DMAs each packet into its queue's descriptor ring (a full ring drops it) and raises
// the queue's MSI-X interrupt unless the queue is already being polled or interrupt moderation
// holds it back. The core pays for the interrupt, then polls NAPI-style: up to `napiWeight`
// packets per queue per round, `packetNs` each, until the ring is empty; then it re-enables the
// queue's interrupt. A core that cannot keep up lets its rings fill, and the NIC drops.
//
// In RPS mode the NIC has one queue; its core hashes each packet in software (`rpsSteerNs`) and
// appends it to the backlog of core (hash * cores) >> 32, as Linux's get_rps_cpu picks from the
// RPS map; a remote core is woken by an IPI. Linux computes that software hash with its own flow
// hash; the workbench uses the same Toeplitz hash, so only where the work runs differs.

#include "rss/Scenario.h"
#include "rss/Traffic.h"

#include <cstdint>
#include <memory>
#include <vector>

namespace vmwb::rss {

struct CoreSample
{
    std::uint64_t packets = 0;    // processed by the stack on this core
    std::uint64_t steered = 0;    // RPS: hashed and handed on by this core
    std::uint64_t interrupts = 0; // hardware (MSI-X) interrupts taken
    std::uint64_t ipis = 0;       // RPS: wake-ups by another core
    std::uint64_t drops = 0;      // packets lost at this core's rings or backlog
    std::uint64_t busyNs = 0;     // time spent working in the interval
};

struct QueueSample
{
    std::uint64_t arrivals = 0; // packets the NIC steered to this queue
    std::uint64_t drops = 0;    // of which dropped: the ring was full
    int occupancy = 0;          // descriptors in use at the end of the interval
    int maxOccupancy = 0;       // the most in use during the interval
};

// One point of the time series: what happened in (timeNs - sampleNs, timeNs].
struct Sample
{
    std::uint64_t timeNs = 0;
    std::uint64_t offered = 0; // packets that reached the NIC
    std::vector<CoreSample> cores;
    std::vector<QueueSample> queues;
    // max / mean of the packets the cores processed (1 = perfectly even; `cores` when one core
    // does all the work). 0 when nothing was processed.
    double imbalance = 0.0;
    double load(int core, std::uint64_t sampleNs) const; // busy fraction, 0..1
};

// One flow's totals and where it lands. SYN-flood packets are one row for the whole source.
struct FlowStats
{
    QString label;
    int source = 0; // index into Scenario::traffic
    FlowTuple tuple;
    bool manySources = false; // the SYN flood's aggregate row: no single hash, bucket or core
    std::uint32_t hash = 0;
    int bucket = -1;
    int queue = -1;
    int core = -1;
    std::uint64_t packets = 0; // arrived
    std::uint64_t drops = 0;
};

struct Totals
{
    std::uint64_t offered = 0;
    std::uint64_t processed = 0;
    std::uint64_t drops = 0;
    std::uint64_t interrupts = 0;
    std::uint64_t ipis = 0;
    std::vector<std::uint64_t> corePackets;
    std::vector<std::uint64_t> coreBusyNs;
    double imbalance = 0.0; // max / mean of corePackets over the whole run
};

class ReceiveSimulation
{
public:
    // Throws ScenarioError (bad scenario) or CaptureError (unreadable capture).
    explicit ReceiveSimulation(Scenario scenario);
    ~ReceiveSimulation();
    ReceiveSimulation(const ReceiveSimulation &) = delete;
    ReceiveSimulation &operator=(const ReceiveSimulation &) = delete;

    const Scenario &scenario() const;

    // Simulates up to `timeNs` (capped at the scenario's duration), closing every sample whose
    // interval ends by then.
    void runUntil(std::uint64_t timeNs);
    // Simulates to the end of the scenario (or its packet limit).
    void run();
    bool finished() const;
    std::uint64_t now() const;

    const std::vector<Sample> &samples() const;
    const std::vector<FlowStats> &flows() const;
    Totals totals() const;
    // Packets that arrived per RETA bucket since the last setReta (or the start): what a
    // rebalancer looks at.
    const std::vector<std::uint64_t> &bucketPackets() const;
    // Current ring occupancy per queue.
    std::vector<int> ringOccupancy() const;

    const std::vector<int> &reta() const;
    // Replaces the indirection table from now on (as a driver rewrites the NIC's RETA).
    // Throws ScenarioError if its size differs or it names a queue that does not exist.
    void setReta(std::vector<int> reta);
    int queueCount() const; // hardware queues in use (1 in single and RPS modes)
    int coreCount() const;
    int coreOfQueue(int queue) const;
    // Where a hash is processed under the current mode and RETA.
    int queueOfHash(std::uint32_t hash) const;
    int coreOfHash(std::uint32_t hash) const;
    const ToeplitzTable &table() const;

private:
    struct State;
    std::unique_ptr<State> m_state;
};

// Rebalancing the indirection table as a driver or irqbalance-like daemon might: repeatedly
// move the busiest bucket that helps from the most loaded queue to the least loaded one, as
// long as that lowers the busier of the two. The hot queue's heaviest bucket stays (moving it
// would shift the hot spot, and a move reorders its flows' packets in flight). A bucket is
// never split: no queue ends up lighter than the hottest bucket, so an elephant's mice are
// moved away from it, but its core stays the busiest.
struct RetaMove
{
    int bucket = 0;
    int fromQueue = 0;
    int toQueue = 0;
    std::uint64_t packets = 0;
};
struct Rebalancing
{
    std::vector<int> reta;
    std::vector<RetaMove> moves;
};
Rebalancing rebalanceReta(const std::vector<int> &reta,
                          const std::vector<std::uint64_t> &bucketLoad, int queues);
// The default table: bucket i -> queue i mod queues.
std::vector<int> roundRobinReta(int retaSize, int queues);

// The time series as CSV (one row per sample and core) and the whole result as JSON.
QByteArray samplesCsv(const ReceiveSimulation &simulation);
QJsonObject simulationJson(const ReceiveSimulation &simulation);

} // namespace vmwb::rss
