#include "run/Compare.h"

#include "assembler/Assembler.h"
#include "bt/TranslationCache.h"
#include "core/Hex.h"
#include "hw/Rflags.h"
#include "pv/Paravirtualizer.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QTextStream>
#include <algorithm>
#include <cstring>
#include <limits>
#include <memory>

namespace vmwb {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("vmwb::Compare", text);
}

constexpr std::uint64_t kPageSize = 4096;
constexpr std::uint64_t kLargestChunk = 1ULL << 20;

// The general registers in encoding order, as Register::Rax + i names them.
constexpr std::array<const char *, 16> kGeneralNames{
    "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
    "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15",
};

struct FlagBit
{
    std::uint64_t bit;
    const char *name;
};
constexpr std::array<FlagBit, 9> kGuestFlags{{
    {rflags::kCF, "rflags.cf"},
    {rflags::kPF, "rflags.pf"},
    {rflags::kAF, "rflags.af"},
    {rflags::kZF, "rflags.zf"},
    {rflags::kSF, "rflags.sf"},
    {rflags::kTF, "rflags.tf"},
    {rflags::kIF, "rflags.if"},
    {rflags::kDF, "rflags.df"},
    {rflags::kOF, "rflags.of"},
}};

// RFLAGS as the guest can know it: the real CPU's status, trap and direction flags, with IF
// and IOPL as the guest believes them (a deprivileging monitor keeps those in the virtual CPU).
std::uint64_t guestRflags(const Session &session, const VirtualCpu &view)
{
    std::uint64_t flags =
        session.machine().cpu().rflags() & (rflags::kStatusFlags | rflags::kTF | rflags::kDF);
    flags = rflags::withBit(flags, rflags::kIF, view.interruptFlag);
    return rflags::withIopl(flags, view.iopl);
}

// One page of guest memory as the guest reads it: a binary translator's patches show the
// bytes the guest wrote, as the translator's read hook shows them to the guest itself.
void readGuestPage(const Session &session, std::uint64_t page, std::uint8_t *out)
{
    std::memcpy(out, session.machine().memory().host(page, kPageSize), kPageSize);
    const TranslationCache *cache = session.technique().translationCache();
    if (!cache)
        return;
    for (std::uint64_t neighbour : {page - kPageSize, page}) {
        const TranslatedPage *translated = cache->page(neighbour);
        if (!translated || !translated->valid)
            continue;
        for (const auto &[address, patch] : translated->patches) {
            for (std::uint8_t i = 0; i < patch.length; ++i) {
                const std::uint64_t byte = address + i;
                if (byte >= page && byte < page + kPageSize)
                    out[byte - page] = patch.original[i];
            }
        }
    }
}

// Whether two sessions' views of a page differ (fast when the bytes are simply equal).
bool pageDiffers(const Session &native, const Session &other, std::uint64_t page)
{
    const std::uint8_t *a = native.machine().memory().host(page, kPageSize);
    const std::uint8_t *b = other.machine().memory().host(page, kPageSize);
    if (std::memcmp(a, b, kPageSize) == 0)
        return false;
    if (!other.technique().translationCache())
        return true;
    std::array<std::uint8_t, kPageSize> seen{};
    readGuestPage(other, page, seen.data());
    return std::memcmp(a, seen.data(), kPageSize) != 0;
}

std::vector<std::uint64_t> differingPages(const Session &native, const Session &other)
{
    std::vector<std::uint64_t> pages;
    const std::size_t size =
        std::min(native.machine().memory().guestSize(), other.machine().memory().guestSize());
    for (std::uint64_t page = 0; page + kPageSize <= size; page += kPageSize) {
        if (pageDiffers(native, other, page))
            pages.push_back(page);
    }
    return pages;
}

struct Difference
{
    QString what;
    QString nativeValue;
    QString otherValue;
};

QString flagText(bool set)
{
    return set ? QStringLiteral("1") : QStringLiteral("0");
}

QString statusText(const Session &session)
{
    return QLatin1String(runStatusName(session.status()));
}

// The first difference in what the guest can see, or nothing. Memory is compared in `pages`.
std::optional<Difference> stateDifference(const Session &native, const Session &other,
                                          const std::vector<std::uint64_t> &pages)
{
    if (native.status() != other.status())
        return Difference{QStringLiteral("status"), statusText(native), statusText(other)};
    const auto delivered = [](const Session &s) {
        return s.trace().count(EventKind::InterruptDelivered);
    };
    if (delivered(native) != delivered(other)) {
        return Difference{QStringLiteral("interrupts delivered"),
                          QString::number(delivered(native)), QString::number(delivered(other))};
    }
    const UnicornCpu &a = native.machine().cpu();
    const UnicornCpu &b = other.machine().cpu();
    if (a.rip() != b.rip())
        return Difference{QStringLiteral("rip"), hex(a.rip()), hex(b.rip())};
    for (std::size_t i = 0; i < kGeneralNames.size(); ++i) {
        const auto reg = static_cast<Register>(static_cast<int>(Register::Rax) + int(i));
        if (a.read(reg) != b.read(reg))
            return Difference{QLatin1String(kGeneralNames[i]), hex(a.read(reg)), hex(b.read(reg))};
    }
    const VirtualCpu viewA = native.guestView();
    const VirtualCpu viewB = other.guestView();
    const std::uint64_t flagsA = guestRflags(native, viewA);
    const std::uint64_t flagsB = guestRflags(other, viewB);
    for (const FlagBit &flag : kGuestFlags) {
        if ((flagsA & flag.bit) != (flagsB & flag.bit)) {
            return Difference{QLatin1String(flag.name), flagText(flagsA & flag.bit),
                              flagText(flagsB & flag.bit)};
        }
    }
    if (rflags::iopl(flagsA) != rflags::iopl(flagsB)) {
        return Difference{QStringLiteral("rflags.iopl"), QString::number(rflags::iopl(flagsA)),
                          QString::number(rflags::iopl(flagsB))};
    }
    const std::array<std::tuple<const char *, std::uint64_t, std::uint64_t>, 6> system{{
        {"cpl", viewA.cpl, viewB.cpl},
        {"cr0", viewA.cr0, viewB.cr0},
        {"cr3", viewA.cr3, viewB.cr3},
        {"cr4", viewA.cr4, viewB.cr4},
        {"idtr.base", viewA.idtr.base, viewB.idtr.base},
        {"idtr.limit", viewA.idtr.limit, viewB.idtr.limit},
    }};
    for (const auto &[name, x, y] : system) {
        if (x != y)
            return Difference{QLatin1String(name), hex(x), hex(y)};
    }
    if (native.ports().console() != other.ports().console()) {
        return Difference{QStringLiteral("console"),
                          QString::fromLatin1(native.ports().console().right(40)),
                          QString::fromLatin1(other.ports().console().right(40))};
    }
    std::array<std::uint8_t, kPageSize> x{};
    std::array<std::uint8_t, kPageSize> y{};
    for (std::uint64_t page : pages) {
        if (!pageDiffers(native, other, page))
            continue;
        readGuestPage(native, page, x.data());
        readGuestPage(other, page, y.data());
        std::size_t at = 0;
        while (at < kPageSize && x[at] == y[at])
            ++at;
        const std::size_t qword = at & ~std::size_t{7};
        std::uint64_t u = 0;
        std::uint64_t v = 0;
        std::memcpy(&u, x.data() + qword, 8);
        std::memcpy(&v, y.data() + qword, 8);
        return Difference{tr("memory %1").arg(hex(page + qword)), hex(u), hex(v)};
    }
    return std::nullopt;
}

std::vector<std::uint64_t> allPages(const Session &session)
{
    std::vector<std::uint64_t> pages;
    for (std::uint64_t page = 0; page + kPageSize <= session.machine().memory().guestSize();
         page += kPageSize)
        pages.push_back(page);
    return pages;
}

bool ended(const Session &session)
{
    return session.status() != RunStatus::Running;
}

// A run goes on in slices of this many instructions, so that cancelling takes effect soon.
constexpr std::uint64_t kSlice = 1ULL << 22;

void checkCancelled(const CompareOptions &options)
{
    if (options.cancel && options.cancel->load(std::memory_order_relaxed))
        throw CompareCancelled();
}

// Runs `session` until `instructions` have retired in all (or it ends).
void runTo(Session &session, std::uint64_t instructions, const CompareOptions &options)
{
    while (!ended(session) && session.instructions() < instructions) {
        checkCancelled(options);
        session.runFor(std::min(instructions - session.instructions(), kSlice));
        if (session.lastPause() == Session::Pause::None)
            break;
    }
}

void runToEnd(Session &session, const CompareOptions &options)
{
    runTo(session, std::numeric_limits<std::uint64_t>::max(), options);
}

// Why the state differs, in the lecture's words: the event the technique recorded for the
// instruction that made the difference, or the latest one that explains it.
QString explain(const Session &other, const Divergence &divergence, std::uint64_t before,
                std::uint64_t after)
{
    const std::vector<Event> &events = other.trace().events();
    const auto findLast = [&](auto &&accept) -> const Event * {
        for (auto it = events.rbegin(); it != events.rend(); ++it) {
            if (accept(*it))
                return &*it;
        }
        return nullptr;
    };
    const auto atStep = [&](EventKind kind) {
        return findLast([&](const Event &e) {
            return e.kind == kind && e.index >= before && e.index <= after;
        });
    };
    if (const Event *hole = atStep(EventKind::Hole))
        return hole->cause;
    if (divergence.what == QLatin1String("interrupts delivered")) {
        const Event *pending = findLast([&](const Event &e) {
            return (e.kind == EventKind::InterruptPending || e.kind == EventKind::InterruptLost) &&
                   e.index <= after;
        });
        const Event *hole =
            findLast([&](const Event &e) { return e.kind == EventKind::Hole && e.index <= after; });
        QString text = tr("Native execution delivered an interrupt here; under %1 it did not.")
                           .arg(other.technique().info().id);
        if (pending)
            text += QLatin1Char(' ') + pending->cause;
        if (hole) {
            text += QLatin1Char(' ') + tr("The cause lies earlier, at line %1 (%2): %3")
                                           .arg(hole->line)
                                           .arg(hole->instruction, hole->cause);
        }
        return text;
    }
    for (EventKind kind : {EventKind::Trap, EventKind::Callout, EventKind::VmExit,
                           EventKind::Hypercall, EventKind::GuestFault}) {
        if (const Event *event = atStep(kind)) {
            return tr("The monitor handled %1 (%2), and afterwards %3 differs from native "
                      "execution: %4")
                .arg(event->instruction, QLatin1String(eventKindName(kind)), divergence.what,
                     event->cause);
        }
    }
    return tr("After %1, %2 is %3 natively but %4 under %5.")
        .arg(divergence.instruction, divergence.what, divergence.nativeValue,
             divergence.techniqueValue, other.technique().info().id);
}

class Runner
{
public:
    Runner(const CompareOptions &options, const TechniqueRegistry &registry,
           const CostPresets &presets)
        : m_options(options), m_registry(registry), m_presets(presets)
    {}

    std::unique_ptr<Session> start(const AssembledProgram &program, const QString &technique) const
    {
        SessionOptions options = m_options.session;
        options.technique = technique;
        if (technique != QLatin1String("hardware-assisted")) {
            options.vmcsControls.clear();
            options.vmcsFields.clear();
        }
        return std::make_unique<Session>(program, options, m_registry, m_presets);
    }

    // Lockstep: the first instruction after which `technique` differs from native, if any.
    std::optional<Divergence> lockstep(const AssembledProgram &program, const QString &technique)
    {
        auto native = start(program, QStringLiteral("native"));
        auto other = start(program, technique);
        std::uint64_t equalUpTo = 0;
        std::uint64_t chunk = std::max<std::uint64_t>(1, m_options.lockstepChunk);
        for (;;) {
            const std::uint64_t target = equalUpTo + chunk;
            runTo(*native, target, m_options);
            runTo(*other, target, m_options);
            const std::vector<std::uint64_t> pages = differingPages(*native, *other);
            std::optional<Difference> difference = stateDifference(*native, *other, pages);
            if (!difference && native->instructions() != other->instructions()) {
                difference =
                    Difference{tr("instructions retired"), QString::number(native->instructions()),
                               QString::number(other->instructions())};
            }
            if (!difference) {
                if (ended(*native) && ended(*other))
                    return std::nullopt;
                equalUpTo = native->instructions();
                chunk = std::min(chunk * 2, kLargestChunk);
                continue;
            }
            return locate(program, technique, equalUpTo, target, pages);
        }
    }

private:
    // Replays both runs to `from` (where they were equal) and steps them one instruction at a
    // time up to `to` until they differ.
    Divergence locate(const AssembledProgram &program, const QString &technique, std::uint64_t from,
                      std::uint64_t to, std::vector<std::uint64_t> pages)
    {
        auto native = start(program, QStringLiteral("native"));
        auto other = start(program, technique);
        runTo(*native, from, m_options);
        runTo(*other, from, m_options);
        if (pages.empty())
            pages = allPages(*native);
        for (std::uint64_t steps = 0;; ++steps) {
            if (steps % 4096 == 0)
                checkCancelled(m_options);
            const std::uint64_t rip = native->machine().cpu().rip();
            const std::uint64_t before = native->instructions();
            const bool bothEnded = ended(*native) && ended(*other);
            if (!ended(*native))
                native->runFor(1);
            if (!ended(*other))
                other->runFor(1);
            std::optional<Difference> difference = stateDifference(*native, *other, pages);
            if (!difference && native->instructions() != other->instructions()) {
                difference =
                    Difference{tr("instructions retired"), QString::number(native->instructions()),
                               QString::number(other->instructions())};
            }
            if (!difference && (bothEnded || native->instructions() >= to)) {
                // The difference seen at the end of the chunk did not show up step by step
                // (memory that differed and became equal again): report where it was seen.
                difference = stateDifference(*native, *other, allPages(*native));
                if (!difference)
                    difference = Difference{tr("state"), QString(), QString()};
            }
            if (difference) {
                Divergence divergence;
                divergence.index = native->instructions();
                divergence.rip = rip;
                divergence.line = program.lineAt(rip);
                divergence.instruction = native->monitor().instructionText(rip);
                divergence.what = difference->what;
                divergence.nativeValue = difference->nativeValue;
                divergence.techniqueValue = difference->otherValue;
                divergence.explanation =
                    explain(*other, divergence, before, std::max(before, other->instructions()));
                return divergence;
            }
        }
    }

    const CompareOptions &m_options;
    const TechniqueRegistry &m_registry;
    const CostPresets &m_presets;
};

TechniqueRun summarize(const Session &session)
{
    TechniqueRun run;
    run.technique = session.technique().info().id;
    run.title = QCoreApplication::translate("vmwb::Technique", session.technique().info().title);
    run.status = session.status();
    run.statusMessage = session.statusMessage();
    if (session.status() == RunStatus::Exited && session.ports().exitCode())
        run.exitCode = *session.ports().exitCode();
    run.console = session.ports().console();
    run.instructions = session.instructions();
    for (std::size_t i = 0; i < kEventKindCount; ++i) {
        const auto kind = static_cast<EventKind>(i);
        run.counts[i] = session.trace().count(kind);
        run.eventCycles[i] = session.trace().cycles(kind);
    }
    run.instructionCycles = session.instructions() * session.costs()[Cost::Instruction];
    run.cycles = session.modelledCycles();
    return run;
}

// Paravirtualization runs another program: compare what the guest did to the outside world.
std::optional<Divergence> compareOutputs(const TechniqueRun &native, const TechniqueRun &other)
{
    Divergence divergence;
    if (native.console != other.console) {
        qsizetype at = 0;
        while (at < native.console.size() && at < other.console.size() &&
               native.console[at] == other.console[at])
            ++at;
        divergence.what = tr("console byte %1").arg(at);
        divergence.nativeValue = QString::fromLatin1(native.console.mid(at, 20));
        divergence.techniqueValue = QString::fromLatin1(other.console.mid(at, 20));
        divergence.explanation =
            tr("The paravirtual guest printed \"%1\" where native execution printed \"%2\".")
                .arg(divergence.techniqueValue, divergence.nativeValue);
        return divergence;
    }
    if (native.status != other.status || native.exitCode != other.exitCode) {
        divergence.what = tr("exit");
        const auto text = [](const TechniqueRun &run) {
            return run.exitCode >= 0 ? QStringLiteral("%1 %2")
                                           .arg(QLatin1String(runStatusName(run.status)))
                                           .arg(run.exitCode)
                                     : QLatin1String(runStatusName(run.status));
        };
        divergence.nativeValue = text(native);
        divergence.techniqueValue = text(other);
        divergence.explanation =
            tr("The paravirtual guest ended %1; native execution ended %2. %3")
                .arg(divergence.techniqueValue, divergence.nativeValue, other.statusMessage);
        return divergence;
    }
    return std::nullopt;
}

QJsonObject runJson(const TechniqueRun &run)
{
    QJsonObject json;
    json.insert(QStringLiteral("technique"), run.technique);
    json.insert(QStringLiteral("title"), run.title);
    json.insert(QStringLiteral("compared_by"), run.comparedBy);
    if (!run.problem.isEmpty())
        json.insert(QStringLiteral("problem"), run.problem);
    if (run.comparedBy != QLatin1String("baseline")) {
        json.insert(QStringLiteral("equivalent"), run.equivalent());
        if (run.divergence) {
            const Divergence &d = *run.divergence;
            json.insert(QStringLiteral("divergence"),
                        QJsonObject{{QStringLiteral("index"), static_cast<qint64>(d.index)},
                                    {QStringLiteral("rip"), hex(d.rip)},
                                    {QStringLiteral("line"), d.line},
                                    {QStringLiteral("instruction"), d.instruction},
                                    {QStringLiteral("what"), d.what},
                                    {QStringLiteral("native"), d.nativeValue},
                                    {QStringLiteral("technique"), d.techniqueValue},
                                    {QStringLiteral("explanation"), d.explanation}});
        } else {
            json.insert(QStringLiteral("divergence"), QJsonValue());
        }
    }
    if (run.comparedBy == QLatin1String("none"))
        return json;
    json.insert(QStringLiteral("status"), QLatin1String(runStatusName(run.status)));
    json.insert(QStringLiteral("exit_code"),
                run.exitCode >= 0 ? QJsonValue(run.exitCode) : QJsonValue());
    json.insert(QStringLiteral("instructions"), static_cast<qint64>(run.instructions));
    json.insert(QStringLiteral("traps"), static_cast<qint64>(run.count(EventKind::Trap)));
    json.insert(QStringLiteral("hypercalls"), static_cast<qint64>(run.count(EventKind::Hypercall)));
    json.insert(QStringLiteral("callouts"), static_cast<qint64>(run.count(EventKind::Callout)));
    json.insert(QStringLiteral("vm_exits"), static_cast<qint64>(run.count(EventKind::VmExit)));
    json.insert(QStringLiteral("holes"), static_cast<qint64>(run.count(EventKind::Hole)));
    QJsonObject events;
    QJsonObject cycles;
    cycles.insert(QStringLiteral("instructions"), static_cast<qint64>(run.instructionCycles));
    for (std::size_t i = 0; i < kEventKindCount; ++i) {
        const auto kind = static_cast<EventKind>(i);
        if (run.counts[i] == 0)
            continue;
        events.insert(QLatin1String(eventKindName(kind)), static_cast<qint64>(run.counts[i]));
        cycles.insert(QLatin1String(eventKindName(kind)), static_cast<qint64>(run.eventCycles[i]));
    }
    json.insert(QStringLiteral("events"), events);
    json.insert(QStringLiteral("cycles_by_kind"), cycles);
    json.insert(QStringLiteral("modelled_cycles"), static_cast<qint64>(run.cycles));
    json.insert(QStringLiteral("overhead"), run.overhead);
    return json;
}

QString resultText(const TechniqueRun &run)
{
    if (run.comparedBy == QLatin1String("baseline"))
        return tr("baseline");
    if (run.comparedBy == QLatin1String("none"))
        return tr("not run");
    if (!run.divergence)
        return run.comparedBy == QLatin1String("output") ? tr("equivalent (outputs)")
                                                         : tr("equivalent");
    if (run.divergence->line > 0)
        return tr("diverges at line %1").arg(run.divergence->line);
    return tr("diverges: %1").arg(run.divergence->what);
}

} // namespace

Comparison compareTechniques(const QString &source, const QString &fileName,
                             const AssembledProgram &program, const CompareOptions &options,
                             const Assembler &assembler, const TechniqueRegistry &techniques,
                             const CostPresets &presets)
{
    if (!presets.find(options.session.costPreset))
        throw OptionError(tr("unknown cost preset \"%1\"").arg(options.session.costPreset));
    QStringList ids = options.techniques;
    if (ids.isEmpty()) {
        for (const TechniqueInfo &info : techniques.techniques()) {
            if (info.virtualized)
                ids.append(info.id);
        }
    }
    for (const QString &id : ids) {
        if (!techniques.contains(id))
            throw OptionError(tr("unknown technique \"%1\"").arg(id));
    }

    Comparison comparison;
    comparison.file = fileName;
    comparison.costPreset = options.session.costPreset;
    Runner runner(options, techniques, presets);

    auto native = runner.start(program, QStringLiteral("native"));
    runToEnd(*native, options);
    comparison.native = summarize(*native);
    comparison.native.comparedBy = QStringLiteral("baseline");

    for (const QString &id : ids) {
        if (id == QLatin1String("native"))
            continue;
        TechniqueRun run;
        if (id == QLatin1String("paravirtual")) {
            const ParavirtualizeResult rewritten = paravirtualize(source);
            if (!rewritten.ok()) {
                const RewriteRefusal &refusal = rewritten.refusals.front();
                run.technique = id;
                run.comparedBy = QStringLiteral("none");
                run.problem = tr("the snippet cannot be paravirtualized: line %1 (%2): %3")
                                  .arg(refusal.line)
                                  .arg(refusal.text.trimmed(), refusal.why);
            } else {
                AssemblerResult assembled = assembler.assemble(rewritten.source, fileName);
                if (!assembled.ok()) {
                    run.technique = id;
                    run.comparedBy = QStringLiteral("none");
                    run.problem = tr("the paravirtual form does not assemble: %1")
                                      .arg(assembled.errors.front().toString());
                } else {
                    auto session = runner.start(*assembled.program, id);
                    runToEnd(*session, options);
                    run = summarize(*session);
                    run.comparedBy = QStringLiteral("output");
                    run.divergence = compareOutputs(comparison.native, run);
                }
            }
        } else {
            auto session = runner.start(program, id);
            runToEnd(*session, options);
            run = summarize(*session);
            run.comparedBy = QStringLiteral("instruction");
            run.divergence = runner.lockstep(program, id);
        }
        if (run.title.isEmpty()) {
            for (const TechniqueInfo &info : techniques.techniques()) {
                if (info.id == id)
                    run.title = QCoreApplication::translate("vmwb::Technique", info.title);
            }
        }
        run.overhead =
            comparison.native.cycles ? double(run.cycles) / double(comparison.native.cycles) : 1.0;
        comparison.techniques.push_back(std::move(run));
    }
    return comparison;
}

QJsonObject comparisonJson(const Comparison &comparison)
{
    QJsonArray runs;
    for (const TechniqueRun &run : comparison.techniques)
        runs.append(runJson(run));
    return QJsonObject{{QStringLiteral("file"), comparison.file},
                       {QStringLiteral("cost_preset"), comparison.costPreset},
                       {QStringLiteral("native"), runJson(comparison.native)},
                       {QStringLiteral("techniques"), runs}};
}

QString comparisonText(const Comparison &comparison)
{
    QString text;
    QTextStream out(&text);
    out << tr("%1 under every technique, compared with native execution (cost preset %2)\n\n")
               .arg(comparison.file, comparison.costPreset);
    const QStringList headers{tr("technique"),  tr("result"),   tr("instructions"), tr("traps"),
                              tr("hypercalls"), tr("callouts"), tr("VM exits"),     tr("holes"),
                              tr("cycles"),     tr("overhead")};
    std::vector<QStringList> rows;
    std::vector<const TechniqueRun *> all{&comparison.native};
    for (const TechniqueRun &run : comparison.techniques)
        all.push_back(&run);
    for (const TechniqueRun *run : all) {
        if (run->comparedBy == QLatin1String("none")) {
            rows.push_back({run->technique, resultText(*run)});
            continue;
        }
        rows.push_back({run->technique, resultText(*run), QString::number(run->instructions),
                        QString::number(run->count(EventKind::Trap)),
                        QString::number(run->count(EventKind::Hypercall)),
                        QString::number(run->count(EventKind::Callout)),
                        QString::number(run->count(EventKind::VmExit)),
                        QString::number(run->count(EventKind::Hole)), QString::number(run->cycles),
                        QStringLiteral("%1x").arg(run->overhead, 0, 'f', 2)});
    }
    std::vector<qsizetype> widths;
    for (const QString &header : headers)
        widths.push_back(header.size());
    for (const QStringList &row : rows) {
        for (qsizetype i = 0; i < row.size(); ++i)
            widths[std::size_t(i)] = std::max(widths[std::size_t(i)], row[i].size());
    }
    const auto line = [&](const QStringList &cells) {
        for (qsizetype i = 0; i < cells.size(); ++i) {
            const int width = int(widths[std::size_t(i)]);
            out << (i < 2 ? cells[i].leftJustified(width) : cells[i].rightJustified(width));
            out << (i + 1 < cells.size() ? QStringLiteral("  ") : QStringLiteral("\n"));
        }
    };
    line(headers);
    for (const QStringList &row : rows)
        line(row);
    for (const TechniqueRun &run : comparison.techniques) {
        if (!run.problem.isEmpty())
            out << "\n" << run.technique << ": " << run.problem << "\n";
        if (!run.divergence)
            continue;
        const Divergence &d = *run.divergence;
        out << "\n" << run.technique << ": ";
        if (run.comparedBy == QLatin1String("instruction")) {
            out << tr("first difference after instruction %1, line %2 (%3 at %4)\n")
                       .arg(d.index)
                       .arg(d.line)
                       .arg(d.instruction, hex(d.rip));
        } else {
            out << tr("its outputs differ\n");
        }
        out << "  "
            << tr("%1: native %2, %3 %4\n")
                   .arg(d.what, d.nativeValue, run.technique, d.techniqueValue);
        out << "  " << d.explanation << "\n";
    }
    return text;
}

} // namespace vmwb
