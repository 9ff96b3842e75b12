// The receive-side scaling simulation: what the lecture says about it (many flows balance, one
// big flow does not, whatever the number of queues), how the NIC and cores behave (rings drop
// when full, interrupt moderation, NAPI, RPS's software steering), RETA editing and
// rebalancing, determinism, and the scenario files with their errors.

#include "rss/Capture.h"
#include "rss/Scenario.h"
#include "rss/Simulation.h"
#include "rss/Traffic.h"

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QTest>
#include <numeric>

using namespace vmwb::rss;

namespace {

constexpr std::uint64_t kMs = 1'000'000;

Scenario scenarioWith(std::vector<TrafficSpec> traffic, int queues = 8, int cores = 8)
{
    Scenario s;
    s.nic.queues = queues;
    s.cores.count = cores;
    s.traffic = std::move(traffic);
    s.durationNs = 20 * kMs;
    return s;
}

TrafficSpec source(TrafficKind kind, int flows, double pps)
{
    TrafficSpec t;
    t.kind = kind;
    t.flows = kind == TrafficKind::Elephant ? 1 : flows;
    t.packetsPerSecond = pps;
    return t;
}

int busyCores(const Totals &totals)
{
    return static_cast<int>(std::count_if(totals.corePackets.begin(), totals.corePackets.end(),
                                          [](std::uint64_t p) { return p > 0; }));
}

QString exercisesDir()
{
    return QStringLiteral(VMWB_SOURCE_DIR "/exercises/rss");
}

} // namespace

class TestRssSimulation : public QObject
{
    Q_OBJECT

private slots:
    void singleElephantLandsOnOneCoreWhateverTheQueues_data();
    void singleElephantLandsOnOneCoreWhateverTheQueues();
    void balanceImprovesWithFlowCount();
    void singleQueueModeUsesOneCore();
    void overloadedCoreDropsAndEveryPacketIsAccountedFor_data();
    void overloadedCoreDropsAndEveryPacketIsAccountedFor();
    void interruptModerationAndNapiLimitInterrupts();
    void rpsSteersByTheLinuxFormulaAndPaysForIt();
    void queueAffinityPlacesQueuesOnCores();
    void retaEditTakesEffectMidRun();
    void rebalancingLowersImbalanceButCannotSplitAnElephant();
    void rebalanceRetaMovesOnlyWhatHelps();
    void symmetricKeyKeepsBothDirectionsOnOneCore();
    void zipfSharesFollowTheLaw();
    void synFloodSpreadsOverEveryCore();
    void sameSeedSameRunOtherSeedOtherRun();
    void captureReplay();
    void captureErrorsNameTheFile();
    void scenarioErrorsNameTheField_data();
    void scenarioErrorsNameTheField();
    void scenarioRoundTrip();
    void exerciseScenariosLoadAndRun_data();
    void exerciseScenariosLoadAndRun();
    void outputFormats();
    void packetLimitEndsTheRunWithItsSample();
};

void TestRssSimulation::singleElephantLandsOnOneCoreWhateverTheQueues_data()
{
    QTest::addColumn<int>("queues");
    for (int n : {1, 2, 4, 8, 16, 64})
        QTest::addRow("%d queues", n) << n;
}

void TestRssSimulation::singleElephantLandsOnOneCoreWhateverTheQueues()
{
    QFETCH(int, queues);
    ReceiveSimulation simulation(
        scenarioWith({source(TrafficKind::Elephant, 1, 3e6)}, queues, queues));
    simulation.run();
    const Totals totals = simulation.totals();
    QCOMPARE(busyCores(totals), 1);
    const FlowStats &elephant = simulation.flows().front();
    QVERIFY(totals.corePackets[static_cast<std::size_t>(elephant.core)] > 0);
    QCOMPARE(elephant.core, simulation.coreOfHash(elephant.hash));
    // 3 Mpps is more than a core does at 700 ns a packet: the one core is saturated and drops,
    // however many queues there are.
    QVERIFY(totals.drops > totals.offered / 3);
    QCOMPARE(totals.imbalance, static_cast<double>(queues));
}

void TestRssSimulation::balanceImprovesWithFlowCount()
{
    // Equal flows, light load (no drops), 8 queues on 8 cores: the imbalance falls towards 1
    // as the flow count grows.
    std::vector<double> imbalances;
    for (int flows : {1, 4, 32, 256, 4096}) {
        Scenario s = scenarioWith({source(TrafficKind::Uniform, flows, 1e6)});
        ReceiveSimulation simulation(s);
        simulation.run();
        const Totals totals = simulation.totals();
        QCOMPARE(totals.drops, 0U);
        imbalances.push_back(totals.imbalance);
        qInfo("%5d flows: imbalance %.2f on %d busy cores", flows, totals.imbalance,
              busyCores(totals));
    }
    QCOMPARE(imbalances.front(), 8.0);
    for (std::size_t i = 1; i < imbalances.size(); ++i)
        QVERIFY2(imbalances[i] < imbalances[i - 1], qPrintable(QString::number(i)));
    QVERIFY(imbalances.back() < 1.1);
}

void TestRssSimulation::singleQueueModeUsesOneCore()
{
    Scenario s = scenarioWith({source(TrafficKind::Uniform, 1000, 1e6)});
    s.mode = SteeringMode::SingleQueue;
    ReceiveSimulation simulation(s);
    simulation.run();
    const Totals totals = simulation.totals();
    QCOMPARE(simulation.queueCount(), 1);
    QCOMPARE(busyCores(totals), 1);
    QVERIFY(totals.corePackets[0] > 0);
    for (const FlowStats &f : simulation.flows())
        QCOMPARE(f.core, 0);
}

void TestRssSimulation::overloadedCoreDropsAndEveryPacketIsAccountedFor_data()
{
    QTest::addColumn<int>("mode");
    QTest::newRow("single") << static_cast<int>(SteeringMode::SingleQueue);
    QTest::newRow("rss") << static_cast<int>(SteeringMode::Rss);
    QTest::newRow("rps") << static_cast<int>(SteeringMode::Rps);
}

void TestRssSimulation::overloadedCoreDropsAndEveryPacketIsAccountedFor()
{
    QFETCH(int, mode);
    // 12 Mpps for 10 ms, then 10 ms of quiet to drain the rings and backlogs.
    TrafficSpec traffic = source(TrafficKind::Zipf, 500, 12e6);
    traffic.endNs = 10 * kMs;
    Scenario s = scenarioWith({traffic});
    s.mode = static_cast<SteeringMode>(mode);
    ReceiveSimulation simulation(s);
    simulation.run();
    const Totals totals = simulation.totals();
    QVERIFY(totals.drops > 0);
    QCOMPARE(totals.processed + totals.drops, totals.offered);
    for (int occupancy : simulation.ringOccupancy())
        QCOMPARE(occupancy, 0);
    // A saturated core works all the time while it drops.
    bool saturated = false;
    for (const Sample &sample : simulation.samples()) {
        for (std::size_t c = 0; c < sample.cores.size(); ++c) {
            if (sample.cores[c].drops > 0 && sample.load(static_cast<int>(c), s.sampleNs) > 0.99)
                saturated = true;
        }
    }
    QVERIFY(saturated);
}

void TestRssSimulation::interruptModerationAndNapiLimitInterrupts()
{
    // A trickle: every packet finds its queue idle, but moderation allows one interrupt per
    // 50 us per queue.
    Scenario light = scenarioWith({source(TrafficKind::Elephant, 1, 10'000)}, 1, 1);
    ReceiveSimulation trickle(light);
    trickle.run();
    const Totals few = trickle.totals();
    QVERIFY(few.offered > 150);
    // About 100 us apart: nearly one interrupt each; two packets share one only when the
    // second comes while moderation holds back the first one's interrupt.
    QVERIFY(few.interrupts <= few.processed);
    QVERIFY(few.interrupts > few.processed * 8 / 10);

    Scenario heavy = scenarioWith({source(TrafficKind::Elephant, 1, 1e6)}, 1, 1);
    ReceiveSimulation flood(heavy);
    flood.run();
    const Totals many = flood.totals();
    const std::uint64_t bound = heavy.durationNs / heavy.nic.moderationNs + 1;
    QVERIFY2(many.interrupts <= bound, qPrintable(QString::number(many.interrupts)));
    QVERIFY(many.processed > 50 * many.interrupts); // NAPI polls many packets per interrupt

    heavy.nic.moderationNs = 0;
    ReceiveSimulation unmoderated(heavy);
    unmoderated.run();
    QVERIFY(unmoderated.totals().interrupts > many.interrupts);
}

void TestRssSimulation::rpsSteersByTheLinuxFormulaAndPaysForIt()
{
    Scenario s = scenarioWith({source(TrafficKind::Uniform, 2000, 2e6)});
    s.mode = SteeringMode::Rps;
    s.nic.queues = 8; // ignored: RPS uses one hardware queue
    ReceiveSimulation simulation(s);
    simulation.run();
    QCOMPARE(simulation.queueCount(), 1);
    for (const FlowStats &f : simulation.flows()) {
        const auto expected = static_cast<int>((static_cast<std::uint64_t>(f.hash) * 8) >> 32);
        QCOMPARE(f.core, expected);
    }
    const Totals totals = simulation.totals();
    QCOMPARE(busyCores(totals), 8);
    QVERIFY(totals.imbalance < 1.15);
    QVERIFY(totals.ipis > 0);
    std::uint64_t steered = 0;
    for (const Sample &sample : simulation.samples())
        steered += sample.cores[0].steered;
    QCOMPARE(steered, totals.processed + totals.drops);
    // The receiving core hashes every packet on top of its own share of the stack work.
    QVERIFY(totals.coreBusyNs[0] > 2 * totals.coreBusyNs[1]);

    // The same traffic under RSS costs the cores less in all.
    s.mode = SteeringMode::Rss;
    ReceiveSimulation rss(s);
    rss.run();
    const Totals hardware = rss.totals();
    const auto sum = [](const std::vector<std::uint64_t> &v) {
        return std::accumulate(v.begin(), v.end(), std::uint64_t{0});
    };
    QVERIFY(sum(hardware.coreBusyNs) < sum(totals.coreBusyNs));
}

void TestRssSimulation::queueAffinityPlacesQueuesOnCores()
{
    Scenario s = scenarioWith({source(TrafficKind::Uniform, 4000, 1e6)}, 4, 8);
    s.nic.queueCores = {7, 6, 5, 4};
    ReceiveSimulation simulation(s);
    simulation.run();
    const Totals totals = simulation.totals();
    for (int c = 0; c < 4; ++c)
        QCOMPARE(totals.corePackets[static_cast<std::size_t>(c)], 0U);
    for (int c = 4; c < 8; ++c)
        QVERIFY(totals.corePackets[static_cast<std::size_t>(c)] > 0);
    QCOMPARE(simulation.coreOfQueue(0), 7);
}

void TestRssSimulation::retaEditTakesEffectMidRun()
{
    Scenario s = scenarioWith({source(TrafficKind::Uniform, 1000, 1e6)});
    ReceiveSimulation simulation(s);
    simulation.runUntil(10 * kMs);
    QVERIFY(simulation.samples().back().cores[3].packets > 0);
    simulation.setReta(std::vector<int>(128, 5));
    simulation.run();
    // One sample after the switch (in-flight packets drain), only core 5 works.
    const Sample &last = simulation.samples().back();
    for (std::size_t c = 0; c < 8; ++c) {
        if (c == 5)
            QVERIFY(last.cores[c].packets > 0);
        else
            QCOMPARE(last.cores[c].packets, 0U);
    }
    for (const FlowStats &f : simulation.flows())
        QCOMPARE(f.queue, 5);
    QVERIFY_THROWS_EXCEPTION(ScenarioError, simulation.setReta(std::vector<int>(128, 8)));
    QVERIFY_THROWS_EXCEPTION(ScenarioError, simulation.setReta(std::vector<int>(64, 0)));
}

void TestRssSimulation::rebalancingLowersImbalanceButCannotSplitAnElephant()
{
    // 24 equal flows on 8 queues: lumpy. Rebalancing from the measured bucket loads evens it.
    Scenario s = scenarioWith({source(TrafficKind::Uniform, 24, 2e6)});
    s.durationNs = 40 * kMs;
    ReceiveSimulation simulation(s);
    simulation.runUntil(20 * kMs);
    const double before = simulation.totals().imbalance;
    const Rebalancing rebalanced = rebalanceReta(simulation.reta(), simulation.bucketPackets(), 8);
    QVERIFY(!rebalanced.moves.empty());
    simulation.setReta(rebalanced.reta);
    simulation.run();
    std::vector<std::uint64_t> after(8, 0);
    for (std::size_t i = 21; i < simulation.samples().size(); ++i) {
        for (std::size_t c = 0; c < 8; ++c)
            after[c] += simulation.samples()[i].cores[c].packets;
    }
    const double mean =
        static_cast<double>(std::accumulate(after.begin(), after.end(), std::uint64_t{0})) / 8;
    const double afterImbalance =
        static_cast<double>(*std::max_element(after.begin(), after.end())) / mean;
    qInfo("imbalance %.2f before, %.2f after %zu moves", before, afterImbalance,
          rebalanced.moves.size());
    QVERIFY(afterImbalance < before);
    QVERIFY(afterImbalance < 1.5);

    // An elephant: rebalancing moves the mice that shared its queue away, but the elephant's
    // bucket stays, and its core is still the busiest and still drops.
    Scenario e = scenarioWith(
        {source(TrafficKind::Uniform, 200, 1e6), source(TrafficKind::Elephant, 1, 2e6)});
    ReceiveSimulation elephant(e);
    elephant.runUntil(10 * kMs);
    const int elephantBucket = elephant.flows().back().bucket;
    const Rebalancing moved = rebalanceReta(elephant.reta(), elephant.bucketPackets(), 8);
    QVERIFY(!moved.moves.empty());
    for (const RetaMove &m : moved.moves)
        QVERIFY(m.bucket != elephantBucket);
    elephant.setReta(moved.reta);
    elephant.run();
    const Sample &last = elephant.samples().back();
    const auto elephantCore = static_cast<std::size_t>(elephant.flows().back().core);
    QVERIFY(last.cores[elephantCore].drops > 0);
    for (const CoreSample &core : last.cores)
        QVERIFY(core.packets <= last.cores[elephantCore].packets);
}

void TestRssSimulation::rebalanceRetaMovesOnlyWhatHelps()
{
    // Queue 0 has a hot bucket (100) and two warm ones (10 each); queue 1 is idle. The warm
    // ones move (120/0 -> 110/10 -> 100/20); then nothing helps, since no queue can carry less
    // than the hottest bucket: a bucket is never split, and the hot one stays put.
    const Rebalancing r = rebalanceReta({0, 0, 0, 1}, {100, 10, 10, 0}, 2);
    QCOMPARE(r.moves.size(), std::size_t{2});
    QCOMPARE(r.moves[0].toQueue, 1);
    QCOMPARE(r.reta, (std::vector<int>{0, 1, 1, 1}));
    // Four warm buckets on one queue of two: two of them move.
    QCOMPARE(rebalanceReta({0, 0, 0, 0}, {10, 10, 10, 10}, 2).moves.size(), std::size_t{2});
    // Already even: nothing to do.
    QVERIFY(rebalanceReta({0, 1}, {5, 5}, 2).moves.empty());
    QCOMPARE(roundRobinReta(6, 4), (std::vector<int>{0, 1, 2, 3, 0, 1}));
}

void TestRssSimulation::symmetricKeyKeepsBothDirectionsOnOneCore()
{
    Scenario s = scenarioWith({source(TrafficKind::Uniform, 64, 1e6)});
    s.nic.key = symmetricKey();
    s.nic.keyName = QStringLiteral("symmetric");
    ReceiveSimulation simulation(s);
    for (const FlowStats &f : simulation.flows()) {
        FlowTuple reverse = f.tuple;
        std::swap(reverse.source, reverse.destination);
        std::swap(reverse.sourcePort, reverse.destinationPort);
        const std::vector<std::uint8_t> input = hashInput(reverse);
        QCOMPARE(simulation.coreOfHash(simulation.table().hash(input)), f.core);
    }
}

void TestRssSimulation::zipfSharesFollowTheLaw()
{
    Scenario s = scenarioWith({source(TrafficKind::Zipf, 100, 2e6)});
    TrafficGenerator generator(s);
    double harmonic = 0;
    for (int k = 1; k <= 100; ++k)
        harmonic += 1.0 / k;
    QCOMPARE(generator.flows().size(), std::size_t{100});
    QVERIFY(qAbs(generator.flows()[0].share - 1.0 / harmonic) < 1e-9);
    QVERIFY(qAbs(generator.flows()[9].share - 0.1 / harmonic) < 1e-9);
    ReceiveSimulation simulation(s);
    simulation.run();
    const double measured = static_cast<double>(simulation.flows()[0].packets) /
                            static_cast<double>(simulation.totals().offered);
    QVERIFY2(qAbs(measured - 1.0 / harmonic) < 0.01, qPrintable(QString::number(measured)));
    // Poisson arrivals at the rate asked for, within 1 %.
    QVERIFY(qAbs(static_cast<double>(simulation.totals().offered) - 40'000.0) < 400);
}

void TestRssSimulation::synFloodSpreadsOverEveryCore()
{
    Scenario s = scenarioWith({source(TrafficKind::SynFlood, 1, 4e6)});
    ReceiveSimulation simulation(s);
    simulation.run();
    const Totals totals = simulation.totals();
    QCOMPARE(busyCores(totals), 8);
    QVERIFY(totals.imbalance < 1.05);
    QCOMPARE(simulation.flows().size(), std::size_t{1});
    QVERIFY(simulation.flows().front().manySources);
    QCOMPARE(simulation.flows().front().packets, totals.offered);
}

void TestRssSimulation::sameSeedSameRunOtherSeedOtherRun()
{
    Scenario s =
        scenarioWith({source(TrafficKind::Zipf, 300, 3e6), source(TrafficKind::SynFlood, 1, 1e6)});
    ReceiveSimulation a(s), b(s);
    a.run();
    b.run();
    QCOMPARE(samplesCsv(a), samplesCsv(b));
    // Running in slices, as the pane does, gives the same series.
    ReceiveSimulation sliced(s);
    for (std::uint64_t t = 0; !sliced.finished(); t += 333'333)
        sliced.runUntil(t);
    QCOMPARE(samplesCsv(sliced), samplesCsv(a));
    s.seed = 2;
    ReceiveSimulation c(s);
    c.run();
    QVERIFY(samplesCsv(c) != samplesCsv(a));
}

void TestRssSimulation::captureReplay()
{
    QTemporaryDir dir;
    std::vector<CapturedPacket> packets;
    for (int i = 0; i < 100; ++i) {
        CapturedPacket p;
        p.timeNs = static_cast<std::uint64_t>(i) * 10'000; // 100 kpps
        p.tuple.source = {10, 0, 0, static_cast<std::uint8_t>(1 + i % 5)};
        p.tuple.destination = {198, 51, 100, 10};
        p.tuple.sourcePort = static_cast<std::uint16_t>(40000 + i % 5);
        p.tuple.destinationPort = 443;
        p.protocol = 6;
        p.wireLength = 1500;
        packets.push_back(p);
    }
    writeCapture(dir.filePath(QStringLiteral("five.pcap")), packets);
    Scenario s = scenarioWith({});
    TrafficSpec replay;
    replay.kind = TrafficKind::Capture;
    replay.captureFile = QStringLiteral("five.pcap");
    replay.captureLoop = false;
    s.traffic = {replay};
    s.folder = dir.path();
    ReceiveSimulation once(s);
    once.run();
    QCOMPARE(once.flows().size(), std::size_t{5});
    QCOMPARE(once.totals().offered, 100U);
    for (const FlowStats &f : once.flows())
        QCOMPARE(f.packets, 20U);
    // Looped and replayed twice as fast: a 1 ms capture (with one gap) 40 times in 20 ms.
    s.traffic[0].captureLoop = true;
    s.traffic[0].captureSpeed = 2.0;
    ReceiveSimulation looped(s);
    looped.run();
    QCOMPARE(looped.totals().offered, 4000U);
}

void TestRssSimulation::captureErrorsNameTheFile()
{
    QTemporaryDir dir;
    QFile text(dir.filePath(QStringLiteral("notes.pcap")));
    QVERIFY(text.open(QIODevice::WriteOnly));
    text.write("this is not a capture\n");
    text.close();
    Scenario s = scenarioWith({});
    TrafficSpec replay;
    replay.kind = TrafficKind::Capture;
    replay.captureFile = QStringLiteral("notes.pcap");
    s.traffic = {replay};
    s.folder = dir.path();
    try {
        ReceiveSimulation simulation(s);
        QFAIL("a text file was read as a capture");
    } catch (const CaptureError &error) {
        QVERIFY2(QString::fromStdString(error.what()).contains(QStringLiteral("notes.pcap")),
                 error.what());
    }
}

void TestRssSimulation::scenarioErrorsNameTheField_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("expected");
    QTest::newRow("not json") << QByteArray("{ \"mode\": ") << "not valid JSON";
    QTest::newRow("not an object") << QByteArray("[1, 2]") << "must be a JSON object";
    QTest::newRow("unknown field")
        << QByteArray(R"({"nic": {"queus": 4}})") << "nic.queus: unknown field";
    QTest::newRow("too many queues")
        << QByteArray(R"({"nic": {"queues": 65}})") << "nic.queues: must be between 1 and 64";
    QTest::newRow("fractional queues")
        << QByteArray(R"({"nic": {"queues": 2.5}})") << "nic.queues: must be a whole number";
    QTest::newRow("reta entry")
        << QByteArray(R"({"nic": {"queues": 2, "reta_size": 4, "reta": [0, 1, 2, 0]}})")
        << "nic.reta[2]: queue 2 does not exist";
    QTest::newRow("reta length") << QByteArray(R"({"nic": {"reta_size": 4, "reta": [0, 1]}})")
                                 << "nic.reta: has 2 entries";
    QTest::newRow("queue core")
        << QByteArray(R"({"nic": {"queues": 2, "queue_cores": [0, 9]}, "cores": {"count": 4}})")
        << "nic.queue_cores[1]: core 9 does not exist";
    QTest::newRow("mode") << QByteArray(R"({"mode": "rfs"})")
                          << "mode: must be \"single\", \"rss\" or \"rps\"";
    QTest::newRow("kind") << QByteArray(R"({"traffic": [{"kind": "zipf"}, {"kind": "whale"}]})")
                          << "traffic[1].kind: must be";
    QTest::newRow("elephant flows")
        << QByteArray(R"({"traffic": [{"kind": "elephant", "flows": 3}]})")
        << "traffic[0].flows: an elephant is one flow";
    QTest::newRow("key") << QByteArray(R"({"nic": {"key": "xyz"}})") << "nic.key: must be";
    QTest::newRow("short key") << QByteArray(R"({"nic": {"key": "6d5a56da255b0ec24167253d"}})")
                               << "nic.key: is 12 bytes; traffic[0] needs at least 16";
    QTest::newRow("short key for ipv6")
        << QByteArray(
               R"({"nic": {"key": "6d5a56da255b0ec24167253d43a38fb0"}, "traffic": [{"ipv6": true}]})")
        << "nic.key: is 16 bytes; traffic[0] needs at least 40";
    QTest::newRow("capture without file") << QByteArray(R"({"traffic": [{"kind": "capture"}]})")
                                          << "traffic[0].file: a capture source needs";
    QTest::newRow("empty traffic")
        << QByteArray(R"({"traffic": []})") << "traffic: needs at least one source";
    QTest::newRow("negative rate")
        << QByteArray(R"({"traffic": [{"pps": -5}]})") << "traffic[0].pps: must be between";
    QTest::newRow("end before start")
        << QByteArray(R"({"traffic": [{"start_ms": 5, "end_ms": 2}]})")
        << "traffic[0].end_ms: must be after start_ms";
    QTest::newRow("sample longer than run")
        << QByteArray(R"({"duration_ms": 1, "sample_ms": 5})") << "sample_ms";
}

void TestRssSimulation::scenarioErrorsNameTheField()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, expected);
    try {
        parseScenario(json, QStringLiteral("lab.json"));
        QFAIL("the scenario was accepted");
    } catch (const ScenarioError &error) {
        const QString message = QString::fromStdString(error.what());
        QVERIFY2(message.startsWith(QStringLiteral("lab.json: ")), qPrintable(message));
        QVERIFY2(message.contains(expected), qPrintable(message));
    }
}

void TestRssSimulation::scenarioRoundTrip()
{
    const QByteArray json = R"({
        "name": "round trip", "mode": "rps", "duration_ms": 12, "sample_ms": 0.5, "seed": 9,
        "nic": {"queues": 4, "reta_size": 8, "reta": [3, 2, 1, 0, 0, 1, 2, 3], "queue_cores": [1, 1, 0, 0],
                "ring_size": 256, "key": "symmetric", "interrupt_moderation_us": 10},
        "cores": {"count": 2, "packet_ns": 500, "interrupt_ns": 1500, "napi_weight": 32,
                  "rps_steer_ns": 100, "ipi_ns": 800, "backlog": 300},
        "traffic": [{"kind": "zipf", "flows": 50, "pps": 100000, "zipf_exponent": 1.5, "protocol": "udp",
                     "ipv6": true, "bytes": 512, "start_ms": 1, "end_ms": 9}]
    })";
    const Scenario a = parseScenario(json, QStringLiteral("a.json"));
    QCOMPARE(a.mode, SteeringMode::Rps);
    QCOMPARE(a.sampleNs, 500'000U);
    QCOMPARE(a.nic.key, symmetricKey());
    QCOMPARE(a.traffic[0].endNs, 9 * kMs);
    const Scenario b =
        parseScenario(QJsonDocument(scenarioToJson(a)).toJson(), QStringLiteral("b.json"));
    QCOMPARE(QJsonDocument(scenarioToJson(b)).toJson(), QJsonDocument(scenarioToJson(a)).toJson());
    ReceiveSimulation x(a), y(b);
    x.run();
    y.run();
    QCOMPARE(samplesCsv(x), samplesCsv(y));
}

void TestRssSimulation::exerciseScenariosLoadAndRun_data()
{
    QTest::addColumn<QString>("path");
    const QStringList files =
        QDir(exercisesDir()).entryList({QStringLiteral("*.json")}, QDir::Files, QDir::Name);
    QVERIFY(files.size() >= 6);
    for (const QString &file : files)
        QTest::newRow(qPrintable(file)) << QDir(exercisesDir()).filePath(file);
}

void TestRssSimulation::exerciseScenariosLoadAndRun()
{
    QFETCH(QString, path);
    const Scenario scenario = loadScenario(path);
    QVERIFY(!scenario.description.isEmpty());
    ReceiveSimulation simulation(scenario);
    simulation.run();
    QVERIFY(simulation.finished());
    QCOMPARE(simulation.samples().size(),
             static_cast<std::size_t>(scenario.durationNs / scenario.sampleNs));
    QVERIFY(simulation.totals().processed > 0);
}

void TestRssSimulation::outputFormats()
{
    Scenario s = scenarioWith({source(TrafficKind::Uniform, 10, 1e5)}, 2, 2);
    s.durationNs = 3 * kMs;
    ReceiveSimulation simulation(s);
    simulation.run();
    const QList<QByteArray> lines = samplesCsv(simulation).trimmed().split('\n');
    QCOMPARE(lines.size(), 1 + 3 * 2);
    QVERIFY(lines[0].startsWith("time_ms,core,packets,packets_per_second,load"));
    QVERIFY(lines[1].startsWith("1.000,0,"));
    const QJsonObject json = simulationJson(simulation);
    QCOMPARE(json.value(QStringLiteral("samples")).toArray().size(), 3);
    QCOMPARE(json.value(QStringLiteral("totals"))
                 .toObject()
                 .value(QStringLiteral("offered"))
                 .toInteger(),
             static_cast<qint64>(simulation.totals().offered));
    QCOMPARE(json.value(QStringLiteral("flows")).toArray().size(), 10);
}

void TestRssSimulation::packetLimitEndsTheRunWithItsSample()
{
    // 1 Mpps for up to a second, but only 5,500 packets: the run ends with the sixth
    // millisecond's sample.
    Scenario s = scenarioWith({source(TrafficKind::Uniform, 100, 1e6)});
    s.durationNs = 1000 * kMs;
    s.maxPackets = 5'500;
    ReceiveSimulation simulation(s);
    simulation.run();
    QVERIFY(simulation.finished());
    QCOMPARE(simulation.totals().offered, 5'500U);
    QCOMPARE(simulation.samples().size(), std::size_t{6});
    QCOMPARE(simulation.now(), 6 * kMs);
    simulation.runUntil(2000 * kMs); // nothing more happens
    QCOMPARE(simulation.samples().size(), std::size_t{6});
}

QTEST_GUILESS_MAIN(TestRssSimulation)
#include "tst_rsssim.moc"
