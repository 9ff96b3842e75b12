// Cost presets are data with a source for every number; a broken preset names its field.

#include "trace/CostModel.h"

#include <QtTest>
#include <cmath>
#include <limits>

using namespace vmwb;

class TestCostModel : public QObject
{
    Q_OBJECT

private slots:
    void pentium4PresetCarriesThePapersNumbers_data();
    void pentium4PresetCarriesThePapersNumbers();
    void everyNumberHasASource();
    void everyShippedPresetLoads_data();
    void everyShippedPresetLoads();
    void presetIdIsItsFileName();
    void publishedNumbersEqualThePapers_data();
    void publishedNumbersEqualThePapers();
    void unpublishedNumbersSayTheyAreAssumptions();
    void roundTripIsSplitInThePentium4Proportion_data();
    void roundTripIsSplitInThePentium4Proportion();
    void roundTripFallsAcrossGenerations();
    void brokenPresetNamesTheField_data();
    void brokenPresetNamesTheField();
};

void TestCostModel::pentium4PresetCarriesThePapersNumbers_data()
{
    QTest::addColumn<int>("cost");
    QTest::addColumn<quint64>("cycles");
    // Adams and Agesen, ASPLOS 2006: Figure 4 (native) and Table 1 (Pentium 4 672).
    QTest::newRow("in, native") << static_cast<int>(Cost::PortAccess) << quint64{3209};
    QTest::newRow("divzero, native") << static_cast<int>(Cost::ExceptionDelivery) << quint64{889};
    QTest::newRow("VM entry") << static_cast<int>(Cost::VmEntry) << quint64{2409};
    QTest::newRow("page-fault VM exit") << static_cast<int>(Cost::VmExit) << quint64{1931};
    QTest::newRow("VMCB read") << static_cast<int>(Cost::VmcsRead) << quint64{178};
    QTest::newRow("VMCB write") << static_cast<int>(Cost::VmcsWrite) << quint64{171};
    QTest::newRow("in, binary translation") << static_cast<int>(Cost::Callout) << quint64{217};
    QTest::newRow("translation per instruction")
        << static_cast<int>(Cost::TranslatedInstruction) << quint64{2300};
}

void TestCostModel::pentium4PresetCarriesThePapersNumbers()
{
    QFETCH(int, cost);
    QFETCH(quint64, cycles);
    const CostPresets presets;
    const CostPreset *preset = presets.find(CostPresets::defaultId());
    QVERIFY(preset);
    QCOMPARE((*preset)[static_cast<Cost>(cost)], cycles);
    QVERIFY(
        preset->value(static_cast<Cost>(cost)).source.contains(QStringLiteral("Adams and Agesen")));
}

void TestCostModel::everyNumberHasASource()
{
    const CostPresets presets;
    QVERIFY(!presets.all().empty());
    for (const CostPreset &preset : presets.all()) {
        QVERIFY(!preset.source.isEmpty());
        for (std::size_t i = 0; i < kCostCount; ++i) {
            const QString source = preset.values[i].source;
            QVERIFY2(!source.isEmpty(), costKey(static_cast<Cost>(i)));
        }
    }
}

void TestCostModel::everyShippedPresetLoads_data()
{
    QTest::addColumn<QString>("id");
    for (const char *id : {"pentium4-2006", "core2-2006", "penryn-2008", "nehalem-2009",
                           "westmere-2010", "sandybridge-2011", "kvm-2024"})
        QTest::newRow(id) << QString::fromLatin1(id);
}

void TestCostModel::everyShippedPresetLoads()
{
    QFETCH(QString, id);
    const CostPresets presets;
    const CostPreset *preset = presets.find(id);
    QVERIFY2(preset, qPrintable(id));
    QVERIFY(!preset->title.isEmpty());
    QVERIFY(!preset->source.isEmpty());
}

// Every file under engine/costs/ is compiled in, parses, and is named by its id.
void TestCostModel::presetIdIsItsFileName()
{
    const QDir directory(QStringLiteral(":/vmwb/costs"));
    const QFileInfoList files = directory.entryInfoList({QStringLiteral("*.json")}, QDir::Files);
    QCOMPARE(files.size(), 7);
    const CostPresets presets;
    QCOMPARE(presets.all().size(), std::size_t(files.size()));
    for (const QFileInfo &info : files) {
        QFile file(info.filePath());
        QVERIFY(file.open(QIODevice::ReadOnly));
        CostPresetError error;
        const auto preset = parseCostPreset(file.readAll(), info.fileName(), error);
        QVERIFY2(preset, qPrintable(info.fileName() + QStringLiteral(": ") + error.message));
        QCOMPARE(preset->id, info.completeBaseName());
    }
}

// The numbers a paper prints, as a sum of the costs the preset splits them into.
void TestCostModel::publishedNumbersEqualThePapers_data()
{
    QTest::addColumn<QString>("id");
    QTest::addColumn<QList<int>>("costs");
    QTest::addColumn<quint64>("cycles");
    QTest::addColumn<QString>("cited");
    const auto one = [](Cost cost) { return QList<int>{static_cast<int>(cost)}; };
    const QList<int> roundTrip{static_cast<int>(Cost::VmExit), static_cast<int>(Cost::VmEntry)};
    const QString adams = QStringLiteral("Adams and Agesen 2006, Table 1");
    const QString agesen = QStringLiteral("Agesen et al. 2012, Table 1");

    // Adams and Agesen, ASPLOS 2006, Table 1, Core 2 Duo column.
    QTest::newRow("Core 2 VM entry")
        << QStringLiteral("core2-2006") << one(Cost::VmEntry) << quint64{937} << adams;
    QTest::newRow("Core 2 page-fault VM exit")
        << QStringLiteral("core2-2006") << one(Cost::VmExit) << quint64{1186} << adams;
    QTest::newRow("Core 2 VMCB read")
        << QStringLiteral("core2-2006") << one(Cost::VmcsRead) << quint64{52} << adams;
    QTest::newRow("Core 2 VMCB write")
        << QStringLiteral("core2-2006") << one(Cost::VmcsWrite) << quint64{44} << adams;
    // Agesen et al., USENIX ATC 2012, Table 1: hardware round trips.
    QTest::newRow("Penryn round trip")
        << QStringLiteral("penryn-2008") << roundTrip << quint64{1266} << agesen;
    QTest::newRow("Nehalem round trip")
        << QStringLiteral("nehalem-2009") << roundTrip << quint64{1009} << agesen;
    QTest::newRow("Westmere round trip")
        << QStringLiteral("westmere-2010") << roundTrip << quint64{761} << agesen;
    QTest::newRow("Sandy Bridge round trip")
        << QStringLiteral("sandybridge-2011") << roundTrip << quint64{784} << agesen;
    // Kauer, KVM list, December 2024: a cpuid exit handled in KVM, median.
    QTest::newRow("KVM cpuid exit")
        << QStringLiteral("kvm-2024")
        << QList<int>{static_cast<int>(Cost::VmExit), static_cast<int>(Cost::MonitorEmulation),
                      static_cast<int>(Cost::VmEntry)}
        << quint64{1098} << QStringLiteral("Kauer 2024");
}

void TestCostModel::publishedNumbersEqualThePapers()
{
    QFETCH(QString, id);
    QFETCH(QList<int>, costs);
    QFETCH(quint64, cycles);
    QFETCH(QString, cited);
    const CostPresets presets;
    const CostPreset *preset = presets.find(id);
    QVERIFY(preset);
    quint64 sum = 0;
    for (int cost : costs) {
        sum += (*preset)[static_cast<Cost>(cost)];
        QVERIFY2(preset->value(static_cast<Cost>(cost)).source.contains(cited),
                 costKey(static_cast<Cost>(cost)));
    }
    QCOMPARE(sum, cycles);
}

// Beside the Pentium 4 672, only Table 1's Core 2 column is printed cost by cost; every other
// number is a stated assumption.
void TestCostModel::unpublishedNumbersSayTheyAreAssumptions()
{
    const auto printed = [](const QString &id, Cost cost) {
        return id == QLatin1String("core2-2006") &&
               (cost == Cost::VmEntry || cost == Cost::VmExit || cost == Cost::VmcsRead ||
                cost == Cost::VmcsWrite);
    };
    const CostPresets presets;
    for (const CostPreset &preset : presets.all()) {
        if (preset.id == CostPresets::defaultId())
            continue;
        for (std::size_t i = 0; i < kCostCount; ++i) {
            const auto cost = static_cast<Cost>(i);
            const bool assumption =
                preset.value(cost).source.startsWith(QLatin1String("Assumption: "));
            QVERIFY2(assumption != printed(preset.id, cost),
                     qPrintable(preset.id + QLatin1Char(' ') + QLatin1String(costKey(cost))));
        }
    }
}

// Agesen et al. 2012 print only exit plus entry; the presets split it as the Pentium 4's
// Table 1 figures do, 1,931 : 2,409 (Adams and Agesen 2006).
void TestCostModel::roundTripIsSplitInThePentium4Proportion_data()
{
    QTest::addColumn<QString>("id");
    for (const char *id : {"penryn-2008", "nehalem-2009", "westmere-2010", "sandybridge-2011"})
        QTest::newRow(id) << QString::fromLatin1(id);
}

void TestCostModel::roundTripIsSplitInThePentium4Proportion()
{
    QFETCH(QString, id);
    const CostPresets presets;
    const CostPreset *pentium4 = presets.find(CostPresets::defaultId());
    const CostPreset *preset = presets.find(id);
    QVERIFY(pentium4 && preset);
    const double exitShare = double((*pentium4)[Cost::VmExit]) /
                             double((*pentium4)[Cost::VmExit] + (*pentium4)[Cost::VmEntry]);
    const quint64 roundTrip = (*preset)[Cost::VmExit] + (*preset)[Cost::VmEntry];
    QCOMPARE((*preset)[Cost::VmExit], quint64(std::llround(double(roundTrip) * exitShare)));
}

// Adams and Agesen 2006, Table 1, and Agesen et al. 2012, Table 1: the hardware round trip fell
// with each generation from the Pentium 4 to Sandy Bridge ("by about 80 %").
void TestCostModel::roundTripFallsAcrossGenerations()
{
    const CostPresets presets;
    quint64 previous = std::numeric_limits<quint64>::max();
    for (const char *id : {"pentium4-2006", "core2-2006", "nehalem-2009", "sandybridge-2011"}) {
        const CostPreset *preset = presets.find(QString::fromLatin1(id));
        QVERIFY2(preset, id);
        const quint64 roundTrip = (*preset)[Cost::VmExit] + (*preset)[Cost::VmEntry];
        QVERIFY2(roundTrip < previous, id);
        previous = roundTrip;
    }
    const CostPreset *pentium4 = presets.find(CostPresets::defaultId());
    const quint64 first = (*pentium4)[Cost::VmExit] + (*pentium4)[Cost::VmEntry];
    QVERIFY2(previous * 4 <= first,
             "Sandy Bridge's round trip is not a quarter of the Pentium 4's");
}

void TestCostModel::brokenPresetNamesTheField_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("named");
    const QByteArray good = R"({"id":"x","title":"X","source":"S","costs":{)"
                            R"("instruction":{"cycles":1,"source":"s"},)"
                            R"("trap_round_trip":{"cycles":1,"source":"s"},)"
                            R"("monitor_emulation":{"cycles":1,"source":"s"},)"
                            R"("port_access":{"cycles":1,"source":"s"},)"
                            R"("exception_delivery":{"cycles":1,"source":"s"},)"
                            R"("vm_entry":{"cycles":1,"source":"s"},)"
                            R"("vm_exit":{"cycles":1,"source":"s"},)"
                            R"("vmcs_read":{"cycles":1,"source":"s"},)"
                            R"("vmcs_write":{"cycles":1,"source":"s"},)"
                            R"("hypercall":{"cycles":1,"source":"s"},)"
                            R"("callout":{"cycles":1,"source":"s"},)"
                            R"("translated_instruction":{"cycles":1,"source":"s"},)"
                            R"("fetch_trap":{"cycles":1,"source":"s"},)"
                            R"("page_fault_walk":{"cycles":1,"source":"s"},)"
                            R"("tpr_write":{"cycles":1,"source":"s"},)"
                            R"("exception_reflection":{"cycles":1,"source":"s"},)"
                            R"("shadow_page_fault":{"cycles":1,"source":"s"},)"
                            R"("io_exit_emulation":{"cycles":1,"source":"s"},)"
                            R"("translated_return":{"cycles":1,"source":"s"},)"
                            R"("inline_tpr_access":{"cycles":1,"source":"s"}}})";
    QTest::newRow("valid") << good << QString();
    QTest::newRow("not JSON") << QByteArray("{\"id\": ") << QStringLiteral("offset");
    QTest::newRow("no id") << QByteArray(good).replace("\"id\":\"x\",", "")
                           << QStringLiteral("\"id\"");
    QTest::newRow("missing cost") << QByteArray(good).replace("\"vm_exit\"", "\"vm_exit_typo\"")
                                  << QStringLiteral("costs.vm_exit");
    QTest::newRow("negative cycles")
        << QByteArray(good).replace("\"trap_round_trip\":{\"cycles\":1",
                                    "\"trap_round_trip\":{\"cycles\":-5")
        << QStringLiteral("costs.trap_round_trip.cycles");
    QTest::newRow("fractional cycles")
        << QByteArray(good).replace("\"port_access\":{\"cycles\":1",
                                    "\"port_access\":{\"cycles\":1.5")
        << QStringLiteral("costs.port_access.cycles");
    QTest::newRow("no source") << QByteArray(good).replace(
                                      "\"vmcs_read\":{\"cycles\":1,\"source\":\"s\"}",
                                      "\"vmcs_read\":{\"cycles\":1}")
                               << QStringLiteral("costs.vmcs_read.source");
}

void TestCostModel::brokenPresetNamesTheField()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, named);
    CostPresetError error;
    const auto preset = parseCostPreset(json, QStringLiteral("my-preset.json"), error);
    if (named.isEmpty()) {
        QVERIFY2(preset.has_value(), qPrintable(error.message));
        return;
    }
    QVERIFY(!preset.has_value());
    QCOMPARE(error.file, QStringLiteral("my-preset.json"));
    QVERIFY2(error.message.contains(named), qPrintable(error.message));
}

QTEST_GUILESS_MAIN(TestCostModel)
#include "tst_costmodel.moc"
