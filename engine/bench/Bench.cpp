#include "bench/Bench.h"

#include "assembler/Assembler.h"
#include "machine/PhysicalMemory.h"
#include "machine/Platform.h"
#include "machine/UnicornCpu.h"
#include "rss/Simulation.h"
#include "rss/Toeplitz.h"
#include "run/History.h"
#include "run/Session.h"
#include "trace/CostModel.h"
#include "vmm/Technique.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QTextStream>
#include <QThread>
#include <algorithm>
#include <limits>

namespace vmwb {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("vmwb::Bench", text);
}

constexpr double kTechniqueGoal = 0.9;
constexpr double kBinaryTranslationGoal = 0.8; // after translation
const QString kBinaryTranslation = QStringLiteral("binary-translation");

double goalOf(const QString &technique)
{
    return technique == kBinaryTranslation ? kBinaryTranslationGoal : kTechniqueGoal;
}

// The loop with its final hlt on the next page: the loop's page then holds no patch.
QString withExitOnItsOwnPage(QString source)
{
    const QString hlt = QStringLiteral("    hlt\n");
    if (!source.endsWith(hlt))
        throw EngineError("a benchmark loop does not end with hlt");
    source.chop(hlt.size());
    return source + QStringLiteral("    jmp .exit\nalign 4096\n.exit:\n    hlt\n");
}
constexpr double kTrapGoalNs = 1000.0;

struct LoopSource
{
    const char *name;
    const char *description;
    std::uint64_t iterations;
    std::uint64_t instructionsPerIteration;
    std::uint64_t setupInstructions; // before the loop, including the final hlt
    const char *source;              // `%1` is the iteration count
};

// Trap-free compute loops: no privileged instruction runs until the final hlt.
const LoopSource kLoops[] = {
    {"arithmetic",
     QT_TRANSLATE_NOOP("vmwb::Bench", "a 4-instruction register loop (worst case "
                                      "for per-block costs)"),
     60'000'000, 4, 2,
     "    mov rcx, %1\n"
     ".loop:\n"
     "    inc rax\n"
     "    add rbx, rax\n"
     "    dec rcx\n"
     "    jnz .loop\n"
     "    hlt\n"},
    {"checksum",
     QT_TRANSLATE_NOOP("vmwb::Bench", "a rotate-and-xor checksum over a 64 KiB "
                                      "buffer, 8 instructions and one load per byte"),
     30'000'000, 8, 3,
     "    mov rcx, %1\n"
     "    mov rsi, 0x200000\n"
     ".loop:\n"
     "    movzx eax, byte [rsi]\n"
     "    add rbx, rax\n"
     "    rol rbx, 5\n"
     "    xor rbx, rax\n"
     "    lea rsi, [rsi + 1]\n"
     "    and rsi, 0x20ffff\n"
     "    dec rcx\n"
     "    jnz .loop\n"
     "    hlt\n"},
    {"unrolled",
     QT_TRANSLATE_NOOP("vmwb::Bench", "the checksum unrolled 8 times: 43 "
                                      "instructions per block"),
     12'000'000, 43, 3,
     "    mov rcx, %1\n"
     "    mov rsi, 0x200000\n"
     ".loop:\n"
     "%rep 8\n"
     "    movzx eax, byte [rsi]\n"
     "    add rbx, rax\n"
     "    rol rbx, 5\n"
     "    xor rbx, rax\n"
     "    lea rsi, [rsi + 1]\n"
     "%endrep\n"
     "    and rsi, 0x20ffff\n"
     "    dec rcx\n"
     "    jnz .loop\n"
     "    hlt\n"},
};

// A loop of `cli` under trap-and-emulate: every iteration is one trap.
constexpr std::uint64_t kTraps = 200'000;
constexpr const char *kTrapLoop = "    mov ecx, %1\n"
                                  ".loop:\n"
                                  "    %2\n"
                                  "    dec ecx\n"
                                  "    jnz .loop\n"
                                  "    hlt\n";

AssembledProgram assemble(const Assembler &assembler, const QString &source, const QString &name)
{
    AssemblerResult result = assembler.assemble(source, name);
    if (!result.ok()) {
        throw EngineError("benchmark program " + name.toStdString() +
                          " does not assemble: " + result.errors.front().toString().toStdString());
    }
    return std::move(*result.program);
}

// Plain Unicorn: the program at ring 0 in flat memory, no paging, no hooks.
class BareRun
{
public:
    BareRun(const AssembledProgram &program, bool withBlockHook)
        : m_memory(16 * 1024 * 1024, platform::kMonitorBase, 4096)
    {
        m_memory.write(program.loadAddress, program.code.constData(),
                       static_cast<std::size_t>(program.code.size()));
        m_cpu.mapHostMemory(0, m_memory.guestSize(), m_memory.guest().data());
        m_cpu.write(Register::Rsp, m_memory.guestSize());
        if (withBlockHook)
            m_cpu.setListener(&m_empty);
        m_start = program.loadAddress;
    }
    void run()
    {
        if (m_cpu.run(m_start) != CpuError::None)
            throw EngineError("a benchmark loop failed under bare Unicorn");
    }

private:
    class EmptyListener final : public CpuListener
    {
        void onBlock(std::uint64_t, std::uint32_t) override {}
        void onCodeHook(std::uint64_t) override {}
        void onInterrupt(std::uint32_t) override {}
        void onInvalidInstruction() override {}
        void onUnmappedAccess(MemoryAccess, std::uint64_t) override {}
        void onWriteToProtectedPage(std::uint64_t, std::size_t, std::uint64_t) override {}
    };
    PhysicalMemory m_memory;
    UnicornCpu m_cpu;
    EmptyListener m_empty;
    std::uint64_t m_start = 0;
};

template <typename Prepare, typename Run>
double fastest(int repetitions, Prepare &&prepare, Run &&run)
{
    double best = std::numeric_limits<double>::max();
    for (int i = 0; i < repetitions; ++i) {
        auto subject = prepare();
        QElapsedTimer timer;
        timer.start();
        run(*subject);
        best = std::min(best, static_cast<double>(timer.nsecsElapsed()) * 1e-9);
    }
    return best;
}

double sessionSeconds(const AssembledProgram &program, const QString &technique,
                      std::size_t eventLimit, std::uint64_t expectedInstructions,
                      std::uint64_t expectedTraps, const TechniqueRegistry &techniques,
                      const CostPresets &presets, int repetitions,
                      std::uint64_t snapshotInterval = 0, std::size_t *snapshots = nullptr)
{
    SessionOptions options;
    options.technique = technique;
    options.maxInstructions = expectedInstructions + 1000;
    options.eventLimit = eventLimit;
    options.snapshotInterval = snapshotInterval;
    options.pacedSnapshots = snapshotInterval != 0; // as the window runs
    return fastest(
        repetitions,
        [&] { return std::make_unique<Session>(program, options, techniques, presets); },
        [&](Session &session) {
            session.run();
            // Entries into the monitor: traps, callouts and hypercalls.
            const Trace &trace = session.trace();
            const std::uint64_t entries =
                trace.count(EventKind::Trap) + trace.count(EventKind::Callout) +
                trace.count(EventKind::Hypercall) + trace.count(EventKind::VmExit);
            if (session.status() != RunStatus::Halted ||
                session.instructions() != expectedInstructions || entries != expectedTraps) {
                throw EngineError("benchmark loop misbehaved under " + technique.toStdString() +
                                  ": " + std::to_string(session.instructions()) +
                                  " instructions, " + std::to_string(entries) +
                                  " entries into the monitor");
            }
            if (snapshots && session.history())
                *snapshots = session.history()->count();
        });
}

// Hashes `count` distinct IPv4+TCP inputs (a counter in the source port and address) and
// returns the fastest run's hashes per second; `sink` keeps the work from being optimized away.
template <typename Hash>
double hashesPerSecond(int repetitions, std::uint64_t count, Hash &&hash, std::uint32_t &sink)
{
    std::array<std::uint8_t, 12> input{10, 0, 0, 1, 192, 168, 1, 2, 0, 0, 1, 187};
    double best = std::numeric_limits<double>::max();
    for (int r = 0; r < repetitions; ++r) {
        QElapsedTimer timer;
        timer.start();
        std::uint32_t acc = 0;
        for (std::uint64_t i = 0; i < count; ++i) {
            input[3] = static_cast<std::uint8_t>(i);
            input[8] = static_cast<std::uint8_t>(i >> 8);
            input[9] = static_cast<std::uint8_t>(i >> 16);
            acc ^= hash(std::span<const std::uint8_t>(input));
        }
        best = std::min(best, static_cast<double>(timer.nsecsElapsed()) / 1e9);
        sink ^= acc;
    }
    return static_cast<double>(count) / best;
}

void measureRss(BenchResult &result, int repetitions)
{
    const auto &key = rss::microsoftKey();
    const rss::ToeplitzTable table(key);
    std::uint32_t sink = 0;
    result.rssTableHashesPerSecond = hashesPerSecond(
        repetitions, 20'000'000, [&](std::span<const std::uint8_t> in) { return table.hash(in); },
        sink);
    result.rssSerialHashesPerSecond = hashesPerSecond(
        repetitions, 1'000'000,
        [&](std::span<const std::uint8_t> in) { return rss::hashBitSerial(key, in); }, sink);
    // A volatile store keeps the hashes from being optimized away.
    [[maybe_unused]] volatile std::uint32_t observed = sink;

    rss::Scenario scenario;
    scenario.name = QStringLiteral("bench");
    scenario.durationNs = 2'000'000'000;
    scenario.maxPackets = 10'000'000;
    scenario.traffic[0].flows = 10'000;
    scenario.traffic[0].packetsPerSecond = 10e6;
    result.rssSimulationSeconds = std::numeric_limits<double>::max();
    for (int i = 0; i < std::max(1, std::min(repetitions, 3)); ++i) {
        QElapsedTimer timer;
        timer.start();
        rss::ReceiveSimulation simulation(scenario);
        simulation.run();
        result.rssSimulationSeconds =
            std::min(result.rssSimulationSeconds, static_cast<double>(timer.nsecsElapsed()) / 1e9);
        result.rssSimulationPackets = simulation.totals().offered;
    }
}

} // namespace

double RoundTrip::ns() const
{
    return count ? (loopSeconds - nopLoopSeconds) * 1e9 / static_cast<double>(count) : 0;
}

double RoundTrip::loggedNs() const
{
    return count ? (loggedSeconds - nopLoopSeconds) * 1e9 / static_cast<double>(count) : 0;
}

double BenchResult::trapRoundTripNs() const
{
    return traps ? (trapLoopSeconds - nopLoopSeconds) * 1e9 / static_cast<double>(traps) : 0;
}

double BenchResult::loggedTrapRoundTripNs() const
{
    return loggedTraps
               ? (trapLoggedSeconds - nopLoopSeconds) * 1e9 / static_cast<double>(loggedTraps)
               : 0;
}

BenchResult runBench(const TechniqueRegistry &techniques, const CostPresets &presets,
                     const BenchOptions &options)
{
    const Assembler assembler;
    BenchResult result;
    const int repetitions = std::max(1, options.repetitions);

    for (const LoopSource &loop : kLoops) {
        const AssembledProgram program =
            assemble(assembler, QString::fromLatin1(loop.source).arg(loop.iterations),
                     QLatin1String(loop.name));
        BenchLoop figures;
        figures.name = QLatin1String(loop.name);
        figures.description = tr(loop.description);
        figures.instructions =
            loop.iterations * loop.instructionsPerIteration + loop.setupInstructions;
        figures.bareSeconds = fastest(
            repetitions, [&] { return std::make_unique<BareRun>(program, false); },
            [](BareRun &run) { run.run(); });
        figures.blockHookSeconds = fastest(
            repetitions, [&] { return std::make_unique<BareRun>(program, true); },
            [](BareRun &run) { run.run(); });
        for (const TechniqueInfo &info : techniques.techniques()) {
            // The final hlt traps under a deprivileging technique, and exits under
            // hardware assistance (HLT exiting is on by default).
            const std::uint64_t traps = info.guestRing == 3 || info.virtualized ? 1 : 0;
            figures.techniqueSeconds.emplace_back(
                info.id,
                sessionSeconds(program, info.id, Trace::kDefaultStorageLimit, figures.instructions,
                               traps, techniques, presets, repetitions));
            if (info.id == kBinaryTranslation) {
                const AssembledProgram apart = assemble(
                    assembler,
                    withExitOnItsOwnPage(QString::fromLatin1(loop.source).arg(loop.iterations)),
                    QLatin1String(loop.name) + QStringLiteral("-exit-apart"));
                figures.unpatchedPageSeconds = sessionSeconds(
                    apart, info.id, Trace::kDefaultStorageLimit, figures.instructions + 1, traps,
                    techniques, presets, repetitions);
            }
        }
        figures.historySeconds = sessionSeconds(
            program, QStringLiteral("native"), Trace::kDefaultStorageLimit, figures.instructions, 0,
            techniques, presets, repetitions, History::kDefaultInterval, &figures.snapshots);
        result.loops.push_back(std::move(figures));
    }

    // Trap round trip: the same loop with cli (one trap per iteration) and with nop (none).
    const QString trapTechnique = QStringLiteral("trap-and-emulate");
    const AssembledProgram traps =
        assemble(assembler, QString::fromLatin1(kTrapLoop).arg(kTraps).arg(QStringLiteral("cli")),
                 QStringLiteral("trap-loop"));
    const AssembledProgram nops =
        assemble(assembler, QString::fromLatin1(kTrapLoop).arg(kTraps).arg(QStringLiteral("nop")),
                 QStringLiteral("nop-loop"));
    const std::uint64_t loopInstructions = 3 * kTraps + 2;
    result.traps = kTraps;
    result.trapLoopSeconds = sessionSeconds(traps, trapTechnique, 0, loopInstructions, kTraps + 1,
                                            techniques, presets, repetitions);
    result.nopLoopSeconds = sessionSeconds(nops, trapTechnique, 0, loopInstructions, 1, techniques,
                                           presets, repetitions);
    result.loggedTraps = kTraps;
    result.trapLoggedSeconds = sessionSeconds(traps, trapTechnique, kTraps + 10, loopInstructions,
                                              kTraps + 1, techniques, presets, repetitions);

    // The other ways into the monitor, where their techniques exist: a callout (the cli the
    // translator replaced) and a hypercall (xen_version, the cheapest, as XenoLinux uses to
    // force an event upcall).
    struct Entry
    {
        const char *technique;
        const char *what;
        const char *body;
        const char *nops;
        std::uint64_t instructionsPerIteration;
    };
    static constexpr std::array kEntries{
        Entry{"binary-translation", QT_TRANSLATE_NOOP("vmwb::Bench", "cli callout"), "cli", "nop",
              3},
        Entry{"paravirtual", QT_TRANSLATE_NOOP("vmwb::Bench", "xen_version hypercall"),
              "mov eax, 17\n    int 0x82", "mov eax, 17\n    nop", 4},
        // CPUID exits unconditionally; it overwrites the loop's counter in ECX.
        Entry{"hardware-assisted", QT_TRANSLATE_NOOP("vmwb::Bench", "cpuid VM exit"),
              "xor eax, eax\n    push rcx\n    cpuid\n    pop rcx",
              "xor eax, eax\n    push rcx\n    nop\n    pop rcx", 6},
    };
    for (const Entry &entry : kEntries) {
        const QString technique = QLatin1String(entry.technique);
        if (!techniques.contains(technique))
            continue;
        const AssembledProgram loop = assemble(
            assembler, QString::fromLatin1(kTrapLoop).arg(kTraps).arg(QLatin1String(entry.body)),
            technique + QStringLiteral("-loop"));
        const AssembledProgram nopLoop = assemble(
            assembler, QString::fromLatin1(kTrapLoop).arg(kTraps).arg(QLatin1String(entry.nops)),
            technique + QStringLiteral("-nop-loop"));
        const std::uint64_t instructions = entry.instructionsPerIteration * kTraps + 2;
        RoundTrip trip;
        trip.technique = technique;
        trip.what = tr(entry.what);
        trip.count = kTraps;
        trip.loopSeconds = sessionSeconds(loop, technique, 0, instructions, kTraps + 1, techniques,
                                          presets, repetitions);
        trip.nopLoopSeconds = sessionSeconds(nopLoop, technique, 0, instructions, 1, techniques,
                                             presets, repetitions);
        trip.loggedSeconds = sessionSeconds(loop, technique, kTraps + 10, instructions, kTraps + 1,
                                            techniques, presets, repetitions);
        result.roundTrips.push_back(trip);
    }
    measureRss(result, repetitions);
    return result;
}

QJsonObject benchJson(const BenchResult &result)
{
    QJsonObject json;
    json.insert(QStringLiteral("host_threads"), QThread::idealThreadCount());
    QJsonArray loops;
    bool techniquesMeetGoal = true;
    for (const BenchLoop &loop : result.loops) {
        QJsonObject entry;
        entry.insert(QStringLiteral("name"), loop.name);
        entry.insert(QStringLiteral("description"), loop.description);
        entry.insert(QStringLiteral("instructions"), static_cast<qint64>(loop.instructions));
        const auto rate = [&loop](double seconds) {
            return static_cast<double>(loop.instructions) / seconds / 1e6;
        };
        entry.insert(
            QStringLiteral("bare_unicorn"),
            QJsonObject{{QStringLiteral("seconds"), loop.bareSeconds},
                        {QStringLiteral("minstructions_per_second"), rate(loop.bareSeconds)}});
        entry.insert(QStringLiteral("bare_unicorn_with_block_hook"),
                     QJsonObject{{QStringLiteral("seconds"), loop.blockHookSeconds},
                                 {QStringLiteral("ratio_to_bare"),
                                  loop.bareSeconds / loop.blockHookSeconds}});
        QJsonObject techniques;
        for (const auto &[id, seconds] : loop.techniqueSeconds) {
            const double ratio = loop.bareSeconds / seconds;
            techniquesMeetGoal = techniquesMeetGoal && ratio >= goalOf(id);
            QJsonObject figures{{QStringLiteral("seconds"), seconds},
                                {QStringLiteral("minstructions_per_second"), rate(seconds)},
                                {QStringLiteral("ratio_to_bare"), ratio},
                                {QStringLiteral("goal"), goalOf(id)}};
            if (id == kBinaryTranslation && loop.unpatchedPageSeconds > 0) {
                figures.insert(
                    QStringLiteral("exit_on_its_own_page"),
                    QJsonObject{{QStringLiteral("seconds"), loop.unpatchedPageSeconds},
                                {QStringLiteral("ratio_to_bare"),
                                 loop.bareSeconds / loop.unpatchedPageSeconds},
                                {QStringLiteral("why"),
                                 QStringLiteral("no patch on the loop's page, so its reads are not "
                                                "hooked to report reads of patched bytes")}});
            }
            techniques.insert(id, figures);
        }
        entry.insert(QStringLiteral("techniques"), techniques);
        entry.insert(
            QStringLiteral("native_with_step_back_history"),
            QJsonObject{{QStringLiteral("seconds"), loop.historySeconds},
                        {QStringLiteral("ratio_to_bare"), loop.bareSeconds / loop.historySeconds},
                        {QStringLiteral("snapshot_interval"),
                         static_cast<qint64>(History::kDefaultInterval)},
                        {QStringLiteral("snapshots_kept"), static_cast<qint64>(loop.snapshots)}});
        loops.append(entry);
    }
    json.insert(QStringLiteral("loops"), loops);
    json.insert(
        QStringLiteral("trap_round_trip"),
        QJsonObject{{QStringLiteral("technique"), QStringLiteral("trap-and-emulate")},
                    {QStringLiteral("traps"), static_cast<qint64>(result.traps)},
                    {QStringLiteral("ns"), result.trapRoundTripNs()},
                    {QStringLiteral("ns_with_every_event_stored"), result.loggedTrapRoundTripNs()},
                    {QStringLiteral("trap_loop_seconds"), result.trapLoopSeconds},
                    {QStringLiteral("nop_loop_seconds"), result.nopLoopSeconds}});
    QJsonArray trips;
    for (const RoundTrip &trip : result.roundTrips) {
        trips.append(QJsonObject{{QStringLiteral("technique"), trip.technique},
                                 {QStringLiteral("what"), trip.what},
                                 {QStringLiteral("count"), static_cast<qint64>(trip.count)},
                                 {QStringLiteral("ns"), trip.ns()},
                                 {QStringLiteral("ns_with_every_event_stored"), trip.loggedNs()}});
    }
    json.insert(QStringLiteral("round_trips"), trips);
    json.insert(
        QStringLiteral("rss_toeplitz_ipv4_tcp"),
        QJsonObject{
            {QStringLiteral("table_hashes_per_second"), result.rssTableHashesPerSecond},
            {QStringLiteral("bit_serial_hashes_per_second"), result.rssSerialHashesPerSecond},
            {QStringLiteral("ratio"),
             result.rssTableHashesPerSecond / result.rssSerialHashesPerSecond},
            {QStringLiteral("goal_table_hashes_per_second"), 100e6}});
    json.insert(QStringLiteral("rss_simulation"),
                QJsonObject{{QStringLiteral("packets"), static_cast<qint64>(result.rssSimulationPackets)},
                            {QStringLiteral("seconds"), result.rssSimulationSeconds},
                            {QStringLiteral("packets_per_second"),
                             static_cast<double>(result.rssSimulationPackets) / result.rssSimulationSeconds},
                            {QStringLiteral("goal_seconds_below"), 1.0}});
    json.insert(
        QStringLiteral("goals"),
        QJsonObject{
            {QStringLiteral("technique_ratio_at_least"), kTechniqueGoal},
            {QStringLiteral("binary_translation_ratio_at_least"), kBinaryTranslationGoal},
            {QStringLiteral("technique_ratio_met"), techniquesMeetGoal},
            {QStringLiteral("trap_round_trip_ns_below"), kTrapGoalNs},
            {QStringLiteral("trap_round_trip_met"), result.trapRoundTripNs() < kTrapGoalNs}});
    return json;
}

QString benchText(const BenchResult &result)
{
    QString text;
    QTextStream out(&text);
    out << tr("Trap-free loops (fastest of the runs; ratio = bare Unicorn time / this time):")
        << "\n";
    for (const BenchLoop &loop : result.loops) {
        out << QStringLiteral("  %1: %2\n").arg(loop.name, loop.description);
        const auto line = [&](const QString &what, double seconds) {
            out << QStringLiteral("    %1 %2 s  %3 M instructions/s  ratio %4\n")
                       .arg(what, -28)
                       .arg(seconds, 7, 'f', 3)
                       .arg(static_cast<double>(loop.instructions) / seconds / 1e6, 7, 'f', 0)
                       .arg(loop.bareSeconds / seconds, 5, 'f', 2);
        };
        line(tr("bare Unicorn"), loop.bareSeconds);
        line(tr("bare Unicorn + block hook"), loop.blockHookSeconds);
        for (const auto &[id, seconds] : loop.techniqueSeconds) {
            line(id, seconds);
            if (id == kBinaryTranslation && loop.unpatchedPageSeconds > 0)
                line(tr("  exit on its own page"), loop.unpatchedPageSeconds);
        }
        line(tr("native + step-back snapshots"), loop.historySeconds);
    }
    out << tr("Goals: ratio %1 for every technique, %2 for binary translation after "
              "translation. Binary translation hooks the reads of every page it patched, to "
              "report guest reads of patched bytes; while it does, Unicorn sends all loads and "
              "stores through its slow path. With the final hlt on a page of its own, the loop's "
              "page holds no patch.")
               .arg(kTechniqueGoal, 0, 'f', 1)
               .arg(kBinaryTranslationGoal, 0, 'f', 1)
        << "\n";
    out << tr("Trap round trip under trap-and-emulate (%1 cli traps): %2 ns; with every event "
              "stored and formatted: %3 ns (goal: under %4 ns)")
               .arg(result.traps)
               .arg(result.trapRoundTripNs(), 0, 'f', 0)
               .arg(result.loggedTrapRoundTripNs(), 0, 'f', 0)
               .arg(kTrapGoalNs, 0, 'f', 0)
        << "\n";
    for (const RoundTrip &trip : result.roundTrips) {
        out << tr("Round trip under %1 (%2 x %3): %4 ns; with every event stored: %5 ns")
                   .arg(trip.technique)
                   .arg(trip.count)
                   .arg(trip.what)
                   .arg(trip.ns(), 0, 'f', 0)
                   .arg(trip.loggedNs(), 0, 'f', 0)
            << "\n";
    }
    out << tr("RSS Toeplitz hash of IPv4+TCP inputs on one core: table-driven %1 M/s, "
              "bit-serial %2 M/s (ratio %3; goal: over 100 M/s table-driven)")
               .arg(result.rssTableHashesPerSecond / 1e6, 0, 'f', 0)
               .arg(result.rssSerialHashesPerSecond / 1e6, 0, 'f', 1)
               .arg(result.rssTableHashesPerSecond / result.rssSerialHashesPerSecond, 0, 'f', 1)
        << "\n";
    out << tr("RSS simulation of %1 packets (10,000 Zipf flows at 10 Mpps, 8 queues, 8 cores): "
              "%2 s, %3 M packets/s (goal: under 1 s)")
               .arg(result.rssSimulationPackets)
               .arg(result.rssSimulationSeconds, 0, 'f', 2)
               .arg(static_cast<double>(result.rssSimulationPackets) / result.rssSimulationSeconds / 1e6, 0, 'f', 1)
        << "\n";
    return text;
}

} // namespace vmwb
