#pragma once

// What a receive-side scaling simulation runs: the NIC, the cores, the steering mode and the
// traffic. Read from a small JSON file (exercises/rss/*.json); every number has a default, and
// a bad field is reported by name ("traffic[1].flows: ...").
//
// Costs are teaching assumptions of the right order, not measurements of one machine: a core
// spends `packet_ns` per packet in the stack and `interrupt_ns` per hardware interrupt. The
// Linux constants are Linux's: NAPI's poll weight of 64 (NAPI_POLL_WEIGHT) and a backlog of
// 1,000 packets per core (net.core.netdev_max_backlog).

#include "rss/Toeplitz.h"

#include <QJsonObject>
#include <QString>
#include <cstdint>
#include <limits>
#include <optional>
#include <stdexcept>
#include <vector>

namespace vmwb::rss {

// Where a received packet is processed.
enum class SteeringMode
{
    SingleQueue, // one receive queue, one core: no scaling at all
    Rss,         // the NIC hashes, the RETA picks a queue, the queue's MSI-X vector a core
    Rps,         // one hardware queue; its core hashes in software and hands each packet to the
                 // target core's backlog (Linux's receive packet steering)
};
QString steeringModeName(SteeringMode mode); // "single", "rss", "rps"
std::optional<SteeringMode> steeringModeFromName(const QString &name);

struct NicConfig
{
    int queues = 8;              // receive queues, 1..64
    int retaSize = 128;          // indirection table entries
    std::vector<int> reta;       // bucket -> queue; empty: round-robin
    std::vector<int> queueCores; // queue -> core (its MSI-X vector's affinity); empty: q % cores
    int ringSize = 512;          // descriptors per receive ring; a full ring drops
    std::vector<std::uint8_t> key = microsoftKey();
    QString keyName = QStringLiteral("microsoft"); // "microsoft", "symmetric" or "custom"
    std::uint64_t moderationNs = 50'000;           // at most one interrupt per vector per interval
};

struct CoreConfig
{
    int count = 8;                     // cores, 1..64
    std::uint32_t packetNs = 700;      // stack processing per packet
    std::uint32_t interruptNs = 2'000; // per hardware interrupt (entry, handler, NAPI schedule)
    int napiWeight = 64;               // packets per queue per poll round
    std::uint32_t rpsSteerNs = 150;    // RPS: hash and enqueue on the receiving core, per packet
    std::uint32_t ipiNs = 1'000;       // RPS: the inter-processor interrupt waking a target core
    int backlogSize = 1'000;           // RPS: packets a core's backlog holds; more are dropped
};

enum class TrafficKind
{
    Uniform,  // `flows` flows sharing the rate equally
    Zipf,     // `flows` flows whose rates follow Zipf's law: a few elephants, many mice
    Elephant, // one flow carrying the whole rate
    SynFlood, // one SYN per packet from a spoofed random source: every packet a new flow
    Capture,  // a pcap capture file, replayed with its own timing
};
QString trafficKindName(TrafficKind kind); // "uniform", "zipf", "elephant", "syn-flood", "capture"

struct TrafficSpec
{
    TrafficKind kind = TrafficKind::Zipf;
    QString label; // shown in the pane; defaults to the kind
    int flows = 1'000;
    double packetsPerSecond = 4e6; // the source's total rate (Poisson arrivals)
    double zipfExponent = 1.0;
    bool udp = false;
    bool ipv6 = false;
    int packetBytes = 1'500;
    std::uint64_t startNs = 0;
    std::uint64_t endNs = std::numeric_limits<std::uint64_t>::max();
    QString captureFile;       // Capture: resolved against the scenario's folder
    double captureSpeed = 1.0; // Capture: 2 replays twice as fast
    bool captureLoop = true;   // Capture: start again when it ends
};

struct Scenario
{
    QString name = QStringLiteral("Zipf flows over eight cores");
    QString description;
    SteeringMode mode = SteeringMode::Rss;
    NicConfig nic;
    CoreConfig cores;
    std::vector<TrafficSpec> traffic{TrafficSpec{}};
    std::uint64_t durationNs = 100'000'000; // 100 ms
    std::uint64_t sampleNs = 1'000'000;     // one time-series point per millisecond
    std::uint64_t seed = 1;
    std::uint64_t maxPackets = 0; // stop after this many arrivals (0: no limit)
    QString folder;               // where relative capture files are found
};

class ScenarioError : public std::runtime_error
{
public:
    using std::runtime_error::runtime_error;
};

// Parses a scenario; errors name `fileName` and the field. Throws ScenarioError.
Scenario parseScenario(const QByteArray &json, const QString &fileName);
Scenario loadScenario(const QString &path);
// The JSON form parseScenario reads back.
QJsonObject scenarioToJson(const Scenario &scenario);
// Checks ranges (queues 1..64, RETA entries < queues, key long enough, ...); throws
// ScenarioError naming the field. parseScenario calls it; call it again after editing.
void validateScenario(const Scenario &scenario, const QString &fileName = {});

} // namespace vmwb::rss
