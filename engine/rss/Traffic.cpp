#include "rss/Traffic.h"

#include <QCoreApplication>
#include <QDir>
#include <QHash>
#include <cmath>

namespace vmwb::rss {

namespace {

// SplitMix64 (Steele, Lea and Flood) seeds xoshiro256** (Blackman and Vigna); both are fully
// specified, unlike the standard library's distributions, so a seed means the same packets on
// every platform.
std::uint64_t splitMix(std::uint64_t &state)
{
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

class Random
{
public:
    explicit Random(std::uint64_t seed)
    {
        for (auto &word : m_s)
            word = splitMix(seed);
    }

    std::uint64_t next()
    {
        const std::uint64_t result = rotl(m_s[1] * 5, 7) * 9;
        const std::uint64_t t = m_s[1] << 17;
        m_s[2] ^= m_s[0];
        m_s[3] ^= m_s[1];
        m_s[1] ^= m_s[2];
        m_s[0] ^= m_s[3];
        m_s[2] ^= t;
        m_s[3] = rotl(m_s[3], 45);
        return result;
    }

    // Uniform in [0, n).
    std::uint32_t below(std::uint32_t n)
    {
        return static_cast<std::uint32_t>((next() >> 32) * n >> 32);
    }

private:
    static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
    std::array<std::uint64_t, 4> m_s{};
};

// Vose's alias method: picks index i with probability weight[i] / sum in constant time, from
// one 64-bit random number (the high half picks a column, the low half tosses its coin).
class AliasTable
{
public:
    AliasTable() = default;
    explicit AliasTable(const std::vector<double> &weights)
    {
        const std::size_t n = weights.size();
        std::vector<double> probability(n, 1.0);
        std::vector<std::uint32_t> alias(n);
        for (std::size_t i = 0; i < n; ++i)
            alias[i] = static_cast<std::uint32_t>(i);
        double sum = 0;
        for (double w : weights)
            sum += w;
        std::vector<double> scaled(n);
        std::vector<std::uint32_t> small, large;
        for (std::size_t i = 0; i < n; ++i) {
            scaled[i] = weights[i] * static_cast<double>(n) / sum;
            (scaled[i] < 1.0 ? small : large).push_back(static_cast<std::uint32_t>(i));
        }
        while (!small.empty() && !large.empty()) {
            const std::uint32_t s = small.back();
            small.pop_back();
            const std::uint32_t l = large.back();
            probability[s] = scaled[s];
            alias[s] = l;
            scaled[l] = scaled[l] + scaled[s] - 1.0;
            if (scaled[l] < 1.0) {
                large.pop_back();
                small.push_back(l);
            }
        }
        m_columns.resize(n);
        for (std::size_t i = 0; i < n; ++i) {
            // The coin keeps the column when the low 32 random bits are below the threshold.
            const double threshold = std::min(probability[i], 1.0) * 4294967296.0;
            m_columns[i].keep =
                threshold >= 4294967295.0 ? 0xFFFFFFFFU : static_cast<std::uint32_t>(threshold);
            m_columns[i].alias = alias[i];
        }
    }

    std::uint32_t pick(Random &random) const
    {
        const std::uint64_t r = random.next();
        const auto n = static_cast<std::uint64_t>(m_columns.size());
        const auto column = static_cast<std::uint32_t>(((r >> 32) * n) >> 32);
        const Column &c = m_columns[column];
        return static_cast<std::uint32_t>(r) <= c.keep ? column : c.alias;
    }

private:
    struct Column
    {
        std::uint32_t keep = 0;
        std::uint32_t alias = 0;
    };
    std::vector<Column> m_columns;
};

QString tupleLabel(const FlowTuple &tuple)
{
    auto address = [&](const std::array<std::uint8_t, 16> &bytes) {
        if (!tuple.ipv6)
            return QStringLiteral("%1.%2.%3.%4")
                .arg(bytes[0])
                .arg(bytes[1])
                .arg(bytes[2])
                .arg(bytes[3]);
        QStringList groups;
        for (std::size_t i = 0; i < 16; i += 2)
            groups << QString::number((bytes[i] << 8) | bytes[i + 1], 16);
        return QStringLiteral("[%1]").arg(groups.join(QLatin1Char(':')));
    };
    QString source = address(tuple.source);
    QString destination = address(tuple.destination);
    if (tuple.sourcePort && tuple.destinationPort) {
        source += QStringLiteral(":%1").arg(*tuple.sourcePort);
        destination += QStringLiteral(":%1").arg(*tuple.destinationPort);
    }
    return source + QStringLiteral(" → ") + destination;
}

// Clients come from 10.0.0.0/8 (or 2001:db8::/32, the documentation prefix) with Linux's
// ephemeral ports (32768-60999); the server is 198.51.100.10 (TEST-NET-2) or 2001:db8::10.
FlowTuple randomClientFlow(Random &random, const TrafficSpec &spec)
{
    FlowTuple tuple;
    tuple.ipv6 = spec.ipv6;
    if (spec.ipv6) {
        tuple.source = {0x20, 0x01, 0x0d, 0xb8, 0, 1};
        for (std::size_t i = 8; i < 16; ++i)
            tuple.source[i] = static_cast<std::uint8_t>(random.next() >> 56);
        tuple.destination = {0x20, 0x01, 0x0d, 0xb8};
        tuple.destination[15] = 0x10;
    } else {
        const std::uint64_t r = random.next();
        tuple.source = {10, static_cast<std::uint8_t>(r >> 56), static_cast<std::uint8_t>(r >> 48),
                        static_cast<std::uint8_t>(1 + (r >> 40) % 254)};
        tuple.destination = {198, 51, 100, 10};
    }
    tuple.sourcePort = static_cast<std::uint16_t>(32768 + random.below(60999 - 32768 + 1));
    tuple.destinationPort = spec.udp ? std::uint16_t{53} : std::uint16_t{443};
    return tuple;
}

FlowTuple randomSpoofedSyn(Random &random, const TrafficSpec &spec)
{
    FlowTuple tuple = randomClientFlow(random, spec);
    // Spoofed sources are anywhere, not just the clients' network.
    if (!spec.ipv6) {
        const std::uint64_t r = random.next();
        for (std::size_t i = 0; i < 4; ++i)
            tuple.source[i] = static_cast<std::uint8_t>(r >> (56 - 8 * i));
    }
    tuple.sourcePort = static_cast<std::uint16_t>(1024 + random.below(65535 - 1024 + 1));
    tuple.destinationPort = 80;
    return tuple;
}

// Exponential variates by Marsaglia and Tsang's ziggurat ("The Ziggurat Method for
// Generating Random Variables", J. Stat. Software 5(8), 2000), 256 layers: about 99 % of draws
// cost one random number, a table look-up and a multiplication; the rest fall back to the
// exact test. Arrivals need one per packet, so this is most of the generator's work.
class Exponential
{
public:
    Exponential()
    {
        constexpr double m2 = 4294967296.0; // 2^32
        double de = 7.697117470131487;
        double te = de;
        const double ve = 3.949659822581572e-3;
        const double q = ve / std::exp(-de);
        m_k[0] = static_cast<std::uint32_t>((de / q) * m2);
        m_k[1] = 0;
        m_w[0] = q / m2;
        m_w[255] = de / m2;
        m_f[0] = 1.0;
        m_f[255] = std::exp(-de);
        for (int i = 254; i >= 1; --i) {
            de = -std::log(ve / de + std::exp(-de));
            m_k[static_cast<std::size_t>(i) + 1] = static_cast<std::uint32_t>((de / te) * m2);
            te = de;
            m_f[static_cast<std::size_t>(i)] = std::exp(-de);
            m_w[static_cast<std::size_t>(i)] = de / m2;
        }
    }

    double operator()(Random &random) const
    {
        for (;;) {
            const std::uint64_t r = random.next();
            const auto i = static_cast<std::size_t>(r & 0xFF);
            const auto j = static_cast<std::uint32_t>(r >> 32);
            const double x = j * m_w[i];
            if (j < m_k[i])
                return x; // inside the layer's rectangle
            if (i == 0)   // the tail beyond the base strip: r + Exp(1)
                return 7.697117470131487 - std::log(uniformOpen(random));
            if (m_f[i] + uniformOpen(random) * (m_f[i - 1] - m_f[i]) < std::exp(-x))
                return x;
        }
    }

private:
    static double uniformOpen(Random &random) // (0, 1]
    {
        return static_cast<double>((random.next() >> 11) + 1) * 0x1.0p-53;
    }

    std::array<std::uint32_t, 256> m_k{};
    std::array<double, 256> m_w{};
    std::array<double, 256> m_f{};
};

const Exponential &exponential()
{
    static const Exponential table;
    return table;
}

struct Source
{
    TrafficSpec spec;
    int index = 0;
    Random random{1};
    double nextTime = 0; // ns
    double meanGapNs = 0;
    bool active = true;
    int firstFlow = 0; // into State::flows
    AliasTable pick;   // generated flows
    // Capture replay.
    std::shared_ptr<Capture> capture;
    std::vector<int> captureFlows; // packet -> flow
    std::size_t capturePosition = 0;
    double captureLength = 0; // ns, one pass at speed 1
    std::uint64_t capturePass = 0;
};

} // namespace

std::uint8_t writeHashInput(const FlowTuple &tuple, std::array<std::uint8_t, 36> &out)
{
    const std::size_t addressBytes = tuple.ipv6 ? 16 : 4;
    std::size_t n = 0;
    for (std::size_t i = 0; i < addressBytes; ++i)
        out[n++] = tuple.source[i];
    for (std::size_t i = 0; i < addressBytes; ++i)
        out[n++] = tuple.destination[i];
    if (tuple.sourcePort && tuple.destinationPort) {
        for (std::uint16_t port : {*tuple.sourcePort, *tuple.destinationPort}) {
            out[n++] = static_cast<std::uint8_t>(port >> 8);
            out[n++] = static_cast<std::uint8_t>(port & 0xFF);
        }
    }
    return static_cast<std::uint8_t>(n);
}

struct TrafficGenerator::State
{
    std::vector<Flow> flows;
    std::vector<Source> sources;
    std::array<std::uint8_t, 36> scratch{};
    QStringList notes;

    int addFlow(const FlowTuple &tuple, int source, double share)
    {
        Flow flow;
        flow.tuple = tuple;
        flow.label = tupleLabel(tuple);
        flow.inputLength = writeHashInput(tuple, flow.input);
        flow.source = source;
        flow.share = share;
        flows.push_back(flow);
        return static_cast<int>(flows.size() - 1);
    }

    void advance(Source &s)
    {
        if (s.spec.kind == TrafficKind::Capture) {
            ++s.capturePosition;
            if (s.capturePosition >= s.capture->packets.size()) {
                if (!s.spec.captureLoop) {
                    s.active = false;
                    return;
                }
                s.capturePosition = 0;
                ++s.capturePass;
            }
            s.nextTime = static_cast<double>(s.spec.startNs) +
                         (static_cast<double>(s.capturePass) * s.captureLength +
                          static_cast<double>(s.capture->packets[s.capturePosition].timeNs)) /
                             s.spec.captureSpeed;
        } else {
            // Poisson arrivals: exponential gaps with mean 1/rate.
            s.nextTime += exponential()(s.random) * s.meanGapNs;
        }
        if (s.nextTime >= static_cast<double>(s.spec.endNs))
            s.active = false;
    }
};

TrafficGenerator::TrafficGenerator(const Scenario &scenario) : m_state(std::make_unique<State>())
{
    std::uint64_t seeds = scenario.seed;
    for (std::size_t i = 0; i < scenario.traffic.size(); ++i) {
        Source s;
        s.spec = scenario.traffic[i];
        s.index = static_cast<int>(i);
        s.random = Random(splitMix(seeds));
        s.firstFlow = static_cast<int>(m_state->flows.size());
        s.nextTime = static_cast<double>(s.spec.startNs);
        s.meanGapNs = s.spec.packetsPerSecond > 0 ? 1e9 / s.spec.packetsPerSecond : 0;
        switch (s.spec.kind) {
        case TrafficKind::Uniform:
        case TrafficKind::Zipf:
        case TrafficKind::Elephant: {
            const int count = s.spec.kind == TrafficKind::Elephant ? 1 : s.spec.flows;
            std::vector<double> weights(static_cast<std::size_t>(count));
            double sum = 0;
            for (std::size_t k = 0; k < weights.size(); ++k) {
                // Zipf's law: the k-th largest flow carries a share proportional to 1/k^s.
                weights[k] = s.spec.kind == TrafficKind::Zipf
                                 ? std::pow(static_cast<double>(k) + 1.0, -s.spec.zipfExponent)
                                 : 1.0;
                sum += weights[k];
            }
            for (std::size_t k = 0; k < weights.size(); ++k)
                m_state->addFlow(randomClientFlow(s.random, s.spec), s.index, weights[k] / sum);
            s.pick = AliasTable(weights);
            s.active = s.spec.packetsPerSecond > 0;
            if (s.active)
                m_state->advance(s);
            break;
        }
        case TrafficKind::SynFlood:
            s.active = s.spec.packetsPerSecond > 0;
            if (s.active)
                m_state->advance(s);
            break;
        case TrafficKind::Capture: {
            const QString path = QDir(scenario.folder).absoluteFilePath(s.spec.captureFile);
            s.capture = std::make_shared<Capture>(readCapture(path));
            for (const QString &note : s.capture->notes)
                m_state->notes << QStringLiteral("%1: %2").arg(s.spec.captureFile, note);
            if (s.capture->packets.empty()) {
                m_state->notes << QCoreApplication::translate(
                                      "vmwb::rss::Traffic", "%1: no IPv4 or IPv6 packets to replay")
                                      .arg(s.spec.captureFile);
                s.active = false;
                break;
            }
            QHash<QByteArray, int> byInput;
            std::uint64_t bytes = 0;
            for (const CapturedPacket &packet : s.capture->packets) {
                std::array<std::uint8_t, 36> input{};
                const std::uint8_t length = writeHashInput(packet.tuple, input);
                const QByteArray keyBytes(reinterpret_cast<const char *>(input.data()), length);
                auto it = byInput.find(keyBytes);
                if (it == byInput.end())
                    it = byInput.insert(keyBytes, m_state->addFlow(packet.tuple, s.index, 0));
                s.captureFlows.push_back(*it);
                ++m_state->flows[static_cast<std::size_t>(*it)].share;
                bytes += packet.wireLength;
            }
            for (auto f = static_cast<std::size_t>(s.firstFlow); f < m_state->flows.size(); ++f)
                m_state->flows[f].share /= static_cast<double>(s.capture->packets.size());
            // One pass lasts as long as the capture plus one mean gap, so that the next pass's
            // first packet does not land on the last one.
            const double span = static_cast<double>(s.capture->packets.back().timeNs);
            const double count = static_cast<double>(s.capture->packets.size());
            s.captureLength = span + (count > 1 ? span / (count - 1) : 1000.0);
            s.capturePosition = 0;
            s.nextTime =
                static_cast<double>(s.spec.startNs) +
                static_cast<double>(s.capture->packets.front().timeNs) / s.spec.captureSpeed;
            s.active = s.nextTime < static_cast<double>(s.spec.endNs);
            break;
        }
        }
        m_state->sources.push_back(std::move(s));
    }
}

TrafficGenerator::~TrafficGenerator() = default;

const std::vector<Flow> &TrafficGenerator::flows() const
{
    return m_state->flows;
}

QStringList TrafficGenerator::notes() const
{
    return m_state->notes;
}

bool TrafficGenerator::next(Arrival &arrival)
{
    Source *earliest = nullptr;
    for (Source &s : m_state->sources) {
        if (s.active && (!earliest || s.nextTime < earliest->nextTime))
            earliest = &s;
    }
    if (!earliest)
        return false;
    Source &s = *earliest;
    arrival.timeNs = static_cast<std::uint64_t>(s.nextTime);
    arrival.source = s.index;
    switch (s.spec.kind) {
    case TrafficKind::SynFlood: {
        arrival.flow = -1;
        arrival.inputLength = writeHashInput(randomSpoofedSyn(s.random, s.spec), m_state->scratch);
        arrival.input = m_state->scratch.data();
        arrival.bytes = static_cast<std::uint16_t>(s.spec.packetBytes);
        break;
    }
    case TrafficKind::Capture: {
        arrival.flow = s.captureFlows[s.capturePosition];
        arrival.bytes = static_cast<std::uint16_t>(
            std::min<std::uint32_t>(s.capture->packets[s.capturePosition].wireLength, 65535));
        arrival.input = nullptr;
        arrival.inputLength = 0;
        break;
    }
    default: {
        arrival.flow = s.firstFlow + static_cast<int>(s.pick.pick(s.random));
        arrival.input = nullptr;
        arrival.inputLength = 0;
        arrival.bytes = static_cast<std::uint16_t>(s.spec.packetBytes);
        break;
    }
    }
    m_state->advance(s);
    return true;
}

} // namespace vmwb::rss
