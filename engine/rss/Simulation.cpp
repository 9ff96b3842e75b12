#include "rss/Simulation.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <algorithm>
#include <deque>
#include <numeric>

namespace vmwb::rss {

namespace {

constexpr std::uint64_t kNever = std::numeric_limits<std::uint64_t>::max();

constexpr std::size_t ix(int i)
{
    return static_cast<std::size_t>(i);
}

struct Packet
{
    std::uint32_t hash = 0;
    std::int32_t flow = 0; // row of State::flowStats
};

// A receive ring (or, in RPS mode, a core's backlog): a bounded FIFO of packets.
struct Queue
{
    std::vector<Packet> ring;
    std::size_t head = 0;
    std::size_t count = 0;
    int core = 0;
    bool backlog = false;
    // The queue's interrupt: enabled until a packet arrives, then pending at irqAt, then off
    // while NAPI polls the queue, and enabled again when a poll finds the ring empty.
    bool irqEnabled = true;
    std::uint64_t irqAt = kNever;
    std::uint64_t nextIrqAllowed = 0; // interrupt moderation
    int budgetUsed = 0;
    QueueSample current;

    bool full() const { return count == ring.size(); }
    void push(const Packet &packet)
    {
        std::size_t tail = head + count;
        if (tail >= ring.size())
            tail -= ring.size();
        ring[tail] = packet;
        ++count;
        ++current.arrivals;
        current.maxOccupancy = std::max(current.maxOccupancy, static_cast<int>(count));
    }
    Packet pop()
    {
        const Packet packet = ring[head];
        if (++head == ring.size())
            head = 0;
        --count;
        return packet;
    }
};

struct Core
{
    std::uint64_t now = 0;   // the core is busy until now
    std::vector<int> queues; // the queues whose interrupts it takes (hardware and backlog)
    std::deque<int> poll;    // NAPI's poll list
    CoreSample current;
    std::uint64_t carryNs = 0; // busy time that belongs to the next sample
};

double imbalanceOf(const std::vector<std::uint64_t> &packets)
{
    if (packets.empty())
        return 0.0;
    const std::uint64_t total = std::accumulate(packets.begin(), packets.end(), std::uint64_t{0});
    if (total == 0)
        return 0.0;
    const double mean = static_cast<double>(total) / static_cast<double>(packets.size());
    return static_cast<double>(*std::max_element(packets.begin(), packets.end())) / mean;
}

} // namespace

double Sample::load(int core, std::uint64_t sampleNs) const
{
    if (core < 0 || core >= static_cast<int>(cores.size()) || sampleNs == 0)
        return 0.0;
    return std::min(1.0, static_cast<double>(cores[static_cast<std::size_t>(core)].busyNs) /
                             static_cast<double>(sampleNs));
}

struct ReceiveSimulation::State
{
    Scenario scenario;
    ToeplitzTable table;
    TrafficGenerator traffic;
    std::vector<int> reta;
    std::uint32_t retaMask = 0; // size - 1 for a power-of-two size, else 0
    std::vector<Queue> queues;  // hardware queues, then one backlog per core in RPS mode
    std::vector<Core> cores;
    int hardwareQueues = 1;
    // Per flow row: the hash (a flow's packets all hash alike, so it is computed once) and the
    // counters, kept apart from the rows so that each packet touches a few bytes only;
    // flowStats is brought up to date when read.
    mutable std::vector<FlowStats> flowStats;
    std::vector<std::uint32_t> flowHash;
    std::vector<std::uint64_t> flowPackets;
    std::vector<std::uint64_t> flowDrops;
    std::vector<int> floodRow; // source -> its SYN-flood row, or -1
    std::vector<std::uint64_t> bucketPackets;
    std::vector<Sample> samples;
    std::uint64_t now = 0;
    std::uint64_t sampleStart = 0;
    std::uint64_t endNs = 0;
    std::uint64_t offered = 0;
    std::uint64_t offeredInSample = 0;
    Arrival next;
    bool hasNext = false;
    Totals totals;

    explicit State(Scenario s)
        : scenario((validateScenario(s), std::move(s))), table(scenario.nic.key), traffic(scenario)
    {
        const Scenario &sc = scenario;
        const int coreCount = sc.cores.count;
        hardwareQueues = sc.mode == SteeringMode::Rss ? sc.nic.queues : 1;
        reta = sc.nic.reta.empty() ? roundRobinReta(sc.nic.retaSize, sc.nic.queues) : sc.nic.reta;
        cores.resize(static_cast<std::size_t>(coreCount));
        for (int q = 0; q < hardwareQueues; ++q) {
            Queue queue;
            queue.ring.resize(static_cast<std::size_t>(sc.nic.ringSize));
            queue.core = coreOfQueue(q);
            cores[ix(queue.core)].queues.push_back(q);
            queues.push_back(std::move(queue));
        }
        if (sc.mode == SteeringMode::Rps) {
            for (int c = 0; c < coreCount; ++c) {
                Queue backlog;
                backlog.ring.resize(static_cast<std::size_t>(sc.cores.backlogSize));
                backlog.core = c;
                backlog.backlog = true;
                queues.push_back(std::move(backlog));
                cores[ix(c)].queues.push_back(static_cast<int>(queues.size() - 1));
            }
        }
        if ((reta.size() & (reta.size() - 1)) == 0)
            retaMask = static_cast<std::uint32_t>(reta.size() - 1);
        bucketPackets.assign(reta.size(), 0);
        for (const Flow &flow : traffic.flows()) {
            FlowStats stats;
            stats.label = flow.label;
            stats.source = flow.source;
            stats.tuple = flow.tuple;
            stats.hash = table.hash(std::span(flow.input.data(), flow.inputLength));
            flowStats.push_back(stats);
        }
        floodRow.assign(sc.traffic.size(), -1);
        for (std::size_t i = 0; i < sc.traffic.size(); ++i) {
            if (sc.traffic[i].kind != TrafficKind::SynFlood)
                continue;
            FlowStats stats;
            stats.label = sc.traffic[i].label.isEmpty()
                              ? QCoreApplication::translate("vmwb::rss::Simulation",
                                                            "SYN flood (a new source per packet)")
                              : sc.traffic[i].label;
            stats.manySources = true;
            stats.source = static_cast<int>(i);
            floodRow[i] = static_cast<int>(flowStats.size());
            flowStats.push_back(stats);
        }
        for (const FlowStats &f : flowStats)
            flowHash.push_back(f.hash);
        flowPackets.assign(flowStats.size(), 0);
        flowDrops.assign(flowStats.size(), 0);
        placeFlows();
        endNs = sc.durationNs;
        hasNext = traffic.next(next);
    }

    int coreOfQueue(int queue) const
    {
        const auto &qc = scenario.nic.queueCores;
        if (!qc.empty() && queue < static_cast<int>(qc.size()))
            return qc[static_cast<std::size_t>(queue)];
        return queue % scenario.cores.count;
    }

    // The RETA's bucket of a hash: its low bits when the table's size is a power of two, as
    // on NICs (retaBucket in general).
    std::size_t bucketOf(std::uint32_t hash) const
    {
        return retaMask ? (hash & retaMask) : retaBucket(hash, reta.size());
    }

    int queueOfHash(std::uint32_t hash) const
    {
        return scenario.mode == SteeringMode::Rss ? reta[bucketOf(hash)] : 0;
    }

    // Linux's get_rps_cpu: map->cpus[reciprocal_scale(hash, map->len)], i.e. (hash * len) >> 32.
    int rpsCore(std::uint32_t hash) const
    {
        return static_cast<int>((static_cast<std::uint64_t>(hash) * cores.size()) >> 32);
    }

    int coreOfHash(std::uint32_t hash) const
    {
        return scenario.mode == SteeringMode::Rps ? rpsCore(hash)
                                                  : queues[ix(queueOfHash(hash))].core;
    }

    void placeFlows()
    {
        for (FlowStats &f : flowStats) {
            if (f.manySources)
                continue;
            f.bucket = static_cast<int>(bucketOf(f.hash));
            f.queue = queueOfHash(f.hash);
            f.core = coreOfHash(f.hash);
        }
    }

    void busy(Core &core, std::uint64_t ns)
    {
        core.now += ns;
        core.current.busyNs += ns;
    }

    void drop(int core, const Packet &packet)
    {
        ++cores[ix(core)].current.drops;
        ++flowDrops[ix(packet.flow)];
    }

    // Hands a packet to a core's backlog at `time` (RPS), waking the core by IPI.
    void enqueueBacklog(int from, int target, const Packet &packet, std::uint64_t time)
    {
        if (target != from)
            advanceCore(target, time);
        Queue &backlog = queues[ix(hardwareQueues + target)];
        if (backlog.full()) {
            drop(target, packet);
            return;
        }
        backlog.push(packet);
        if (!backlog.irqEnabled)
            return;
        backlog.irqEnabled = false;
        if (target == from) {
            // The local backlog is scheduled directly; no interrupt is needed.
            backlog.budgetUsed = 0;
            cores[ix(target)].poll.push_back(hardwareQueues + target);
        } else {
            backlog.irqAt = time;
        }
    }

    // Lets core `c` work until it has started every job it can start before `t`.
    void advanceCore(int c, std::uint64_t t)
    {
        Core &core = cores[ix(c)];
        const CoreConfig &config = scenario.cores;
        while (true) {
            int irqQueue = -1;
            std::uint64_t irqTime = kNever;
            for (int q : core.queues) {
                if (queues[ix(q)].irqAt < irqTime) {
                    irqTime = queues[ix(q)].irqAt;
                    irqQueue = q;
                }
            }
            if (irqQueue >= 0 && irqTime <= core.now) {
                if (core.now >= t)
                    break;
                // The interrupt: the handler schedules the queue's NAPI poll.
                Queue &queue = queues[ix(irqQueue)];
                queue.irqAt = kNever;
                queue.nextIrqAllowed = irqTime + scenario.nic.moderationNs;
                queue.budgetUsed = 0;
                core.poll.push_back(irqQueue);
                if (queue.backlog) {
                    ++core.current.ipis;
                    busy(core, config.ipiNs);
                } else {
                    ++core.current.interrupts;
                    busy(core, config.interruptNs);
                }
                continue;
            }
            if (!core.poll.empty()) {
                if (core.now >= t)
                    break;
                const int q = core.poll.front();
                Queue &queue = queues[ix(q)];
                if (queue.count == 0) {
                    // napi_complete: the ring is empty, so the queue's interrupt comes back on.
                    core.poll.pop_front();
                    queue.irqEnabled = true;
                    continue;
                }
                if (queue.budgetUsed >= config.napiWeight) {
                    // The weight is used up: the queue goes to the back of the poll list.
                    queue.budgetUsed = 0;
                    core.poll.pop_front();
                    core.poll.push_back(q);
                    continue;
                }
                const Packet packet = queue.pop();
                ++queue.budgetUsed;
                if (scenario.mode == SteeringMode::Rps && !queue.backlog) {
                    ++core.current.steered;
                    busy(core, config.rpsSteerNs);
                    enqueueBacklog(c, rpsCore(packet.hash), packet, core.now);
                } else {
                    ++core.current.packets;
                    busy(core, config.packetNs);
                }
                continue;
            }
            if (irqQueue >= 0 && irqTime < t) {
                core.now = std::max(core.now, irqTime); // idle until the interrupt
                continue;
            }
            core.now = std::max(core.now, t);
            break;
        }
    }

    void receive(const Arrival &arrival)
    {
        // The NIC hashes every packet; for a known flow the result is always its flow's hash.
        const std::uint32_t hash = arrival.flow >= 0
                                       ? flowHash[ix(arrival.flow)]
                                       : table.hash(std::span(arrival.input, arrival.inputLength));
        Packet packet{hash, arrival.flow >= 0 ? arrival.flow : floodRow[ix(arrival.source)]};
        ++offered;
        ++offeredInSample;
        ++flowPackets[ix(packet.flow)];
        ++bucketPackets[bucketOf(hash)];
        const int q = queueOfHash(hash);
        Queue &queue = queues[ix(q)];
        const std::uint64_t t = arrival.timeNs;
        advanceCore(queue.core, t);
        if (queue.full()) {
            ++queue.current.drops;
            drop(queue.core, packet);
        } else {
            queue.push(packet);
        }
        if (queue.irqEnabled) {
            queue.irqEnabled = false;
            queue.irqAt = std::max(t, queue.nextIrqAllowed);
        }
    }

    void closeSample(std::uint64_t boundary)
    {
        // The receiving cores first: in RPS mode they hand packets to the others.
        for (int c = 0; c < static_cast<int>(cores.size()); ++c)
            advanceCore(c, boundary);
        Sample sample;
        sample.timeNs = boundary;
        sample.offered = offeredInSample;
        offeredInSample = 0;
        std::vector<std::uint64_t> packets;
        for (Core &core : cores) {
            CoreSample s = core.current;
            const std::uint64_t carry = core.now > boundary ? core.now - boundary : 0;
            s.busyNs = s.busyNs > carry ? s.busyNs - carry : 0;
            core.current = CoreSample{};
            core.current.busyNs = carry;
            packets.push_back(s.packets);
            sample.cores.push_back(s);
        }
        for (int q = 0; q < hardwareQueues; ++q) {
            Queue &queue = queues[ix(q)];
            QueueSample s = queue.current;
            s.occupancy = static_cast<int>(queue.count);
            s.maxOccupancy = std::max(s.maxOccupancy, s.occupancy);
            queue.current = QueueSample{};
            queue.current.maxOccupancy = static_cast<int>(queue.count);
            sample.queues.push_back(s);
        }
        sample.imbalance = imbalanceOf(packets);
        samples.push_back(std::move(sample));
        sampleStart = boundary;
    }

    bool packetLimitReached() const
    {
        return scenario.maxPackets && offered >= scenario.maxPackets;
    }

    void runUntil(std::uint64_t t)
    {
        while (now < std::min(t, endNs)) {
            const std::uint64_t boundary = std::min(sampleStart + scenario.sampleNs, endNs);
            const std::uint64_t limit = std::min(boundary, t);
            while (hasNext && next.timeNs < limit) {
                receive(next);
                hasNext = !packetLimitReached() && traffic.next(next);
            }
            now = limit;
            if (limit == boundary) {
                closeSample(boundary);
                // A packet limit ends the run with the sample it falls in.
                if (packetLimitReached())
                    endNs = boundary;
            }
        }
    }
};

ReceiveSimulation::ReceiveSimulation(Scenario scenario)
    : m_state(std::make_unique<State>(std::move(scenario)))
{}

ReceiveSimulation::~ReceiveSimulation() = default;

const Scenario &ReceiveSimulation::scenario() const
{
    return m_state->scenario;
}

void ReceiveSimulation::runUntil(std::uint64_t timeNs)
{
    m_state->runUntil(timeNs);
}

void ReceiveSimulation::run()
{
    m_state->runUntil(kNever);
}

bool ReceiveSimulation::finished() const
{
    return m_state->now >= m_state->endNs;
}

std::uint64_t ReceiveSimulation::now() const
{
    return m_state->now;
}

const std::vector<Sample> &ReceiveSimulation::samples() const
{
    return m_state->samples;
}

const std::vector<FlowStats> &ReceiveSimulation::flows() const
{
    for (std::size_t f = 0; f < m_state->flowStats.size(); ++f) {
        m_state->flowStats[f].packets = m_state->flowPackets[f];
        m_state->flowStats[f].drops = m_state->flowDrops[f];
    }
    return m_state->flowStats;
}

Totals ReceiveSimulation::totals() const
{
    Totals totals;
    totals.corePackets.assign(m_state->cores.size(), 0);
    totals.coreBusyNs.assign(m_state->cores.size(), 0);
    for (const Sample &sample : m_state->samples) {
        totals.offered += sample.offered;
        for (std::size_t c = 0; c < sample.cores.size(); ++c) {
            const CoreSample &s = sample.cores[c];
            totals.processed += s.packets;
            totals.drops += s.drops;
            totals.interrupts += s.interrupts;
            totals.ipis += s.ipis;
            totals.corePackets[c] += s.packets;
            totals.coreBusyNs[c] += s.busyNs;
        }
    }
    totals.imbalance = imbalanceOf(totals.corePackets);
    return totals;
}

const std::vector<std::uint64_t> &ReceiveSimulation::bucketPackets() const
{
    return m_state->bucketPackets;
}

std::vector<int> ReceiveSimulation::ringOccupancy() const
{
    std::vector<int> occupancy;
    for (int q = 0; q < m_state->hardwareQueues; ++q)
        occupancy.push_back(static_cast<int>(m_state->queues[ix(q)].count));
    return occupancy;
}

const std::vector<int> &ReceiveSimulation::reta() const
{
    return m_state->reta;
}

void ReceiveSimulation::setReta(std::vector<int> reta)
{
    Scenario changed = m_state->scenario;
    changed.nic.reta = reta;
    validateScenario(changed);
    m_state->scenario.nic.reta = reta;
    m_state->reta = std::move(reta);
    m_state->bucketPackets.assign(m_state->reta.size(), 0);
    m_state->placeFlows();
}

int ReceiveSimulation::queueCount() const
{
    return m_state->hardwareQueues;
}

int ReceiveSimulation::coreCount() const
{
    return static_cast<int>(m_state->cores.size());
}

int ReceiveSimulation::coreOfQueue(int queue) const
{
    return m_state->coreOfQueue(queue);
}

int ReceiveSimulation::queueOfHash(std::uint32_t hash) const
{
    return m_state->queueOfHash(hash);
}

int ReceiveSimulation::coreOfHash(std::uint32_t hash) const
{
    return m_state->coreOfHash(hash);
}

const ToeplitzTable &ReceiveSimulation::table() const
{
    return m_state->table;
}

std::vector<int> roundRobinReta(int retaSize, int queues)
{
    std::vector<int> reta(static_cast<std::size_t>(std::max(retaSize, 0)));
    for (std::size_t i = 0; i < reta.size(); ++i)
        reta[i] = queues > 0 ? static_cast<int>(i % static_cast<std::size_t>(queues)) : 0;
    return reta;
}

Rebalancing rebalanceReta(const std::vector<int> &reta,
                          const std::vector<std::uint64_t> &bucketLoad, int queues)
{
    Rebalancing result;
    result.reta = reta;
    if (queues < 2 || bucketLoad.size() != reta.size())
        return result;
    std::vector<std::uint64_t> load(static_cast<std::size_t>(queues), 0);
    for (std::size_t b = 0; b < reta.size(); ++b)
        load[static_cast<std::size_t>(reta[b])] += bucketLoad[b];
    // Each move strictly lowers the larger of the two queues' loads and never raises the
    // maximum, so this ends; the bound is a safety net.
    for (std::size_t round = 0; round < reta.size() * 4; ++round) {
        const auto hot =
            static_cast<int>(std::max_element(load.begin(), load.end()) - load.begin());
        const auto cold =
            static_cast<int>(std::min_element(load.begin(), load.end()) - load.begin());
        const std::uint64_t gap = load[ix(hot)] - load[ix(cold)];
        // The hot queue's heaviest bucket stays where it is: moving it would only shift the
        // hot spot (whenever it could help, the queue's lighter buckets can too), and every
        // move reorders the packets its flows have in flight.
        int heaviest = -1;
        for (std::size_t b = 0; b < reta.size(); ++b) {
            if (result.reta[b] == hot &&
                (heaviest < 0 || bucketLoad[b] > bucketLoad[static_cast<std::size_t>(heaviest)]))
                heaviest = static_cast<int>(b);
        }
        int best = -1;
        for (std::size_t b = 0; b < reta.size(); ++b) {
            // Moving bucket b helps only if it is lighter than the gap: then both queues end
            // up below the hot queue's load.
            if (result.reta[b] != hot || static_cast<int>(b) == heaviest || bucketLoad[b] == 0 ||
                bucketLoad[b] >= gap)
                continue;
            if (best < 0 || bucketLoad[b] > bucketLoad[static_cast<std::size_t>(best)])
                best = static_cast<int>(b);
        }
        if (best < 0)
            break;
        const std::uint64_t moved = bucketLoad[static_cast<std::size_t>(best)];
        result.reta[static_cast<std::size_t>(best)] = cold;
        load[ix(hot)] -= moved;
        load[ix(cold)] += moved;
        result.moves.push_back(RetaMove{best, hot, cold, moved});
    }
    return result;
}

QByteArray samplesCsv(const ReceiveSimulation &simulation)
{
    const std::uint64_t sampleNs = simulation.scenario().sampleNs;
    const double perSecond = 1e9 / static_cast<double>(sampleNs);
    QByteArray csv =
        "time_ms,core,packets,packets_per_second,load,interrupts,ipis,steered,drops,imbalance\n";
    for (const Sample &sample : simulation.samples()) {
        for (std::size_t c = 0; c < sample.cores.size(); ++c) {
            const CoreSample &s = sample.cores[c];
            csv += QStringLiteral("%1,%2,%3,%4,%5,%6,%7,%8,%9,%10\n")
                       .arg(static_cast<double>(sample.timeNs) / 1e6, 0, 'f', 3)
                       .arg(c)
                       .arg(s.packets)
                       .arg(static_cast<double>(s.packets) * perSecond, 0, 'f', 0)
                       .arg(sample.load(static_cast<int>(c), sampleNs), 0, 'f', 4)
                       .arg(s.interrupts)
                       .arg(s.ipis)
                       .arg(s.steered)
                       .arg(s.drops)
                       .arg(sample.imbalance, 0, 'f', 4)
                       .toUtf8();
        }
    }
    return csv;
}

QJsonObject simulationJson(const ReceiveSimulation &simulation)
{
    const std::uint64_t sampleNs = simulation.scenario().sampleNs;
    const double perSecond = 1e9 / static_cast<double>(sampleNs);
    const Totals totals = simulation.totals();
    QJsonArray cores;
    const double seconds = static_cast<double>(simulation.now()) / 1e9;
    for (int c = 0; c < simulation.coreCount(); ++c) {
        cores.append(QJsonObject{
            {QStringLiteral("core"), c},
            {QStringLiteral("packets"), static_cast<qint64>(totals.corePackets[ix(c)])},
            {QStringLiteral("share"), totals.processed
                                          ? static_cast<double>(totals.corePackets[ix(c)]) /
                                                static_cast<double>(totals.processed)
                                          : 0.0},
            {QStringLiteral("load"),
             seconds > 0 ? static_cast<double>(totals.coreBusyNs[ix(c)]) / (seconds * 1e9) : 0.0},
        });
    }
    QJsonArray samples;
    for (const Sample &sample : simulation.samples()) {
        QJsonArray sampleCores;
        for (std::size_t c = 0; c < sample.cores.size(); ++c) {
            const CoreSample &s = sample.cores[c];
            sampleCores.append(QJsonObject{
                {QStringLiteral("packets"), static_cast<qint64>(s.packets)},
                {QStringLiteral("packets_per_second"), static_cast<double>(s.packets) * perSecond},
                {QStringLiteral("load"), sample.load(static_cast<int>(c), sampleNs)},
                {QStringLiteral("interrupts"), static_cast<qint64>(s.interrupts)},
                {QStringLiteral("ipis"), static_cast<qint64>(s.ipis)},
                {QStringLiteral("steered"), static_cast<qint64>(s.steered)},
                {QStringLiteral("drops"), static_cast<qint64>(s.drops)},
            });
        }
        QJsonArray sampleQueues;
        for (const QueueSample &q : sample.queues) {
            sampleQueues.append(QJsonObject{
                {QStringLiteral("arrivals"), static_cast<qint64>(q.arrivals)},
                {QStringLiteral("drops"), static_cast<qint64>(q.drops)},
                {QStringLiteral("occupancy"), q.occupancy},
                {QStringLiteral("max_occupancy"), q.maxOccupancy},
            });
        }
        samples.append(QJsonObject{
            {QStringLiteral("time_ms"), static_cast<double>(sample.timeNs) / 1e6},
            {QStringLiteral("offered"), static_cast<qint64>(sample.offered)},
            {QStringLiteral("imbalance"), sample.imbalance},
            {QStringLiteral("cores"), sampleCores},
            {QStringLiteral("queues"), sampleQueues},
        });
    }
    // The busiest flows, as the pane lists them.
    std::vector<const FlowStats *> flows;
    for (const FlowStats &f : simulation.flows())
        flows.push_back(&f);
    std::stable_sort(flows.begin(), flows.end(), [](const FlowStats *a, const FlowStats *b) {
        return a->packets > b->packets;
    });
    QJsonArray topFlows;
    for (std::size_t i = 0; i < flows.size() && i < 20; ++i) {
        const FlowStats &f = *flows[i];
        QJsonObject flow{
            {QStringLiteral("flow"), f.label},
            {QStringLiteral("packets"), static_cast<qint64>(f.packets)},
            {QStringLiteral("drops"), static_cast<qint64>(f.drops)},
        };
        if (!f.manySources) {
            flow.insert(QStringLiteral("hash"),
                        QStringLiteral("0x%1").arg(f.hash, 8, 16, QLatin1Char('0')));
            flow.insert(QStringLiteral("bucket"), f.bucket);
            flow.insert(QStringLiteral("queue"), f.queue);
            flow.insert(QStringLiteral("core"), f.core);
        }
        topFlows.append(flow);
    }
    return QJsonObject{
        {QStringLiteral("scenario"), scenarioToJson(simulation.scenario())},
        {QStringLiteral("totals"),
         QJsonObject{
             {QStringLiteral("offered"), static_cast<qint64>(totals.offered)},
             {QStringLiteral("processed"), static_cast<qint64>(totals.processed)},
             {QStringLiteral("drops"), static_cast<qint64>(totals.drops)},
             {QStringLiteral("interrupts"), static_cast<qint64>(totals.interrupts)},
             {QStringLiteral("ipis"), static_cast<qint64>(totals.ipis)},
             {QStringLiteral("imbalance"), totals.imbalance},
             {QStringLiteral("simulated_ms"), static_cast<double>(simulation.now()) / 1e6},
         }},
        {QStringLiteral("cores"), cores},
        {QStringLiteral("samples"), samples},
        {QStringLiteral("flows"), topFlows},
    };
}

} // namespace vmwb::rss
