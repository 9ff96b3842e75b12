#include "CommandLine.h"

#include "assembler/Assembler.h"
#include "bench/Bench.h"
#include "machine/UnicornCpu.h"
#include "pv/Paravirtualizer.h"
#include "rss/Toeplitz.h"
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
#include <exception>
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
    if (!parser.parse(arguments)) {
        err() << tr("error: %1").arg(parser.errorText()) << "\n" << usage();
        return {std::nullopt, kBadInput};
    }
    if (parser.isSet(QStringLiteral("help"))) {
        out() << parser.helpText();
        return {std::nullopt, kOk};
    }
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
    if (!parser.parse(arguments)) {
        err() << tr("error: %1").arg(parser.errorText()) << "\n" << usage();
        return kBadInput;
    }
    if (parser.isSet(QStringLiteral("help"))) {
        out() << parser.helpText();
        return kOk;
    }
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
    if (!parser.parse(arguments)) {
        err() << tr("error: %1").arg(parser.errorText()) << "\n" << usage();
        return kBadInput;
    }
    if (parser.isSet(QStringLiteral("help"))) {
        out() << parser.helpText();
        return kOk;
    }
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
    std::vector<std::uint8_t> key;
    if (keyText == QLatin1String("microsoft")) {
        key = rss::microsoftKey();
    } else if (keyText == QLatin1String("symmetric")) {
        key = rss::symmetricKey();
    } else if (const auto parsed = rss::parseKey(keyText)) {
        key = *parsed;
    } else {
        err() << tr("error: --key: \"%1\" is neither microsoft, symmetric nor whole bytes of hex")
                     .arg(keyText)
              << "\n";
        return kBadInput;
    }
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

int rssCommand(const QStringList &arguments)
{
    if (arguments.value(2) == QLatin1String("hash"))
        return rssHash(arguments);
    if (arguments.value(2) == QLatin1String("--help") ||
        arguments.value(2) == QLatin1String("-h")) {
        out() << tr("Usage: vmm-workbench rss hash --src IP --dst IP [--sport N --dport N] "
                    "[--key microsoft|symmetric|HEX] [--reta-size N] [--queues N] [--json]\n");
        return kOk;
    }
    err() << tr("error: rss needs a subcommand: hash") << "\n" << usage();
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
