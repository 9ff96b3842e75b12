#include "run/Nanobenchmarks.h"

#include "assembler/Assembler.h"
#include "pv/Paravirtualizer.h"
#include "run/Session.h"
#include "trace/CostModel.h"
#include "vmm/Technique.h"

#include <QCoreApplication>
#include <QFile>
#include <QJsonArray>
#include <QLocale>
#include <QStringList>
#include <QTextStream>
#include <cmath>

namespace vmwb {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("vmwb::Nanobenchmarks", text);
}

// Two runs that differ only in the iteration count: their difference is the loop alone.
constexpr int kFewerIterations = 20;
constexpr int kMoreIterations = 120;

constexpr const char *kNoUserMode = QT_TRANSLATE_NOOP(
    "vmwb::Nanobenchmarks",
    "guest user mode: Unicorn 2.0.1 replaces SYSCALL's switch from CPL 3 to CPL 0 by its hook "
    "and the engine cannot lower the CPL itself; the deprivileging monitors keep no user mode "
    "apart from the guest kernel's");
constexpr const char *kNoInstructionCosts = QT_TRANSLATE_NOOP(
    "vmwb::Nanobenchmarks",
    "per-instruction costs: the workbench charges every ordinary instruction the same (the "
    "preset's instruction cost), the Pentium 4's call/ret pair takes 11 cycles");
constexpr const char *kNoShadowPaging = QT_TRANSLATE_NOOP(
    "vmwb::Nanobenchmarks",
    "shadow paging: the guest's own page tables, write-protected by the monitor so that it sees "
    "every write to them; the guest's page tables are the workbench's identity map today");

} // namespace

const std::array<QString, kPaperTechniqueCount> &paperTechniques()
{
    static const std::array<QString, kPaperTechniqueCount> ids{
        QStringLiteral("native"),
        QStringLiteral("binary-translation"),
        QStringLiteral("hardware-assisted"),
    };
    return ids;
}

// Adams and Agesen 2006, Figure 4 (Pentium 4 672, cycles). Printed: the paper's text gives the
// number; read: decoded from the figure's bars.
const std::vector<Nanobenchmark> &adamsAgesenNanobenchmarks()
{
    constexpr bool kPrinted = true;
    constexpr bool kRead = false;
    static const std::vector<Nanobenchmark> benchmarks{
        {QStringLiteral("syscall"),
         QStringLiteral("syscall.asm"),
         QT_TRANSLATE_NOOP("vmwb::Nanobenchmarks", "syscall"),
         QT_TRANSLATE_NOOP("vmwb::Nanobenchmarks",
                           "a system call from user mode: SYSCALL into the kernel, SYSRET back"),
         1,
         {PaperCycles{243, kRead}, PaperCycles{2313, kRead}, PaperCycles{247, kRead}},
         {},
         {kNoUserMode, kNoUserMode, kNoUserMode}},
        {QStringLiteral("in"),
         QStringLiteral("in.asm"),
         QT_TRANSLATE_NOOP("vmwb::Nanobenchmarks", "in"),
         QT_TRANSLATE_NOOP("vmwb::Nanobenchmarks", "IN from port 0x80"),
         1,
         {PaperCycles{3209, kPrinted}, PaperCycles{217, kRead}, PaperCycles{15826, kPrinted}},
         {},
         {}},
        {QStringLiteral("cr8wr"),
         QStringLiteral("cr8wr.asm"),
         QT_TRANSLATE_NOOP("vmwb::Nanobenchmarks", "cr8wr"),
         QT_TRANSLATE_NOOP("vmwb::Nanobenchmarks", "MOV to CR8, the task-priority register"),
         1,
         {PaperCycles{150, kRead}, PaperCycles{35, kPrinted}, PaperCycles{177, kRead}},
         {},
         {}},
        {QStringLiteral("callret"),
         QStringLiteral("callret.asm"),
         QT_TRANSLATE_NOOP("vmwb::Nanobenchmarks", "call/ret"),
         QT_TRANSLATE_NOOP("vmwb::Nanobenchmarks", "a near CALL and its RET"),
         10,
         {PaperCycles{11, kPrinted}, PaperCycles{51, kPrinted}, PaperCycles{11, kPrinted}},
         {},
         {kNoInstructionCosts, nullptr, kNoInstructionCosts}},
        {QStringLiteral("pgfault"),
         QStringLiteral("pgfault.asm"),
         QT_TRANSLATE_NOOP("vmwb::Nanobenchmarks", "pgfault"),
         QT_TRANSLATE_NOOP("vmwb::Nanobenchmarks",
                           "a true guest page fault, taken and returned from by the guest's "
                           "handler"),
         1,
         {PaperCycles{1093, kPrinted}, PaperCycles{3927, kPrinted}, PaperCycles{11242, kPrinted}},
         {},
         {}},
        {QStringLiteral("divzero"),
         QStringLiteral("divzero.asm"),
         QT_TRANSLATE_NOOP("vmwb::Nanobenchmarks", "divzero"),
         QT_TRANSLATE_NOOP("vmwb::Nanobenchmarks",
                           "a division by zero (#DE), taken and returned from by the guest's "
                           "handler"),
         1,
         {PaperCycles{889, kPrinted}, PaperCycles{3223, kPrinted}, PaperCycles{1014, kPrinted}},
         {},
         {}},
        {QStringLiteral("ptemod"),
         QStringLiteral("ptemod.asm"),
         QT_TRANSLATE_NOOP("vmwb::Nanobenchmarks", "ptemod"),
         QT_TRANSLATE_NOOP("vmwb::Nanobenchmarks", "a write to a guest page-table entry"),
         10,
         {PaperCycles{1, kPrinted}, PaperCycles{391, kPrinted}, PaperCycles{12733, kPrinted}},
         {true, false, false},
         {nullptr, kNoShadowPaging, kNoShadowPaging}},
    };
    return benchmarks;
}

const Nanobenchmark *findNanobenchmark(const QString &id)
{
    for (const Nanobenchmark &benchmark : adamsAgesenNanobenchmarks()) {
        if (benchmark.id == id)
            return &benchmark;
    }
    return nullptr;
}

QString nanobenchmarkSource(const Nanobenchmark &benchmark)
{
    QFile file(QStringLiteral(":/vmwb/benchmarks/") + benchmark.fileName);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QString::fromUtf8(file.readAll());
}

std::map<QString, bool> adamsAgesenVmcsControls()
{
    return {
        {QStringLiteral("enable-ept"), false},
        {QStringLiteral("cr8-load-exiting"), false},
        {QStringLiteral("cr8-store-exiting"), false},
    };
}

double NanobenchmarkRun::allEventCycles() const
{
    double sum = 0;
    for (double kindCycles : eventCycles)
        sum += kindCycles;
    return sum;
}

namespace {

struct Totals
{
    std::uint64_t cycles = 0;
    std::uint64_t instructions = 0;
    std::array<std::uint64_t, kEventKindCount> events{};
    std::array<std::uint64_t, kEventKindCount> eventCycles{};
};

// One run of the snippet with `iterations` turns of its loop; the problem if it did not reach
// its exit with exit code 0.
std::optional<Totals> runOnce(const Nanobenchmark &benchmark, const QString &technique,
                              int iterations, const Assembler &assembler,
                              const TechniqueRegistry &techniques, const CostPresets &presets,
                              const QString &presetId, QString &problem)
{
    // The iteration count is the snippet's ITERATIONS, defined ahead of its own default.
    QString source =
        QStringLiteral("%define ITERATIONS %1\n").arg(iterations) + nanobenchmarkSource(benchmark);
    if (technique == QLatin1String("paravirtual")) {
        const ParavirtualizeResult rewritten = paravirtualize(source);
        if (!rewritten.ok()) {
            const RewriteRefusal &refusal = rewritten.refusals.front();
            problem = tr("the snippet cannot be paravirtualized: line %1 (%2): %3")
                          .arg(refusal.line - 1)
                          .arg(refusal.text.trimmed(), refusal.why);
            return std::nullopt;
        }
        source = rewritten.source;
    }
    const AssemblerResult assembled = assembler.assemble(source, benchmark.fileName);
    if (!assembled.ok()) {
        problem = tr("the snippet does not assemble: %1")
                      .arg(assembled.errors.empty() ? QString() : assembled.errors.front().message);
        return std::nullopt;
    }
    SessionOptions options;
    options.technique = technique;
    options.costPreset = presetId;
    options.eventLimit = 64; // the counts are what matters; few events are kept
    if (technique == QLatin1String("hardware-assisted"))
        options.vmcsControls = adamsAgesenVmcsControls();
    Session session(*assembled.program, options, techniques, presets);
    const RunStatus status = session.run();
    const auto exitCode = session.ports().exitCode();
    if (status != RunStatus::Exited || exitCode.value_or(1) != 0) {
        problem = status == RunStatus::Exited
                      ? tr("the snippet failed its own check (exit code %1)").arg(*exitCode)
                      : session.statusMessage();
        return std::nullopt;
    }
    Totals totals;
    totals.cycles = session.modelledCycles();
    totals.instructions = session.instructions();
    for (std::size_t k = 0; k < kEventKindCount; ++k) {
        totals.events[k] = session.trace().count(static_cast<EventKind>(k));
        totals.eventCycles[k] = session.trace().cycles(static_cast<EventKind>(k));
    }
    return totals;
}

double perOperation(std::uint64_t more, std::uint64_t fewer, double operations)
{
    return (static_cast<double>(more) - static_cast<double>(fewer)) / operations;
}

} // namespace

NanobenchmarkRun runNanobenchmark(const Nanobenchmark &benchmark, const QString &technique,
                                  const Assembler &assembler, const TechniqueRegistry &techniques,
                                  const CostPresets &presets, const QString &presetId)
{
    NanobenchmarkRun run;
    run.technique = technique;
    const auto fewer = runOnce(benchmark, technique, kFewerIterations, assembler, techniques,
                               presets, presetId, run.problem);
    if (!fewer)
        return run;
    const auto more = runOnce(benchmark, technique, kMoreIterations, assembler, techniques, presets,
                              presetId, run.problem);
    if (!more)
        return run;
    const double operations =
        static_cast<double>(kMoreIterations - kFewerIterations) * benchmark.operationsPerIteration;
    run.ran = true;
    run.cycles = perOperation(more->cycles, fewer->cycles, operations);
    run.instructions = perOperation(more->instructions, fewer->instructions, operations);
    for (std::size_t k = 0; k < kEventKindCount; ++k) {
        run.events[k] = perOperation(more->events[k], fewer->events[k], operations);
        run.eventCycles[k] = perOperation(more->eventCycles[k], fewer->eventCycles[k], operations);
    }
    return run;
}

namespace {

// Whether the run shows what the paper's cycles pay for: an event per operation (a fault, an
// exit, a callout, a device access...), unless the paper's cost is that of ordinary
// instructions. A run without one models only the flat instruction cost.
NanobenchmarkCell cellFor(const Nanobenchmark &benchmark, std::size_t paperIndex,
                          NanobenchmarkRun run)
{
    NanobenchmarkCell cell;
    const char *missing =
        paperIndex < kPaperTechniqueCount ? benchmark.missing[paperIndex] : nullptr;
    if (paperIndex < kPaperTechniqueCount)
        cell.paper = benchmark.paper[paperIndex];
    if (!run.ran) {
        cell.notModelled = missing ? tr(missing) : run.problem;
    } else if (paperIndex < kPaperTechniqueCount && benchmark.plainInstructions[paperIndex]) {
        cell.modelled = true;
    } else if (run.allEventCycles() > 0) {
        cell.modelled = true;
    } else {
        cell.modelled = paperIndex >= kPaperTechniqueCount; // no paper value to model
        if (!cell.modelled)
            cell.notModelled = missing ? tr(missing)
                                       : tr("no event happens: only the instruction cost is "
                                            "charged");
    }
    cell.run = std::move(run);
    return cell;
}

} // namespace

NanobenchmarkTable runAdamsAgesen(const Assembler &assembler, const TechniqueRegistry &techniques,
                                  const CostPresets &presets, const QString &presetId)
{
    NanobenchmarkTable table;
    table.presetId = presetId;
    const CostPreset *preset = presets.find(presetId);
    if (!preset)
        throw OptionError(tr("unknown cost preset \"%1\"").arg(presetId));
    table.presetTitle = preset->title;
    QStringList order;
    for (const QString &id : paperTechniques()) {
        if (techniques.contains(id))
            order << id;
    }
    for (const TechniqueInfo &info : techniques.techniques()) {
        if (!order.contains(info.id))
            order << info.id;
    }
    for (const Nanobenchmark &benchmark : adamsAgesenNanobenchmarks()) {
        NanobenchmarkRow row;
        row.benchmark = &benchmark;
        for (const QString &technique : order) {
            const auto paper =
                std::find(paperTechniques().begin(), paperTechniques().end(), technique);
            const auto paperIndex =
                static_cast<std::size_t>(std::distance(paperTechniques().begin(), paper));
            row.cells.push_back(cellFor(
                benchmark, paperIndex,
                runNanobenchmark(benchmark, technique, assembler, techniques, presets, presetId)));
        }
        table.rows.push_back(std::move(row));
    }
    return table;
}

namespace {

QString cyclesText(double cycles)
{
    const QLocale english(QLocale::English);
    if (cycles < 100 && std::abs(cycles - std::round(cycles)) >= 0.05)
        return english.toString(cycles, 'f', 1);
    return english.toString(static_cast<qlonglong>(std::llround(cycles)));
}

QString paperText(const PaperCycles &paper)
{
    return (paper.printed ? QString() : QStringLiteral("≈")) + cyclesText(paper.cycles);
}

// "1 vm_exit, 1 io" for the events that happen once or more per operation.
QString eventsText(const NanobenchmarkRun &run)
{
    QStringList parts;
    for (std::size_t k = 0; k < kEventKindCount; ++k) {
        if (run.events[k] < 0.005)
            continue;
        parts << QStringLiteral("%1 %2").arg(
            QLocale(QLocale::English).toString(run.events[k], 'g', 3),
            QLatin1String(eventKindName(static_cast<EventKind>(k))));
    }
    return parts.isEmpty() ? tr("none") : parts.join(QLatin1String(", "));
}

QString workbenchText(const NanobenchmarkCell &cell)
{
    if (!cell.modelled)
        return tr("not modelled");
    QString text = cyclesText(cell.run.cycles);
    if (cell.paper) {
        text += QStringLiteral(" (%1)").arg(QString::number(cell.ratio(), 'f', 2));
        if (!cell.withinTolerance())
            text += tr(", outside 25 %");
    }
    return text;
}

} // namespace

QString adamsAgesenMarkdown(const NanobenchmarkTable &table)
{
    QString out;
    QTextStream stream(&out);
    stream << tr("## Adams and Agesen 2006, Figure 4, next to the workbench") << "\n\n";
    stream << tr("Cycles per operation, smaller is better. Paper: Pentium 4 672, VMware Player "
                 "1.0.1 (K. Adams and O. Agesen, \"A Comparison of Software and Hardware "
                 "Techniques for x86 Virtualization\", ASPLOS 2006); ≈ marks values read from "
                 "the figure rather than printed. Workbench: cost preset %1 (%2), the hardware "
                 "VMM without EPT and with CR8 exiting off, as the paper's. In brackets the "
                 "ratio to the paper; the aim is within 25 %.")
                  .arg(table.presetId, table.presetTitle)
           << "\n\n";
    stream << "| " << tr("benchmark") << " | " << tr("native (paper)") << " | "
           << tr("native (workbench)") << " | " << tr("binary translation (paper)") << " | "
           << tr("binary translation (workbench)") << " | " << tr("hardware-assisted (paper)")
           << " | " << tr("hardware-assisted (workbench)") << " |\n";
    stream << "| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n";
    for (const NanobenchmarkRow &row : table.rows) {
        stream << "| " << tr(row.benchmark->title);
        for (std::size_t i = 0; i < kPaperTechniqueCount && i < row.cells.size(); ++i) {
            const NanobenchmarkCell &cell = row.cells[i];
            stream << " | " << (cell.paper ? paperText(*cell.paper) : QString()) << " | "
                   << workbenchText(cell);
        }
        stream << " |\n";
    }
    stream << "\n" << tr("### What happens per operation in the workbench") << "\n\n";
    stream << "| " << tr("benchmark") << " | " << tr("technique") << " | " << tr("cycles") << " | "
           << tr("instructions") << " | " << tr("events") << " |\n";
    stream << "| --- | --- | ---: | ---: | --- |\n";
    for (const NanobenchmarkRow &row : table.rows) {
        for (const NanobenchmarkCell &cell : row.cells) {
            stream << "| " << tr(row.benchmark->title) << " | " << cell.run.technique << " | ";
            if (cell.run.ran) {
                stream << cyclesText(cell.run.cycles) << " | " << cyclesText(cell.run.instructions)
                       << " | " << eventsText(cell.run);
            } else {
                stream << "| | " << tr("did not run: %1").arg(cell.run.problem);
            }
            stream << " |\n";
        }
    }
    QStringList missing;
    for (const NanobenchmarkRow &row : table.rows) {
        for (const NanobenchmarkCell &cell : row.cells) {
            if (cell.paper && !cell.modelled) {
                missing << QStringLiteral("- %1, %2: %3")
                               .arg(tr(row.benchmark->title), cell.run.technique,
                                    tr("not modelled: needs %1").arg(cell.notModelled));
            }
        }
    }
    if (!missing.isEmpty()) {
        stream << "\n"
               << tr("### Not modelled") << "\n\n"
               << missing.join(QLatin1Char('\n')) << "\n";
    }
    return out;
}

QJsonObject adamsAgesenJson(const NanobenchmarkTable &table)
{
    QJsonArray rows;
    for (const NanobenchmarkRow &row : table.rows) {
        QJsonObject techniques;
        for (const NanobenchmarkCell &cell : row.cells) {
            QJsonObject entry;
            entry.insert(QStringLiteral("ran"), cell.run.ran);
            if (!cell.run.ran)
                entry.insert(QStringLiteral("problem"), cell.run.problem);
            entry.insert(QStringLiteral("cycles"), cell.run.cycles);
            entry.insert(QStringLiteral("instructions"), cell.run.instructions);
            QJsonObject events;
            for (std::size_t k = 0; k < kEventKindCount; ++k) {
                if (cell.run.events[k] != 0) {
                    events.insert(QLatin1String(eventKindName(static_cast<EventKind>(k))),
                                  cell.run.events[k]);
                }
            }
            entry.insert(QStringLiteral("events"), events);
            if (cell.paper) {
                entry.insert(QStringLiteral("paper"), cell.paper->cycles);
                entry.insert(QStringLiteral("paperSource"), cell.paper->printed
                                                                ? QStringLiteral("text")
                                                                : QStringLiteral("figure"));
                entry.insert(QStringLiteral("modelled"), cell.modelled);
                if (cell.modelled) {
                    entry.insert(QStringLiteral("ratio"), cell.ratio());
                    entry.insert(QStringLiteral("withinTolerance"), cell.withinTolerance());
                } else {
                    entry.insert(QStringLiteral("notModelled"), cell.notModelled);
                }
            }
            techniques.insert(cell.run.technique, entry);
        }
        QJsonObject object;
        object.insert(QStringLiteral("id"), row.benchmark->id);
        object.insert(QStringLiteral("file"), row.benchmark->fileName);
        object.insert(QStringLiteral("operation"), tr(row.benchmark->operation));
        object.insert(QStringLiteral("operationsPerIteration"),
                      row.benchmark->operationsPerIteration);
        object.insert(QStringLiteral("techniques"), techniques);
        rows.append(object);
    }
    QJsonObject root;
    root.insert(QStringLiteral("table"), QStringLiteral("adams-agesen"));
    root.insert(QStringLiteral("costPreset"), table.presetId);
    root.insert(QStringLiteral("tolerance"), NanobenchmarkCell::kTolerance);
    root.insert(QStringLiteral("benchmarks"), rows);
    return root;
}

} // namespace vmwb
