#pragma once

// Adams and Agesen's seven virtualization nanobenchmarks (ASPLOS 2006, Figure 4), shipped as
// guest snippets in exercises/benchmarks/, and the table that sets the paper's cycles next to
// the workbench's. Each snippet is a loop of one operation (a system call, an IN, a CR8 write,
// a call/ret pair, a page fault, a division by zero, a page-table write). The workbench's
// cycles per operation come from running the snippet: the events each technique records and
// their costs in the preset, never from a number per benchmark. They are measured as the
// difference between two runs with different iteration counts, so that the setup and the exit
// drop out.

#include "trace/Event.h"

#include <QJsonObject>
#include <QString>
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

namespace vmwb {

class Assembler;
class CostPresets;
class TechniqueRegistry;

// A number of Figure 4: printed in the paper's text, or read from the figure's bars (about
// 1 % error; see the published-numbers notes).
struct PaperCycles
{
    double cycles = 0;
    bool printed = true;
};

// The paper's three columns: native, the software VMM (binary translation) and the hardware
// VMM (VT-x on the Pentium 4 672).
inline constexpr std::size_t kPaperTechniqueCount = 3;
// Their technique ids, in the paper's order.
const std::array<QString, kPaperTechniqueCount> &paperTechniques();

struct Nanobenchmark
{
    QString id;            // "syscall", "in", "cr8wr", "callret", "pgfault", "divzero", "ptemod"
    QString fileName;      // in exercises/benchmarks/
    const char *title;     // QT_TRANSLATE_NOOP("vmwb::Nanobenchmarks", ...)
    const char *operation; // what one operation is, QT_TRANSLATE_NOOP
    int operationsPerIteration = 1; // the snippet's loop makes this many operations per turn
    std::array<PaperCycles, kPaperTechniqueCount> paper;
    // The paper's cost is that of ordinary instructions (ptemod natively: one store), so no
    // event is needed for the workbench to model it.
    std::array<bool, kPaperTechniqueCount> plainInstructions{};
    // What the workbench lacks where the technique's cost is not modelled, QT_TRANSLATE_NOOP;
    // nullptr where nothing is known to be missing. Used only when the run shows it.
    std::array<const char *, kPaperTechniqueCount> missing{};
};

// The seven, in Figure 4's order.
const std::vector<Nanobenchmark> &adamsAgesenNanobenchmarks();
const Nanobenchmark *findNanobenchmark(const QString &id);
// The snippet's source, compiled into the engine (empty if missing).
QString nanobenchmarkSource(const Nanobenchmark &benchmark);

// How the paper's hardware VMM was set up, as VMCS controls over the workbench's defaults: the
// Pentium 4 672 has no EPT (so the monitor shadows the page tables and intercepts #PF, see
// HardwareAssisted::start()), and CR8 writes "never exit" (the paper's monitor used the TPR
// shadow, which the workbench's VMCS lacks; turning CR8-load and CR8-store exiting off does
// the same here).
std::map<QString, bool> adamsAgesenVmcsControls();

// One benchmark run under one technique: cycles and events per operation.
struct NanobenchmarkRun
{
    QString technique;
    bool ran = false;        // both runs reached the guest's exit with exit code 0
    QString problem;         // why not: assembly, paravirtualization, the guest's fault
    double cycles = 0;       // modelled cycles per operation
    double instructions = 0; // guest instructions retired per operation
    std::array<double, kEventKindCount> events{};      // events per operation, by kind
    std::array<double, kEventKindCount> eventCycles{}; // their cycles per operation

    double count(EventKind kind) const { return events[static_cast<std::size_t>(kind)]; }
    double cyclesOf(EventKind kind) const { return eventCycles[static_cast<std::size_t>(kind)]; }
    double allEventCycles() const;
};

// Runs `benchmark` under `technique` with the cost preset `presetId`; the paravirtual
// technique runs the snippet's paravirtual form. Throws OptionError for an unknown technique
// or preset.
NanobenchmarkRun runNanobenchmark(const Nanobenchmark &benchmark, const QString &technique,
                                  const Assembler &assembler, const TechniqueRegistry &techniques,
                                  const CostPresets &presets, const QString &presetId);

// One cell of the table: a benchmark under a technique.
struct NanobenchmarkCell
{
    NanobenchmarkRun run;
    std::optional<PaperCycles> paper; // for the paper's three techniques
    bool modelled = false;            // the run shows the mechanism the paper's cycles pay for
    QString notModelled;              // why not, when !modelled

    static constexpr double kTolerance = 0.25;
    double ratio() const { return paper && paper->cycles > 0 ? run.cycles / paper->cycles : 0; }
    bool withinTolerance() const
    {
        return modelled && paper && ratio() >= 1 - kTolerance && ratio() <= 1 + kTolerance;
    }
};

struct NanobenchmarkRow
{
    const Nanobenchmark *benchmark = nullptr;
    // The paper's three techniques first (paperTechniques()), then the registry's others.
    std::vector<NanobenchmarkCell> cells;
};

struct NanobenchmarkTable
{
    QString presetId;
    QString presetTitle;
    std::vector<NanobenchmarkRow> rows;
};

// Runs all seven under every technique of the registry.
NanobenchmarkTable runAdamsAgesen(const Assembler &assembler, const TechniqueRegistry &techniques,
                                  const CostPresets &presets, const QString &presetId);

// Figure 4 next to the workbench, as Markdown.
QString adamsAgesenMarkdown(const NanobenchmarkTable &table);
// The same as stable JSON, with the events per operation of every technique.
QJsonObject adamsAgesenJson(const NanobenchmarkTable &table);

} // namespace vmwb
