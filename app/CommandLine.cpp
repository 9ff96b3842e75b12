#include "CommandLine.h"

#include "assembler/Assembler.h"
#include "bench/Bench.h"
#include "machine/UnicornCpu.h"
#include "pv/Paravirtualizer.h"
#include "rss/Capture.h"
#include "rss/Scenario.h"
#include "rss/Simulation.h"
#include "rss/Toeplitz.h"
#include "rss/Traffic.h"
#include "run/Compare.h"
#include "run/Nanobenchmarks.h"
#include "run/Report.h"
#include "run/Session.h"
#include "trace/CostModel.h"
#include "vmm/Technique.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>
#include <QTextStream>
#include <algorithm>
#include <exception>
#include <numeric>
#include <optional>

namespace vmwb::app {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("vmwb::CommandLine", text);
}

QTextStream &out()
{
    static QTextStream stream(stdout);
    return stream;
}

// Messages go out at once and unbuffered, in order with anything else on the terminal.
class ErrorStream
{
public:
    template <typename T>
    ErrorStream &operator<<(const T &value)
    {
        m_stream << value;
        m_stream.flush();
        return *this;
    }

private:
    QTextStream m_stream{stderr};
};

ErrorStream &err()
{
    static ErrorStream stream;
    return stream;
}

QString usage()
{
    return tr("Usage:\n"
              "  vmm-workbench                         open the workbench window\n"
              "  vmm-workbench run FILE.asm [options]  run a guest snippet without a window\n"
              "  vmm-workbench paravirtualize FILE.asm rewrite a snippet for the paravirtual "
              "technique\n"
              "  vmm-workbench compare FILE.asm        compare every technique with native "
              "execution\n"
              "  vmm-workbench compare --table adams-agesen  the paper's nanobenchmarks next to "
              "the workbench's\n"
              "  vmm-workbench rss hash --src IP --dst IP [--sport N --dport N]  the RSS "
              "(Toeplitz) hash of a flow\n"
              "  vmm-workbench rss simulate [--scenario FILE.json] [--queues N] [--mode "
              "single|rss|rps]  flows over cores\n"
              "  vmm-workbench bench [--json]          measure the engine on this machine\n"
              "  vmm-workbench techniques [--json]     list techniques and cost presets\n"
              "Run 'vmm-workbench COMMAND --help' for a command's options.\n"
              "Exit codes: 0 done, 2 bad input, 3 internal error.\n");
}

// Parses a whole number for `option`; reports and returns nothing when it is not one.
std::optional<std::uint64_t> number(const QCommandLineParser &parser, const QString &option)
{
    bool ok = false;
    const QString text = parser.value(option);
    const qulonglong value = text.toULongLong(&ok, 0);
    if (!ok) {
        err() << tr("error: --%1 expects a whole number of 0 or more, got \"%2\"").arg(option, text)
              << "\n";
        return std::nullopt;
    }
    return value;
}

void printJson(const QJsonObject &object)
{
    out() << QJsonDocument(object).toJson(QJsonDocument::Indented);
    out().flush();
}

// Parses a command's options. Returns the exit code to return at once (an error reported with
// the usage, or the help printed), or nothing when the command goes on.
std::optional<int> parseOptions(QCommandLineParser &parser, const QStringList &arguments)
{
    if (!parser.parse(arguments)) {
        err() << tr("error: %1").arg(parser.errorText()) << "\n" << usage();
        return kBadInput;
    }
    if (parser.isSet(QStringLiteral("help"))) {
        out() << parser.helpText();
        return kOk;
    }
    return std::nullopt;
}

// The snippet file of `command FILE.asm [options]`, or the exit code to return at once (help
// printed, or an error reported with the usage).
struct ParsedSnippetCommand
{
    std::optional<QString> path;
    int exitCode = kOk;
};

ParsedSnippetCommand parseSnippetCommand(QCommandLineParser &parser, const QStringList &arguments,
                                         const QString &command)
{
    if (const auto done = parseOptions(parser, arguments))
        return {std::nullopt, *done};
    const QStringList positional = parser.positionalArguments();
    if (positional.size() != 2) {
        err() << tr("error: %1 needs exactly one snippet file").arg(command) << "\n" << usage();
        return {std::nullopt, kBadInput};
    }
    return {positional.at(1), kOk};
}

// The options of a guest run that `run` and `compare` share.
void addSessionOptions(QCommandLineParser &parser)
{
    const QString defaults = tr("default: %1");
    parser.addOption({QStringLiteral("timer-period"),
                      tr("guest instructions between timer interrupts, 0 = off (%1); the guest "
                         "can also program the timer itself")
                          .arg(defaults.arg(0)),
                      QStringLiteral("N"), QStringLiteral("0")});
    parser.addOption({QStringLiteral("max-instructions"),
                      tr("the instruction budget (%1)")
                          .arg(defaults.arg(SessionOptions::kDefaultMaxInstructions)),
                      QStringLiteral("N"),
                      QString::number(SessionOptions::kDefaultMaxInstructions)});
    parser.addOption({QStringLiteral("cost-preset"),
                      tr("the cost model (%1)").arg(defaults.arg(CostPresets::defaultId())),
                      QStringLiteral("NAME"), CostPresets::defaultId()});
    parser.addOption({QStringLiteral("events"),
                      tr("how many events to keep in the report (%1)")
                          .arg(defaults.arg(Trace::kDefaultStorageLimit)),
                      QStringLiteral("N"), QString::number(Trace::kDefaultStorageLimit)});
    parser.addOption({QStringLiteral("vmcs-control"),
                      tr("hardware-assisted only: turn a VM-execution control on or off, e.g. "
                         "hlt-exiting=off (repeatable; see the VMCS pane for the names)"),
                      QStringLiteral("NAME=on|off")});
    parser.addOption({QStringLiteral("vmcs-field"),
                      tr("hardware-assisted only: write a VMCS field by the SDM's name, e.g. "
                         "EXCEPTION_BITMAP=0x4001 (repeatable)"),
                      QStringLiteral("NAME=VALUE")});
    parser.addOption({QStringLiteral("json"), tr("print one JSON object")});
}

// Reads the options addSessionOptions() added; reports a bad value and returns false.
bool readSessionOptions(const QCommandLineParser &parser, SessionOptions &options)
{
    options.costPreset = parser.value(QStringLiteral("cost-preset"));
    const auto timer = number(parser, QStringLiteral("timer-period"));
    const auto budget = number(parser, QStringLiteral("max-instructions"));
    const auto events = number(parser, QStringLiteral("events"));
    if (!timer || !budget || !events)
        return false;
    options.timerPeriod = *timer;
    options.maxInstructions = *budget;
    options.eventLimit = *events;
    for (const QString &setting : parser.values(QStringLiteral("vmcs-control"))) {
        const QString name = setting.section(QLatin1Char('='), 0, 0).trimmed();
        const QString value = setting.section(QLatin1Char('='), 1).trimmed().toLower();
        const bool on = value == QLatin1String("on") || value == QLatin1String("1");
        const bool off = value == QLatin1String("off") || value == QLatin1String("0");
        if (name.isEmpty() || (!on && !off)) {
            err() << tr("error: --vmcs-control wants NAME=on or NAME=off, not \"%1\"").arg(setting)
                  << "\n";
            return false;
        }
        options.vmcsControls[name] = on;
    }
    for (const QString &setting : parser.values(QStringLiteral("vmcs-field"))) {
        const QString name = setting.section(QLatin1Char('='), 0, 0).trimmed().toUpper();
        const QString text = setting.section(QLatin1Char('='), 1).trimmed();
        bool ok = false;
        const std::uint64_t value = text.toULongLong(&ok, 0);
        if (name.isEmpty() || !ok) {
            err() << tr("error: --vmcs-field wants NAME=VALUE (a number, 0x... for hex), not "
                        "\"%1\"")
                         .arg(setting)
                  << "\n";
            return false;
        }
        options.vmcsFields[name] = value;
    }
    return true;
}

// Reads a snippet as `run` does; reports a file that cannot be read, naming it.
std::optional<QString> readSnippet(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        err() << tr("error: cannot read %1: %2").arg(path, file.errorString()) << "\n";
        return std::nullopt;
    }
    return QString::fromUtf8(file.readAll());
}

// Assembles `source` (read from `path`), printing its warnings; reports its errors, naming the
// file and line, and returns nothing.
std::optional<AssembledProgram> assembleSnippet(const Assembler &assembler, const QString &source,
                                                const QString &path)
{
    AssemblerResult assembled = assembler.assemble(source, path);
    if (!assembled.ok()) {
        for (const AssemblerDiagnostic &diagnostic : assembled.errors)
            err() << diagnostic.toString() << "\n";
        return std::nullopt;
    }
    for (const AssemblerDiagnostic &warning : assembled.program->warnings)
        err() << warning.toString() << "\n";
    return std::move(*assembled.program);
}

int runSnippet(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(tr("Runs a guest snippet headless and prints what happened."));
    parser.addHelpOption();
    parser.addPositionalArgument(QStringLiteral("run"), tr("the command"));
    parser.addPositionalArgument(QStringLiteral("FILE.asm"), tr("the NASM x86-64 snippet"));
    parser.addOption({QStringLiteral("technique"),
                      tr("native, trap-and-emulate, paravirtual, ... (see techniques; %1)")
                          .arg(tr("default: %1").arg(QStringLiteral("native"))),
                      QStringLiteral("NAME"), QStringLiteral("native")});
    addSessionOptions(parser);
    const auto parsed = parseSnippetCommand(parser, arguments, QStringLiteral("run"));
    if (!parsed.path)
        return parsed.exitCode;
    SessionOptions options;
    options.technique = parser.value(QStringLiteral("technique"));
    if (!readSessionOptions(parser, options))
        return kBadInput;

    const auto source = readSnippet(*parsed.path);
    if (!source)
        return kBadInput;
    const Assembler assembler;
    std::optional<AssembledProgram> program = assembleSnippet(assembler, *source, *parsed.path);
    if (!program)
        return kBadInput;
    const CostPresets presets;
    Session session(std::move(*program), options, TechniqueRegistry::builtIn(), presets);
    session.run();
    if (parser.isSet(QStringLiteral("json")))
        printJson(reportJson(session));
    else
        out() << reportText(session);
    return kOk;
}

QJsonObject paravirtualizeJson(const QString &file, const ParavirtualizeResult &result,
                               const QString &diff)
{
    QJsonArray changes;
    for (const RewriteChange &change : result.changes) {
        changes.append(QJsonObject{
            {QStringLiteral("line"), change.line},
            {QStringLiteral("original"), change.original},
            {QStringLiteral("replaced"), QJsonArray::fromStringList(change.replaced)},
            {QStringLiteral("explanation"), change.explanation},
        });
    }
    QJsonArray refusals;
    for (const RewriteRefusal &refusal : result.refusals) {
        refusals.append(QJsonObject{{QStringLiteral("line"), refusal.line},
                                    {QStringLiteral("text"), refusal.text},
                                    {QStringLiteral("reason"), refusal.why}});
    }
    return {{QStringLiteral("file"), file},
            {QStringLiteral("ok"), result.ok()},
            {QStringLiteral("source"), result.ok() ? QJsonValue(result.source) : QJsonValue()},
            {QStringLiteral("diff"), result.ok() ? QJsonValue(diff) : QJsonValue()},
            {QStringLiteral("changes"), changes},
            {QStringLiteral("refusals"), refusals}};
}

// paravirtualize FILE.asm: the paravirtual form of a native snippet (xen.inc's macros instead
// of sensitive instructions) and the unified diff from the original.
int paravirtualizeSnippet(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        tr("Rewrites a native snippet into its paravirtual form, as Xen asked of Linux: prints "
           "the new source, then a unified diff against the original. Lines it cannot rewrite "
           "are reported as FILE:LINE: error: REASON, and nothing else is printed."));
    parser.addHelpOption();
    parser.addPositionalArgument(QStringLiteral("paravirtualize"), tr("the command"));
    parser.addPositionalArgument(QStringLiteral("FILE.asm"), tr("the NASM x86-64 snippet"));
    parser.addOption({QStringLiteral("output"),
                      tr("write the paravirtual source to this file instead of printing it"),
                      QStringLiteral("OUT.asm")});
    parser.addOption({QStringLiteral("diff-only"), tr("print only the unified diff")});
    parser.addOption({QStringLiteral("json"), tr("print one JSON object")});
    const auto parsed = parseSnippetCommand(parser, arguments, QStringLiteral("paravirtualize"));
    if (!parsed.path)
        return parsed.exitCode;
    const QString path = *parsed.path;
    const auto source = readSnippet(path);
    if (!source)
        return kBadInput;
    // A snippet that does not assemble is reported as run reports it, before any rewriting.
    const Assembler assembler;
    const QString name = QFileInfo(path).fileName();
    if (const AssemblerResult original = assembler.assemble(*source, path); !original.ok()) {
        for (const AssemblerDiagnostic &diagnostic : original.errors)
            err() << diagnostic.toString() << "\n";
        return kBadInput;
    }

    const ParavirtualizeResult result = paravirtualize(*source);
    const QString output = parser.value(QStringLiteral("output"));
    const QString afterName =
        output.isEmpty() ? QFileInfo(path).completeBaseName() + QStringLiteral(".pv.asm") : output;
    const QString diff =
        result.ok() ? unifiedDiff(*source, result.source, path, afterName) : QString();
    for (const RewriteRefusal &refusal : result.refusals) {
        err() << tr("%1:%2: error: cannot paravirtualize \"%3\": %4")
                     .arg(path)
                     .arg(refusal.line)
                     .arg(refusal.text.trimmed(), refusal.why)
              << "\n";
    }
    if (!result.ok()) {
        if (parser.isSet(QStringLiteral("json")))
            printJson(paravirtualizeJson(path, result, diff));
        return kBadInput;
    }
    // The rewrite must assemble; if it does not, that is the rewriter's fault.
    if (const AssemblerResult rewritten = assembler.assemble(result.source, afterName);
        !rewritten.ok()) {
        for (const AssemblerDiagnostic &diagnostic : rewritten.errors)
            err() << diagnostic.toString() << "\n";
        err() << tr("internal error: the paravirtual form of %1 does not assemble").arg(name)
              << "\n";
        return kInternalError;
    }
    if (!output.isEmpty()) {
        QSaveFile file(output);
        if (!file.open(QIODevice::WriteOnly) || file.write(result.source.toUtf8()) < 0 ||
            !file.commit()) {
            err() << tr("error: cannot write %1: %2").arg(output, file.errorString()) << "\n";
            return kBadInput;
        }
    }
    if (parser.isSet(QStringLiteral("json"))) {
        printJson(paravirtualizeJson(path, result, diff));
        return kOk;
    }
    if (output.isEmpty() && !parser.isSet(QStringLiteral("diff-only")))
        out() << result.source << (result.source.endsWith(QLatin1Char('\n')) ? "" : "\n") << "\n";
    out() << diff;
    out().flush();
    return kOk;
}

// compare --table adams-agesen: Figure 4 of Adams and Agesen next to the workbench's cycles.
int compareTable(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        tr("Runs Adams and Agesen's seven nanobenchmarks (exercises/benchmarks/) under every "
           "technique and prints the modelled cycles per operation next to the paper's Figure "
           "4, as Markdown."));
    parser.addHelpOption();
    parser.addPositionalArgument(QStringLiteral("compare"), tr("the command"));
    parser.addOption(
        {QStringLiteral("table"), tr("the published table: adams-agesen"), QStringLiteral("NAME")});
    parser.addOption({QStringLiteral("cost-preset"),
                      tr("the cost model (default: %1)").arg(CostPresets::defaultId()),
                      QStringLiteral("NAME"), CostPresets::defaultId()});
    parser.addOption({QStringLiteral("json"), tr("print one JSON object")});
    if (const auto done = parseOptions(parser, arguments))
        return *done;
    if (parser.value(QStringLiteral("table")) != QLatin1String("adams-agesen")) {
        err() << tr("error: unknown table \"%1\"; the one published table is adams-agesen")
                     .arg(parser.value(QStringLiteral("table")))
              << "\n";
        return kBadInput;
    }
    if (parser.positionalArguments().size() != 1) {
        err() << tr("error: compare --table takes no snippet file") << "\n";
        return kBadInput;
    }
    const Assembler assembler;
    const CostPresets presets;
    const NanobenchmarkTable table =
        runAdamsAgesen(assembler, TechniqueRegistry::builtIn(), presets,
                       parser.value(QStringLiteral("cost-preset")));
    if (parser.isSet(QStringLiteral("json")))
        printJson(adamsAgesenJson(table));
    else
        out() << adamsAgesenMarkdown(table);
    return kOk;
}

// compare FILE.asm: the snippet under every technique, in lockstep with native execution.
int compareSnippet(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        tr("Runs a snippet natively and under every technique, and reports for each the first "
           "guest instruction after which what the guest can see differs from native execution "
           "(Popek and Goldberg's equivalence), with the events and modelled cycles each "
           "technique needed."));
    parser.addHelpOption();
    parser.addPositionalArgument(QStringLiteral("compare"), tr("the command"));
    parser.addPositionalArgument(QStringLiteral("FILE.asm"), tr("the NASM x86-64 snippet"));
    parser.addOption({QStringLiteral("technique"),
                      tr("compare only this technique (repeatable; default: every technique)"),
                      QStringLiteral("NAME")});
    parser.addOption({QStringLiteral("table"),
                      tr("instead of a snippet, the published table adams-agesen (Figure 4 of "
                         "Adams and Agesen 2006 next to the workbench, as Markdown)"),
                      QStringLiteral("NAME")});
    addSessionOptions(parser);
    for (const QString &argument : arguments) {
        if (argument == QLatin1String("--table") || argument.startsWith(QLatin1String("--table=")))
            return compareTable(arguments);
    }
    const auto parsed = parseSnippetCommand(parser, arguments, QStringLiteral("compare"));
    if (!parsed.path)
        return parsed.exitCode;
    CompareOptions options;
    options.techniques = parser.values(QStringLiteral("technique"));
    if (!readSessionOptions(parser, options.session))
        return kBadInput;
    const QString path = *parsed.path;
    const auto source = readSnippet(path);
    if (!source)
        return kBadInput;
    const Assembler assembler;
    const std::optional<AssembledProgram> program = assembleSnippet(assembler, *source, path);
    if (!program)
        return kBadInput;
    const CostPresets presets;
    const Comparison comparison = compareTechniques(*source, path, *program, options, assembler,
                                                    TechniqueRegistry::builtIn(), presets);
    if (parser.isSet(QStringLiteral("json")))
        printJson(comparisonJson(comparison));
    else
        out() << comparisonText(comparison);
    return kOk;
}

// rss hash --src IP --dst IP [--sport N --dport N]: the Toeplitz hash of one flow and where
// receive-side scaling sends it.
int rssHash(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        tr("Computes the receive-side scaling (Toeplitz) hash of one flow as Microsoft "
           "specifies it, its bucket in the indirection table (RETA) and the queue."));
    parser.addHelpOption();
    parser.addPositionalArgument(QStringLiteral("rss"), tr("the command"));
    parser.addPositionalArgument(QStringLiteral("hash"), tr("the subcommand"));
    parser.addOption(
        {QStringLiteral("src"), tr("the source address, IPv4 or IPv6"), QStringLiteral("IP")});
    parser.addOption({QStringLiteral("dst"), tr("the destination address"), QStringLiteral("IP")});
    parser.addOption(
        {QStringLiteral("sport"), tr("the source port (TCP or UDP)"), QStringLiteral("N")});
    parser.addOption({QStringLiteral("dport"), tr("the destination port"), QStringLiteral("N")});
    parser.addOption({QStringLiteral("key"),
                      tr("microsoft (the verification suite's 40 bytes, the default), symmetric "
                         "(0x6d5a repeated: both directions of a flow hash alike) or the key in "
                         "hex"),
                      QStringLiteral("KEY"), QStringLiteral("microsoft")});
    parser.addOption({QStringLiteral("reta-size"),
                      tr("entries in the indirection table (default: 128)"), QStringLiteral("N"),
                      QStringLiteral("128")});
    parser.addOption({QStringLiteral("queues"),
                      tr("receive queues, the table filled round-robin (default: 4)"),
                      QStringLiteral("N"), QStringLiteral("4")});
    parser.addOption({QStringLiteral("json"), tr("print one JSON object")});
    if (const auto done = parseOptions(parser, arguments))
        return *done;
    if (parser.positionalArguments().size() != 2) {
        err() << tr("error: rss hash takes no file or other argument") << "\n";
        return kBadInput;
    }
    std::optional<rss::ParsedAddress> addresses[2];
    const QString names[2] = {QStringLiteral("src"), QStringLiteral("dst")};
    for (int i = 0; i < 2; ++i) {
        if (!parser.isSet(names[i])) {
            err() << tr("error: rss hash needs --%1").arg(names[i]) << "\n";
            return kBadInput;
        }
        addresses[i] = rss::parseAddress(parser.value(names[i]));
        if (!addresses[i]) {
            err() << tr("error: --%1: \"%2\" is not an IPv4 or IPv6 address")
                         .arg(names[i], parser.value(names[i]))
                  << "\n";
            return kBadInput;
        }
    }
    if (addresses[0]->ipv6 != addresses[1]->ipv6) {
        err() << tr("error: --src and --dst must both be IPv4 or both IPv6") << "\n";
        return kBadInput;
    }
    rss::FlowTuple flow;
    flow.ipv6 = addresses[0]->ipv6;
    flow.source = addresses[0]->bytes;
    flow.destination = addresses[1]->bytes;
    const bool sport = parser.isSet(QStringLiteral("sport"));
    const bool dport = parser.isSet(QStringLiteral("dport"));
    if (sport != dport) {
        err() << tr("error: give both --sport and --dport, or neither") << "\n";
        return kBadInput;
    }
    if (sport) {
        const auto source = number(parser, QStringLiteral("sport"));
        const auto destination = number(parser, QStringLiteral("dport"));
        if (!source || !destination)
            return kBadInput;
        if (*source > 0xFFFF || *destination > 0xFFFF) {
            err() << tr("error: --sport and --dport are 0 to 65535") << "\n";
            return kBadInput;
        }
        flow.sourcePort = static_cast<std::uint16_t>(*source);
        flow.destinationPort = static_cast<std::uint16_t>(*destination);
    }
    const QString keyText = parser.value(QStringLiteral("key"));
    const auto namedKey = rss::keyFromText(keyText);
    if (!namedKey) {
        err() << tr("error: --key: \"%1\" is neither microsoft, symmetric, symmetric-52 nor "
                    "whole bytes of hex")
                     .arg(keyText)
              << "\n";
        return kBadInput;
    }
    const std::vector<std::uint8_t> &key = namedKey->bytes;
    const std::vector<std::uint8_t> input = rss::hashInput(flow);
    if (input.size() > rss::maxInputLength(key)) {
        err() << tr("error: --key: %1 bytes hash inputs of up to %2 bytes, this one has %3")
                     .arg(key.size())
                     .arg(rss::maxInputLength(key))
                     .arg(input.size())
              << "\n";
        return kBadInput;
    }
    const auto retaSize = number(parser, QStringLiteral("reta-size"));
    const auto queues = number(parser, QStringLiteral("queues"));
    if (!retaSize || !queues)
        return kBadInput;
    if (*retaSize < 1 || *retaSize > 4096 || *queues < 1 || *queues > 64) {
        err() << tr("error: --reta-size is 1 to 4096 and --queues 1 to 64") << "\n";
        return kBadInput;
    }
    const std::uint32_t hash = rss::hashBitSerial(key, input);
    const std::size_t bucket = rss::retaBucket(hash, *retaSize);
    const std::size_t queue = bucket % *queues; // the table filled round-robin
    QString inputHex;
    for (std::uint8_t byte : input)
        inputHex += QStringLiteral("%1").arg(byte, 2, 16, QLatin1Char('0'));
    const QString layout = flow.ipv6
                               ? (sport ? QStringLiteral("ipv6-tcp-udp") : QStringLiteral("ipv6"))
                               : (sport ? QStringLiteral("ipv4-tcp-udp") : QStringLiteral("ipv4"));
    if (parser.isSet(QStringLiteral("json"))) {
        printJson(
            {{QStringLiteral("hash"), QStringLiteral("0x%1").arg(hash, 8, 16, QLatin1Char('0'))},
             {QStringLiteral("input"), inputHex},
             {QStringLiteral("layout"), layout},
             {QStringLiteral("key_bytes"), static_cast<qint64>(key.size())},
             {QStringLiteral("reta_size"), static_cast<qint64>(*retaSize)},
             {QStringLiteral("bucket"), static_cast<qint64>(bucket)},
             {QStringLiteral("queues"), static_cast<qint64>(*queues)},
             {QStringLiteral("queue"), static_cast<qint64>(queue)}});
        return kOk;
    }
    out() << tr("input (%1, %2 bytes): %3\n").arg(layout).arg(input.size()).arg(inputHex);
    out() << tr("key: %1 (%2 bytes)\n").arg(keyText).arg(key.size());
    out() << tr("hash: 0x%1\n").arg(hash, 8, 16, QLatin1Char('0'));
    out() << tr("RETA bucket: %1 of %2 (the hash modulo the table's size)\n")
                 .arg(bucket)
                 .arg(*retaSize);
    out() << tr("queue: %1 of %2 (the table filled round-robin)\n").arg(queue).arg(*queues);
    return kOk;
}

// Reads --scenario (or the default demo) and applies the overrides on the command line.
std::optional<rss::Scenario> readRssScenario(const QCommandLineParser &parser)
{
    rss::Scenario scenario;
    try {
        if (parser.isSet(QStringLiteral("scenario")))
            scenario = rss::loadScenario(parser.value(QStringLiteral("scenario")));
        if (parser.isSet(QStringLiteral("mode"))) {
            const auto mode = rss::steeringModeFromName(parser.value(QStringLiteral("mode")));
            if (!mode) {
                err() << tr("error: --mode: \"%1\" is not single, rss or rps")
                             .arg(parser.value(QStringLiteral("mode")))
                      << "\n";
                return std::nullopt;
            }
            scenario.mode = *mode;
        }
        for (const QString &option : {QStringLiteral("queues"), QStringLiteral("cores")}) {
            if (!parser.isSet(option))
                continue;
            const auto value = number(parser, option);
            if (!value)
                return std::nullopt;
            if (*value < 1 || *value > 64) {
                err() << tr("error: --%1 is 1 to 64").arg(option) << "\n";
                return std::nullopt;
            }
            if (option == QLatin1String("queues"))
                scenario.nic.queues = static_cast<int>(*value);
            else
                scenario.cores.count = static_cast<int>(*value);
            // A table or affinity written for other counts no longer fits: start from the
            // defaults (round-robin, queue q on core q mod cores).
            if (!scenario.nic.reta.empty() || !scenario.nic.queueCores.empty())
                err() << tr("note: --%1 replaces the scenario's RETA and queue affinity with the "
                            "defaults")
                             .arg(option)
                      << "\n";
            scenario.nic.reta.clear();
            scenario.nic.queueCores.clear();
        }
        if (parser.isSet(QStringLiteral("key"))) {
            const QString text = parser.value(QStringLiteral("key"));
            const auto key = rss::keyFromText(text);
            if (!key) {
                err() << tr("error: --key: \"%1\" is neither microsoft, symmetric, symmetric-52 "
                            "nor whole bytes of hex")
                             .arg(text)
                      << "\n";
                return std::nullopt;
            }
            scenario.nic.key = key->bytes;
            scenario.nic.keyName = key->name;
        }
        if (parser.isSet(QStringLiteral("duration-ms"))) {
            const auto value = number(parser, QStringLiteral("duration-ms"));
            if (!value)
                return std::nullopt;
            if (*value < 1 || *value > 600'000) {
                err() << tr("error: --duration-ms is 1 to 600000") << "\n";
                return std::nullopt;
            }
            scenario.durationNs = *value * 1'000'000;
            scenario.sampleNs = std::min(scenario.sampleNs, scenario.durationNs);
        }
        if (parser.isSet(QStringLiteral("seed"))) {
            const auto value = number(parser, QStringLiteral("seed"));
            if (!value)
                return std::nullopt;
            scenario.seed = *value;
        }
        rss::validateScenario(scenario, parser.value(QStringLiteral("scenario")));
    } catch (const rss::ScenarioError &error) {
        err() << tr("error: %1").arg(QString::fromStdString(error.what())) << "\n";
        return std::nullopt;
    }
    return scenario;
}

void addRssScenarioOptions(QCommandLineParser &parser)
{
    parser.addOption({QStringLiteral("scenario"),
                      tr("the scenario (JSON: NIC, cores, traffic); default: 1,000 Zipf flows "
                         "at 4 Mpps over 8 queues and 8 cores"),
                      QStringLiteral("FILE.json")});
    parser.addOption(
        {QStringLiteral("mode"), tr("single (one queue), rss or rps"), QStringLiteral("MODE")});
    parser.addOption(
        {QStringLiteral("queues"), tr("receive queues, 1 to 64"), QStringLiteral("N")});
    parser.addOption({QStringLiteral("cores"), tr("cores, 1 to 64"), QStringLiteral("N")});
    parser.addOption({QStringLiteral("key"), tr("microsoft, symmetric or the key in hex"),
                      QStringLiteral("KEY")});
    parser.addOption(
        {QStringLiteral("duration-ms"), tr("simulated time in milliseconds"), QStringLiteral("N")});
    parser.addOption(
        {QStringLiteral("seed"), tr("the traffic generator's seed"), QStringLiteral("N")});
}

// Sums the samples from..to (exclusive) of one core, for the text table's rows.
std::uint64_t corePackets(const std::vector<rss::Sample> &samples, std::size_t from, std::size_t to,
                          std::size_t core)
{
    std::uint64_t packets = 0;
    for (std::size_t i = from; i < to; ++i)
        packets += samples[i].cores[core].packets;
    return packets;
}

QString simulationText(const rss::ReceiveSimulation &simulation, const QString &file)
{
    const rss::Scenario &scenario = simulation.scenario();
    const rss::Totals totals = simulation.totals();
    const std::vector<rss::Sample> &samples = simulation.samples();
    const double seconds = static_cast<double>(simulation.now()) / 1e9;
    QString text;
    QTextStream s(&text);
    s << tr("scenario: %1%2\n")
             .arg(scenario.name, file.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(file));
    const QString modeText =
        scenario.mode == rss::SteeringMode::Rss ? tr("RSS, %1 queues, RETA of %2 entries")
                                                      .arg(simulation.queueCount())
                                                      .arg(simulation.reta().size())
        : scenario.mode == rss::SteeringMode::Rps
            ? tr("RPS: one queue on core %1, software steering").arg(simulation.coreOfQueue(0))
            : tr("a single queue on core %1").arg(simulation.coreOfQueue(0));
    s << tr("mode: %1; %2 cores; %3 key\n")
             .arg(modeText)
             .arg(simulation.coreCount())
             .arg(scenario.nic.keyName);
    s << tr("simulated %1 ms: %2 packets offered (%3 Mpps), %4 processed, %5 dropped (%6 %)\n")
             .arg(seconds * 1e3, 0, 'f', 1)
             .arg(totals.offered)
             .arg(seconds > 0 ? static_cast<double>(totals.offered) / seconds / 1e6 : 0.0, 0, 'f',
                  2)
             .arg(totals.processed)
             .arg(totals.drops)
             .arg(totals.offered ? 100.0 * static_cast<double>(totals.drops) /
                                       static_cast<double>(totals.offered)
                                 : 0.0,
                  0, 'f', 1);
    s << tr("interrupts: %1; IPIs: %2; imbalance (max/mean packets per core): %3\n\n")
             .arg(totals.interrupts)
             .arg(totals.ipis)
             .arg(totals.imbalance, 0, 'f', 2);
    s << tr("core     packets   share    load  interrupts      IPIs     drops\n");
    std::vector<std::uint64_t> interrupts(totals.corePackets.size(), 0);
    std::vector<std::uint64_t> ipis(totals.corePackets.size(), 0);
    std::vector<std::uint64_t> drops(totals.corePackets.size(), 0);
    for (const rss::Sample &sample : samples) {
        for (std::size_t c = 0; c < sample.cores.size(); ++c) {
            interrupts[c] += sample.cores[c].interrupts;
            ipis[c] += sample.cores[c].ipis;
            drops[c] += sample.cores[c].drops;
        }
    }
    for (std::size_t c = 0; c < totals.corePackets.size(); ++c) {
        s << QStringLiteral("%1 %2 %3 %4 %5 %6 %7\n")
                 .arg(c, 4)
                 .arg(totals.corePackets[c], 11)
                 .arg(QStringLiteral("%1 %").arg(
                          totals.processed ? 100.0 * static_cast<double>(totals.corePackets[c]) /
                                                 static_cast<double>(totals.processed)
                                           : 0.0,
                          0, 'f', 1),
                      7)
                 .arg(QStringLiteral("%1 %").arg(
                          seconds > 0
                              ? 100.0 * static_cast<double>(totals.coreBusyNs[c]) / (seconds * 1e9)
                              : 0.0,
                          0, 'f', 0),
                      7)
                 .arg(interrupts[c], 11)
                 .arg(ipis[c], 9)
                 .arg(drops[c], 9);
    }
    // The time series, in at most 25 rows (use --csv or --json for every sample).
    const std::size_t rows = std::min<std::size_t>(samples.size(), 25);
    if (rows == 0)
        return text;
    const std::size_t perRow = (samples.size() + rows - 1) / rows;
    s << tr("\npackets per second per core, thousands (%1 ms per row; --csv for every sample)\n")
             .arg(static_cast<double>(scenario.sampleNs * perRow) / 1e6, 0, 'g', 4);
    s << QStringLiteral("%1").arg(tr("time ms"), 8);
    for (int c = 0; c < simulation.coreCount(); ++c)
        s << QStringLiteral("%1").arg(QStringLiteral("core %1").arg(c), 9);
    s << QStringLiteral("%1%2\n").arg(tr("drops"), 9).arg(tr("imbalance"), 10);
    for (std::size_t from = 0; from < samples.size(); from += perRow) {
        const std::size_t to = std::min(samples.size(), from + perRow);
        const double span =
            static_cast<double>(samples[to - 1].timeNs - (from ? samples[from - 1].timeNs : 0)) /
            1e9;
        s << QStringLiteral("%1").arg(static_cast<double>(samples[to - 1].timeNs) / 1e6, 8, 'f', 1);
        std::vector<std::uint64_t> packets;
        std::uint64_t dropped = 0;
        for (std::size_t c = 0; c < samples[from].cores.size(); ++c) {
            packets.push_back(corePackets(samples, from, to, c));
            s << QStringLiteral("%1").arg(static_cast<double>(packets.back()) / span / 1e3, 9, 'f',
                                          0);
            for (std::size_t i = from; i < to; ++i)
                dropped += samples[i].cores[c].drops;
        }
        const std::uint64_t total =
            std::accumulate(packets.begin(), packets.end(), std::uint64_t{0});
        const double imbalance =
            total ? static_cast<double>(*std::max_element(packets.begin(), packets.end())) *
                        static_cast<double>(packets.size()) / static_cast<double>(total)
                  : 0.0;
        s << QStringLiteral("%1%2\n").arg(dropped, 9).arg(imbalance, 10, 'f', 2);
    }
    return text;
}

// rss simulate [--scenario FILE.json] [--queues N] [--mode single|rss|rps] [--json|--csv]
int rssSimulate(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        tr("Simulates a NIC with receive-side scaling and the cores behind it, packet by packet, "
           "and prints the per-core time series."));
    parser.addHelpOption();
    parser.addPositionalArgument(QStringLiteral("rss"), tr("the command"));
    parser.addPositionalArgument(QStringLiteral("simulate"), tr("the subcommand"));
    addRssScenarioOptions(parser);
    parser.addOption({QStringLiteral("json"), tr("print one JSON object")});
    parser.addOption(
        {QStringLiteral("csv"), tr("print the time series as CSV, a row per sample and core")});
    if (const auto done = parseOptions(parser, arguments))
        return *done;
    if (parser.positionalArguments().size() != 2) {
        err() << tr("error: rss simulate takes its scenario with --scenario FILE.json") << "\n";
        return kBadInput;
    }
    if (parser.isSet(QStringLiteral("json")) && parser.isSet(QStringLiteral("csv"))) {
        err() << tr("error: give --json or --csv, not both") << "\n";
        return kBadInput;
    }
    const auto scenario = readRssScenario(parser);
    if (!scenario)
        return kBadInput;
    try {
        rss::ReceiveSimulation simulation(*scenario);
        simulation.run();
        if (parser.isSet(QStringLiteral("json"))) {
            printJson(rss::simulationJson(simulation));
        } else if (parser.isSet(QStringLiteral("csv"))) {
            out() << QString::fromUtf8(rss::samplesCsv(simulation));
        } else {
            out() << simulationText(simulation, parser.value(QStringLiteral("scenario")));
        }
    } catch (const rss::CaptureError &error) {
        err() << tr("error: %1").arg(QString::fromStdString(error.what())) << "\n";
        return kBadInput;
    } catch (const rss::ScenarioError &error) {
        err() << tr("error: %1").arg(QString::fromStdString(error.what())) << "\n";
        return kBadInput;
    }
    return kOk;
}

// rss capture --out FILE.pcap: the scenario's traffic as a pcap file, to look at in a capture
// viewer or to replay as a capture source.
int rssCapture(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        tr("Writes the packets a scenario's traffic generator sends as a pcap capture "
           "(Ethernet, IPv4 or IPv6, TCP or UDP headers)."));
    parser.addHelpOption();
    parser.addPositionalArgument(QStringLiteral("rss"), tr("the command"));
    parser.addPositionalArgument(QStringLiteral("capture"), tr("the subcommand"));
    addRssScenarioOptions(parser);
    parser.addOption(
        {QStringLiteral("out"), tr("the capture file to write"), QStringLiteral("FILE.pcap")});
    parser.addOption({QStringLiteral("packets"), tr("how many packets (default: 10000)"),
                      QStringLiteral("N"), QStringLiteral("10000")});
    if (const auto done = parseOptions(parser, arguments))
        return *done;
    if (!parser.isSet(QStringLiteral("out"))) {
        err() << tr("error: rss capture needs --out FILE.pcap") << "\n";
        return kBadInput;
    }
    const auto count = number(parser, QStringLiteral("packets"));
    if (!count)
        return kBadInput;
    if (*count < 1 || *count > 10'000'000) {
        err() << tr("error: --packets is 1 to 10000000") << "\n";
        return kBadInput;
    }
    const auto scenario = readRssScenario(parser);
    if (!scenario)
        return kBadInput;
    try {
        rss::TrafficGenerator traffic(*scenario);
        std::vector<rss::CapturedPacket> packets;
        rss::Arrival arrival;
        while (packets.size() < *count && traffic.next(arrival) &&
               arrival.timeNs < scenario->durationNs) {
            rss::CapturedPacket packet;
            packet.timeNs = arrival.timeNs;
            const std::size_t source = static_cast<std::size_t>(arrival.source);
            const rss::TrafficSpec &spec = scenario->traffic[source];
            if (arrival.flow >= 0) {
                packet.tuple = traffic.flows()[static_cast<std::size_t>(arrival.flow)].tuple;
            } else {
                // A SYN-flood packet: its tuple is only in the hash input.
                packet.tuple.ipv6 = spec.ipv6;
                const std::size_t bytes = spec.ipv6 ? 16 : 4;
                std::copy_n(arrival.input, bytes, packet.tuple.source.begin());
                std::copy_n(arrival.input + bytes, bytes, packet.tuple.destination.begin());
                packet.tuple.sourcePort = static_cast<std::uint16_t>(arrival.input[2 * bytes] << 8 |
                                                                     arrival.input[2 * bytes + 1]);
                packet.tuple.destinationPort = static_cast<std::uint16_t>(
                    arrival.input[2 * bytes + 2] << 8 | arrival.input[2 * bytes + 3]);
                packet.tcpSyn = true;
            }
            packet.protocol = spec.kind == rss::TrafficKind::Capture ? std::uint8_t{6}
                              : spec.udp                             ? std::uint8_t{17}
                                                                     : std::uint8_t{6};
            packet.wireLength = arrival.bytes;
            packets.push_back(packet);
        }
        rss::writeCapture(parser.value(QStringLiteral("out")), packets);
        out() << tr("wrote %1 packets of %2 flows (%3 ms) to %4\n")
                     .arg(packets.size())
                     .arg(traffic.flows().size())
                     .arg(packets.empty() ? 0.0 : static_cast<double>(packets.back().timeNs) / 1e6,
                          0, 'f', 2)
                     .arg(parser.value(QStringLiteral("out")));
    } catch (const rss::CaptureError &error) {
        err() << tr("error: %1").arg(QString::fromStdString(error.what())) << "\n";
        return kBadInput;
    }
    return kOk;
}

int rssCommand(const QStringList &arguments)
{
    if (arguments.value(2) == QLatin1String("hash"))
        return rssHash(arguments);
    if (arguments.value(2) == QLatin1String("simulate"))
        return rssSimulate(arguments);
    if (arguments.value(2) == QLatin1String("capture"))
        return rssCapture(arguments);
    if (arguments.value(2) == QLatin1String("--help") ||
        arguments.value(2) == QLatin1String("-h")) {
        out() << tr("Usage: vmm-workbench rss hash --src IP --dst IP [--sport N --dport N] "
                    "[--key microsoft|symmetric|HEX] [--reta-size N] [--queues N] [--json]\n"
                    "       vmm-workbench rss simulate [--scenario FILE.json] [--queues N] "
                    "[--cores N] [--mode single|rss|rps] [--json|--csv]\n"
                    "       vmm-workbench rss capture --out FILE.pcap [--scenario FILE.json] "
                    "[--packets N]\n");
        return kOk;
    }
    err() << tr("error: rss needs a subcommand: hash, simulate or capture") << "\n" << usage();
    return kBadInput;
}

int listTechniques(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.addHelpOption();
    parser.addOption({QStringLiteral("json"), tr("print one JSON object")});
    if (!parser.parse(arguments)) {
        err() << tr("error: %1").arg(parser.errorText()) << "\n";
        return kBadInput;
    }
    const CostPresets presets;
    const auto techniques = TechniqueRegistry::builtIn().techniques();
    if (parser.isSet(QStringLiteral("json"))) {
        QJsonArray techniqueList;
        for (const TechniqueInfo &info : techniques) {
            techniqueList.append(QJsonObject{
                {QStringLiteral("id"), info.id},
                {QStringLiteral("title"), QString::fromUtf8(info.title)},
                {QStringLiteral("guest_ring"), info.guestRing},
                {QStringLiteral("summary"), QString::fromUtf8(info.summary)},
            });
        }
        QJsonArray presetList;
        for (const CostPreset &preset : presets.all()) {
            presetList.append(QJsonObject{{QStringLiteral("id"), preset.id},
                                          {QStringLiteral("title"), preset.title},
                                          {QStringLiteral("source"), preset.source}});
        }
        printJson({{QStringLiteral("techniques"), techniqueList},
                   {QStringLiteral("cost_presets"), presetList}});
        return kOk;
    }
    out() << tr("Techniques:") << "\n";
    for (const TechniqueInfo &info : techniques) {
        out() << QStringLiteral("  %1  %2\n")
                     .arg(info.id, -18)
                     .arg(QCoreApplication::translate("vmwb::Technique", info.summary));
    }
    out() << tr("Cost presets:") << "\n";
    for (const CostPreset &preset : presets.all())
        out() << QStringLiteral("  %1  %2\n").arg(preset.id, -18).arg(preset.title);
    return kOk;
}

int runBenchmarks(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        tr("Measures the engine on this machine; every figure is a ratio measured in this run."));
    parser.addHelpOption();
    parser.addOption({QStringLiteral("json"), tr("print one JSON object")});
    parser.addOption({QStringLiteral("repetitions"),
                      tr("runs per figure; the fastest counts (default: 5)"), QStringLiteral("N"),
                      QStringLiteral("5")});
    if (!parser.parse(arguments)) {
        err() << tr("error: %1").arg(parser.errorText()) << "\n";
        return kBadInput;
    }
    if (parser.isSet(QStringLiteral("help"))) {
        out() << parser.helpText();
        return kOk;
    }
    const auto repetitions = number(parser, QStringLiteral("repetitions"));
    if (!repetitions || *repetitions == 0 || *repetitions > 100) {
        err() << tr("error: --repetitions expects 1 to 100") << "\n";
        return kBadInput;
    }
    BenchOptions options;
    options.repetitions = static_cast<int>(*repetitions);
    const CostPresets presets;
    const BenchResult result = runBench(TechniqueRegistry::builtIn(), presets, options);
    if (parser.isSet(QStringLiteral("json")))
        printJson(benchJson(result));
    else
        out() << benchText(result);
    return kOk;
}

} // namespace

bool isCommand(const QStringList &arguments)
{
    if (arguments.size() < 2)
        return false;
    static const QStringList commands{
        QStringLiteral("run"),        QStringLiteral("bench"),
        QStringLiteral("techniques"), QStringLiteral("paravirtualize"),
        QStringLiteral("compare"),    QStringLiteral("rss"),
        QStringLiteral("help"),       QStringLiteral("--help"),
        QStringLiteral("-h"),         QStringLiteral("--version"),
    };
    return commands.contains(arguments.at(1));
}

bool hasDisplay()
{
    return !qEnvironmentVariableIsEmpty("DISPLAY") ||
           !qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY") ||
           !qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM");
}

int runCommand(const QStringList &arguments)
{
    const QString command = arguments.value(1);
    try {
        if (command == QLatin1String("run"))
            return runSnippet(arguments);
        if (command == QLatin1String("paravirtualize"))
            return paravirtualizeSnippet(arguments);
        if (command == QLatin1String("compare"))
            return compareSnippet(arguments);
        if (command == QLatin1String("rss"))
            return rssCommand(arguments);
        if (command == QLatin1String("bench"))
            return runBenchmarks(arguments);
        if (command == QLatin1String("techniques"))
            return listTechniques(arguments);
        if (command == QLatin1String("--version")) {
            out() << QCoreApplication::applicationName() << " "
                  << QCoreApplication::applicationVersion() << "\n";
            return kOk;
        }
        out() << usage();
        return kOk;
    } catch (const OptionError &e) {
        err() << tr("error: %1").arg(QString::fromStdString(e.what())) << "\n";
        return kBadInput;
    } catch (const std::exception &e) {
        err() << tr("internal error: %1").arg(QString::fromStdString(e.what())) << "\n";
        return kInternalError;
    }
}

} // namespace vmwb::app
