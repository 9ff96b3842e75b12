// The machine panes: disassembly with sensitivity badges, registers with the last step's changes,
// and the flags the guest believes next to the real ones. The models are fed real programs and
// snapshots from a controller running the POPF demo.

#include "common/Colors.h"
#include "common/Theme.h"
#include "controller/WorkbenchController.h"
#include "machine/DisassemblyModel.h"
#include "machine/DisassemblyPane.h"
#include "machine/FlagsModel.h"
#include "machine/FlagsPane.h"
#include "machine/RegisterModel.h"
#include "machine/RegistersPane.h"
#include "support/Demo.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QFile>
#include <QSignalSpy>
#include <QTableView>
#include <QtTest>

using namespace vmwb;

using vmwb::test::demoSource;

namespace {

const QString kTrapAndEmulate = QStringLiteral("trap-and-emulate");

// Loads the demo and waits until the machine has booted into it.
void loadDemo(WorkbenchController &controller, const QString &technique = QStringLiteral("native"))
{
    controller.setTechnique(technique);
    QSignalSpy state(&controller, &WorkbenchController::stateChanged);
    controller.setSource(demoSource(), QStringLiteral("popf-if.asm"));
    controller.waitForIdle();
    QTRY_VERIFY(state.count() >= 1);
    QVERIFY(controller.hasProgram());
}

bool atMnemonic(const WorkbenchController &controller, Mnemonic mnemonic)
{
    const auto &current = controller.snapshot().current;
    return current && current->mnemonic == mnemonic;
}

// Runs to the line of the first `mnemonic` in the program, so the tests need not step through
// the thousands of instructions before the critical section.
void runTo(WorkbenchController &controller, Mnemonic mnemonic)
{
    int line = 0;
    for (const DisassemblyLine &entry : controller.program().disassembly) {
        if (entry.instruction && entry.instruction->mnemonic == mnemonic) {
            line = entry.line;
            break;
        }
    }
    QVERIFY(line > 0);
    QSignalSpy running(&controller, &WorkbenchController::runningChanged);
    controller.runToLine(line);
    QTRY_COMPARE_WITH_TIMEOUT(running.count(), 2, 20000);
    QVERIFY(atMnemonic(controller, mnemonic));
}

// Steps until the instruction at RIP is `mnemonic` (an interrupt may come in between).
void stepTo(WorkbenchController &controller, Mnemonic mnemonic)
{
    for (int i = 0; i < 200 && !atMnemonic(controller, mnemonic); ++i) {
        controller.step();
        controller.waitForIdle();
    }
    QVERIFY(atMnemonic(controller, mnemonic));
}

void stepOnce(WorkbenchController &controller)
{
    controller.step();
    controller.waitForIdle();
}

int rowOfMnemonic(const DisassemblyModel &model, const ProgramView &program, Mnemonic mnemonic)
{
    for (std::size_t i = 0; i < program.disassembly.size(); ++i) {
        const auto &instruction = program.disassembly[i].instruction;
        if (instruction && instruction->mnemonic == mnemonic)
            return model.rowOfAddress(program.disassembly[i].address);
    }
    return -1;
}

QModelIndex flagIndex(const QAbstractItemModel &model, const char *flag, int column)
{
    return model.index(FlagsModel::rowOf(QString::fromLatin1(flag)), column);
}

} // namespace

class TestMachineViews : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanup();

    void disassemblyModelPassesTheModelTester();
    void registerModelPassesTheModelTester();
    void flagsModelPassesTheModelTester();

    void cliClearsOnlyTheVirtualIf();
    void popfLeavesTheVirtualIfAtZero();
    void nativeGuestBelievesTheRealFlags();
    void flagsShowWhatTheCurrentInstructionReadsAndWrites();
    void flagsFollowThePalette();

    void stepHighlightsTheChangedRegisters();
    void registerEditsCallTheCallback();
    void registerEditsAreRefusedWhileRunning();
    void registerValuesParse_data();
    void registerValuesParse();
    void registerToolTipsShowDecimalAndBits();

    void disassemblyFollowsRip();
    void disassemblyBadgesSensitiveInstructions();
    void disassemblyReportsTheLineOnActivation();
};

void TestMachineViews::initTestCase()
{
    applyTheme(Theme::Light);
}

void TestMachineViews::cleanup()
{
    applyTheme(Theme::Light);
}

void TestMachineViews::disassemblyModelPassesTheModelTester()
{
    WorkbenchController controller;
    loadDemo(controller);
    DisassemblyModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setProgram(controller.program());
    QVERIFY(model.rowCount() > 0);
    model.setCurrentAddress(controller.snapshot().rip);
    model.setBreakpointAddresses({controller.program().disassembly.at(2).address});
    stepOnce(controller);
    model.setCurrentAddress(controller.snapshot().rip);
    model.setBreakpointAddresses({});
    model.clearCurrentAddress();
    model.setProgram(controller.program());
    model.setProgram(ProgramView{});
    QCOMPARE(model.rowCount(), 0);
}

void TestMachineViews::registerModelPassesTheModelTester()
{
    WorkbenchController controller;
    loadDemo(controller, kTrapAndEmulate);
    RegisterModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setSnapshot(controller.snapshot());
    model.setEditable(true);
    stepOnce(controller);
    model.setSnapshot(controller.snapshot());
    model.setEditable(false);
    model.setSnapshot(MachineSnapshot{});
    QCOMPARE(model.rowCount(), static_cast<int>(kRegisterCount));
}

void TestMachineViews::flagsModelPassesTheModelTester()
{
    WorkbenchController controller;
    loadDemo(controller, kTrapAndEmulate);
    FlagsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setSnapshot(controller.snapshot());
    runTo(controller, Mnemonic::Cli);
    model.setSnapshot(controller.snapshot());
    model.setSnapshot(MachineSnapshot{});
    QCOMPARE(model.rowCount(), 18);
}

// The lecture's moment: cli traps, the monitor clears the guest's virtual IF, and the real IF
// stays 1.
void TestMachineViews::cliClearsOnlyTheVirtualIf()
{
    WorkbenchController controller;
    loadDemo(controller, kTrapAndEmulate);
    FlagsPane pane(controller);
    pane.resize(600, 500);
    pane.show();
    QVERIFY(QTest::qWaitForWindowExposed(&pane));
    QCOMPARE(pane.objectName(), QStringLiteral("flags"));
    QVERIFY(pane.headerText().contains(QStringLiteral("ring 3")));

    runTo(controller, Mnemonic::Pushf);
    stepTo(controller, Mnemonic::Cli);
    const std::uint64_t traps = controller.snapshot().traps;
    stepOnce(controller);
    QVERIFY(controller.snapshot().traps > traps); // cli trapped

    const QAbstractItemModel &model = *pane.view().model();
    QCOMPARE(&model, static_cast<QAbstractItemModel *>(&pane.model()));
    QTRY_COMPARE(flagIndex(model, "IF", FlagsModel::GuestColumn).data().toString(),
                 QStringLiteral("0"));
    QCOMPARE(flagIndex(model, "IF", FlagsModel::RealColumn).data().toString(), QStringLiteral("1"));
    const QColor difference = WorkbenchColors::forPalette(pane.palette()).difference;
    QCOMPARE(
        flagIndex(model, "IF", FlagsModel::GuestColumn).data(Qt::BackgroundRole).value<QColor>(),
        difference);
    QCOMPARE(
        flagIndex(model, "IF", FlagsModel::RealColumn).data(Qt::BackgroundRole).value<QColor>(),
        difference);
    QVERIFY(flagIndex(model, "IF", FlagsModel::GuestColumn)
                .data(Qt::ToolTipRole)
                .toString()
                .contains(QStringLiteral("virtual CPU")));
    // The kernel believes it runs at CPL 0; the real CPU runs it at 3.
    QCOMPARE(flagIndex(model, "CPL", FlagsModel::GuestColumn).data().toString(),
             QStringLiteral("0"));
    QCOMPARE(flagIndex(model, "CPL", FlagsModel::RealColumn).data().toString(),
             QStringLiteral("3"));
    QVERIFY(flagIndex(model, "CPL", FlagsModel::RealColumn).data(Qt::BackgroundRole).isValid());
    // Flags nobody virtualizes agree and are not marked.
    QVERIFY(!flagIndex(model, "ZF", FlagsModel::GuestColumn).data(Qt::BackgroundRole).isValid());
    QCOMPARE(flagIndex(model, "ZF", FlagsModel::GuestColumn).data(),
             flagIndex(model, "ZF", FlagsModel::RealColumn).data());
}

// The hole: popf runs unseen at CPL 3, so the virtual IF stays 0 although the kernel restored 1.
void TestMachineViews::popfLeavesTheVirtualIfAtZero()
{
    WorkbenchController controller;
    loadDemo(controller, kTrapAndEmulate);
    FlagsModel model;
    runTo(controller, Mnemonic::Popf);
    const std::uint64_t traps = controller.snapshot().traps;
    stepOnce(controller);
    QCOMPARE(controller.snapshot().traps, traps); // popf did not trap
    model.setSnapshot(controller.snapshot());
    QCOMPARE(flagIndex(model, "IF", FlagsModel::GuestColumn).data().toString(),
             QStringLiteral("0"));
    QCOMPARE(flagIndex(model, "IF", FlagsModel::RealColumn).data().toString(), QStringLiteral("1"));
    QVERIFY(
        flagIndex(model, "IF", FlagsModel::GuestColumn).data(FlagsModel::DifferentRole).toBool());
}

void TestMachineViews::nativeGuestBelievesTheRealFlags()
{
    WorkbenchController controller;
    loadDemo(controller);
    FlagsPane pane(controller);
    pane.show();
    QVERIFY(QTest::qWaitForWindowExposed(&pane));
    runTo(controller, Mnemonic::Cli);
    stepOnce(controller);
    QVERIFY(pane.headerText().contains(QStringLiteral("the real flags")));
    const QAbstractItemModel &model = pane.model();
    QTRY_COMPARE(flagIndex(model, "IF", FlagsModel::RealColumn).data().toString(),
                 QStringLiteral("0"));
    for (int row = 0; row < model.rowCount(); ++row) {
        QCOMPARE(model.index(row, FlagsModel::GuestColumn).data(),
                 model.index(row, FlagsModel::RealColumn).data());
        QVERIFY(!model.index(row, FlagsModel::GuestColumn).data(Qt::BackgroundRole).isValid());
    }
}

void TestMachineViews::flagsShowWhatTheCurrentInstructionReadsAndWrites()
{
    WorkbenchController controller;
    loadDemo(controller, kTrapAndEmulate);
    FlagsModel model;
    runTo(controller, Mnemonic::Cli);
    model.setSnapshot(controller.snapshot());
    const QModelIndex cliIf = flagIndex(model, "IF", FlagsModel::AccessColumn);
    QCOMPARE(cliIf.data(FlagsModel::AccessRole).toInt(), int(FlagsModel::Writes));
    QCOMPARE(cliIf.data().toString(), QStringLiteral("writes"));
    QCOMPARE(cliIf.data(Qt::ForegroundRole).value<QColor>(),
             WorkbenchColors::forPalette(QApplication::palette()).flagWritten);
    QCOMPARE(flagIndex(model, "ZF", FlagsModel::AccessColumn).data().toString(), QString());

    runTo(controller, Mnemonic::Popf);
    stepOnce(controller); // popf
    // The loop after the critical section: `jnz spin` reads ZF.
    const auto atJnz = [&controller] {
        const auto &current = controller.snapshot().current;
        return current && current->mnemonicText == QLatin1String("jnz");
    };
    for (int i = 0; i < 20 && !atJnz(); ++i)
        stepOnce(controller);
    QVERIFY(atJnz());
    model.setSnapshot(controller.snapshot());
    QCOMPARE(flagIndex(model, "ZF", FlagsModel::AccessColumn).data(FlagsModel::AccessRole).toInt(),
             int(FlagsModel::Reads));
    QCOMPARE(flagIndex(model, "ZF", FlagsModel::AccessColumn).data().toString(),
             QStringLiteral("reads"));
}

void TestMachineViews::flagsFollowThePalette()
{
    WorkbenchController controller;
    loadDemo(controller, kTrapAndEmulate);
    FlagsPane pane(controller);
    pane.show();
    QVERIFY(QTest::qWaitForWindowExposed(&pane));
    QTRY_VERIFY(
        flagIndex(pane.model(), "CPL", FlagsModel::RealColumn).data(Qt::BackgroundRole).isValid());
    applyTheme(Theme::Dark);
    const QColor dark = WorkbenchColors::forPalette(darkPalette()).difference;
    QTRY_COMPARE(flagIndex(pane.model(), "CPL", FlagsModel::RealColumn)
                     .data(Qt::BackgroundRole)
                     .value<QColor>(),
                 dark);
}

void TestMachineViews::stepHighlightsTheChangedRegisters()
{
    WorkbenchController controller;
    loadDemo(controller);
    RegistersPane pane(controller);
    pane.show();
    QVERIFY(QTest::qWaitForWindowExposed(&pane));
    QCOMPARE(pane.objectName(), QStringLiteral("registers"));
    stepOnce(controller); // lidt
    stepOnce(controller); // mov eax, TIMER_PERIOD
    QCOMPARE(controller.snapshot().registerValue(RegisterId::Rax), 500u);
    const QAbstractItemModel &model = pane.model();
    const QModelIndex rax =
        model.index(RegisterModel::rowOf(RegisterId::Rax), RegisterModel::ValueColumn);
    const QModelIndex rbx =
        model.index(RegisterModel::rowOf(RegisterId::Rbx), RegisterModel::ValueColumn);
    QTRY_COMPARE(rax.data().toString(), QStringLiteral("0x0000_0000_0000_01f4"));
    QCOMPARE(rax.data(Qt::BackgroundRole).value<QColor>(),
             WorkbenchColors::forPalette(pane.palette()).changed);
    QVERIFY(!rbx.data(Qt::BackgroundRole).isValid());
    QVERIFY(model.flags(rax) & Qt::ItemIsEditable);
    // The next step (out) leaves rax alone: the highlight moves on.
    stepOnce(controller);
    QTRY_VERIFY(!rax.data(Qt::BackgroundRole).isValid());
}

void TestMachineViews::registerEditsCallTheCallback()
{
    WorkbenchController controller;
    loadDemo(controller);
    RegisterModel model;
    model.setSnapshot(controller.snapshot());
    model.setEditable(true);
    QList<QPair<RegisterId, quint64>> edits;
    model.setEditCallback([&edits](RegisterId id, quint64 value) { edits.append({id, value}); });
    QSignalSpy edited(&model, &RegisterModel::registerEdited);
    const QModelIndex rax =
        model.index(RegisterModel::rowOf(RegisterId::Rax), RegisterModel::ValueColumn);

    QVERIFY(model.setData(rax, QStringLiteral("0x10")));
    QCOMPARE(edits.size(), 1);
    QCOMPARE(edits.front().first, RegisterId::Rax);
    QCOMPARE(edits.front().second, 16u);
    QCOMPARE(edited.count(), 1);
    QCOMPARE(rax.data(RegisterModel::ValueRole).toULongLong(), 16u);

    QVERIFY(!model.setData(rax, QStringLiteral("zz")));
    QVERIFY(!model.setData(rax, QString()));
    QVERIFY(!model.setData(model.index(rax.row(), RegisterModel::NameColumn), QStringLiteral("1")));
    // Selectors and control registers are shown only.
    const QModelIndex cr0 =
        model.index(RegisterModel::rowOf(RegisterId::Cr0), RegisterModel::ValueColumn);
    QVERIFY(!(model.flags(cr0) & Qt::ItemIsEditable));
    QVERIFY(!model.setData(cr0, QStringLiteral("1")));
    QCOMPARE(edits.size(), 1);
}

void TestMachineViews::registerEditsAreRefusedWhileRunning()
{
    WorkbenchController controller;
    loadDemo(controller);
    RegisterModel model;
    model.setSnapshot(controller.snapshot());
    model.setEditable(false);
    const QModelIndex rax =
        model.index(RegisterModel::rowOf(RegisterId::Rax), RegisterModel::ValueColumn);
    QVERIFY(!(model.flags(rax) & Qt::ItemIsEditable));
    QVERIFY(!model.setData(rax, QStringLiteral("1")));
    // No snapshot yet: nothing to edit either.
    RegisterModel empty;
    empty.setEditable(true);
    QVERIFY(!empty.setData(empty.index(0, RegisterModel::ValueColumn), QStringLiteral("1")));
}

void TestMachineViews::registerValuesParse_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<quint64>("value");
    QTest::newRow("0x hex") << QStringLiteral("0x10") << true << quint64{16};
    QTest::newRow("upper case") << QStringLiteral("0XFF") << true << quint64{255};
    QTest::newRow("decimal") << QStringLiteral("16") << true << quint64{16};
    QTest::newRow("h suffix") << QStringLiteral("10h") << true << quint64{16};
    QTest::newRow("bare hex letters") << QStringLiteral("ff") << true << quint64{255};
    QTest::newRow("leading zero is hex") << QStringLiteral("0010") << true << quint64{16};
    QTest::newRow("as displayed") << QStringLiteral("0x0000_0000_0010_0000") << true
                                  << quint64{0x100000};
    QTest::newRow("spaces") << QStringLiteral(" 0x0010 0000 ") << true << quint64{0x100000};
    QTest::newRow("zero") << QStringLiteral("0") << true << quint64{0};
    QTest::newRow("minus one") << QStringLiteral("-1") << true << ~quint64{0};
    QTest::newRow("largest") << QStringLiteral("0xffff_ffff_ffff_ffff") << true << ~quint64{0};
    QTest::newRow("too large") << QStringLiteral("0x1_0000_0000_0000_0000") << false << quint64{0};
    QTest::newRow("letters") << QStringLiteral("zz") << false << quint64{0};
    QTest::newRow("empty") << QString() << false << quint64{0};
    QTest::newRow("only prefix") << QStringLiteral("0x") << false << quint64{0};
    QTest::newRow("two signs") << QStringLiteral("--1") << false << quint64{0};
    QTest::newRow("plus") << QStringLiteral("+1") << false << quint64{0};
}

void TestMachineViews::registerValuesParse()
{
    QFETCH(QString, text);
    QFETCH(bool, valid);
    QFETCH(quint64, value);
    const std::optional<quint64> parsed = parseRegisterValue(text);
    QCOMPARE(parsed.has_value(), valid);
    if (valid)
        QCOMPARE(*parsed, value);
}

void TestMachineViews::registerToolTipsShowDecimalAndBits()
{
    WorkbenchController controller;
    loadDemo(controller, kTrapAndEmulate);
    RegisterModel model;
    model.setSnapshot(controller.snapshot());
    const auto toolTip = [&model](RegisterId id) {
        return model.index(RegisterModel::rowOf(id), RegisterModel::ValueColumn)
            .data(Qt::ToolTipRole)
            .toString();
    };
    const quint64 rip = controller.snapshot().rip;
    QVERIFY(toolTip(RegisterId::Rip).contains(QLocale().toString(static_cast<qulonglong>(rip))));
    QVERIFY(toolTip(RegisterId::Rflags).contains(QStringLiteral("IF")));
    QVERIFY(toolTip(RegisterId::Cr0).contains(QStringLiteral("PE")));
    QVERIFY(toolTip(RegisterId::Cs).contains(QStringLiteral("RPL 3")));
    for (int row = 0; row < model.rowCount(); ++row)
        QVERIFY(!model.index(row, RegisterModel::NameColumn)
                     .data(Qt::ToolTipRole)
                     .toString()
                     .isEmpty());
}

void TestMachineViews::disassemblyFollowsRip()
{
    WorkbenchController controller;
    loadDemo(controller, kTrapAndEmulate);
    DisassemblyPane pane(controller);
    pane.resize(600, 300);
    pane.show();
    QVERIFY(QTest::qWaitForWindowExposed(&pane));
    QCOMPARE(pane.objectName(), QStringLiteral("disassembly"));
    const DisassemblyModel &model = pane.model();
    QTRY_VERIFY(model.rowCount() > 0);
    QCOMPARE(model.index(model.currentRow(), 0).data(DisassemblyModel::AddressRole).toULongLong(),
             controller.snapshot().rip);

    runTo(controller, Mnemonic::Popf);
    const int row = model.currentRow();
    QVERIFY(row >= 0);
    QCOMPARE(model.index(row, 0).data(DisassemblyModel::AddressRole).toULongLong(),
             controller.snapshot().rip);
    QVERIFY(model.index(row, 0).data(DisassemblyModel::CurrentRole).toBool());
    QVERIFY(model.index(row, 0).data(Qt::BackgroundRole).isValid());
    QVERIFY(!model.index(row == 0 ? 1 : 0, 0).data(Qt::BackgroundRole).isValid());
    // Following RIP: its row is in view.
    const QRect rect =
        pane.view().visualRect(model.index(row, DisassemblyModel::InstructionColumn));
    QVERIFY(pane.view().viewport()->rect().contains(rect.center()));
}

void TestMachineViews::disassemblyBadgesSensitiveInstructions()
{
    WorkbenchController controller;
    loadDemo(controller, kTrapAndEmulate);
    DisassemblyModel model;
    model.setProgram(controller.program());
    model.setCurrentAddress(controller.snapshot().rip);
    QCOMPARE(model.index(model.currentRow(), 0).data(DisassemblyModel::AddressRole).toULongLong(),
             controller.snapshot().rip);

    const int cli = rowOfMnemonic(model, controller.program(), Mnemonic::Cli);
    const int popf = rowOfMnemonic(model, controller.program(), Mnemonic::Popf);
    const int mov = rowOfMnemonic(model, controller.program(), Mnemonic::Other);
    QVERIFY(cli >= 0 && popf >= 0 && mov >= 0);

    const QModelIndex cliClass = model.index(cli, DisassemblyModel::ClassColumn);
    QCOMPARE(cliClass.data().toString(), QStringLiteral("P"));
    QCOMPARE(cliClass.data(DisassemblyModel::SensitivityRole).toInt(),
             int(Sensitivity::Privileged));
    QVERIFY(cliClass.data(Qt::ToolTipRole).toString().contains(QStringLiteral("privileged")));
    QVERIFY(cliClass.data(Qt::ToolTipRole).toString().contains(QStringLiteral("CPL 3")));
    QVERIFY(cliClass.data(Qt::ToolTipRole).toString().contains(QStringLiteral("CPL 0")));

    const QModelIndex popfClass = model.index(popf, DisassemblyModel::ClassColumn);
    QCOMPARE(popfClass.data().toString(), QStringLiteral("S"));
    QCOMPARE(popfClass.data(DisassemblyModel::SensitivityRole).toInt(),
             int(Sensitivity::SensitiveUnprivileged));
    QVERIFY(popfClass.data(Qt::ToolTipRole).toString().contains(QStringLiteral("sensitive")));
    QVERIFY(model.index(popf, DisassemblyModel::InstructionColumn)
                .data(Qt::ToolTipRole)
                .toString()
                .contains(QStringLiteral("CPL 3")));
    QCOMPARE(model.index(popf, DisassemblyModel::InstructionColumn).data().toString(),
             QStringLiteral("popfq"));

    QCOMPARE(model.index(mov, DisassemblyModel::ClassColumn).data().toString(), QString());
    const auto tokens = model.index(cli, DisassemblyModel::InstructionColumn)
                            .data(DisassemblyModel::TokensRole)
                            .value<std::vector<Token>>();
    QVERIFY(!tokens.empty());
    QCOMPARE(tokens.front().kind, TokenKind::Mnemonic);

    // Data directives are marked as data, not decoded.
    bool sawData = false;
    for (int row = 0; row < model.rowCount(); ++row) {
        if (model.index(row, 0).data(DisassemblyModel::DataRole).toBool()) {
            sawData = true;
            QCOMPARE(model.index(row, DisassemblyModel::ClassColumn).data().toString(),
                     QStringLiteral("data"));
            QVERIFY(!model.index(row, DisassemblyModel::ClassColumn)
                         .data(DisassemblyModel::SensitivityRole)
                         .isValid());
        }
    }
    QVERIFY(sawData);
}

void TestMachineViews::disassemblyReportsTheLineOnActivation()
{
    WorkbenchController controller;
    loadDemo(controller);
    DisassemblyPane pane(controller);
    pane.resize(600, 400);
    pane.show();
    QVERIFY(QTest::qWaitForWindowExposed(&pane));
    QTRY_VERIFY(pane.model().rowCount() > 0);
    QSignalSpy lines(&pane, &DisassemblyPane::lineActivated);
    const QModelIndex first = pane.model().index(0, DisassemblyModel::InstructionColumn);
    const QPoint centre = pane.view().visualRect(first).center();
    QTest::mouseClick(pane.view().viewport(), Qt::LeftButton, {}, centre);
    QTest::mouseDClick(pane.view().viewport(), Qt::LeftButton, {}, centre);
    QCOMPARE(lines.count(), 1);
    QCOMPARE(lines.front().front().toInt(), controller.program().disassembly.front().line);
}

QTEST_MAIN(TestMachineViews)
#include "tst_machineviews.moc"
