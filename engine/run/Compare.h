#pragma once

// Equivalence with native execution (Popek and Goldberg 1974): one snippet run under native
// execution and under every technique of the registry, side by side, with the first guest
// instruction after which what the guest can see differs, the events each technique needed and
// what they cost in the model.
//
// Techniques that run the snippet as it is (trap-and-emulate, binary translation, hardware-
// assisted) are compared with native in lockstep, one guest instruction at a time: RIP, the
// general registers, RFLAGS as the guest sees it (the virtual IF and IOPL where the monitor
// keeps them), guest memory as the guest reads it (a translator's patches show their
// originals) and the interrupts delivered. Paravirtualization runs a different program, the
// snippet rewritten by the paravirtualizer, so instruction-by-instruction lockstep means
// nothing there; it is compared by what the guest does to the outside world: the console
// bytes, the interrupts delivered and the exit code (Popek and Goldberg's equivalence leaves
// timing out, so an interrupt arriving a few instructions later is no difference).

#include "run/Session.h"
#include "trace/Event.h"

#include <QJsonObject>
#include <QString>
#include <QStringList>
#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <vector>

namespace vmwb {

class Assembler;

struct CompareOptions
{
    SessionOptions session;             // its technique is ignored
    QStringList techniques;             // empty: every technique of the registry but native
    std::uint64_t lockstepChunk = 4096; // guest instructions run between full comparisons
    // Set from another thread to give up soon (compareTechniques() then throws
    // CompareCancelled); nullptr: run to the end.
    std::shared_ptr<std::atomic<bool>> cancel;
};

// Thrown by compareTechniques() when its options' cancel flag was set.
class CompareCancelled : public std::runtime_error
{
public:
    CompareCancelled() : std::runtime_error("the comparison was cancelled") {}
};

// The first difference between a technique's run and native's.
struct Divergence
{
    std::uint64_t index = 0; // guest instructions retired when the difference appeared
    std::uint64_t rip = 0;   // the instruction after which it appeared (native's RIP)
    int line = 0;            // its source line in the snippet, 0 if unknown
    QString instruction;     // Intel syntax
    QString what;            // "rflags.if", "rax", "memory 0x1008", "rip", "console", ...
    QString nativeValue;
    QString techniqueValue;
    QString explanation; // in the lecture's words
};

// One technique's run (or native's).
struct TechniqueRun
{
    QString technique; // the registry's id
    QString title;
    // How it was compared: "instruction" (lockstep), "output" (a different program: console,
    // interrupts and exit code), "baseline" (native itself) or "none" (could not run).
    QString comparedBy;
    QString problem; // why it could not run (e.g. the paravirtualizer refused a line)
    std::optional<Divergence> divergence; // nothing: equivalent
    RunStatus status = RunStatus::Running;
    QString statusMessage;
    int exitCode = -1; // -1: the guest did not write one
    QByteArray console;
    std::uint64_t instructions = 0;
    std::array<std::uint64_t, kEventKindCount> counts{};
    std::array<std::uint64_t, kEventKindCount> eventCycles{};
    std::uint64_t instructionCycles = 0; // instructions x the preset's instruction cost
    std::uint64_t cycles = 0;            // instructionCycles + the events' cycles
    double overhead = 1.0;               // cycles / native's cycles

    std::uint64_t count(EventKind kind) const { return counts[static_cast<std::size_t>(kind)]; }
    std::uint64_t cyclesOf(EventKind kind) const
    {
        return eventCycles[static_cast<std::size_t>(kind)];
    }
    bool equivalent() const { return comparedBy != QLatin1String("none") && !divergence; }
};

struct Comparison
{
    QString file;
    QString costPreset;
    TechniqueRun native;
    std::vector<TechniqueRun> techniques; // in the registry's order
};

// Runs `source` (assembled as `fileName`) natively and under each technique and compares.
// Throws OptionError for an unknown technique or preset; an assembly error of the snippet is
// the caller's to report first (the native run needs `program`).
Comparison compareTechniques(const QString &source, const QString &fileName,
                             const AssembledProgram &program, const CompareOptions &options,
                             const Assembler &assembler, const TechniqueRegistry &techniques,
                             const CostPresets &presets);

// The stable JSON of a comparison (for graders and tests).
QJsonObject comparisonJson(const Comparison &comparison);
// The readable table with each technique's first divergence, for the terminal.
QString comparisonText(const Comparison &comparison);

} // namespace vmwb
