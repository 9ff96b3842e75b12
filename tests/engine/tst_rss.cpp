// The Toeplitz hash against Microsoft's verification suite (the same values as DPDK's
// test_thash.c and the 82599 datasheet's), and the two implementations against each other.

#include "rss/Toeplitz.h"

#include <QTest>
#include <random>

using namespace vmwb::rss;

namespace {

FlowTuple tuple(const char *source, int sourcePort, const char *destination, int destinationPort)
{
    const auto s = parseAddress(QString::fromLatin1(source));
    const auto d = parseAddress(QString::fromLatin1(destination));
    if (!s || !d || s->ipv6 != d->ipv6)
        qFatal("bad test addresses");
    FlowTuple t;
    t.ipv6 = s->ipv6;
    t.source = s->bytes;
    t.destination = d->bytes;
    t.sourcePort = static_cast<std::uint16_t>(sourcePort);
    t.destinationPort = static_cast<std::uint16_t>(destinationPort);
    return t;
}

FlowTuple withoutPorts(FlowTuple t)
{
    t.sourcePort.reset();
    t.destinationPort.reset();
    return t;
}

FlowTuple swapped(FlowTuple t)
{
    std::swap(t.source, t.destination);
    std::swap(t.sourcePort, t.destinationPort);
    return t;
}

} // namespace

class TestRss : public QObject
{
    Q_OBJECT

private slots:
    void microsoftVerificationSuite_data();
    void microsoftVerificationSuite();
    void inputLayout();
    void bitSerialEqualsTableOnRandomInputs();
    void symmetricKeyHashesBothDirectionsAlike();
    void microsoftKeyIsNotSymmetric();
    void linuxLengthKeys();
    void retaBucketIsTheHashModuloTheTableSize();
    void keysByName();
    void badInput();
};

void TestRss::microsoftVerificationSuite_data()
{
    QTest::addColumn<QString>("destination");
    QTest::addColumn<int>("destinationPort");
    QTest::addColumn<QString>("source");
    QTest::addColumn<int>("sourcePort");
    QTest::addColumn<uint>("l3");
    QTest::addColumn<uint>("l3l4");
    // "Verifying the RSS Hash Calculation": destination first, as Microsoft's table lists them.
    QTest::newRow("ipv4 1") << "161.142.100.80" << 1766 << "66.9.149.187" << 2794 << 0x323e8fc2U
                            << 0x51ccc178U;
    QTest::newRow("ipv4 2") << "65.69.140.83" << 4739 << "199.92.111.2" << 14230 << 0xd718262aU
                            << 0xc626b0eaU;
    QTest::newRow("ipv4 3") << "12.22.207.184" << 38024 << "24.19.198.95" << 12898 << 0xd2d0a5deU
                            << 0x5c2b394aU;
    QTest::newRow("ipv4 4") << "209.142.163.6" << 2217 << "38.27.205.30" << 48228 << 0x82989176U
                            << 0xafc7327fU;
    QTest::newRow("ipv4 5") << "202.188.127.2" << 1303 << "153.39.163.191" << 44251 << 0x5d1809c5U
                            << 0x10e828a2U;
    QTest::newRow("ipv6 1") << "3ffe:2501:200:3::1" << 1766 << "3ffe:2501:200:1fff::7" << 2794
                            << 0x2cc18cd5U << 0x40207d3dU;
    QTest::newRow("ipv6 2") << "ff02::1" << 4739 << "3ffe:501:8::260:97ff:fe40:efab" << 14230
                            << 0x0f0c461cU << 0xdde51bbfU;
    QTest::newRow("ipv6 3") << "fe80::200:f8ff:fe21:67cf" << 38024
                            << "3ffe:1900:4545:3:200:f8ff:fe21:67cf" << 44251 << 0x4b61e985U
                            << 0x02d1feefU;
}

void TestRss::microsoftVerificationSuite()
{
    QFETCH(QString, destination);
    QFETCH(int, destinationPort);
    QFETCH(QString, source);
    QFETCH(int, sourcePort);
    QFETCH(uint, l3);
    QFETCH(uint, l3l4);
    const FlowTuple flow = tuple(source.toLatin1().constData(), sourcePort,
                                 destination.toLatin1().constData(), destinationPort);
    const ToeplitzTable table(microsoftKey());
    const std::vector<std::uint8_t> l3Input = hashInput(withoutPorts(flow));
    const std::vector<std::uint8_t> l4Input = hashInput(flow);
    QCOMPARE(hashBitSerial(microsoftKey(), l3Input), l3);
    QCOMPARE(hashBitSerial(microsoftKey(), l4Input), l3l4);
    QCOMPARE(table.hash(l3Input), l3);
    QCOMPARE(table.hash(l4Input), l3l4);
}

void TestRss::inputLayout()
{
    // The published 12-byte input of the first IPv4 row: source, destination, their ports.
    const FlowTuple flow = tuple("66.9.149.187", 2794, "161.142.100.80", 1766);
    const std::vector<std::uint8_t> expected{0x42, 0x09, 0x95, 0xbb, 0xa1, 0x8e,
                                             0x64, 0x50, 0x0a, 0xea, 0x06, 0xe6};
    QCOMPARE(hashInput(flow), expected);
    QCOMPARE(hashInput(withoutPorts(flow)).size(), std::size_t{8});
    const FlowTuple v6 = tuple("3ffe:2501:200:1fff::7", 2794, "3ffe:2501:200:3::1", 1766);
    QCOMPARE(hashInput(v6).size(), std::size_t{36});
    QCOMPARE(hashInput(withoutPorts(v6)).size(), std::size_t{32});
}

void TestRss::bitSerialEqualsTableOnRandomInputs()
{
    std::mt19937_64 random(20261124);
    for (const auto &key : {microsoftKey(), symmetricKey(52)}) {
        const ToeplitzTable table(key);
        for (int i = 0; i < 100'000; ++i) {
            // Every length the layouts use, and odd ones too.
            const std::size_t length = random() % (table.maxInput() + 1);
            std::vector<std::uint8_t> input(length);
            for (auto &byte : input)
                byte = static_cast<std::uint8_t>(random());
            const std::uint32_t serial = hashBitSerial(key, input);
            if (serial != table.hash(input))
                QFAIL(qPrintable(QStringLiteral("input %1 of length %2").arg(i).arg(length)));
        }
    }
}

void TestRss::symmetricKeyHashesBothDirectionsAlike()
{
    std::mt19937_64 random(7);
    const std::vector<std::uint8_t> key = symmetricKey();
    for (int i = 0; i < 10'000; ++i) {
        FlowTuple flow;
        flow.ipv6 = i % 2 == 1;
        for (auto &byte : flow.source)
            byte = static_cast<std::uint8_t>(random());
        for (auto &byte : flow.destination)
            byte = static_cast<std::uint8_t>(random());
        flow.sourcePort = static_cast<std::uint16_t>(random());
        flow.destinationPort = static_cast<std::uint16_t>(random());
        QCOMPARE(hashBitSerial(key, hashInput(swapped(flow))), hashBitSerial(key, hashInput(flow)));
        QCOMPARE(hashBitSerial(key, hashInput(withoutPorts(swapped(flow)))),
                 hashBitSerial(key, hashInput(withoutPorts(flow))));
    }
}

void TestRss::microsoftKeyIsNotSymmetric()
{
    const FlowTuple flow = tuple("66.9.149.187", 2794, "161.142.100.80", 1766);
    QVERIFY(hashBitSerial(microsoftKey(), hashInput(flow)) !=
            hashBitSerial(microsoftKey(), hashInput(swapped(flow))));
}

void TestRss::linuxLengthKeys()
{
    // A 52-byte key (Linux's length) hashes the first 40 bytes' windows exactly as the 40-byte
    // key with the same prefix does.
    std::vector<std::uint8_t> longKey = microsoftKey();
    longKey.resize(52, 0xA5);
    QCOMPARE(maxInputLength(longKey), std::size_t{48});
    const FlowTuple flow = tuple("3ffe:2501:200:1fff::7", 2794, "3ffe:2501:200:3::1", 1766);
    QCOMPARE(hashBitSerial(longKey, hashInput(flow)), 0x40207d3dU);
    QCOMPARE(ToeplitzTable(longKey).hash(hashInput(flow)), 0x40207d3dU);
}

void TestRss::retaBucketIsTheHashModuloTheTableSize()
{
    QCOMPARE(retaBucket(0x51ccc178U, 128), std::size_t{0x78});
    QCOMPARE(retaBucket(0x51ccc178U, 128), std::size_t{0x51ccc178U & 127});
    QCOMPARE(retaBucket(0xFFFFFFFFU, 100), std::size_t{0xFFFFFFFFU % 100});
    QCOMPARE(retaBucket(12345, 0), std::size_t{0});
}

void TestRss::keysByName()
{
    QCOMPARE(keyFromText(QStringLiteral("microsoft"))->bytes, microsoftKey());
    QCOMPARE(keyFromText(QStringLiteral("symmetric"))->bytes, symmetricKey(40));
    const auto longKey = keyFromText(QStringLiteral("symmetric-52"));
    QCOMPARE(longKey->bytes.size(), std::size_t{52});
    QCOMPARE(longKey->name, QStringLiteral("symmetric-52"));
    const auto custom = keyFromText(QStringLiteral("0x6d5a:56da"));
    QCOMPARE(custom->name, QStringLiteral("custom"));
    QCOMPARE(custom->bytes, (std::vector<std::uint8_t>{0x6d, 0x5a, 0x56, 0xda}));
    QVERIFY(!keyFromText(QStringLiteral("Microsoft")));
    QVERIFY(!keyFromText(QStringLiteral("6d5")));
}

void TestRss::badInput()
{
    QVERIFY(!parseAddress(QStringLiteral("300.1.2.3")));
    QVERIFY(!parseAddress(QStringLiteral("fe80::zz")));
    QVERIFY(!parseAddress(QString()));
    QVERIFY(!parseKey(QStringLiteral("6d5a5")));
    QVERIFY(!parseKey(QStringLiteral("xyz")));
    QCOMPARE(parseKey(QStringLiteral("0x6d:5a 56"))->size(), std::size_t{3});
    const std::vector<std::uint8_t> shortKey(10, 1);
    const std::vector<std::uint8_t> input(12, 2);
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, hashBitSerial(shortKey, input));
}

QTEST_GUILESS_MAIN(TestRss)
#include "tst_rss.moc"
