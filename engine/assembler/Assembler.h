#pragma once

// Guest snippets are assembled by NASM, run as a subprocess: a flat binary (`-f bin`) for the
// load address, and a listing that maps source lines to addresses. `%include` and `incbin`
// may only name files in the workbench's own include directory.

#include <QByteArray>
#include <QString>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

namespace vmwb {

struct AssemblerDiagnostic
{
    enum class Severity : std::uint8_t
    {
        Error,
        Warning
    };

    Severity severity = Severity::Error;
    QString file; // the name the caller gave for the source (never a temporary file's path)
    int line = 0; // 1-based; 0 when the message is about the whole file
    QString message;

    // "file:line: error: message", the form compilers use.
    QString toString() const;
};

// One source line of the main file that produced bytes.
struct LineMapping
{
    int line = 0;              // 1-based line in the main source file
    std::uint64_t address = 0; // guest address of its first byte
    std::uint32_t size = 0;    // bytes it produced
    bool data = false;         // by a data directive (db, dq, times ... dw, incbin, ...), also
                               // one inside a macro the line invokes; otherwise code
};

// Looking up a line map (sorted by address).
// The source line whose bytes contain `address`, or 0.
int lineAt(const std::vector<LineMapping> &lines, std::uint64_t address);
// The address of the first byte produced by `line`, if it produced any.
std::optional<std::uint64_t> addressOfLine(const std::vector<LineMapping> &lines, int line);
// Where a breakpoint or "run to cursor" on `line` stops: the first instruction of `line`, or of
// the next line with code when `line` has none (a label, comment or data line).
std::optional<std::uint64_t> codeAddressFrom(const std::vector<LineMapping> &lines, int line);

struct AssembledProgram
{
    QString fileName;
    std::uint64_t loadAddress = 0;
    QByteArray code;
    std::vector<LineMapping> lines; // sorted by address
    std::vector<AssemblerDiagnostic> warnings;

    int lineAt(std::uint64_t address) const { return vmwb::lineAt(lines, address); }
    std::optional<std::uint64_t> addressOfLine(int line) const
    {
        return vmwb::addressOfLine(lines, line);
    }
    std::optional<std::uint64_t> codeAddressFrom(int line) const
    {
        return vmwb::codeAddressFrom(lines, line);
    }
};

struct AssemblerResult
{
    std::optional<AssembledProgram> program; // set when assembly succeeded
    std::vector<AssemblerDiagnostic> errors; // set when it did not (at least one entry)

    bool ok() const { return program.has_value(); }
};

class Assembler
{
public:
    static constexpr std::uint64_t kDefaultLoadAddress = 0x100000;

    struct Options
    {
        QString nasmExecutable = QStringLiteral("nasm");
        // Directory whose files `%include` and `incbin` may name. Empty: the workbench's own
        // include files, extracted from the engine's resources into a private directory.
        QString includeDirectory;
        std::uint64_t loadAddress = kDefaultLoadAddress;
        std::uint64_t maxCodeSize = 15 * 1024 * 1024; // bytes; larger programs are refused
        int timeoutMs = 10000;                        // NASM is stopped after this long
    };

    Assembler();
    explicit Assembler(Options options);
    ~Assembler();
    Assembler(const Assembler &) = delete;
    Assembler &operator=(const Assembler &) = delete;

    // Assembles `source`; `fileName` is only used in messages and as AssembledProgram::fileName.
    AssemblerResult assemble(const QString &source, const QString &fileName) const;
    // Reads and assembles a file; an unreadable file is an error naming it.
    AssemblerResult assembleFile(const QString &path) const;

    const Options &options() const;
    // The directory `%include` resolves against (created on first use when not given).
    QString includeDirectory() const;

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace vmwb
