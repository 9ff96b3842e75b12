// The Editor pane: highlighting, breakpoints, assembler errors on their lines, files (atomic
// saves, recent files, the unsaved-changes prompt), find, and assembling a moment after an
// edit.

#include "assembler/Assembler.h"
#include "common/Colors.h"
#include "common/Theme.h"
#include "controller/WorkbenchController.h"
#include "editor/CodeEditor.h"
#include "editor/EditorPane.h"
#include "editor/NasmHighlighter.h"

#include <QApplication>
#include <QCheckBox>
#include <QLabel>
#include <QLineEdit>
#include <QMimeData>
#include <QSaveFile>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTextBlock>
#include <QTextDocumentFragment>
#include <QTextLayout>
#include <QToolTip>
#include <QUrl>
#include <QtTest>

using namespace vmwb;
using Role = NasmHighlighter::Role;

namespace {

QString demoPath()
{
    return QStringLiteral(VMWB_SOURCE_DIR "/exercises/demos/popf-if.asm");
}

QString demoSource()
{
    QFile file(demoPath());
    if (!file.open(QIODevice::ReadOnly))
        qFatal("cannot read the demo");
    return QString::fromUtf8(file.readAll());
}

QString readFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QString::fromUtf8(file.readAll());
}

bool writeFile(const QString &path, const QString &text)
{
    QSaveFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(text.toUtf8()) >= 0 && file.commit();
}

// The line of a 1-based line number that contains `needle`, for sources written in tests.
int lineOf(const QString &source, const QString &needle)
{
    const QStringList lines = source.split(QLatin1Char('\n'));
    for (qsizetype i = 0; i < lines.size(); ++i) {
        if (lines.at(i).contains(needle))
            return static_cast<int>(i) + 1;
    }
    return 0;
}

// The format the highlighter gave the character at `position` of the first block.
std::optional<QTextCharFormat> formatAt(const QTextDocument &document, int position)
{
    const QTextBlock block = document.firstBlock();
    for (const QTextLayout::FormatRange &range : block.layout()->formats()) {
        if (position >= range.start && position < range.start + range.length)
            return range.format;
    }
    return std::nullopt;
}

// An Editor pane whose dialogs answer from the test instead of waiting for a user.
class ScriptedEditorPane : public EditorPane
{
public:
    using EditorPane::EditorPane;

    QStringList errors;
    int questions = 0;
    QMessageBox::StandardButton answer = QMessageBox::Cancel;
    QString openName;
    QString saveName;

protected:
    void reportError(const QString &title, const QString &text) override
    {
        errors << title + QLatin1Char('\n') + text;
    }
    QMessageBox::StandardButton askToSaveChanges() override
    {
        ++questions;
        return answer;
    }
    QString askOpenFileName() override { return openName; }
    QString askSaveFileName() override { return saveName; }
};

// Types `text` at the start of `line`, as a student would.
void insertAtLine(CodeEditor &editor, int line, const QString &text)
{
    QTextCursor cursor(editor.document()->findBlockByNumber(line - 1));
    cursor.insertText(text);
}

} // namespace

class TestEditor : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();

    void highlighterClassifiesTokens_data();
    void highlighterClassifiesTokens();
    void highlighterUsesTheWorkbenchColours();
    void highlighterFollowsThePalette();
    void classifyWord_data();
    void classifyWord();

    void editorShowsAnErrorMarkerOnAMalformedLine();
    void diagnosticTooltipAppearsWhenHoveringTheLine();
    void diagnosticMarksFollowTheirLines();

    void breakpointsToggle_data();
    void breakpointsToggle();
    void breakpointsStayOnTheirLines();
    void executionLineIsMarkedAndScrolledIntoView();
    void zoomChangesTheFontSize();

    void saveRoundTripIsAtomic();
    void saveToAnUnwritablePlaceKeepsTheText();
    void openFileOnAMissingFileReturnsFalse();
    void unsavedChangesPrompt_data();
    void unsavedChangesPrompt();
    void recentFilesKeepTheTenMostRecent();
    void droppedSourceFileIsOpened();

    void findBarFindsAndWraps();

    void assembleOnEditReachesTheController();
    void paneShowsTheControllersState();

private:
    QTemporaryDir m_settings;
};

void TestEditor::initTestCase()
{
    QVERIFY(m_settings.isValid());
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, m_settings.path());
    QCoreApplication::setOrganizationName(QStringLiteral("vmwb-tests"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_editor"));
    applyTheme(Theme::Light);
}

void TestEditor::init()
{
    QSettings().clear();
}

// --- highlighting ------------------------------------------------------------------------

void TestEditor::highlighterClassifiesTokens_data()
{
    QTest::addColumn<QString>("line");
    QTest::addColumn<QString>("token");
    QTest::addColumn<int>("occurrence"); // which occurrence of `token` in the line
    QTest::addColumn<int>("role");       // -1: left in the plain text colour

    auto row = [](const char *name, const char *line, const char *token, Role role,
                  int occurrence = 0) {
        QTest::newRow(name) << QString::fromUtf8(line) << QString::fromUtf8(token) << occurrence
                            << static_cast<int>(role);
    };
    auto plain = [](const char *name, const char *line, const char *token) {
        QTest::newRow(name) << QString::fromUtf8(line) << QString::fromUtf8(token) << 0 << -1;
    };
    row("mnemonic", "mov rax, 0x10 ; comment", "mov", Role::Mnemonic);
    row("register", "mov rax, 0x10 ; comment", "rax", Role::Register);
    row("hex 0x", "mov rax, 0x10 ; comment", "0x10", Role::Number);
    row("comment", "mov rax, 0x10 ; comment", "; comment", Role::Comment);
    row("label", "start:", "start:", Role::Label);
    row("local label", ".done:  ret", ".done:", Role::Label);
    row("after label", ".done:  ret", "ret", Role::Mnemonic);
    row("equ name", "TIMER_PERIOD   equ 500   ; ticks", "TIMER_PERIOD", Role::Label);
    row("equ", "TIMER_PERIOD   equ 500   ; ticks", "equ", Role::Directive);
    row("decimal", "TIMER_PERIOD   equ 500   ; ticks", "500", Role::Number);
    row("data name", "ticks   dq 0", "ticks", Role::Label);
    row("dq", "ticks   dq 0", "dq", Role::Directive);
    row("string", "msg: db \"a; b\", 0", "\"a; b\"", Role::String);
    row("semicolon in string", "msg: db \"a; b\", 0", "; b", Role::String);
    row("char constant", "    add dl, '0'", "'0'", Role::String);
    row("backquote", "    db `a\\`b`, 10", "`a\\`b`", Role::String);
    row("include", "%include \"workbench.inc\"", "%include", Role::Directive);
    row("macro", "%macro EXIT 1", "%macro", Role::Directive);
    row("rep", "%rep TIMER_VECTOR", "%rep", Role::Directive);
    row("macro parameter", "    mov al, %1", "%1", Role::MacroParameter);
    row("size", "    inc qword [ticks]", "qword", Role::SizeKeyword);
    row("jcc", "    jnz .divide", "jnz", Role::Mnemonic);
    row("cmovcc", "    cmovne rax, rbx", "cmovne", Role::Mnemonic);
    row("setcc", "    setae al", "setae", Role::Mnemonic);
    row("rep prefix", "    rep stosq", "rep", Role::Mnemonic);
    row("string op", "    rep stosq", "stosq", Role::Mnemonic);
    row("control register", "    mov cr0, rax", "cr0", Role::Register);
    row("byte register", "    movzx eax, r8b", "r8b", Role::Register);
    row("sil", "    mov sil, 1", "sil", Role::Register);
    row("segment override", "    mov rax, [fs:0x28]", "fs", Role::Register);
    row("xmm", "    pxor xmm15, xmm15", "xmm15", Role::Register);
    row("upper case", "    MOV RAX, RBX", "RAX", Role::Register);
    row("binary", "    mov ecx, 1010b", "1010b", Role::Number);
    row("0b binary", "    mov ecx, 0b1010_0000", "0b1010_0000", Role::Number);
    row("h hex", "    mov ecx, 0FFh", "0FFh", Role::Number);
    row("q octal", "    mov ecx, 777q", "777q", Role::Number);
    row("dollar", "    jmp $", "$", Role::Number);
    row("section start", "    dw ((%1) - $$ + 1)", "$$", Role::Number);
    row("times", "    times 16 nop", "times", Role::Directive);
    row("times nop", "    times 16 nop", "nop", Role::Mnemonic);
    row("bits", "bits 64", "bits", Role::Directive);
    row("iretq", "    iretq", "iretq", Role::Mnemonic);
    row("popf", "    popf                        ; sensitive", "popf", Role::Mnemonic);
    row("vmcall", "    vmcall", "vmcall", Role::Mnemonic);
    plain("label reference", "    call print", "print");
    plain("macro invocation", "    IDT_NO_GATE", "IDT_NO_GATE");
    plain("symbol operand", "    mov rsi, before_text", "before_text");
    plain("bad number", "    mov eax, 12xyz", "12xyz");
}

void TestEditor::highlighterClassifiesTokens()
{
    QFETCH(QString, line);
    QFETCH(QString, token);
    QFETCH(int, occurrence);
    QFETCH(int, role);

    QTextDocument document;
    NasmHighlighter highlighter(&document);
    highlighter.setColors(WorkbenchColors::forPalette(lightPalette()));
    document.setPlainText(line);
    highlighter.rehighlight(); // a document without a layout announces no changes

    qsizetype start = -1;
    for (int i = 0; i <= occurrence; ++i)
        start = line.indexOf(token, start + 1);
    QVERIFY2(start >= 0, "the token is not in the line");
    const int first = static_cast<int>(start);
    const int last = first + static_cast<int>(token.size()) - 1;
    for (int position : {first, last}) {
        const auto format = formatAt(document, position);
        if (role < 0) {
            QVERIFY2(!format, qPrintable(QStringLiteral("position %1 is coloured").arg(position)));
            continue;
        }
        QVERIFY2(format, qPrintable(QStringLiteral("position %1 has no format").arg(position)));
        QCOMPARE(*format, highlighter.format(static_cast<Role>(role)));
    }
    // The token's neighbours are not part of it.
    if (role >= 0 && first > 0 && !line.at(first - 1).isSpace()) {
        const auto before = formatAt(document, first - 1);
        QVERIFY(!before || *before != highlighter.format(static_cast<Role>(role)) ||
                role == static_cast<int>(Role::Comment) || role == static_cast<int>(Role::String));
    }
}

void TestEditor::highlighterUsesTheWorkbenchColours()
{
    const WorkbenchColors colors = WorkbenchColors::forPalette(lightPalette());
    QTextDocument document;
    NasmHighlighter highlighter(&document);
    highlighter.setColors(colors);
    document.setPlainText(QStringLiteral("mov rax, 0x10 ; comment"));
    highlighter.rehighlight();

    QCOMPARE(formatAt(document, 0)->foreground().color(), colors.token(TokenKind::Mnemonic));
    QCOMPARE(formatAt(document, 4)->foreground().color(), colors.token(TokenKind::Register));
    QCOMPARE(formatAt(document, 9)->foreground().color(), colors.token(TokenKind::Immediate));
    QCOMPARE(formatAt(document, 14)->foreground().color(), colors.dimText);
    QCOMPARE(formatAt(document, 22)->foreground().color(), colors.dimText);
    QVERIFY(!formatAt(document, 3)); // the space
}

void TestEditor::highlighterFollowsThePalette()
{
    CodeEditor editor;
    editor.setPlainText(QStringLiteral("mov rax, 1"));
    editor.setPalette(darkPalette());
    const WorkbenchColors dark = WorkbenchColors::forPalette(darkPalette());
    QVERIFY(dark.dark);
    QCOMPARE(formatAt(*editor.document(), 4)->foreground().color(),
             dark.token(TokenKind::Register));
    editor.setPalette(lightPalette());
    QCOMPARE(formatAt(*editor.document(), 4)->foreground().color(),
             WorkbenchColors::forPalette(lightPalette()).token(TokenKind::Register));
}

void TestEditor::classifyWord_data()
{
    QTest::addColumn<QString>("word");
    QTest::addColumn<int>("role");
    // Every special mnemonic of the decoder, by one of its spellings.
    for (const char *word :
         {"cli",     "sti",    "hlt",    "pushf",  "pushfq",  "popf",    "popfq",  "lgdt",
          "lidt",    "lldt",   "ltr",    "sgdt",   "sidt",    "sldt",    "str",    "smsw",
          "lmsw",    "clts",   "lar",    "lsl",    "verr",    "verw",    "iret",   "iretq",
          "in",      "out",    "ins",    "insb",   "outs",    "outsb",   "rdmsr",  "wrmsr",
          "rdtsc",   "rdtscp", "rdpmc",  "rdrand", "rdseed",  "cpuid",   "invlpg", "invd",
          "wbinvd",  "int",    "int3",   "int1",   "into",    "syscall", "sysret", "sysenter",
          "sysexit", "swapgs", "vmcall", "xsetbv", "monitor", "mwait",   "ud2",    "retf",
          "lodsb",   "stosw",  "movsd",  "cmpsq",  "scasb",   "loopne",  "jrcxz",  "movsx",
          "cmovg",   "setnz",  "repne",  "lock"})
        QTest::newRow(word) << QString::fromLatin1(word) << static_cast<int>(Role::Mnemonic);
    for (const char *word : {"rax", "eax", "ax", "al", "ah", "spl", "r15d", "r9w", "cs", "cr3",
                             "cr8", "dr7", "ymm3", "zmm31", "rip"})
        QTest::newRow(word) << QString::fromLatin1(word) << static_cast<int>(Role::Register);
    for (const char *word : {"section", "global", "org", "db", "dz", "resq", "align", "incbin"})
        QTest::newRow(word) << QString::fromLatin1(word) << static_cast<int>(Role::Directive);
    for (const char *word : {"byte", "zword", "rel", "short"})
        QTest::newRow(word) << QString::fromLatin1(word) << static_cast<int>(Role::SizeKeyword);
    QTest::newRow("not a word") << QStringLiteral("ticks") << -1;
}

void TestEditor::classifyWord()
{
    QFETCH(QString, word);
    QFETCH(int, role);
    const auto found = NasmHighlighter::classifyWord(word);
    if (role < 0) {
        QVERIFY(!found);
        return;
    }
    QVERIFY(found);
    QCOMPARE(static_cast<int>(*found), role);
    QCOMPARE(NasmHighlighter::classifyWord(word.toUpper()), found);
}

// --- diagnostics -------------------------------------------------------------------------

namespace {

const QString kMalformed = QStringLiteral("%include \"workbench.inc\"\n"
                                          "start:\n"
                                          "    mov rax, rbx, rcx\n"
                                          "    hlt\n");

QList<AssemblerDiagnostic> assembleMalformed()
{
    Assembler::Options options;
    options.nasmExecutable = QStringLiteral(VMWB_NASM);
    const Assembler assembler(options);
    const AssemblerResult result = assembler.assemble(kMalformed, QStringLiteral("bad.asm"));
    return {result.errors.begin(), result.errors.end()};
}

} // namespace

void TestEditor::editorShowsAnErrorMarkerOnAMalformedLine()
{
    const QList<AssemblerDiagnostic> diagnostics = assembleMalformed();
    QVERIFY(!diagnostics.isEmpty());
    QCOMPARE(diagnostics.front().line, 3);
    QCOMPARE(diagnostics.front().severity, AssemblerDiagnostic::Severity::Error);

    CodeEditor editor;
    editor.setPlainText(kMalformed);
    editor.setDiagnostics(diagnostics);

    QCOMPARE(editor.diagnosticLines(), QList<int>{3});
    QCOMPARE(editor.diagnosticsAt(3).size(), diagnostics.size());
    QVERIFY(editor.diagnosticsAt(2).isEmpty());

    const QColor error = WorkbenchColors::forPalette(editor.palette()).error;
    int underlines = 0;
    for (const QTextEdit::ExtraSelection &selection : editor.extraSelections()) {
        if (selection.format.underlineStyle() != QTextCharFormat::WaveUnderline)
            continue;
        ++underlines;
        QCOMPARE(selection.cursor.blockNumber(), 2);
        QCOMPARE(selection.format.underlineColor(), error);
        QCOMPARE(selection.cursor.selectedText(), QStringLiteral("mov rax, rbx, rcx"));
    }
    QCOMPARE(underlines, 1);

    const QString tip = editor.diagnosticToolTip(3);
    QVERIFY(
        QTextDocumentFragment::fromHtml(tip).toPlainText().contains(diagnostics.front().message));
    QVERIFY(editor.diagnosticToolTip(2).isEmpty());

    editor.setDiagnostics({});
    QVERIFY(editor.diagnosticLines().isEmpty());
}

void TestEditor::diagnosticTooltipAppearsWhenHoveringTheLine()
{
    const QList<AssemblerDiagnostic> diagnostics = assembleMalformed();
    QVERIFY(!diagnostics.isEmpty());
    CodeEditor editor;
    editor.resize(600, 300);
    editor.setPlainText(kMalformed);
    editor.setDiagnostics(diagnostics);
    editor.show();
    QVERIFY(QTest::qWaitForWindowExposed(&editor));

    const QRect line = editor.gutterLineRect(3);
    for (QWidget *target : {editor.viewport(), editor.gutter()}) {
        const QPoint at(target == editor.gutter() ? line.center().x() : 40, line.center().y());
        QHelpEvent help(QEvent::ToolTip, at, target->mapToGlobal(at));
        QApplication::sendEvent(target, &help);
        QTRY_VERIFY(QToolTip::isVisible());
        QVERIFY(QTextDocumentFragment::fromHtml(QToolTip::text())
                    .toPlainText()
                    .contains(diagnostics.front().message));
        QToolTip::hideText();
        QTRY_VERIFY(!QToolTip::isVisible());
    }
}

void TestEditor::diagnosticMarksFollowTheirLines()
{
    CodeEditor editor;
    editor.setPlainText(kMalformed);
    editor.setDiagnostics(assembleMalformed());
    QCOMPARE(editor.diagnosticLines(), QList<int>{3});
    insertAtLine(editor, 1, QStringLiteral("; a new first line\n"));
    QCOMPARE(editor.diagnosticLines(), QList<int>{4});
    QVERIFY(!editor.diagnosticToolTip(4).isEmpty());
}

// --- breakpoints and the execution line --------------------------------------------------

void TestEditor::breakpointsToggle_data()
{
    QTest::addColumn<bool>("byClick");
    QTest::addColumn<int>("line");
    QTest::newRow("F9, line 2") << false << 2;
    QTest::newRow("F9, line 7") << false << 7;
    QTest::newRow("click, line 2") << true << 2;
    QTest::newRow("click, line 7") << true << 7;
}

void TestEditor::breakpointsToggle()
{
    QFETCH(bool, byClick);
    QFETCH(int, line);

    CodeEditor editor;
    editor.resize(600, 400);
    editor.setPlainText(demoSource());
    editor.show();
    QVERIFY(QTest::qWaitForWindowExposed(&editor));
    QSignalSpy changed(&editor, &CodeEditor::breakpointsChanged);

    auto toggle = [&] {
        if (byClick) {
            const QRect rect = editor.gutterLineRect(line);
            QVERIFY(rect.isValid());
            QTest::mouseClick(editor.gutter(), Qt::LeftButton, {}, rect.center());
        } else {
            editor.goToLine(line);
            QTest::keyClick(&editor, Qt::Key_F9);
        }
    };

    toggle();
    QCOMPARE(changed.count(), 1);
    QCOMPARE(changed.last().at(0).value<QSet<int>>(), QSet<int>{line});
    QCOMPARE(editor.breakpointLines(), QSet<int>{line});
    QVERIFY(editor.hasBreakpoint(line));

    toggle();
    QCOMPARE(changed.count(), 2);
    QCOMPARE(changed.last().at(0).value<QSet<int>>(), QSet<int>{});
    QVERIFY(editor.breakpointLines().isEmpty());
}

void TestEditor::breakpointsStayOnTheirLines()
{
    CodeEditor editor;
    editor.setPlainText(QStringLiteral("nop\nnop\nhlt\nnop\n"));
    QSignalSpy changed(&editor, &CodeEditor::breakpointsChanged);
    editor.setBreakpointLines({3});
    QCOMPARE(changed.count(), 1);

    // A line inserted above moves the breakpoint with its line.
    insertAtLine(editor, 1, QStringLiteral("; comment\n"));
    QCOMPARE(editor.breakpointLines(), QSet<int>{4});
    QCOMPARE(changed.last().at(0).value<QSet<int>>(), QSet<int>{4});

    // A line break typed at the very start of the line pushes the line, and its breakpoint,
    // down.
    insertAtLine(editor, 4, QStringLiteral("\n"));
    QCOMPARE(editor.breakpointLines(), QSet<int>{5});
    QCOMPARE(editor.document()->findBlockByNumber(4).text(), QStringLiteral("hlt"));

    // Typing on the line keeps it.
    insertAtLine(editor, 5, QStringLiteral("    "));
    QCOMPARE(editor.breakpointLines(), QSet<int>{5});
    const int signalsSoFar = static_cast<int>(changed.count());

    // Deleting lines below does not change anything.
    QTextCursor below(editor.document()->findBlockByNumber(5));
    below.movePosition(QTextCursor::NextBlock, QTextCursor::KeepAnchor);
    below.removeSelectedText();
    QCOMPARE(editor.breakpointLines(), QSet<int>{5});
    QCOMPARE(changed.count(), signalsSoFar);

    // Deleting the line removes its breakpoint.
    QTextCursor whole(editor.document()->findBlockByNumber(4));
    whole.movePosition(QTextCursor::NextBlock, QTextCursor::KeepAnchor);
    whole.removeSelectedText();
    QVERIFY(editor.breakpointLines().isEmpty());
    QCOMPARE(changed.last().at(0).value<QSet<int>>(), QSet<int>{});

    // Loading other text clears them.
    editor.setBreakpointLines({1, 2});
    editor.setPlainText(QStringLiteral("nop\n"));
    QVERIFY(editor.breakpointLines().isEmpty());
    QCOMPARE(changed.last().at(0).value<QSet<int>>(), QSet<int>{});
}

void TestEditor::executionLineIsMarkedAndScrolledIntoView()
{
    CodeEditor editor;
    editor.resize(600, 250);
    editor.setPlainText(demoSource());
    editor.show();
    QVERIFY(QTest::qWaitForWindowExposed(&editor));

    const int line = editor.blockCount() - 3;
    editor.setExecutionLine(line);
    QCOMPARE(editor.executionLine(), line);
    const QColor currentLine = WorkbenchColors::forPalette(editor.palette()).currentLine;
    bool marked = false;
    for (const QTextEdit::ExtraSelection &selection : editor.extraSelections()) {
        if (selection.format.background().color() == currentLine &&
            selection.format.property(QTextFormat::FullWidthSelection).toBool())
            marked = marked || selection.cursor.blockNumber() == line - 1;
    }
    QVERIFY(marked);
    const QRect rect = editor.gutterLineRect(line);
    QVERIFY(rect.top() >= 0 && rect.bottom() <= editor.viewport()->height());
    // The text cursor stays where the student left it.
    QCOMPARE(editor.cursorLine(), 1);

    editor.setExecutionLine(0);
    for (const QTextEdit::ExtraSelection &selection : editor.extraSelections())
        QVERIFY(selection.format.background().color() != currentLine);
}

void TestEditor::zoomChangesTheFontSize()
{
    CodeEditor editor;
    QVERIFY(editor.font().fixedPitch() || QFontInfo(editor.font()).fixedPitch());
    const qreal size = editor.font().pointSizeF();
    editor.setFocus();
    QTest::keyClick(&editor, Qt::Key_Equal, Qt::ControlModifier);
    QCOMPARE(editor.zoom(), 1);
    QVERIFY(editor.font().pointSizeF() > size);
    QTest::keyClick(&editor, Qt::Key_Minus, Qt::ControlModifier);
    QTest::keyClick(&editor, Qt::Key_Minus, Qt::ControlModifier);
    QCOMPARE(editor.zoom(), -1);
    QVERIFY(editor.font().pointSizeF() < size);
    const qreal space = QFontMetricsF(editor.font()).horizontalAdvance(QLatin1Char(' '));
    QCOMPARE(editor.tabStopDistance(), 4 * space);
    editor.resetZoom();
    QCOMPARE(editor.font().pointSizeF(), size);

    // Ctrl+wheel: one step per notch, however the notch arrives.
    auto wheel = [&](int delta) {
        QWheelEvent event(QPointF(20, 20), editor.viewport()->mapToGlobal(QPointF(20, 20)),
                          QPoint(), QPoint(0, delta), Qt::NoButton, Qt::ControlModifier,
                          Qt::NoScrollPhase, false);
        QApplication::sendEvent(editor.viewport(), &event);
    };
    wheel(60);
    QCOMPARE(editor.zoom(), 0);
    wheel(60);
    QCOMPARE(editor.zoom(), 1);
    wheel(-240);
    QCOMPARE(editor.zoom(), -1);
}

// --- files -------------------------------------------------------------------------------

void TestEditor::saveRoundTripIsAtomic()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    WorkbenchController controller;
    ScriptedEditorPane pane(controller);
    QSignalSpy title(&pane, &EditorPane::titleChanged);

    pane.setSourceText(QStringLiteral("; hello\nnop\n"), QStringLiteral("demo.asm"));
    QVERIFY(!pane.isModified());
    QCOMPARE(pane.title(), QStringLiteral("demo.asm"));
    QVERIFY(pane.fileName().isEmpty());

    insertAtLine(*pane.editor(), 2, QStringLiteral("    hlt\n"));
    QVERIFY(pane.isModified());
    QCOMPARE(pane.title(), QStringLiteral("demo.asm*"));
    const QString text = pane.editor()->toPlainText();

    // save() of text without a file asks for a name (saveAs).
    const QString path = dir.filePath(QStringLiteral("round.asm"));
    pane.saveName = path;
    title.clear();
    QVERIFY(pane.save());
    QVERIFY(!pane.isModified());
    QVERIFY(title.count() >= 1);
    QCOMPARE(pane.fileName(), QFileInfo(path).absoluteFilePath());
    QCOMPARE(pane.displayName(), QStringLiteral("round.asm"));
    QCOMPARE(pane.title(), QStringLiteral("round.asm"));
    QCOMPARE(readFile(path), text);
    QCOMPARE(pane.recentFiles().value(0), QFileInfo(path).absoluteFilePath());
    // Nothing but the file itself: no temporary left behind.
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden),
             QStringList{QStringLiteral("round.asm")});

    // Saving again overwrites in place.
    insertAtLine(*pane.editor(), 1, QStringLiteral("; second version\n"));
    QVERIFY(pane.save());
    QCOMPARE(readFile(path), pane.editor()->toPlainText());

    ScriptedEditorPane other(controller);
    QVERIFY(other.openFile(path));
    QCOMPARE(other.editor()->toPlainText(), pane.editor()->toPlainText());
    QVERIFY(!other.isModified());
    QVERIFY(pane.errors.isEmpty());
    QVERIFY(other.errors.isEmpty());
}

void TestEditor::saveToAnUnwritablePlaceKeepsTheText()
{
    QTemporaryDir dir;
    WorkbenchController controller;
    ScriptedEditorPane pane(controller);
    pane.setSourceText(QStringLiteral("nop\n"), QStringLiteral("demo.asm"));
    insertAtLine(*pane.editor(), 1, QStringLiteral("hlt\n"));
    const QString text = pane.editor()->toPlainText();

    const QString path = dir.filePath(QStringLiteral("no-such-folder/kept.asm"));
    QVERIFY(!pane.saveTo(path));
    QCOMPARE(pane.errors.size(), 1);
    QVERIFY2(pane.errors.front().contains(QStringLiteral("kept.asm")),
             qPrintable(pane.errors.front()));
    QVERIFY(pane.isModified());
    QCOMPARE(pane.editor()->toPlainText(), text);
    QCOMPARE(pane.displayName(), QStringLiteral("demo.asm"));
    QVERIFY(pane.fileName().isEmpty());
}

void TestEditor::openFileOnAMissingFileReturnsFalse()
{
    QTemporaryDir dir;
    WorkbenchController controller;
    ScriptedEditorPane pane(controller);
    pane.setSourceText(QStringLiteral("nop\n"), QStringLiteral("demo.asm"));

    const QString missing = dir.filePath(QStringLiteral("missing.asm"));
    QVERIFY(!pane.openFile(missing));
    QCOMPARE(pane.errors.size(), 1);
    QVERIFY2(pane.errors.front().contains(QStringLiteral("missing.asm")),
             qPrintable(pane.errors.front()));
    QCOMPARE(pane.editor()->toPlainText(), QStringLiteral("nop\n"));
    QCOMPARE(pane.displayName(), QStringLiteral("demo.asm"));
    QCOMPARE(pane.questions, 0);

    // A folder is not a source file either.
    QVERIFY(!pane.openFile(dir.path()));
    QCOMPARE(pane.errors.size(), 2);
}

void TestEditor::unsavedChangesPrompt_data()
{
    QTest::addColumn<int>("answer");
    QTest::addColumn<bool>("goesOn");
    QTest::addColumn<bool>("saved");
    QTest::newRow("cancel") << static_cast<int>(QMessageBox::Cancel) << false << false;
    QTest::newRow("discard") << static_cast<int>(QMessageBox::Discard) << true << false;
    QTest::newRow("save") << static_cast<int>(QMessageBox::Save) << true << true;
}

void TestEditor::unsavedChangesPrompt()
{
    QFETCH(int, answer);
    QFETCH(bool, goesOn);
    QFETCH(bool, saved);

    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("work.asm"));
    QVERIFY(writeFile(path, QStringLiteral("nop\n")));
    WorkbenchController controller;
    ScriptedEditorPane pane(controller);
    QVERIFY(pane.openFile(path));
    QVERIFY(pane.maybeSave()); // nothing to lose yet
    QCOMPARE(pane.questions, 0);

    insertAtLine(*pane.editor(), 1, QStringLiteral("hlt\n"));
    const QString edited = pane.editor()->toPlainText();
    pane.answer = static_cast<QMessageBox::StandardButton>(answer);
    QCOMPARE(pane.maybeSave(), goesOn);
    QCOMPARE(pane.questions, 1);
    if (goesOn)
        pane.newDocument();
    QCOMPARE(readFile(path), saved ? edited : QStringLiteral("nop\n"));
    if (goesOn) {
        QVERIFY(pane.editor()->toPlainText().isEmpty());
        QVERIFY(pane.fileName().isEmpty());
        QVERIFY(!pane.isModified());
    } else {
        QCOMPARE(pane.editor()->toPlainText(), edited);
        QCOMPARE(pane.title(), QStringLiteral("work.asm*"));
    }
}

void TestEditor::recentFilesKeepTheTenMostRecent()
{
    QTemporaryDir dir;
    WorkbenchController controller;
    ScriptedEditorPane pane(controller);
    QSignalSpy changed(&pane, &EditorPane::recentFilesChanged);
    QStringList paths;
    for (int i = 0; i < 12; ++i) {
        paths << QFileInfo(dir.filePath(QStringLiteral("f%1.asm").arg(i))).absoluteFilePath();
        QVERIFY(writeFile(paths.back(), QStringLiteral("nop\n")));
        QVERIFY(pane.openFile(paths.back()));
    }
    QCOMPARE(changed.count(), 12);
    QStringList expected;
    for (int i = 11; i >= 2; --i)
        expected << paths.at(i);
    QCOMPARE(pane.recentFiles(), expected);

    // Opening one again moves it to the front.
    QVERIFY(pane.openFile(paths.at(5)));
    QCOMPARE(pane.recentFiles().front(), paths.at(5));
    QCOMPARE(pane.recentFiles().size(), EditorPane::kMaxRecentFiles);

    // Files that are gone are left out.
    QVERIFY(QFile::remove(paths.at(11)));
    QVERIFY(!pane.recentFiles().contains(paths.at(11)));
    QVERIFY(QSettings()
                .value(QStringLiteral("editor/recentFiles"))
                .toStringList()
                .contains(paths.at(11)));

    pane.clearRecentFiles();
    QVERIFY(pane.recentFiles().isEmpty());
}

void TestEditor::droppedSourceFileIsOpened()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("dropped.asm"));
    QVERIFY(writeFile(path, QStringLiteral("; dropped\nhlt\n")));
    const QString other = dir.filePath(QStringLiteral("picture.png"));
    QVERIFY(writeFile(other, QStringLiteral("x")));

    WorkbenchController controller;
    ScriptedEditorPane pane(controller);
    pane.setSourceText(QStringLiteral("nop\n"), QStringLiteral("demo.asm"));
    CodeEditor *editor = pane.editor();
    QSignalSpy dropped(editor, &CodeEditor::fileDropped);

    auto drop = [&](const QString &file) {
        QMimeData mime;
        mime.setUrls({QUrl::fromLocalFile(file)});
        mime.setText(QUrl::fromLocalFile(file).toString());
        const QPoint at(20, 10);
        QDragEnterEvent enter(at, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(editor->viewport(), &enter);
        QDropEvent event(at, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(editor->viewport(), &event);
        return enter.isAccepted();
    };

    QVERIFY(!drop(other));
    QCOMPARE(dropped.count(), 0);
    QCOMPARE(editor->toPlainText(), QStringLiteral("nop\n")); // no path pasted as text

    QVERIFY(drop(path));
    QCOMPARE(dropped.count(), 1);
    QCOMPARE(dropped.front().at(0).toString(), path);
    QCOMPARE(editor->toPlainText(), QStringLiteral("; dropped\nhlt\n"));
    QCOMPARE(pane.displayName(), QStringLiteral("dropped.asm"));
    QCOMPARE(pane.questions, 0);

    // Unsaved changes are offered for saving first; Cancel keeps them.
    insertAtLine(*editor, 1, QStringLiteral("nop\n"));
    pane.answer = QMessageBox::Cancel;
    QVERIFY(drop(path));
    QCOMPARE(pane.questions, 1);
    QCOMPARE(editor->toPlainText(), QStringLiteral("nop\n; dropped\nhlt\n"));
    QVERIFY(pane.isModified());
}

// --- find --------------------------------------------------------------------------------

void TestEditor::findBarFindsAndWraps()
{
    WorkbenchController controller;
    ScriptedEditorPane pane(controller);
    pane.resize(800, 500);
    pane.setSourceText(QStringLiteral("call spin\nnop\nSpin:\njmp spin\n"),
                       QStringLiteral("f.asm"));
    pane.show();
    QVERIFY(QTest::qWaitForWindowExposed(&pane));
    pane.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&pane));
    pane.editor()->setFocus();

    auto *findBar = pane.findChild<QWidget *>(QStringLiteral("findBar"));
    auto *findText = pane.findChild<QLineEdit *>(QStringLiteral("findText"));
    auto *status = pane.findChild<QLabel *>(QStringLiteral("findStatus"));
    auto *matchCase = findBar->findChild<QCheckBox *>();
    QVERIFY(findBar && findText && status && matchCase);
    QVERIFY(findBar->isHidden());

    QTest::keyClick(pane.editor(), Qt::Key_F, Qt::ControlModifier);
    QVERIFY(findBar->isVisible());
    QTRY_VERIFY(findText->hasFocus());

    QTest::keyClicks(findText, QStringLiteral("spin")); // finds as it types
    QCOMPARE(pane.editor()->cursorLine(), 1);
    QTest::keyClick(findText, Qt::Key_Return);
    QCOMPARE(pane.editor()->cursorLine(), 3); // "Spin": case is ignored
    QCOMPARE(pane.editor()->textCursor().selectedText(), QStringLiteral("Spin"));
    QTest::keyClick(findText, Qt::Key_F3);
    QCOMPARE(pane.editor()->cursorLine(), 4);
    QTest::keyClick(findText, Qt::Key_Return, Qt::ShiftModifier);
    QCOMPARE(pane.editor()->cursorLine(), 3);

    matchCase->setChecked(true);
    QVERIFY(pane.findNext());
    QCOMPARE(pane.editor()->cursorLine(), 4);
    QVERIFY(pane.findNext()); // wraps around to the first line
    QCOMPARE(pane.editor()->cursorLine(), 1);
    QVERIFY(!status->text().isEmpty());

    findText->setText(QStringLiteral("no such text"));
    QVERIFY(!pane.findNext());
    QVERIFY(!status->text().isEmpty());
    QCOMPARE(pane.editor()->cursorLine(), 1);

    QTest::keyClick(findText, Qt::Key_Escape);
    QVERIFY(findBar->isHidden());
}

// --- the controller ----------------------------------------------------------------------

void TestEditor::assembleOnEditReachesTheController()
{
    WorkbenchController controller;
    ScriptedEditorPane pane(controller);
    pane.show();
    QVERIFY(QTest::qWaitForWindowExposed(&pane));

    pane.setSourceText(demoSource(), QStringLiteral("popf-if.asm"));
    QVERIFY(controller.isAssembling()); // a loaded document is assembled at once
    controller.waitForIdle();
    QTRY_VERIFY_WITH_TIMEOUT(controller.hasProgram(), 10000);
    QVERIFY(controller.diagnostics().isEmpty());

    // A malformed line: nothing is sent while the student is still typing...
    const int line = lineOf(demoSource(), QStringLiteral("call spin"));
    insertAtLine(*pane.editor(), line, QStringLiteral("    mov rax, rbx, rcx\n"));
    QVERIFY(!controller.isAssembling());
    // ...but a moment later the assembler has seen it, and the editor marks the line.
    QTRY_VERIFY_WITH_TIMEOUT(!controller.diagnostics().isEmpty(), 10000);
    QCOMPARE(controller.diagnostics().front().line, line);
    QCOMPARE(controller.diagnostics().front().file, QStringLiteral("popf-if.asm"));
    QTRY_COMPARE(pane.editor()->diagnosticLines(), QList<int>{line});
    auto *status = pane.findChild<QLabel *>(QStringLiteral("assemblerStatus"));
    QVERIFY(status);
    QTRY_VERIFY(status->toolTip().contains(QStringLiteral("line %1").arg(line)));

    // Undoing the edit assembles the demo again and clears the mark.
    pane.editor()->undo();
    QTRY_VERIFY_WITH_TIMEOUT(controller.diagnostics().isEmpty() && !controller.isAssembling(),
                             10000);
    QTRY_VERIFY(pane.editor()->diagnosticLines().isEmpty());
    QTRY_VERIFY(controller.program().source == pane.editor()->toPlainText());
}

void TestEditor::paneShowsTheControllersState()
{
    WorkbenchController controller;
    ScriptedEditorPane pane(controller);
    pane.resize(800, 500);
    pane.show();
    QVERIFY(QTest::qWaitForWindowExposed(&pane));
    pane.setSourceText(demoSource(), QStringLiteral("popf-if.asm"));
    controller.waitForIdle();
    QTRY_VERIFY_WITH_TIMEOUT(controller.hasProgram(), 10000);

    // RIP starts at the first instruction.
    const int first = lineOf(demoSource(), QStringLiteral("lidt [idt_descriptor]"));
    QTRY_COMPARE(pane.editor()->executionLine(), first);
    QCOMPARE(controller.snapshot().line, first);

    controller.step();
    controller.waitForIdle();
    QTRY_COMPARE(pane.editor()->executionLine(), first + 1);

    // Breakpoints reach the controller; a run stops there.
    const int target = lineOf(demoSource(), QStringLiteral("popf                        ;"));
    pane.editor()->toggleBreakpoint(target);
    QCOMPARE(controller.breakpointLines(), QSet<int>{target});
    controller.run();
    QTRY_VERIFY_WITH_TIMEOUT(
        !controller.isRunning() && controller.snapshot().pause == PauseReason::Breakpoint, 20000);
    QTRY_COMPARE(pane.editor()->executionLine(), target);

    // Edited text no longer matches the loaded program's lines: no arrow until it is loaded.
    insertAtLine(*pane.editor(), 1, QStringLiteral("; edited\n"));
    QTRY_COMPARE(pane.editor()->executionLine(), 0);
    QCOMPARE(pane.editor()->breakpointLines(), QSet<int>{target + 1});
    QTRY_VERIFY_WITH_TIMEOUT(controller.program().source == pane.editor()->toPlainText(), 10000);
    QTRY_COMPARE(pane.editor()->executionLine(), first + 1);
    QCOMPARE(controller.breakpointLines(), QSet<int>{target + 1});

    // The breakpoint moved with its line, and the new program stops there, not one line off.
    controller.run();
    QTRY_VERIFY_WITH_TIMEOUT(
        !controller.isRunning() && controller.snapshot().pause == PauseReason::Breakpoint, 20000);
    QCOMPARE(controller.snapshot().line, target + 1);
    QTRY_COMPARE(pane.editor()->executionLine(), target + 1);
}

QTEST_MAIN(TestEditor)
#include "tst_editor.moc"
