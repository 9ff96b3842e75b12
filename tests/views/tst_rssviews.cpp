// The Receive-Side Scaling pane: one packet's hash bit by bit against Microsoft's verification
// vectors, the flow table under QAbstractItemModelTester, a run to the end filling the plots,
// rebalancing and editing the indirection table mid-run, the controls rebuilding the
// simulation, bad scenario files and keys reported without losing the pane, exports, and the
// window's menu action and dock.

#include "MainWindow.h"
#include "common/Theme.h"
#include "controller/WorkbenchController.h"
#include "rss/FlowTableModel.h"
#include "rss/HashWalkthrough.h"
#include "rss/IndirectionTableView.h"
#include "rss/LoadView.h"
#include "rss/ReceiveChart.h"
#include "rss/RssPane.h"
#include "rss/SteeringDiagram.h"
#include "rss/Toeplitz.h"
#include "support/HostedPane.h"

#include <QAbstractItemModelTester>
#include <QAction>
#include <QComboBox>
#include <QDockWidget>
#include <QFile>
#include <QLineEdit>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest>

using namespace vmwb;

namespace {

constexpr std::uint64_t kMs = 1'000'000;

rss::FlowTuple tuple(const QString &source, int sourcePort, const QString &destination,
                     int destinationPort)
{
    const auto s = rss::parseAddress(source);
    const auto d = rss::parseAddress(destination);
    if (!s || !d)
        qFatal("bad address in a test vector");
    rss::FlowTuple t;
    t.ipv6 = s->ipv6;
    t.source = s->bytes;
    t.destination = d->bytes;
    t.sourcePort = static_cast<std::uint16_t>(sourcePort);
    t.destinationPort = static_cast<std::uint16_t>(destinationPort);
    return t;
}

// A short scenario: `flows` flows of one kind over `queues` queues and `cores` cores.
rss::Scenario scenario(rss::TrafficKind kind, int flows, int queues, int cores,
                       std::uint64_t durationMs = 20)
{
    rss::Scenario s;
    s.name = QStringLiteral("test");
    s.nic.queues = queues;
    s.cores.count = cores;
    s.traffic.front().kind = kind;
    s.traffic.front().flows = flows;
    s.traffic.front().packetsPerSecond = 2e6;
    s.durationNs = durationMs * kMs;
    return s;
}

bool writeFile(const QString &path, const QByteArray &contents)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(contents) == contents.size();
}

struct HostedRss : test::Hosted<RssPane>
{
    explicit HostedRss(WorkbenchController &controller)
        : test::Hosted<RssPane>(controller, {1400, 900})
    {}
};

} // namespace

class TestRssViews : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();

    void walkthroughReproducesMicrosoftsVectors_data();
    void walkthroughReproducesMicrosoftsVectors();
    void walkthroughStepsMatchTheEngine();
    void walkthroughRoutesTheBucket();
    void walkthroughReportsAKeyTooShort();

    void flowModelPassesTheTester();
    void hashViewFollowsTheBusiestFlowUntilOneIsPicked();
    void runningToTheEndFillsThePlots();
    void runningOnTheTimerAdvancesLive();
    void picturesAddUp();
    void rebalancingChangesTheTableAndTheSimulation();
    void clickingACellMovesTheBucket();
    void controlsRebuildTheSimulation();
    void customKeyIsCheckedAndUsed();
    void badScenarioFileShowsTheErrorAndThePaneStillWorks_data();
    void badScenarioFileShowsTheErrorAndThePaneStillWorks();
    void scenarioFolderIsListed();
    void exportWritesPngSvgAndPdf();
    void captionSaysWhatTheNumbersShow_data();
    void captionSaysWhatTheNumbersShow();

    void windowHasThePaneAndItsAction();

private:
    WorkbenchController m_controller;
};

void TestRssViews::initTestCase()
{
    applyTheme(Theme::Light);
}

// --- one packet's hash --------------------------------------------------------------------

void TestRssViews::walkthroughReproducesMicrosoftsVectors_data()
{
    QTest::addColumn<QString>("source");
    QTest::addColumn<int>("sourcePort");
    QTest::addColumn<QString>("destination");
    QTest::addColumn<int>("destinationPort");
    QTest::addColumn<uint>("hash");
    // "Verifying the RSS Hash Calculation", IPv4 and IPv6 with ports.
    QTest::newRow("ipv4 1") << "66.9.149.187" << 2794 << "161.142.100.80" << 1766 << 0x51ccc178U;
    QTest::newRow("ipv4 2") << "199.92.111.2" << 14230 << "65.69.140.83" << 4739 << 0xc626b0eaU;
    QTest::newRow("ipv6 1") << "3ffe:2501:200:1fff::7" << 2794 << "3ffe:2501:200:3::1" << 1766
                            << 0x40207d3dU;
}

void TestRssViews::walkthroughReproducesMicrosoftsVectors()
{
    QFETCH(QString, source);
    QFETCH(int, sourcePort);
    QFETCH(QString, destination);
    QFETCH(int, destinationPort);
    QFETCH(uint, hash);
    HashWalkthrough view;
    view.resize(1200, 300);
    view.show();
    const rss::FlowTuple t = tuple(source, sourcePort, destination, destinationPort);
    view.setFlow(QStringLiteral("vector"), t, rss::microsoftKey());
    QVERIFY(view.hasFlow());
    QCOMPARE(view.bitCount(), static_cast<int>(rss::hashInput(t).size() * 8));
    // It opens on the whole hash; the start is 0; the end is the engine's bit-serial hash.
    QCOMPARE(view.position(), view.bitCount());
    QCOMPARE(view.result(), std::uint32_t{hash});
    QCOMPARE(view.result(), rss::hashBitSerial(rss::microsoftKey(), rss::hashInput(t)));
    view.toStart();
    QCOMPARE(view.result(), 0U);
    view.toEnd();
    QCOMPARE(view.result(), std::uint32_t{hash});
    QCOMPARE(view.finalHash(), std::uint32_t{hash});
}

void TestRssViews::walkthroughStepsMatchTheEngine()
{
    HashWalkthrough view;
    view.show();
    const rss::FlowTuple t =
        tuple(QStringLiteral("66.9.149.187"), 2794, QStringLiteral("161.142.100.80"), 1766);
    view.setFlow({}, t, rss::microsoftKey());
    const std::vector<rss::HashStep> steps = rss::hashSteps(rss::microsoftKey(), rss::hashInput(t));
    view.toStart();
    for (std::size_t i = 0; i < steps.size(); ++i) {
        view.stepForward();
        QCOMPARE(view.position(), static_cast<int>(i + 1));
        QCOMPARE(view.result(), steps[i].result);
    }
    view.stepForward(); // past the end: stays
    QCOMPARE(view.position(), view.bitCount());
    view.stepBack();
    QCOMPARE(view.result(), steps[steps.size() - 2].result);

    // The slider and the buttons drive the same position.
    auto *slider = view.findChild<QSlider *>(QStringLiteral("hashSlider"));
    QVERIFY(slider != nullptr);
    slider->setValue(40);
    QCOMPARE(view.position(), 40);
    QCOMPARE(view.result(), steps[39].result);
    view.findChild<QToolButton *>(QStringLiteral("hashEnd"))->click();
    QCOMPARE(slider->value(), view.bitCount());
}

void TestRssViews::walkthroughRoutesTheBucket()
{
    HashWalkthrough view;
    view.show();
    HashRoute route;
    route.retaSize = 128;
    route.queue = 3;
    route.core = 5;
    view.setRoute(route);
    view.setFlow(
        {}, tuple(QStringLiteral("66.9.149.187"), 2794, QStringLiteral("161.142.100.80"), 1766),
        rss::microsoftKey());
    // 0x51ccc178's low 7 bits are 0x78 = 120.
    const QString text = view.routeText();
    QVERIFY2(text.contains(QStringLiteral("0x51ccc178")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("low 7 bits")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("<b>120</b>")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("queue <b>3</b>")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("core <b>5</b>")), qPrintable(text));
    // Before the end it does not give the answer away.
    view.toStart();
    QCOMPARE(view.findChild<QLabel *>(QStringLiteral("hashRoute"))
                 ->text()
                 .contains(QStringLiteral("0x51ccc178")),
             false);
}

void TestRssViews::walkthroughReportsAKeyTooShort()
{
    HashWalkthrough view;
    view.show();
    const std::vector<std::uint8_t> shortKey(8, 0x6d);
    view.setFlow(
        {}, tuple(QStringLiteral("66.9.149.187"), 2794, QStringLiteral("161.142.100.80"), 1766),
        shortKey);
    QVERIFY(!view.hasFlow());
    QVERIFY(view.findChild<QLabel *>(QStringLiteral("hashFlow"))
                ->text()
                .contains(QStringLiteral("too short")));
}

// --- the pane -------------------------------------------------------------------------------

void TestRssViews::flowModelPassesTheTester()
{
    HostedRss hosted(m_controller);
    RssPane *pane = hosted.pane;
    QVERIFY(pane->setScenario(scenario(rss::TrafficKind::Zipf, 200, 8, 8)));
    // The table is brought up to date where it can be seen.
    pane->showPage(RssPane::Page::Hash);
    QAbstractItemModelTester tester(pane->flowModel(),
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester proxyTester(pane->flowTable()->model(),
                                         QAbstractItemModelTester::FailureReportingMode::QtTest);
    pane->runTo(5 * kMs);
    pane->runTo(10 * kMs);
    FlowTableModel *model = pane->flowModel();
    const std::vector<rss::FlowStats> &flows = pane->simulation()->flows();
    QCOMPARE(model->rowCount(), static_cast<int>(flows.size()));
    QCOMPARE(model->columnCount(), static_cast<int>(FlowTableModel::ColumnCount));
    for (int row : {0, 7, model->rowCount() - 1}) {
        const rss::FlowStats &flow = flows[static_cast<std::size_t>(row)];
        QCOMPARE(model->index(row, FlowTableModel::HashColumn).data().toString(),
                 QStringLiteral("0x%1").arg(flow.hash, 8, 16, QLatin1Char('0')));
        QCOMPARE(model->index(row, FlowTableModel::CoreColumn).data(FlowTableModel::SortRole),
                 QVariant(flow.core));
        QCOMPARE(model->index(row, FlowTableModel::PacketsColumn)
                     .data(FlowTableModel::SortRole)
                     .toULongLong(),
                 static_cast<qulonglong>(flow.packets));
    }
    // The table shows the busiest flow first.
    const QModelIndex first = pane->flowTable()->model()->index(0, 0);
    const int busiest = first.data(FlowTableModel::FlowIndexRole).toInt();
    for (const rss::FlowStats &flow : flows)
        QVERIFY(flow.packets <= flows[static_cast<std::size_t>(busiest)].packets);
    // A new simulation resets the rows.
    pane->restart();
    pane->runTo(2 * kMs);
    QVERIFY(model->headerData(0, Qt::Horizontal).toString().size() > 0);
}

void TestRssViews::hashViewFollowsTheBusiestFlowUntilOneIsPicked()
{
    HostedRss hosted(m_controller);
    RssPane *pane = hosted.pane;
    QVERIFY(pane->setScenario(scenario(rss::TrafficKind::Zipf, 100, 8, 8)));
    pane->runTo(10 * kMs);
    const std::vector<rss::FlowStats> &flows = pane->simulation()->flows();
    const auto busiest = std::max_element(
        flows.begin(), flows.end(),
        [](const rss::FlowStats &a, const rss::FlowStats &b) { return a.packets < b.packets; });
    QCOMPARE(pane->walkthrough()->finalHash(), busiest->hash);
    // Its bucket is marked in the table.
    const int other = busiest == flows.begin() ? 1 : 0;
    pane->showFlowHash(other);
    QCOMPARE(pane->shownFlow(), other);
    QCOMPARE(pane->walkthrough()->finalHash(), flows[static_cast<std::size_t>(other)].hash);
    QCOMPARE(pane->walkthrough()->tuple().sourcePort,
             flows[static_cast<std::size_t>(other)].tuple.sourcePort);
    // Clicking a flow in the diagram picks it and turns to the hash page.
    pane->showPage(RssPane::Page::Steering);
    emit pane->diagram()->flowClicked(2);
    QCOMPARE(pane->shownFlow(), 2);
    QCOMPARE(pane->tabs()->currentIndex(), 1);
    pane->runTo(15 * kMs);
    QCOMPARE(pane->shownFlow(), 2); // picked: it stays
}

void TestRssViews::runningToTheEndFillsThePlots()
{
    HostedRss hosted(m_controller);
    RssPane *pane = hosted.pane;
    QVERIFY(pane->setScenario(scenario(rss::TrafficKind::Zipf, 300, 4, 4, 30)));
    QSignalSpy updated(pane, &RssPane::simulationUpdated);
    pane->runToEnd();
    QVERIFY(pane->simulation()->finished());
    QVERIFY(updated.count() >= 1);
    const std::vector<rss::Sample> &samples = pane->simulation()->samples();
    QCOMPARE(samples.size(), std::size_t{30});
    ReceiveChart *chart = pane->chart();
    QCOMPARE(chart->coreGraphCount(), 4);
    QCOMPARE(chart->shownSamples(), static_cast<int>(samples.size()));
    for (int c = 0; c < chart->coreGraphCount(); ++c) {
        QCOMPARE(chart->coreGraph(c)->dataCount(), static_cast<int>(samples.size()));
        QCOMPARE(chart->coreGraph(c)->name(), QStringLiteral("core %1").arg(c));
        // Packets per second: the sample's packets over its millisecond.
        QCOMPARE(chart->coreGraph(c)->data()->at(5)->value,
                 static_cast<double>(samples[5].cores[static_cast<std::size_t>(c)].packets) *
                     1000.0);
    }
    QCOMPARE(chart->dropsGraph()->dataCount(), static_cast<int>(samples.size()));
    QCOMPARE(chart->imbalanceGraph()->dataCount(), static_cast<int>(samples.size()));
    QCOMPARE(chart->legend->itemCount(), 4);
    QVERIFY(!pane->caption().isEmpty());
    QVERIFY(pane->errorText().isEmpty());
}

void TestRssViews::runningOnTheTimerAdvancesLive()
{
    HostedRss hosted(m_controller);
    RssPane *pane = hosted.pane;
    QVERIFY(pane->setScenario(scenario(rss::TrafficKind::Uniform, 100, 8, 8, 1000)));
    pane->run();
    QVERIFY(pane->isRunning());
    QTRY_VERIFY(pane->simulation()->samples().size() >= 3);
    QTRY_VERIFY(pane->chart()->shownSamples() >= 3);
    pane->pause();
    QVERIFY(!pane->isRunning());
    const std::uint64_t now = pane->simulation()->now();
    QTest::qWait(150);
    QCOMPARE(pane->simulation()->now(), now);
    QVERIFY(!pane->simulation()->finished());
}

void TestRssViews::picturesAddUp()
{
    HostedRss hosted(m_controller);
    RssPane *pane = hosted.pane;
    QVERIFY(pane->setScenario(scenario(rss::TrafficKind::Zipf, 500, 8, 4, 20)));
    pane->runToEnd();
    // The diagram's rows hold every packet the flows brought; a single flow's row all on one
    // queue; the cores' nodes add up to the same.
    const SteeringDiagram *diagram = pane->diagram();
    QVERIFY(!diagram->rows().empty());
    std::uint64_t rowPackets = 0;
    for (const SteeringDiagram::Row &row : diagram->rows()) {
        rowPackets += row.packets;
        if (row.flow >= 0)
            QCOMPARE(std::count_if(row.perQueue.begin(), row.perQueue.end(),
                                   [](double v) { return v > 0; }),
                     std::ptrdiff_t{1});
    }
    std::uint64_t flowPackets = 0;
    for (const rss::FlowStats &flow : pane->simulation()->flows())
        flowPackets += flow.packets;
    QCOMPARE(rowPackets, flowPackets);
    double corePackets = 0;
    for (double packets : diagram->corePackets())
        corePackets += packets;
    QCOMPARE(qRound64(corePackets), static_cast<qint64>(flowPackets));
    // One bar per core and per queue.
    QCOMPARE(pane->loadView()->cores().size(), std::size_t{4});
    QCOMPARE(pane->loadView()->rings().size(), std::size_t{8});
    for (const LoadView::CoreLoad &core : pane->loadView()->cores())
        QVERIFY(core.busy >= 0 && core.busy <= 1);
}

void TestRssViews::rebalancingChangesTheTableAndTheSimulation()
{
    HostedRss hosted(m_controller);
    RssPane *pane = hosted.pane;
    // Eight equal flows on eight queues: the hash never deals them out one per queue.
    QVERIFY(pane->setScenario(scenario(rss::TrafficKind::Uniform, 8, 8, 8, 40)));
    pane->runTo(20 * kMs);
    const std::vector<int> before = pane->simulation()->reta();
    const rss::Rebalancing result = pane->rebalance();
    QVERIFY(!result.moves.empty());
    QVERIFY(result.reta != before);
    QCOMPARE(pane->simulation()->reta(), result.reta);
    QCOMPARE(pane->retaView()->table(), result.reta);
    QCOMPARE(pane->moves().size(), static_cast<qsizetype>(result.moves.size()));
    QCOMPARE(pane->chart()->markCount(), 1);
    // The flows of a moved bucket now go to its new queue.
    for (const rss::RetaMove &move : result.moves) {
        for (const rss::FlowStats &flow : pane->simulation()->flows()) {
            if (flow.bucket == move.bucket)
                QCOMPARE(flow.queue, result.reta[static_cast<std::size_t>(move.bucket)]);
        }
    }
    // The simulation goes on with the new table, and its imbalance comes down.
    const double imbalanceBefore = pane->simulation()->samples().back().imbalance;
    pane->runToEnd();
    QVERIFY(pane->simulation()->finished());
    QVERIFY(pane->simulation()->samples().back().imbalance < imbalanceBefore);
    // Straight after, no bucket has packets to go by: nothing to move, and it says so.
    pane->restart();
    QVERIFY(pane->rebalance().moves.empty());
    QCOMPARE(pane->moves().size(), 1);
}

void TestRssViews::clickingACellMovesTheBucket()
{
    HostedRss hosted(m_controller);
    RssPane *pane = hosted.pane;
    QVERIFY(pane->setScenario(scenario(rss::TrafficKind::Uniform, 100, 4, 4)));
    pane->runTo(5 * kMs);
    IndirectionTableView *view = pane->retaView();
    QTRY_VERIFY(view->isVisible());
    const int before = pane->simulation()->reta()[5];
    QTest::mouseClick(view, Qt::LeftButton, {}, view->cellRect(5).center());
    QCOMPARE(pane->simulation()->reta()[5], (before + 1) % 4);
    QCOMPARE(pane->chart()->markCount(), 1);
    pane->setRetaEntry(6, 3);
    QCOMPARE(pane->simulation()->reta()[6], 3);
    QCOMPARE(pane->chart()->markCount(), 1); // the same moment: one mark
    pane->setRetaEntry(6, 9);                // no such queue: ignored
    QCOMPARE(pane->simulation()->reta()[6], 3);
}

void TestRssViews::controlsRebuildTheSimulation()
{
    HostedRss hosted(m_controller);
    RssPane *pane = hosted.pane;
    QVERIFY(pane->setScenario(scenario(rss::TrafficKind::Zipf, 100, 8, 8)));
    auto *cores = pane->findChild<QSpinBox *>(QStringLiteral("rssCores"));
    auto *queues = pane->findChild<QSpinBox *>(QStringLiteral("rssQueues"));
    auto *mode = pane->findChild<QComboBox *>(QStringLiteral("rssMode"));
    auto *traffic = pane->findChild<QComboBox *>(QStringLiteral("rssTraffic"));
    QVERIFY(cores && queues && mode && traffic);
    cores->setValue(4);
    QCOMPARE(pane->simulation()->coreCount(), 4);
    QCOMPARE(pane->chart()->coreGraphCount(), 4);
    queues->setValue(2);
    QCOMPARE(pane->simulation()->queueCount(), 2);
    for (int queue : pane->simulation()->reta())
        QVERIFY(queue >= 0 && queue < 2);
    mode->setCurrentIndex(mode->findData(static_cast<int>(rss::SteeringMode::SingleQueue)));
    emit mode->activated(mode->currentIndex());
    QCOMPARE(pane->scenario().mode, rss::SteeringMode::SingleQueue);
    QCOMPARE(pane->simulation()->queueCount(), 1);
    QVERIFY(!queues->isEnabled());
    traffic->setCurrentIndex(traffic->findData(static_cast<int>(rss::TrafficKind::Elephant)));
    emit traffic->activated(traffic->currentIndex());
    QCOMPARE(pane->scenario().traffic.front().kind, rss::TrafficKind::Elephant);
    pane->runToEnd();
    QVERIFY(pane->caption().contains(QStringLiteral("One queue")));
}

void TestRssViews::customKeyIsCheckedAndUsed()
{
    HostedRss hosted(m_controller);
    RssPane *pane = hosted.pane;
    QVERIFY(pane->setScenario(scenario(rss::TrafficKind::Zipf, 100, 8, 8)));
    auto *keyBox = pane->findChild<QComboBox *>(QStringLiteral("rssKey"));
    auto *edit = pane->findChild<QLineEdit *>(QStringLiteral("rssKeyHex"));
    QVERIFY(keyBox && edit);
    keyBox->setCurrentIndex(keyBox->findData(QStringLiteral("custom")));
    emit keyBox->activated(keyBox->currentIndex());
    QVERIFY(edit->isEnabled());

    edit->setText(QStringLiteral("6d5a zz"));
    emit edit->returnPressed();
    QVERIFY2(pane->keyMessage().contains(QStringLiteral("hex")), qPrintable(pane->keyMessage()));
    QCOMPARE(pane->scenario().nic.key, rss::microsoftKey()); // unchanged

    edit->setText(QStringLiteral("6d5a 56da"));
    emit edit->returnPressed();
    QVERIFY2(pane->keyMessage().contains(QStringLiteral("too short")),
             qPrintable(pane->keyMessage()));
    QCOMPARE(pane->scenario().nic.key, rss::microsoftKey());

    const std::vector<std::uint8_t> symmetric = rss::symmetricKey(40);
    QString hex;
    for (std::uint8_t byte : symmetric)
        hex += QStringLiteral("%1 ").arg(byte, 2, 16, QLatin1Char('0'));
    edit->setText(hex);
    emit edit->returnPressed();
    QVERIFY2(pane->keyMessage().isEmpty(), qPrintable(pane->keyMessage()));
    QCOMPARE(pane->scenario().nic.key, symmetric);
    QCOMPARE(pane->scenario().nic.keyName, QStringLiteral("custom"));
    // The hash shown is under the new key.
    pane->runTo(5 * kMs);
    const rss::FlowTuple t = pane->walkthrough()->tuple();
    QCOMPARE(pane->walkthrough()->finalHash(), rss::hashBitSerial(symmetric, rss::hashInput(t)));
}

void TestRssViews::badScenarioFileShowsTheErrorAndThePaneStillWorks_data()
{
    QTest::addColumn<QByteArray>("contents");
    QTest::addColumn<QString>("mentions");
    QTest::newRow("not json") << QByteArray("{ \"nic\": ") << QString();
    QTest::newRow("queues out of range")
        << QByteArray("{ \"nic\": { \"queues\": 0 } }") << QStringLiteral("queues");
    QTest::newRow("unknown traffic kind")
        << QByteArray("{ \"traffic\": [ { \"kind\": \"tsunami\" } ] }") << QStringLiteral("kind");
    QTest::newRow("missing capture")
        << QByteArray("{ \"traffic\": [ { \"kind\": \"capture\", \"file\": \"nowhere.pcap\" } ] }")
        << QStringLiteral("nowhere.pcap");
    QTest::newRow("missing file") << QByteArray() << QString();
}

void TestRssViews::badScenarioFileShowsTheErrorAndThePaneStillWorks()
{
    QFETCH(QByteArray, contents);
    QFETCH(QString, mentions);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("broken.json"));
    if (!contents.isEmpty())
        QVERIFY(writeFile(path, contents));

    HostedRss hosted(m_controller);
    RssPane *pane = hosted.pane;
    QVERIFY(pane->setScenario(scenario(rss::TrafficKind::Zipf, 100, 4, 4)));
    const rss::ReceiveSimulation *before = pane->simulation();
    QVERIFY(!pane->loadScenarioFile(path));
    QVERIFY2(pane->errorText().contains(QStringLiteral("broken.json")),
             qPrintable(pane->errorText()));
    if (!mentions.isEmpty())
        QVERIFY2(pane->errorText().contains(mentions), qPrintable(pane->errorText()));
    auto *error = pane->findChild<QLabel *>(QStringLiteral("rssError"));
    QVERIFY(error->isVisible());
    // The old simulation is kept and still runs.
    QCOMPARE(pane->simulation(), before);
    QCOMPARE(pane->scenario().name, QStringLiteral("test"));
    pane->runToEnd();
    QVERIFY(pane->simulation()->finished());
    QCOMPARE(pane->chart()->shownSamples(), static_cast<int>(pane->simulation()->samples().size()));
    // A good file clears the error.
    const QString good = dir.filePath(QStringLiteral("good.json"));
    QVERIFY(writeFile(good, "{ \"name\": \"good\", \"duration_ms\": 5 }"));
    QVERIFY(pane->loadScenarioFile(good));
    QVERIFY(pane->errorText().isEmpty());
    QVERIFY(!error->isVisible());
    QCOMPARE(pane->scenario().name, QStringLiteral("good"));
}

void TestRssViews::scenarioFolderIsListed()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QVERIFY(writeFile(dir.filePath(QStringLiteral("a.json")),
                      "{ \"name\": \"Alpha\", \"duration_ms\": 5 }"));
    QVERIFY(writeFile(dir.filePath(QStringLiteral("b.json")), "not a scenario"));
    HostedRss hosted(m_controller);
    RssPane *pane = hosted.pane;
    pane->setScenarioFolders({dir.path(), dir.filePath(QStringLiteral("missing"))});
    const QStringList files = pane->scenarioFiles();
    QCOMPARE(files.size(), 2);
    auto *box = pane->findChild<QComboBox *>(QStringLiteral("rssScenario"));
    QVERIFY(box->findText(QStringLiteral("Alpha")) > 0);
    // Choosing one loads it.
    box->setCurrentIndex(box->findText(QStringLiteral("Alpha")));
    emit box->activated(box->currentIndex());
    QCOMPARE(pane->scenario().name, QStringLiteral("Alpha"));
    // The exercises' folder is looked for next to the executable's build tree.
    QVERIFY(!RssPane::defaultScenarioFolders().isEmpty());
}

void TestRssViews::exportWritesPngSvgAndPdf()
{
    HostedRss hosted(m_controller);
    RssPane *pane = hosted.pane;
    QVERIFY(pane->setScenario(scenario(rss::TrafficKind::Zipf, 100, 4, 4)));
    pane->runTo(10 * kMs);
    pane->rebalance();
    pane->runToEnd();
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString png = dir.filePath(QStringLiteral("chart.png"));
    const QString pdf = dir.filePath(QStringLiteral("chart.pdf"));
    const QString svg = dir.filePath(QStringLiteral("chart.svg"));
    QString error;
    QVERIFY2(pane->exportChart(png, &error), qPrintable(error));
    QVERIFY2(pane->exportChart(pdf, &error), qPrintable(error));
    QVERIFY2(pane->exportChart(svg, &error), qPrintable(error));
    QFile pngFile(png);
    QVERIFY(pngFile.open(QIODevice::ReadOnly));
    QVERIFY(pngFile.size() > 1000);
    QCOMPARE(pngFile.read(4), QByteArray("\x89PNG"));
    QFile pdfFile(pdf);
    QVERIFY(pdfFile.open(QIODevice::ReadOnly));
    QVERIFY(pdfFile.size() > 1000);
    QCOMPARE(pdfFile.read(4), QByteArray("%PDF"));
    // The SVG is vector graphics: the plots' lines are paths, the labels text.
    QFile svgFile(svg);
    QVERIFY(svgFile.open(QIODevice::ReadOnly));
    const QByteArray svgText = svgFile.readAll();
    QVERIFY(svgText.contains("<svg"));
    QVERIFY(svgText.contains("<path") || svgText.contains("<polyline"));
    QVERIFY(svgText.contains("packets/s"));
    // Only the finished files: no temporary ones left behind.
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files).size(), 3);
    // A place that cannot be written says so.
    QVERIFY(!pane->exportChart(dir.filePath(QStringLiteral("no/such/folder/chart.png")), &error));
    QVERIFY(error.contains(QStringLiteral("chart.png")));
}

void TestRssViews::captionSaysWhatTheNumbersShow_data()
{
    QTest::addColumn<int>("kind");
    QTest::addColumn<int>("flows");
    QTest::addColumn<QString>("says");
    QTest::newRow("many mice") << static_cast<int>(rss::TrafficKind::Uniform) << 5000
                               << QStringLiteral("spread evenly");
    QTest::newRow("one elephant") << static_cast<int>(rss::TrafficKind::Elephant) << 1
                                  << QStringLiteral("whatever the number of queues");
    QTest::newRow("syn flood") << static_cast<int>(rss::TrafficKind::SynFlood) << 1
                               << QStringLiteral("SYN flood");
}

void TestRssViews::captionSaysWhatTheNumbersShow()
{
    QFETCH(int, kind);
    QFETCH(int, flows);
    QFETCH(QString, says);
    HostedRss hosted(m_controller);
    RssPane *pane = hosted.pane;
    QVERIFY(pane->setScenario(scenario(static_cast<rss::TrafficKind>(kind), flows, 8, 8)));
    QVERIFY(pane->caption().contains(QStringLiteral("Press Run")));
    pane->runToEnd();
    QVERIFY2(pane->caption().contains(says), qPrintable(pane->caption()));
}

// --- the window -----------------------------------------------------------------------------

void TestRssViews::windowHasThePaneAndItsAction()
{
    app::MainWindow window(app::MainWindow::Settings::Ignore);
    window.resize(1600, 1000);
    window.show();
    auto *dock = window.findChild<QDockWidget *>(QStringLiteral("rss"));
    QVERIFY(dock != nullptr);
    QCOMPARE(dock, static_cast<QDockWidget *>(window.rssPane()));
    auto *action = window.findChild<QAction *>(QStringLiteral("rssAction"));
    QVERIFY(action != nullptr);
    QCOMPARE(action->shortcut(), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_R));
    action->trigger();
    QTRY_VERIFY(dock->isVisible());
    // Shown, it gets most of the window's height.
    QTRY_VERIFY(dock->height() > window.height() / 2);
    window.rssPane()->runTo(10 * kMs);
    QCOMPARE(window.rssPane()->chart()->shownSamples(), 10);
}

QTEST_MAIN(TestRssViews)
#include "tst_rssviews.moc"
