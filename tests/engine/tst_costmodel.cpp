// Cost presets are data with a source for every number; a broken preset names its field.

#include "trace/CostModel.h"

#include <QtTest>

using namespace vmwb;

class TestCostModel : public QObject
{
    Q_OBJECT

private slots:
    void pentium4PresetCarriesThePapersNumbers_data();
    void pentium4PresetCarriesThePapersNumbers();
    void everyNumberHasASource();
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
                            R"("fetch_trap":{"cycles":1,"source":"s"}}})";
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
