// The NASM front end: bytes and line maps for the load address, diagnostics with the caller's
// file name, the include directory as the only place NASM may read, and the limits on time and
// size.

#include "assembler/Assembler.h"

#include <QByteArray>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QStringList>
#include <QTemporaryDir>
#include <QTest>
#include <cstdint>
#include <optional>
#include <sys/syscall.h>
#include <unistd.h>
#include <vector>
#if __has_include(<linux/landlock.h>)
#include <linux/landlock.h>
#endif

using vmwb::AssembledProgram;
using vmwb::Assembler;
using vmwb::AssemblerDiagnostic;
using vmwb::AssemblerResult;
using vmwb::LineMapping;

namespace {

constexpr std::uint64_t kLoad = Assembler::kDefaultLoadAddress;
const QString kFileName = QStringLiteral("lesson.asm");

Assembler::Options nasmOptions()
{
    Assembler::Options options;
    options.nasmExecutable = QStringLiteral(VMWB_NASM);
    return options;
}

// "line:offset+size" for each mapping, offsets from the load address.
QString mapOf(const AssembledProgram &program)
{
    QStringList parts;
    for (const LineMapping &mapping : program.lines) {
        parts << QStringLiteral("%1:%2+%3")
                     .arg(mapping.line)
                     .arg(mapping.address - program.loadAddress)
                     .arg(mapping.size);
    }
    return parts.join(QLatin1Char(' '));
}

QString messagesOf(const std::vector<AssemblerDiagnostic> &diagnostics)
{
    QStringList lines;
    for (const AssemblerDiagnostic &diagnostic : diagnostics)
        lines << diagnostic.toString();
    return lines.join(QLatin1Char('\n'));
}

QString messagesOf(const AssemblerResult &result)
{
    return messagesOf(result.ok() ? result.program->warnings : result.errors);
}

bool writeFile(const QString &path, const QByteArray &content)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(content) == content.size();
}

// Some escapes are invisible to NASM's dependency mode; only the kernel's confinement of the
// assembler (Landlock) stops those.
bool kernelConfinesProcesses()
{
#if defined(LANDLOCK_CREATE_RULESET_VERSION) && defined(SYS_landlock_create_ruleset)
    return syscall(SYS_landlock_create_ruleset, nullptr, std::size_t{0},
                   LANDLOCK_CREATE_RULESET_VERSION) >= 1;
#else
    return false;
#endif
}

} // namespace

class TestAssembler : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();

    void assemblesExactBytesAndLineMap();
    void assemblesForTheLoadAddress_data();
    void assemblesForTheLoadAddress();
    void mapsListedLines_data();
    void mapsListedLines();
    void mapsLinesInOtherSections();
    void marksDataLines();
    void findsLinesAndAddresses();

    void reportsErrorsOnTheirLines_data();
    void reportsErrorsOnTheirLines();
    void namesIncludedFilesInErrors();
    void returnsWarningsWithoutFailing();
    void formatsDiagnosticsLikeACompiler_data();
    void formatsDiagnosticsLikeACompiler();

    void refusesFilesOutsideTheIncludeDirectory_data();
    void refusesFilesOutsideTheIncludeDirectory();
    void refusesLinksLeadingOutOfTheIncludeDirectory_data();
    void refusesLinksLeadingOutOfTheIncludeDirectory();
    void keepsMapFilesFromBeingWritten();
    void hidesTheEnvironment();
    void readsAnExplicitIncludeDirectory();
    void providesTheWorkbenchIncludeFiles();

    void stopsAnAssemblerThatTakesTooLong_data();
    void stopsAnAssemblerThatTakesTooLong();
    void refusesProgramsLargerThanGuestMemory();
    void reportsAMissingAssembler_data();
    void reportsAMissingAssembler();
    void assemblesAFile();
    void reportsAnUnreadableFile();
    void acceptsAnEmptySource_data();
    void acceptsAnEmptySource();

private:
    QTemporaryDir m_secrets; // files outside every include directory
    QString m_secretPath;
};

void TestAssembler::initTestCase()
{
    QVERIFY2(QFileInfo(QStringLiteral(VMWB_NASM)).isExecutable(), VMWB_NASM);
    QVERIFY(m_secrets.isValid());
    m_secretPath = m_secrets.filePath(QStringLiteral("secret.inc"));
    QVERIFY(writeFile(m_secretPath, "db \"SECRET-CONTENT\"\nsecret_label_xyz:\n"));
}

void TestAssembler::assemblesExactBytesAndLineMap()
{
    const QString source = QStringLiteral(R"(%include "workbench.inc"
%macro TWICE 1
    %1
    %1
%endmacro
start:
    mov eax, 1
    times 3 nop
    db "This string is longer than one listing line.", 0
    TWICE inc eax
    EXIT 7
    jmp start
)");
    const Assembler assembler(nasmOptions());
    const AssemblerResult result = assembler.assemble(source, kFileName);
    QVERIFY2(result.ok(), qPrintable(messagesOf(result)));
    const AssembledProgram &program = *result.program;

    const QByteArray text("This string is longer than one listing line.");
    QCOMPARE(text.size(), 44);
    const QByteArray expected = QByteArray::fromHex("B801000000909090") + text + '\0' +
                                QByteArray::fromHex("FFC0FFC0B007E6F4EBC1");
    QCOMPARE(program.code.toHex(' '), expected.toHex(' '));
    QCOMPARE(program.loadAddress, kLoad);
    QCOMPARE(program.fileName, kFileName);
    QVERIFY(program.warnings.empty());

    // Line 1's include and the macro body on lines 3-4 produce no main-file mappings; line 6 is
    // a label without bytes.
    QCOMPARE(mapOf(program), QStringLiteral("7:0+5 8:5+3 9:8+45 10:53+4 11:57+4 12:61+2"));
    QCOMPARE(program.addressOfLine(7), kLoad);
    QCOMPARE(program.addressOfLine(6), std::nullopt);
    QCOMPARE(program.addressOfLine(1), std::nullopt);
    QCOMPARE(program.addressOfLine(3), std::nullopt);
    QCOMPARE(program.lineAt(kLoad + 8 + 44), 9);
    QCOMPARE(program.lineAt(kLoad + 56), 10);
    QCOMPARE(program.lineAt(kLoad + 62), 12);
    QCOMPARE(program.lineAt(kLoad + 63), 0);
}

void TestAssembler::assemblesForTheLoadAddress_data()
{
    QTest::addColumn<QString>("source");
    QTest::addColumn<qulonglong>("loadAddress");
    QTest::addColumn<QByteArray>("hex");

    QTest::newRow("dq label") << QStringLiteral("dq here\nhere:") << qulonglong{kLoad}
                              << QByteArray("0800100000000000");
    QTest::newRow("mov imm64") << QStringLiteral("mov rax, here\nhere:") << qulonglong{kLoad}
                               << QByteArray("48B80A00100000000000");
    QTest::newRow("lea absolute") << QStringLiteral("lea rax, [here]\nhere:") << qulonglong{kLoad}
                                  << QByteArray("488D042508001000");
    QTest::newRow("lea rel") << QStringLiteral("lea rax, [rel here]\nhere:") << qulonglong{kLoad}
                             << QByteArray("488D0500000000");
    QTest::newRow("call") << QStringLiteral("call here\nhere: dd here") << qulonglong{kLoad}
                          << QByteArray("E80000000005001000");
    QTest::newRow("other load address")
        << QStringLiteral("dq $") << qulonglong{0x200000} << QByteArray("0000200000000000");
}

void TestAssembler::assemblesForTheLoadAddress()
{
    QFETCH(QString, source);
    QFETCH(qulonglong, loadAddress);
    QFETCH(QByteArray, hex);

    Assembler::Options options = nasmOptions();
    options.loadAddress = loadAddress;
    const AssemblerResult result = Assembler(options).assemble(source, kFileName);
    QVERIFY2(result.ok(), qPrintable(messagesOf(result)));
    QCOMPARE(result.program->code.toHex().toUpper(), hex);
    QCOMPARE(result.program->loadAddress, loadAddress);
    QCOMPARE(result.program->lineAt(loadAddress), 1);
}

void TestAssembler::mapsListedLines_data()
{
    QTest::addColumn<QString>("source");
    QTest::addColumn<QString>("map");

    QTest::newRow("times with a long string")
        << QStringLiteral("times 3 db \"abcdefghijkl\"\nnop") << QStringLiteral("1:0+36 2:36+1");
    QTest::newRow("decimal repeat counts")
        << QStringLiteral("%pragma list options +d\ntimes 20 nop\nnop")
        << QStringLiteral("2:0+20 3:20+1");
    QTest::newRow("%rep copies") << QStringLiteral("%rep 2\ninc eax\n%endrep\nnop")
                                 << QStringLiteral("2:0+4 4:4+1");
    QTest::newRow("align") << QStringLiteral("nop\nalign 8\nnop")
                           << QStringLiteral("1:0+1 2:1+7 3:8+1");
    QTest::newRow("reserve in code")
        << QStringLiteral("nop\nresb 20\nnop") << QStringLiteral("1:0+1 2:1+20 3:21+1");
    QTest::newRow("nested macros")
        << QStringLiteral("%macro IN 0\nnop\n%endmacro\n%macro OUT 0\nIN\nIN\n%endmacro\nOUT\nhlt")
        << QStringLiteral("8:0+2 9:2+1");
    QTest::newRow("macro with a local label")
        << QStringLiteral("%macro SPIN 0\n%%again: pause\njmp %%again\n%endmacro\nSPIN\nhlt")
        << QStringLiteral("5:0+4 6:4+1");
    QTest::newRow("listing switched off")
        << QStringLiteral("nop\n[list -]\nnop\n[list +]\nhlt") << QStringLiteral("1:0+1 5:2+1");
    QTest::newRow("label and data") << QStringLiteral("x: dq x") << QStringLiteral("1:0+8");
    QTest::newRow("long instruction")
        << QStringLiteral("mov rax, 0x1122334455667788") << QStringLiteral("1:0+10");
    QTest::newRow("equ and comments")
        << QStringLiteral("; comment\nN equ 3\n\n  mov ecx, N ; why\n") << QStringLiteral("4:0+5");
    QTest::newRow("windows line ends")
        << QStringLiteral("nop\r\nhlt\r\n") << QStringLiteral("1:0+1 2:1+1");
}

void TestAssembler::mapsListedLines()
{
    QFETCH(QString, source);
    QFETCH(QString, map);

    const AssemblerResult result = Assembler(nasmOptions()).assemble(source, kFileName);
    QVERIFY2(result.ok(), qPrintable(messagesOf(result)));
    QCOMPARE(mapOf(*result.program), map);
}

void TestAssembler::mapsLinesInOtherSections()
{
    const QString source = QStringLiteral(R"(section .data
value: dd 5
section .text
    mov eax, [rel value]
    nop
struc point
  .x: resd 1
endstruc
    mov eax, point_size
)");
    const AssemblerResult result = Assembler(nasmOptions()).assemble(source, kFileName);
    QVERIFY2(result.ok(), qPrintable(messagesOf(result)));
    // .text holds 12 bytes; .data follows at the next multiple of 4. The structure's fields
    // take no space in the program.
    QCOMPARE(result.program->code.toHex().toUpper(),
             QByteArray("8B050600000090B80400000005000000"));
    QCOMPARE(mapOf(*result.program), QStringLiteral("4:0+6 5:6+1 9:7+5 2:12+4"));
}

// Data is told from code by the directive that emitted it, also inside a macro (as the IDT
// gates of workbench.inc are), so that a disassembly does not decode a table as instructions.
void TestAssembler::marksDataLines()
{
    const QString source = QStringLiteral(R"(%macro gate 1
    dw %1
    dq 0
%endmacro
%macro twice 0
    nop
    nop
%endmacro
    mov eax, 1
table: dd 1, 2
    gate 7
    twice
    times 2 db 0x90
msg db "hi;", 0 ; db in a comment: mov
)");
    const AssemblerResult result = Assembler(nasmOptions()).assemble(source, kFileName);
    QVERIFY2(result.ok(), qPrintable(messagesOf(result)));
    QString kinds;
    for (const LineMapping &mapping : result.program->lines)
        kinds += QStringLiteral("%1:%2 ").arg(mapping.line).arg(mapping.data ? "data" : "code");
    QCOMPARE(kinds.trimmed(), QStringLiteral("9:code 10:data 11:data 12:code 13:data 14:data"));
}

void TestAssembler::findsLinesAndAddresses()
{
    AssembledProgram program;
    program.loadAddress = kLoad;
    program.lines = {{1, kLoad, 2}, {3, kLoad + 2, 1}, {5, kLoad + 0x10, 4}, {3, kLoad + 0x14, 1}};

    QCOMPARE(program.lineAt(kLoad - 1), 0);
    QCOMPARE(program.lineAt(kLoad), 1);
    QCOMPARE(program.lineAt(kLoad + 1), 1);
    QCOMPARE(program.lineAt(kLoad + 2), 3);
    QCOMPARE(program.lineAt(kLoad + 3), 0); // between lines
    QCOMPARE(program.lineAt(kLoad + 0x13), 5);
    QCOMPARE(program.lineAt(kLoad + 0x14), 3);
    QCOMPARE(program.lineAt(kLoad + 0x15), 0);

    QCOMPARE(program.addressOfLine(1), kLoad);
    QCOMPARE(program.addressOfLine(3), kLoad + 2); // the first of its two places
    QCOMPARE(program.addressOfLine(5), kLoad + 0x10);
    QCOMPARE(program.addressOfLine(2), std::nullopt);
    QCOMPARE(program.addressOfLine(0), std::nullopt);

    // From a line without code to the next line with code; data is not code.
    program.lines.push_back({7, kLoad + 0x20, 8, true});
    program.lines.push_back({9, kLoad + 0x28, 1});
    QCOMPARE(program.codeAddressFrom(1), kLoad);
    QCOMPARE(program.codeAddressFrom(2), kLoad + 2);
    QCOMPARE(program.codeAddressFrom(3), kLoad + 2);
    QCOMPARE(program.codeAddressFrom(4), kLoad + 0x10);
    QCOMPARE(program.codeAddressFrom(6), kLoad + 0x28);
    QCOMPARE(program.codeAddressFrom(7), kLoad + 0x28);
    QCOMPARE(program.codeAddressFrom(10), std::nullopt);
}

void TestAssembler::reportsErrorsOnTheirLines_data()
{
    QTest::addColumn<QString>("source");
    QTest::addColumn<int>("line");
    QTest::addColumn<QString>("fragment");

    QTest::newRow("unknown mnemonic") << QStringLiteral("nop\nnop\nfrobnicate eax\nnop") << 3
                                      << QStringLiteral("instruction expected");
    QTest::newRow("bad operand") << QStringLiteral("nop\nmov eax, rbx") << 2
                                 << QStringLiteral("invalid combination of opcode and operands");
    QTest::newRow("undefined label")
        << QStringLiteral("nop\njmp nowhere") << 2 << QStringLiteral("nowhere");
    QTest::newRow("error inside a macro")
        << QStringLiteral("%macro BAD 0\n    nop\n    mov eax, rbx\n%endmacro\nnop\nBAD") << 6
        << QStringLiteral("macro `BAD' defined at lesson.asm:3");
    QTest::newRow("error inside an included macro")
        << QStringLiteral("%include \"workbench.inc\"\nEXIT rbx") << 2
        << QStringLiteral("macro `EXIT' defined at workbench.inc:");
    QTest::newRow("missing include")
        << QStringLiteral("nop\n%include \"nothere.inc\"") << 2 << QStringLiteral("nothere.inc");
    QTest::newRow("%error") << QStringLiteral("nop\n%error stop here") << 2
                            << QStringLiteral("stop here");
}

void TestAssembler::reportsErrorsOnTheirLines()
{
    QFETCH(QString, source);
    QFETCH(int, line);
    QFETCH(QString, fragment);

    const AssemblerResult result = Assembler(nasmOptions()).assemble(source, kFileName);
    QVERIFY(!result.ok());
    QVERIFY(!result.errors.empty());
    const AssemblerDiagnostic &error = result.errors.front();
    QCOMPARE(error.severity, AssemblerDiagnostic::Severity::Error);
    QCOMPARE(error.file, kFileName);
    QCOMPARE(error.line, line);
    QVERIFY2(error.message.contains(fragment), qPrintable(error.message));
    QVERIFY2(error.toString().startsWith(QStringLiteral("lesson.asm:%1: error: ").arg(line)),
             qPrintable(error.toString()));
    // Never a private file's path.
    QVERIFY2(!messagesOf(result).contains(QDir::tempPath()), qPrintable(messagesOf(result)));
}

void TestAssembler::namesIncludedFilesInErrors()
{
    QTemporaryDir includes;
    QVERIFY(includes.isValid());
    QVERIFY(writeFile(includes.filePath(QStringLiteral("broken.inc")), "nop\nfrobnicate eax\n"));
    Assembler::Options options = nasmOptions();
    options.includeDirectory = includes.path();

    const AssemblerResult result =
        Assembler(options).assemble(QStringLiteral("nop\n%include \"broken.inc\"\n"), kFileName);
    QVERIFY(!result.ok());
    QCOMPARE(result.errors.front().file, QStringLiteral("broken.inc"));
    QCOMPARE(result.errors.front().line, 2);
}

void TestAssembler::returnsWarningsWithoutFailing()
{
    const AssemblerResult result =
        Assembler(nasmOptions())
            .assemble(QStringLiteral("db 300\nnop\n%warning look here\n"), kFileName);
    QVERIFY2(result.ok(), qPrintable(messagesOf(result)));
    const auto &warnings = result.program->warnings;
    QCOMPARE(warnings.size(), std::size_t{2});
    QCOMPARE(warnings[0].severity, AssemblerDiagnostic::Severity::Warning);
    QCOMPARE(warnings[0].file, kFileName);
    QCOMPARE(warnings[0].line, 1);
    QCOMPARE(warnings[1].line, 3);
    QVERIFY(warnings[1].message.contains(QStringLiteral("look here")));
    QCOMPARE(result.program->code.toHex().toUpper(), QByteArray("2C90"));
}

void TestAssembler::formatsDiagnosticsLikeACompiler_data()
{
    QTest::addColumn<int>("severity");
    QTest::addColumn<int>("line");
    QTest::addColumn<QString>("text");

    QTest::newRow("error") << int(AssemblerDiagnostic::Severity::Error) << 3
                           << QStringLiteral("lesson.asm:3: error: it broke");
    QTest::newRow("warning") << int(AssemblerDiagnostic::Severity::Warning) << 12
                             << QStringLiteral("lesson.asm:12: warning: it broke");
    QTest::newRow("whole file") << int(AssemblerDiagnostic::Severity::Error) << 0
                                << QStringLiteral("lesson.asm: error: it broke");
}

void TestAssembler::formatsDiagnosticsLikeACompiler()
{
    QFETCH(int, severity);
    QFETCH(int, line);
    QFETCH(QString, text);

    const AssemblerDiagnostic diagnostic{static_cast<AssemblerDiagnostic::Severity>(severity),
                                         kFileName, line, QStringLiteral("it broke")};
    QCOMPARE(diagnostic.toString(), text);
}

void TestAssembler::refusesFilesOutsideTheIncludeDirectory_data()
{
    QTest::addColumn<QString>("source");
    QTest::addColumn<int>("line");
    QTest::addColumn<QString>("path");
    QTest::addColumn<bool>("onlyConfinementSeesIt");

    // SECRET stands for a file outside the include directory whose content must not leak.
    QTest::newRow("absolute %include") << QStringLiteral("%include \"/etc/passwd\"") << 1
                                       << QStringLiteral("/etc/passwd") << false;
    QTest::newRow("../ escape") << QStringLiteral("nop\n%include \"../x.inc\"") << 2
                                << QStringLiteral("../x.inc") << false;
    QTest::newRow("absolute incbin") << QStringLiteral("incbin \"/etc/hostname\"") << 1
                                     << QStringLiteral("/etc/hostname") << false;
    QTest::newRow("%define then %include")
        << QStringLiteral("%define F \"/etc/passwd\"\nnop\n%include F") << 3
        << QStringLiteral("/etc/passwd") << false;
    QTest::newRow("%strcat then %include")
        << QStringLiteral("%strcat P \"/etc/\", \"pass\", \"wd\"\n%include P") << 2
        << QStringLiteral("/etc/passwd") << false;
    QTest::newRow("%strcat then incbin")
        << QStringLiteral("nop\n%strcat P \"/etc/\", \"host\", \"name\"\nincbin P") << 3
        << QStringLiteral("/etc/hostname") << false;
    QTest::newRow("secret %include")
        << QStringLiteral("%include \"SECRET\"") << 1 << QStringLiteral("SECRET") << false;
    QTest::newRow("%depend") << QStringLiteral("%depend \"SECRET\"\nnop") << 1
                             << QStringLiteral("SECRET") << false;
    QTest::newRow("%pathsearch") << QStringLiteral("%pathsearch P \"SECRET\"\ndb P") << 1
                                 << QStringLiteral("SECRET") << false;
    QTest::newRow("incbin after times") << QStringLiteral("nop\ntimes 1 incbin \"SECRET\"") << 2
                                        << QStringLiteral("SECRET") << false;
    QTest::newRow("only in the final pass")
        << QStringLiteral("%if __?PASS?__ == 2\nincbin \"SECRET\"\n%endif") << 2
        << QStringLiteral("SECRET") << false;
    QTest::newRow("macro-built name, incbin after times")
        << QStringLiteral("%defstr P SECRET\nnop\ntimes 1 incbin P") << 3
        << QStringLiteral("SECRET") << true;
    QTest::newRow("macro-built name, raw incbin")
        << QStringLiteral("%unimacro incbin 1-2+\n%defstr P SECRET\nincbin P") << 3
        << QStringLiteral("SECRET") << true;
    QTest::newRow("macro-built name, %pathsearch then %include")
        << QStringLiteral("%defstr N SECRET\n%pathsearch P N\n%include P") << 3
        << QStringLiteral("SECRET") << true;
}

void TestAssembler::refusesFilesOutsideTheIncludeDirectory()
{
    QFETCH(QString, source);
    QFETCH(int, line);
    QFETCH(QString, path);
    QFETCH(bool, onlyConfinementSeesIt);

    if (onlyConfinementSeesIt && !kernelConfinesProcesses())
        QSKIP("this kernel cannot confine the assembler (no Landlock)");
    source.replace(QStringLiteral("SECRET"), m_secretPath);
    path.replace(QStringLiteral("SECRET"), m_secretPath);

    const AssemblerResult result = Assembler(nasmOptions()).assemble(source, kFileName);
    const QString messages = messagesOf(result);
    QVERIFY2(!result.ok(), qPrintable(messages));
    QVERIFY(!result.program);
    const AssemblerDiagnostic &error = result.errors.front();
    QCOMPARE(error.file, kFileName);
    QCOMPARE(error.line, line);
    QVERIFY2(error.message.contains(QLatin1Char('"') + path + QLatin1Char('"')),
             qPrintable(error.message));
    QVERIFY2(error.message.contains(QStringLiteral("include directory")),
             qPrintable(error.message));
    // Nothing NASM read comes back, not even in a message.
    QVERIFY2(!messages.contains(QStringLiteral("SECRET-CONTENT")), qPrintable(messages));
    QVERIFY2(!messages.contains(QStringLiteral("secret_label_xyz")), qPrintable(messages));
    QVERIFY2(!messages.contains(QStringLiteral("root:")), qPrintable(messages));
}

void TestAssembler::refusesLinksLeadingOutOfTheIncludeDirectory_data()
{
    QTest::addColumn<QString>("source");

    QTest::newRow("%include") << QStringLiteral("nop\n%include \"secret-link.inc\"");
    QTest::newRow("incbin") << QStringLiteral("nop\nincbin \"secret-link.inc\"");
    QTest::newRow("through a directory link")
        << QStringLiteral("nop\n%include \"outside/secret.inc\"");
}

void TestAssembler::refusesLinksLeadingOutOfTheIncludeDirectory()
{
    QFETCH(QString, source);

    QTemporaryDir includes;
    QVERIFY(includes.isValid());
    QVERIFY(QFile::link(m_secretPath, includes.filePath(QStringLiteral("secret-link.inc"))));
    QVERIFY(QFile::link(m_secrets.path(), includes.filePath(QStringLiteral("outside"))));
    Assembler::Options options = nasmOptions();
    options.includeDirectory = includes.path();

    const AssemblerResult result = Assembler(options).assemble(source, kFileName);
    const QString messages = messagesOf(result);
    QVERIFY2(!result.ok(), qPrintable(messages));
    QCOMPARE(result.errors.front().line, 2);
    QVERIFY2(result.errors.front().message.contains(QFileInfo(m_secretPath).canonicalFilePath()),
             qPrintable(messages));
    QVERIFY2(!messages.contains(QStringLiteral("SECRET-CONTENT")), qPrintable(messages));
}

void TestAssembler::keepsMapFilesFromBeingWritten()
{
    QTemporaryDir target;
    QVERIFY(target.isValid());
    const QString stolen = target.filePath(QStringLiteral("written.map"));
    const AssemblerResult result =
        Assembler(nasmOptions())
            .assemble(QStringLiteral("[map all %1]\nnop\n").arg(stolen), kFileName);
    QVERIFY2(result.ok(), qPrintable(messagesOf(result)));
    QCOMPARE(result.program->code, QByteArray("\x90"));
    QVERIFY(!QFileInfo::exists(stolen));
}

void TestAssembler::hidesTheEnvironment()
{
    qputenv("VMWB_TEST_VARIABLE", "visible");
    const AssemblerResult result = Assembler(nasmOptions())
                                       .assemble(QStringLiteral("%ifenv VMWB_TEST_VARIABLE\n"
                                                                "db 1\n%endif\nnop\n"),
                                                 kFileName);
    qunsetenv("VMWB_TEST_VARIABLE");
    QVERIFY2(result.ok(), qPrintable(messagesOf(result)));
    QCOMPARE(result.program->code, QByteArray("\x90"));
}

void TestAssembler::readsAnExplicitIncludeDirectory()
{
    QTemporaryDir includes;
    QVERIFY(includes.isValid());
    // The included file's own byte belongs to no line of the lesson.
    QVERIFY(writeFile(includes.filePath(QStringLiteral("macros.inc")),
                      "%macro TWO_NOPS 0\n    nop\n    nop\n%endmacro\ndb 0xAA\n"));
    QVERIFY(writeFile(includes.filePath(QStringLiteral("lib/data.bin")), "\x01\x02\x03"));
    Assembler::Options options = nasmOptions();
    options.includeDirectory = includes.path();
    const Assembler assembler(options);
    QCOMPARE(assembler.includeDirectory(), includes.path());

    const AssemblerResult result = assembler.assemble(
        QStringLiteral("%include \"macros.inc\"\nTWO_NOPS\nincbin \"lib/data.bin\"\n"), kFileName);
    QVERIFY2(result.ok(), qPrintable(messagesOf(result)));
    QCOMPARE(result.program->code.toHex(), QByteArray("aa9090010203"));
    QCOMPARE(mapOf(*result.program), QStringLiteral("2:1+2 3:3+3"));
    QCOMPARE(result.program->lineAt(kLoad), 0);
}

void TestAssembler::providesTheWorkbenchIncludeFiles()
{
    const Assembler assembler(nasmOptions());
    const QString directory = assembler.includeDirectory();
    QVERIFY(!directory.isEmpty());
    QFile extracted(QDir(directory).filePath(QStringLiteral("workbench.inc")));
    QFile original(QStringLiteral(VMWB_SOURCE_DIR "/exercises/include/workbench.inc"));
    QVERIFY(extracted.open(QIODevice::ReadOnly));
    QVERIFY(original.open(QIODevice::ReadOnly));
    QCOMPARE(extracted.readAll(), original.readAll());

    const AssemblerResult result = assembler.assemble(
        QStringLiteral("%include \"workbench.inc\"\nEXIT 3\nmov eax, GUEST_MEMORY_SIZE\n"),
        kFileName);
    QVERIFY2(result.ok(), qPrintable(messagesOf(result)));
    QCOMPARE(result.program->code.toHex().toUpper(), QByteArray("B003E6F4B800000001"));
    QCOMPARE(mapOf(*result.program), QStringLiteral("2:0+4 3:4+5"));
}

void TestAssembler::stopsAnAssemblerThatTakesTooLong_data()
{
    QTest::addColumn<QString>("source");

    QTest::newRow("huge times") << QStringLiteral("nop\ntimes 1000000000 db 0\n");
    QTest::newRow("nested %rep") << QStringLiteral(
        "%assign n 0\n%rep 1000000\n%rep 1000000\n%assign n n+1\n%endrep\n%endrep\n");
}

void TestAssembler::stopsAnAssemblerThatTakesTooLong()
{
    QFETCH(QString, source);

    Assembler::Options options = nasmOptions();
    options.timeoutMs = 500;
    QElapsedTimer clock;
    clock.start();
    const AssemblerResult result = Assembler(options).assemble(source, kFileName);
    QVERIFY(clock.elapsed() < 5000);
    QVERIFY(!result.ok());
    QVERIFY2(result.errors.front().message.contains(QStringLiteral("did not finish within 0.5 s")),
             qPrintable(messagesOf(result)));
}

void TestAssembler::refusesProgramsLargerThanGuestMemory()
{
    Assembler::Options options = nasmOptions();
    options.maxCodeSize = 64;
    const Assembler assembler(options);

    const AssemblerResult fits = assembler.assemble(QStringLiteral("times 64 db 0"), kFileName);
    QVERIFY2(fits.ok(), qPrintable(messagesOf(fits)));

    const AssemblerResult tooBig = assembler.assemble(QStringLiteral("times 100 db 0"), kFileName);
    QVERIFY(!tooBig.ok());
    QCOMPARE(tooBig.errors.front().message,
             QStringLiteral("the program is 100 bytes; at most 64 fit in guest memory above the "
                            "load address"));
}

void TestAssembler::reportsAMissingAssembler_data()
{
    QTest::addColumn<QString>("executable");

    QTest::newRow("path") << QDir::tempPath() + QStringLiteral("/no-such-dir/nasm");
    QTest::newRow("name") << QStringLiteral("vmwb-no-such-assembler");
}

void TestAssembler::reportsAMissingAssembler()
{
    QFETCH(QString, executable);

    Assembler::Options options;
    options.nasmExecutable = executable;
    const AssemblerResult result = Assembler(options).assemble(QStringLiteral("nop"), kFileName);
    QVERIFY(!result.ok());
    QCOMPARE(result.errors.front().file, kFileName);
    QVERIFY2(result.errors.front().message.contains(executable), qPrintable(messagesOf(result)));
}

void TestAssembler::assemblesAFile()
{
    QTemporaryDir directory;
    QVERIFY(directory.isValid());
    const QString path = directory.filePath(QStringLiteral("hello.asm"));
    QVERIFY(writeFile(path, "nop\nhlt\n"));

    const AssemblerResult result = Assembler(nasmOptions()).assembleFile(path);
    QVERIFY2(result.ok(), qPrintable(messagesOf(result)));
    QCOMPARE(result.program->fileName, path);
    QCOMPARE(result.program->code.toHex(), QByteArray("90f4"));
}

void TestAssembler::reportsAnUnreadableFile()
{
    const QString path = QDir::tempPath() + QStringLiteral("/no-such-dir/lesson.asm");
    const AssemblerResult result = Assembler(nasmOptions()).assembleFile(path);
    QVERIFY(!result.ok());
    QCOMPARE(result.errors.front().file, path);
    QCOMPARE(result.errors.front().line, 0);
    QVERIFY2(result.errors.front().message.contains(path), qPrintable(messagesOf(result)));
}

void TestAssembler::acceptsAnEmptySource_data()
{
    QTest::addColumn<QString>("source");

    QTest::newRow("nothing") << QString();
    QTest::newRow("blank lines") << QStringLiteral("\n\n");
    QTest::newRow("only a comment") << QStringLiteral("; nothing to run yet\n");
}

void TestAssembler::acceptsAnEmptySource()
{
    QFETCH(QString, source);

    const AssemblerResult result = Assembler(nasmOptions()).assemble(source, kFileName);
    QVERIFY2(result.ok(), qPrintable(messagesOf(result)));
    QVERIFY(result.program->code.isEmpty());
    QVERIFY(result.program->lines.empty());
    QCOMPARE(result.program->lineAt(kLoad), 0);
}

QTEST_GUILESS_MAIN(TestAssembler)
#include "tst_assembler.moc"
