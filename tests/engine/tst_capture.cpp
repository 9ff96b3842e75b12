// Packet captures: what writeCapture writes reads back alike (and hashes alike), hand-built
// pcap files exercise the parser's corners (VLAN tags, fragments, IPv4 options, truncation),
// and broken files or unwritable targets give a CaptureError naming the file.

#include "rss/Capture.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace vmwb::rss;

Q_DECLARE_METATYPE(vmwb::rss::CapturedPacket)

namespace {

FlowTuple tuple(const char *source, const char *destination)
{
    const auto s = parseAddress(QString::fromLatin1(source));
    const auto d = parseAddress(QString::fromLatin1(destination));
    if (!s || !d || s->ipv6 != d->ipv6)
        qFatal("bad test addresses");
    FlowTuple t;
    t.ipv6 = s->ipv6;
    t.source = s->bytes;
    t.destination = d->bytes;
    return t;
}

FlowTuple tuple(const char *source, int sourcePort, const char *destination, int destinationPort)
{
    FlowTuple t = tuple(source, destination);
    t.sourcePort = static_cast<std::uint16_t>(sourcePort);
    t.destinationPort = static_cast<std::uint16_t>(destinationPort);
    return t;
}

CapturedPacket packet(const FlowTuple &tuple, std::uint8_t protocol, std::uint32_t wireLength,
                      bool syn = false)
{
    CapturedPacket p;
    p.tuple = tuple;
    p.protocol = protocol;
    p.wireLength = wireLength;
    p.tcpSyn = syn;
    return p;
}

std::uint32_t hashOf(const FlowTuple &tuple)
{
    return hashBitSerial(microsoftKey(), hashInput(tuple));
}

// ---- Hand-built frames, in network byte order ----

void appendBe16(QByteArray &bytes, int value)
{
    bytes.append(static_cast<char>((value >> 8) & 0xFF));
    bytes.append(static_cast<char>(value & 0xFF));
}

void appendLe32(QByteArray &bytes, std::uint32_t value)
{
    for (int shift = 0; shift < 32; shift += 8)
        bytes.append(static_cast<char>((value >> shift) & 0xFF));
}

void appendAddress(QByteArray &bytes, const char *address)
{
    const auto parsed = parseAddress(QString::fromLatin1(address));
    if (!parsed)
        qFatal("bad test address");
    bytes.append(reinterpret_cast<const char *>(parsed->bytes.data()), parsed->ipv6 ? 16 : 4);
}

// Ethernet header with the given 802.1Q/802.1ad tag types (each tag's TCI is VLAN 100).
QByteArray ethernet(int etherType, std::initializer_list<int> tags = {})
{
    QByteArray bytes(12, '\x02');
    for (int tag : tags) {
        appendBe16(bytes, tag);
        appendBe16(bytes, 100);
    }
    appendBe16(bytes, etherType);
    return bytes;
}

QByteArray ipv4(int protocol, int fragment = 0x4000, int ihl = 5, int version = 4)
{
    QByteArray bytes;
    bytes.append(static_cast<char>((version << 4) | ihl));
    bytes.append('\0');
    appendBe16(bytes, 60);
    appendBe16(bytes, 0x1234);
    appendBe16(bytes, fragment);
    bytes.append(static_cast<char>(64));
    bytes.append(static_cast<char>(protocol));
    appendBe16(bytes, 0); // checksum: the reader does not check it
    appendAddress(bytes, "10.1.2.3");
    appendAddress(bytes, "10.4.5.6");
    bytes.append(QByteArray(std::max(ihl - 5, 0) * 4, '\x01')); // options
    return bytes;
}

QByteArray ipv6(int nextHeader)
{
    QByteArray bytes;
    appendBe16(bytes, 0x6000);
    appendBe16(bytes, 0);
    appendBe16(bytes, 20);
    bytes.append(static_cast<char>(nextHeader));
    bytes.append(static_cast<char>(64));
    appendAddress(bytes, "2001:db8::1");
    appendAddress(bytes, "2001:db8::2");
    return bytes;
}

QByteArray tcp(int sourcePort, int destinationPort, int flags)
{
    QByteArray bytes;
    appendBe16(bytes, sourcePort);
    appendBe16(bytes, destinationPort);
    bytes.append(QByteArray(8, '\0')); // sequence and acknowledgment numbers
    bytes.append(static_cast<char>(0x50));
    bytes.append(static_cast<char>(flags));
    appendBe16(bytes, 0xFFFF);
    bytes.append(QByteArray(4, '\0'));
    return bytes;
}

QByteArray udp(int sourcePort, int destinationPort)
{
    QByteArray bytes;
    appendBe16(bytes, sourcePort);
    appendBe16(bytes, destinationPort);
    appendBe16(bytes, 8);
    appendBe16(bytes, 0);
    return bytes;
}

constexpr int kSyn = 0x02;
constexpr int kAck = 0x10;
constexpr std::uint32_t kLinkTypeEthernet = 1;
constexpr std::uint32_t kLinkTypeRaw = 101;

struct Record
{
    std::uint32_t seconds = 0;
    std::uint32_t microseconds = 0;
    QByteArray frame;
    std::uint32_t claimedLength = 0; // captured length in the record header, if not the frame's
};

// A classic microsecond pcap file, little-endian.
QByteArray pcapFile(std::uint32_t linkType, const std::vector<Record> &records)
{
    QByteArray bytes;
    appendLe32(bytes, 0xa1b2c3d4);
    appendLe32(bytes, 2 | (4U << 16)); // version 2.4
    appendLe32(bytes, 0);              // time zone
    appendLe32(bytes, 0);              // timestamp accuracy
    appendLe32(bytes, 65535);          // snapshot length
    appendLe32(bytes, linkType);
    for (const Record &record : records) {
        const auto length = static_cast<std::uint32_t>(record.frame.size());
        appendLe32(bytes, record.seconds);
        appendLe32(bytes, record.microseconds);
        appendLe32(bytes, record.claimedLength ? record.claimedLength : length);
        appendLe32(bytes, std::max<std::uint32_t>(length, 60));
        bytes.append(record.frame);
    }
    return bytes;
}

void writeFile(const QString &path, const QByteArray &bytes)
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size())
        qFatal("cannot write a test file");
}

} // namespace

class TestCapture : public QObject
{
    Q_OBJECT

private slots:
    void roundTrip_data();
    void roundTrip();
    void timesAreNanosecondsFromTheFirstPacket();
    void frames_data();
    void frames();
    void skippedRecordsAreCountedAndNoted();
    void readErrors_data();
    void readErrors();
    void writeIntoMissingFolder();
    void failedWriteLeavesTargetUntouched();
    void writeReplacesTarget();
};

void TestCapture::roundTrip_data()
{
    QTest::addColumn<CapturedPacket>("written");
    QTest::addColumn<std::uint32_t>("wireLength"); // as read back

    const FlowTuple v4 = tuple("66.9.149.187", 2794, "161.142.100.80", 1766);
    const FlowTuple v6 = tuple("3ffe:2501:200:1fff::7", 2794, "3ffe:2501:200:3::1", 1766);
    QTest::newRow("IPv4 TCP") << packet(v4, 6, 1514) << 1514U;
    QTest::newRow("IPv4 TCP SYN") << packet(v4, 6, 74, true) << 74U;
    QTest::newRow("IPv4 UDP") << packet(v4, 17, 1400) << 1400U;
    QTest::newRow("IPv6 TCP") << packet(v6, 6, 1514) << 1514U;
    QTest::newRow("IPv6 TCP SYN") << packet(v6, 6, 94, true) << 94U;
    QTest::newRow("IPv6 UDP") << packet(v6, 17, 200) << 200U;
    QTest::newRow("IPv4 ICMP") << packet(tuple("10.0.0.1", "10.0.0.2"), 1, 98) << 98U;
    QTest::newRow("IPv4 TCP fragment") << packet(tuple("10.0.0.1", "10.0.0.2"), 6, 600) << 600U;
    QTest::newRow("IPv6 UDP fragment") << packet(tuple("::1", "::2"), 17, 600) << 600U;
    // Shorter than its headers (14 + 20 + 20): the headers' length.
    QTest::newRow("wire length below headers") << packet(v4, 6, 10) << 54U;
    QTest::newRow("jumbo") << packet(v6, 17, 9014) << 9014U;
}

void TestCapture::roundTrip()
{
    QFETCH(CapturedPacket, written);
    QFETCH(std::uint32_t, wireLength);

    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("round-trip.pcap"));
    CapturedPacket later = written;
    later.timeNs = 1'000'000'007;
    const std::vector<CapturedPacket> packets{written, later};
    writeCapture(path, packets);

    const Capture capture = readCapture(path);
    QCOMPARE(capture.skipped, 0U);
    QVERIFY2(capture.notes.isEmpty(), qPrintable(capture.notes.join(u'\n')));
    QCOMPARE(capture.packets.size(), 2U);
    QCOMPARE(capture.packets[0].timeNs, 0U);
    QCOMPARE(capture.packets[1].timeNs, 1'000'000'007U);
    for (const CapturedPacket &read : capture.packets) {
        QCOMPARE(read.tuple.ipv6, written.tuple.ipv6);
        QCOMPARE(read.tuple.source, written.tuple.source);
        QCOMPARE(read.tuple.destination, written.tuple.destination);
        QCOMPARE(read.tuple.sourcePort, written.tuple.sourcePort);
        QCOMPARE(read.tuple.destinationPort, written.tuple.destinationPort);
        QCOMPARE(read.protocol, written.protocol);
        QCOMPARE(read.tcpSyn, written.tcpSyn);
        QCOMPARE(read.wireLength, wireLength);
        QCOMPARE(hashOf(read.tuple), hashOf(written.tuple));
    }
}

void TestCapture::timesAreNanosecondsFromTheFirstPacket()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("times.pcap"));
    std::vector<CapturedPacket> packets;
    for (std::uint64_t time : {5'000ULL, 5'001ULL, 2'000'005'000ULL, 7'000'000'000'123ULL}) {
        CapturedPacket p = packet(tuple("10.0.0.1", 1000, "10.0.0.2", 80), 6, 60);
        p.timeNs = time;
        packets.push_back(p);
    }
    writeCapture(path, packets);

    const Capture capture = readCapture(path);
    QCOMPARE(capture.packets.size(), 4U);
    QCOMPARE(capture.packets[0].timeNs, 0U);
    QCOMPARE(capture.packets[1].timeNs, 1U);
    QCOMPARE(capture.packets[2].timeNs, 2'000'000'000U);
    QCOMPARE(capture.packets[3].timeNs, 7'000'000'000'123ULL - 5'000ULL);
}

void TestCapture::frames_data()
{
    QTest::addColumn<QByteArray>("frame");
    QTest::addColumn<bool>("kept");
    QTest::addColumn<bool>("ipv6");
    QTest::addColumn<int>("protocol");
    QTest::addColumn<int>("sourcePort"); // -1: no ports
    QTest::addColumn<int>("destinationPort");
    QTest::addColumn<bool>("syn");
    QTest::addColumn<QString>("note"); // for a skipped frame: a word of its note

    const QString kept;
    QTest::newRow("IPv4 UDP") << ethernet(0x0800) + ipv4(17) + udp(53, 40000) << true << false << 17
                              << 53 << 40000 << false << kept;
    QTest::newRow("IPv4 TCP SYN") << ethernet(0x0800) + ipv4(6) + tcp(40000, 443, kSyn) << true
                                  << false << 6 << 40000 << 443 << true << kept;
    QTest::newRow("IPv4 TCP SYN-ACK") << ethernet(0x0800) + ipv4(6) + tcp(443, 40000, kSyn | kAck)
                                      << true << false << 6 << 443 << 40000 << false << kept;
    QTest::newRow("802.1Q tagged IPv4 TCP")
        << ethernet(0x0800, {0x8100}) + ipv4(6) + tcp(1234, 80, kAck) << true << false << 6 << 1234
        << 80 << false << kept;
    QTest::newRow("802.1ad double-tagged IPv4 UDP")
        << ethernet(0x0800, {0x88a8, 0x8100}) + ipv4(17) + udp(5000, 6000) << true << false << 17
        << 5000 << 6000 << false << kept;
    QTest::newRow("three tags") << ethernet(0x0800, {0x88a8, 0x8100, 0x8100}) + ipv4(17) +
                                       udp(5000, 6000)
                                << false << false << 0 << -1 << -1 << false
                                << QStringLiteral("IPv4 or IPv6");
    QTest::newRow("IPv4 first fragment (MF)")
        << ethernet(0x0800) + ipv4(17, 0x2000) + udp(53, 40000) << true << false << 17 << -1 << -1
        << false << kept;
    QTest::newRow("IPv4 later fragment") << ethernet(0x0800) + ipv4(6, 185) + QByteArray(20, 'x')
                                         << true << false << 6 << -1 << -1 << false << kept;
    QTest::newRow("IPv4 options (IHL 6)")
        << ethernet(0x0800) + ipv4(6, 0x4000, 6) + tcp(2222, 22, kAck) << true << false << 6 << 2222
        << 22 << false << kept;
    QTest::newRow("IPv4 ICMP") << ethernet(0x0800) + ipv4(1) + QByteArray(8, '\0') << true << false
                               << 1 << -1 << -1 << false << kept;
    QTest::newRow("IPv6 TCP") << ethernet(0x86DD) + ipv6(6) + tcp(40000, 443, kSyn) << true << true
                              << 6 << 40000 << 443 << true << kept;
    QTest::newRow("IPv6 hop-by-hop options")
        << ethernet(0x86DD) + ipv6(0) + QByteArray(8, '\0') + udp(1, 2) << true << true << 0 << -1
        << -1 << false << kept;
    QTest::newRow("ARP") << ethernet(0x0806) + QByteArray(28, '\0') << false << false << 0 << -1
                         << -1 << false << QStringLiteral("IPv4 or IPv6");
    QTest::newRow("TCP header cut short")
        << ethernet(0x0800) + ipv4(6) + tcp(1, 2, kAck).left(10) << false << false << 0 << -1 << -1
        << false << QStringLiteral("truncated");
    QTest::newRow("options cut short")
        << ethernet(0x0800) + ipv4(6, 0x4000, 8).left(24) << false << false << 0 << -1 << -1
        << false << QStringLiteral("truncated");
    QTest::newRow("Ethernet header only") << ethernet(0x0800) << false << false << 0 << -1 << -1
                                          << false << QStringLiteral("truncated");
    QTest::newRow("ten bytes") << QByteArray(10, '\0') << false << false << 0 << -1 << -1 << false
                               << QStringLiteral("truncated");
    QTest::newRow("IHL 4") << ethernet(0x0800) + ipv4(6, 0x4000, 4) + tcp(1, 2, kAck) << false
                           << false << 0 << -1 << -1 << false << QStringLiteral("malformed");
    QTest::newRow("IPv6 EtherType, IPv4 header")
        << ethernet(0x86DD) + ipv4(6) + tcp(1, 2, kAck) + QByteArray(20, '\0') << false << false
        << 0 << -1 << -1 << false << QStringLiteral("malformed");
}

void TestCapture::frames()
{
    QFETCH(QByteArray, frame);
    QFETCH(bool, kept);
    QFETCH(bool, ipv6);
    QFETCH(int, protocol);
    QFETCH(int, sourcePort);
    QFETCH(int, destinationPort);
    QFETCH(bool, syn);
    QFETCH(QString, note);

    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("frame.pcap"));
    writeFile(path, pcapFile(kLinkTypeEthernet, {{1000, 0, frame, 0}}));

    const Capture capture = readCapture(path);
    if (!kept) {
        QCOMPARE(capture.packets.size(), 0U);
        QCOMPARE(capture.skipped, 1U);
        QCOMPARE(capture.notes.size(), 1);
        QVERIFY2(capture.notes[0].contains(note), qPrintable(capture.notes[0]));
        QVERIFY2(capture.notes[0].contains(QLatin1String("first: record 1")),
                 qPrintable(capture.notes[0]));
        return;
    }
    QCOMPARE(capture.skipped, 0U);
    QCOMPARE(capture.packets.size(), 1U);
    const CapturedPacket &p = capture.packets[0];
    QCOMPARE(p.tuple.ipv6, ipv6);
    QCOMPARE(static_cast<int>(p.protocol), protocol);
    QCOMPARE(p.tcpSyn, syn);
    QCOMPARE(p.wireLength, std::max<std::uint32_t>(static_cast<std::uint32_t>(frame.size()), 60));
    const FlowTuple expected =
        ipv6 ? tuple("2001:db8::1", "2001:db8::2") : tuple("10.1.2.3", "10.4.5.6");
    QCOMPARE(p.tuple.source, expected.source);
    QCOMPARE(p.tuple.destination, expected.destination);
    if (sourcePort < 0) {
        QVERIFY(!p.tuple.sourcePort);
        QVERIFY(!p.tuple.destinationPort);
    } else {
        QCOMPARE(p.tuple.sourcePort, std::optional<std::uint16_t>(sourcePort));
        QCOMPARE(p.tuple.destinationPort, std::optional<std::uint16_t>(destinationPort));
    }
}

void TestCapture::skippedRecordsAreCountedAndNoted()
{
    const QByteArray good = ethernet(0x0800) + ipv4(17) + udp(53, 40000);
    const QByteArray arp = ethernet(0x0806) + QByteArray(28, '\0');
    const QByteArray cut = ethernet(0x0800) + ipv4(6) + tcp(1, 2, kAck).left(3);
    const std::vector<Record> records{
        {1000, 0, good, 0},  // 1
        {1000, 10, good, 0}, // 2
        {1000, 20, arp, 0},  // 3: not IP
        {1000, 30, good, 0}, // 4
        {1000, 40, arp, 0},  // 5: not IP
        {1000, 50, good, 0}, // 6
        {1000, 60, cut, 0},  // 7: truncated
        {1000, 15, good, 0}, // 8: back in time, given record 7's time
        {1000, 70, arp, 0},  // 9: not IP
        {1000, 80, cut, 0},  // 10: truncated
        {1001, 0, good, 0},  // 11
    };
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("mixed.pcap"));
    writeFile(path, pcapFile(kLinkTypeEthernet, records));

    const Capture capture = readCapture(path);
    QCOMPARE(capture.skipped, 5U);
    QCOMPARE(capture.packets.size(), 6U);
    const std::vector<std::uint64_t> times{0, 10'000, 30'000, 50'000, 60'000, 1'000'000'000};
    for (std::size_t i = 0; i < times.size(); ++i)
        QCOMPARE(capture.packets[i].timeNs, times[i]);

    const QString notes = capture.notes.join(u'\n');
    QCOMPARE(capture.notes.size(), 3);
    QVERIFY2(capture.notes[0].startsWith(QLatin1String("3 record")), qPrintable(notes));
    QVERIFY2(capture.notes[0].contains(QLatin1String("not IPv4 or IPv6 (first: record 3)")),
             qPrintable(notes));
    QVERIFY2(capture.notes[1].startsWith(QLatin1String("2 record")), qPrintable(notes));
    QVERIFY2(capture.notes[1].contains(QLatin1String("truncated (first: record 7)")),
             qPrintable(notes));
    QVERIFY2(capture.notes[2].startsWith(QLatin1String("1 record")), qPrintable(notes));
    QVERIFY2(capture.notes[2].contains(QLatin1String("(first: record 8)")), qPrintable(notes));
}

void TestCapture::readErrors_data()
{
    QTest::addColumn<QByteArray>("contents"); // null: no file at all
    QTest::addColumn<QString>("message");     // besides the file's name

    const QByteArray ok = ethernet(0x0800) + ipv4(17) + udp(53, 40000);
    QTest::newRow("missing file") << QByteArray() << QStringLiteral("no such file");
    QTest::newRow("empty file") << QByteArray("") << QString();
    QTest::newRow("text file") << QByteArray("# not a capture\nhello, world\n") << QString();
    QTest::newRow("raw IP link type")
        << pcapFile(kLinkTypeRaw, {{1000, 0, ipv4(17) + udp(53, 40000), 0}})
        << QStringLiteral("RAW");
    // The second record's header claims 200 bytes; the file ends first.
    QTest::newRow("record cut short")
        << pcapFile(kLinkTypeEthernet, {{1000, 0, ok, 0}, {1000, 1, ok, 200}})
        << QStringLiteral("record 2");
}

void TestCapture::readErrors()
{
    QFETCH(QByteArray, contents);
    QFETCH(QString, message);

    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString name = QStringLiteral("broken-capture.pcap");
    const QString path = dir.filePath(name);
    if (!contents.isNull())
        writeFile(path, contents);
    try {
        readCapture(path);
        QFAIL("no CaptureError");
    } catch (const CaptureError &error) {
        const QString what = QString::fromStdString(error.what());
        QVERIFY2(what.contains(name), qPrintable(what));
        QVERIFY2(what.contains(message), qPrintable(what));
    }
}

void TestCapture::writeIntoMissingFolder()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("no-such-folder/out.pcap"));
    const std::vector<CapturedPacket> packets{packet(tuple("10.0.0.1", 1, "10.0.0.2", 2), 6, 60)};
    try {
        writeCapture(path, packets);
        QFAIL("no CaptureError");
    } catch (const CaptureError &error) {
        QVERIFY2(QString::fromStdString(error.what()).contains(QLatin1String("out.pcap")),
                 error.what());
    }
    QVERIFY(!QFileInfo::exists(dir.filePath(QStringLiteral("no-such-folder"))));
}

void TestCapture::failedWriteLeavesTargetUntouched()
{
    // The target is a folder with a file in it: the temporary file is written, the rename
    // fails, and both the folder and its file must survive, with no temporary file left behind.
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QVERIFY(QDir(dir.path()).mkdir(QStringLiteral("target.pcap")));
    const QString path = dir.filePath(QStringLiteral("target.pcap"));
    writeFile(path + QStringLiteral("/keep.txt"), "kept");
    const std::vector<CapturedPacket> packets{packet(tuple("10.0.0.1", 1, "10.0.0.2", 2), 6, 60)};

    try {
        writeCapture(path, packets);
        QFAIL("no CaptureError");
    } catch (const CaptureError &error) {
        QVERIFY2(QString::fromStdString(error.what()).contains(QLatin1String("target.pcap")),
                 error.what());
    }
    QVERIFY(QFileInfo(path).isDir());
    QFile kept(path + QStringLiteral("/keep.txt"));
    QVERIFY(kept.open(QIODevice::ReadOnly));
    QCOMPARE(kept.readAll(), QByteArray("kept"));
    QCOMPARE(QDir(dir.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden),
             QStringList{QStringLiteral("target.pcap")});
}

void TestCapture::writeReplacesTarget()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("out.pcap"));
    writeFile(path, "old contents");
    const auto permissions = QFile::ReadOwner | QFile::WriteOwner | QFile::ReadGroup;
    QVERIFY(QFile::setPermissions(path, permissions));
    const std::vector<CapturedPacket> packets{packet(tuple("10.0.0.1", 1, "10.0.0.2", 2), 17, 60),
                                              packet(tuple("10.0.0.3", 3, "10.0.0.4", 4), 17, 60)};
    writeCapture(path, packets);

    QCOMPARE(readCapture(path).packets.size(), 2U);
    QCOMPARE(QDir(dir.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden),
             QStringList{QStringLiteral("out.pcap")});
    QCOMPARE(QFileInfo(path).permissions() & ~(QFile::ReadUser | QFile::WriteUser), permissions);
}

QTEST_GUILESS_MAIN(TestCapture)
#include "tst_capture.moc"
