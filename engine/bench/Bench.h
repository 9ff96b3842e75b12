#pragma once

// The engine's speed on this machine, each figure a ratio measured in the same run:
// trap-free compute loops under bare Unicorn (no hooks, no monitor) and under each technique,
// and the round trip of a trap (fault, emulate, resume).

#include <QJsonObject>
#include <QString>
#include <cstdint>
#include <vector>

namespace vmwb {

class CostPresets;
class TechniqueRegistry;

struct BenchOptions
{
    int repetitions = 5; // the fastest of these runs counts
};

struct BenchLoop
{
    QString name;
    QString description;
    std::uint64_t instructions = 0; // guest instructions per run
    double bareSeconds = 0;         // plain Unicorn, no hooks at all
    double blockHookSeconds = 0;    // plain Unicorn with an empty block hook
    std::vector<std::pair<QString, double>> techniqueSeconds;
    // Binary translation with the loop's final hlt moved to a page of its own: no patch on the
    // loop's page, so none of its reads need watching (see Machine::watchAccesses()).
    double unpatchedPageSeconds = 0;
    // Native execution with step-back snapshots every History::kDefaultInterval instructions,
    // as the window runs it.
    double historySeconds = 0;
    std::size_t snapshots = 0;
};

// One way into the monitor and back, timed as a loop of it against the same loop with the
// instruction(s) replaced by nops.
struct RoundTrip
{
    QString technique;
    QString what;            // e.g. "cli callout"
    std::uint64_t count = 0; // monitor entries per loop
    double loopSeconds = 0;
    double nopLoopSeconds = 0;
    double loggedSeconds = 0; // with every event stored and formatted

    double ns() const;
    double loggedNs() const;
};

struct BenchResult
{
    std::vector<BenchLoop> loops;
    std::vector<RoundTrip> roundTrips; // callouts, hypercalls (trap-and-emulate's below)
    std::uint64_t traps = 0;
    double trapLoopSeconds = 0;   // a loop of privileged instructions under trap-and-emulate
    double nopLoopSeconds = 0;    // the same loop with the instruction replaced by nop
    double trapLoggedSeconds = 0; // the trap loop with every event stored and formatted
    std::uint64_t loggedTraps = 0;

    // RSS: Toeplitz hashes of IPv4+TCP inputs (12 bytes) per second on one core, table-driven
    // and bit-serial.
    double rssTableHashesPerSecond = 0;
    double rssSerialHashesPerSecond = 0;
    // RSS: a 10-million-packet simulation (10,000 Zipf flows at 10 Mpps over 8 queues and 8
    // cores), fastest wall time from building the traffic to the last sample.
    std::uint64_t rssSimulationPackets = 0;
    double rssSimulationSeconds = 0;

    double trapRoundTripNs() const;
    double loggedTrapRoundTripNs() const;
};

// Throws EngineError if a benchmark program does not behave (e.g. the trap count is off).
BenchResult runBench(const TechniqueRegistry &techniques, const CostPresets &presets,
                     const BenchOptions &options);
QJsonObject benchJson(const BenchResult &result);
QString benchText(const BenchResult &result);

} // namespace vmwb
