// Equivalence with native execution: the compare engine against the POPF demo and small
// snippets whose first difference the x86 manual predicts.

#include "run/Compare.h"
#include "support/Demo.h"
#include "support/GuestRun.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QTest>
#include <atomic>
#include <thread>

using namespace vmwb;

namespace {

const Assembler &assembler()
{
    static const Assembler instance;
    return instance;
}

Comparison compare(const QString &source, CompareOptions options = {})
{
    const AssembledProgram program = test::assemble(source);
    return compareTechniques(source, QStringLiteral("test.asm"), program, options, assembler(),
                             test::techniques(), test::presets());
}

const TechniqueRun &runOf(const Comparison &comparison, const QString &id)
{
    for (const TechniqueRun &run : comparison.techniques) {
        if (run.technique == id)
            return run;
    }
    qFatal("no run of %s", qPrintable(id));
}

} // namespace

class TestCompare : public QObject
{
    Q_OBJECT

private slots:
    void popfDemoUnderEveryTechnique();
    void popfDemoJson();
    void cyclesPerKindAddUp();
    void chunkSizeDoesNotMoveTheDivergence();
    void sidtRevealsTheMonitorsTable();
    void equivalentSnippet();
    void unparavirtualizableSnippetIsNamed();
    void unknownTechniqueIsAnOptionError();
    void guestThatNeverEndsStopsAtTheBudget();
    void cancelStopsAComparisonOfAnEndlessLoop();
};

void TestCompare::popfDemoUnderEveryTechnique()
{
    const QString source = test::demoSource();
    const Comparison comparison = compare(source);
    QCOMPARE(comparison.native.comparedBy, QStringLiteral("baseline"));
    QCOMPARE(comparison.native.exitCode, 12);
    QCOMPARE(comparison.techniques.size(), test::techniques().techniques().size() - 1);

    // Trap-and-emulate: popf at CPL 3 leaves the (virtual) IF at 0 while native sets it.
    const TechniqueRun &te = runOf(comparison, QStringLiteral("trap-and-emulate"));
    QCOMPARE(te.comparedBy, QStringLiteral("instruction"));
    QVERIFY(te.divergence);
    QCOMPARE(te.divergence->line, test::lineStartingWith(source, QStringLiteral("popf ")));
    QCOMPARE(te.divergence->instruction, QStringLiteral("popfq"));
    // A tick was pending over the critical section: natively popf sets IF and the tick is
    // delivered at once; under trap-and-emulate it stays pending.
    QCOMPARE(te.divergence->what, QStringLiteral("interrupts delivered"));
    QCOMPARE(te.divergence->nativeValue.toInt(), te.divergence->techniqueValue.toInt() + 1);
    QVERIFY2(te.divergence->explanation.contains(
                 QStringLiteral("popfq at CPL 3 with IOPL 0 leaves IF unchanged; the monitor "
                                "never saw it")),
             qPrintable(te.divergence->explanation));
    QCOMPARE(te.exitCode, 0);
    QVERIFY(te.count(EventKind::Hole) >= 1);
    QVERIFY(te.count(EventKind::Trap) >= 1);

    for (const QString &id :
         {QStringLiteral("binary-translation"), QStringLiteral("hardware-assisted")}) {
        const TechniqueRun &run = runOf(comparison, id);
        QCOMPARE(run.comparedBy, QStringLiteral("instruction"));
        QVERIFY2(!run.divergence,
                 qPrintable(id + QStringLiteral(": ") +
                            (run.divergence ? run.divergence->what + QLatin1Char(' ') +
                                                  run.divergence->explanation
                                            : QString())));
        QCOMPARE(run.exitCode, 12);
        QCOMPARE(run.instructions, comparison.native.instructions);
        QCOMPARE(run.count(EventKind::Hole), 0u);
    }
    QVERIFY(runOf(comparison, QStringLiteral("binary-translation")).count(EventKind::Callout) > 0);
    QVERIFY(runOf(comparison, QStringLiteral("hardware-assisted")).count(EventKind::VmExit) > 0);

    // Paravirtualization runs the rewritten snippet: compared by its outputs.
    const TechniqueRun &pv = runOf(comparison, QStringLiteral("paravirtual"));
    QCOMPARE(pv.comparedBy, QStringLiteral("output"));
    QVERIFY(!pv.divergence);
    QCOMPARE(pv.exitCode, 12);
    QCOMPARE(pv.console, comparison.native.console);
    QVERIFY(pv.count(EventKind::Hypercall) > 0);

    // VM exits cost more than native execution. (Not so for every technique: trap-and-
    // emulate loses the ticks after the popf and does less work, and a callout or a console
    // hypercall costs less than the native port access it replaces.)
    for (const TechniqueRun &run : comparison.techniques) {
        if (run.technique == QLatin1String("hardware-assisted"))
            QVERIFY2(run.overhead > 1.0, qPrintable(run.technique));
        QCOMPARE(run.overhead, double(run.cycles) / double(comparison.native.cycles));
    }
}

void TestCompare::popfDemoJson()
{
    const QJsonObject json = comparisonJson(compare(test::demoSource()));
    QCOMPARE(json[QStringLiteral("cost_preset")].toString(), CostPresets::defaultId());
    QCOMPARE(json[QStringLiteral("native")][QStringLiteral("exit_code")].toInt(), 12);
    QJsonObject te;
    QJsonObject bt;
    for (const QJsonValue value : json[QStringLiteral("techniques")].toArray()) {
        const QJsonObject run = value.toObject();
        if (run[QStringLiteral("technique")] == QStringLiteral("trap-and-emulate"))
            te = run;
        if (run[QStringLiteral("technique")] == QStringLiteral("binary-translation"))
            bt = run;
    }
    QCOMPARE(te[QStringLiteral("equivalent")].toBool(true), false);
    const QJsonObject divergence = te[QStringLiteral("divergence")].toObject();
    QCOMPARE(divergence[QStringLiteral("instruction")].toString(), QStringLiteral("popfq"));
    QCOMPARE(divergence[QStringLiteral("what")].toString(), QStringLiteral("interrupts delivered"));
    QVERIFY(divergence[QStringLiteral("native")].toString().toInt() >
            divergence[QStringLiteral("technique")].toString().toInt());
    QVERIFY(divergence[QStringLiteral("explanation")].toString().contains(
        QStringLiteral("leaves IF unchanged")));
    QVERIFY(te[QStringLiteral("holes")].toInt() >= 1);
    QCOMPARE(te[QStringLiteral("overhead")].toDouble(),
             te[QStringLiteral("modelled_cycles")].toDouble() /
                 json[QStringLiteral("native")][QStringLiteral("modelled_cycles")].toDouble());
    QCOMPARE(bt[QStringLiteral("equivalent")].toBool(false), true);
    QVERIFY(bt[QStringLiteral("divergence")].isNull());
    QVERIFY(bt[QStringLiteral("callouts")].toInt() > 0);
    QVERIFY(bt[QStringLiteral("cycles_by_kind")].toObject().contains(QStringLiteral("callout")));
}

void TestCompare::cyclesPerKindAddUp()
{
    const Comparison comparison = compare(test::demoSource());
    std::vector<const TechniqueRun *> runs{&comparison.native};
    for (const TechniqueRun &run : comparison.techniques)
        runs.push_back(&run);
    for (const TechniqueRun *run : runs) {
        std::uint64_t sum = run->instructionCycles;
        for (std::size_t i = 0; i < kEventKindCount; ++i)
            sum += run->eventCycles[i];
        QCOMPARE(sum, run->cycles);
        QCOMPARE(run->instructionCycles,
                 run->instructions *
                     test::presets().find(CostPresets::defaultId())->operator[](Cost::Instruction));
        QVERIFY2(run->cycles > run->instructionCycles, qPrintable(run->technique));
    }
    // The JSON's breakdown adds up too.
    const QJsonObject json = comparisonJson(comparison);
    for (const QJsonValue value : json[QStringLiteral("techniques")].toArray()) {
        const QJsonObject run = value.toObject();
        qint64 sum = 0;
        const QJsonObject byKind = run[QStringLiteral("cycles_by_kind")].toObject();
        for (auto it = byKind.begin(); it != byKind.end(); ++it)
            sum += it.value().toInteger();
        QCOMPARE(sum, run[QStringLiteral("modelled_cycles")].toInteger());
    }
}

void TestCompare::chunkSizeDoesNotMoveTheDivergence()
{
    const QString source = test::demoSource();
    CompareOptions options;
    options.techniques = {QStringLiteral("trap-and-emulate")};
    std::optional<Divergence> first;
    for (std::uint64_t chunk : {1ULL, 7ULL, 4096ULL, 1ULL << 20}) {
        options.lockstepChunk = chunk;
        const Comparison comparison = compare(source, options);
        QCOMPARE(comparison.techniques.size(), std::size_t{1});
        const auto &divergence = comparison.techniques.front().divergence;
        QVERIFY(divergence);
        if (!first) {
            first = divergence;
            continue;
        }
        QCOMPARE(divergence->index, first->index);
        QCOMPARE(divergence->rip, first->rip);
        QCOMPARE(divergence->what, first->what);
    }
}

void TestCompare::sidtRevealsTheMonitorsTable()
{
    // SIDT is sensitive but not privileged (Robin and Irvine 2000): at CPL 3 it stores the
    // real IDTR, the monitor's, into guest memory without trapping.
    const QString source = QStringLiteral(R"(%include "workbench.inc"
    lidt [descriptor]
    mov rax, 1
    sidt [stored]
    mov rbx, [stored + 2]
    EXIT 0
descriptor: dw 0xFFF
            dq 0x200000
stored:     times 16 db 0
)");
    CompareOptions options;
    options.techniques = {QStringLiteral("trap-and-emulate"), QStringLiteral("hardware-assisted")};
    const Comparison comparison = compare(source, options);
    const TechniqueRun &te = runOf(comparison, QStringLiteral("trap-and-emulate"));
    QVERIFY(te.divergence);
    QCOMPARE(te.divergence->line, 4);
    QVERIFY2(te.divergence->what.startsWith(QStringLiteral("memory ")),
             qPrintable(te.divergence->what));
    QVERIFY2(te.divergence->explanation.contains(QStringLiteral("monitor's IDT")),
             qPrintable(te.divergence->explanation));
    QVERIFY(!runOf(comparison, QStringLiteral("hardware-assisted")).divergence);
}

void TestCompare::equivalentSnippet()
{
    const QString source = QStringLiteral(R"(%include "workbench.inc"
    mov ecx, 1000
.loop:
    add rax, rcx
    dec ecx
    jnz .loop
    mov [result], rax
    mov al, 'k'
    out CONSOLE_PORT, al
    EXIT 3
result: dq 0
)");
    const Comparison comparison = compare(source);
    for (const TechniqueRun &run : comparison.techniques) {
        QVERIFY2(run.equivalent(), qPrintable(run.technique));
        QCOMPARE(run.exitCode, 3);
        QCOMPARE(run.console, QByteArray("k"));
    }
    QCOMPARE(comparison.native.count(EventKind::Io), 2u);
}

void TestCompare::unparavirtualizableSnippetIsNamed()
{
    const QString source = QStringLiteral(R"(%include "workbench.inc"
    mov rax, cr3
    mov cr3, rax
    EXIT 0
)");
    CompareOptions options;
    options.techniques = {QStringLiteral("paravirtual")};
    const Comparison comparison = compare(source, options);
    const TechniqueRun &pv = runOf(comparison, QStringLiteral("paravirtual"));
    QCOMPARE(pv.comparedBy, QStringLiteral("none"));
    QVERIFY(!pv.equivalent());
    QVERIFY2(pv.problem.contains(QStringLiteral("line 2 (mov rax, cr3)")), qPrintable(pv.problem));
    const QJsonObject json = comparisonJson(comparison);
    const QJsonObject run = json[QStringLiteral("techniques")].toArray().at(0).toObject();
    QCOMPARE(run[QStringLiteral("compared_by")].toString(), QStringLiteral("none"));
    QVERIFY(run[QStringLiteral("problem")].toString().contains(QStringLiteral("line 2")));
}

void TestCompare::unknownTechniqueIsAnOptionError()
{
    CompareOptions options;
    options.techniques = {QStringLiteral("no-such-technique")};
    QVERIFY_THROWS_EXCEPTION(OptionError, compare(test::demoSource(), options));
    CompareOptions presetOptions;
    presetOptions.session.costPreset = QStringLiteral("no-such-preset");
    QVERIFY_THROWS_EXCEPTION(OptionError, compare(test::demoSource(), presetOptions));
}

void TestCompare::guestThatNeverEndsStopsAtTheBudget()
{
    const QString source = QStringLiteral(R"(%include "workbench.inc"
spin:
    inc rax
    jmp spin
)");
    CompareOptions options;
    options.session.maxInstructions = 50'000;
    const Comparison comparison = compare(source, options);
    QCOMPARE(comparison.native.status, RunStatus::BudgetExhausted);
    for (const TechniqueRun &run : comparison.techniques) {
        QCOMPARE(run.status, RunStatus::BudgetExhausted);
        QVERIFY2(run.equivalent(), qPrintable(run.technique));
    }
}

void TestCompare::cancelStopsAComparisonOfAnEndlessLoop()
{
    const QString source = QStringLiteral(R"(%include "workbench.inc"
spin:
    inc rax
    jmp spin
)");
    CompareOptions options;
    options.session.maxInstructions = std::uint64_t{1} << 50; // would take days
    options.cancel = std::make_shared<std::atomic<bool>>(true);
    QVERIFY_THROWS_EXCEPTION(CompareCancelled, compare(source, options));

    // Cancelled from another thread while it runs: it gives up.
    options.cancel = std::make_shared<std::atomic<bool>>(false);
    std::atomic<bool> threw = false;
    std::thread worker([&] {
        try {
            compare(source, options);
        } catch (const CompareCancelled &) {
            threw = true;
        }
    });
    QTest::qWait(200);
    options.cancel->store(true);
    worker.join();
    QVERIFY(threw);
}

QTEST_GUILESS_MAIN(TestCompare)
#include "tst_compare.moc"
