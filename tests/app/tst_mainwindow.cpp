// The main window as a student meets it: the demo under trap-and-emulate, the panes where the
// lecture needs them, run controls that follow the machine, and the screenshot command.

#include "CommandLine.h"
#include "MainWindow.h"
#include "Screenshot.h"
#include "controller/WorkbenchController.h"
#include "editor/CodeEditor.h"
#include "editor/EditorPane.h"
#include "editor/ParavirtualizeDialog.h"
#include "monitor/EventLogPane.h"
#include "monitor/TranslationCachePane.h"

#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QDockWidget>
#include <QImage>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSlider>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QtTest>

using namespace vmwb;
using vmwb::app::MainWindow;

namespace {

const QStringList kPanes = {
    QStringLiteral("editor"),
    QStringLiteral("disassembly"),
    QStringLiteral("registers"),
    QStringLiteral("flags"),
    QStringLiteral("virtualcpu"),
    QStringLiteral("eventlog"),
    QStringLiteral("console"),
    QStringLiteral("stack"),
    QStringLiteral("translationCachePane"),
    QStringLiteral("vmcsPane"),
};

QAction *action(MainWindow &window, const char *name)
{
    auto *found = window.findChild<QAction *>(QLatin1String(name));
    if (!found)
        qFatal("no action %s", name);
    return found;
}

QString statusText(MainWindow &window)
{
    return window.findChild<QLabel *>(QStringLiteral("statusText"))->text();
}

// Opens the demo and waits until it has been assembled and booted.
void openDemo(MainWindow &window)
{
    QVERIFY(window.openDemo());
    window.controller().waitForIdle();
    QTRY_VERIFY(window.controller().snapshot().valid);
}

// Presses `trigger` and waits until the run it starts has ended.
void runAndWait(MainWindow &window, QAction *trigger)
{
    QSignalSpy running(&window.controller(), &WorkbenchController::runningChanged);
    trigger->trigger();
    QTRY_COMPARE_WITH_TIMEOUT(running.count(), 2, 20000);
    window.controller().waitForIdle();
    QCoreApplication::processEvents();
}

} // namespace

class TestMainWindow : public QObject
{
    Q_OBJECT

private slots:
    void opensOnTheDemoUnderTrapAndEmulate();
    void layoutShowsFlagsAndVirtualCpuTogether();
    void runControlsFollowTheMachine();
    void shiftF10StepsBackOneInstruction();
    void runToCursorOnALineWithoutCodeSaysSo();
    void techniqueChoiceRestartsTheProgram();
    void vmxDemoOpensUnderHardwareAssistedExecution();
    void textSizeScalesEveryPane();
    void translationCachePaneIsInTheViewMenu();
    void paravirtualizeShowsTheSnippetBesideItsParavirtualForm();
    void screenshotCommandRendersTheWindow();
    void screenshotCommandRefusesBadOptions_data();
    void screenshotCommandRefusesBadOptions();
};

void TestMainWindow::opensOnTheDemoUnderTrapAndEmulate()
{
    MainWindow window(MainWindow::Settings::Ignore);
    window.show();
    openDemo(window);
    QVERIFY(window.windowTitle().startsWith(QLatin1String("popf-if.asm")));
    QCOMPARE(window.findChild<QComboBox *>(QStringLiteral("technique"))->currentData().toString(),
             QStringLiteral("trap-and-emulate"));
    const MachineSnapshot &s = window.controller().snapshot();
    QCOMPARE(s.techniqueId, QStringLiteral("trap-and-emulate"));
    QCOMPARE(s.instructions, 0u);
    for (const QString &name : kPanes) {
        auto *pane = window.findChild<QDockWidget *>(name);
        QVERIFY2(pane, qPrintable(name));
        QVERIFY2(!pane->isHidden(), qPrintable(name));
    }
    QVERIFY(action(window, "runAction")->isEnabled());
    QVERIFY(action(window, "stepAction")->isEnabled());
    QVERIFY(!action(window, "pauseAction")->isEnabled());
}

// The lecture's point needs the real and the guest's IF (flags) next to the virtual CPU's
// pending interrupt: they are not tabbed behind each other, and Reset Layout brings that back.
void TestMainWindow::layoutShowsFlagsAndVirtualCpuTogether()
{
    MainWindow window(MainWindow::Settings::Ignore);
    window.show();
    auto *flags = window.findChild<QDockWidget *>(QStringLiteral("flags"));
    auto *virtualCpu = window.findChild<QDockWidget *>(QStringLiteral("virtualcpu"));
    auto *registers = window.findChild<QDockWidget *>(QStringLiteral("registers"));
    QVERIFY(window.tabifiedDockWidgets(virtualCpu).isEmpty());
    QVERIFY(window.tabifiedDockWidgets(flags).contains(registers));

    window.tabifyDockWidget(flags, virtualCpu);
    QVERIFY(!window.tabifiedDockWidgets(virtualCpu).isEmpty());
    action(window, "resetLayoutAction")->trigger();
    QVERIFY(window.tabifiedDockWidgets(virtualCpu).isEmpty());
}

void TestMainWindow::runControlsFollowTheMachine()
{
    MainWindow window(MainWindow::Settings::Ignore);
    window.show();
    openDemo(window);
    window.controller().setBreakOnEvents({EventKind::Hole});

    // The pushf, then the popf: each run pauses right after the hole.
    runAndWait(window, action(window, "runAction"));
    QVERIFY2(statusText(window).startsWith(QLatin1String("Paused right after")),
             qPrintable(statusText(window)));
    QVERIFY(action(window, "runAction")->isEnabled());
    runAndWait(window, action(window, "runAction"));
    const MachineSnapshot &paused = window.controller().snapshot();
    QCOMPARE(paused.pause, PauseReason::EventBreak);
    QCOMPARE(paused.holes, 2u);
    QVERIFY(!paused.guest.interruptFlag); // the popf did not restore the guest's IF

    runAndWait(window, action(window, "runAction"));
    QCOMPARE(window.controller().snapshot().status, RunStatus::Exited);
    QVERIFY(statusText(window).startsWith(QLatin1String("Ended")));
    QVERIFY(!action(window, "runAction")->isEnabled());
    QVERIFY(!action(window, "stepAction")->isEnabled());
    QVERIFY(action(window, "resetAction")->isEnabled());

    action(window, "resetAction")->trigger();
    window.controller().waitForIdle();
    QTRY_COMPARE(window.controller().snapshot().instructions, 0u);
    QTRY_VERIFY(action(window, "runAction")->isEnabled());
}

void TestMainWindow::shiftF10StepsBackOneInstruction()
{
    MainWindow window(MainWindow::Settings::Ignore);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    openDemo(window);
    QAction *stepBack = action(window, "stepBackAction");
    QCOMPARE(stepBack->shortcut(), QKeySequence(Qt::SHIFT | Qt::Key_F10));
    QVERIFY(!stepBack->isEnabled()); // at instruction 0 there is nothing to go back to
    auto *history = window.findChild<QSlider *>(QStringLiteral("historySlider"));
    QVERIFY(history);
    QVERIFY(!history->isEnabled());

    for (int i = 0; i < 5; ++i) {
        QTest::keyClick(&window, Qt::Key_F10);
        window.controller().waitForIdle();
    }
    QTRY_COMPARE(window.controller().snapshot().instructions, 5u);
    QTRY_VERIFY(stepBack->isEnabled());
    QTest::keyClick(&window, Qt::Key_F10, Qt::ShiftModifier);
    window.controller().waitForIdle();
    QTRY_COMPARE(window.controller().snapshot().instructions, 4u);
    QVERIFY2(statusText(window).startsWith(QLatin1String("Went back")),
             qPrintable(statusText(window)));
    const auto back = window.controller().snapshot().registers;
    QTest::keyClick(&window, Qt::Key_F10);
    window.controller().waitForIdle();
    QTRY_COMPARE(window.controller().snapshot().instructions, 5u);
    QTest::keyClick(&window, Qt::Key_F10, Qt::ShiftModifier);
    window.controller().waitForIdle();
    QTRY_COMPARE(window.controller().snapshot().instructions, 4u);
    QCOMPARE(window.controller().snapshot().registers, back);

    // The history slider: the first event (the trapped lidt at instruction 0) takes the
    // machine back to before it.
    QTRY_VERIFY(history->isEnabled());
    QVERIFY(history->maximum() > history->minimum());
    history->setValue(history->minimum());
    window.controller().waitForIdle();
    QTRY_COMPARE(window.controller().snapshot().instructions, 0u);
    QTRY_VERIFY(!stepBack->isEnabled());
}

void TestMainWindow::runToCursorOnALineWithoutCodeSaysSo()
{
    MainWindow window(MainWindow::Settings::Ignore);
    window.show();
    openDemo(window);
    auto *editor = window.findChild<EditorPane *>(QStringLiteral("editor"))->editor();
    // The demo ends with its data: no code from the last line on.
    editor->goToLine(editor->blockCount());
    QSignalSpy running(&window.controller(), &WorkbenchController::runningChanged);
    action(window, "runToCursorAction")->trigger();
    window.controller().waitForIdle();
    QCoreApplication::processEvents();
    QCOMPARE(running.count(), 0);
    QVERIFY2(window.statusBar()->currentMessage().contains(QLatin1String("Nothing to run to")),
             qPrintable(window.statusBar()->currentMessage()));
}

void TestMainWindow::techniqueChoiceRestartsTheProgram()
{
    MainWindow window(MainWindow::Settings::Ignore);
    window.show();
    openDemo(window);
    action(window, "stepAction")->trigger();
    window.controller().waitForIdle();
    QTRY_COMPARE(window.controller().snapshot().instructions, 1u);

    auto *technique = window.findChild<QComboBox *>(QStringLiteral("technique"));
    technique->setCurrentIndex(technique->findData(QStringLiteral("native")));
    window.controller().waitForIdle();
    QTRY_COMPARE(window.controller().snapshot().techniqueId, QStringLiteral("native"));
    QCOMPARE(window.controller().snapshot().instructions, 0u);
    QCOMPARE(window.controller().snapshot().realCpl, 0u);
    QVERIFY(!window.selectTechnique(QStringLiteral("no-such-technique")));
}

void TestMainWindow::vmxDemoOpensUnderHardwareAssistedExecution()
{
    MainWindow window(MainWindow::Settings::Ignore);
    window.show();
    openDemo(window);
    action(window, "vmxDemoAction")->trigger();
    window.controller().waitForIdle();
    QTRY_COMPARE(window.controller().snapshot().techniqueId, QStringLiteral("hardware-assisted"));
    QVERIFY(window.windowTitle().startsWith(QLatin1String("vmx-exits.asm")));
    runAndWait(window, action(window, "runAction"));
    const MachineSnapshot &s = window.controller().snapshot();
    QCOMPARE(s.status, RunStatus::Exited);
    QVERIFY(s.vmcs.has_value());
    QVERIFY(s.vmExits > 0);
}

void TestMainWindow::textSizeScalesEveryPane()
{
    MainWindow window(MainWindow::Settings::Ignore);
    window.show();
    const qreal before = QApplication::font().pointSizeF();
    action(window, "largerTextAction")->trigger();
    action(window, "largerTextAction")->trigger();
    const qreal larger = QApplication::font().pointSizeF();
    QVERIFY(larger > before);
    auto *flags = window.findChild<QDockWidget *>(QStringLiteral("flags"));
    // The widgets learn of it from a posted event.
    QTRY_COMPARE(flags->font().pointSizeF(), larger);
    action(window, "smallerTextAction")->trigger();
    action(window, "smallerTextAction")->trigger();
    QCOMPARE(QApplication::font().pointSizeF(), before);
    QTRY_COMPARE(flags->font().pointSizeF(), before);
}

void TestMainWindow::translationCachePaneIsInTheViewMenu()
{
    MainWindow window(MainWindow::Settings::Ignore);
    window.show();
    openDemo(window);
    auto *pane = window.findChild<TranslationCachePane *>(QStringLiteral("translationCachePane"));
    QVERIFY(pane != nullptr);
    // Tabbed with the event log along the bottom; under trap-and-emulate it explains itself.
    QVERIFY(window.tabifiedDockWidgets(pane).contains(
        window.findChild<QDockWidget *>(QStringLiteral("eventlog"))));
    pane->show();
    pane->raise();
    QTRY_VERIFY(pane->showsPlaceholder());
    bool listed = false;
    for (QMenu *menu : window.menuBar()->findChildren<QMenu *>()) {
        for (QAction *entry : menu->actions())
            listed = listed || entry == pane->toggleViewAction();
    }
    QVERIFY(listed);
    pane->toggleViewAction()->trigger();
    QVERIFY(pane->isHidden());
}

void TestMainWindow::paravirtualizeShowsTheSnippetBesideItsParavirtualForm()
{
    MainWindow window(MainWindow::Settings::Ignore);
    window.show();
    openDemo(window);
    QAction *paravirtualize = action(window, "paravirtualizeAction");
    QVERIFY(!paravirtualize->shortcut().isEmpty());
    QVERIFY(!paravirtualize->toolTip().isEmpty());
    QCOMPARE(window.paravirtualizeDialog(), nullptr);
    paravirtualize->trigger();
    ParavirtualizeDialog *dialog = window.paravirtualizeDialog();
    QVERIFY(dialog != nullptr);
    QVERIFY(dialog->isVisible());
    QCOMPARE(dialog->windowTitle(), QStringLiteral("What Xen asked of Linux"));
    EditorPane *editor = window.findChild<EditorPane *>(QStringLiteral("editor"));
    const QString original = editor->editor()->toPlainText();
    QVERIFY(!dialog->highlightedOriginalLines().isEmpty());
    QVERIFY(dialog->originalView()->toPlainText().contains(QLatin1String("popf")));
    QVERIFY(dialog->paravirtualView()->toPlainText().contains(QLatin1String("xen.inc")));

    // Open as New Document: the paravirtual snippet, unsaved, under the paravirtual technique.
    dialog->findChild<QPushButton *>(QStringLiteral("openParavirtual"))->click();
    QVERIFY(!dialog->isVisible());
    QCOMPARE(editor->editor()->toPlainText(), dialog->result().source);
    QVERIFY(editor->editor()->toPlainText() != original);
    QVERIFY(editor->isModified());
    QVERIFY(editor->fileName().isEmpty());
    QCOMPARE(editor->displayName(), QStringLiteral("popf-if-paravirtual.asm"));
    QCOMPARE(window.findChild<QComboBox *>(QStringLiteral("technique"))->currentData().toString(),
             QStringLiteral("paravirtual"));
    QTRY_COMPARE(window.controller().snapshot().techniqueId, QStringLiteral("paravirtual"));
    // Discard the unsaved document so that closing the window does not ask.
    editor->editor()->document()->setModified(false);
}

void TestMainWindow::screenshotCommandRendersTheWindow()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("shot.png"));
    const int code = app::takeScreenshot(
        {QStringLiteral("vmm-workbench"), QStringLiteral("--screenshot"), path,
         QStringLiteral("--size"), QStringLiteral("1024x700"), QStringLiteral("--break-on"),
         QStringLiteral("hole"), QStringLiteral("--runs"), QStringLiteral("1")});
    QCOMPARE(code, app::kOk);
    const QImage image(path);
    QVERIFY(!image.isNull());
    QCOMPARE(image.size() / image.devicePixelRatio(), QSize(1024, 700));
}

void TestMainWindow::screenshotCommandRefusesBadOptions_data()
{
    QTest::addColumn<QStringList>("options");
    QTest::newRow("unknown event kind")
        << QStringList{QStringLiteral("--break-on"), QStringLiteral("holes")};
    QTest::newRow("negative steps") << QStringList{QStringLiteral("--steps"), QStringLiteral("-1")};
    QTest::newRow("bad size") << QStringList{QStringLiteral("--size"), QStringLiteral("big")};
    QTest::newRow("unknown technique")
        << QStringList{QStringLiteral("--technique"), QStringLiteral("magic")};
    QTest::newRow("unknown pane") << QStringList{QStringLiteral("--show-pane"),
                                                 QStringLiteral("nopane")};
    QTest::newRow("missing file") << QStringList{QStringLiteral("/nonexistent/lesson.asm")};
}

void TestMainWindow::screenshotCommandRefusesBadOptions()
{
    QFETCH(QStringList, options);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("shot.png"));
    QStringList arguments{QStringLiteral("vmm-workbench"), QStringLiteral("--screenshot"), path};
    arguments += options;
    QCOMPARE(app::takeScreenshot(arguments), app::kBadInput);
    QVERIFY(!QFile::exists(path));
}

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
