#pragma once

// The one bridge between the engine and the window. It owns the session on a worker thread
// and hands the panes plain snapshots; the GUI thread never waits for the engine. While the
// guest runs, state arrives batched at about 30 Hz; Pause answers at once.

#include "controller/Snapshot.h"
#include "run/History.h"
#include "vmm/Technique.h"

#include <QList>
#include <QObject>
#include <QSet>
#include <QString>
#include <map>
#include <memory>
#include <vector>

class QThread;

namespace vmwb {

class SessionWorker;

class WorkbenchController : public QObject
{
    Q_OBJECT

public:
    explicit WorkbenchController(QObject *parent = nullptr);
    ~WorkbenchController() override;

    // State as of the last signals.
    const MachineSnapshot &snapshot() const { return m_snapshot; }
    const ProgramView &program() const { return m_program; }
    const QList<AssemblerDiagnostic> &diagnostics() const { return m_diagnostics; }
    bool hasProgram() const { return m_snapshot.valid; }
    bool isRunning() const { return m_running; }
    bool isAssembling() const { return m_pendingAssemblies > 0; }

    const std::vector<TechniqueInfo> &techniques() const { return m_techniques; }
    QString technique() const { return m_technique; }
    quint64 timerPeriod() const { return m_timerPeriod; }
    quint64 maxInstructions() const { return m_maxInstructions; }
    int stepsPerSecond() const { return m_stepsPerSecond; }
    const QSet<int> &breakpointLines() const { return m_breakpointLines; }
    const QSet<EventKind> &breakOnEvents() const { return m_breakOnEvents; }
    // The VM-execution controls the student turned on or off over the VMCS defaults, by
    // vmx::ControlInfo::id; every session is started with them (SessionOptions::vmcsControls).
    const std::map<QString, bool> &vmcsControls() const { return m_vmcsControls; }

    // Assembles `source`; when it assembles, the machine restarts with the new program.
    void setSource(const QString &source, const QString &fileName);
    // These restart the machine with the current program.
    void setTechnique(const QString &id);
    void setTimerPeriod(quint64 instructions);
    void setMaxInstructions(quint64 instructions);
    // 0 runs at full speed.
    void setStepsPerSecond(int stepsPerSecond);
    void setBreakpointLines(const QSet<int> &lines);
    void setBreakOnEvents(const QSet<EventKind> &kinds);
    // Turns a VM-execution control on or off (an unknown id is ignored). A program running
    // with a VMCS (hardware-assisted execution) restarts with it at once; under the other
    // techniques it is kept for the next hardware-assisted session.
    void setVmcsControl(const QString &id, bool on);
    // Replaces every override; {} brings back the defaults.
    void setVmcsControls(const std::map<QString, bool> &controls);
    // Changes a register of the paused guest.
    void setRegister(RegisterId id, quint64 value);

    void reset();
    // One guest instruction (a trapping instruction counts as one).
    void step();
    // Back to the state before the current instruction (the newest snapshot at or before it,
    // replayed forward). Nothing happens while the guest runs or with nothing to go back to.
    void stepBack();
    // Back to the state after `instructions` guest instructions (the history slider).
    void rewindTo(quint64 instructions);
    bool canStepBack() const { return !m_running && m_snapshot.canStepBack(); }
    // The snapshots' memory budget in bytes, for sessions started from now on.
    quint64 historyBudget() const { return m_historyBudget; }
    void setHistoryBudget(quint64 bytes);
    void run();
    // Runs until the first instruction of `line` (or of the next line with code) is reached,
    // or something else stops the run. False if there is no code from that line on.
    bool runToLine(int line);
    void pause();

    // Blocks until the worker has handled every request sent so far (for tests and screenshots).
    void waitForIdle();

signals:
    void diagnosticsChanged();
    void programChanged();
    void stateChanged();
    void eventsAppended(const QList<vmwb::Event> &events);
    void eventsCleared();
    // Going back in the history dropped the events after the first `count`.
    void eventsTruncated(qint64 count);
    void runningChanged(bool running);
    // The technique, timer, budget, speed, breakpoints, break-on kinds or VMCS controls changed.
    void settingsChanged();

private:
    void configureWorker();
    void sendBreakpoints();

    QThread *m_thread = nullptr;
    SessionWorker *m_worker = nullptr;
    std::vector<TechniqueInfo> m_techniques;

    MachineSnapshot m_snapshot;
    ProgramView m_program;
    QList<AssemblerDiagnostic> m_diagnostics;
    bool m_running = false;
    int m_pendingAssemblies = 0;

    QString m_technique;
    quint64 m_timerPeriod = 0;
    quint64 m_maxInstructions = 0;
    int m_stepsPerSecond = 0;
    QSet<int> m_breakpointLines;
    QSet<EventKind> m_breakOnEvents;
    std::map<QString, bool> m_vmcsControls;
    quint64 m_historyBudget = History::kDefaultBudget;
};

} // namespace vmwb
