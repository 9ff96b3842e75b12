// The command line as graders use it: exit codes, messages naming file and line, and the JSON.

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

namespace {

struct Result
{
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

Result workbench(const QStringList &arguments)
{
    QProcess process;
    process.setProgram(QStringLiteral(VMWB_BINARY_DIR "/bin/vmm-workbench"));
    process.setArguments(arguments);
    process.start();
    if (!process.waitForFinished(120000))
        qFatal("vmm-workbench did not finish");
    return {process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1,
            process.readAllStandardOutput(), process.readAllStandardError()};
}

QString demo()
{
    return QStringLiteral(VMWB_SOURCE_DIR "/exercises/demos/popf-if.asm");
}

QString rssScenario(const char *name)
{
    return QStringLiteral(VMWB_SOURCE_DIR "/exercises/rss/%1").arg(QLatin1String(name));
}

} // namespace

class TestCommandLine : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void runPrintsJson_data();
    void runPrintsJson();
    void runPrintsReadableText();
    void badInputExitsWithTwoAndNamesTheLine_data();
    void badInputExitsWithTwoAndNamesTheLine();
    void comparePrintsJson();
    void comparePrintsReadableText();
    void compareTableAdamsAgesen();
    void rssHashPrintsTheVerificationValue();
    void rssHashBadInput_data();
    void rssHashBadInput();
    void rssSimulateElephantStaysOnOneCore_data();
    void rssSimulateElephantStaysOnOneCore();
    void rssSimulateTextAndCsv();
    void rssSimulateBadInput_data();
    void rssSimulateBadInput();
    void rssSimulateBrokenScenarioNamesFileAndField();
    void rssCaptureWritesWhatSimulateReplays();
    void techniquesAreListed();
    void paravirtualizePrintsSourceThenDiff();
    void paravirtualizeDiffOnly();
    void paravirtualizeJson();
    void paravirtualizedOutputRunsUnderParavirtual();
    void paravirtualizeBadInputNamesFileAndLine_data();
    void paravirtualizeBadInputNamesFileAndLine();

private:
    QTemporaryDir m_dir;
    QString write(const QString &name, const QByteArray &content);
};

void TestCommandLine::initTestCase()
{
    QVERIFY(m_dir.isValid());
}

QString TestCommandLine::write(const QString &name, const QByteArray &content)
{
    const QString path = m_dir.filePath(name);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(content) != content.size())
        qFatal("cannot write %s", qPrintable(path));
    return path;
}

void TestCommandLine::runPrintsJson_data()
{
    QTest::addColumn<QString>("technique");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<int>("holes");
    QTest::newRow("native") << QStringLiteral("native") << 12 << 0;
    QTest::newRow("trap-and-emulate") << QStringLiteral("trap-and-emulate") << 0 << 2;
    // The unmodified demo under paravirtual: cli traps and is emulated; only the popf that
    // should re-enable interrupts is a hole (the pushf before it pushes IF = 1, as meant).
    QTest::newRow("paravirtual, unmodified") << QStringLiteral("paravirtual") << 0 << 1;
    QTest::newRow("hardware-assisted") << QStringLiteral("hardware-assisted") << 12 << 0;
}

void TestCommandLine::runPrintsJson()
{
    QFETCH(QString, technique);
    QFETCH(int, exitCode);
    QFETCH(int, holes);
    const Result result = workbench({QStringLiteral("run"), demo(), QStringLiteral("--technique"),
                                     technique, QStringLiteral("--json")});
    QCOMPARE(result.exitCode, 0);
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(result.out, &error);
    QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString()));
    const QJsonObject report = document.object();
    QCOMPARE(report.value(QStringLiteral("technique")).toString(), technique);
    QCOMPARE(report.value(QStringLiteral("status")).toString(), QStringLiteral("exited"));
    QCOMPARE(report.value(QStringLiteral("exit_code")).toInt(), exitCode);
    QCOMPARE(
        report.value(QStringLiteral("counts")).toObject().value(QStringLiteral("holes")).toInt(),
        holes);
    QVERIFY(report.value(QStringLiteral("events")).toArray().size() > 0);
    // Hardware-assisted adds its exits by reason and the VMCS fields the run changed.
    QCOMPARE(report.contains(QStringLiteral("vm_exits")),
             technique == QLatin1String("hardware-assisted"));
    if (technique == QLatin1String("hardware-assisted")) {
        const QJsonObject exits = report.value(QStringLiteral("vm_exits")).toObject();
        QVERIFY(exits.value(QStringLiteral("external_interrupt")).toInt() > 0);
        QVERIFY(exits.value(QStringLiteral("io_instruction")).toInt() > 0);
        QVERIFY(report.value(QStringLiteral("vmcs"))
                    .toObject()
                    .value(QStringLiteral("fields_changed"))
                    .toObject()
                    .contains(QStringLiteral("VM_EXIT_REASON")));
    }
}

void TestCommandLine::runPrintsReadableText()
{
    const Result result = workbench({QStringLiteral("run"), demo(), QStringLiteral("--technique"),
                                     QStringLiteral("trap-and-emulate")});
    QCOMPARE(result.exitCode, 0);
    QVERIFY(result.out.contains("under trap-and-emulate: exited"));
    QVERIFY(result.out.contains("popfq at CPL 3 with IOPL 0 leaves IF unchanged"));
    QVERIFY(result.out.contains("after popf: 0"));
}

void TestCommandLine::badInputExitsWithTwoAndNamesTheLine_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<QStringList>("options");
    QTest::addColumn<QByteArray>("message");

    QTest::newRow("malformed assembly")
        << "broken.asm" << QByteArray("nop\nnop\nmov rax, rbx, rcx\n") << QStringList()
        << QByteArray("broken.asm:3: error");
    QTest::newRow("unknown mnemonic") << "typo.asm" << QByteArray("nop\nmvo rax, 1\n")
                                      << QStringList() << QByteArray("typo.asm:2: error");
    QTest::newRow("forbidden include")
        << "sneaky.asm" << QByteArray("nop\n%include \"/etc/passwd\"\n") << QStringList()
        << QByteArray("sneaky.asm:2:");
    QTest::newRow("missing file") << "" << QByteArray() << QStringList()
                                  << QByteArray("does-not-exist.asm");
    QTest::newRow("unknown technique")
        << "fine.asm" << QByteArray("hlt\n")
        << QStringList{QStringLiteral("--technique"), QStringLiteral("magic")}
        << QByteArray("unknown technique \"magic\"");
    QTest::newRow("unknown cost preset")
        << "fine.asm" << QByteArray("hlt\n")
        << QStringList{QStringLiteral("--cost-preset"), QStringLiteral("pentium-pro")}
        << QByteArray("unknown cost preset");
    QTest::newRow("timer period not a number")
        << "fine.asm" << QByteArray("hlt\n")
        << QStringList{QStringLiteral("--timer-period"), QStringLiteral("fast")}
        << QByteArray("--timer-period expects a whole number");
    const QStringList hardware{QStringLiteral("--technique"), QStringLiteral("hardware-assisted")};
    QTest::newRow("unknown VMCS control")
        << "fine.asm" << QByteArray("hlt\n")
        << hardware + QStringList{QStringLiteral("--vmcs-control"), QStringLiteral("hlt-exit=on")}
        << QByteArray("unknown VMCS control \"hlt-exit\"");
    QTest::newRow("VMCS control neither on nor off")
        << "fine.asm" << QByteArray("hlt\n")
        << hardware +
               QStringList{QStringLiteral("--vmcs-control"), QStringLiteral("hlt-exiting=maybe")}
        << QByteArray("--vmcs-control wants NAME=on or NAME=off");
    QTest::newRow("unknown VMCS field")
        << "fine.asm" << QByteArray("hlt\n")
        << hardware + QStringList{QStringLiteral("--vmcs-field"), QStringLiteral("GUEST_RIPP=1")}
        << QByteArray("unknown VMCS field \"GUEST_RIPP\"");
    QTest::newRow("VMCS control under another technique")
        << "fine.asm" << QByteArray("hlt\n")
        << QStringList{QStringLiteral("--vmcs-control"), QStringLiteral("hlt-exiting=off")}
        << QByteArray("apply to the hardware-assisted technique only");
}

void TestCommandLine::badInputExitsWithTwoAndNamesTheLine()
{
    QFETCH(QString, file);
    QFETCH(QByteArray, content);
    QFETCH(QStringList, options);
    QFETCH(QByteArray, message);
    const QString path = file.isEmpty() ? m_dir.filePath(QStringLiteral("does-not-exist.asm"))
                                        : write(file, content);
    QStringList commands{QStringLiteral("run")};
    // compare takes the same options; it gives VMCS settings to hardware-assisted alone.
    if (QByteArray(QTest::currentDataTag()) != "VMCS control under another technique")
        commands.append(QStringLiteral("compare"));
    for (const QString &command : commands) {
        const Result result = workbench(QStringList{command, path} + options);
        QCOMPARE(result.exitCode, 2);
        QVERIFY2(result.err.contains(message), result.err.constData());
        QVERIFY(result.out.isEmpty());
    }
}

void TestCommandLine::comparePrintsJson()
{
    const Result result = workbench({QStringLiteral("compare"), demo(), QStringLiteral("--json")});
    QCOMPARE(result.exitCode, 0);
    const QJsonObject json = QJsonDocument::fromJson(result.out).object();
    QCOMPARE(json[QStringLiteral("native")][QStringLiteral("exit_code")].toInt(), 12);
    const QJsonArray runs = json[QStringLiteral("techniques")].toArray();
    QCOMPARE(runs.size(), 4);
    for (const QJsonValue value : runs) {
        const QJsonObject run = value.toObject();
        const bool te = run[QStringLiteral("technique")] == QStringLiteral("trap-and-emulate");
        QCOMPARE(run[QStringLiteral("equivalent")].toBool(), !te);
        if (te) {
            QCOMPARE(run[QStringLiteral("divergence")][QStringLiteral("instruction")].toString(),
                     QStringLiteral("popfq"));
        }
    }
}

void TestCommandLine::comparePrintsReadableText()
{
    const Result result =
        workbench({QStringLiteral("compare"), demo(), QStringLiteral("--technique"),
                   QStringLiteral("trap-and-emulate")});
    QCOMPARE(result.exitCode, 0);
    QVERIFY2(result.out.contains("trap-and-emulate  diverges at line"), result.out.constData());
    QVERIFY2(result.out.contains("interrupts delivered: native "), result.out.constData());
    QVERIFY(result.out.contains("leaves IF unchanged; the monitor never saw it"));
    QVERIFY(!result.out.contains("binary-translation"));
}

void TestCommandLine::compareTableAdamsAgesen()
{
    const Result result = workbench({QStringLiteral("compare"), QStringLiteral("--table"),
                                     QStringLiteral("adams-agesen"), QStringLiteral("--json")});
    QCOMPARE(result.exitCode, 0);
    const QJsonObject json = QJsonDocument::fromJson(result.out).object();
    QVERIFY2(!json.isEmpty(), result.out.constData());
    const Result markdown =
        workbench({QStringLiteral("compare"), QStringLiteral("--table=adams-agesen")});
    QCOMPARE(markdown.exitCode, 0);
    for (const char *benchmark : {"syscall", "in", "cr8wr", "pgfault", "divzero", "ptemod"})
        QVERIFY2(markdown.out.contains(benchmark), markdown.out.constData());
    QVERIFY(markdown.out.contains("| --- "));

    const Result unknown = workbench(
        {QStringLiteral("compare"), QStringLiteral("--table"), QStringLiteral("smith-1999")});
    QCOMPARE(unknown.exitCode, 2);
    QVERIFY2(unknown.err.contains("unknown table \"smith-1999\""), unknown.err.constData());
    const Result badPreset = workbench(
        {QStringLiteral("compare"), QStringLiteral("--table"), QStringLiteral("adams-agesen"),
         QStringLiteral("--cost-preset"), QStringLiteral("pentium-pro")});
    QCOMPARE(badPreset.exitCode, 2);
    QVERIFY2(badPreset.err.contains("pentium-pro"), badPreset.err.constData());
}

void TestCommandLine::rssHashPrintsTheVerificationValue()
{
    // Microsoft's first IPv4 verification row, source first.
    const Result result = workbench(
        {QStringLiteral("rss"), QStringLiteral("hash"), QStringLiteral("--src"),
         QStringLiteral("66.9.149.187"), QStringLiteral("--dst"), QStringLiteral("161.142.100.80"),
         QStringLiteral("--sport"), QStringLiteral("2794"), QStringLiteral("--dport"),
         QStringLiteral("1766"), QStringLiteral("--json")});
    QCOMPARE(result.exitCode, 0);
    const QJsonObject json = QJsonDocument::fromJson(result.out).object();
    QCOMPARE(json[QStringLiteral("hash")].toString(), QStringLiteral("0x51ccc178"));
    QCOMPARE(json[QStringLiteral("input")].toString(), QStringLiteral("420995bba18e64500aea06e6"));
    QCOMPARE(json[QStringLiteral("bucket")].toInt(), 0x78);
    QCOMPARE(json[QStringLiteral("queue")].toInt(), 0x78 % 4);
    const Result text = workbench({QStringLiteral("rss"), QStringLiteral("hash"),
                                   QStringLiteral("--src"), QStringLiteral("3ffe:2501:200:1fff::7"),
                                   QStringLiteral("--dst"), QStringLiteral("3ffe:2501:200:3::1")});
    QCOMPARE(text.exitCode, 0);
    QVERIFY2(text.out.contains("hash: 0x2cc18cd5"), text.out.constData());
}

void TestCommandLine::rssHashBadInput_data()
{
    QTest::addColumn<QStringList>("options");
    QTest::addColumn<QByteArray>("message");
    const QStringList both{QStringLiteral("--src"), QStringLiteral("10.0.0.1"),
                           QStringLiteral("--dst"), QStringLiteral("10.0.0.2")};
    QTest::newRow("no source") << QStringList{QStringLiteral("--dst"), QStringLiteral("10.0.0.2")}
                               << QByteArray("needs --src");
    QTest::newRow("bad address") << QStringList{QStringLiteral("--src"),
                                                QStringLiteral("10.0.0.256"),
                                                QStringLiteral("--dst"), QStringLiteral("10.0.0.2")}
                                 << QByteArray(
                                        "--src: \"10.0.0.256\" is not an IPv4 or IPv6 address");
    QTest::newRow("mixed families")
        << QStringList{QStringLiteral("--src"), QStringLiteral("10.0.0.1"), QStringLiteral("--dst"),
                       QStringLiteral("::1")}
        << QByteArray("must both be IPv4 or both IPv6");
    QTest::newRow("one port") << both + QStringList{QStringLiteral("--sport"), QStringLiteral("80")}
                              << QByteArray("both --sport and --dport");
    QTest::newRow("port too big") << both + QStringList{QStringLiteral("--sport"),
                                                        QStringLiteral("80"),
                                                        QStringLiteral("--dport"),
                                                        QStringLiteral("70000")}
                                  << QByteArray("0 to 65535");
    QTest::newRow("bad key") << both + QStringList{QStringLiteral("--key"), QStringLiteral("abc")}
                             << QByteArray("--key: \"abc\"");
    QTest::newRow("short key") << both + QStringList{QStringLiteral("--key"),
                                                     QStringLiteral("6d5a56da255b0ec2")}
                               << QByteArray("hash inputs of up to 4 bytes");
    QTest::newRow("no queues") << both +
                                      QStringList{QStringLiteral("--queues"), QStringLiteral("0")}
                               << QByteArray("--queues 1 to 64");
}

void TestCommandLine::rssHashBadInput()
{
    QFETCH(QStringList, options);
    QFETCH(QByteArray, message);
    const Result result =
        workbench(QStringList{QStringLiteral("rss"), QStringLiteral("hash")} + options);
    QCOMPARE(result.exitCode, 2);
    QVERIFY2(result.err.contains(message), result.err.constData());
    QVERIFY(result.out.isEmpty());
}

void TestCommandLine::rssSimulateElephantStaysOnOneCore_data()
{
    QTest::addColumn<QString>("queues");
    for (const char *n : {"1", "4", "16", "64"})
        QTest::newRow(n) << QString::fromLatin1(n);
}

void TestCommandLine::rssSimulateElephantStaysOnOneCore()
{
    // However many queues and cores, the elephant scenario's busiest flow (the elephant) has
    // one core, and that core drops.
    QFETCH(QString, queues);
    const Result result =
        workbench({QStringLiteral("rss"), QStringLiteral("simulate"), QStringLiteral("--scenario"),
                   rssScenario("elephant.json"), QStringLiteral("--queues"), queues,
                   QStringLiteral("--cores"), queues, QStringLiteral("--json")});
    QCOMPARE(result.exitCode, 0);
    const QJsonObject json = QJsonDocument::fromJson(result.out).object();
    const QJsonArray flows = json[QStringLiteral("flows")].toArray();
    QVERIFY(!flows.isEmpty());
    // The busiest flow is the elephant; it has one core, which dropped packets.
    const QJsonObject elephant = flows.first().toObject();
    const int core = elephant[QStringLiteral("core")].toInt(-1);
    QVERIFY(core >= 0 && core < queues.toInt());
    QVERIFY(elephant[QStringLiteral("drops")].toInteger() > 0);
    const QJsonObject scenario = json[QStringLiteral("scenario")].toObject();
    QCOMPARE(scenario[QStringLiteral("nic")].toObject()[QStringLiteral("queues")].toInt(),
             queues.toInt());
    QCOMPARE(json[QStringLiteral("samples")].toArray().size(), 60);
    QVERIFY(result.err.isEmpty());
}

void TestCommandLine::rssSimulateTextAndCsv()
{
    const Result text = workbench({QStringLiteral("rss"), QStringLiteral("simulate"),
                                   QStringLiteral("--mode"), QStringLiteral("single"),
                                   QStringLiteral("--duration-ms"), QStringLiteral("10")});
    QCOMPARE(text.exitCode, 0);
    QVERIFY2(text.out.contains("mode: a single queue on core 0"), text.out.constData());
    QVERIFY(text.out.contains("imbalance (max/mean packets per core): 8.00"));
    QVERIFY(text.out.contains("packets per second per core"));
    const Result csv =
        workbench({QStringLiteral("rss"), QStringLiteral("simulate"), QStringLiteral("--scenario"),
                   rssScenario("rps.json"), QStringLiteral("--cores"), QStringLiteral("4"),
                   QStringLiteral("--csv")});
    QCOMPARE(csv.exitCode, 0);
    const QList<QByteArray> lines = csv.out.trimmed().split('\n');
    QCOMPARE(lines.size(), 1 + 60 * 4);
    QVERIFY(lines.first().startsWith("time_ms,core,packets"));
}

void TestCommandLine::rssSimulateBadInput_data()
{
    QTest::addColumn<QStringList>("options");
    QTest::addColumn<QByteArray>("message");
    QTest::newRow("missing scenario")
        << QStringList{QStringLiteral("--scenario"), QStringLiteral("no-such.json")}
        << QByteArray("no-such.json: cannot read the scenario");
    QTest::newRow("bad mode") << QStringList{QStringLiteral("--mode"), QStringLiteral("rfs")}
                              << QByteArray("--mode: \"rfs\" is not single, rss or rps");
    QTest::newRow("too many queues")
        << QStringList{QStringLiteral("--queues"), QStringLiteral("65")}
        << QByteArray("--queues is 1 to 64");
    QTest::newRow("bad key") << QStringList{QStringLiteral("--key"), QStringLiteral("zz")}
                             << QByteArray("--key: \"zz\"");
    QTest::newRow("json and csv") << QStringList{QStringLiteral("--json"), QStringLiteral("--csv")}
                                  << QByteArray("--json or --csv, not both");
}

void TestCommandLine::rssSimulateBadInput()
{
    QFETCH(QStringList, options);
    QFETCH(QByteArray, message);
    const Result result =
        workbench(QStringList{QStringLiteral("rss"), QStringLiteral("simulate")} + options);
    QCOMPARE(result.exitCode, 2);
    QVERIFY2(result.err.contains(message), result.err.constData());
    QVERIFY(result.out.isEmpty());
}

void TestCommandLine::rssSimulateBrokenScenarioNamesFileAndField()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("lab.json"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(R"({"nic": {"queues": 4, "reta_size": 2, "reta": [0, 7]}})");
    file.close();
    const Result broken = workbench(
        {QStringLiteral("rss"), QStringLiteral("simulate"), QStringLiteral("--scenario"), path});
    QCOMPARE(broken.exitCode, 2);
    QVERIFY2(broken.err.contains("lab.json: nic.reta[1]: queue 7 does not exist"),
             broken.err.constData());
}

void TestCommandLine::rssCaptureWritesWhatSimulateReplays()
{
    QTemporaryDir dir;
    const QString capture = dir.filePath(QStringLiteral("mice.pcap"));
    const Result written =
        workbench({QStringLiteral("rss"), QStringLiteral("capture"), QStringLiteral("--scenario"),
                   rssScenario("many-mice.json"), QStringLiteral("--packets"),
                   QStringLiteral("500"), QStringLiteral("--out"), capture});
    QCOMPARE(written.exitCode, 0);
    QVERIFY2(written.out.contains("wrote 500 packets"), written.out.constData());
    QFile scenario(dir.filePath(QStringLiteral("replay.json")));
    QVERIFY(scenario.open(QIODevice::WriteOnly));
    scenario.write(
        R"({"duration_ms": 5, "traffic": [{"kind": "capture", "file": "mice.pcap", "loop": false}]})");
    scenario.close();
    const Result replayed =
        workbench({QStringLiteral("rss"), QStringLiteral("simulate"), QStringLiteral("--scenario"),
                   scenario.fileName(), QStringLiteral("--json")});
    QCOMPARE(replayed.exitCode, 0);
    const QJsonObject totals =
        QJsonDocument::fromJson(replayed.out).object()[QStringLiteral("totals")].toObject();
    QCOMPARE(totals[QStringLiteral("offered")].toInt(), 500);
    const Result missing =
        workbench({QStringLiteral("rss"), QStringLiteral("capture"), QStringLiteral("--out"),
                   dir.filePath(QStringLiteral("no/such/dir/x.pcap"))});
    QCOMPARE(missing.exitCode, 2);
    QVERIFY2(missing.err.contains("x.pcap"), missing.err.constData());
}

void TestCommandLine::techniquesAreListed()
{
    const Result result = workbench({QStringLiteral("techniques"), QStringLiteral("--json")});
    QCOMPARE(result.exitCode, 0);
    const QJsonObject list = QJsonDocument::fromJson(result.out).object();
    QStringList ids;
    for (const QJsonValue &value : list.value(QStringLiteral("techniques")).toArray())
        ids << value.toObject().value(QStringLiteral("id")).toString();
    QVERIFY(ids.contains(QStringLiteral("native")));
    QVERIFY(ids.contains(QStringLiteral("trap-and-emulate")));
    QVERIFY(!list.value(QStringLiteral("cost_presets")).toArray().isEmpty());
}

void TestCommandLine::paravirtualizePrintsSourceThenDiff()
{
    const Result result = workbench({QStringLiteral("paravirtualize"), demo()});
    QCOMPARE(result.exitCode, 0);
    QVERIFY(result.err.isEmpty());
    const qsizetype diffAt = result.out.indexOf("\n--- ");
    QVERIFY(diffAt > 0);
    const QByteArray source = result.out.left(diffAt);
    const QByteArray diff = result.out.mid(diffAt + 1);
    QVERIFY(source.contains("%include \"xen.inc\""));
    QVERIFY(source.contains("XEN_POPF"));
    QVERIFY(source.contains("XEN_EVENT_ENTRY"));
    QVERIFY(!source.contains("\n    popf "));
    QVERIFY(diff.startsWith("--- "));
    QVERIFY(diff.contains("\n+++ popf-if.pv.asm\n"));
    QVERIFY(diff.contains("\n@@ -"));
    QVERIFY(diff.contains("\n-    popf "));
    QVERIFY(diff.contains("\n+    XEN_POPF"));
}

void TestCommandLine::paravirtualizeDiffOnly()
{
    const Result result =
        workbench({QStringLiteral("paravirtualize"), demo(), QStringLiteral("--diff-only")});
    QCOMPARE(result.exitCode, 0);
    QVERIFY(result.out.startsWith("--- "));
    QVERIFY(result.out.contains("+    XEN_STI"));
}

void TestCommandLine::paravirtualizeJson()
{
    const Result result =
        workbench({QStringLiteral("paravirtualize"), demo(), QStringLiteral("--json")});
    QCOMPARE(result.exitCode, 0);
    QJsonParseError error;
    const QJsonObject object = QJsonDocument::fromJson(result.out, &error).object();
    QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString()));
    QCOMPARE(object.value(QStringLiteral("ok")).toBool(), true);
    QVERIFY(object.value(QStringLiteral("source")).toString().contains(QStringLiteral("XEN_CLI")));
    QVERIFY(object.value(QStringLiteral("diff")).toString().startsWith(QStringLiteral("--- ")));
    const QJsonArray changes = object.value(QStringLiteral("changes")).toArray();
    QVERIFY(changes.size() >= 8);
    for (const QJsonValue &value : changes) {
        const QJsonObject change = value.toObject();
        QVERIFY(change.value(QStringLiteral("line")).toInt() > 0);
        QVERIFY(!change.value(QStringLiteral("explanation")).toString().isEmpty());
        QVERIFY(!change.value(QStringLiteral("replaced")).toArray().isEmpty());
    }
    QVERIFY(object.value(QStringLiteral("refusals")).toArray().isEmpty());
}

void TestCommandLine::paravirtualizedOutputRunsUnderParavirtual()
{
    const QString output = m_dir.filePath(QStringLiteral("popf-if.pv.asm"));
    const Result rewrite =
        workbench({QStringLiteral("paravirtualize"), demo(), QStringLiteral("--output"), output});
    QCOMPARE(rewrite.exitCode, 0);
    QVERIFY(rewrite.out.startsWith("--- ")); // the source went to the file
    const Result run = workbench({QStringLiteral("run"), output, QStringLiteral("--technique"),
                                  QStringLiteral("paravirtual"), QStringLiteral("--json")});
    QCOMPARE(run.exitCode, 0);
    const QJsonObject report = QJsonDocument::fromJson(run.out).object();
    QCOMPARE(report.value(QStringLiteral("status")).toString(), QStringLiteral("exited"));
    QVERIFY(report.value(QStringLiteral("exit_code")).toInt() > 0);
    const QJsonObject counts = report.value(QStringLiteral("counts")).toObject();
    QVERIFY(counts.value(QStringLiteral("hypercalls")).toInt() > 0);
    QCOMPARE(counts.value(QStringLiteral("traps")).toInt(), 0);
    QCOMPARE(counts.value(QStringLiteral("holes")).toInt(), 0);
}

void TestCommandLine::paravirtualizeBadInputNamesFileAndLine_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<QList<QByteArray>>("messages");
    QTest::newRow("lgdt") << "gdt.asm" << QByteArray("    cli\n    lgdt [0x2000]\n    sti\n")
                          << QList<QByteArray>{"gdt.asm:2: error: cannot paravirtualize "
                                               "\"lgdt [0x2000]\"",
                                               "set_gdt"};
    QTest::newRow("two refusals") << "ports.asm"
                                  << QByteArray("    in al, 0x60\n    nop\n    out dx, al\n")
                                  << QList<QByteArray>{"ports.asm:1: error", "ports.asm:3: error",
                                                       "port is in DX"};
    QTest::newRow("malformed assembly")
        << "broken.asm" << QByteArray("nop\nnop\nmov rax, rbx, rcx\n")
        << QList<QByteArray>{"broken.asm:3: error"};
    QTest::newRow("missing file") << "" << QByteArray() << QList<QByteArray>{"does-not-exist.asm"};
}

void TestCommandLine::paravirtualizeBadInputNamesFileAndLine()
{
    QFETCH(QString, file);
    QFETCH(QByteArray, content);
    QFETCH(QList<QByteArray>, messages);
    const QString path = file.isEmpty() ? m_dir.filePath(QStringLiteral("does-not-exist.asm"))
                                        : write(file, content);
    const Result result = workbench({QStringLiteral("paravirtualize"), path});
    QCOMPARE(result.exitCode, 2);
    for (const QByteArray &message : messages)
        QVERIFY2(result.err.contains(message), result.err.constData());
    QVERIFY(result.out.isEmpty());
}

QTEST_GUILESS_MAIN(TestCommandLine)
#include "tst_commandline.moc"
