#include "rss/Scenario.h"

#include <QCoreApplication>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <cmath>
#include <set>

namespace vmwb::rss {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("vmwb::rss::Scenario", text);
}

[[noreturn]] void fail(const QString &file, const QString &field, const QString &message)
{
    QString text = file.isEmpty() ? QString() : file + QStringLiteral(": ");
    if (!field.isEmpty())
        text += field + QStringLiteral(": ");
    throw ScenarioError((text + message).toStdString());
}

constexpr std::uint64_t kNsPerMs = 1'000'000;

// Reads one JSON object's fields, naming each in its errors, and rejects fields it does not
// know (a misspelt "queus" would otherwise be silently ignored).
class Fields
{
public:
    Fields(const QJsonObject &object, QString file, QString path)
        : m_object(object), m_file(std::move(file)), m_path(std::move(path))
    {}

    QString name(const QString &key) const
    {
        return m_path.isEmpty() ? key : m_path + QLatin1Char('.') + key;
    }

    bool has(const QString &key)
    {
        m_known.insert(key);
        return m_object.contains(key);
    }

    double number(const QString &key, double fallback, double min, double max)
    {
        if (!has(key))
            return fallback;
        const QJsonValue value = m_object.value(key);
        if (!value.isDouble())
            fail(m_file, name(key), tr("must be a number"));
        const double v = value.toDouble();
        if (!std::isfinite(v) || v < min || v > max)
            fail(m_file, name(key),
                 tr("must be between %1 and %2, not %3")
                     .arg(min, 0, 'g', 12)
                     .arg(max, 0, 'g', 12)
                     .arg(v, 0, 'g', 12));
        return v;
    }

    std::int64_t integer(const QString &key, std::int64_t fallback, std::int64_t min,
                         std::int64_t max)
    {
        if (!has(key))
            return fallback;
        const QJsonValue value = m_object.value(key);
        const double v = value.toDouble(std::nan(""));
        if (!value.isDouble() || v != std::floor(v))
            fail(m_file, name(key), tr("must be a whole number"));
        if (v < static_cast<double>(min) || v > static_cast<double>(max))
            fail(m_file, name(key),
                 tr("must be between %1 and %2, not %3").arg(min).arg(max).arg(v, 0, 'g', 15));
        return static_cast<std::int64_t>(v);
    }

    bool boolean(const QString &key, bool fallback)
    {
        if (!has(key))
            return fallback;
        const QJsonValue value = m_object.value(key);
        if (!value.isBool())
            fail(m_file, name(key), tr("must be true or false"));
        return value.toBool();
    }

    QString string(const QString &key, const QString &fallback)
    {
        if (!has(key))
            return fallback;
        const QJsonValue value = m_object.value(key);
        if (!value.isString())
            fail(m_file, name(key), tr("must be a string"));
        return value.toString();
    }

    QJsonObject object(const QString &key)
    {
        if (!has(key))
            return {};
        const QJsonValue value = m_object.value(key);
        if (!value.isObject())
            fail(m_file, name(key), tr("must be an object"));
        return value.toObject();
    }

    QJsonArray array(const QString &key)
    {
        if (!has(key))
            return {};
        const QJsonValue value = m_object.value(key);
        if (!value.isArray())
            fail(m_file, name(key), tr("must be an array"));
        return value.toArray();
    }

    std::vector<int> integers(const QString &key, int min, int max)
    {
        std::vector<int> result;
        const QJsonArray values = array(key);
        for (qsizetype i = 0; i < values.size(); ++i) {
            const double v = values.at(i).toDouble(std::nan(""));
            const QString field = QStringLiteral("%1[%2]").arg(name(key)).arg(i);
            if (!values.at(i).isDouble() || v != std::floor(v) || v < min || v > max)
                fail(m_file, field, tr("must be a whole number from %1 to %2").arg(min).arg(max));
            result.push_back(static_cast<int>(v));
        }
        return result;
    }

    // Call after reading every field.
    void rejectUnknown() const
    {
        for (auto it = m_object.begin(); it != m_object.end(); ++it) {
            if (!m_known.count(it.key()))
                fail(m_file, name(it.key()), tr("unknown field"));
        }
    }

private:
    QJsonObject m_object;
    QString m_file;
    QString m_path;
    std::set<QString> m_known;
};

std::optional<TrafficKind> trafficKindFromName(const QString &name)
{
    for (TrafficKind kind : {TrafficKind::Uniform, TrafficKind::Zipf, TrafficKind::Elephant,
                             TrafficKind::SynFlood, TrafficKind::Capture}) {
        if (trafficKindName(kind) == name)
            return kind;
    }
    return std::nullopt;
}

QString keyText(const NicConfig &nic)
{
    if (nic.keyName == QLatin1String("microsoft") && nic.key == microsoftKey())
        return nic.keyName;
    if (nic.keyName == QLatin1String("symmetric") && nic.key == symmetricKey(40))
        return nic.keyName;
    if (nic.keyName == QLatin1String("symmetric-52") && nic.key == symmetricKey(52))
        return nic.keyName;
    QString hex;
    for (std::uint8_t byte : nic.key)
        hex += QStringLiteral("%1").arg(byte, 2, 16, QLatin1Char('0'));
    return hex;
}

} // namespace

QString steeringModeName(SteeringMode mode)
{
    switch (mode) {
    case SteeringMode::SingleQueue:
        return QStringLiteral("single");
    case SteeringMode::Rss:
        return QStringLiteral("rss");
    case SteeringMode::Rps:
        return QStringLiteral("rps");
    }
    return {};
}

std::optional<SteeringMode> steeringModeFromName(const QString &name)
{
    for (SteeringMode mode : {SteeringMode::SingleQueue, SteeringMode::Rss, SteeringMode::Rps}) {
        if (steeringModeName(mode) == name)
            return mode;
    }
    return std::nullopt;
}

QString trafficKindName(TrafficKind kind)
{
    switch (kind) {
    case TrafficKind::Uniform:
        return QStringLiteral("uniform");
    case TrafficKind::Zipf:
        return QStringLiteral("zipf");
    case TrafficKind::Elephant:
        return QStringLiteral("elephant");
    case TrafficKind::SynFlood:
        return QStringLiteral("syn-flood");
    case TrafficKind::Capture:
        return QStringLiteral("capture");
    }
    return {};
}

Scenario parseScenario(const QByteArray &json, const QString &fileName)
{
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(json, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        fail(fileName, {},
             tr("not valid JSON at byte %1: %2")
                 .arg(parseError.offset)
                 .arg(parseError.errorString()));
    }
    if (!document.isObject())
        fail(fileName, {}, tr("the scenario must be a JSON object"));

    Scenario s;
    Fields top(document.object(), fileName, {});
    s.name = top.string(QStringLiteral("name"), s.name);
    s.description = top.string(QStringLiteral("description"), {});
    const QString mode = top.string(QStringLiteral("mode"), steeringModeName(s.mode));
    if (const auto parsed = steeringModeFromName(mode))
        s.mode = *parsed;
    else
        fail(fileName, QStringLiteral("mode"),
             tr("must be \"single\", \"rss\" or \"rps\", not \"%1\"").arg(mode));
    s.durationNs = static_cast<std::uint64_t>(
        top.number(QStringLiteral("duration_ms"), 100, 0.001, 600'000) * kNsPerMs + 0.5);
    s.sampleNs = static_cast<std::uint64_t>(
        top.number(QStringLiteral("sample_ms"), 1, 0.001, 600'000) * kNsPerMs + 0.5);
    s.seed = static_cast<std::uint64_t>(top.integer(QStringLiteral("seed"), 1, 0, 1LL << 53));
    s.maxPackets =
        static_cast<std::uint64_t>(top.integer(QStringLiteral("max_packets"), 0, 0, 1LL << 40));

    {
        Fields nic(top.object(QStringLiteral("nic")), fileName, QStringLiteral("nic"));
        NicConfig &n = s.nic;
        n.queues = static_cast<int>(nic.integer(QStringLiteral("queues"), n.queues, 1, 64));
        n.retaSize =
            static_cast<int>(nic.integer(QStringLiteral("reta_size"), n.retaSize, 1, 4096));
        n.reta = nic.integers(QStringLiteral("reta"), 0, 63);
        n.queueCores = nic.integers(QStringLiteral("queue_cores"), 0, 63);
        n.ringSize =
            static_cast<int>(nic.integer(QStringLiteral("ring_size"), n.ringSize, 1, 65536));
        if (nic.has(QStringLiteral("key"))) {
            const auto key = keyFromText(nic.string(QStringLiteral("key"), {}));
            if (!key)
                fail(
                    fileName, nic.name(QStringLiteral("key")),
                    tr("must be \"microsoft\", \"symmetric\", \"symmetric-52\" or the key in hex"));
            n.key = key->bytes;
            n.keyName = key->name;
        }
        n.moderationNs = static_cast<std::uint64_t>(
            nic.number(QStringLiteral("interrupt_moderation_us"),
                       static_cast<double>(n.moderationNs) / 1000.0, 0, 1e6) *
                1000 +
            0.5);
        nic.rejectUnknown();
    }
    {
        Fields cores(top.object(QStringLiteral("cores")), fileName, QStringLiteral("cores"));
        CoreConfig &c = s.cores;
        c.count = static_cast<int>(cores.integer(QStringLiteral("count"), c.count, 1, 64));
        c.packetNs = static_cast<std::uint32_t>(
            cores.integer(QStringLiteral("packet_ns"), c.packetNs, 1, 1'000'000'000));
        c.interruptNs = static_cast<std::uint32_t>(
            cores.integer(QStringLiteral("interrupt_ns"), c.interruptNs, 0, 1'000'000'000));
        c.napiWeight =
            static_cast<int>(cores.integer(QStringLiteral("napi_weight"), c.napiWeight, 1, 65536));
        c.rpsSteerNs = static_cast<std::uint32_t>(
            cores.integer(QStringLiteral("rps_steer_ns"), c.rpsSteerNs, 0, 1'000'000'000));
        c.ipiNs = static_cast<std::uint32_t>(
            cores.integer(QStringLiteral("ipi_ns"), c.ipiNs, 0, 1'000'000'000));
        c.backlogSize =
            static_cast<int>(cores.integer(QStringLiteral("backlog"), c.backlogSize, 1, 1'000'000));
        cores.rejectUnknown();
    }
    if (top.has(QStringLiteral("traffic"))) {
        s.traffic.clear();
        const QJsonArray sources = top.array(QStringLiteral("traffic"));
        if (sources.isEmpty())
            fail(fileName, QStringLiteral("traffic"), tr("needs at least one source"));
        for (qsizetype i = 0; i < sources.size(); ++i) {
            const QString path = QStringLiteral("traffic[%1]").arg(i);
            if (!sources.at(i).isObject())
                fail(fileName, path, tr("must be an object"));
            Fields f(sources.at(i).toObject(), fileName, path);
            TrafficSpec t;
            const QString kind = f.string(QStringLiteral("kind"), trafficKindName(t.kind));
            if (const auto parsed = trafficKindFromName(kind))
                t.kind = *parsed;
            else
                fail(fileName, f.name(QStringLiteral("kind")),
                     tr("must be \"uniform\", \"zipf\", \"elephant\", \"syn-flood\" or "
                        "\"capture\", not \"%1\"")
                         .arg(kind));
            t.label = f.string(QStringLiteral("label"), {});
            t.flows = static_cast<int>(f.integer(QStringLiteral("flows"),
                                                 t.kind == TrafficKind::Elephant ? 1 : t.flows, 1,
                                                 1'000'000));
            if (t.kind == TrafficKind::Elephant && t.flows != 1)
                fail(fileName, f.name(QStringLiteral("flows")), tr("an elephant is one flow"));
            t.packetsPerSecond = f.number(QStringLiteral("pps"), t.packetsPerSecond, 0, 1e10);
            t.zipfExponent = f.number(QStringLiteral("zipf_exponent"), t.zipfExponent, 0, 10);
            const QString protocol = f.string(QStringLiteral("protocol"), QStringLiteral("tcp"));
            if (protocol != QLatin1String("tcp") && protocol != QLatin1String("udp"))
                fail(fileName, f.name(QStringLiteral("protocol")),
                     tr("must be \"tcp\" or \"udp\""));
            t.udp = protocol == QLatin1String("udp");
            t.ipv6 = f.boolean(QStringLiteral("ipv6"), false);
            t.packetBytes = static_cast<int>(
                f.integer(QStringLiteral("bytes"),
                          t.kind == TrafficKind::SynFlood ? 64 : t.packetBytes, 64, 9216));
            t.startNs = static_cast<std::uint64_t>(
                f.number(QStringLiteral("start_ms"), 0, 0, 600'000) * kNsPerMs + 0.5);
            if (f.has(QStringLiteral("end_ms")))
                t.endNs = static_cast<std::uint64_t>(
                    f.number(QStringLiteral("end_ms"), 0, 0, 600'000) * kNsPerMs + 0.5);
            t.captureFile = f.string(QStringLiteral("file"), {});
            t.captureSpeed = f.number(QStringLiteral("speed"), 1.0, 1e-6, 1e6);
            t.captureLoop = f.boolean(QStringLiteral("loop"), true);
            if (t.kind == TrafficKind::Capture && t.captureFile.isEmpty())
                fail(fileName, f.name(QStringLiteral("file")),
                     tr("a capture source needs the capture file"));
            if (t.kind != TrafficKind::Capture && !t.captureFile.isEmpty())
                fail(fileName, f.name(QStringLiteral("file")),
                     tr("only a capture source reads a file"));
            if (t.endNs <= t.startNs)
                fail(fileName, f.name(QStringLiteral("end_ms")), tr("must be after start_ms"));
            f.rejectUnknown();
            s.traffic.push_back(t);
        }
    }
    top.rejectUnknown();
    validateScenario(s, fileName);
    return s;
}

void validateScenario(const Scenario &s, const QString &fileName)
{
    const NicConfig &n = s.nic;
    if (n.queues < 1 || n.queues > 64)
        fail(fileName, QStringLiteral("nic.queues"), tr("must be from 1 to 64"));
    if (s.cores.count < 1 || s.cores.count > 64)
        fail(fileName, QStringLiteral("cores.count"), tr("must be from 1 to 64"));
    if (n.retaSize < 1)
        fail(fileName, QStringLiteral("nic.reta_size"), tr("must be at least 1"));
    if (!n.reta.empty()) {
        if (static_cast<int>(n.reta.size()) != n.retaSize)
            fail(fileName, QStringLiteral("nic.reta"),
                 tr("has %1 entries but reta_size is %2").arg(n.reta.size()).arg(n.retaSize));
        for (std::size_t i = 0; i < n.reta.size(); ++i) {
            if (n.reta[i] < 0 || n.reta[i] >= n.queues)
                fail(fileName, QStringLiteral("nic.reta[%1]").arg(i),
                     tr("queue %1 does not exist: the NIC has %2 queues")
                         .arg(n.reta[i])
                         .arg(n.queues));
        }
    }
    if (!n.queueCores.empty()) {
        if (static_cast<int>(n.queueCores.size()) != n.queues)
            fail(fileName, QStringLiteral("nic.queue_cores"),
                 tr("has %1 entries but the NIC has %2 queues")
                     .arg(n.queueCores.size())
                     .arg(n.queues));
        for (std::size_t i = 0; i < n.queueCores.size(); ++i) {
            if (n.queueCores[i] < 0 || n.queueCores[i] >= s.cores.count)
                fail(fileName, QStringLiteral("nic.queue_cores[%1]").arg(i),
                     tr("core %1 does not exist: there are %2 cores")
                         .arg(n.queueCores[i])
                         .arg(s.cores.count));
        }
    }
    if (n.ringSize < 1)
        fail(fileName, QStringLiteral("nic.ring_size"), tr("must be at least 1"));
    if (s.sampleNs == 0 || s.durationNs < s.sampleNs)
        fail(fileName, QStringLiteral("sample_ms"),
             tr("must be positive and no longer than duration_ms"));
    if (s.traffic.empty())
        fail(fileName, QStringLiteral("traffic"), tr("needs at least one source"));
    for (std::size_t i = 0; i < s.traffic.size(); ++i) {
        const TrafficSpec &t = s.traffic[i];
        // IPv6 with ports is the longest input: 36 bytes, which needs a 40-byte key.
        const std::size_t input = (t.ipv6 ? 32 : 8) + 4;
        if (n.key.size() < input + 4 && t.kind != TrafficKind::Capture)
            fail(fileName, QStringLiteral("nic.key"),
                 tr("is %1 bytes; traffic[%2] needs at least %3")
                     .arg(n.key.size())
                     .arg(i)
                     .arg(input + 4));
    }
    if (n.key.size() < 16)
        fail(fileName, QStringLiteral("nic.key"),
             tr("is %1 bytes; an IPv4 TCP hash needs at least 16").arg(n.key.size()));
}

Scenario loadScenario(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        fail(path, {}, tr("cannot read the scenario: %1").arg(file.errorString()));
    Scenario s = parseScenario(file.readAll(), path);
    s.folder = QFileInfo(path).absolutePath();
    return s;
}

QJsonObject scenarioToJson(const Scenario &s)
{
    QJsonObject nic{
        {QStringLiteral("queues"), s.nic.queues},
        {QStringLiteral("reta_size"), s.nic.retaSize},
        {QStringLiteral("ring_size"), s.nic.ringSize},
        {QStringLiteral("key"), keyText(s.nic)},
        {QStringLiteral("interrupt_moderation_us"),
         static_cast<double>(s.nic.moderationNs) / 1000.0},
    };
    if (!s.nic.reta.empty()) {
        QJsonArray reta;
        for (int q : s.nic.reta)
            reta.append(q);
        nic.insert(QStringLiteral("reta"), reta);
    }
    if (!s.nic.queueCores.empty()) {
        QJsonArray cores;
        for (int c : s.nic.queueCores)
            cores.append(c);
        nic.insert(QStringLiteral("queue_cores"), cores);
    }
    const QJsonObject cores{
        {QStringLiteral("count"), s.cores.count},
        {QStringLiteral("packet_ns"), static_cast<qint64>(s.cores.packetNs)},
        {QStringLiteral("interrupt_ns"), static_cast<qint64>(s.cores.interruptNs)},
        {QStringLiteral("napi_weight"), s.cores.napiWeight},
        {QStringLiteral("rps_steer_ns"), static_cast<qint64>(s.cores.rpsSteerNs)},
        {QStringLiteral("ipi_ns"), static_cast<qint64>(s.cores.ipiNs)},
        {QStringLiteral("backlog"), s.cores.backlogSize},
    };
    QJsonArray traffic;
    for (const TrafficSpec &t : s.traffic) {
        QJsonObject source{
            {QStringLiteral("kind"), trafficKindName(t.kind)},
            {QStringLiteral("start_ms"), static_cast<double>(t.startNs) / kNsPerMs},
        };
        if (!t.label.isEmpty())
            source.insert(QStringLiteral("label"), t.label);
        if (t.endNs != std::numeric_limits<std::uint64_t>::max())
            source.insert(QStringLiteral("end_ms"), static_cast<double>(t.endNs) / kNsPerMs);
        if (t.kind == TrafficKind::Capture) {
            source.insert(QStringLiteral("file"), t.captureFile);
            source.insert(QStringLiteral("speed"), t.captureSpeed);
            source.insert(QStringLiteral("loop"), t.captureLoop);
        } else {
            if (t.kind != TrafficKind::Elephant && t.kind != TrafficKind::SynFlood)
                source.insert(QStringLiteral("flows"), t.flows);
            source.insert(QStringLiteral("pps"), t.packetsPerSecond);
            if (t.kind == TrafficKind::Zipf)
                source.insert(QStringLiteral("zipf_exponent"), t.zipfExponent);
            source.insert(QStringLiteral("protocol"),
                          t.udp ? QStringLiteral("udp") : QStringLiteral("tcp"));
            source.insert(QStringLiteral("ipv6"), t.ipv6);
            source.insert(QStringLiteral("bytes"), t.packetBytes);
        }
        traffic.append(source);
    }
    QJsonObject json{
        {QStringLiteral("name"), s.name},
        {QStringLiteral("mode"), steeringModeName(s.mode)},
        {QStringLiteral("duration_ms"), static_cast<double>(s.durationNs) / kNsPerMs},
        {QStringLiteral("sample_ms"), static_cast<double>(s.sampleNs) / kNsPerMs},
        {QStringLiteral("seed"), static_cast<qint64>(s.seed)},
        {QStringLiteral("nic"), nic},
        {QStringLiteral("cores"), cores},
        {QStringLiteral("traffic"), traffic},
    };
    if (!s.description.isEmpty())
        json.insert(QStringLiteral("description"), s.description);
    if (s.maxPackets)
        json.insert(QStringLiteral("max_packets"), static_cast<qint64>(s.maxPackets));
    return json;
}

} // namespace vmwb::rss
