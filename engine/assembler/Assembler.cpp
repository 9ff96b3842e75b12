#include "assembler/Assembler.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QStringList>
#include <QTemporaryDir>
#include <algorithm>
#include <array>
#include <fcntl.h>
#include <iterator>
#include <link.h>
#include <map>
#include <mutex>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <utility>

#if __has_include(<linux/landlock.h>) && defined(SYS_landlock_create_ruleset)
#include <linux/landlock.h>
#define VMWB_HAVE_LANDLOCK 1
#endif

namespace vmwb {

namespace {

// Layout of one assembly's private directory. NASM runs in `work`, which stays empty, so a
// relative `%include` finds nothing there; everything NASM writes goes to `out`.
constexpr auto kSourceName = "in/source.asm";
constexpr auto kPreludeName = "in/prelude.inc";
constexpr auto kWorkName = "work";
constexpr auto kBinaryName = "out/program.bin";
constexpr auto kListingName = "out/program.lst";
constexpr auto kDependencyName = "out/program.d";
constexpr auto kDependencyTarget = "program";
// Relative to `work`: a `[map]` argument is split at blanks, so the prelude must not name a
// path that could contain one.
constexpr auto kMapFromWork = "../out/program.map";
constexpr auto kMapName = "out/program.map";

constexpr auto kResourceIncludeDirectory = ":/vmwb/include";

// NASM's own execution limits (`--limit-*`), far above what a lesson needs. A snippet can raise
// them with `%pragma limit`, so the process limits below remain the backstop.
struct NasmLimit
{
    const char *name;
    const char *value;
};
constexpr NasmLimit kNasmLimits[] = {
    {"passes", "200"},        {"stalled-passes", "100"},
    {"macro-levels", "1000"}, {"macro-tokens", "10000000"},
    {"mmacros", "100000"},    {"rep", "1000000"},
    {"lines", "10000000"},
};

constexpr qsizetype kMaxDiagnosticBytes = 256 * 1024;
constexpr std::size_t kMaxDiagnostics = 100;
constexpr int kConfinementFailedExitCode = 125;

// ---------------------------------------------------------------------------------------------
// Paths

bool isInside(const QString &directory, const QString &path)
{
    if (directory == QLatin1String("/"))
        return path.startsWith(QLatin1Char('/')) && path.size() > 1;
    return path.startsWith(directory + QLatin1Char('/'));
}

// Decides whether NASM may read a file it names: only files inside the include directory, and
// the snippet and prelude written for it.
class IncludePolicy
{
public:
    struct Verdict
    {
        bool allowed = false;
        QString resolved;         // where the name leads
        bool throughLink = false; // a symbolic link on the way leads elsewhere
    };

    IncludePolicy(QString includeDirectory, QString workDirectory, QStringList ownFiles)
        : m_includeDirectory(std::move(includeDirectory)),
          m_workDirectory(std::move(workDirectory)), m_ownFiles(std::move(ownFiles))
    {}

    // `name` as NASM spells it: relative names are tried in NASM's working directory first and
    // then under the include directory, as NASM itself searches.
    Verdict check(const QString &name) const
    {
        QString path;
        if (QDir::isAbsolutePath(name))
            path = name;
        else if (QFileInfo::exists(m_workDirectory + QLatin1Char('/') + name))
            path = m_workDirectory + QLatin1Char('/') + name;
        else
            path = m_includeDirectory + QLatin1Char('/') + name;

        const QFileInfo info(path);
        if (info.exists()) {
            const QString canonical = info.canonicalFilePath();
            const bool allowed = m_ownFiles.contains(canonical) ||
                                 (info.isFile() && isInside(m_includeDirectory, canonical));
            return {allowed, canonical, canonical != QDir::cleanPath(info.absoluteFilePath())};
        }
        // A missing file is harmless as long as its name cannot lead outside; NASM then reports
        // it as missing.
        const QString lexical = QDir::cleanPath(path);
        return {isInside(m_includeDirectory, lexical), lexical, false};
    }

    // The name as the snippet wrote it, when NASM has put the include directory in front.
    QString writtenName(const QString &name) const
    {
        const QString prefix = m_includeDirectory + QLatin1Char('/');
        return name.startsWith(prefix) ? name.mid(prefix.size()) : name;
    }

private:
    QString m_includeDirectory; // canonical
    QString m_workDirectory;
    QStringList m_ownFiles; // canonical
};

// ---------------------------------------------------------------------------------------------
// Reading NASM source text

// NASM string syntax: '...' and "..." are taken literally, `...` knows C-style escapes.
QString decodeBackquoted(QStringView raw)
{
    constexpr std::pair<char, char> kNamedEscapes[] = {
        {'a', '\a'}, {'b', '\b'}, {'t', '\t'}, {'n', '\n'},
        {'v', '\v'}, {'f', '\f'}, {'r', '\r'}, {'e', '\x1b'},
    };
    // Up to `width` digits of `base` after position i; advances i past them.
    const auto number = [&raw](qsizetype &i, int width, int base) {
        std::uint32_t value = 0;
        for (int digits = 0; digits < width && i + 1 < raw.size(); ++digits) {
            const qsizetype digit =
                QStringLiteral("0123456789abcdef").indexOf(raw[i + 1].toLower());
            if (digit < 0 || digit >= base)
                break;
            value = value * static_cast<std::uint32_t>(base) + static_cast<std::uint32_t>(digit);
            ++i;
        }
        return value;
    };

    QByteArray bytes;
    qsizetype plain = 0; // start of the text since the last escape
    for (qsizetype i = 0; i < raw.size(); ++i) {
        if (raw[i] != QLatin1Char('\\') || i + 1 >= raw.size())
            continue;
        bytes += raw.mid(plain, i - plain).toUtf8();
        const char e = raw[++i].toLatin1();
        const auto named = std::find_if(std::begin(kNamedEscapes), std::end(kNamedEscapes),
                                        [e](const auto &escape) { return escape.first == e; });
        if (named != std::end(kNamedEscapes)) {
            bytes += named->second;
        } else if (e == 'x') {
            bytes += static_cast<char>(number(i, 2, 16));
        } else if (e == 'u' || e == 'U') {
            const char32_t code = number(i, e == 'u' ? 4 : 8, 16);
            bytes += QString::fromUcs4(&code, 1).toUtf8();
        } else if (e >= '0' && e <= '7') {
            --i; // the first digit belongs to the number
            bytes += static_cast<char>(number(i, 3, 8) & 0xFF);
        } else {
            bytes += raw.mid(i, 1).toUtf8(); // \\ \' \" \` \? and unknown escapes
        }
        plain = i + 1;
    }
    bytes += raw.mid(plain).toUtf8();
    return QString::fromUtf8(bytes);
}

// One line's code (before its `;` comment) with each string literal replaced by `""`, and the
// decoded literals.
struct ScannedLine
{
    QString code;
    QStringList literals;
};

ScannedLine scanLine(QStringView line)
{
    ScannedLine scanned;
    for (qsizetype i = 0; i < line.size(); ++i) {
        const QChar c = line[i];
        if (c == QLatin1Char(';'))
            break;
        if (c != QLatin1Char('\'') && c != QLatin1Char('"') && c != QLatin1Char('`')) {
            scanned.code.append(c);
            continue;
        }
        qsizetype end = i + 1;
        while (end < line.size() && line[end] != c) {
            if (c == QLatin1Char('`') && line[end] == QLatin1Char('\\'))
                ++end;
            ++end;
        }
        const QStringView raw = line.mid(i + 1, std::min(end, line.size()) - i - 1);
        scanned.literals.append(c == QLatin1Char('`') ? decodeBackquoted(raw) : raw.toString());
        scanned.code.append(QLatin1String("\"\""));
        i = end;
    }
    return scanned;
}

// Directives that make NASM open a file, in the code part of a line.
bool namesAFile(const QString &code)
{
    static const QRegularExpression directive(
        QStringLiteral(
            R"((%(include|require|depend|i?pathsearch)\b)|((?<![\w.$?@#~])incbin(?![\w.$?@#~])))"),
        QRegularExpression::CaseInsensitiveOption);
    return directive.match(code).hasMatch();
}

// Source lines joined where a trailing backslash continues them; each entry keeps the number
// of the line it starts on.
std::vector<std::pair<int, QString>> logicalLines(const QStringList &lines)
{
    std::vector<std::pair<int, QString>> joined;
    bool continues = false;
    for (qsizetype i = 0; i < lines.size(); ++i) {
        QString line = lines[i];
        if (continues)
            joined.back().second += line;
        else
            joined.emplace_back(static_cast<int>(i + 1), line);
        continues = line.endsWith(QLatin1Char('\\'));
        if (continues)
            joined.back().second.chop(1);
    }
    return joined;
}

// The line of the directive that made NASM read `name`, for messages: a file directive naming
// it (or its file name) literally, else one whose argument is a macro, else the line that
// spells the name out (a `%define`), else 0.
int lineNaming(const QStringList &lines, const QString &name)
{
    const QString fileName = QFileInfo(name).fileName();
    std::array<int, 4> best{}; // by preference, as listed above
    for (const auto &[number, text] : logicalLines(lines)) {
        const ScannedLine scanned = scanLine(text);
        const bool directive = namesAFile(scanned.code);
        const bool exact = scanned.literals.contains(name);
        const bool partial = !fileName.isEmpty() &&
                             std::any_of(scanned.literals.begin(), scanned.literals.end(),
                                         [&](const QString &l) { return l.contains(fileName); });
        const std::array<bool, 4> kinds{directive && (exact || partial),
                                        directive && scanned.literals.isEmpty(), exact, partial};
        for (std::size_t k = 0; k < kinds.size(); ++k) {
            if (kinds[k] && best[k] == 0)
                best[k] = number;
        }
    }
    const auto found = std::find_if(best.begin(), best.end(), [](int line) { return line > 0; });
    return found != best.end() ? *found : 0;
}

// ---------------------------------------------------------------------------------------------
// Running NASM

// Limits applied to the NASM process itself: it is killed when it spins (CPU), cannot fill the
// disk (file size) or the memory (address space), and leaves no core file.
struct ProcessLimits
{
    rlim_t cpuSeconds = 0;
    rlim_t fileSize = 0;
    rlim_t addressSpace = 0;
};

ProcessLimits processLimits(const Assembler::Options &options)
{
    constexpr std::uint64_t kMiB = 1024 * 1024;
    const std::uint64_t code = std::min<std::uint64_t>(options.maxCodeSize, 1024 * kMiB);
    ProcessLimits limits;
    limits.cpuSeconds = static_cast<rlim_t>(std::max(options.timeoutMs, 0) / 1000 + 2);
    // The listing takes several characters per byte of code.
    limits.fileSize = static_cast<rlim_t>(8 * code + 64 * kMiB);
    limits.addressSpace = static_cast<rlim_t>(8 * code + 512 * kMiB);
    return limits;
}

// Where NASM may read and write, enforced by the kernel (Landlock, Linux 5.13 and later) in the
// child before exec. The dependency check rejects the usual escapes with a clear message; this
// closes the ones NASM's dependency mode does not report (`times 1 incbin`, `%unimacro incbin`,
// `%pathsearch` followed by `%include`, includes that depend on `__?PASS?__`) and keeps a
// `[map]` directive from writing anywhere.
struct Confinement
{
    struct Rule
    {
        QByteArray path;
        std::uint64_t access = 0;
    };
    std::vector<Rule> rules;
};

#ifdef VMWB_HAVE_LANDLOCK
constexpr std::uint64_t kHandledAccess = (LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1; // ABI 1
constexpr std::uint64_t kReadAccess = LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR;
constexpr std::uint64_t kRunAccess = LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE;
constexpr std::uint64_t kScratchAccess = kReadAccess | LANDLOCK_ACCESS_FS_WRITE_FILE |
                                         LANDLOCK_ACCESS_FS_MAKE_REG |
                                         LANDLOCK_ACCESS_FS_REMOVE_FILE;

bool landlockAvailable()
{
    return syscall(SYS_landlock_create_ruleset, nullptr, std::size_t{0},
                   LANDLOCK_CREATE_RULESET_VERSION) >= 1;
}

// Runs between fork and exec: only async-signal-safe calls.
bool confineSelf(const Confinement &confinement) noexcept
{
    landlock_ruleset_attr ruleset{};
    ruleset.handled_access_fs = kHandledAccess;
    const long rulesetFd = syscall(SYS_landlock_create_ruleset, &ruleset, sizeof ruleset, 0U);
    if (rulesetFd < 0)
        return false;
    bool ok = true;
    for (const Confinement::Rule &rule : confinement.rules) {
        const int fd = open(rule.path.constData(), O_PATH | O_CLOEXEC);
        if (fd < 0) {
            ok = false;
            break;
        }
        landlock_path_beneath_attr beneath{};
        beneath.allowed_access = rule.access;
        beneath.parent_fd = fd;
        ok = syscall(SYS_landlock_add_rule, rulesetFd, LANDLOCK_RULE_PATH_BENEATH, &beneath, 0U) ==
             0;
        close(fd);
        if (!ok)
            break;
    }
    ok = ok && prctl(PR_SET_NO_NEW_PRIVS, 1UL, 0UL, 0UL, 0UL) == 0 &&
         syscall(SYS_landlock_restrict_self, rulesetFd, 0U) == 0;
    close(static_cast<int>(rulesetFd));
    return ok;
}

// The directories of the C library and the dynamic loader this process uses; NASM needs the
// same ones to start.
QStringList runtimeLibraryDirectories()
{
    QStringList directories;
    dl_iterate_phdr(
        [](dl_phdr_info *info, std::size_t, void *data) -> int {
            const QString path = QString::fromLocal8Bit(info->dlpi_name);
            const QString name = QFileInfo(path).fileName();
            if (path.startsWith(QLatin1Char('/')) && (name.startsWith(QLatin1String("libc.")) ||
                                                      name.startsWith(QLatin1String("ld-")))) {
                auto *list = static_cast<QStringList *>(data);
                const QString directory =
                    QFileInfo(QFileInfo(path).canonicalFilePath()).absolutePath();
                if (!list->contains(directory))
                    list->append(directory);
            }
            return 0;
        },
        &directories);
    return directories;
}
#endif

// NASM may run itself and the C library, read the include directory, and read and write its
// private directory; nothing else.
std::optional<Confinement> confinementFor(const QString &program, const QString &includeDirectory,
                                          const QString &scratch)
{
#ifdef VMWB_HAVE_LANDLOCK
    if (!landlockAvailable())
        return std::nullopt;
    Confinement confinement;
    confinement.rules.push_back(
        {QFile::encodeName(QFileInfo(program).canonicalFilePath()), kRunAccess});
    for (const QString &directory : runtimeLibraryDirectories())
        confinement.rules.push_back({QFile::encodeName(directory), kRunAccess});
    if (!includeDirectory.isEmpty())
        confinement.rules.push_back({QFile::encodeName(includeDirectory), kReadAccess});
    if (!scratch.isEmpty())
        confinement.rules.push_back({QFile::encodeName(scratch), kScratchAccess});
    return confinement;
#else
    Q_UNUSED(program)
    Q_UNUSED(includeDirectory)
    Q_UNUSED(scratch)
    return std::nullopt;
#endif
}

void setLimit(int resource, rlim_t soft, rlim_t hard) noexcept
{
    const rlimit limit{soft, hard};
    setrlimit(resource, &limit);
}

void restrictChild(const ProcessLimits &limits,
                   const std::optional<Confinement> &confinement) noexcept
{
    prctl(PR_SET_PDEATHSIG, static_cast<unsigned long>(SIGKILL));
    setLimit(RLIMIT_CORE, 0, 0);
    setLimit(RLIMIT_CPU, limits.cpuSeconds, limits.cpuSeconds + 1);
    setLimit(RLIMIT_FSIZE, limits.fileSize, limits.fileSize);
    setLimit(RLIMIT_AS, limits.addressSpace, limits.addressSpace);
#ifdef VMWB_HAVE_LANDLOCK
    if (confinement && !confineSelf(*confinement))
        _exit(kConfinementFailedExitCode);
#else
    if (confinement)
        _exit(kConfinementFailedExitCode);
#endif
}

struct NasmRun
{
    bool started = false;
    bool timedOut = false;
    bool crashed = false;
    int exitCode = -1;
    QString startError;
    QByteArray standardOutput;
    QByteArray standardError;

    bool succeeded() const { return started && !timedOut && !crashed && exitCode == 0; }
};

void appendCapped(QByteArray &buffer, const QByteArray &chunk)
{
    if (buffer.size() < kMaxDiagnosticBytes)
        buffer.append(chunk.left(kMaxDiagnosticBytes - buffer.size()));
}

NasmRun runNasm(const QString &program, const QStringList &arguments, const QString &workDirectory,
                const ProcessLimits &limits, const std::optional<Confinement> &confinement,
                const QDeadlineTimer &deadline)
{
    NasmRun run;
    QProcess process;
    process.setProgram(program);
    process.setArguments(arguments);
    process.setWorkingDirectory(workDirectory);
    // No inherited environment: `%!NAME` would otherwise read the user's variables.
    QProcessEnvironment environment;
    environment.insert(QStringLiteral("LC_ALL"), QStringLiteral("C"));
    process.setProcessEnvironment(environment);
    process.setStandardInputFile(QProcess::nullDevice());
    process.setChildProcessModifier([limits, confinement] { restrictChild(limits, confinement); });

    process.start();
    if (!process.waitForStarted(
            static_cast<int>(std::max<qint64>(deadline.remainingTime(), 1000)))) {
        run.startError = process.errorString();
        return run;
    }
    run.started = true;

    const auto drain = [&] {
        appendCapped(run.standardOutput, process.readAllStandardOutput());
        appendCapped(run.standardError, process.readAllStandardError());
    };
    while (process.state() != QProcess::NotRunning) {
        const qint64 remaining = deadline.remainingTime();
        if (remaining == 0) {
            process.kill();
            process.waitForFinished(1000);
            run.timedOut = true;
            return run;
        }
        process.waitForFinished(static_cast<int>(std::clamp<qint64>(remaining, 1, 100)));
        drain();
    }
    drain();
    run.crashed = process.exitStatus() == QProcess::CrashExit;
    run.exitCode = process.exitCode();
    return run;
}

QString resolveExecutable(const QString &program)
{
    if (program.contains(QLatin1Char('/'))) {
        const QFileInfo info(program);
        return info.isFile() && info.isExecutable() ? info.absoluteFilePath() : QString();
    }
    return QStandardPaths::findExecutable(program);
}

QStringList commonArguments(const QString &preludePath, const QString &includeDirectory)
{
    QStringList arguments{QStringLiteral("-f"), QStringLiteral("bin"), QStringLiteral("-Xgnu"),
                          // A snippet's `%line` would relabel its own lines as another file's.
                          QStringLiteral("--no-line"), QStringLiteral("-P") + preludePath,
                          QStringLiteral("-I") + includeDirectory + QLatin1Char('/')};
    for (const NasmLimit &limit : kNasmLimits) {
        arguments << QStringLiteral("--limit-") + QLatin1String(limit.name)
                  << QLatin1String(limit.value);
    }
    return arguments;
}

// ---------------------------------------------------------------------------------------------
// NASM's diagnostics (-Xgnu): "file:line: severity: message", "file:line: ... note",
// "file: severity: message" and, for critical errors, "severity: file:line: message".

struct RawDiagnostic
{
    struct Note // "... from macro `X' defined here": where the failing line came from
    {
        QString file;
        int line = 0;
        QString text;
    };

    QString file;
    int line = 0;
    AssemblerDiagnostic::Severity severity = AssemblerDiagnostic::Severity::Error;
    QString message;
    std::vector<Note> notes;
};

AssemblerDiagnostic::Severity severityOf(const QString &word)
{
    const bool warning = word == QLatin1String("warning") || word == QLatin1String("note") ||
                         word == QLatin1String("info") || word == QLatin1String("debug");
    return warning ? AssemblerDiagnostic::Severity::Warning : AssemblerDiagnostic::Severity::Error;
}

std::vector<RawDiagnostic> parseNasmDiagnostics(const QByteArray &output)
{
    static const QString severities =
        QStringLiteral("(panic|critical|fatal|error|warning|note|info|debug)");
    static const QRegularExpression withLine(QStringLiteral("^(.+?):(\\d+): ") + severities +
                                             QStringLiteral(": (.*)$"));
    static const QRegularExpression note(QStringLiteral("^(.+?):(\\d+): \\.\\.\\. (.*)$"));
    static const QRegularExpression severityFirst(QStringLiteral("^") + severities +
                                                  QStringLiteral(": (.*)$"));
    static const QRegularExpression location(QStringLiteral("^(.+?):(\\d+): (.*)$"));
    static const QRegularExpression withoutLine(QStringLiteral("^(.+?): ") + severities +
                                                QStringLiteral(": (.*)$"));

    std::vector<RawDiagnostic> diagnostics;
    const QStringList lines =
        QString::fromUtf8(output).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    for (const QString &line : lines) {
        RawDiagnostic diagnostic;
        if (const auto m = withLine.match(line); m.hasMatch()) {
            diagnostic = {
                m.captured(1), m.captured(2).toInt(), severityOf(m.captured(3)), m.captured(4), {}};
        } else if (const auto n = note.match(line); n.hasMatch()) {
            if (!diagnostics.empty())
                diagnostics.back().notes.push_back(
                    {n.captured(1), n.captured(2).toInt(), n.captured(3)});
            continue;
        } else if (const auto s = severityFirst.match(line); s.hasMatch()) {
            diagnostic.severity = severityOf(s.captured(1));
            if (const auto l = location.match(s.captured(2)); l.hasMatch())
                diagnostic = {
                    l.captured(1), l.captured(2).toInt(), diagnostic.severity, l.captured(3), {}};
            else
                diagnostic.message = s.captured(2);
        } else if (const auto w = withoutLine.match(line); w.hasMatch()) {
            diagnostic = {w.captured(1), 0, severityOf(w.captured(2)), w.captured(3), {}};
        } else {
            diagnostic.message = line;
        }
        diagnostics.push_back(diagnostic);
    }
    return diagnostics;
}

// ---------------------------------------------------------------------------------------------
// The make-style dependency list of `nasm -M -MF file -MT program`: names separated by blanks,
// with a blank inside a name written as "\ ", "#" as "\#" and "$" as "$$".

QStringList parseDependencies(const QByteArray &text)
{
    const QString all = QString::fromUtf8(text);
    const QString head = QLatin1String(kDependencyTarget) + QLatin1String(" :");
    if (!all.startsWith(head))
        return {};
    QStringList names;
    QString current;
    const auto finish = [&] {
        if (!current.isEmpty())
            names.append(current);
        current.clear();
    };
    for (qsizetype i = head.size(); i < all.size(); ++i) {
        const QChar c = all[i];
        if (c == QLatin1Char('\\')) {
            qsizetype run = 0;
            while (i + run < all.size() && all[i + run] == QLatin1Char('\\'))
                ++run;
            const QChar next = i + run < all.size() ? all[i + run] : QChar();
            i += run - 1;
            if (next == QLatin1Char(' ') || next == QLatin1Char('\t')) {
                current += QString(run / 2, QLatin1Char('\\'));
                if (run % 2 == 1) {
                    current += next;
                    ++i;
                }
            } else if (next == QLatin1Char('\n') && run == 1) {
                finish();
                ++i;
            } else if (next == QLatin1Char('#')) {
                current += QString(run - 1, QLatin1Char('\\')) + next;
                ++i;
            } else {
                current += QString(run, QLatin1Char('\\'));
            }
        } else if (c == QLatin1Char('$') && i + 1 < all.size() && all[i + 1] == QLatin1Char('$')) {
            current += c;
            ++i;
        } else if (c == QLatin1Char(' ') || c == QLatin1Char('\t') || c == QLatin1Char('\n')) {
            finish();
        } else {
            current += c;
        }
    }
    finish();
    return names;
}

// ---------------------------------------------------------------------------------------------
// The map file's section table (the prelude asks for `[map sections ...]`):
//   Vstart            Start             Stop              Length    Class     Name
//           100000            100000            100017  00000017  progbits  .text

struct SectionLayout
{
    std::uint64_t start = 0;
    bool progbits = true;
};

std::map<QString, SectionLayout> parseSectionMap(const QString &map)
{
    std::map<QString, SectionLayout> sections;
    const QStringList lines = map.split(QLatin1Char('\n'));
    qsizetype i = 0;
    while (i < lines.size() && !lines[i].contains(QLatin1String("Sections (summary)")))
        ++i;
    while (i < lines.size() && !lines[i].startsWith(QLatin1String("Vstart")))
        ++i;
    for (++i; i < lines.size(); ++i) {
        const QStringList fields = lines[i].split(QLatin1Char(' '), Qt::SkipEmptyParts);
        if (fields.size() != 6)
            break;
        bool ok = false;
        const std::uint64_t start = fields[1].toULongLong(&ok, 16);
        if (!ok)
            break;
        sections[fields[5]] = {start, fields[4] == QLatin1String("progbits")};
    }
    return sections;
}

// ---------------------------------------------------------------------------------------------
// The listing. Each line is
//   "%6d " line number, then either "%08X " section offset and the bytes padded to 19 columns,
//   or 28 blanks; then " <N>" (N = include/macro depth) or 4 blanks; then " " and the source.
// Bytes: hex pairs, "??" for reserved bytes, "[..]"/"(..)" for relocated values, and tags
// "<rep N>" (TIMES), "<bin N>" (INCBIN), "<res N>", "<zero N>", "<len N>" ("h" suffix: hex).
// A line whose bytes do not fit continues, with a trailing "-", on lines without source text.
// Lines from include files and macro bodies carry their own files' line numbers.

struct ListedBytes
{
    std::uint64_t size = 0;
    std::vector<std::int16_t> pattern; // first bytes shown; -1 where the value is not shown
    bool patternOpen = true;           // false after a tag: later bytes are not at known offsets
};

// Reads the bytes column starting at `data`; returns how many characters it used.
qsizetype readListedBytes(QStringView data, ListedBytes &bytes)
{
    const auto hexDigit = [](QChar c) {
        return (c >= QLatin1Char('0') && c <= QLatin1Char('9')) ||
               (c >= QLatin1Char('A') && c <= QLatin1Char('F'));
    };
    const auto addUnknown = [&bytes](std::uint64_t count) {
        bytes.size += count;
        for (std::uint64_t k = 0; k < count && bytes.patternOpen; ++k)
            bytes.pattern.push_back(-1);
    };
    qsizetype i = 0;
    while (i < data.size()) {
        const QChar c = data[i];
        if (i + 1 < data.size() && hexDigit(c) && hexDigit(data[i + 1])) {
            bytes.size += 1;
            if (bytes.patternOpen)
                bytes.pattern.push_back(
                    static_cast<std::int16_t>(data.mid(i, 2).toUInt(nullptr, 16)));
            i += 2;
        } else if (c == QLatin1Char('?') && i + 1 < data.size() &&
                   data[i + 1] == QLatin1Char('?')) {
            addUnknown(1);
            i += 2;
        } else if (c == QLatin1Char('[') || c == QLatin1Char('(')) {
            const qsizetype end = data.indexOf(c == QLatin1Char('[') ? u']' : u')', i);
            if (end < 0)
                break;
            addUnknown(static_cast<std::uint64_t>(end - i - 1) / 2);
            i = end + 1;
        } else if (c == QLatin1Char('<')) {
            static const QRegularExpression tag(
                QStringLiteral("^<(rep|bin|res|zero|len) ([0-9A-F]+)(h?)>"));
            const auto m = tag.match(data.mid(i));
            if (!m.hasMatch())
                break;
            bool ok = false;
            const std::uint64_t count =
                m.captured(2).toULongLong(&ok, m.captured(3).isEmpty() ? 10 : 16);
            if (!ok)
                break;
            if (m.captured(1) == QLatin1String("rep"))
                bytes.size *= count;
            else
                bytes.size += count;
            bytes.patternOpen = false;
            i += m.capturedLength();
        } else if (c == QLatin1Char('-')) {
            ++i;
        } else {
            break;
        }
    }
    return i;
}

struct ListingEntry
{
    int line = 0;
    int level = 0;
    QString text;
    std::optional<std::uint32_t> offset;
    ListedBytes bytes;
};

std::vector<ListingEntry> parseListing(const QString &listing)
{
    static const QRegularExpression head(QStringLiteral("^ *(-?\\d+) "));
    static const QRegularExpression offset(QStringLiteral("^([0-9A-F]{8}) "));
    static const QRegularExpression marker(QStringLiteral("^ ?<(\\d+)>(?: (.*))?$"));
    constexpr qsizetype kBytesColumn = 19;
    constexpr qsizetype kNoBytesWidth = 28;

    std::vector<ListingEntry> entries;
    const QStringList lines = listing.split(QLatin1Char('\n'));
    for (const QString &line : lines) {
        const auto h = head.match(line);
        if (!h.hasMatch())
            continue;
        const QStringView rest = QStringView(line).mid(h.capturedEnd());

        std::optional<std::uint32_t> at;
        ListedBytes bytes;
        QStringView tail;
        if (const auto o = offset.match(rest); o.hasMatch()) {
            at = o.captured(1).toUInt(nullptr, 16);
            const qsizetype used = readListedBytes(rest.mid(9), bytes);
            tail = rest.mid(std::min(rest.size(), 9 + std::max(used, kBytesColumn)));
        } else if (rest.startsWith(QString(kNoBytesWidth, QLatin1Char(' ')))) {
            tail = rest.mid(kNoBytesWidth);
        } else {
            continue; // a message line
        }

        bool hasText = false;
        int level = 0;
        QString text;
        if (const auto m = marker.match(tail); m.hasMatch()) {
            level = m.captured(1).toInt();
            hasText = m.hasCaptured(2);
            text = m.captured(2);
        } else if (tail.startsWith(QLatin1String("    "))) {
            hasText = true;
            text = tail.mid(std::min<qsizetype>(tail.size(), 5)).toString();
        }

        if (hasText || entries.empty()) {
            entries.push_back({h.captured(1).toInt(), level, text, at, bytes});
            continue;
        }
        // Bytes continued from the line above; a TIMES tag here repeats all of them.
        ListingEntry &current = entries.back();
        if (!current.offset)
            current.offset = at;
        if (at)
            readListedBytes(rest.mid(9), current.bytes);
    }
    return entries;
}

// Where a listed line's bytes come from, seen from the main file.
enum class Origin : std::uint8_t
{
    Main,     // the line is a main-file line (level 0, or a %rep body copy of one)
    MacroOf,  // the line expands a macro invoked by main-file line `mainLine`
    Included, // the line comes from an included file
};

struct Frame
{
    Origin origin = Origin::Included;
    int mainLine = 0;
};

Frame openFrame(const ListingEntry *opener, const Frame &opened)
{
    if (!opener)
        return opened.origin == Origin::Main ? Frame{Origin::MacroOf, opened.mainLine} : opened;
    static const QRegularExpression include(QStringLiteral(R"(^\s*%(include|require|use)\b)"),
                                            QRegularExpression::CaseInsensitiveOption);
    static const QRegularExpression endrep(QStringLiteral(R"(^\s*%endrep\b)"),
                                           QRegularExpression::CaseInsensitiveOption);
    if (opened.origin == Origin::Included || include.match(opener->text).hasMatch())
        return {Origin::Included, 0};
    if (endrep.match(opener->text).hasMatch())
        return opened; // %rep copies keep their own line numbers
    return {Origin::MacroOf, opened.origin == Origin::Main ? opener->line : opened.mainLine};
}

// Follows `section`, `absolute` and `struc` so that section offsets become addresses. Lines of
// %macro and %rep definitions are listed where they are read, not where they run: skip them.
class SectionTracker
{
public:
    void follow(const ListingEntry &entry)
    {
        static const QRegularExpression opening(
            QStringLiteral(R"(^\s*%(i?macro|rmacro|irmacro|rep)\b)"),
            QRegularExpression::CaseInsensitiveOption);
        static const QRegularExpression closing(QStringLiteral(R"(^\s*%(endm(acro)?|endrep)\b)"),
                                                QRegularExpression::CaseInsensitiveOption);
        static const QRegularExpression section(
            QStringLiteral(R"(^\s*\[?\s*(section|segment)\s+([^\s\]]+))"),
            QRegularExpression::CaseInsensitiveOption);
        static const QRegularExpression absolute(QStringLiteral(R"(^\s*\[?\s*absolute\b)"),
                                                 QRegularExpression::CaseInsensitiveOption);
        static const QRegularExpression struc(QStringLiteral(R"(^\s*struc\b)"),
                                              QRegularExpression::CaseInsensitiveOption);
        static const QRegularExpression endstruc(QStringLiteral(R"(^\s*endstruc\b)"),
                                                 QRegularExpression::CaseInsensitiveOption);

        const QString code = scanLine(entry.text).code;
        if (m_definitionLevel >= 0 && entry.level == m_definitionLevel) {
            if (opening.match(code).hasMatch())
                ++m_definitionDepth;
            else if (closing.match(code).hasMatch() && --m_definitionDepth == 0)
                m_definitionLevel = -1;
            return;
        }
        if (m_definitionLevel >= 0 && entry.level > m_definitionLevel)
            m_definitionLevel = -1; // a %rep body is now being expanded
        if (opening.match(code).hasMatch()) {
            m_definitionLevel = entry.level;
            m_definitionDepth = 1;
        } else if (const auto s = section.match(code); s.hasMatch()) {
            m_current = s.captured(2);
            m_known = !m_current.contains(QLatin1Char('%'));
            m_absolute = false;
        } else if (absolute.match(code).hasMatch()) {
            m_absolute = true;
        } else if (struc.match(code).hasMatch()) {
            m_beforeStruc = State{m_current, m_known, m_absolute};
            m_absolute = true;
        } else if (endstruc.match(code).hasMatch()) {
            m_current = m_beforeStruc.name;
            m_known = m_beforeStruc.known;
            m_absolute = m_beforeStruc.absolute;
        }
    }

    // The current section's name, if bytes listed now are in a known section of the file.
    std::optional<QString> section() const
    {
        if (!m_known || m_absolute)
            return std::nullopt;
        return m_current;
    }

private:
    struct State
    {
        QString name;
        bool known = true;
        bool absolute = false;
    };
    QString m_current = QStringLiteral(".text");
    bool m_known = true;
    bool m_absolute = false;
    State m_beforeStruc{QStringLiteral(".text"), true, false};
    int m_definitionLevel = -1;
    int m_definitionDepth = 0;
};

// Whether a listed line (as written, or as a macro body line expands) emits data.
bool isDataDirective(const QString &text)
{
    static const QRegularExpression data(
        QStringLiteral("^\\s*(?:[.\\w$?@]+:?\\s+)?(?:times\\s+\\S+\\s+)?"
                       "(db|dw|dd|dq|dt|do|dy|dz|incbin|istruc|at|iend)\\b"),
        QRegularExpression::CaseInsensitiveOption);
    return data.match(scanLine(text).code).hasMatch();
}

// The main file's line map: listed lines whose bytes lie in the binary and match what the
// listing shows, attributed to the main-file line that produced them.
std::vector<LineMapping> buildLineMap(const std::vector<ListingEntry> &entries,
                                      const std::map<QString, SectionLayout> &sections,
                                      const QByteArray &code, std::uint64_t loadAddress)
{
    std::vector<LineMapping> mappings;
    std::vector<Frame> frames;                 // frames[d]: what lies between depth d and d+1
    std::vector<const ListingEntry *> openers; // the last line listed at each depth
    SectionTracker tracker;

    for (const ListingEntry &entry : entries) {
        const auto depth = static_cast<std::size_t>(std::max(entry.level, 0));
        if (frames.size() > depth)
            frames.resize(depth);
        while (frames.size() < depth) {
            const std::size_t d = frames.size();
            const ListingEntry *opener = d < openers.size() ? openers[d] : nullptr;
            const Frame opened =
                d == 0 ? Frame{Origin::Main, opener ? opener->line : 0} : frames[d - 1];
            frames.push_back(openFrame(opener, opened));
        }
        openers.resize(depth + 1);
        openers[depth] = &entry;

        tracker.follow(entry);
        const Frame here = depth == 0 ? Frame{Origin::Main, entry.line} : frames.back();
        const int mainLine = here.origin == Origin::Main      ? entry.line
                             : here.origin == Origin::MacroOf ? here.mainLine
                                                              : 0;
        const auto section = tracker.section();
        if (mainLine <= 0 || !entry.offset || entry.bytes.size == 0 || !section)
            continue;
        const auto layout = sections.find(*section);
        const bool known =
            layout != sections.end() ? layout->second.progbits : *section == QLatin1String(".text");
        if (!known)
            continue;
        const std::uint64_t sectionStart =
            layout != sections.end() ? layout->second.start : loadAddress;
        const std::uint64_t address = sectionStart + *entry.offset;
        if (address < loadAddress ||
            address - loadAddress >= static_cast<std::uint64_t>(code.size()))
            continue;
        const std::uint64_t first = address - loadAddress;
        const std::uint64_t available = static_cast<std::uint64_t>(code.size()) - first;
        const std::uint64_t size = std::min(entry.bytes.size, available);

        // A line placed in the wrong section would show other bytes than the binary has there.
        bool matches = true;
        for (std::size_t k = 0; k < entry.bytes.pattern.size() && k < size && matches; ++k) {
            const std::int16_t expected = entry.bytes.pattern[k];
            const auto actual = static_cast<std::uint8_t>(code[static_cast<qsizetype>(first + k)]);
            matches = expected < 0 || expected == actual;
        }
        if (matches)
            mappings.push_back(
                {mainLine, address,
                 static_cast<std::uint32_t>(std::min<std::uint64_t>(size, UINT32_MAX)),
                 isDataDirective(entry.text)});
    }

    std::stable_sort(
        mappings.begin(), mappings.end(),
        [](const LineMapping &a, const LineMapping &b) { return a.address < b.address; });
    std::vector<LineMapping> merged;
    for (LineMapping mapping : mappings) {
        if (!merged.empty()) {
            LineMapping &last = merged.back();
            const std::uint64_t lastEnd = last.address + last.size;
            if (mapping.address < lastEnd) { // overlapping: keep the earlier claim
                if (mapping.address + mapping.size <= lastEnd)
                    continue;
                mapping.size = static_cast<std::uint32_t>(mapping.address + mapping.size - lastEnd);
                mapping.address = lastEnd;
            }
            if (mapping.line == last.line && mapping.data == last.data &&
                mapping.address == lastEnd) {
                last.size += mapping.size;
                continue;
            }
        }
        merged.push_back(mapping);
    }
    return merged;
}

// ---------------------------------------------------------------------------------------------

// One assembly: its private directory, the NASM runs and the reading of their results.
class AssemblyRun
{
public:
    AssemblyRun(const Assembler::Options &options, QString fileName, QString program,
                QString includeDirectory, bool confine)
        : m_options(options), m_fileName(std::move(fileName)), m_program(std::move(program)),
          m_includeDirectory(std::move(includeDirectory)), m_confine(confine),
          m_scratch(QDir::tempPath() + QStringLiteral("/vmwb-asm-XXXXXX")),
          m_deadline(std::max(options.timeoutMs, 0))
    {}

    AssemblerResult assemble(const QString &source);

private:
    QString path(const char *name) const { return m_scratch.filePath(QLatin1String(name)); }
    bool prepare(const QString &source);
    bool checkLiterals();
    bool checkDependencies();
    bool assembleForReal();
    bool collectProgram();

    bool failedToRun(const NasmRun &run);
    void addError(int line, const QString &message);
    void addForbidden(int line, const QString &written, const IncludePolicy::Verdict &verdict);
    std::optional<QString> displayName(const QString &nasmName) const;
    AssemblerDiagnostic toDiagnostic(const RawDiagnostic &raw) const;
    bool reportForbiddenOpens(const std::vector<RawDiagnostic> &diagnostics);
    std::optional<Confinement> confinement() const;

    const Assembler::Options &m_options;
    QString m_fileName;
    QString m_program;
    QString m_includeDirectory; // canonical
    bool m_confine;
    QTemporaryDir m_scratch;
    QDeadlineTimer m_deadline;

    QStringList m_lines;
    std::optional<IncludePolicy> m_policy;
    std::vector<AssemblerDiagnostic> m_errors;
    std::vector<AssemblerDiagnostic> m_warnings;
    AssembledProgram m_result;
};

void AssemblyRun::addError(int line, const QString &message)
{
    m_errors.push_back({AssemblerDiagnostic::Severity::Error, m_fileName, line, message});
}

void AssemblyRun::addForbidden(int line, const QString &written,
                               const IncludePolicy::Verdict &verdict)
{
    const QString where =
        m_options.includeDirectory.isEmpty()
            ? QCoreApplication::translate("vmwb::Assembler", "the workbench's include directory")
            : QDir::toNativeSeparators(m_includeDirectory);
    const QString message =
        verdict.throughLink
            ? QCoreApplication::translate(
                  "vmwb::Assembler",
                  "\"%1\" leads to %2, outside %3; %include and incbin may only name files "
                  "in it")
                  .arg(written, QDir::toNativeSeparators(verdict.resolved), where)
            : QCoreApplication::translate(
                  "vmwb::Assembler",
                  "\"%1\" is outside %2; %include and incbin may only name files in it")
                  .arg(written, where);
    const bool repeated = std::any_of(m_errors.begin(), m_errors.end(), [&](const auto &error) {
        return error.line == line && error.message == message;
    });
    if (!repeated)
        addError(line, message);
}

std::optional<Confinement> AssemblyRun::confinement() const
{
    if (!m_confine)
        return std::nullopt;
    return confinementFor(m_program, m_includeDirectory, m_scratch.path());
}

bool AssemblyRun::prepare(const QString &source)
{
    if (!m_scratch.isValid()) {
        addError(0,
                 QCoreApplication::translate(
                     "vmwb::Assembler", "cannot create a private directory for the assembler: %1")
                     .arg(m_scratch.errorString()));
        return false;
    }
    const QDir root(m_scratch.path());
    if (!root.mkpath(QStringLiteral("in")) || !root.mkpath(QLatin1String(kWorkName)) ||
        !root.mkpath(QStringLiteral("out"))) {
        addError(0, QCoreApplication::translate(
                        "vmwb::Assembler", "cannot create a private directory for the assembler"));
        return false;
    }

    // The prelude sets the mode and origin without the snippet writing them (so its line
    // numbers stay its own), and claims the map file: NASM takes only the first `[map]` file
    // name, so a snippet's own `[map all /some/path]` cannot write anywhere.
    const QByteArray prelude =
        QByteArrayLiteral("bits 64\norg 0x") +
        QByteArray::number(static_cast<qulonglong>(m_options.loadAddress), 16) +
        QByteArrayLiteral("\n[map sections ") + kMapFromWork + QByteArrayLiteral("]\n");
    QFile sourceFile(path(kSourceName));
    QFile preludeFile(path(kPreludeName));
    if (!sourceFile.open(QIODevice::WriteOnly) || sourceFile.write(source.toUtf8()) < 0 ||
        !preludeFile.open(QIODevice::WriteOnly) || preludeFile.write(prelude) < 0) {
        addError(0, QCoreApplication::translate("vmwb::Assembler",
                                                "cannot write the program for the assembler"));
        return false;
    }
    sourceFile.close();
    preludeFile.close();

    m_lines = source.split(QLatin1Char('\n'));
    for (QString &line : m_lines) {
        if (line.endsWith(QLatin1Char('\r')))
            line.chop(1);
    }
    m_policy.emplace(m_includeDirectory, path(kWorkName),
                     QStringList{QFileInfo(path(kSourceName)).canonicalFilePath(),
                                 QFileInfo(path(kPreludeName)).canonicalFilePath()});
    return true;
}

// First line of defence, and the exact line for the message: literal names on lines that
// include or embed a file.
bool AssemblyRun::checkLiterals()
{
    for (const auto &[number, text] : logicalLines(m_lines)) {
        const ScannedLine scanned = scanLine(text);
        if (!namesAFile(scanned.code))
            continue;
        for (const QString &literal : scanned.literals) {
            const auto verdict = m_policy->check(literal);
            if (!verdict.allowed)
                addForbidden(number, literal, verdict);
        }
    }
    return m_errors.empty();
}

// Second line of defence: NASM's dependency mode lists what %include, %depend and incbin name
// after macro expansion (`%define F "/etc/passwd"`, `%strcat`, symbolic links).
bool AssemblyRun::checkDependencies()
{
    QStringList arguments = commonArguments(path(kPreludeName), m_includeDirectory);
    arguments << QStringLiteral("-M") << QStringLiteral("-MF") << path(kDependencyName)
              << QStringLiteral("-MT") << QLatin1String(kDependencyTarget) << path(kSourceName);
    const NasmRun run = runNasm(m_program, arguments, path(kWorkName), processLimits(m_options),
                                confinement(), m_deadline);
    if (failedToRun(run))
        return false;
    if (!run.succeeded()) {
        // Dependency mode cannot evaluate `$` in preprocessor expressions, so a valid program
        // can fail here. Confined, the real assembly cannot read outside and reports the real
        // errors; unconfined, nothing was verified, so stop with what NASM said.
        if (m_confine)
            return true;
        // Only messages about the snippet and the include directory: others may quote a file
        // that should not have been read.
        for (const RawDiagnostic &raw : parseNasmDiagnostics(run.standardError)) {
            if (raw.severity == AssemblerDiagnostic::Severity::Error && displayName(raw.file))
                m_errors.push_back(toDiagnostic(raw));
        }
        if (m_errors.empty())
            addError(0, QCoreApplication::translate("vmwb::Assembler",
                                                    "the assembler failed (exit code %1)")
                            .arg(run.exitCode));
        return false;
    }

    QFile dependencies(path(kDependencyName));
    if (!dependencies.open(QIODevice::ReadOnly)) {
        addError(0,
                 QCoreApplication::translate(
                     "vmwb::Assembler", "the assembler did not list the files the program reads"));
        return false;
    }
    for (const QString &name : parseDependencies(dependencies.readAll())) {
        const auto verdict = m_policy->check(name);
        if (verdict.allowed)
            continue;
        const QString written = m_policy->writtenName(name);
        addForbidden(lineNaming(m_lines, written), written, verdict);
    }
    return m_errors.empty();
}

bool AssemblyRun::failedToRun(const NasmRun &run)
{
    if (run.timedOut) {
        addError(0, QCoreApplication::translate("vmwb::Assembler",
                                                "the assembler did not finish within %1 s")
                        .arg(QString::number(static_cast<double>(m_options.timeoutMs) / 1000.0)));
        return true;
    }
    if (!run.started) {
        addError(0, QCoreApplication::translate("vmwb::Assembler",
                                                "the assembler \"%1\" could not be started: %2")
                        .arg(QDir::toNativeSeparators(m_program), run.startError));
        return true;
    }
    if (run.crashed) {
        const auto limits = processLimits(m_options);
        for (const char *name : {kBinaryName, kListingName}) {
            if (static_cast<rlim_t>(QFileInfo(path(name)).size()) >= limits.fileSize) {
                addError(0, QCoreApplication::translate(
                                "vmwb::Assembler",
                                "the assembler's output grew beyond %1 bytes; at most %2 bytes "
                                "of program fit in guest memory above the load address")
                                .arg(limits.fileSize)
                                .arg(m_options.maxCodeSize));
                return true;
            }
        }
        addError(0, QCoreApplication::translate(
                        "vmwb::Assembler",
                        "the assembler stopped abnormally (it ran out of time or memory)"));
        return true;
    }
    if (run.exitCode == kConfinementFailedExitCode) {
        addError(0, QCoreApplication::translate(
                        "vmwb::Assembler",
                        "the assembler could not be confined to the include directory"));
        return true;
    }
    return false;
}

std::optional<QString> AssemblyRun::displayName(const QString &nasmName) const
{
    const QString includePrefix = m_includeDirectory + QLatin1Char('/');
    if (nasmName == path(kSourceName))
        return m_fileName;
    if (nasmName.startsWith(includePrefix))
        return nasmName.mid(includePrefix.size());
    return std::nullopt;
}

AssemblerDiagnostic AssemblyRun::toDiagnostic(const RawDiagnostic &raw) const
{
    const std::optional<QString> file = displayName(raw.file);
    QString message = raw.message;
    for (const RawDiagnostic::Note &note : raw.notes) {
        const std::optional<QString> noteFile = displayName(note.file);
        const QString where =
            noteFile ? QStringLiteral("%1:%2").arg(*noteFile).arg(note.line) : m_fileName;
        QString text = note.text;
        if (text.endsWith(QLatin1String(" here")))
            text.chop(5);
        message = QCoreApplication::translate("vmwb::Assembler", "%1 (%2 at %3)")
                      .arg(message, text, where);
    }
    // Messages can quote the private paths; show the names the user knows.
    message.replace(path(kSourceName), m_fileName);
    message.replace(m_includeDirectory + QLatin1Char('/'), QString());
    message.replace(m_scratch.path() + QLatin1Char('/'), QString());

    return {raw.severity, file.value_or(m_fileName), file ? raw.line : 0, message};
}

// Confined, a file outside the include directory simply fails to open; say why.
bool AssemblyRun::reportForbiddenOpens(const std::vector<RawDiagnostic> &diagnostics)
{
    static const QRegularExpression openFailure(
        QStringLiteral("unable to (open include file|open file|get length of file) `(.+)'"));
    bool found = false;
    for (const RawDiagnostic &raw : diagnostics) {
        const auto m = openFailure.match(raw.message);
        if (!m.hasMatch())
            continue;
        const auto verdict = m_policy->check(m.captured(2));
        if (verdict.allowed)
            continue;
        const AssemblerDiagnostic diagnostic = toDiagnostic(raw);
        addForbidden(diagnostic.line, m_policy->writtenName(m.captured(2)), verdict);
        found = true;
    }
    return found;
}

bool AssemblyRun::assembleForReal()
{
    QStringList arguments = commonArguments(path(kPreludeName), m_includeDirectory);
    arguments << QStringLiteral("-o") << path(kBinaryName) << QStringLiteral("-l")
              << path(kListingName) << path(kSourceName);
    const NasmRun run = runNasm(m_program, arguments, path(kWorkName), processLimits(m_options),
                                confinement(), m_deadline);
    if (failedToRun(run))
        return false;

    const auto diagnostics = parseNasmDiagnostics(run.standardError);
    if (reportForbiddenOpens(diagnostics))
        return false; // nothing else NASM said is shown: it may quote what it read

    for (const RawDiagnostic &raw : diagnostics) {
        AssemblerDiagnostic diagnostic = toDiagnostic(raw);
        auto &list =
            diagnostic.severity == AssemblerDiagnostic::Severity::Error ? m_errors : m_warnings;
        const bool repeated = std::any_of(list.begin(), list.end(), [&](const auto &d) {
            return d.line == diagnostic.line && d.file == diagnostic.file &&
                   d.message == diagnostic.message;
        });
        if (!repeated && list.size() < kMaxDiagnostics)
            list.push_back(diagnostic);
    }
    if (run.exitCode != 0 && m_errors.empty())
        addError(
            0, QCoreApplication::translate("vmwb::Assembler", "the assembler failed (exit code %1)")
                   .arg(run.exitCode));
    return m_errors.empty();
}

bool AssemblyRun::collectProgram()
{
    QFile binary(path(kBinaryName));
    QByteArray code;
    if (binary.exists()) {
        if (static_cast<std::uint64_t>(binary.size()) > m_options.maxCodeSize) {
            addError(0, QCoreApplication::translate(
                            "vmwb::Assembler",
                            "the program is %1 bytes; at most %2 fit in guest memory above "
                            "the load address")
                            .arg(binary.size())
                            .arg(m_options.maxCodeSize));
            return false;
        }
        if (!binary.open(QIODevice::ReadOnly)) {
            addError(0, QCoreApplication::translate("vmwb::Assembler",
                                                    "cannot read the assembled program: %1")
                            .arg(binary.errorString()));
            return false;
        }
        code = binary.readAll();
    }

    QFile listing(path(kListingName));
    QFile map(path(kMapName));
    const QString listingText =
        listing.open(QIODevice::ReadOnly) ? QString::fromUtf8(listing.readAll()) : QString();
    const QString mapText =
        map.open(QIODevice::ReadOnly) ? QString::fromUtf8(map.readAll()) : QString();

    m_result.fileName = m_fileName;
    m_result.loadAddress = m_options.loadAddress;
    m_result.lines = buildLineMap(parseListing(listingText), parseSectionMap(mapText), code,
                                  m_options.loadAddress);
    m_result.code = std::move(code);
    m_result.warnings = std::move(m_warnings);
    return true;
}

AssemblerResult AssemblyRun::assemble(const QString &source)
{
    AssemblerResult result;
    if (prepare(source) && checkLiterals() && checkDependencies() && assembleForReal() &&
        collectProgram()) {
        result.program = std::move(m_result);
        return result;
    }
    result.errors = std::move(m_errors);
    if (result.errors.empty())
        result.errors.push_back(
            {AssemblerDiagnostic::Severity::Error, m_fileName, 0,
             QCoreApplication::translate("vmwb::Assembler", "the assembler failed")});
    // Warnings help explain a failure, but never ahead of the errors.
    for (AssemblerDiagnostic &warning : m_warnings)
        result.errors.push_back(std::move(warning));
    return result;
}

} // namespace

// ---------------------------------------------------------------------------------------------

QString AssemblerDiagnostic::toString() const
{
    const QString kind = severity == Severity::Error
                             ? QCoreApplication::translate("vmwb::Assembler", "error")
                             : QCoreApplication::translate("vmwb::Assembler", "warning");
    const QString where = line > 0 ? QStringLiteral("%1:%2").arg(file).arg(line) : file;
    return QStringLiteral("%1: %2: %3").arg(where, kind, message);
}

int lineAt(const std::vector<LineMapping> &lines, std::uint64_t address)
{
    auto after =
        std::upper_bound(lines.begin(), lines.end(), address,
                         [](std::uint64_t a, const LineMapping &m) { return a < m.address; });
    if (after == lines.begin())
        return 0;
    const LineMapping &mapping = *std::prev(after);
    return address - mapping.address < mapping.size ? mapping.line : 0;
}

std::optional<std::uint64_t> addressOfLine(const std::vector<LineMapping> &lines, int line)
{
    std::optional<std::uint64_t> first;
    for (const LineMapping &mapping : lines) {
        if (mapping.line == line && (!first || mapping.address < *first))
            first = mapping.address;
    }
    return first;
}

std::optional<std::uint64_t> codeAddressFrom(const std::vector<LineMapping> &lines, int line)
{
    const LineMapping *best = nullptr;
    for (const LineMapping &mapping : lines) {
        if (mapping.data || mapping.line < line)
            continue;
        if (!best || mapping.line < best->line ||
            (mapping.line == best->line && mapping.address < best->address))
            best = &mapping;
    }
    return best ? std::optional(best->address) : std::nullopt;
}

// ---------------------------------------------------------------------------------------------

struct Assembler::Impl
{
    Options options;

    mutable std::mutex mutex;
    mutable std::unique_ptr<QTemporaryDir> extractedIncludes;
    mutable QString nasmProgram;                  // resolved on first use
    mutable std::optional<bool> confinementWorks; // probed on first use

    QString includeDirectoryLocked() const;
    bool probeConfinement(const QString &program) const;
};

QString Assembler::Impl::includeDirectoryLocked() const
{
    if (!options.includeDirectory.isEmpty())
        return QDir(options.includeDirectory).absolutePath();
    if (!extractedIncludes) {
        auto directory = std::make_unique<QTemporaryDir>(QDir::tempPath() +
                                                         QStringLiteral("/vmwb-include-XXXXXX"));
        if (!directory->isValid())
            return {};
        const QString root = QLatin1String(kResourceIncludeDirectory);
        QDirIterator it(root, QDir::Files, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            const QString source = it.next();
            const QString target = directory->filePath(source.mid(root.size() + 1));
            QDir().mkpath(QFileInfo(target).absolutePath());
            QFile::copy(source, target);
            QFile::setPermissions(target, QFile::ReadOwner | QFile::WriteOwner);
        }
        extractedIncludes = std::move(directory);
    }
    return extractedIncludes->path();
}

// Confinement needs the kernel's support and a NASM that starts with only the C library's
// directories readable; without either, the dependency checks stand alone.
bool Assembler::Impl::probeConfinement(const QString &program) const
{
    const auto confinement = confinementFor(program, {}, {});
    if (!confinement)
        return false;
    const NasmRun run = runNasm(program, {QStringLiteral("-v")}, QDir::rootPath(),
                                processLimits(options), confinement, QDeadlineTimer(5000));
    return run.succeeded() && run.standardOutput.contains("NASM");
}

Assembler::Assembler() : Assembler(Options{}) {}

Assembler::Assembler(Options options) : m_impl(std::make_unique<Impl>())
{
    m_impl->options = std::move(options);
}

Assembler::~Assembler() = default;

const Assembler::Options &Assembler::options() const
{
    return m_impl->options;
}

QString Assembler::includeDirectory() const
{
    const std::lock_guard lock(m_impl->mutex);
    return m_impl->includeDirectoryLocked();
}

AssemblerResult Assembler::assembleFile(const QString &path) const
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        AssemblerResult result;
        result.errors.push_back(
            {AssemblerDiagnostic::Severity::Error, path, 0,
             QCoreApplication::translate("vmwb::Assembler", "cannot read \"%1\": %2")
                 .arg(QDir::toNativeSeparators(path), file.errorString())});
        return result;
    }
    return assemble(QString::fromUtf8(file.readAll()), path);
}

AssemblerResult Assembler::assemble(const QString &source, const QString &fileName) const
{
    QString program;
    QString includeDirectory;
    bool confine = false;
    {
        const std::lock_guard lock(m_impl->mutex);
        if (m_impl->nasmProgram.isEmpty())
            m_impl->nasmProgram = resolveExecutable(m_impl->options.nasmExecutable);
        program = m_impl->nasmProgram;
        includeDirectory = m_impl->includeDirectoryLocked();
        if (!program.isEmpty() && !m_impl->confinementWorks)
            m_impl->confinementWorks = m_impl->probeConfinement(program);
        confine = m_impl->confinementWorks.value_or(false);
    }

    AssemblerResult result;
    const auto fail = [&](const QString &message) {
        result.errors.push_back({AssemblerDiagnostic::Severity::Error, fileName, 0, message});
        return result;
    };
    if (program.isEmpty()) {
        return fail(QCoreApplication::translate(
                        "vmwb::Assembler",
                        "the assembler \"%1\" was not found; install NASM or set its path")
                        .arg(m_impl->options.nasmExecutable));
    }
    if (includeDirectory.isEmpty()) {
        return fail(QCoreApplication::translate("vmwb::Assembler",
                                                "cannot unpack the workbench's include files"));
    }
    const QFileInfo includeInfo(includeDirectory);
    if (!includeInfo.isDir()) {
        return fail(QCoreApplication::translate("vmwb::Assembler",
                                                "the include directory \"%1\" does not exist")
                        .arg(QDir::toNativeSeparators(includeDirectory)));
    }

    AssemblyRun run(m_impl->options, fileName, program, includeInfo.canonicalFilePath(), confine);
    return run.assemble(source);
}

} // namespace vmwb
