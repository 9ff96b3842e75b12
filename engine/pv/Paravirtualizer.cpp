#include "pv/Paravirtualizer.h"

// The rewriter works line by line on NASM source, as a person porting a kernel to Xen would:
// each sensitive instruction is replaced by the xen.inc macro that does the same thing
// paravirtually, with the original kept in a comment; labels and comments stay. It needs to
// know two things about the whole file: the values of names used as port numbers and %rep
// counts (from workbench.inc and the file's own `equ`s), and which IDT gate is the timer's, so
// that its handler can start with XEN_EVENT_ENTRY (the IDT itself is translated at run time by
// XEN_LIDT). Whatever it cannot rewrite faithfully becomes a refusal with the reason.

#include <QCoreApplication>
#include <QRegularExpression>
#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <vector>

namespace vmwb {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("vmwb::Paravirtualizer", text);
}

// workbench.inc's names (exercises/include/workbench.inc).
const std::map<QString, long long> &workbenchSymbols()
{
    static const std::map<QString, long long> symbols{
        {QStringLiteral("LOAD_ADDRESS"), 0x100000},
        {QStringLiteral("GUEST_MEMORY_SIZE"), 0x1000000},
        {QStringLiteral("CONSOLE_PORT"), 0xE9},
        {QStringLiteral("EXIT_PORT"), 0xF4},
        {QStringLiteral("TIMER_PORT"), 0x40},
        {QStringLiteral("TIMER_VECTOR"), 32},
        {QStringLiteral("KERNEL_CS"), 0x08},
        {QStringLiteral("KERNEL_DS"), 0x10},
        {QStringLiteral("RFLAGS_IF"), 1 << 9},
    };
    return symbols;
}

constexpr long long kConsolePort = 0xE9;
constexpr long long kExitPort = 0xF4;
constexpr long long kTimerPort = 0x40;
constexpr long long kTimerVector = 32;
constexpr int kCommentColumn = 36;

// One source line taken apart: indent, an optional label, the instruction or directive, and
// the comment.
struct SourceLine
{
    QString indent;
    QString label; // "name:" with the whitespace after it, as written
    QString labelName;
    QString code;    // trimmed
    QString comment; // from the ';' on
};

SourceLine split(const QString &line)
{
    SourceLine parts;
    QChar quote;
    qsizetype commentAt = -1;
    for (qsizetype i = 0; i < line.size(); ++i) {
        const QChar c = line[i];
        if (!quote.isNull()) {
            if (c == quote)
                quote = QChar();
        } else if (c == QLatin1Char('"') || c == QLatin1Char('\'') || c == QLatin1Char('`')) {
            quote = c;
        } else if (c == QLatin1Char(';')) {
            commentAt = i;
            break;
        }
    }
    QString body = commentAt >= 0 ? line.left(commentAt) : line;
    if (commentAt >= 0)
        parts.comment = line.mid(commentAt);
    qsizetype i = 0;
    while (i < body.size() && body[i].isSpace())
        ++i;
    parts.indent = body.left(i);
    body = body.mid(i);
    static const QRegularExpression label(
        QStringLiteral(R"(^([A-Za-z_.?@$][\w.?@$#~]*)\s*:(?!:)\s*)"));
    if (const auto match = label.match(body); match.hasMatch()) {
        parts.label = match.captured(0);
        parts.labelName = match.captured(1);
        body = body.mid(match.capturedLength(0));
    }
    parts.code = body.trimmed();
    return parts;
}

QStringList operandsOf(const QString &text)
{
    QStringList operands;
    int depth = 0;
    QChar quote;
    QString current;
    for (const QChar c : text) {
        if (!quote.isNull()) {
            if (c == quote)
                quote = QChar();
        } else if (c == QLatin1Char('"') || c == QLatin1Char('\'') || c == QLatin1Char('`')) {
            quote = c;
        } else if (c == QLatin1Char('[') || c == QLatin1Char('(')) {
            ++depth;
        } else if (c == QLatin1Char(']') || c == QLatin1Char(')')) {
            --depth;
        } else if (c == QLatin1Char(',') && depth == 0) {
            operands << current.trimmed();
            current.clear();
            continue;
        }
        current += c;
    }
    if (!current.trimmed().isEmpty())
        operands << current.trimmed();
    return operands;
}

// A small evaluator for what port numbers and %rep counts are written as: numbers in NASM's
// notations, names, + - * / and parentheses.
class Expression
{
public:
    Expression(const QString &text, const std::map<QString, long long> &symbols)
        : m_text(text), m_symbols(symbols)
    {}

    std::optional<long long> value()
    {
        auto result = sum();
        skipSpace();
        if (m_at != m_text.size())
            return std::nullopt;
        return result;
    }

private:
    void skipSpace()
    {
        while (m_at < m_text.size() && m_text[m_at].isSpace())
            ++m_at;
    }
    bool take(QChar c)
    {
        skipSpace();
        if (m_at < m_text.size() && m_text[m_at] == c) {
            ++m_at;
            return true;
        }
        return false;
    }
    std::optional<long long> sum()
    {
        auto left = product();
        while (left) {
            if (take(QLatin1Char('+'))) {
                const auto right = product();
                left = right ? std::optional(*left + *right) : std::nullopt;
            } else if (take(QLatin1Char('-'))) {
                const auto right = product();
                left = right ? std::optional(*left - *right) : std::nullopt;
            } else {
                break;
            }
        }
        return left;
    }
    std::optional<long long> product()
    {
        auto left = unary();
        while (left) {
            if (take(QLatin1Char('*'))) {
                const auto right = unary();
                left = right ? std::optional(*left * *right) : std::nullopt;
            } else if (take(QLatin1Char('/'))) {
                const auto right = unary();
                left = right && *right != 0 ? std::optional(*left / *right) : std::nullopt;
            } else {
                break;
            }
        }
        return left;
    }
    std::optional<long long> unary()
    {
        if (take(QLatin1Char('-'))) {
            const auto operand = unary();
            return operand ? std::optional(-*operand) : std::nullopt;
        }
        if (take(QLatin1Char('('))) {
            const auto inner = sum();
            return take(QLatin1Char(')')) ? inner : std::nullopt;
        }
        skipSpace();
        const qsizetype start = m_at;
        while (m_at < m_text.size() &&
               (m_text[m_at].isLetterOrNumber() || m_text[m_at] == QLatin1Char('_')))
            ++m_at;
        const QString word = m_text.mid(start, m_at - start);
        if (word.isEmpty())
            return std::nullopt;
        if (word[0].isDigit())
            return number(word);
        if (const auto found = m_symbols.find(word); found != m_symbols.end())
            return found->second;
        return std::nullopt;
    }
    static std::optional<long long> number(const QString &word)
    {
        bool ok = false;
        long long value = 0;
        const QString lower = word.toLower();
        if (lower.startsWith(QLatin1String("0x")))
            value = lower.mid(2).toLongLong(&ok, 16);
        else if (lower.startsWith(QLatin1String("0b")))
            value = lower.mid(2).toLongLong(&ok, 2);
        else if (lower.endsWith(QLatin1Char('h')))
            value = lower.chopped(1).toLongLong(&ok, 16);
        else
            value = lower.toLongLong(&ok, 10);
        return ok ? std::optional(value) : std::nullopt;
    }

    QString m_text;
    const std::map<QString, long long> &m_symbols;
    qsizetype m_at = 0;
};

// An IDT gate written with workbench.inc's IDT_INTERRUPT_GATE.
struct Gate
{
    int line = 0; // 0-based
    QString handler;
    std::optional<long long> vector;
};

// What the rewriter learns from the whole file before it rewrites lines.
struct FileFacts
{
    std::map<QString, long long> symbols;
    std::vector<Gate> gates;
    std::map<QString, int> labels; // name -> 0-based line
    bool includesXen = false;
    int workbenchInclude = -1; // 0-based line of %include "workbench.inc"
};

bool isDataDirective(const QString &word)
{
    static const std::set<QString> directives{
        QStringLiteral("db"),    QStringLiteral("dw"),     QStringLiteral("dd"),
        QStringLiteral("dq"),    QStringLiteral("dt"),     QStringLiteral("do"),
        QStringLiteral("dy"),    QStringLiteral("dz"),     QStringLiteral("resb"),
        QStringLiteral("resw"),  QStringLiteral("resd"),   QStringLiteral("resq"),
        QStringLiteral("times"), QStringLiteral("incbin"),
    };
    return directives.count(word) != 0;
}

QString firstWord(const QString &code)
{
    return code.section(QRegularExpression(QStringLiteral("\\s+")), 0, 0);
}

FileFacts learn(const QStringList &lines)
{
    FileFacts facts;
    facts.symbols = workbenchSymbols();
    static const QRegularExpression equ(
        QStringLiteral(R"(^([A-Za-z_.?@$][\w.?@$#~]*)\s+equ\s+(.+)$)"),
        QRegularExpression::CaseInsensitiveOption);
    static const QRegularExpression define(QStringLiteral(R"(^%define\s+(\w+)\s+(.+)$)"),
                                           QRegularExpression::CaseInsensitiveOption);
    static const QRegularExpression include(QStringLiteral(R"re(^%include\s+["<]([^">]+)[">]$)re"),
                                            QRegularExpression::CaseInsensitiveOption);
    struct Repeat
    {
        std::optional<long long> count;
        long long entries = 0;
        bool uncounted = false;
    };
    std::vector<Repeat> repeats;
    std::optional<long long> vector = 0;
    const auto countEntry = [&] {
        if (!repeats.empty())
            ++repeats.back().entries;
        else if (vector)
            ++*vector;
    };
    for (int i = 0; i < lines.size(); ++i) {
        SourceLine parts = split(lines[i]);
        // An `equ` may be written as "NAME: equ value", so the label is part of it.
        const QString code =
            parts.label.isEmpty() ? parts.code : parts.labelName + QLatin1Char(' ') + parts.code;
        if (const auto match = equ.match(code); match.hasMatch()) {
            if (const auto value = Expression(match.captured(2), facts.symbols).value())
                facts.symbols[match.captured(1)] = *value;
            continue;
        }
        if (const auto match = define.match(parts.code); match.hasMatch()) {
            if (const auto value = Expression(match.captured(2), facts.symbols).value())
                facts.symbols[match.captured(1)] = *value;
            continue;
        }
        if (const auto match = include.match(parts.code); match.hasMatch()) {
            if (match.captured(1) == QLatin1String("workbench.inc") && facts.workbenchInclude < 0)
                facts.workbenchInclude = i;
            if (match.captured(1) == QLatin1String("xen.inc"))
                facts.includesXen = true;
        }
        if (!parts.labelName.isEmpty() && !parts.labelName.startsWith(QLatin1Char('.'))) {
            facts.labels.emplace(parts.labelName, i);
            if (repeats.empty())
                vector = 0; // a new table (or none) starts at every label
        }
        const QString word = firstWord(parts.code);
        const QString lower = word.toLower();
        if (lower == QLatin1String("%rep")) {
            repeats.push_back({Expression(parts.code.mid(word.size()), facts.symbols).value()});
        } else if (lower == QLatin1String("%endrep")) {
            if (repeats.empty())
                continue;
            const Repeat repeat = repeats.back();
            repeats.pop_back();
            const long long added = repeat.count ? *repeat.count * repeat.entries : -1;
            if (repeat.uncounted || added < 0) {
                if (repeats.empty())
                    vector.reset();
                else
                    repeats.back().uncounted = true;
            } else if (!repeats.empty()) {
                repeats.back().entries += added;
            } else if (vector) {
                *vector += added;
            }
        } else if (word == QLatin1String("IDT_NO_GATE")) {
            countEntry();
        } else if (word == QLatin1String("IDT_INTERRUPT_GATE")) {
            Gate gate;
            gate.line = i;
            gate.handler = parts.code.mid(word.size()).trimmed();
            while (gate.handler.startsWith(QLatin1Char('(')) &&
                   gate.handler.endsWith(QLatin1Char(')')))
                gate.handler = gate.handler.mid(1, gate.handler.size() - 2).trimmed();
            if (repeats.empty())
                gate.vector = vector;
            facts.gates.push_back(gate);
            countEntry();
        } else if (isDataDirective(lower)) {
            if (!repeats.empty())
                repeats.back().uncounted = true;
            else
                vector.reset();
        }
    }
    return facts;
}

bool isRegister64(const QString &operand)
{
    static const std::set<QString> registers{
        QStringLiteral("rax"), QStringLiteral("rbx"), QStringLiteral("rcx"), QStringLiteral("rdx"),
        QStringLiteral("rsi"), QStringLiteral("rdi"), QStringLiteral("rbp"), QStringLiteral("r8"),
        QStringLiteral("r9"),  QStringLiteral("r10"), QStringLiteral("r11"), QStringLiteral("r12"),
        QStringLiteral("r13"), QStringLiteral("r14"), QStringLiteral("r15"),
    };
    return registers.count(operand.toLower()) != 0;
}

bool isSegmentRegister(const QString &operand)
{
    static const QRegularExpression segment(QStringLiteral("^[c-gs]s$"),
                                            QRegularExpression::CaseInsensitiveOption);
    return segment.match(operand).hasMatch();
}

bool usesStackPointer(const QString &operand)
{
    static const QRegularExpression sp(QStringLiteral(R"(\b(rsp|esp|sp|spl)\b)"),
                                       QRegularExpression::CaseInsensitiveOption);
    return sp.match(operand).hasMatch();
}

// What to do with one instruction: a replacement, a refusal, or nothing.
struct Verdict
{
    QString replacement; // the macro line (without indent or label); empty: keep the line
    QString explanation;
    QString refusal; // non-empty: cannot rewrite
};

Verdict replace(QString macro, QString explanation)
{
    return {std::move(macro), std::move(explanation), {}};
}

Verdict refuse(QString why)
{
    return {{}, {}, std::move(why)};
}

// Instructions with no paravirtual replacement here, and why.
std::optional<QString> unrewritable(const QString &mnemonic)
{
    struct Reason
    {
        const char *mnemonics;
        const char *why;
    };
    static const Reason kReasons[] = {
        {"lgdt",
         QT_TRANSLATE_NOOP("vmwb::Paravirtualizer",
                           "a paravirtual kernel registers its GDT with the set_gdt hypercall, "
                           "which validates its frames; that is not modelled here")},
        {"lldt ltr",
         QT_TRANSLATE_NOOP("vmwb::Paravirtualizer",
                           "the LDT and the task register belong to the monitor (Xen sets an LDT "
                           "with mmuext_op(MMUEXT_SET_LDT), not modelled here)")},
        {"sgdt sidt sldt str smsw",
         QT_TRANSLATE_NOOP("vmwb::Paravirtualizer",
                           "it reveals the monitor's state instead of the guest's and does not "
                           "trap; no hypercall returns it: a paravirtual kernel remembers what it "
                           "loaded")},
        {"lmsw clts",
         QT_TRANSLATE_NOOP("vmwb::Paravirtualizer",
                           "CR0 belongs to the monitor; Xen's fpu_taskswitch hypercall covers "
                           "CR0.TS, which is not modelled here")},
        {"rdmsr wrmsr swapgs",
         QT_TRANSLATE_NOOP("vmwb::Paravirtualizer",
                           "model-specific registers belong to the monitor; a paravirtual kernel "
                           "uses hypercalls such as set_segment_base instead (not modelled here)")},
        {"wbinvd invd",
         QT_TRANSLATE_NOOP("vmwb::Paravirtualizer",
                           "cache control belongs to the monitor; there is no hypercall for it")},
        {"in insb insw insd ins",
         QT_TRANSLATE_NOOP("vmwb::Paravirtualizer",
                           "port input has no paravirtual replacement here: a paravirtual kernel "
                           "talks to devices through event channels and shared rings")},
        {"outsb outsw outsd outs",
         QT_TRANSLATE_NOOP("vmwb::Paravirtualizer",
                           "string output to a port: write the bytes with console_io instead")},
        {"sysret sysretq sysexit",
         QT_TRANSLATE_NOOP("vmwb::Paravirtualizer", "returning to user mode is not modelled")},
        {"lar lsl verr verw",
         QT_TRANSLATE_NOOP("vmwb::Paravirtualizer",
                           "it checks descriptors against CPL 3, not the guest's CPL 0, and does "
                           "not trap")},
        {"rdpmc xsetbv monitor mwait",
         QT_TRANSLATE_NOOP("vmwb::Paravirtualizer",
                           "privileged, with no paravirtual replacement here")},
        {"retf jmpf callf",
         QT_TRANSLATE_NOOP("vmwb::Paravirtualizer",
                           "a far transfer checks privilege against CPL 3, not the guest's "
                           "CPL 0")},
    };
    for (const Reason &reason : kReasons) {
        if (QString::fromLatin1(reason.mnemonics).split(QLatin1Char(' ')).contains(mnemonic))
            return QCoreApplication::translate("vmwb::Paravirtualizer", reason.why);
    }
    return std::nullopt;
}

Verdict rewriteOut(const QStringList &operands, const std::map<QString, long long> &symbols)
{
    if (operands.size() != 2)
        return refuse(tr("out with unexpected operands"));
    const QString port = operands[0];
    const QString source = operands[1].toLower();
    if (port.toLower() == QLatin1String("dx")) {
        return refuse(tr("the port is in DX, unknown when rewriting; write out CONSOLE_PORT, al "
                         "or out TIMER_PORT, eax or out EXIT_PORT, al"));
    }
    const auto number = Expression(port, symbols).value();
    if (!number)
        return refuse(tr("cannot tell which port \"%1\" is").arg(port));
    if (*number == kConsolePort && source == QLatin1String("al")) {
        return replace(QStringLiteral("XEN_CONSOLE_OUT"),
                       tr("out CONSOLE_PORT -> console_io(CONSOLEIO_write) hypercall"));
    }
    if (*number == kTimerPort && source == QLatin1String("eax")) {
        return replace(QStringLiteral("XEN_SET_TIMER"),
                       tr("out TIMER_PORT -> vcpu_op(VCPUOP_set_periodic_timer) hypercall"));
    }
    if (*number == kExitPort && source == QLatin1String("al")) {
        return replace(QStringLiteral("XEN_EXIT_AL"),
                       tr("out EXIT_PORT -> sched_op(SCHEDOP_shutdown) hypercall"));
    }
    if (*number == kConsolePort || *number == kTimerPort || *number == kExitPort) {
        return refuse(tr("only out CONSOLE_PORT, al, out TIMER_PORT, eax and out EXIT_PORT, al "
                         "are rewritten (this writes %1)")
                          .arg(source));
    }
    return refuse(tr("port %1 has no device with a paravirtual interface")
                      .arg(QStringLiteral("0x%1").arg(*number, 0, 16)));
}

Verdict rewriteMov(const QStringList &operands)
{
    if (operands.size() != 2)
        return {};
    const QString target = operands[0].toLower();
    const QString source = operands[1].toLower();
    static const QRegularExpression control(QStringLiteral("^cr\\d+$"));
    static const QRegularExpression debug(QStringLiteral("^dr\\d+$"));
    if (target == QLatin1String("cr3")) {
        if (!isRegister64(source))
            return refuse(tr("mov cr3 from %1: only a 64-bit general register other than rsp is "
                             "rewritten")
                              .arg(source));
        return replace(QStringLiteral("XEN_LOAD_CR3 %1").arg(operands[1]),
                       tr("mov cr3 -> mmuext_op(MMUEXT_NEW_BASEPTR) hypercall"));
    }
    if (control.match(target).hasMatch()) {
        return refuse(tr("%1 belongs to the monitor; only mov cr3 (a new page-table base) has a "
                         "hypercall here")
                          .arg(target.toUpper()));
    }
    if (control.match(source).hasMatch()) {
        return refuse(tr("reading %1: a paravirtual kernel keeps its own copy of what it loaded "
                         "(XenoLinux keeps CR3 in a per-CPU variable) instead")
                          .arg(source.toUpper()));
    }
    if (debug.match(target).hasMatch() || debug.match(source).hasMatch())
        return refuse(tr("debug registers go through set_debugreg and get_debugreg, which this "
                         "rewriter does not generate"));
    if (isSegmentRegister(target)) {
        return refuse(tr("loading a segment register: the guest's kernel selectors have DPL 0, "
                         "and a paravirtual kernel uses the monitor's flat ones"));
    }
    if (isSegmentRegister(source))
        return refuse(tr("reading a segment register reveals RPL 3: the kernel is not at CPL 0"));
    return {};
}

Verdict rewrite(const SourceLine &parts, const std::map<QString, long long> &symbols)
{
    static const QRegularExpression space(QStringLiteral("\\s+"));
    QStringList words = parts.code.split(space, Qt::SkipEmptyParts);
    if (words.isEmpty())
        return {};
    if (words[0] == QLatin1String("EXIT")) {
        return replace(QStringLiteral("XEN_EXIT %1").arg(parts.code.mid(4).trimmed()),
                       tr("EXIT -> sched_op(SCHEDOP_shutdown) hypercall"));
    }
    static const std::set<QString> prefixes{
        QStringLiteral("rep"),   QStringLiteral("repe"),  QStringLiteral("repz"),
        QStringLiteral("repne"), QStringLiteral("repnz"), QStringLiteral("lock"),
        QStringLiteral("o16"),   QStringLiteral("o32"),   QStringLiteral("o64"),
    };
    qsizetype at = 0;
    while (at + 1 < words.size() && prefixes.count(words[at].toLower()))
        ++at;
    const QString mnemonic = words[at].toLower();
    if (mnemonic.startsWith(QLatin1Char('%')) || mnemonic.startsWith(QLatin1String("xen_")))
        return {};
    const qsizetype operandStart = parts.code.indexOf(words[at]) + words[at].size();
    const QStringList operands = operandsOf(parts.code.mid(operandStart));
    if (mnemonic == QLatin1String("cli")) {
        return replace(QStringLiteral("XEN_CLI"),
                       tr("cli -> evtchn_upcall_mask = 1, a store to the shared info page: no "
                          "trap"));
    }
    if (mnemonic == QLatin1String("sti")) {
        return replace(QStringLiteral("XEN_STI"),
                       tr("sti -> evtchn_upcall_mask = 0, then a hypercall only if an event is "
                          "pending"));
    }
    if (mnemonic == QLatin1String("pushf") || mnemonic == QLatin1String("pushfq")) {
        return replace(QStringLiteral("XEN_PUSHF"),
                       tr("pushf -> push the flags with IF = !evtchn_upcall_mask"));
    }
    if (mnemonic == QLatin1String("popf") || mnemonic == QLatin1String("popfq")) {
        return replace(QStringLiteral("XEN_POPF"),
                       tr("popf -> evtchn_upcall_mask from the popped IF, then the pending "
                          "check"));
    }
    if (mnemonic == QLatin1String("pushfw") || mnemonic == QLatin1String("popfw"))
        return refuse(tr("a 16-bit flags image: only the 64-bit forms are rewritten"));
    if (mnemonic == QLatin1String("hlt")) {
        return replace(QStringLiteral("XEN_HLT"),
                       tr("hlt -> sched_op(SCHEDOP_block) hypercall (VCPUOP_down if events are "
                          "masked)"));
    }
    if (mnemonic == QLatin1String("iretq")) {
        return replace(QStringLiteral("XEN_IRET"),
                       tr("iretq -> iret hypercall with struct iret_context"));
    }
    if (mnemonic == QLatin1String("iret") || mnemonic == QLatin1String("iretd") ||
        mnemonic == QLatin1String("iretw"))
        return refuse(tr("%1 pops a 32- or 16-bit frame; only iretq is rewritten").arg(mnemonic));
    if (mnemonic == QLatin1String("lidt")) {
        if (operands.size() != 1 || !operands[0].contains(QLatin1Char('[')))
            return refuse(tr("lidt with unexpected operands"));
        if (usesStackPointer(operands[0]))
            return refuse(tr("lidt through the stack pointer: XEN_LIDT saves registers on the "
                             "stack first"));
        return replace(QStringLiteral("XEN_LIDT %1").arg(operands[0]),
                       tr("lidt -> set_trap_table for the exception gates; the timer's gate -> "
                          "set_callbacks and event_channel_op(EVTCHNOP_bind_virq, VIRQ_TIMER)"));
    }
    if (mnemonic == QLatin1String("invlpg")) {
        if (operands.size() != 1 || !operands[0].contains(QLatin1Char('[')) ||
            usesStackPointer(operands[0]))
            return refuse(tr("invlpg with an operand other than a memory address not relative "
                             "to the stack pointer"));
        return replace(QStringLiteral("XEN_INVLPG %1").arg(operands[0]),
                       tr("invlpg -> mmuext_op(MMUEXT_INVLPG_LOCAL) hypercall"));
    }
    if (mnemonic == QLatin1String("mov"))
        return rewriteMov(operands);
    if (mnemonic == QLatin1String("out"))
        return rewriteOut(operands, symbols);
    if ((mnemonic == QLatin1String("push") || mnemonic == QLatin1String("pop")) &&
        operands.size() == 1 && isSegmentRegister(operands[0])) {
        return refuse(mnemonic == QLatin1String("push")
                          ? tr("pushing a segment register reveals RPL 3: the kernel is not at "
                               "CPL 0")
                          : tr("loading a segment register: the guest's kernel selectors have "
                               "DPL 0, and a paravirtual kernel uses the monitor's flat ones"));
    }
    if ((mnemonic == QLatin1String("jmp") || mnemonic == QLatin1String("call")) &&
        !operands.isEmpty() && operands[0].toLower().startsWith(QLatin1String("far")))
        return refuse(*unrewritable(QStringLiteral("retf")));
    if (const auto why = unrewritable(mnemonic))
        return refuse(*why);
    return {};
}

QString annotated(const QString &line, const QString &original, const QString &comment)
{
    QString text = line;
    if (text.size() < kCommentColumn)
        text = text.leftJustified(kCommentColumn);
    else
        text += QLatin1Char(' ');
    text += QStringLiteral("; pv: was \"%1\"").arg(original);
    if (!comment.isEmpty())
        text += QLatin1Char(' ') + comment;
    return text;
}

QStringList splitLines(const QString &text, bool *finalNewline)
{
    QStringList lines = text.split(QLatin1Char('\n'));
    const bool newline = text.endsWith(QLatin1Char('\n'));
    if (newline || text.isEmpty())
        lines.removeLast();
    if (finalNewline)
        *finalNewline = newline || text.isEmpty();
    return lines;
}

} // namespace

ParavirtualizeResult paravirtualize(const QString &source)
{
    ParavirtualizeResult result;
    bool finalNewline = true;
    const QStringList lines = splitLines(source, &finalNewline);
    const FileFacts facts = learn(lines);

    // The timer's handler gets XEN_EVENT_ENTRY after its label.
    std::optional<int> timerHandlerLine;
    QString timerHandler;
    for (const Gate &gate : facts.gates) {
        if (!gate.vector) {
            result.refusals.push_back(
                {gate.line + 1, lines[gate.line],
                 tr("cannot tell which vector this gate is for (a gate inside %rep, or after "
                    "data the rewriter does not count): the timer's handler must be known to "
                    "start it with XEN_EVENT_ENTRY")});
            continue;
        }
        if (*gate.vector != kTimerVector)
            continue;
        const auto label = facts.labels.find(gate.handler);
        if (label == facts.labels.end()) {
            result.refusals.push_back(
                {gate.line + 1, lines[gate.line],
                 tr("the timer's handler \"%1\" is not a label of this file").arg(gate.handler)});
            continue;
        }
        timerHandlerLine = label->second;
        timerHandler = gate.handler;
    }

    QStringList output;
    const auto addInclude = [&](int line, const QString &original) {
        const QString include = QStringLiteral("%include \"xen.inc\"");
        output << include;
        result.changes.push_back(
            {line + 1, original,
             original.isNull() ? QStringList{include} : QStringList{original, include},
             tr("adds xen.inc: the hypercalls, the shared info page and the macros below")});
    };
    // Where xen.inc goes: after workbench.inc, or before the first line with code.
    int includeAfter = facts.includesXen ? -2 : facts.workbenchInclude;
    int includeBefore = -1;
    if (includeAfter == -1) {
        for (int i = 0; i < lines.size(); ++i) {
            if (!split(lines[i]).code.isEmpty() || !split(lines[i]).label.isEmpty()) {
                includeBefore = i;
                break;
            }
        }
        if (includeBefore < 0)
            includeBefore = static_cast<int>(lines.size());
    }

    for (int i = 0; i < lines.size(); ++i) {
        const QString &line = lines[i];
        if (i == includeBefore)
            addInclude(i, QString());
        const SourceLine parts = split(line);
        const Verdict verdict = rewrite(parts, facts.symbols);
        const bool entry = timerHandlerLine == i;
        if (!verdict.refusal.isEmpty()) {
            result.refusals.push_back({i + 1, line, verdict.refusal});
            output << line;
            continue;
        }
        if (i == includeAfter) {
            output << line;
            addInclude(i, line);
            continue;
        }
        if (verdict.replacement.isEmpty() && !entry) {
            output << line;
            continue;
        }
        QStringList replaced;
        QString explanation;
        if (entry) {
            // The label keeps its line (and its comment if it has nothing else); the event
            // entry and the rest of the line follow.
            QString labelLine = parts.indent + parts.label.trimmed();
            if (parts.code.isEmpty() && !parts.comment.isEmpty())
                labelLine += QLatin1Char(' ') + parts.comment;
            replaced << labelLine;
            replaced << QStringLiteral("    XEN_EVENT_ENTRY").leftJustified(kCommentColumn) +
                            tr("; pv: the timer's handler is the event callback: it "
                               "acknowledges the event first");
            explanation = tr("%1 is the timer's handler: it becomes the event callback and starts "
                             "with XEN_EVENT_ENTRY")
                              .arg(timerHandler);
            if (!verdict.replacement.isEmpty()) {
                replaced << annotated(QStringLiteral("    ") + verdict.replacement, parts.code,
                                      parts.comment);
                explanation += QStringLiteral("; ") + verdict.explanation;
            } else if (!parts.code.isEmpty()) {
                replaced << QStringLiteral("    ") + parts.code +
                                (parts.comment.isEmpty() ? QString()
                                                         : QLatin1Char(' ') + parts.comment);
            }
        } else {
            const QString indent = parts.indent.isEmpty() && parts.label.isEmpty()
                                       ? QStringLiteral("    ")
                                       : parts.indent;
            replaced << annotated(indent + parts.label + verdict.replacement, parts.code,
                                  parts.comment);
            explanation = verdict.explanation;
        }
        output << replaced;
        result.changes.push_back({i + 1, line, replaced, explanation});
    }
    if (includeBefore == static_cast<int>(lines.size()))
        addInclude(includeBefore, QString());

    std::stable_sort(
        result.changes.begin(), result.changes.end(),
        [](const RewriteChange &a, const RewriteChange &b) { return a.line < b.line; });
    std::stable_sort(
        result.refusals.begin(), result.refusals.end(),
        [](const RewriteRefusal &a, const RewriteRefusal &b) { return a.line < b.line; });
    result.source = output.join(QLatin1Char('\n'));
    if (finalNewline && !output.isEmpty())
        result.source += QLatin1Char('\n');
    return result;
}

// --- unified diff ---

namespace {

enum class Op : std::uint8_t
{
    Same,
    Removed,
    Added
};

struct Edit
{
    Op op;
    int before; // index in `before` (Same, Removed)
    int after;  // index in `after` (Same, Added)
};

// The longest common subsequence of lines (dynamic programming: the snippets are small), as
// an edit script with removals before additions in each changed run, as diff prints them.
std::vector<Edit> editScript(const QStringList &a, const QStringList &b)
{
    const auto n = static_cast<std::size_t>(a.size());
    const auto m = static_cast<std::size_t>(b.size());
    std::vector<std::uint32_t> lcs((n + 1) * (m + 1), 0);
    const auto at = [m](std::size_t i, std::size_t j) { return i * (m + 1) + j; };
    for (std::size_t i = n; i-- > 0;) {
        for (std::size_t j = m; j-- > 0;) {
            lcs[at(i, j)] = a[static_cast<qsizetype>(i)] == b[static_cast<qsizetype>(j)]
                                ? lcs[at(i + 1, j + 1)] + 1
                                : std::max(lcs[at(i + 1, j)], lcs[at(i, j + 1)]);
        }
    }
    std::vector<Edit> edits;
    std::size_t i = 0;
    std::size_t j = 0;
    std::vector<Edit> removed;
    std::vector<Edit> added;
    const auto flush = [&] {
        edits.insert(edits.end(), removed.begin(), removed.end());
        edits.insert(edits.end(), added.begin(), added.end());
        removed.clear();
        added.clear();
    };
    while (i < n || j < m) {
        if (i < n && j < m && a[static_cast<qsizetype>(i)] == b[static_cast<qsizetype>(j)]) {
            flush();
            edits.push_back({Op::Same, static_cast<int>(i), static_cast<int>(j)});
            ++i;
            ++j;
        } else if (j < m && (i == n || lcs[at(i, j + 1)] > lcs[at(i + 1, j)])) {
            added.push_back({Op::Added, static_cast<int>(i), static_cast<int>(j)});
            ++j;
        } else {
            removed.push_back({Op::Removed, static_cast<int>(i), static_cast<int>(j)});
            ++i;
        }
    }
    flush();
    return edits;
}

QString range(int start, int count)
{
    // diff -u: "start,count", "start" alone when count is 1, and the line before when empty.
    if (count == 1)
        return QString::number(start + 1);
    return QStringLiteral("%1,%2").arg(count == 0 ? start : start + 1).arg(count);
}

} // namespace

QString unifiedDiff(const QString &before, const QString &after, const QString &beforeName,
                    const QString &afterName)
{
    constexpr int kContext = 3;
    bool beforeNewline = true;
    bool afterNewline = true;
    QStringList a = splitLines(before, &beforeNewline);
    QStringList b = splitLines(after, &afterNewline);
    // A last line without a newline differs from the same text with one.
    const QString noNewline = QStringLiteral("\n\\ No newline at end of file");
    if (!beforeNewline && !a.isEmpty())
        a.last() += noNewline;
    if (!afterNewline && !b.isEmpty())
        b.last() += noNewline;
    const std::vector<Edit> edits = editScript(a, b);
    std::vector<std::size_t> changed;
    for (std::size_t k = 0; k < edits.size(); ++k) {
        if (edits[k].op != Op::Same)
            changed.push_back(k);
    }
    if (changed.empty())
        return {};

    QString text = QStringLiteral("--- %1\n+++ %2\n").arg(beforeName, afterName);
    std::size_t c = 0;
    while (c < changed.size()) {
        // A hunk takes every change whose gap to the previous one is at most 2 * context.
        std::size_t last = c;
        while (last + 1 < changed.size() &&
               changed[last + 1] - changed[last] - 1 <= static_cast<std::size_t>(2 * kContext))
            ++last;
        const std::size_t from = changed[c] >= kContext ? changed[c] - kContext : 0;
        const std::size_t to = std::min(edits.size(), changed[last] + kContext + 1);
        int beforeStart = 0;
        int afterStart = 0;
        // The position in each file where the hunk starts.
        if (from < edits.size()) {
            const Edit &first = edits[from];
            beforeStart = first.before;
            afterStart = first.after;
        }
        int beforeCount = 0;
        int afterCount = 0;
        QString body;
        for (std::size_t k = from; k < to; ++k) {
            const Edit &edit = edits[k];
            switch (edit.op) {
            case Op::Same:
                ++beforeCount;
                ++afterCount;
                body += QLatin1Char(' ') + a[edit.before] + QLatin1Char('\n');
                break;
            case Op::Removed:
                ++beforeCount;
                body += QLatin1Char('-') + a[edit.before] + QLatin1Char('\n');
                break;
            case Op::Added:
                ++afterCount;
                body += QLatin1Char('+') + b[edit.after] + QLatin1Char('\n');
                break;
            }
        }
        text += QStringLiteral("@@ -%1 +%2 @@\n")
                    .arg(range(beforeStart, beforeCount), range(afterStart, afterCount));
        text += body;
        c = last + 1;
    }
    return text;
}

} // namespace vmwb
