// Step back: a session that keeps snapshots goes back to any earlier instruction and gives the
// state the run had there, byte for byte: registers, RFLAGS, guest memory and the monitor's
// region, what the guest believes its CPU is, the devices and the trace. Compared against a
// second session of the same program that never went back.

#include "pv/Paravirtualizer.h"
#include "support/Demo.h"
#include "support/GuestRun.h"

#include <QtTest>
#include <algorithm>
#include <cstring>

using namespace vmwb;
using namespace vmwb::test;

namespace {

// Small, so that a copy of all of memory per comparison is cheap; the demo fits.
constexpr std::size_t kMemory = 2 * 1024 * 1024;
// Prime and short: the snapshot a step back restores is rarely the one at the instruction
// wanted, so every step back replays some instructions.
constexpr std::uint64_t kInterval = 97;

QString sourceFor(const QString &technique)
{
    if (technique != QStringLiteral("paravirtual"))
        return demoSource();
    const ParavirtualizeResult result = paravirtualize(demoSource());
    if (!result.ok())
        qFatal("the demo does not paravirtualize");
    return result.source;
}

SessionOptions options(std::uint64_t interval = 0)
{
    SessionOptions options;
    options.memorySize = kMemory;
    options.snapshotInterval = interval;
    return options;
}

// Everything the comparison looks at, as text where that makes a difference easy to read.
struct State
{
    std::uint64_t instructions = 0;
    std::uint64_t cycles = 0;
    QStringList registers;
    QByteArray guestMemory;
    QByteArray monitorMemory;
    QStringList guestView;
    QStringList events;
    QStringList counts;
    QString status;
    QByteArray console;
    QStringList pending;
};

QString eventText(const Event &e)
{
    return QStringLiteral("%1 #%2 at %3 line %4: %5 | %6 | %7 cycles | vector %8")
        .arg(QLatin1String(eventKindName(e.kind)))
        .arg(e.index)
        .arg(e.rip, 0, 16)
        .arg(e.line)
        .arg(e.instruction, e.cause)
        .arg(e.cycles)
        .arg(e.vector);
}

State capture(const Session &session)
{
    State s;
    s.instructions = session.instructions();
    s.cycles = session.modelledCycles();
    const UnicornCpu &cpu = session.machine().cpu();
    for (Register r :
         {Register::Rax, Register::Rcx, Register::Rdx, Register::Rbx, Register::Rsp, Register::Rbp,
          Register::Rsi, Register::Rdi, Register::R8,  Register::R9,  Register::R10, Register::R11,
          Register::R12, Register::R13, Register::R14, Register::R15, Register::Rip, Register::Es,
          Register::Cs,  Register::Ss,  Register::Ds,  Register::Fs,  Register::Gs,  Register::Cr0,
          Register::Cr2, Register::Cr3, Register::Cr4})
        s.registers << QStringLiteral("%1=%2").arg(static_cast<int>(r)).arg(cpu.read(r), 0, 16);
    s.registers << QStringLiteral("rflags=%1").arg(cpu.rflags(), 0, 16);
    s.registers << QStringLiteral("gdtr=%1/%2").arg(cpu.gdtr().base, 0, 16).arg(cpu.gdtr().limit);
    s.registers << QStringLiteral("idtr=%1/%2").arg(cpu.idtr().base, 0, 16).arg(cpu.idtr().limit);
    const PhysicalMemory &memory = session.machine().memory();
    s.guestMemory = QByteArray(reinterpret_cast<const char *>(memory.host(0, memory.guestSize())),
                               static_cast<qsizetype>(memory.guestSize()));
    s.monitorMemory = QByteArray(
        reinterpret_cast<const char *>(memory.host(memory.monitorBase(), memory.monitorSize())),
        static_cast<qsizetype>(memory.monitorSize()));
    const VirtualCpu v = session.guestView();
    s.guestView
        << QStringLiteral("if=%1 iopl=%2 cpl=%3 halted=%4")
               .arg(v.interruptFlag)
               .arg(v.iopl)
               .arg(v.cpl)
               .arg(v.halted)
        << QStringLiteral("cr0=%1 cr2=%2 cr3=%3 cr4=%4 cr8=%5")
               .arg(v.cr0, 0, 16)
               .arg(v.cr2, 0, 16)
               .arg(v.cr3, 0, 16)
               .arg(v.cr4, 0, 16)
               .arg(v.cr8, 0, 16)
        << QStringLiteral("idtr=%1/%2 gdtr=%3/%4 ldtr=%5 tr=%6")
               .arg(v.idtr.base, 0, 16)
               .arg(v.idtr.limit)
               .arg(v.gdtr.base, 0, 16)
               .arg(v.gdtr.limit)
               .arg(v.ldtr)
               .arg(v.tr)
        << QStringLiteral("cs=%1 ss=%2 ds=%3 es=%4").arg(v.cs).arg(v.ss).arg(v.ds).arg(v.es);
    for (const Event &event : session.trace().events())
        s.events << eventText(event);
    for (std::size_t i = 0; i < kEventKindCount; ++i) {
        const auto kind = static_cast<EventKind>(i);
        s.counts << QStringLiteral("%1: %2 (%3 cycles)")
                        .arg(QLatin1String(eventKindName(kind)))
                        .arg(session.trace().count(kind))
                        .arg(session.trace().cycles(kind));
    }
    s.counts << QStringLiteral("dropped %1").arg(session.trace().dropped());
    s.status = QStringLiteral("%1: %2").arg(QLatin1String(runStatusName(session.status())),
                                            session.statusMessage());
    s.console = session.ports().console();
    for (int vector = 0; vector < 256; ++vector) {
        if (session.pendingInterrupts().isPending(static_cast<std::uint8_t>(vector)))
            s.pending << QString::number(vector);
    }
    s.pending << QStringLiteral("timer %1 next %2")
                     .arg(session.ports().timer().period())
                     .arg(session.ports().timer().nextTick().value_or(0));
    return s;
}

QString firstDifference(const QByteArray &a, const QByteArray &b)
{
    const auto mismatch = std::mismatch(a.begin(), a.end(), b.begin(), b.end());
    const qint64 offset = static_cast<qint64>(mismatch.first - a.begin());
    const qint64 word = offset & ~qint64{7};
    quint64 got = 0;
    quint64 expected = 0;
    std::memcpy(&got, a.constData() + word, 8);
    std::memcpy(&expected, b.constData() + word, 8);
    return QStringLiteral("first differing byte at offset %1: the qword there is %2, expected %3")
        .arg(offset, 0, 16)
        .arg(got, 0, 16)
        .arg(expected, 0, 16);
}

QString listDifference(const QStringList &a, const QStringList &b)
{
    for (qsizetype i = 0; i < std::min(a.size(), b.size()); ++i) {
        if (a[i] != b[i])
            return QStringLiteral("\n  got:      %1\n  expected: %2").arg(a[i], b[i]);
    }
    return QStringLiteral("%1 entries, expected %2").arg(a.size()).arg(b.size());
}

// An empty string when equal, else what differs first.
QString difference(const State &got, const State &expected)
{
    if (got.instructions != expected.instructions)
        return QStringLiteral("instructions %1, expected %2")
            .arg(got.instructions)
            .arg(expected.instructions);
    if (got.registers != expected.registers)
        return QStringLiteral("registers: ") + listDifference(got.registers, expected.registers);
    if (got.guestMemory != expected.guestMemory)
        return QStringLiteral("guest memory: ") +
               firstDifference(got.guestMemory, expected.guestMemory);
    if (got.monitorMemory != expected.monitorMemory)
        return QStringLiteral("the monitor's region: ") +
               firstDifference(got.monitorMemory, expected.monitorMemory);
    if (got.guestView != expected.guestView)
        return QStringLiteral("virtual CPU: ") + listDifference(got.guestView, expected.guestView);
    if (got.events != expected.events)
        return QStringLiteral("event log: ") + listDifference(got.events, expected.events);
    if (got.counts != expected.counts)
        return QStringLiteral("event counts: ") + listDifference(got.counts, expected.counts);
    if (got.cycles != expected.cycles)
        return QStringLiteral("modelled cycles %1, expected %2")
            .arg(got.cycles)
            .arg(expected.cycles);
    if (got.status != expected.status)
        return QStringLiteral("status \"%1\", expected \"%2\"").arg(got.status, expected.status);
    if (got.console != expected.console)
        return QStringLiteral("console output differs");
    if (got.pending != expected.pending)
        return QStringLiteral("interrupts and timer: ") +
               listDifference(got.pending, expected.pending);
    return {};
}

#define COMPARE_STATE(got, expected, what)                                                         \
    do {                                                                                           \
        const QString diff = difference(got, expected);                                            \
        QVERIFY2(diff.isEmpty(), qPrintable(QStringLiteral(what ": ") + diff));                    \
    } while (false)

// The state of a session that never went back, after `instructions`.
State reference(const QString &source, const QString &technique, std::uint64_t instructions)
{
    auto session = start(source, technique, options());
    session->runFor(instructions);
    return capture(*session);
}

} // namespace

class TestHistory : public QObject
{
    Q_OBJECT

private slots:
    void stepBackThenForwardIsIdentical_data();
    void stepBackThenForwardIsIdentical();
    void pausesDoNotChangeTheRun_data();
    void pausesDoNotChangeTheRun();
    void rewindsToAnEarlierEvent();
    void replayRunsPastBreakpointsAndEventBreaks();
    void memoryBoundDropsTheOldestSnapshots();
    void withoutHistoryNothingGoesBack();
};

// One row per technique and moment: right after a trap, an interrupt delivery, a translation,
// a hypercall, a VM exit and a hole, in the middle of the run and at its end.
void TestHistory::stepBackThenForwardIsIdentical_data()
{
    QTest::addColumn<QString>("technique");
    QTest::addColumn<quint64>("at");
    const struct
    {
        EventKind kind;
        const char *name;
    } moments[] = {
        {EventKind::Trap, "after a trap"},
        {EventKind::InterruptDelivered, "after an interrupt"},
        {EventKind::Translation, "after a translation"},
        {EventKind::Hypercall, "after a hypercall"},
        {EventKind::VmExit, "after a VM exit"},
        {EventKind::Hole, "after a hole"},
    };
    const auto infos = TechniqueRegistry::builtIn().techniques();
    QVERIFY(infos.size() >= 5);
    for (const TechniqueInfo &info : infos) {
        const auto full = run(sourceFor(info.id), info.id, options());
        QCOMPARE(full->status(), RunStatus::Exited);
        const std::uint64_t total = full->instructions();
        const QByteArray id = info.id.toUtf8();
        for (const auto &moment : moments) {
            const auto &events = full->trace().events();
            const auto it = std::find_if(events.begin(), events.end(), [&](const Event &e) {
                return e.kind == moment.kind && e.index > 0;
            });
            if (it == events.end())
                continue;
            QTest::addRow("%s, %s", id.constData(), moment.name)
                << info.id << static_cast<quint64>(it->index + 1);
        }
        QTest::addRow("%s, mid-run", id.constData()) << info.id << static_cast<quint64>(total / 2);
        QTest::addRow("%s, at the end", id.constData()) << info.id << static_cast<quint64>(total);
    }
}

void TestHistory::stepBackThenForwardIsIdentical()
{
    QFETCH(QString, technique);
    QFETCH(quint64, at);
    const QString source = sourceFor(technique);

    // The reference pauses where the session below does: at its snapshots and before `at`.
    auto reference = start(source, technique, options(kInterval));
    reference->runFor(at - 1);
    const State before = capture(*reference);
    reference->runFor(1);
    const State after = capture(*reference);
    QCOMPARE(after.instructions, at);

    auto session = start(source, technique, options(kInterval));
    session->runFor(at);
    COMPARE_STATE(capture(*session), after, "the same run");
    auto plain = start(source, technique, options());
    plain->runFor(at);
    COMPARE_STATE(capture(*session), capture(*plain), "keeping snapshots changed the run");
    QCOMPARE(session->history()->count() > 1, at >= kInterval);
    QVERIFY(session->stepBack());
    COMPARE_STATE(capture(*session), before, "one step back");
    session->runFor(1);
    COMPARE_STATE(capture(*session), after, "back, then forward");
    // And once more, from the state a step back left.
    QVERIFY(session->stepBack());
    COMPARE_STATE(capture(*session), before, "the second step back");
}

// A snapshot pauses the run at its instruction count, as runFor() does; the run must not
// notice either.
void TestHistory::pausesDoNotChangeTheRun_data()
{
    QTest::addColumn<QString>("technique");
    for (const TechniqueInfo &info : TechniqueRegistry::builtIn().techniques())
        QTest::newRow(info.id.toUtf8().constData()) << info.id;
}

void TestHistory::pausesDoNotChangeTheRun()
{
    QFETCH(QString, technique);
    const QString source = sourceFor(technique);
    const auto whole = run(source, technique, options());
    auto paused = start(source, technique, options());
    while (paused->status() == RunStatus::Running)
        paused->runFor(kInterval);
    COMPARE_STATE(capture(*paused), capture(*whole), "paused every few instructions");
}

// The history slider: any earlier moment, not only the instruction before.
void TestHistory::rewindsToAnEarlierEvent()
{
    for (const QString &technique :
         {QStringLiteral("native"), QStringLiteral("binary-translation")}) {
        const QString source = sourceFor(technique);
        auto session = start(source, technique, options(kInterval));
        session->run();
        QCOMPARE(session->status(), RunStatus::Exited);
        const std::vector<Event> events = session->trace().events();
        QVERIFY(events.size() > 10);
        const std::uint64_t end = session->instructions();
        for (const std::size_t i : {events.size() - 2, events.size() / 2, std::size_t{3}}) {
            const std::uint64_t at = events[i].index;
            QVERIFY(session->rewindTo(at));
            COMPARE_STATE(capture(*session), reference(source, technique, at),
                          "rewound to an event");
            // The log holds what happened until then, and the event chosen is among it or
            // just ahead (its instruction has not run yet).
            QVERIFY(session->trace().events().size() <= events.size());
            QVERIFY(session->trace().events().size() >= i);
        }
        // Ahead of the present there is nothing to go back to.
        const std::uint64_t now = session->instructions();
        QVERIFY(!session->rewindTo(end));
        QCOMPARE(session->instructions(), now);
    }
}

void TestHistory::replayRunsPastBreakpointsAndEventBreaks()
{
    const QString technique = QStringLiteral("trap-and-emulate");
    const QString source = sourceFor(technique);
    constexpr std::uint64_t kAt = 2550;
    auto session = start(source, technique, options(1000));
    session->runFor(kAt - 20);
    const std::uint64_t passed = session->machine().cpu().rip();
    session->runFor(20);
    session->setBreakpoints({passed});
    std::bitset<kEventKindCount> all;
    all.set();
    session->setBreakOnEvents(all);

    QVERIFY(session->stepBack());
    COMPARE_STATE(capture(*session), reference(source, technique, kAt - 1),
                  "a step back over a breakpoint and events");
    QCOMPARE(session->lastPause(), Session::Pause::Limit);
    // They still pause the user's runs.
    session->run();
    QCOMPARE(session->status(), RunStatus::Running);
    QVERIFY(session->lastPause() == Session::Pause::Breakpoint ||
            session->lastPause() == Session::Pause::EventBreak);
}

void TestHistory::memoryBoundDropsTheOldestSnapshots()
{
    const QString technique = QStringLiteral("native");
    const QString source = sourceFor(technique);
    SessionOptions bounded = options(500);
    bounded.historyBudget = 160 * 1024;
    auto session = start(source, technique, bounded);
    const History &history = *session->history();
    QCOMPARE(history.snapshotInstructions(), std::vector<std::uint64_t>{0});
    session->run();
    QCOMPARE(session->status(), RunStatus::Exited);

    QVERIFY(history.dropped() > 0);
    QVERIFY(history.count() > 1);
    QVERIFY2(history.bytes() <= bounded.historyBudget,
             qPrintable(QString::number(history.bytes())));
    const std::vector<std::uint64_t> kept = history.snapshotInstructions();
    QVERIFY(std::adjacent_find(kept.begin(), kept.end(), [](std::uint64_t a, std::uint64_t b) {
                return b < a + 500;
            }) == kept.end());
    const std::uint64_t oldest = kept.front();
    QVERIFY(oldest > 0);
    QCOMPARE(session->earliestReachable(), std::optional<std::uint64_t>(oldest));
    // The newest are kept: the end of the run is within one interval of the last snapshot.
    QVERIFY(session->instructions() - kept.back() <= 500);

    // Before the oldest snapshot there is no way back, and nothing changes.
    const State end = capture(*session);
    QVERIFY(!session->rewindTo(oldest - 1));
    COMPARE_STATE(capture(*session), end, "a refused rewind");
    // From the oldest on, the way back is exact: it holds every page the ones dropped held.
    QVERIFY(session->rewindTo(oldest + 7));
    COMPARE_STATE(capture(*session), reference(source, technique, oldest + 7),
                  "rewound to just after the oldest snapshot");
}

void TestHistory::withoutHistoryNothingGoesBack()
{
    auto session = start(demoSource(), QStringLiteral("native"), options());
    session->runFor(100);
    QCOMPARE(session->history(), nullptr);
    QVERIFY(!session->stepBack());
    QCOMPARE(session->instructions(), 100u);
    QCOMPARE(session->earliestReachable(), std::nullopt);

    auto fresh = start(demoSource(), QStringLiteral("native"), options(kInterval));
    QVERIFY(!fresh->stepBack()); // at instruction 0
}

QTEST_GUILESS_MAIN(TestHistory)
#include "tst_history.moc"
