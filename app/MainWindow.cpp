#include "MainWindow.h"

#include "compare/ComparePane.h"
#include "controller/WorkbenchController.h"
#include "editor/CodeEditor.h"
#include "editor/EditorPane.h"
#include "editor/ParavirtualizeDialog.h"
#include "machine/DisassemblyPane.h"
#include "machine/FlagsPane.h"
#include "machine/RegistersPane.h"
#include "monitor/ConsolePane.h"
#include "monitor/EventLogPane.h"
#include "monitor/StackPane.h"
#include "monitor/TranslationCachePane.h"
#include "monitor/VirtualCpuPane.h"
#include "monitor/VmcsPane.h"
#include "pv/Paravirtualizer.h"
#include "rss/RssPane.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QComboBox>
#include <QFile>
#include <QFileInfo>
#include <QLabel>
#include <QLocale>
#include <QMenuBar>
#include <QMessageBox>
#include <QSettings>
#include <QSpinBox>
#include <QStatusBar>
#include <QToolBar>
#include <QToolButton>

namespace vmwb::app {

namespace {

constexpr auto kDemoResource = ":/vmwb/exercises/demos/popf-if.asm";
constexpr auto kDemoName = "popf-if.asm";
constexpr auto kVmxDemoResource = ":/vmwb/exercises/demos/vmx-exits.asm";
constexpr auto kVmxDemoName = "vmx-exits.asm";
constexpr auto kHardwareAssisted = "hardware-assisted";
constexpr auto kDefaultTechnique = "trap-and-emulate";
constexpr auto kParavirtualTechnique = "paravirtual";
constexpr int kLayoutVersion = 1;
constexpr int kTranslatedColumnRoom = 120; // pixels: the disassembly's Translated column

// The speeds the toolbar offers, in guest instructions per second (0: as fast as it goes).
constexpr int kSpeeds[] = {0, 1000, 100, 10, 2, 1};

QString speedText(int stepsPerSecond)
{
    if (stepsPerSecond == 0)
        return QCoreApplication::translate("vmwb::app::MainWindow", "Full speed");
    return QCoreApplication::translate("vmwb::app::MainWindow", "%n step(s)/s", nullptr,
                                       stepsPerSecond);
}

} // namespace

MainWindow::MainWindow(Settings settings, QWidget *parent)
    : QMainWindow(parent), m_settings(settings)
{
    setObjectName(QStringLiteral("mainWindow"));
    m_basePointSize =
        QApplication::font().pointSizeF() > 0 ? QApplication::font().pointSizeF() : 10.0;
    m_controller = new WorkbenchController(this);
    setDockNestingEnabled(true);
    setDockOptions(QMainWindow::AnimatedDocks | QMainWindow::AllowNestedDocks |
                   QMainWindow::AllowTabbedDocks);
    createPanes();
    createActions();
    createToolBar();
    createMenus();
    createStatusBar();
    arrangeDefaultLayout();
    m_defaultLayout = saveState(kLayoutVersion);
    restoreSettings();

    connect(m_controller, &WorkbenchController::stateChanged, this, [this] {
        updateStatus();
        updateRunControls();
    });
    connect(m_controller, &WorkbenchController::runningChanged, this, [this] {
        updateRunControls();
        updateStatus();
    });
    connect(m_controller, &WorkbenchController::diagnosticsChanged, this,
            &MainWindow::updateStatus);
    connect(m_controller, &WorkbenchController::settingsChanged, this, [this] {
        const int index = m_technique->findData(m_controller->technique());
        if (index >= 0 && index != m_technique->currentIndex())
            m_technique->setCurrentIndex(index);
    });
    updateRunControls();
    updateTitle();
}

MainWindow::~MainWindow() = default;

void MainWindow::createPanes()
{
    m_editor = new EditorPane(*m_controller, this);
    m_disassembly = new DisassemblyPane(*m_controller, this);
    m_registers = new RegistersPane(*m_controller, this);
    m_flags = new FlagsPane(*m_controller, this);
    m_virtualCpu = new VirtualCpuPane(*m_controller, this);
    m_eventLog = new EventLogPane(*m_controller, this);
    m_console = new ConsolePane(*m_controller, this);
    m_stack = new StackPane(*m_controller, this);
    m_translationCache = new TranslationCachePane(*m_controller, this);
    m_vmcs = new VmcsPane(*m_controller, this);
    m_compare = new ComparePane(*m_controller, this);
    m_rss = new RssPane(*m_controller, this);

    connect(m_editor, &EditorPane::titleChanged, this, &MainWindow::updateTitle);
    connect(m_editor, &EditorPane::recentFilesChanged, this, &MainWindow::updateRecentFiles);
    connect(m_disassembly, &DisassemblyPane::lineActivated, this, &MainWindow::showLine);
    // Room for the original and the translated bytes side by side, taken from the editor.
    connect(m_disassembly, &DisassemblyPane::translatedColumnShown, this, [this](bool shown) {
        const int extra = shown ? kTranslatedColumnRoom : -kTranslatedColumnRoom;
        resizeDocks({m_editor, m_disassembly},
                    {m_editor->width() - extra, m_disassembly->width() + extra}, Qt::Horizontal);
    });
    connect(m_eventLog, &EventLogPane::lineActivated, this, &MainWindow::showLine);
    connect(m_translationCache, &TranslationCachePane::addressActivated, this,
            [this](quint64 address) {
                m_disassembly->raise();
                m_disassembly->showAddress(address);
            });
    connect(m_translationCache, &TranslationCachePane::lineActivated, this, &MainWindow::showLine);
    connect(m_compare, &ComparePane::compareRequested, this, &MainWindow::compareTechniques);
    connect(m_compare, &ComparePane::divergenceSelected, this, &MainWindow::markDivergence);
}

void MainWindow::arrangeDefaultLayout()
{
    // The editor and the disassembly side by side, the CPU's state to their right, and the
    // monitor's record along the bottom.
    for (QDockWidget *dock :
         {static_cast<QDockWidget *>(m_editor), static_cast<QDockWidget *>(m_disassembly)})
        addDockWidget(Qt::LeftDockWidgetArea, dock);
    splitDockWidget(m_editor, m_disassembly, Qt::Horizontal);
    addDockWidget(Qt::RightDockWidgetArea, m_flags);
    splitDockWidget(m_flags, m_virtualCpu, Qt::Vertical);
    tabifyDockWidget(m_flags, m_registers);
    m_flags->raise();
    addDockWidget(Qt::BottomDockWidgetArea, m_eventLog);
    addDockWidget(Qt::BottomDockWidgetArea, m_console);
    tabifyDockWidget(m_eventLog, m_console);
    tabifyDockWidget(m_console, m_stack);
    tabifyDockWidget(m_stack, m_translationCache);
    tabifyDockWidget(m_translationCache, m_vmcs);
    tabifyDockWidget(m_vmcs, m_compare);
    tabifyDockWidget(m_compare, m_rss);
    m_eventLog->raise();
    resizeDocks({m_editor, m_disassembly, m_flags}, {470, 380, 430}, Qt::Horizontal);
    resizeDocks({m_flags, m_virtualCpu}, {330, 260}, Qt::Vertical);
    resizeDocks({m_editor, m_eventLog}, {520, 230}, Qt::Vertical);
}

void MainWindow::createActions()
{
    m_runAction = new QAction(tr("&Run"), this);
    m_runAction->setObjectName(QStringLiteral("runAction"));
    m_runAction->setShortcut(Qt::Key_F5);
    m_runAction->setToolTip(tr("Run the guest until it ends, a breakpoint or Pause (F5)"));
    connect(m_runAction, &QAction::triggered, m_controller, &WorkbenchController::run);

    m_pauseAction = new QAction(tr("&Pause"), this);
    m_pauseAction->setObjectName(QStringLiteral("pauseAction"));
    m_pauseAction->setShortcut(Qt::Key_F6);
    m_pauseAction->setToolTip(tr("Stop the running guest where it is (F6)"));
    connect(m_pauseAction, &QAction::triggered, m_controller, &WorkbenchController::pause);

    m_stepAction = new QAction(tr("&Step"), this);
    m_stepAction->setObjectName(QStringLiteral("stepAction"));
    m_stepAction->setShortcut(Qt::Key_F10);
    m_stepAction->setToolTip(tr("Execute one guest instruction; a trapping instruction counts "
                                "as one, together with the monitor's work (F10)"));
    connect(m_stepAction, &QAction::triggered, m_controller, &WorkbenchController::step);

    m_stepBackAction = new QAction(tr("Step &Back"), this);
    m_stepBackAction->setObjectName(QStringLiteral("stepBackAction"));
    m_stepBackAction->setShortcut(QKeySequence(Qt::SHIFT | Qt::Key_F10));
    m_stepBackAction->setToolTip(tr("Go back to the state before the last guest instruction: "
                                    "the workbench restores its newest snapshot from before "
                                    "and replays the run up to there (Shift+F10)"));
    connect(m_stepBackAction, &QAction::triggered, m_controller, &WorkbenchController::stepBack);

    m_runToCursorAction = new QAction(tr("Run to &Cursor"), this);
    m_runToCursorAction->setObjectName(QStringLiteral("runToCursorAction"));
    m_runToCursorAction->setShortcut(Qt::Key_F4);
    m_runToCursorAction->setToolTip(
        tr("Run until the guest reaches the line the editor's cursor is on (F4)"));
    connect(m_runToCursorAction, &QAction::triggered, this, [this] {
        const int line = m_editor->editor()->cursorLine();
        if (!m_controller->runToLine(line))
            statusBar()->showMessage(
                tr("Nothing to run to: line %1 and the lines after it hold no code").arg(line),
                5000);
    });

    m_resetAction = new QAction(tr("R&eset"), this);
    m_resetAction->setObjectName(QStringLiteral("resetAction"));
    m_resetAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_R));
    m_resetAction->setToolTip(tr("Start the program again from its first instruction (Ctrl+R)"));
    connect(m_resetAction, &QAction::triggered, m_controller, &WorkbenchController::reset);

    m_paravirtualizeAction = new QAction(tr("&Paravirtualize..."), this);
    m_paravirtualizeAction->setObjectName(QStringLiteral("paravirtualizeAction"));
    m_paravirtualizeAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_P));
    m_paravirtualizeAction->setToolTip(
        tr("Show the snippet beside its paravirtual form, in which every sensitive instruction "
           "asks the hypervisor: what Xen asked of Linux (Ctrl+Shift+P)"));
    connect(m_paravirtualizeAction, &QAction::triggered, this, &MainWindow::showParavirtualize);

    m_compareAction = new QAction(tr("Compare &Techniques"), this);
    m_compareAction->setObjectName(QStringLiteral("compareAction"));
    m_compareAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_C));
    m_compareAction->setToolTip(
        tr("Run the snippet natively and under every technique: where each first differs from "
           "native execution, its traps, exits and modelled cycles (Ctrl+Shift+C)"));
    connect(m_compareAction, &QAction::triggered, this, &MainWindow::compareTechniques);

    m_rssAction = new QAction(tr("&Receive-Side Scaling..."), this);
    m_rssAction->setObjectName(QStringLiteral("rssAction"));
    m_rssAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_R));
    m_rssAction->setToolTip(
        tr("A NIC spreading flows over cores: the Toeplitz hash bit by bit, flows to queues to "
           "cores, loads over time and the indirection table (Ctrl+Shift+R)"));
    connect(m_rssAction, &QAction::triggered, this, &MainWindow::showReceiveSideScaling);
}

void MainWindow::createToolBar()
{
    QToolBar *bar = addToolBar(tr("Run"));
    bar->setObjectName(QStringLiteral("runToolBar"));
    bar->setToolButtonStyle(Qt::ToolButtonTextOnly);

    auto *techniqueLabel = new QLabel(tr("Technique:"), bar);
    bar->addWidget(techniqueLabel);
    m_technique = new QComboBox(bar);
    m_technique->setObjectName(QStringLiteral("technique"));
    for (const TechniqueInfo &info : m_controller->techniques()) {
        m_technique->addItem(QCoreApplication::translate("vmwb::Technique", info.title), info.id);
        m_technique->setItemData(m_technique->count() - 1,
                                 QCoreApplication::translate("vmwb::Technique", info.summary),
                                 Qt::ToolTipRole);
    }
    m_technique->setToolTip(tr("How the guest kernel is run; changing it restarts the program"));
    techniqueLabel->setBuddy(m_technique);
    bar->addWidget(m_technique);
    connect(m_technique, &QComboBox::currentIndexChanged, this, [this](int index) {
        m_controller->setTechnique(m_technique->itemData(index).toString());
    });

    bar->addSeparator();
    auto *timerLabel = new QLabel(tr("Timer:"), bar);
    bar->addWidget(timerLabel);
    m_timerPeriod = new QSpinBox(bar);
    m_timerPeriod->setObjectName(QStringLiteral("timerPeriod"));
    m_timerPeriod->setRange(0, 1'000'000'000);
    m_timerPeriod->setSingleStep(100);
    m_timerPeriod->setSpecialValueText(tr("set by the guest"));
    m_timerPeriod->setSuffix(tr(" instructions"));
    m_timerPeriod->setToolTip(tr("The timer raises interrupt 32 every this many guest "
                                 "instructions from the start; the guest can also program it on "
                                 "port 0x40. Changing it restarts the program."));
    timerLabel->setBuddy(m_timerPeriod);
    bar->addWidget(m_timerPeriod);
    connect(m_timerPeriod, &QSpinBox::editingFinished, this,
            [this] { m_controller->setTimerPeriod(static_cast<quint64>(m_timerPeriod->value())); });

    bar->addSeparator();
    bar->addAction(m_runAction);
    bar->addAction(m_pauseAction);
    bar->addAction(m_stepAction);
    bar->addAction(m_stepBackAction);
    bar->addAction(m_runToCursorAction);
    bar->addAction(m_resetAction);

    bar->addSeparator();
    auto *speedLabel = new QLabel(tr("Speed:"), bar);
    bar->addWidget(speedLabel);
    m_speed = new QComboBox(bar);
    m_speed->setObjectName(QStringLiteral("speed"));
    for (int speed : kSpeeds)
        m_speed->addItem(speedText(speed), speed);
    m_speed->setToolTip(tr("How fast Run goes: as fast as possible, or a number of guest "
                           "instructions per second to watch the panes change"));
    speedLabel->setBuddy(m_speed);
    bar->addWidget(m_speed);
    connect(m_speed, &QComboBox::currentIndexChanged, this, [this](int index) {
        m_controller->setStepsPerSecond(m_speed->itemData(index).toInt());
    });
}

void MainWindow::createMenus()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    QAction *newAction = file->addAction(tr("&New"), this, [this] {
        if (m_editor->maybeSave())
            m_editor->newDocument();
    });
    newAction->setShortcut(QKeySequence::New);
    newAction->setToolTip(tr("Start an empty snippet"));
    QAction *openAction = file->addAction(tr("&Open..."), this, [this] {
        if (m_editor->maybeSave())
            m_editor->open();
    });
    openAction->setShortcut(QKeySequence::Open);
    openAction->setToolTip(tr("Open a NASM source file"));
    QAction *demoAction = file->addAction(tr("Open the &POPF Demo"), this, [this] {
        if (m_editor->maybeSave())
            openDemo();
    });
    demoAction->setToolTip(tr("The lecture's example: popf cannot re-enable interrupts at CPL 3"));
    QAction *vmxDemoAction = file->addAction(tr("Open the &VT-x Exits Demo"), this, [this] {
        if (m_editor->maybeSave() && openVmxDemo())
            selectTechnique(QString::fromLatin1(kHardwareAssisted));
    });
    vmxDemoAction->setObjectName(QStringLiteral("vmxDemoAction"));
    vmxDemoAction->setToolTip(
        tr("Where VT-x leaves the guest: CPUID, I/O, HLT and interrupts exit, popf does not; "
           "opens under hardware-assisted execution"));
    m_recentMenu = file->addMenu(tr("Open &Recent"));
    m_recentMenu->setToolTipsVisible(true);
    file->addSeparator();
    QAction *saveAction = file->addAction(tr("&Save"), m_editor, &EditorPane::save);
    saveAction->setShortcut(QKeySequence::Save);
    saveAction->setToolTip(tr("Save the snippet"));
    QAction *saveAsAction = file->addAction(tr("Save &As..."), m_editor, &EditorPane::saveAs);
    saveAsAction->setShortcut(QKeySequence::SaveAs);
    saveAsAction->setToolTip(tr("Save the snippet under another name"));
    file->addSeparator();
    QAction *quitAction = file->addAction(tr("&Quit"), this, &QWidget::close);
    quitAction->setShortcut(QKeySequence::Quit);
    quitAction->setToolTip(tr("Close the workbench"));
    updateRecentFiles();

    QMenu *edit = menuBar()->addMenu(tr("&Edit"));
    CodeEditor *editor = m_editor->editor();
    QAction *undo = edit->addAction(tr("&Undo"), editor, &CodeEditor::undo);
    undo->setShortcut(QKeySequence::Undo);
    connect(editor, &CodeEditor::undoAvailable, undo, &QAction::setEnabled);
    undo->setEnabled(false);
    QAction *redo = edit->addAction(tr("&Redo"), editor, &CodeEditor::redo);
    redo->setShortcut(QKeySequence::Redo);
    connect(editor, &CodeEditor::redoAvailable, redo, &QAction::setEnabled);
    redo->setEnabled(false);
    edit->addSeparator();
    QAction *find = edit->addAction(tr("&Find..."), m_editor, &EditorPane::showFindBar);
    find->setShortcut(QKeySequence::Find);
    find->setToolTip(tr("Search the snippet"));
    // The editor owns these shortcuts while it has focus; the menu shows them.
    for (QAction *action : {undo, redo, find})
        action->setShortcutContext(Qt::WidgetWithChildrenShortcut);

    QMenu *run = menuBar()->addMenu(tr("&Run"));
    run->addAction(m_runAction);
    run->addAction(m_pauseAction);
    run->addAction(m_stepAction);
    run->addAction(m_stepBackAction);
    run->addAction(m_runToCursorAction);
    run->addSeparator();
    run->addAction(m_resetAction);
    run->addSeparator();
    run->addAction(m_compareAction);
    run->setToolTipsVisible(true);

    QMenu *simulate = menuBar()->addMenu(tr("&Simulate"));
    simulate->addAction(m_rssAction);

    m_viewMenu = menuBar()->addMenu(tr("&View"));
    for (QDockWidget *dock :
         {static_cast<QDockWidget *>(m_editor), static_cast<QDockWidget *>(m_disassembly),
          static_cast<QDockWidget *>(m_registers), static_cast<QDockWidget *>(m_flags),
          static_cast<QDockWidget *>(m_virtualCpu), static_cast<QDockWidget *>(m_eventLog),
          static_cast<QDockWidget *>(m_console), static_cast<QDockWidget *>(m_stack),
          static_cast<QDockWidget *>(m_translationCache), static_cast<QDockWidget *>(m_vmcs),
          static_cast<QDockWidget *>(m_compare), static_cast<QDockWidget *>(m_rss)})
        m_viewMenu->addAction(dock->toggleViewAction());
    m_viewMenu->addSeparator();
    QMenu *theme = m_viewMenu->addMenu(tr("&Theme"));
    auto *themes = new QActionGroup(this);
    for (const auto &[value, label] :
         {std::pair{Theme::System, tr("&System")}, std::pair{Theme::Light, tr("&Light")},
          std::pair{Theme::Dark, tr("&Dark")}}) {
        QAction *action = theme->addAction(label, this, [this, value] { setTheme(value); });
        action->setCheckable(true);
        action->setData(themeKey(value));
        themes->addAction(action);
    }
    QAction *larger = m_viewMenu->addAction(tr("&Larger Text"), this, [this] { scaleFont(1); });
    larger->setObjectName(QStringLiteral("largerTextAction"));
    larger->setShortcut(QKeySequence::ZoomIn);
    larger->setToolTip(tr("Make every pane's text larger, e.g. for a projector"));
    QAction *smaller = m_viewMenu->addAction(tr("S&maller Text"), this, [this] { scaleFont(-1); });
    smaller->setObjectName(QStringLiteral("smallerTextAction"));
    smaller->setShortcut(QKeySequence::ZoomOut);
    m_viewMenu->addSeparator();
    QAction *resetLayout = m_viewMenu->addAction(
        tr("&Reset Layout"), this, [this] { restoreState(m_defaultLayout, kLayoutVersion); });
    resetLayout->setObjectName(QStringLiteral("resetLayoutAction"));

    QMenu *tools = menuBar()->addMenu(tr("&Tools"));
    tools->addAction(m_paravirtualizeAction);

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About VMM Workbench"), this, &MainWindow::showAbout);
    for (QMenu *menu : menuBar()->findChildren<QMenu *>())
        menu->setToolTipsVisible(true);
}

void MainWindow::createStatusBar()
{
    m_statusText = new QLabel(statusBar());
    m_statusText->setObjectName(QStringLiteral("statusText"));
    m_counters = new QLabel(statusBar());
    m_counters->setObjectName(QStringLiteral("counters"));
    m_counters->setToolTip(tr("Guest instructions executed and the cycles the cost model "
                              "charges for them"));
    statusBar()->addWidget(m_statusText, 1);
    statusBar()->addPermanentWidget(m_counters);
}

bool MainWindow::openDemo()
{
    return openBuiltIn(QString::fromLatin1(kDemoResource), QString::fromLatin1(kDemoName));
}

bool MainWindow::openVmxDemo()
{
    return openBuiltIn(QString::fromLatin1(kVmxDemoResource), QString::fromLatin1(kVmxDemoName));
}

bool MainWindow::openBuiltIn(const QString &resource, const QString &name)
{
    QFile demo(resource);
    if (!demo.open(QIODevice::ReadOnly)) {
        statusBar()->showMessage(tr("The built-in demo %1 is missing from this build").arg(name));
        return false;
    }
    m_editor->setSourceText(QString::fromUtf8(demo.readAll()), name);
    return true;
}

bool MainWindow::openFile(const QString &path)
{
    return m_editor->openFile(path);
}

bool MainWindow::selectTechnique(const QString &id)
{
    const int index = m_technique->findData(id);
    if (index < 0)
        return false;
    m_technique->setCurrentIndex(index);
    m_controller->setTechnique(id);
    return true;
}

void MainWindow::showParavirtualize()
{
    const QString source = m_editor->editor()->toPlainText();
    const ParavirtualizeResult result = paravirtualize(source);
    if (m_paravirtualize == nullptr) {
        m_paravirtualize = new ParavirtualizeDialog(this);
        connect(m_paravirtualize, &ParavirtualizeDialog::openAsNewDocument, this,
                &MainWindow::openParavirtualSource);
        // Large enough for two columns of source on a projector.
        m_paravirtualize->resize(size() * 0.9);
    }
    m_paravirtualize->setResult(source, m_editor->displayName(), result);
    m_paravirtualize->show();
    m_paravirtualize->raise();
    m_paravirtualize->activateWindow();
}

void MainWindow::openParavirtualSource(const QString &source, const QString &displayName)
{
    if (!m_editor->maybeSave())
        return;
    m_editor->openUnsaved(source, displayName);
    if (m_paravirtualize != nullptr)
        m_paravirtualize->hide();
    m_editor->raise();
    if (selectTechnique(QString::fromLatin1(kParavirtualTechnique)))
        statusBar()->showMessage(
            tr("The paravirtual snippet is in the editor, unsaved, running under %1")
                .arg(m_technique->currentText()),
            8000);
}

void MainWindow::showLine(int line)
{
    if (line <= 0)
        return;
    m_editor->raise();
    m_editor->editor()->goToLine(line);
    m_editor->editor()->setFocus();
}

void MainWindow::compareTechniques()
{
    m_compare->show();
    m_compare->raise();
    // The table, the details and the chart need more height than the bottom row's default.
    if (!m_compare->isFloating() && m_compare->height() < height() * 2 / 5)
        resizeDocks({m_compare}, {height() / 2}, Qt::Vertical);
    m_compare->compare(m_editor->editor()->toPlainText(), m_editor->displayName());
}

void MainWindow::showReceiveSideScaling()
{
    m_rss->show();
    m_rss->raise();
    // The diagram, the plots and the hash need most of the window's height: the panes above
    // give up what they can.
    if (!m_rss->isFloating() && m_rss->height() < height() * 3 / 5) {
        resizeDocks({m_flags, m_virtualCpu}, {1, 1}, Qt::Vertical);
        resizeDocks({m_rss}, {height() * 17 / 20}, Qt::Vertical);
    }
}

// The mark goes on the editor only while it holds the text that was compared.
void MainWindow::markDivergence(int line, const QString &toolTip)
{
    CodeEditor *editor = m_editor->editor();
    if (line > 0 && editor->toPlainText() == m_compare->comparedSource())
        editor->setDivergenceMark(line, toolTip);
    else
        editor->clearDivergenceMark();
}

void MainWindow::updateTitle()
{
    setWindowTitle(tr("%1[*] - VMM Workbench").arg(m_editor->displayName()));
    setWindowModified(m_editor->isModified());
}

void MainWindow::updateRunControls()
{
    const bool running = m_controller->isRunning();
    const MachineSnapshot &s = m_controller->snapshot();
    const bool canRun = s.valid && s.status == RunStatus::Running && !running;
    m_runAction->setEnabled(canRun);
    m_stepAction->setEnabled(canRun);
    m_stepBackAction->setEnabled(s.valid && !running && s.canStepBack());
    m_runToCursorAction->setEnabled(canRun);
    m_pauseAction->setEnabled(running);
    m_resetAction->setEnabled(s.valid);
}

void MainWindow::updateStatus()
{
    const MachineSnapshot &s = m_controller->snapshot();
    const QLocale locale;
    QString text;
    if (m_controller->isAssembling() && !s.valid) {
        text = tr("Assembling...");
    } else if (!s.valid) {
        text = m_controller->diagnostics().isEmpty()
                   ? tr("No program")
                   : tr("The program does not assemble: %1")
                         .arg(m_controller->diagnostics().front().toString());
    } else if (m_controller->isRunning()) {
        text = tr("Running under %1...").arg(s.techniqueTitle);
    } else if (s.status == RunStatus::BudgetExhausted) {
        text = tr("Stopped: the instruction budget of %1 ran out (an endless loop?)")
                   .arg(locale.toString(s.maxInstructions));
    } else if (s.status != RunStatus::Running) {
        text = tr("Ended (%1): %2").arg(QLatin1String(runStatusName(s.status)), s.statusMessage);
    } else {
        switch (s.pause) {
        case PauseReason::None:
            text = tr("Ready: press F10 to step or F5 to run");
            break;
        case PauseReason::Step:
            text = tr("Stepped");
            break;
        case PauseReason::Breakpoint:
            text = tr("Paused at the breakpoint on line %1").arg(s.line);
            break;
        case PauseReason::RunTo:
            text = tr("Reached line %1, the line you ran to").arg(s.line);
            break;
        case PauseReason::EventBreak:
            text = tr("Paused right after an event you break on (see the event log)");
            break;
        case PauseReason::User:
            text = tr("Paused");
            break;
        case PauseReason::Ended:
            text = tr("Ended");
            break;
        case PauseReason::SteppedBack:
            text = tr("Went back to instruction %1").arg(locale.toString(s.instructions));
            break;
        }
        if (s.line > 0 && s.pause != PauseReason::Breakpoint && s.pause != PauseReason::RunTo)
            text += tr(" at line %1").arg(s.line);
    }
    m_statusText->setText(text);
    m_counters->setText(s.valid ? tr("%1 | %2 instructions | %3 modelled cycles")
                                      .arg(s.techniqueTitle, locale.toString(s.instructions),
                                           locale.toString(s.modelledCycles))
                                : QString());
}

void MainWindow::updateRecentFiles()
{
    m_recentMenu->clear();
    const QStringList files = m_editor->recentFiles();
    for (const QString &path : files) {
        QAction *action = m_recentMenu->addAction(QFileInfo(path).fileName(), this, [this, path] {
            if (m_editor->maybeSave())
                m_editor->openFile(path);
        });
        action->setToolTip(path);
    }
    m_recentMenu->setEnabled(!files.isEmpty());
}

void MainWindow::setTheme(Theme theme)
{
    m_theme = theme;
    applyTheme(theme);
    for (QAction *action : m_viewMenu->findChildren<QAction *>()) {
        if (action->isCheckable() && action->data().toString() == themeKey(theme))
            action->setChecked(true);
    }
}

void MainWindow::scaleFont(int steps)
{
    m_fontSteps = std::clamp(m_fontSteps + steps, -4, 12);
    QFont font = QApplication::font();
    font.setPointSizeF(m_basePointSize * (1.0 + 0.125 * m_fontSteps));
    QApplication::setFont(font);
}

void MainWindow::restoreSettings()
{
    // The window always opens on the lecture's demo under trap-and-emulate.
    m_technique->setCurrentIndex(
        std::max(0, m_technique->findData(QString::fromLatin1(kDefaultTechnique))));
    m_controller->setTechnique(QString::fromLatin1(kDefaultTechnique));
    if (m_settings == Settings::Ignore) {
        resize(1280, 800);
        return;
    }
    QSettings settings;
    setTheme(themeFromKey(settings.value(QStringLiteral("view/theme")).toString()));
    const int fontSteps = settings.value(QStringLiteral("view/fontSteps"), 0).toInt();
    if (fontSteps != 0)
        scaleFont(fontSteps);
    if (!restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray()))
        resize(1280, 800);
    restoreState(settings.value(QStringLiteral("window/state")).toByteArray(), kLayoutVersion);
    const int speed = m_speed->findData(settings.value(QStringLiteral("run/speed"), 0).toInt());
    m_speed->setCurrentIndex(std::max(0, speed));
}

void MainWindow::saveSettings() const
{
    if (m_settings == Settings::Ignore)
        return;
    QSettings settings;
    settings.setValue(QStringLiteral("view/theme"), themeKey(m_theme));
    settings.setValue(QStringLiteral("view/fontSteps"), m_fontSteps);
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("window/state"), saveState(kLayoutVersion));
    settings.setValue(QStringLiteral("run/speed"), m_speed->currentData().toInt());
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    if (!m_editor->maybeSave()) {
        event->ignore();
        return;
    }
    m_controller->pause();
    saveSettings();
    event->accept();
}

void MainWindow::showAbout()
{
    QMessageBox::about(this, tr("About VMM Workbench"),
                       tr("<p><b>VMM Workbench %1</b></p>"
                          "<p>Watch how virtual machine monitors run a guest kernel: traps, "
                          "holes, interrupts and what they cost.</p>"
                          "<p>Licensed under the GNU General Public License, version 3 or "
                          "later.</p>")
                           .arg(QCoreApplication::applicationVersion()));
}

} // namespace vmwb::app
