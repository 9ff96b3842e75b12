#include "rss/Capture.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryFile>
#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <memory>
#include <pcap/pcap.h>

namespace vmwb::rss {

namespace {

QString tr(const char *text, int n = -1)
{
    return QCoreApplication::translate("vmwb::rss::Capture", text, nullptr, n);
}

[[noreturn]] void fail(const QString &path, const QString &what)
{
    throw CaptureError(
        QStringLiteral("%1: %2").arg(QDir::toNativeSeparators(path), what).toStdString());
}

// libpcap, wrapped once: owners that close what libpcap opened.
struct PcapClose
{
    void operator()(pcap_t *pcap) const { pcap_close(pcap); }
};
using PcapHandle = std::unique_ptr<pcap_t, PcapClose>;

struct DumperClose
{
    void operator()(pcap_dumper_t *dumper) const { pcap_dump_close(dumper); }
};
using PcapDumper = std::unique_ptr<pcap_dumper_t, DumperClose>;

// The header fields this file reads and writes. Ethernet II and 802.1Q/802.1ad tags (IEEE
// 802.3 3.1.1, IEEE 802.1Q-2018 9.5), IPv4 (RFC 791 3.1), IPv6 (RFC 8200 3, 4.5), TCP (RFC 9293
// 3.1), UDP (RFC 768).
constexpr std::uint16_t kEtherTypeIpv4 = 0x0800;
constexpr std::uint16_t kEtherTypeIpv6 = 0x86DD;
constexpr std::uint16_t kEtherTypeVlan = 0x8100; // 802.1Q customer tag
constexpr std::uint16_t kEtherTypeQinQ = 0x88A8; // 802.1ad service tag
constexpr std::size_t kEthernetHeader = 14;      // destination, source, EtherType
constexpr std::size_t kEtherTypeOffset = 12;
constexpr std::size_t kVlanTag = 4; // TPID (the tag's EtherType) and TCI
constexpr int kMaxVlanTags = 2;     // 802.1ad: a service tag, then a customer tag

constexpr std::uint8_t kProtocolTcp = 6;
constexpr std::uint8_t kProtocolUdp = 17;
constexpr std::uint8_t kIpv6Fragment = 44; // RFC 8200 4.5: the Fragment header
constexpr std::size_t kIpv6FragmentHeader = 8;

//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-------+-------+---------------+-------------------------------+
// |Version|  IHL  |Type of Service|          Total Length         |
// +-------+-------+---------------+-----+-------------------------+
// |         Identification        |Flags|     Fragment Offset     |
// +---------------+---------------+-----+-------------------------+
// |  Time to Live |    Protocol   |         Header Checksum       |
// +---------------+---------------+-------------------------------+
// |                 Source Address, then Destination Address      |
// +---------------------------------------------------------------+
// |                 Options (IHL > 5), then the payload           |
//                                                   RFC 791 3.1
constexpr std::size_t kIpv4MinHeader = 20;
constexpr std::size_t kIpv4Protocol = 9;
constexpr std::size_t kIpv4Fragment = 6; // flags and fragment offset
constexpr std::size_t kIpv4Checksum = 10;
constexpr std::size_t kIpv4Source = 12;
constexpr std::size_t kIpv4Destination = 16;
constexpr std::uint16_t kDontFragment = 0x4000;
constexpr std::uint16_t kMoreFragments = 0x2000;
constexpr std::uint16_t kFragmentOffsetMask = 0x1FFF; // in units of 8 bytes

constexpr std::size_t kIpv6Header = 40;
constexpr std::size_t kIpv6PayloadLength = 4;
constexpr std::size_t kIpv6NextHeader = 6;
constexpr std::size_t kIpv6HopLimit = 7;
constexpr std::size_t kIpv6Source = 8;
constexpr std::size_t kIpv6Destination = 24;

constexpr std::size_t kTcpHeader = 20; // without options
constexpr std::size_t kTcpFlags = 13;  // the byte holding CWR ECE URG ACK PSH RST SYN FIN
constexpr std::uint8_t kTcpAck = 0x10;
constexpr std::uint8_t kTcpSyn = 0x02;
constexpr std::size_t kUdpHeader = 8;
constexpr std::size_t kPortsLength = 4; // both protocols start with source and destination port

constexpr std::uint8_t kTimeToLive = 64;
// A non-first fragment's offset (1480 bytes, the second fragment of a 1500-byte MTU): how a
// TCP or UDP packet without ports is written, so that readers do not look for its ports.
constexpr std::uint16_t kWrittenFragmentOffset = 1480 / 8;

std::uint16_t readBe16(std::span<const std::uint8_t> bytes, std::size_t at)
{
    return static_cast<std::uint16_t>((bytes[at] << 8) | bytes[at + 1]);
}

void writeBe16(std::span<std::uint8_t> bytes, std::size_t at, std::uint16_t value)
{
    bytes[at] = static_cast<std::uint8_t>(value >> 8);
    bytes[at + 1] = static_cast<std::uint8_t>(value & 0xFF);
}

bool carriesPorts(std::uint8_t protocol)
{
    return protocol == kProtocolTcp || protocol == kProtocolUdp;
}

// ---- Reading --------------------------------------------------------------------------------

// Why a record was not kept; every kind but Kept is counted and noted.
enum class Outcome : std::uint8_t
{
    Kept,
    NotIp,
    Truncated,
    Malformed
};

struct SkipKind
{
    Outcome outcome;
    const char *note; // %n: how many records, %1: the first one's number
};
constexpr std::array kSkipKinds{
    SkipKind{Outcome::NotIp,
             QT_TRANSLATE_N_NOOP("vmwb::rss::Capture",
                                 "%n record(s) were not IPv4 or IPv6 (first: record %1)")},
    SkipKind{Outcome::Truncated,
             QT_TRANSLATE_N_NOOP("vmwb::rss::Capture",
                                 "%n record(s) were truncated (first: record %1)")},
    SkipKind{Outcome::Malformed,
             QT_TRANSLATE_N_NOOP("vmwb::rss::Capture",
                                 "%n record(s) had a malformed IP header (first: record %1)")},
};

struct Tally
{
    std::uint64_t count = 0;
    std::uint64_t firstRecord = 0;

    void add(std::uint64_t record)
    {
        if (count++ == 0)
            firstRecord = record;
    }
    QString note(const char *text) const
    {
        return tr(text, static_cast<int>(std::min<std::uint64_t>(count, INT_MAX))).arg(firstRecord);
    }
};

// The L4 header's ports, and for TCP whether it is a connection's first SYN.
Outcome readPorts(std::span<const std::uint8_t> l4, CapturedPacket &packet)
{
    const std::size_t needed = packet.protocol == kProtocolTcp ? kTcpFlags + 1 : kPortsLength;
    if (l4.size() < needed)
        return Outcome::Truncated;
    packet.tuple.sourcePort = readBe16(l4, 0);
    packet.tuple.destinationPort = readBe16(l4, 2);
    if (packet.protocol == kProtocolTcp) {
        const std::uint8_t flags = l4[kTcpFlags];
        packet.tcpSyn = (flags & kTcpSyn) && !(flags & kTcpAck);
    }
    return Outcome::Kept;
}

Outcome parseIpv4(std::span<const std::uint8_t> ip, CapturedPacket &packet)
{
    if (ip.size() < kIpv4MinHeader)
        return Outcome::Truncated;
    const std::size_t headerLength = (ip[0] & 0x0FU) * 4U;
    if ((ip[0] >> 4) != 4 || headerLength < kIpv4MinHeader)
        return Outcome::Malformed;
    if (ip.size() < headerLength)
        return Outcome::Truncated;
    packet.protocol = ip[kIpv4Protocol];
    std::ranges::copy(ip.subspan(kIpv4Source, 4), packet.tuple.source.begin());
    std::ranges::copy(ip.subspan(kIpv4Destination, 4), packet.tuple.destination.begin());
    // Any fragment, the first included, is hashed on its addresses: the others carry no ports,
    // and a flow's fragments must all land in the same queue.
    if (readBe16(ip, kIpv4Fragment) & (kMoreFragments | kFragmentOffsetMask))
        return Outcome::Kept;
    if (carriesPorts(packet.protocol))
        return readPorts(ip.subspan(headerLength), packet);
    return Outcome::Kept;
}

Outcome parseIpv6(std::span<const std::uint8_t> ip, CapturedPacket &packet)
{
    if (ip.size() < kIpv6Header)
        return Outcome::Truncated;
    if ((ip[0] >> 4) != 6)
        return Outcome::Malformed;
    packet.tuple.ipv6 = true;
    packet.protocol = ip[kIpv6NextHeader];
    std::ranges::copy(ip.subspan(kIpv6Source, 16), packet.tuple.source.begin());
    std::ranges::copy(ip.subspan(kIpv6Destination, 16), packet.tuple.destination.begin());
    const auto payload = ip.subspan(kIpv6Header);
    if (carriesPorts(packet.protocol))
        return readPorts(payload, packet);
    // Other extension headers are not walked: the packet is hashed on its addresses. A Fragment
    // header still tells which protocol the fragment belongs to.
    if (packet.protocol == kIpv6Fragment && payload.size() >= kIpv6FragmentHeader)
        packet.protocol = payload[0];
    return Outcome::Kept;
}

Outcome parseFrame(std::span<const std::uint8_t> frame, CapturedPacket &packet)
{
    std::size_t offset = kEtherTypeOffset;
    if (frame.size() < offset + 2)
        return Outcome::Truncated;
    std::uint16_t etherType = readBe16(frame, offset);
    for (int tags = 0; tags < kMaxVlanTags; ++tags) {
        if (etherType != kEtherTypeVlan && etherType != kEtherTypeQinQ)
            break;
        offset += kVlanTag;
        if (frame.size() < offset + 2)
            return Outcome::Truncated;
        etherType = readBe16(frame, offset);
    }
    const auto payload = frame.subspan(offset + 2);
    if (etherType == kEtherTypeIpv4)
        return parseIpv4(payload, packet);
    if (etherType == kEtherTypeIpv6)
        return parseIpv6(payload, packet);
    return Outcome::NotIp;
}

QString linkTypeName(int linkType)
{
    const char *name = pcap_datalink_val_to_name(linkType);
    const char *description = pcap_datalink_val_to_description(linkType);
    if (!name)
        return QString::number(linkType);
    if (!description)
        return QString::fromLatin1(name);
    return QStringLiteral("%1 (%2)").arg(QString::fromLatin1(name),
                                         QString::fromLatin1(description));
}

// ---- Writing --------------------------------------------------------------------------------

// Locally administered unicast addresses (IEEE 802 9.2: bit 1 of the first byte set).
constexpr std::array<std::uint8_t, 6> kSourceMac{0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
constexpr std::array<std::uint8_t, 6> kDestinationMac{0x02, 0x00, 0x00, 0x00, 0x00, 0x02};

// RFC 1071: the one's complement of the one's complement sum of the 16-bit words.
std::uint16_t internetChecksum(std::span<const std::uint8_t> bytes)
{
    std::uint32_t sum = 0;
    for (std::size_t i = 0; i + 1 < bytes.size(); i += 2)
        sum += readBe16(bytes, i);
    if (bytes.size() % 2)
        sum += static_cast<std::uint32_t>(bytes.back() << 8);
    while (sum >> 16)
        sum = (sum & 0xFFFF) + (sum >> 16);
    return static_cast<std::uint16_t>(~sum & 0xFFFF);
}

std::uint16_t clampLength(std::size_t length)
{
    return static_cast<std::uint16_t>(std::min<std::size_t>(length, 0xFFFF));
}

// The headers of a packet as the frame carries them; `length` is the whole frame's length on
// the wire (at least the headers').
std::vector<std::uint8_t> frameHeaders(const CapturedPacket &packet, std::size_t &length)
{
    const bool ports = packet.tuple.sourcePort && packet.tuple.destinationPort;
    const std::uint8_t protocol =
        ports ? (packet.protocol == kProtocolUdp ? kProtocolUdp : kProtocolTcp) : packet.protocol;
    // Without ports a TCP or UDP packet can only be a fragment that is not the first.
    const bool fragment = !ports && carriesPorts(protocol);
    const std::size_t ipHeader =
        packet.tuple.ipv6 ? kIpv6Header + (fragment ? kIpv6FragmentHeader : 0) : kIpv4MinHeader;
    const std::size_t l4Header = ports ? (protocol == kProtocolTcp ? kTcpHeader : kUdpHeader) : 0;
    const std::size_t headers = kEthernetHeader + ipHeader + l4Header;
    length = std::max<std::size_t>(packet.wireLength, headers);

    std::vector<std::uint8_t> frame(headers);
    const std::span<std::uint8_t> bytes(frame);
    std::ranges::copy(kDestinationMac, bytes.begin());
    std::ranges::copy(kSourceMac, bytes.subspan(6).begin());
    writeBe16(bytes, kEtherTypeOffset, packet.tuple.ipv6 ? kEtherTypeIpv6 : kEtherTypeIpv4);

    const auto ip = bytes.subspan(kEthernetHeader, ipHeader);
    if (packet.tuple.ipv6) {
        ip[0] = 0x60; // version 6, traffic class and flow label 0
        writeBe16(ip, kIpv6PayloadLength, clampLength(length - kEthernetHeader - kIpv6Header));
        ip[kIpv6NextHeader] = fragment ? kIpv6Fragment : protocol;
        ip[kIpv6HopLimit] = kTimeToLive;
        std::ranges::copy(packet.tuple.source, ip.subspan(kIpv6Source).begin());
        std::ranges::copy(packet.tuple.destination, ip.subspan(kIpv6Destination).begin());
        if (fragment) {
            const auto header = ip.subspan(kIpv6Header);
            header[0] = protocol;
            writeBe16(header, 2, static_cast<std::uint16_t>(kWrittenFragmentOffset << 3));
        }
    } else {
        ip[0] = 0x45; // version 4, IHL 5 (no options)
        writeBe16(ip, 2, clampLength(length - kEthernetHeader));
        writeBe16(ip, kIpv4Fragment, fragment ? kWrittenFragmentOffset : kDontFragment);
        ip[8] = kTimeToLive;
        ip[kIpv4Protocol] = protocol;
        std::ranges::copy(std::span(packet.tuple.source).first<4>(),
                          ip.subspan(kIpv4Source).begin());
        std::ranges::copy(std::span(packet.tuple.destination).first<4>(),
                          ip.subspan(kIpv4Destination).begin());
        writeBe16(ip, kIpv4Checksum, internetChecksum(ip));
    }

    if (ports) {
        const auto l4 = bytes.subspan(kEthernetHeader + ipHeader);
        writeBe16(l4, 0, *packet.tuple.sourcePort);
        writeBe16(l4, 2, *packet.tuple.destinationPort);
        if (protocol == kProtocolTcp) {
            l4[12] = static_cast<std::uint8_t>((kTcpHeader / 4) << 4); // data offset, in words
            l4[kTcpFlags] = packet.tcpSyn ? kTcpSyn : kTcpAck;
            writeBe16(l4, 14, 0xFFFF); // window
        } else {
            writeBe16(l4, 4, clampLength(length - kEthernetHeader - ipHeader)); // UDP length
        }
        // The checksum covers the payload, which is not captured: left 0 (for UDP over IPv4,
        // "no checksum").
    }
    return frame;
}

// Removes a file unless dismissed: the temporary file of a write that did not finish.
class RemoveUnlessKept
{
public:
    explicit RemoveUnlessKept(QString path) : m_path(std::move(path)) {}
    ~RemoveUnlessKept()
    {
        if (!m_path.isEmpty())
            QFile::remove(m_path);
    }
    RemoveUnlessKept(const RemoveUnlessKept &) = delete;
    RemoveUnlessKept &operator=(const RemoveUnlessKept &) = delete;
    void keep() { m_path.clear(); }

private:
    QString m_path;
};

} // namespace

Capture readCapture(const QString &path)
{
    if (!QFileInfo::exists(path))
        fail(path, tr("no such file"));
    std::array<char, PCAP_ERRBUF_SIZE> error{};
    // Nanosecond precision: libpcap scales a microsecond capture's timestamps up, so tv_usec
    // always holds nanoseconds.
    const PcapHandle pcap(pcap_open_offline_with_tstamp_precision(
        QFile::encodeName(path).constData(), PCAP_TSTAMP_PRECISION_NANO, error.data()));
    if (!pcap)
        fail(path, QString::fromLocal8Bit(error.data()));
    if (const int linkType = pcap_datalink(pcap.get()); linkType != DLT_EN10MB)
        fail(path, tr("the link type is %1, not Ethernet").arg(linkTypeName(linkType)));

    Capture capture;
    std::array<Tally, kSkipKinds.size()> skipped;
    Tally backwards;
    std::int64_t first = 0;
    std::int64_t previous = 0;
    for (std::uint64_t record = 1;; ++record) {
        pcap_pkthdr *header = nullptr;
        const u_char *data = nullptr;
        const int status = pcap_next_ex(pcap.get(), &header, &data);
        if (status == PCAP_ERROR_BREAK) // the end of the file
            break;
        if (status != 1)
            fail(path, tr("record %1: %2")
                           .arg(record)
                           .arg(QString::fromLocal8Bit(pcap_geterr(pcap.get()))));

        const std::int64_t time =
            static_cast<std::int64_t>(header->ts.tv_sec) * 1'000'000'000 + header->ts.tv_usec;
        if (record == 1)
            first = previous = time;
        if (time < previous)
            backwards.add(record);
        else
            previous = time;

        CapturedPacket packet;
        packet.timeNs = static_cast<std::uint64_t>(previous - first);
        packet.wireLength = header->len;
        const Outcome outcome = parseFrame({data, header->caplen}, packet);
        if (outcome == Outcome::Kept) {
            capture.packets.push_back(packet);
            continue;
        }
        ++capture.skipped;
        for (std::size_t kind = 0; kind < kSkipKinds.size(); ++kind) {
            if (kSkipKinds[kind].outcome == outcome)
                skipped[kind].add(record);
        }
    }

    for (std::size_t kind = 0; kind < kSkipKinds.size(); ++kind) {
        if (skipped[kind].count)
            capture.notes << skipped[kind].note(kSkipKinds[kind].note);
    }
    if (backwards.count)
        capture.notes << backwards.note(QT_TRANSLATE_N_NOOP(
            "vmwb::rss::Capture", "%n record(s) went back in time and were given the time of the "
                                  "record before (first: record %1)"));
    return capture;
}

void writeCapture(const QString &path, std::span<const CapturedPacket> packets)
{
    const QFileInfo target(path);
    // libpcap writes through its own FILE*, so QSaveFile cannot be used: a temporary file in
    // the target's folder, renamed over the target once complete.
    QTemporaryFile temporary(target.absolutePath() + QLatin1Char('/') + target.fileName() +
                             QStringLiteral(".tmp-XXXXXX"));
    temporary.setAutoRemove(false);
    if (!temporary.open())
        fail(path, tr("cannot create a temporary file: %1").arg(temporary.errorString()));
    const QString temporaryName = temporary.fileName();
    RemoveUnlessKept cleanup(temporaryName);
    temporary.close();

    const PcapHandle dead(
        pcap_open_dead_with_tstamp_precision(DLT_EN10MB, 65535, PCAP_TSTAMP_PRECISION_NANO));
    if (!dead)
        fail(path, tr("libpcap cannot open a capture for writing"));
    {
        const PcapDumper dumper(
            pcap_dump_open(dead.get(), QFile::encodeName(temporaryName).constData()));
        if (!dumper)
            fail(path, QString::fromLocal8Bit(pcap_geterr(dead.get())));
        for (const CapturedPacket &packet : packets) {
            std::size_t length = 0;
            const std::vector<std::uint8_t> frame = frameHeaders(packet, length);
            pcap_pkthdr header{};
            header.ts.tv_sec = static_cast<time_t>(packet.timeNs / 1'000'000'000);
            header.ts.tv_usec = static_cast<suseconds_t>(packet.timeNs % 1'000'000'000);
            header.caplen = static_cast<bpf_u_int32>(frame.size());
            header.len = static_cast<bpf_u_int32>(length);
            pcap_dump(reinterpret_cast<u_char *>(dumper.get()), &header, frame.data());
        }
        errno = 0;
        if (pcap_dump_flush(dumper.get()) != 0 || std::ferror(pcap_dump_file(dumper.get()))) {
            const int code = errno;
            fail(path,
                 tr("cannot write: %1")
                     .arg(code ? QString::fromLocal8Bit(std::strerror(code)) : tr("write error")));
        }
    }

    // Readable by all, as a file created afresh would be; an existing target keeps its own.
    QFile::setPermissions(temporaryName, target.exists() ? QFile::permissions(path)
                                                         : QFile::ReadOwner | QFile::WriteOwner |
                                                               QFile::ReadGroup | QFile::ReadOther);
    // rename(2) replaces the target atomically.
    if (std::rename(QFile::encodeName(temporaryName).constData(),
                    QFile::encodeName(path).constData()) != 0)
        fail(path,
             tr("cannot replace the file: %1").arg(QString::fromLocal8Bit(std::strerror(errno))));
    cleanup.keep();
}

} // namespace vmwb::rss
