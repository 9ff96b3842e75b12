#include "controller/SessionWorker.h"

#include "core/Hex.h"
#include "hw/Exceptions.h"

#include <QCoreApplication>
#include <QTimer>
#include <algorithm>

namespace vmwb {

namespace {

// While the guest runs, panes get a new snapshot at most this often.
constexpr int kSnapshotIntervalMs = 33;
// A full-speed chunk is sized to take about this long, so that requests are not kept waiting.
constexpr qint64 kChunkTargetMs = 15;
constexpr std::uint64_t kMinChunk = 1000;
constexpr std::uint64_t kMaxChunk = 1ULL << 32;
// The stack view: slots below RSP and from RSP up.
constexpr int kSlotsBelow = 4;
constexpr int kSlotsAbove = 16;

ProgramView makeProgramView(const AssembledProgram &program, const QString &source)
{
    ProgramView view;
    view.fileName = program.fileName;
    view.source = source;
    view.loadAddress = program.loadAddress;
    view.lines = program.lines;
    const Decoder decoder;
    for (const LineMapping &mapping : program.lines) {
        const std::uint64_t offset = mapping.address - program.loadAddress;
        if (offset + mapping.size > static_cast<std::uint64_t>(program.code.size()))
            continue;
        const auto *bytes =
            reinterpret_cast<const std::uint8_t *>(program.code.constData()) + offset;
        if (mapping.data) {
            DisassemblyLine line;
            line.address = mapping.address;
            line.line = mapping.line;
            line.isData = true;
            line.bytes = QByteArray(reinterpret_cast<const char *>(bytes),
                                    static_cast<qsizetype>(mapping.size));
            view.disassembly.push_back(std::move(line));
            continue;
        }
        std::uint32_t done = 0;
        while (done < mapping.size) {
            DisassemblyLine line;
            line.address = mapping.address + done;
            line.line = mapping.line;
            line.instruction =
                decoder.decode(std::span<const std::uint8_t>(bytes + done, mapping.size - done),
                               line.address, Decoder::Detail::Full);
            const std::uint32_t length = line.instruction ? line.instruction->length : 1U;
            line.bytes = QByteArray(reinterpret_cast<const char *>(bytes + done), length);
            view.disassembly.push_back(std::move(line));
            done += length;
        }
    }
    return view;
}

// What changes whenever the translator does something: a page translated, retranslated or
// invalidated, a patch added, a callout made. Cheap next to copying the cache, which is
// therefore copied only when this differs.
std::array<std::uint64_t, 7> fingerprint(const TranslationCache &cache)
{
    std::array<std::uint64_t, 7> print{};
    print[0] = cache.pages().size();
    for (const auto &[address, page] : cache.pages()) {
        print[1] += page.patches.size();
        print[2] += page.translations;
        print[3] += page.invalidations;
        print[4] += page.valid ? 1U : 0U;
        print[5] += page.translatedAt + page.decoded;
        for (const auto &[at, patch] : page.patches)
            print[6] += patch.callouts;
    }
    return print;
}

PauseReason pauseReason(Session::Pause pause)
{
    switch (pause) {
    case Session::Pause::None:
        return PauseReason::Ended;
    case Session::Pause::Limit:
        return PauseReason::Step;
    case Session::Pause::Breakpoint:
        return PauseReason::Breakpoint;
    case Session::Pause::EventBreak:
        return PauseReason::EventBreak;
    case Session::Pause::Stopped:
        return PauseReason::User;
    }
    return PauseReason::None;
}

QString frameOwner(std::uint8_t vector)
{
    if (const auto info = exceptionInfo(vector); info && info->mnemonic[0] != '\0')
        return QLatin1String(info->mnemonic);
    return QCoreApplication::translate("vmwb::SessionWorker", "interrupt %1").arg(vector);
}

} // namespace

SessionWorker::SessionWorker() : m_registry(TechniqueRegistry::builtIn())
{
    m_options.snapshotInterval = History::kDefaultInterval;
    m_options.pacedSnapshots = true;
    m_chunkTimer = new QTimer(this);
    m_chunkTimer->setSingleShot(true);
    connect(m_chunkTimer, &QTimer::timeout, this, &SessionWorker::runChunk);
}

SessionWorker::~SessionWorker() = default;

void SessionWorker::assemble(const QString &source, const QString &fileName)
{
    if (!m_assembler)
        m_assembler = std::make_unique<Assembler>();
    AssemblerResult result = m_assembler->assemble(source, fileName);
    QList<AssemblerDiagnostic> diagnostics;
    if (result.ok()) {
        for (const AssemblerDiagnostic &warning : result.program->warnings)
            diagnostics.append(warning);
    } else {
        for (const AssemblerDiagnostic &error : result.errors)
            diagnostics.append(error);
    }
    emit assembled(diagnostics, result.ok());
    if (!result.ok())
        return;
    m_program = std::move(*result.program);
    emit programLoaded(makeProgramView(*m_program, source));
    startSession();
}

void SessionWorker::configure(const QString &technique, quint64 timerPeriod,
                              quint64 maxInstructions)
{
    m_options.technique = technique;
    m_options.timerPeriod = timerPeriod;
    m_options.maxInstructions = maxInstructions;
    startSession();
}

void SessionWorker::setVmcsControls(const std::map<QString, bool> &controls)
{
    if (controls == m_options.vmcsControls)
        return;
    m_options.vmcsControls = controls;
    if (m_session && m_session->technique().vmcs() != nullptr)
        startSession();
}

void SessionWorker::reset()
{
    startSession();
}

void SessionWorker::startSession()
{
    const bool wasRunning = m_running;
    m_running = false;
    m_chunkTimer->stop();
    std::unique_ptr<Session> session;
    QString failure;
    if (m_program) {
        // The controls are kept for every technique but only one with a VMCS takes them.
        SessionOptions options = m_options;
        const std::unique_ptr<Technique> probe = m_registry.create(options.technique);
        if (!probe || probe->vmcs() == nullptr)
            options.vmcsControls.clear();
        try {
            session = std::make_unique<Session>(*m_program, options, m_registry, m_presets);
        } catch (const std::exception &e) {
            failure = QString::fromStdString(e.what());
        }
    }
    {
        QMutexLocker lock(&m_sessionMutex);
        m_session = std::move(session);
    }
    m_eventsSent = 0;
    m_sequence = 0;
    m_translationCache.reset();
    m_translationFingerprint = {};
    m_vmcsAtStart.reset();
    m_lastVmExit.reset();
    m_vmExitsStored = 0;
    m_runTarget.reset();
    emit sessionReset();
    if (wasRunning)
        emit runningChanged(false);
    if (!m_session) {
        MachineSnapshot empty;
        empty.statusMessage = failure;
        emit snapshotReady(empty);
        return;
    }
    if (const vmx::Vmcs *vmcs = m_session->technique().vmcs())
        m_vmcsAtStart = std::make_shared<const vmx::Vmcs>(*vmcs);
    applyBreakpoints();
    m_session->setBreakOnEvents(m_breakOn);
    // Nothing counts as changed right after a reset.
    m_previousRegisters = makeSnapshot(PauseReason::None).registers;
    publish(PauseReason::None);
}

void SessionWorker::setBreakpointLines(const std::vector<int> &lines)
{
    m_breakpointLines = lines;
    applyBreakpoints();
}

// Lines become addresses here, with the program the session runs, so that breakpoints follow
// every reassembly.
void SessionWorker::applyBreakpoints()
{
    if (!m_session || !m_program)
        return;
    std::vector<std::uint64_t> all;
    for (int line : m_breakpointLines) {
        if (const auto address = m_program->codeAddressFrom(line))
            all.push_back(*address);
    }
    if (m_runTarget)
        all.push_back(*m_runTarget);
    m_session->setBreakpoints(all);
}

void SessionWorker::setBreakOnEvents(std::bitset<kEventKindCount> kinds)
{
    m_breakOn = kinds;
    if (m_session)
        m_session->setBreakOnEvents(kinds);
}

void SessionWorker::setRegister(RegisterId id, quint64 value)
{
    if (!m_session || m_running || !registerEditable(id))
        return;
    if (id == RegisterId::Rflags)
        m_session->setRflags(value);
    else
        m_session->setRegister(engineRegister(id), value);
    publish(PauseReason::None);
}

void SessionWorker::setStepsPerSecond(int stepsPerSecond)
{
    m_stepsPerSecond = std::max(0, stepsPerSecond);
}

void SessionWorker::step()
{
    if (!m_session || m_running || m_session->status() != RunStatus::Running)
        return;
    m_session->clearStopRequest();
    m_session->runFor(1);
    publishEvents();
    publish(pauseReason(m_session->lastPause()));
}

void SessionWorker::stepBack()
{
    if (!m_session || m_running)
        return;
    wentBack(m_session->stepBack());
}

void SessionWorker::rewindTo(quint64 instructions)
{
    if (!m_session || m_running)
        return;
    wentBack(m_session->rewindTo(instructions));
}

void SessionWorker::setHistoryBudget(quint64 bytes)
{
    m_options.historyBudget = static_cast<std::size_t>(bytes);
}

// The log keeps the events up to the moment gone back to; what the panes were told of the
// events after it is taken back.
void SessionWorker::wentBack(bool ok)
{
    if (!ok)
        return;
    const std::vector<Event> &events = m_session->trace().events();
    if (m_eventsSent > events.size()) {
        m_eventsSent = events.size();
        emit eventsTruncated(static_cast<qint64>(m_eventsSent));
    }
    m_lastVmExit.reset();
    m_vmExitsStored = 0;
    for (std::size_t i = 0; i < m_eventsSent; ++i) {
        if (events[i].kind == EventKind::VmExit) {
            m_lastVmExit = events[i];
            ++m_vmExitsStored;
        }
    }
    m_translationCache.reset();
    publishEvents();
    publish(PauseReason::SteppedBack);
}

void SessionWorker::run(std::optional<int> stopAtLine)
{
    if (!m_session || m_running || m_session->status() != RunStatus::Running)
        return;
    m_runTarget.reset();
    if (stopAtLine) {
        m_runTarget = m_program->codeAddressFrom(*stopAtLine);
        if (!m_runTarget)
            return; // no code from there on
    }
    applyBreakpoints();
    m_pauseRequested = false;
    m_session->clearStopRequest();
    m_running = true;
    emit runningChanged(true);
    m_sinceSnapshot.start();
    m_chunkTimer->start(0);
}

void SessionWorker::requestPause()
{
    m_pauseRequested = true;
    QMutexLocker lock(&m_sessionMutex);
    if (m_session)
        m_session->requestStop();
}

void SessionWorker::runChunk()
{
    if (!m_running || !m_session)
        return;
    if (m_pauseRequested) {
        finishRun(PauseReason::User);
        return;
    }
    // At a set speed: one step per tick up to 30 steps a second, then several per 33 ms tick.
    int interval = 0;
    std::uint64_t count = m_chunk;
    if (m_stepsPerSecond > 0) {
        if (m_stepsPerSecond <= 1000 / kSnapshotIntervalMs) {
            interval = 1000 / m_stepsPerSecond;
            count = 1;
        } else {
            interval = kSnapshotIntervalMs;
            count = static_cast<std::uint64_t>(m_stepsPerSecond) * kSnapshotIntervalMs / 1000;
        }
    }
    QElapsedTimer timer;
    timer.start();
    m_session->runFor(count);
    if (m_stepsPerSecond == 0) {
        const qint64 elapsed = timer.elapsed();
        if (elapsed < kChunkTargetMs / 2)
            m_chunk = std::min(kMaxChunk, m_chunk * 2);
        else if (elapsed > kChunkTargetMs * 2)
            m_chunk = std::max(kMinChunk, m_chunk / 2);
    }
    publishEvents();
    const Session::Pause pause = m_session->lastPause();
    if (m_session->status() != RunStatus::Running || pause != Session::Pause::Limit) {
        finishRun(pauseReason(pause));
        return;
    }
    if (m_stepsPerSecond > 0 || m_sinceSnapshot.elapsed() >= kSnapshotIntervalMs) {
        publish(PauseReason::None);
        m_sinceSnapshot.restart();
    }
    m_chunkTimer->start(interval);
}

void SessionWorker::finishRun(PauseReason reason)
{
    m_running = false;
    m_chunkTimer->stop();
    if (reason == PauseReason::Breakpoint && m_runTarget && m_session &&
        m_session->machine().cpu().rip() == *m_runTarget)
        reason = PauseReason::RunTo;
    if (m_runTarget) {
        m_runTarget.reset();
        applyBreakpoints();
    }
    publishEvents();
    publish(reason);
    emit runningChanged(false);
}

void SessionWorker::publishEvents()
{
    if (!m_session)
        return;
    const std::vector<Event> &events = m_session->trace().events();
    if (m_eventsSent >= events.size())
        return;
    QList<Event> fresh;
    fresh.reserve(static_cast<qsizetype>(events.size() - m_eventsSent));
    for (std::size_t i = m_eventsSent; i < events.size(); ++i) {
        fresh.append(events[i]);
        if (events[i].kind == EventKind::VmExit) {
            m_lastVmExit = events[i];
            ++m_vmExitsStored;
        }
    }
    m_eventsSent = events.size();
    emit eventsReady(fresh);
}

void SessionWorker::publish(PauseReason reason)
{
    MachineSnapshot snapshot = makeSnapshot(reason);
    for (std::size_t i = 0; i < kRegisterCount; ++i)
        snapshot.changed[i] = snapshot.registers[i] != m_previousRegisters[i];
    m_previousRegisters = snapshot.registers;
    emit snapshotReady(snapshot);
}

MachineSnapshot SessionWorker::makeSnapshot(PauseReason reason)
{
    const Session &session = *m_session;
    const UnicornCpu &cpu = session.machine().cpu();
    const TechniqueInfo &info = session.technique().info();
    const Trace &trace = session.trace();

    MachineSnapshot s;
    s.sequence = ++m_sequence;
    s.valid = true;
    s.techniqueId = info.id;
    s.techniqueTitle = QCoreApplication::translate("vmwb::Technique", info.title);
    s.guestRing = info.guestRing;
    s.virtualized = info.virtualized;
    s.status = session.status();
    s.statusMessage = session.statusMessage();
    s.pause = reason;
    s.instructions = session.instructions();
    s.maxInstructions = session.options().maxInstructions;
    s.historyStart = session.earliestReachable();
    s.modelledCycles = session.modelledCycles();
    s.costPreset = session.costs().title;

    for (std::size_t i = 0; i < kRegisterCount; ++i) {
        const auto id = static_cast<RegisterId>(i);
        s.registers[i] = id == RegisterId::Rflags ? cpu.rflags() : cpu.read(engineRegister(id));
    }
    s.realCpl = static_cast<unsigned>(s.registerValue(RegisterId::Cs) & 3U);
    s.guest = session.guestView();
    for (int vector = 0; vector < 256; ++vector) {
        if (session.pendingInterrupts().isPending(static_cast<std::uint8_t>(vector)))
            s.pendingVectors.push_back(static_cast<std::uint8_t>(vector));
    }
    s.rip = cpu.rip();
    s.line = session.program().lineAt(s.rip);
    s.current = session.machine().decodeAt(s.rip, Decoder::Detail::Full);

    s.traps = trace.count(EventKind::Trap);
    s.holes = trace.count(EventKind::Hole);
    s.interruptsDelivered = trace.count(EventKind::InterruptDelivered);
    s.interruptsLost = trace.count(EventKind::InterruptLost);
    s.exceptions = trace.count(EventKind::Exception);
    s.io = trace.count(EventKind::Io);
    s.eventsNotStored = trace.dropped();

    const std::uint64_t rsp = s.registerValue(RegisterId::Rsp);
    for (int i = -kSlotsBelow; i < kSlotsAbove; ++i) {
        StackSlot slot;
        slot.address = rsp + static_cast<std::uint64_t>(static_cast<std::int64_t>(i) * 8);
        slot.readable = session.machine().readLinear(slot.address, &slot.value, 8);
        s.stack.push_back(slot);
    }
    // Label the frames the machine pushed that are still on the stack.
    static const char *const kFields[] = {
        QT_TRANSLATE_NOOP("vmwb::SessionWorker", "RIP"),
        QT_TRANSLATE_NOOP("vmwb::SessionWorker", "CS"),
        QT_TRANSLATE_NOOP("vmwb::SessionWorker", "RFLAGS"),
        QT_TRANSLATE_NOOP("vmwb::SessionWorker", "RSP"),
        QT_TRANSLATE_NOOP("vmwb::SessionWorker", "SS"),
    };
    int frameNumber = 0;
    for (const InterruptFrame &frame : session.monitor().frames()) {
        if (frame.address < rsp)
            continue;
        const int number = frameNumber++;
        const QString owner = frameOwner(frame.vector);
        std::uint64_t address = frame.address;
        std::vector<QString> labels;
        if (frame.hasErrorCode)
            labels.push_back(QCoreApplication::translate("vmwb::SessionWorker", "error code"));
        for (const char *field : kFields)
            labels.push_back(QCoreApplication::translate("vmwb::SessionWorker", field));
        for (const QString &label : labels) {
            for (StackSlot &slot : s.stack) {
                if (slot.address == address) {
                    slot.label =
                        QCoreApplication::translate("vmwb::SessionWorker", "%1 of %2 frame")
                            .arg(label, owner);
                    slot.frame = number;
                }
            }
            address += 8;
        }
    }
    s.console = session.ports().console();
    s.translationCache = publishedTranslationCache();
    if (const vmx::Vmcs *vmcs = session.technique().vmcs()) {
        s.vmcs = *vmcs;
        s.vmcsAtStart = m_vmcsAtStart;
    }
    s.vmExits = trace.count(EventKind::VmExit);
    // Only while it is the newest: once the trace is full, later exits are counted, not stored.
    if (m_lastVmExit && m_vmExitsStored == s.vmExits)
        s.lastVmExit = m_lastVmExit;
    return s;
}

std::shared_ptr<const TranslationCache> SessionWorker::publishedTranslationCache()
{
    const TranslationCache *cache = m_session->technique().translationCache();
    if (cache == nullptr) {
        m_translationCache.reset();
        return nullptr;
    }
    const auto print = fingerprint(*cache);
    if (!m_translationCache || print != m_translationFingerprint) {
        m_translationCache = std::make_shared<const TranslationCache>(*cache);
        m_translationFingerprint = print;
    }
    return m_translationCache;
}

} // namespace vmwb
