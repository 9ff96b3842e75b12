// The VMCS pane: the field tree fed a hand-built VMCS (areas, SDM names, encodings, values,
// what changed since the start, decoded tool tips), the control check boxes and the
// controller's overrides, a real run under hardware-assisted execution, and the pane's place
// in the main window.

#include "MainWindow.h"
#include "common/Colors.h"
#include "common/Format.h"
#include "controller/WorkbenchController.h"
#include "monitor/VmcsModel.h"
#include "monitor/VmcsPane.h"
#include "support/Demo.h"
#include "support/HostedPane.h"
#include "vmx/Vmcs.h"

#include <QAbstractItemModelTester>
#include <QCheckBox>
#include <QFile>
#include <QGroupBox>
#include <QGuiApplication>
#include <QLabel>
#include <QMainWindow>
#include <QMenu>
#include <QMenuBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QTreeView>
#include <QtTest>

using namespace vmwb;

using vmwb::test::demoSource;

namespace {

const QString kHardwareAssisted = QStringLiteral("hardware-assisted");

bool hasTechnique(const WorkbenchController &controller, const QString &id)
{
    for (const TechniqueInfo &info : controller.techniques()) {
        if (info.id == id)
            return true;
    }
    return false;
}

// A VMCS as the CPU leaves it at an OUT to port 0x40: the defaults, the guest at 0x100010,
// the exit-information fields filled in.
vmx::Vmcs handBuiltVmcs()
{
    vmx::Vmcs vmcs = vmx::Vmcs::defaults();
    vmcs.write(vmx::Field::GuestRip, 0x100010);
    vmcs.write(vmx::Field::GuestCsSelector, 0x10);
    vmcs.write(vmx::Field::ExitReason, vmx::exit_reason::kIoInstruction);
    vmcs.write(vmx::Field::ExitQualification,
               vmx::ioQualification(0x40, 4, false, false, false, true));
    vmcs.write(vmx::Field::ExitInstructionLength, 2);
    return vmcs;
}

QVariant cell(const VmcsModel &model, vmx::Field field, int column, int role = Qt::DisplayRole)
{
    return model.indexOf(field, column).data(role);
}

// This file's panes, at the size and in the dock area its tests lay them out for.
template <typename PaneType>
struct Hosted : test::Hosted<PaneType>
{
    explicit Hosted(WorkbenchController &controller, QSize size = {1400, 400})
        : test::Hosted<PaneType>(controller, size, Qt::BottomDockWidgetArea)
    {}
};

// Waits until the worker has answered and the GUI thread has seen it.
void settle(WorkbenchController &controller)
{
    controller.waitForIdle();
    QCoreApplication::processEvents();
}

} // namespace

class TestVmcsViews : public QObject
{
    Q_OBJECT

private slots:
    void modelGroupsEveryFieldByArea();
    void modelShowsNameEncodingAndValue_data();
    void modelShowsNameEncodingAndValue();
    void modelShowsNoValuesWithoutAVmcs();
    void modelHighlightsWhatChangedSinceTheStart();
    void controlFieldToolTipsListTheBitsThatAreOn();
    void exitFieldToolTipsSayWhatHappened();
    void paneExplainsItselfUnderOtherTechniques();
    void checkBoxesSetTheControllersOverrides();
    void paneFollowsARunUnderHardwareAssistedExecution();
    void mainWindowTabsThePaneWithTheEventLog();
};

void TestVmcsViews::modelGroupsEveryFieldByArea()
{
    VmcsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setVmcs(handBuiltVmcs(), std::make_shared<const vmx::Vmcs>(vmx::Vmcs::defaults()));

    int fields = 0;
    std::vector<int> seen(vmx::kFieldCount, 0);
    for (int area = 0; area < model.rowCount(); ++area) {
        const QModelIndex areaIndex = model.index(area, 0);
        QCOMPARE(areaIndex.data(VmcsModel::FieldRole).toInt(), -1);
        QVERIFY(!areaIndex.data().toString().isEmpty());
        const auto areaValue = static_cast<vmx::Area>(areaIndex.data(VmcsModel::AreaRole).toInt());
        QCOMPARE(areaIndex.data().toString(), QString::fromLatin1(vmx::areaTitle(areaValue)));
        for (int row = 0; row < model.rowCount(areaIndex); ++row) {
            const QModelIndex field = model.index(row, 0, areaIndex);
            QCOMPARE(field.parent(), areaIndex);
            const int id = field.data(VmcsModel::FieldRole).toInt();
            QVERIFY(id >= 0 && id < static_cast<int>(vmx::kFieldCount));
            QCOMPARE(vmx::fieldInfo(static_cast<vmx::Field>(id)).area, areaValue);
            ++seen[static_cast<std::size_t>(id)];
            ++fields;
        }
    }
    QCOMPARE(fields, static_cast<int>(vmx::kFieldCount));
    for (std::size_t i = 0; i < seen.size(); ++i)
        QVERIFY2(seen[i] == 1, vmx::fieldInfo(static_cast<vmx::Field>(i)).name);
    // The SDM's order of areas: guest state first, exit information last.
    QCOMPARE(static_cast<vmx::Area>(model.index(0, 0).data(VmcsModel::AreaRole).toInt()),
             vmx::Area::GuestState);
    QCOMPARE(static_cast<vmx::Area>(
                 model.index(model.rowCount() - 1, 0).data(VmcsModel::AreaRole).toInt()),
             vmx::Area::ExitInformation);
}

void TestVmcsViews::modelShowsNameEncodingAndValue_data()
{
    QTest::addColumn<int>("field");
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("encoding");
    QTest::addColumn<QString>("value");

    const vmx::Vmcs vmcs = handBuiltVmcs();
    const auto row = [&vmcs](const char *tag, vmx::Field field, const char *name,
                             const char *encoding, int digits) {
        QTest::newRow(tag) << static_cast<int>(field) << QString::fromLatin1(name)
                           << QString::fromLatin1(encoding) << groupedHex(vmcs.read(field), digits);
    };
    // Encodings from the SDM's appendix B; 16-bit fields show 4 digits, 32-bit 8, others 16.
    row("guest rip", vmx::Field::GuestRip, "GUEST_RIP", "0x681E", 16);
    row("guest cs", vmx::Field::GuestCsSelector, "GUEST_CS_SELECTOR", "0x0802", 4);
    row("vpid", vmx::Field::VirtualProcessorId, "VIRTUAL_PROCESSOR_ID", "0x0000", 4);
    row("io bitmap a", vmx::Field::IoBitmapA, "IO_BITMAP_A", "0x2000", 16);
    row("primary controls", vmx::Field::PrimaryProcessorControls, "CPU_BASED_VM_EXEC_CONTROL",
        "0x4002", 8);
    row("exit reason", vmx::Field::ExitReason, "VM_EXIT_REASON", "0x4402", 8);
    row("exit qualification", vmx::Field::ExitQualification, "EXIT_QUALIFICATION", "0x6400", 16);
    row("host rip", vmx::Field::HostRip, "HOST_RIP", "0x6C16", 16);
}

void TestVmcsViews::modelShowsNameEncodingAndValue()
{
    QFETCH(int, field);
    QFETCH(QString, name);
    QFETCH(QString, encoding);
    QFETCH(QString, value);
    VmcsModel model;
    model.setVmcs(handBuiltVmcs());
    const auto f = static_cast<vmx::Field>(field);
    QVERIFY(model.indexOf(f).isValid());
    QCOMPARE(cell(model, f, VmcsModel::NameColumn).toString(), name);
    QCOMPARE(cell(model, f, VmcsModel::EncodingColumn).toString(), encoding);
    QCOMPARE(cell(model, f, VmcsModel::EncodingColumn, VmcsModel::EncodingRole).toUInt(),
             encoding.mid(2).toUInt(nullptr, 16));
    QCOMPARE(cell(model, f, VmcsModel::ValueColumn).toString(), value);
    QCOMPARE(cell(model, f, VmcsModel::FieldColumn).toString(),
             QString::fromLatin1(vmx::fieldInfo(f).title));
    // Values and encodings in the fixed-pitch font.
    QCOMPARE(cell(model, f, VmcsModel::ValueColumn, Qt::FontRole).value<QFont>().families(),
             valueFont().families());
}

void TestVmcsViews::modelShowsNoValuesWithoutAVmcs()
{
    VmcsModel model;
    model.setVmcs(handBuiltVmcs());
    QCOMPARE(cell(model, vmx::Field::GuestRip, VmcsModel::ValueColumn).toString(),
             QStringLiteral("0x0000_0000_0010_0010"));
    model.setVmcs(std::nullopt);
    QVERIFY(!cell(model, vmx::Field::GuestRip, VmcsModel::ValueColumn).isValid());
    QVERIFY(
        !cell(model, vmx::Field::GuestRip, VmcsModel::ValueColumn, VmcsModel::ValueRole).isValid());
    // The rows stay: the names and encodings are facts about the VMCS, not about a run.
    QCOMPARE(cell(model, vmx::Field::GuestRip, VmcsModel::EncodingColumn).toString(),
             QStringLiteral("0x681E"));
}

void TestVmcsViews::modelHighlightsWhatChangedSinceTheStart()
{
    VmcsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    const WorkbenchColors colors = WorkbenchColors::forPalette(QGuiApplication::palette());
    model.setColors(colors);
    auto start = std::make_shared<vmx::Vmcs>(handBuiltVmcs());
    vmx::Vmcs now = *start;
    now.write(vmx::Field::GuestRip, 0x100012);
    now.write(vmx::Field::ExitReason, vmx::exit_reason::kHlt);

    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    model.setVmcs(now, start);
    QVERIFY(changed.count() > 0);
    QCOMPARE(reset.count(), 0); // values change, the rows stay

    QCOMPARE(model.changedCount(), 2);
    for (const vmx::Field field : {vmx::Field::GuestRip, vmx::Field::ExitReason}) {
        QVERIFY(model.isChanged(field));
        QVERIFY(cell(model, field, VmcsModel::ValueColumn, VmcsModel::ChangedRole).toBool());
        QCOMPARE(cell(model, field, VmcsModel::ValueColumn, Qt::BackgroundRole).value<QColor>(),
                 colors.changed);
        QVERIFY(cell(model, field, VmcsModel::ValueColumn, Qt::FontRole).value<QFont>().bold());
    }
    // The old value is in the tool tip.
    QVERIFY(cell(model, vmx::Field::GuestRip, VmcsModel::ValueColumn, Qt::ToolTipRole)
                .toString()
                .contains(QLatin1String("0x0000_0000_0010_0010")));
    for (const vmx::Field field : {vmx::Field::GuestRsp, vmx::Field::ExitQualification,
                                   vmx::Field::PrimaryProcessorControls}) {
        QVERIFY(!model.isChanged(field));
        QVERIFY(!cell(model, field, VmcsModel::ValueColumn, Qt::BackgroundRole).isValid());
        QVERIFY(!cell(model, field, VmcsModel::ValueColumn, Qt::FontRole).value<QFont>().bold());
    }
    // The area rows count their changes.
    const QModelIndex guest = model.indexOf(vmx::Field::GuestRip).parent();
    QCOMPARE(guest.siblingAtColumn(VmcsModel::ValueColumn).data().toString(),
             QStringLiteral("1 changed"));
    QVERIFY(guest.data(VmcsModel::ChangedRole).toBool());
    const QModelIndex host = model.indexOf(vmx::Field::HostRip).parent();
    QVERIFY(!host.data(VmcsModel::ChangedRole).toBool());

    // Without a start nothing counts as changed.
    model.setVmcs(now);
    QCOMPARE(model.changedCount(), 0);
    QVERIFY(!model.isChanged(vmx::Field::GuestRip));
}

void TestVmcsViews::controlFieldToolTipsListTheBitsThatAreOn()
{
    VmcsModel model;
    vmx::Vmcs vmcs = vmx::Vmcs::defaults();
    vmcs.setControl(vmx::Control::HltExiting, true);
    vmcs.setControl(vmx::Control::RdtscExiting, false);
    model.setVmcs(vmcs);
    const auto primaryTip = [&model] {
        return cell(model, vmx::Field::PrimaryProcessorControls, VmcsModel::ValueColumn,
                    Qt::ToolTipRole)
            .toString();
    };
    QVERIFY2(primaryTip().contains(QLatin1String("HLT exiting (bit 7)")), qPrintable(primaryTip()));
    QVERIFY(!primaryTip().contains(QLatin1String("RDTSC exiting")));
    // The value shows bit 7.
    QVERIFY(cell(model, vmx::Field::PrimaryProcessorControls, VmcsModel::ValueColumn,
                 VmcsModel::ValueRole)
                .toULongLong() &
            (1U << 7));

    vmcs.setControl(vmx::Control::HltExiting, false);
    vmcs.setControl(vmx::Control::RdtscExiting, true);
    model.setVmcs(vmcs);
    QVERIFY(!primaryTip().contains(QLatin1String("HLT exiting")));
    QVERIFY(primaryTip().contains(QLatin1String("RDTSC exiting (bit 12)")));
    QVERIFY(!(cell(model, vmx::Field::PrimaryProcessorControls, VmcsModel::ValueColumn,
                   VmcsModel::ValueRole)
                  .toULongLong() &
              (1U << 7)));

    // The secondary controls name theirs too, and the exception bitmap its vectors.
    vmcs.setControl(vmx::Control::EnableEpt, true);
    vmcs.write(vmx::Field::ExceptionBitmap, (1U << 14) | (1U << 6));
    model.setVmcs(vmcs);
    QVERIFY(
        cell(model, vmx::Field::SecondaryProcessorControls, VmcsModel::ValueColumn, Qt::ToolTipRole)
            .toString()
            .contains(QLatin1String("(bit 1)")));
    const QString exceptions =
        cell(model, vmx::Field::ExceptionBitmap, VmcsModel::ValueColumn, Qt::ToolTipRole)
            .toString();
    QVERIFY2(exceptions.contains(QLatin1String("14 (#PF)")), qPrintable(exceptions));
    QVERIFY(exceptions.contains(QLatin1String("6 (#UD)")));
}

void TestVmcsViews::exitFieldToolTipsSayWhatHappened()
{
    VmcsModel model;
    const vmx::Vmcs vmcs = handBuiltVmcs();
    model.setVmcs(vmcs);
    const QString reason =
        cell(model, vmx::Field::ExitReason, VmcsModel::ValueColumn, Qt::ToolTipRole).toString();
    QVERIFY2(
        reason.contains(QString::fromLatin1(vmx::exitReasonName(vmx::exit_reason::kIoInstruction))),
        qPrintable(reason));
    const QString qualification =
        cell(model, vmx::Field::ExitQualification, VmcsModel::ValueColumn, Qt::ToolTipRole)
            .toString();
    const QString words = vmx::describeQualification(vmx::exit_reason::kIoInstruction,
                                                     vmcs.read(vmx::Field::ExitQualification));
    QVERIFY(!words.isEmpty());
    QVERIFY2(qualification.contains(words.toHtmlEscaped()), qPrintable(qualification));
    // The field's identity is in every column's tool tip.
    QVERIFY(cell(model, vmx::Field::ExitReason, VmcsModel::FieldColumn, Qt::ToolTipRole)
                .toString()
                .contains(QLatin1String("0x4402")));
}

void TestVmcsViews::paneExplainsItselfUnderOtherTechniques()
{
    WorkbenchController controller;
    Hosted<VmcsPane> pane(controller);
    controller.setTechnique(QStringLiteral("trap-and-emulate"));
    controller.setSource(demoSource(), QStringLiteral("popf-if.asm"));
    settle(controller);
    QTRY_VERIFY(controller.hasProgram());
    settle(controller);
    QVERIFY(!controller.snapshot().vmcs.has_value());
    QVERIFY(controller.snapshot().vmcsAtStart == nullptr);
    QVERIFY(pane->showsPlaceholder());
    auto *placeholder = pane->findChild<QLabel *>(QStringLiteral("vmcsPlaceholder"));
    QVERIFY(placeholder->isVisible());
    QVERIFY(placeholder->text().contains(QLatin1String("hardware-assisted")));
    // The controls are there to prepare, and say when they apply.
    QCheckBox *hlt = pane->controlCheckBox(vmx::Control::HltExiting);
    QVERIFY(hlt->isVisible());
    QVERIFY(hlt->isEnabled());
    QVERIFY(pane->findChild<QLabel *>(QStringLiteral("controlsNote"))
                ->text()
                .contains(QLatin1String("hardware-assisted")));
    QVERIFY(!pane->findChild<QGroupBox *>(QStringLiteral("lastVmExit"))->isVisible());

    if (hasTechnique(controller, kHardwareAssisted)) {
        auto *use = pane->findChild<QPushButton *>(QStringLiteral("useHardwareAssisted"));
        QVERIFY(use->isVisible());
        use->click();
        QCOMPARE(controller.technique(), kHardwareAssisted);
        settle(controller);
        QTRY_VERIFY(controller.snapshot().vmcs.has_value());
        QTRY_VERIFY(!pane->showsPlaceholder());
    }
}

void TestVmcsViews::checkBoxesSetTheControllersOverrides()
{
    WorkbenchController controller;
    Hosted<VmcsPane> pane(controller);
    const vmx::Vmcs defaults = vmx::Vmcs::defaults();
    // Without a program or a VMCS the boxes show the defaults.
    for (const vmx::ControlInfo &info : vmx::allControls()) {
        QCheckBox *box = pane->controlCheckBox(info.control);
        QCOMPARE(box->objectName(), QString::fromLatin1(info.id));
        QVERIFY2(box->isChecked() == defaults.control(info.control), info.id);
        QVERIFY(box->toolTip().contains(QLatin1String(vmx::fieldInfo(info.field).name)));
        QVERIFY(box->toolTip().contains(QStringLiteral("bit %1").arg(info.bit)));
        QVERIFY(!box->font().bold());
    }
    QVERIFY(controller.vmcsControls().empty());
    auto *defaultsButton = pane->findChild<QPushButton *>(QStringLiteral("vmcsDefaults"));
    QVERIFY(!defaultsButton->isEnabled());

    // Clicking one records the override and marks it.
    QSignalSpy settings(&controller, &WorkbenchController::settingsChanged);
    QCheckBox *hlt = pane->controlCheckBox(vmx::Control::HltExiting);
    const bool wasOn = hlt->isChecked();
    hlt->click();
    QCOMPARE(settings.count(), 1);
    const std::map<QString, bool> expected{{QStringLiteral("hlt-exiting"), !wasOn}};
    QCOMPARE(controller.vmcsControls(), expected);
    settle(controller);
    QCOMPARE(hlt->isChecked(), !wasOn);
    QVERIFY(hlt->font().bold());
    QVERIFY(defaultsButton->isEnabled());

    // The controller's setter moves the box too.
    QCheckBox *rdtsc = pane->controlCheckBox(vmx::Control::RdtscExiting);
    const bool rdtscWasOn = rdtsc->isChecked();
    controller.setVmcsControl(QStringLiteral("rdtsc-exiting"), !rdtscWasOn);
    settle(controller);
    QCOMPARE(rdtsc->isChecked(), !rdtscWasOn);
    QCOMPARE(controller.vmcsControls().size(), std::size_t{2});
    // Unknown names are not kept: they would keep every session from starting.
    controller.setVmcsControl(QStringLiteral("no-such-control"), true);
    QCOMPARE(controller.vmcsControls().size(), std::size_t{2});

    defaultsButton->click();
    settle(controller);
    QVERIFY(controller.vmcsControls().empty());
    QCOMPARE(hlt->isChecked(), wasOn);
    QCOMPARE(rdtsc->isChecked(), rdtscWasOn);
    QVERIFY(!hlt->font().bold());
}

void TestVmcsViews::paneFollowsARunUnderHardwareAssistedExecution()
{
    WorkbenchController controller;
    if (!hasTechnique(controller, kHardwareAssisted))
        QSKIP("hardware-assisted execution is not built in yet");
    Hosted<VmcsPane> pane(controller);
    controller.setTechnique(kHardwareAssisted);
    controller.setSource(demoSource(), QStringLiteral("popf-if.asm"));
    settle(controller);
    QTRY_VERIFY(controller.hasProgram());
    settle(controller);
    const MachineSnapshot start = controller.snapshot();
    QVERIFY(start.vmcs.has_value());
    QVERIFY(start.vmcsAtStart != nullptr);
    QVERIFY(!pane->showsPlaceholder());
    QCOMPARE(start.vmExits, 0u);
    QVERIFY(pane->exitText(QStringLiteral("summary")).contains(QLatin1String("No VM exit")));
    QCOMPARE(pane->model()->changedCount(), 0);
    QVERIFY(pane->controlCheckBox(vmx::Control::HltExiting)->isChecked() ==
            start.vmcs->control(vmx::Control::HltExiting));

    // The demo's out to the timer port exits (unconditional I/O exiting by default).
    QSignalSpy running(&controller, &WorkbenchController::runningChanged);
    for (int i = 0; i < 50 && controller.snapshot().vmExits == 0; ++i) {
        controller.step();
        settle(controller);
    }
    const MachineSnapshot s = controller.snapshot();
    QVERIFY(s.vmExits > 0);
    QVERIFY(s.lastVmExit.has_value());
    QCOMPARE(s.lastVmExit->kind, EventKind::VmExit);
    QVERIFY(pane->model()->changedCount() > 0);
    const auto reason = static_cast<std::uint16_t>(s.vmcs->read(vmx::Field::ExitReason) & 0xffff);
    QVERIFY(pane->exitText(QStringLiteral("reason"))
                .contains(QString::fromLatin1(vmx::exitReasonName(reason))));
    QVERIFY(pane->exitText(QStringLiteral("reason")).startsWith(QString::number(reason)));
    const QString words =
        vmx::describeQualification(reason, s.vmcs->read(vmx::Field::ExitQualification));
    if (!words.isEmpty())
        QCOMPARE(pane->exitText(QStringLiteral("qualification")), words);
    QCOMPARE(pane->exitText(QStringLiteral("instruction")), s.lastVmExit->instruction);
    QVERIFY(pane->exitText(QStringLiteral("rip")).startsWith(groupedHex(s.lastVmExit->rip, 8)));
    QVERIFY(pane->exitText(QStringLiteral("length"))
                .startsWith(QString::number(s.vmcs->read(vmx::Field::ExitInstructionLength))));
    QVERIFY(pane->exitText(QStringLiteral("summary")).contains(QString::number(s.vmExits)));
    // The exit reason field is among the changes.
    QVERIFY(pane->model()->isChanged(vmx::Field::ExitReason) ||
            reason == start.vmcs->read(vmx::Field::ExitReason));

    // Turning a control off restarts the program with it off in the live VMCS.
    QCheckBox *io = pane->controlCheckBox(vmx::Control::UnconditionalIoExiting);
    const bool ioWasOn = s.vmcs->control(vmx::Control::UnconditionalIoExiting);
    QCOMPARE(io->isChecked(), ioWasOn);
    io->click();
    settle(controller);
    QTRY_COMPARE(controller.snapshot().instructions, 0u);
    QTRY_VERIFY(controller.snapshot().vmcs.has_value());
    QCOMPARE(controller.snapshot().vmcs->control(vmx::Control::UnconditionalIoExiting), !ioWasOn);
    QCOMPARE(controller.snapshot().vmcsAtStart->control(vmx::Control::UnconditionalIoExiting),
             !ioWasOn);
    QCOMPARE(controller.snapshot().vmExits, 0u);
    QCOMPARE(io->isChecked(), !ioWasOn);
    QVERIFY(pane->findChild<QLabel *>(QStringLiteral("controlsNote"))
                ->text()
                .contains(QLatin1String("restarts")));

    // Under another technique the overrides are kept but not applied: the session starts.
    controller.setTechnique(QStringLiteral("trap-and-emulate"));
    settle(controller);
    QTRY_VERIFY(controller.hasProgram());
    QCOMPARE(controller.snapshot().techniqueId, QStringLiteral("trap-and-emulate"));
    QVERIFY(!controller.vmcsControls().empty());
    QVERIFY(pane->showsPlaceholder());
}

void TestVmcsViews::mainWindowTabsThePaneWithTheEventLog()
{
    app::MainWindow window(app::MainWindow::Settings::Ignore);
    window.show();
    auto *pane = window.findChild<VmcsPane *>(QStringLiteral("vmcsPane"));
    QVERIFY(pane != nullptr);
    QVERIFY(window.tabifiedDockWidgets(pane).contains(
        window.findChild<QDockWidget *>(QStringLiteral("eventlog"))));
    bool listed = false;
    for (QMenu *menu : window.menuBar()->findChildren<QMenu *>()) {
        for (QAction *entry : menu->actions())
            listed = listed || entry == pane->toggleViewAction();
    }
    QVERIFY(listed);
    pane->show();
    pane->raise();
    QTRY_VERIFY(pane->isVisible());
}

QTEST_MAIN(TestVmcsViews)
#include "tst_vmcsviews.moc"
