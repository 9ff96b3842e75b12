#include "controller/WorkbenchController.h"

#include "controller/SessionWorker.h"

#include <QCoreApplication>
#include <QThread>

namespace vmwb {

namespace {
void registerTypes()
{
    qRegisterMetaType<vmwb::MachineSnapshot>();
    qRegisterMetaType<vmwb::ProgramView>();
    qRegisterMetaType<vmwb::Event>();
    qRegisterMetaType<QList<vmwb::Event>>();
    qRegisterMetaType<vmwb::AssemblerDiagnostic>();
    qRegisterMetaType<QList<vmwb::AssemblerDiagnostic>>();
}
} // namespace

WorkbenchController::WorkbenchController(QObject *parent)
    : QObject(parent), m_techniques(TechniqueRegistry::builtIn().techniques()),
      m_technique(QStringLiteral("native")),
      m_maxInstructions(SessionOptions::kDefaultMaxInstructions)
{
    registerTypes();
    m_thread = new QThread(this);
    m_thread->setObjectName(QStringLiteral("engine"));
    m_worker = new SessionWorker;
    m_worker->moveToThread(m_thread);
    connect(m_thread, &QThread::finished, m_worker, &QObject::deleteLater);

    connect(m_worker, &SessionWorker::assembled, this,
            [this](const QList<AssemblerDiagnostic> &diagnostics, bool) {
                m_diagnostics = diagnostics;
                --m_pendingAssemblies;
                emit diagnosticsChanged();
            });
    connect(m_worker, &SessionWorker::programLoaded, this, [this](const ProgramView &program) {
        m_program = program;
        emit programChanged();
    });
    connect(m_worker, &SessionWorker::snapshotReady, this, [this](const MachineSnapshot &snapshot) {
        m_snapshot = snapshot;
        emit stateChanged();
    });
    connect(m_worker, &SessionWorker::eventsReady, this,
            [this](const QList<Event> &events) { emit eventsAppended(events); });
    connect(m_worker, &SessionWorker::sessionReset, this, [this] { emit eventsCleared(); });
    connect(m_worker, &SessionWorker::eventsTruncated, this,
            [this](qint64 count) { emit eventsTruncated(count); });
    connect(m_worker, &SessionWorker::runningChanged, this, [this](bool running) {
        m_running = running;
        emit runningChanged(running);
    });
    m_thread->start();
    configureWorker();
}

WorkbenchController::~WorkbenchController()
{
    m_worker->requestPause();
    m_thread->quit();
    m_thread->wait();
}

void WorkbenchController::waitForIdle()
{
    QMetaObject::invokeMethod(
        m_worker, [] {}, Qt::BlockingQueuedConnection);
    QCoreApplication::sendPostedEvents(this, QEvent::MetaCall);
}

void WorkbenchController::configureWorker()
{
    QMetaObject::invokeMethod(
        m_worker, [worker = m_worker, technique = m_technique, timer = m_timerPeriod,
                   budget = m_maxInstructions] { worker->configure(technique, timer, budget); });
}

void WorkbenchController::setSource(const QString &source, const QString &fileName)
{
    m_worker->requestPause();
    ++m_pendingAssemblies;
    QMetaObject::invokeMethod(
        m_worker, [worker = m_worker, source, fileName] { worker->assemble(source, fileName); });
}

void WorkbenchController::setTechnique(const QString &id)
{
    if (id == m_technique)
        return;
    m_technique = id;
    m_worker->requestPause();
    configureWorker();
    emit settingsChanged();
}

void WorkbenchController::setTimerPeriod(quint64 instructions)
{
    if (instructions == m_timerPeriod)
        return;
    m_timerPeriod = instructions;
    m_worker->requestPause();
    configureWorker();
    emit settingsChanged();
}

void WorkbenchController::setMaxInstructions(quint64 instructions)
{
    if (instructions == m_maxInstructions)
        return;
    m_maxInstructions = instructions;
    m_worker->requestPause();
    configureWorker();
    emit settingsChanged();
}

void WorkbenchController::setStepsPerSecond(int stepsPerSecond)
{
    m_stepsPerSecond = std::max(0, stepsPerSecond);
    QMetaObject::invokeMethod(m_worker, [worker = m_worker, speed = m_stepsPerSecond] {
        worker->setStepsPerSecond(speed);
    });
    emit settingsChanged();
}

void WorkbenchController::setBreakpointLines(const QSet<int> &lines)
{
    if (lines == m_breakpointLines)
        return;
    m_breakpointLines = lines;
    sendBreakpoints();
    emit settingsChanged();
}

void WorkbenchController::sendBreakpoints()
{
    const std::vector<int> lines(m_breakpointLines.begin(), m_breakpointLines.end());
    QMetaObject::invokeMethod(m_worker,
                              [worker = m_worker, lines] { worker->setBreakpointLines(lines); });
}

void WorkbenchController::setBreakOnEvents(const QSet<EventKind> &kinds)
{
    if (kinds == m_breakOnEvents)
        return;
    m_breakOnEvents = kinds;
    emit settingsChanged();
    std::bitset<kEventKindCount> bits;
    for (EventKind kind : kinds)
        bits.set(static_cast<std::size_t>(kind));
    QMetaObject::invokeMethod(m_worker,
                              [worker = m_worker, bits] { worker->setBreakOnEvents(bits); });
}

void WorkbenchController::setVmcsControl(const QString &id, bool on)
{
    const std::optional<vmx::Control> control = vmx::controlNamed(id);
    if (!control)
        return;
    std::map<QString, bool> controls = m_vmcsControls;
    controls[QString::fromLatin1(vmx::controlInfo(*control).id)] = on;
    setVmcsControls(controls);
}

void WorkbenchController::setVmcsControls(const std::map<QString, bool> &wanted)
{
    // A name the VMCS does not know would keep every session from starting.
    std::map<QString, bool> controls;
    for (const auto &[id, on] : wanted) {
        if (vmx::controlNamed(id))
            controls[id] = on;
    }
    if (controls == m_vmcsControls)
        return;
    m_vmcsControls = controls;
    // Under hardware-assisted execution the worker restarts the program: stop a run quickly.
    if (m_snapshot.vmcs)
        m_worker->requestPause();
    QMetaObject::invokeMethod(m_worker,
                              [worker = m_worker, controls] { worker->setVmcsControls(controls); });
    emit settingsChanged();
}

void WorkbenchController::setRegister(RegisterId id, quint64 value)
{
    QMetaObject::invokeMethod(m_worker,
                              [worker = m_worker, id, value] { worker->setRegister(id, value); });
}

void WorkbenchController::reset()
{
    m_worker->requestPause();
    QMetaObject::invokeMethod(m_worker, [worker = m_worker] { worker->reset(); });
}

void WorkbenchController::step()
{
    QMetaObject::invokeMethod(m_worker, [worker = m_worker] { worker->step(); });
}

void WorkbenchController::stepBack()
{
    QMetaObject::invokeMethod(m_worker, [worker = m_worker] { worker->stepBack(); });
}

void WorkbenchController::rewindTo(quint64 instructions)
{
    QMetaObject::invokeMethod(
        m_worker, [worker = m_worker, instructions] { worker->rewindTo(instructions); });
}

void WorkbenchController::setHistoryBudget(quint64 bytes)
{
    m_historyBudget = bytes;
    QMetaObject::invokeMethod(m_worker,
                              [worker = m_worker, bytes] { worker->setHistoryBudget(bytes); });
}

void WorkbenchController::run()
{
    QMetaObject::invokeMethod(m_worker, [worker = m_worker] { worker->run(std::nullopt); });
}

bool WorkbenchController::runToLine(int line)
{
    if (!m_program.codeAddressFrom(line))
        return false;
    QMetaObject::invokeMethod(m_worker, [worker = m_worker, line] { worker->run(line); });
    return true;
}

void WorkbenchController::pause()
{
    m_worker->requestPause();
}

} // namespace vmwb
