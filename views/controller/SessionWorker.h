#pragma once

// The controller's worker: lives on its own thread, owns the assembler and the session, and
// runs the guest in short chunks so that requests (pause, breakpoints) get through between them.

#include "assembler/Assembler.h"
#include "controller/Snapshot.h"
#include "run/Session.h"
#include "trace/CostModel.h"
#include "vmm/Technique.h"

#include <QElapsedTimer>
#include <QList>
#include <QMutex>
#include <QObject>
#include <atomic>
#include <bitset>
#include <map>
#include <memory>
#include <optional>
#include <vector>

class QTimer;

namespace vmwb {

class SessionWorker : public QObject
{
    Q_OBJECT

public:
    SessionWorker();
    ~SessionWorker() override;

    // On the worker thread (the controller calls these through queued invocations).
    void assemble(const QString &source, const QString &fileName);
    void configure(const QString &technique, quint64 timerPeriod, quint64 maxInstructions);
    // VM-execution control overrides (by vmx::ControlInfo::id) for the sessions it starts; a
    // session that has a VMCS restarts with them at once.
    void setVmcsControls(const std::map<QString, bool> &controls);
    void reset();
    // Source lines; each stops at the first instruction from it on (codeAddressFrom).
    void setBreakpointLines(const std::vector<int> &lines);
    void setBreakOnEvents(std::bitset<kEventKindCount> kinds);
    void setRegister(RegisterId id, quint64 value);
    void setStepsPerSecond(int stepsPerSecond);
    void step();
    // Back to the instruction before the current one, or to the state after `instructions`
    // guest instructions (see Session::rewindTo()).
    void stepBack();
    void rewindTo(quint64 instructions);
    // The memory budget of the snapshots of sessions started from now on.
    void setHistoryBudget(quint64 bytes);
    void run(std::optional<int> stopAtLine);

    // From any thread: stops a run as soon as possible.
    void requestPause();

signals:
    void assembled(const QList<vmwb::AssemblerDiagnostic> &diagnostics, bool ok);
    void programLoaded(const vmwb::ProgramView &program);
    void snapshotReady(const vmwb::MachineSnapshot &snapshot);
    void eventsReady(const QList<vmwb::Event> &events);
    // Going back dropped the events after the first `count` from the log.
    void eventsTruncated(qint64 count);
    void sessionReset();
    void runningChanged(bool running);

private:
    void startSession();
    void runChunk();
    void finishRun(PauseReason reason);
    void publishEvents();
    void publish(PauseReason reason);
    MachineSnapshot makeSnapshot(PauseReason reason);
    std::shared_ptr<const TranslationCache> publishedTranslationCache();
    void applyBreakpoints();
    void wentBack(bool ok);

    std::unique_ptr<Assembler> m_assembler;
    CostPresets m_presets;
    TechniqueRegistry m_registry;
    std::optional<AssembledProgram> m_program;
    SessionOptions m_options;

    QMutex m_sessionMutex; // guards the pointer for requestPause() from other threads
    std::unique_ptr<Session> m_session;
    std::atomic<bool> m_pauseRequested{false};

    QTimer *m_chunkTimer = nullptr;
    bool m_running = false;
    int m_stepsPerSecond = 0;
    std::uint64_t m_chunk = 20000; // instructions per chunk at full speed, adapted to ~15 ms
    QElapsedTimer m_sinceSnapshot;
    std::size_t m_eventsSent = 0;
    std::uint64_t m_sequence = 0;
    std::array<std::uint64_t, kRegisterCount> m_previousRegisters{};
    std::vector<int> m_breakpointLines;
    std::optional<std::uint64_t> m_runTarget;
    std::bitset<kEventKindCount> m_breakOn;

    // The translation cache as last published, and what it looked like then.
    std::shared_ptr<const TranslationCache> m_translationCache;
    std::array<std::uint64_t, 7> m_translationFingerprint{};

    // The VMCS as the session started, and the newest VM exit the trace stored.
    std::shared_ptr<const vmx::Vmcs> m_vmcsAtStart;
    std::optional<Event> m_lastVmExit;
    std::uint64_t m_vmExitsStored = 0;
};

} // namespace vmwb
