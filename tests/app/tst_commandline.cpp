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
    void techniquesAreListed();

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
}

void TestCommandLine::badInputExitsWithTwoAndNamesTheLine()
{
    QFETCH(QString, file);
    QFETCH(QByteArray, content);
    QFETCH(QStringList, options);
    QFETCH(QByteArray, message);
    const QString path = file.isEmpty() ? m_dir.filePath(QStringLiteral("does-not-exist.asm"))
                                        : write(file, content);
    const Result result = workbench(QStringList{QStringLiteral("run"), path} + options);
    QCOMPARE(result.exitCode, 2);
    QVERIFY2(result.err.contains(message), result.err.constData());
    QVERIFY(result.out.isEmpty());
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

QTEST_GUILESS_MAIN(TestCommandLine)
#include "tst_commandline.moc"
