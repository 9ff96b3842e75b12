#pragma once

#include "common/Theme.h"

#include <QMainWindow>

class QAction;
class QComboBox;
class QLabel;
class QMenu;
class QSpinBox;

namespace vmwb {
class ComparePane;
class ConsolePane;
class DisassemblyPane;
class EditorPane;
class EventLogPane;
class FlagsPane;
class ParavirtualizeDialog;
class RegistersPane;
class RssPane;
class StackPane;
class TranslationCachePane;
class VirtualCpuPane;
class VmcsPane;
class WorkbenchController;
} // namespace vmwb

namespace vmwb::app {

// The workbench's main window: the panes as dock widgets around one controller, the run
// controls, menus and settings. Wiring only: the panes and the controller do the work.
class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    // Ignore: the default layout and theme, nothing read or written (screenshots, tests).
    enum class Settings
    {
        Use,
        Ignore
    };

    explicit MainWindow(Settings settings = Settings::Use, QWidget *parent = nullptr);
    ~MainWindow() override;

    WorkbenchController &controller() { return *m_controller; }
    // Chooses the technique as the toolbar does (restarting the program); false if unknown.
    bool selectTechnique(const QString &id);
    // Loads the built-in POPF demo (the window's default).
    bool openDemo();
    // Loads the built-in VT-x exits demo.
    bool openVmxDemo();
    bool openFile(const QString &path);
    // Tools > Paravirtualize: the editor's snippet beside its paravirtual form.
    void showParavirtualize();
    ParavirtualizeDialog *paravirtualizeDialog() const { return m_paravirtualize; }
    // Run > Compare Techniques: the editor's snippet under every technique, in the Compare
    // pane (in the background; the pane says when it is done).
    void compareTechniques();
    ComparePane *comparePane() const { return m_compare; }
    // Simulate > Receive-Side Scaling: brings the RSS pane to the front with room to read it.
    void showReceiveSideScaling();
    RssPane *rssPane() const { return m_rss; }

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    bool openBuiltIn(const QString &resource, const QString &name);
    void createPanes();
    void createActions();
    void createMenus();
    void createToolBar();
    void createStatusBar();
    void arrangeDefaultLayout();
    void restoreSettings();
    void saveSettings() const;
    void setTheme(Theme theme);
    void scaleFont(int steps);
    void updateTitle();
    void updateRunControls();
    void updateStatus();
    void updateRecentFiles();
    void showLine(int line);
    void markDivergence(int line, const QString &toolTip);
    void openParavirtualSource(const QString &source, const QString &displayName);
    void showAbout();

    WorkbenchController *m_controller = nullptr;
    EditorPane *m_editor = nullptr;
    DisassemblyPane *m_disassembly = nullptr;
    RegistersPane *m_registers = nullptr;
    FlagsPane *m_flags = nullptr;
    VirtualCpuPane *m_virtualCpu = nullptr;
    EventLogPane *m_eventLog = nullptr;
    ConsolePane *m_console = nullptr;
    StackPane *m_stack = nullptr;
    TranslationCachePane *m_translationCache = nullptr;
    VmcsPane *m_vmcs = nullptr;
    ComparePane *m_compare = nullptr;
    RssPane *m_rss = nullptr;
    ParavirtualizeDialog *m_paravirtualize = nullptr;

    QAction *m_runAction = nullptr;
    QAction *m_pauseAction = nullptr;
    QAction *m_stepAction = nullptr;
    QAction *m_stepBackAction = nullptr;
    QAction *m_runToCursorAction = nullptr;
    QAction *m_resetAction = nullptr;
    QAction *m_paravirtualizeAction = nullptr;
    QAction *m_compareAction = nullptr;
    QAction *m_rssAction = nullptr;
    QMenu *m_recentMenu = nullptr;
    QMenu *m_viewMenu = nullptr;
    QComboBox *m_technique = nullptr;
    QSpinBox *m_timerPeriod = nullptr;
    QComboBox *m_speed = nullptr;
    QLabel *m_statusText = nullptr;
    QLabel *m_counters = nullptr;
    QByteArray m_defaultLayout;
    Settings m_settings = Settings::Use;
    Theme m_theme = Theme::System;
    int m_fontSteps = 0;
    qreal m_basePointSize = 10.0; // the application font's size before any scaling
};

} // namespace vmwb::app
