// The paravirtualizing rewriter: each sensitive instruction becomes its xen.inc macro, what
// cannot be rewritten is refused with the line and the reason, and the rewritten snippet,
// run under the paravirtual monitor, gives what the original gives natively: the demos, and
// the privileged-instruction cases trap-and-emulate is tested with.

#include "pv/Paravirtualizer.h"
#include "support/GuestRun.h"
#include "support/PrivilegedCases.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>
#include <map>

using namespace vmwb;
using namespace vmwb::test;

namespace {

QString paravirtual()
{
    return QStringLiteral("paravirtual");
}

QString demosDirectory()
{
    return QStringLiteral(VMWB_SOURCE_DIR "/exercises/demos");
}

QString readFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        qFatal("cannot read %s", qPrintable(path));
    return QString::fromUtf8(file.readAll());
}

QString refusalsText(const ParavirtualizeResult &result)
{
    QString text;
    for (const RewriteRefusal &refusal : result.refusals)
        text += QStringLiteral("%1: %2 (%3)\n").arg(refusal.line).arg(refusal.why, refusal.text);
    return text;
}

// The privileged-instruction cases (support/PrivilegedCases.h) the rewriter refuses, with words
// its reason must contain; it must accept every other case.
const std::map<QString, QString> &expectedRefusals()
{
    static const std::map<QString, QString> refusals{
        {QStringLiteral("mov r64, cr0"), QStringLiteral("keeps its own copy")},
        {QStringLiteral("mov cr0, r64 (set TS)"), QStringLiteral("reading CR0")},
        {QStringLiteral("mov r64, cr2"), QStringLiteral("reading CR2")},
        {QStringLiteral("mov cr3, r64 (reload)"), QStringLiteral("per-CPU variable")},
        {QStringLiteral("mov cr4, r64 (set TSD)"), QStringLiteral("reading CR4")},
        {QStringLiteral("mov cr8, r64"), QStringLiteral("CR8 belongs to the monitor")},
        {QStringLiteral("lgdt"), QStringLiteral("set_gdt")},
        {QStringLiteral("lldt null"), QStringLiteral("LDT")},
        {QStringLiteral("clts"), QStringLiteral("reading CR0")},
        {QStringLiteral("lmsw"), QStringLiteral("reading CR0")},
        {QStringLiteral("mov dr0"), QStringLiteral("set_debugreg")},
        {QStringLiteral("in eax, imm8 (timer)"), QStringLiteral("port input")},
        {QStringLiteral("in al, dx (no device)"), QStringLiteral("port input")},
        {QStringLiteral("rep outsb (console)"), QStringLiteral("console_io")},
        {QStringLiteral("insb (timer)"), QStringLiteral("port input")},
        {QStringLiteral("rdmsr EFER"), QStringLiteral("model-specific")},
        {QStringLiteral("wrmsr, rdmsr LSTAR"), QStringLiteral("model-specific")},
        {QStringLiteral("wrmsr FS_BASE takes effect"), QStringLiteral("set_segment_base")},
        {QStringLiteral("swapgs"), QStringLiteral("model-specific")},
        {QStringLiteral("wbinvd"), QStringLiteral("cache control")},
        {QStringLiteral("mov to cr0 with a reserved bit: #GP in both"),
         QStringLiteral("reading CR0")},
    };
    return refusals;
}

QJsonObject registersOf(const Session &session, const QStringList &ignored)
{
    QJsonObject registers = reportJson(session).value(QStringLiteral("registers")).toObject();
    for (const QString &name : ignored)
        registers.remove(name);
    return registers;
}

// Timer ticks counted by the guest under paravirtual against native. The workbench's clock
// counts guest instructions, and the paravirtual glue (xen.inc's macros: saving registers,
// building hypercall arguments, the event entry and the iret hypercall) is guest instructions
// too; so the paravirtual guest sees every tick the native one sees (none is lost or left
// pending), plus at most one per `period` instructions it ran more.
void compareTicks(const Session &native, const Session &pv, std::uint64_t nativeTicks,
                  std::uint64_t pvTicks)
{
    const std::uint64_t period = pv.ports().timer().period();
    QVERIFY(period > 0);
    const std::uint64_t extra =
        pv.instructions() > native.instructions() ? pv.instructions() - native.instructions() : 0;
    QVERIFY2(pvTicks >= nativeTicks && pvTicks <= nativeTicks + (extra + period - 1) / period + 1,
             qPrintable(QStringLiteral("native %1 ticks, paravirtual %2 ticks, %3 more "
                                       "instructions, period %4")
                            .arg(nativeTicks)
                            .arg(pvTicks)
                            .arg(extra)
                            .arg(period)));
    QCOMPARE(pv.trace().count(EventKind::InterruptLost),
             native.trace().count(EventKind::InterruptLost));
    QCOMPARE(pv.pendingInterrupts().count(), native.pendingInterrupts().count());
}

} // namespace

class TestParavirtualize : public QObject
{
    Q_OBJECT

private slots:
    void rewritesEachSensitiveInstruction_data();
    void rewritesEachSensitiveInstruction();
    void keepsLabelsCommentsAndOtherLines();
    void addsXenIncludeOnce_data();
    void addsXenIncludeOnce();
    void refusesWhatItCannotRewrite_data();
    void refusesWhatItCannotRewrite();
    void timerHandlerStartsWithTheEventEntry();
    void gateOfUnknownVectorIsRefused();
    void popfDemoRunsLikeNative();
    void everyDemoRunsLikeNative_data();
    void everyDemoRunsLikeNative();
    void privilegedCaseRunsLikeNative_data();
    void privilegedCaseRunsLikeNative();
    void unmodifiedPrivilegedCaseRunsThroughTrapAndEmulate_data();
    void unmodifiedPrivilegedCaseRunsThroughTrapAndEmulate();
    void interruptsArriveLikeNative_data();
    void interruptsArriveLikeNative();
    void unifiedDiffFormat_data();
    void unifiedDiffFormat();
    void unifiedDiffAgreesWithDiff();
};

void TestParavirtualize::rewritesEachSensitiveInstruction_data()
{
    QTest::addColumn<QString>("line");
    QTest::addColumn<QString>("macro");
    QTest::newRow("cli") << "cli"
                         << "XEN_CLI";
    QTest::newRow("sti") << "sti"
                         << "XEN_STI";
    QTest::newRow("pushf") << "pushf"
                           << "XEN_PUSHF";
    QTest::newRow("pushfq") << "pushfq"
                            << "XEN_PUSHF";
    QTest::newRow("popf") << "popf"
                          << "XEN_POPF";
    QTest::newRow("popfq") << "POPFQ"
                           << "XEN_POPF";
    QTest::newRow("hlt") << "hlt"
                         << "XEN_HLT";
    QTest::newRow("iretq") << "iretq"
                           << "XEN_IRET";
    QTest::newRow("lidt") << "lidt [idt_descriptor]"
                          << "XEN_LIDT [idt_descriptor]";
    QTest::newRow("mov cr3") << "mov cr3, rbx"
                             << "XEN_LOAD_CR3 rbx";
    QTest::newRow("invlpg") << "invlpg [rbx + 8]"
                            << "XEN_INVLPG [rbx + 8]";
    QTest::newRow("out console") << "out CONSOLE_PORT, al"
                                 << "XEN_CONSOLE_OUT";
    QTest::newRow("out console by number") << "out 0xE9, al"
                                           << "XEN_CONSOLE_OUT";
    QTest::newRow("out timer") << "out TIMER_PORT, eax"
                               << "XEN_SET_TIMER";
    QTest::newRow("out exit") << "out EXIT_PORT, al"
                              << "XEN_EXIT_AL";
    QTest::newRow("out exit by local name") << "out MY_EXIT, al"
                                            << "XEN_EXIT_AL";
    QTest::newRow("EXIT") << "EXIT 3"
                          << "XEN_EXIT 3";
}

void TestParavirtualize::rewritesEachSensitiveInstruction()
{
    QFETCH(QString, line);
    QFETCH(QString, macro);
    const QString source = QStringLiteral("%include \"workbench.inc\"\n"
                                          "MY_EXIT equ 0xF0 + 4\n"
                                          "    %1 ; the original comment\n"
                                          "    EXIT 0\n"
                                          "idt_descriptor: dw 0\n"
                                          "    dq 0\n")
                               .arg(line);
    const ParavirtualizeResult result = paravirtualize(source);
    QVERIFY2(result.ok(), qPrintable(refusalsText(result)));
    const auto change = std::find_if(result.changes.begin(), result.changes.end(),
                                     [](const RewriteChange &c) { return c.line == 3; });
    QVERIFY(change != result.changes.end());
    QCOMPARE(change->original, QStringLiteral("    %1 ; the original comment").arg(line));
    QCOMPARE(change->replaced.size(), 1);
    const QString replaced = change->replaced.front();
    QVERIFY2(replaced.trimmed().startsWith(macro), qPrintable(replaced));
    QVERIFY2(replaced.contains(QStringLiteral("; pv: was \"%1\"").arg(line)), qPrintable(replaced));
    QVERIFY2(replaced.endsWith(QStringLiteral("; the original comment")), qPrintable(replaced));
    QVERIFY(!change->explanation.isEmpty());
    QVERIFY(result.source.contains(replaced + QLatin1Char('\n')));
    // The line before and the data stay as they were.
    QVERIFY(result.source.contains(QStringLiteral("\nMY_EXIT equ 0xF0 + 4\n")));
    // It assembles.
    const AssembledProgram assembled = assemble(result.source);
    QVERIFY(!assembled.code.isEmpty());
}

void TestParavirtualize::keepsLabelsCommentsAndOtherLines()
{
    const QString source = QStringLiteral("; a header comment\n"
                                          "%include \"workbench.inc\"\n"
                                          "start:  cli             ; enter\n"
                                          "    mov eax, 1\n"
                                          "\n"
                                          "done: sti\n"
                                          "    EXIT 0");
    const ParavirtualizeResult result = paravirtualize(source);
    QVERIFY2(result.ok(), qPrintable(refusalsText(result)));
    const QStringList lines = result.source.split(QLatin1Char('\n'));
    QCOMPARE(lines.value(0), QStringLiteral("; a header comment"));
    QCOMPARE(lines.value(1), QStringLiteral("%include \"workbench.inc\""));
    QCOMPARE(lines.value(2), QStringLiteral("%include \"xen.inc\""));
    QVERIFY2(lines.value(3).startsWith(QStringLiteral("start:  XEN_CLI")),
             qPrintable(lines.value(3)));
    QVERIFY(lines.value(3).endsWith(QStringLiteral("; pv: was \"cli\" ; enter")));
    QCOMPARE(lines.value(4), QStringLiteral("    mov eax, 1"));
    QCOMPARE(lines.value(5), QString());
    QVERIFY2(lines.value(6).startsWith(QStringLiteral("done: XEN_STI")),
             qPrintable(lines.value(6)));
    QVERIFY(lines.value(7).contains(QStringLiteral("XEN_EXIT 0")));
    // No newline at the end of the original: none at the end of the rewrite either.
    QVERIFY(!result.source.endsWith(QLatin1Char('\n')));
    QCOMPARE(result.changes.size(), std::size_t(4)); // the include, cli, sti, EXIT
    QCOMPARE(result.changes[0].line, 2);
    QCOMPARE(result.changes[1].line, 3);
    QCOMPARE(result.changes[2].line, 6);
    QCOMPARE(result.changes[3].line, 7);
}

void TestParavirtualize::addsXenIncludeOnce_data()
{
    QTest::addColumn<QString>("source");
    QTest::addColumn<int>("includeLine"); // 0-based line of %include "xen.inc" in the output
    QTest::newRow("after workbench.inc") << "; comment\n%include \"workbench.inc\"\n    cli\n" << 2;
    QTest::newRow("without workbench.inc") << "; comment\n\n    cli\n    hlt\n" << 2;
    QTest::newRow("already paravirtual")
        << "%include \"workbench.inc\"\n%include \"xen.inc\"\n    cli\n"
        << 1;
}

void TestParavirtualize::addsXenIncludeOnce()
{
    QFETCH(QString, source);
    QFETCH(int, includeLine);
    const ParavirtualizeResult result = paravirtualize(source);
    QVERIFY(result.ok());
    QCOMPARE(result.source.count(QStringLiteral("%include \"xen.inc\"")), 1);
    QCOMPARE(result.source.split(QLatin1Char('\n')).value(includeLine),
             QStringLiteral("%include \"xen.inc\""));
    assemble(result.source);
}

void TestParavirtualize::refusesWhatItCannotRewrite_data()
{
    QTest::addColumn<QString>("line");
    QTest::addColumn<QString>("reason"); // words the reason must contain
    QTest::newRow("lgdt") << "lgdt [gdt]"
                          << "set_gdt";
    QTest::newRow("sgdt") << "sgdt [gdt]"
                          << "does not trap";
    QTest::newRow("sidt") << "sidt [gdt]"
                          << "does not trap";
    QTest::newRow("smsw") << "smsw ax"
                          << "does not trap";
    QTest::newRow("out dx") << "out dx, al"
                            << "unknown when rewriting";
    QTest::newRow("out to a port without device") << "out 0x80, al"
                                                  << "port 0x80";
    QTest::newRow("out console with eax") << "out CONSOLE_PORT, eax"
                                          << "only out CONSOLE_PORT";
    QTest::newRow("in") << "in al, 0x40"
                        << "port input";
    QTest::newRow("mov cr0") << "mov cr0, rax"
                             << "CR0 belongs to the monitor";
    QTest::newRow("read cr3") << "mov rax, cr3"
                              << "keeps its own copy";
    QTest::newRow("mov cr3 from memory") << "mov cr3, [rbx]"
                                         << "64-bit general register";
    QTest::newRow("mov dr7") << "mov dr7, rax"
                             << "set_debugreg";
    QTest::newRow("rdmsr") << "rdmsr"
                           << "model-specific";
    QTest::newRow("mov ds") << "mov ds, ax"
                            << "DPL 0";
    QTest::newRow("mov from ss") << "mov ax, ss"
                                 << "RPL 3";
    QTest::newRow("push ss") << "push ss"
                             << "RPL 3";
    QTest::newRow("iretd") << "iretd"
                           << "only iretq";
    QTest::newRow("popfw") << "popfw"
                           << "16-bit";
    QTest::newRow("lidt through rsp") << "lidt [rsp + 8]"
                                      << "stack pointer";
}

void TestParavirtualize::refusesWhatItCannotRewrite()
{
    QFETCH(QString, line);
    QFETCH(QString, reason);
    const QString source = QStringLiteral("%include \"workbench.inc\"\n"
                                          "    cli\n"
                                          "    %1 ; why not\n"
                                          "    sti\n")
                               .arg(line);
    const ParavirtualizeResult result = paravirtualize(source);
    QVERIFY(!result.ok());
    QCOMPARE(result.refusals.size(), std::size_t(1));
    QCOMPARE(result.refusals[0].line, 3);
    QCOMPARE(result.refusals[0].text, QStringLiteral("    %1 ; why not").arg(line));
    QVERIFY2(result.refusals[0].why.contains(reason), qPrintable(result.refusals[0].why));
    // The other lines are still rewritten (the GUI shows the partial result).
    QVERIFY(result.source.contains(QStringLiteral("XEN_CLI")));
    QVERIFY(result.source.contains(QStringLiteral("XEN_STI")));
}

void TestParavirtualize::timerHandlerStartsWithTheEventEntry()
{
    const QString source = withTickCounter(QStringLiteral("    lidt [idt_descriptor]\n"
                                                          "    mov eax, 100\n"
                                                          "    out TIMER_PORT, eax\n"
                                                          "    sti\n"
                                                          "    EXIT 0\n"));
    const ParavirtualizeResult result = paravirtualize(source);
    QVERIFY2(result.ok(), qPrintable(refusalsText(result)));
    const QStringList lines = result.source.split(QLatin1Char('\n'));
    const auto label = lines.indexOf(QStringLiteral("tick:"));
    QVERIFY(label > 0);
    QVERIFY2(lines.value(label + 1).trimmed().startsWith(QStringLiteral("XEN_EVENT_ENTRY")),
             qPrintable(lines.value(label + 1)));
    QCOMPARE(lines.value(label + 2), QStringLiteral("    inc qword [ticks]"));
    QVERIFY(lines.value(label + 3).trimmed().startsWith(QStringLiteral("XEN_IRET")));
    // The gate itself stays: XEN_LIDT reads it at run time.
    QVERIFY(result.source.contains(QStringLiteral("    IDT_INTERRUPT_GATE tick\n")));
}

void TestParavirtualize::gateOfUnknownVectorIsRefused()
{
    const QString source = QStringLiteral("%include \"workbench.inc\"\n"
                                          "    lidt [idt_descriptor]\n"
                                          "    hlt\n"
                                          "handler:\n"
                                          "    iretq\n"
                                          "idt:\n"
                                          "%rep 33\n"
                                          "    IDT_INTERRUPT_GATE handler\n"
                                          "%endrep\n"
                                          "idt_descriptor: dw 33 * 16 - 1\n"
                                          "    dq idt\n");
    const ParavirtualizeResult result = paravirtualize(source);
    QVERIFY(!result.ok());
    QCOMPARE(result.refusals.front().line, 8);
    QVERIFY(result.refusals.front().why.contains(QStringLiteral("which vector")));
}

void TestParavirtualize::popfDemoRunsLikeNative()
{
    const QString original = readFile(demosDirectory() + QStringLiteral("/popf-if.asm"));
    const ParavirtualizeResult result = paravirtualize(original);
    QVERIFY2(result.ok(), qPrintable(refusalsText(result)));
    const auto native = run(original, test::native());
    const auto trapped = run(original, trapAndEmulate());
    const auto pv = run(result.source, paravirtual());

    QCOMPARE(native->status(), RunStatus::Exited);
    QCOMPARE(pv->status(), RunStatus::Exited);
    QVERIFY(native->ports().exitCode().value_or(0) > 0);
    // "ticks before the critical section: N, after popf: M": the demo counts both before it
    // prints anything, so the instructions the paravirtual glue adds to printing cannot add
    // ticks, and the paravirtual guest sees exactly the native ones.
    QVERIFY(native->ports().console().startsWith("ticks before the critical section: "));
    QCOMPARE(pv->ports().console(), native->ports().console());
    QCOMPARE(pv->ports().exitCode(), native->ports().exitCode());
    compareTicks(*native, *pv, native->ports().exitCode().value_or(0),
                 pv->ports().exitCode().value_or(0));
    // Under trap-and-emulate the popf loses the interrupts; paravirtualized, it does not.
    QCOMPARE(trapped->ports().exitCode(), std::optional<std::uint8_t>(0));
    // Nothing is left to trap or to slip past the monitor.
    QCOMPARE(pv->trace().count(EventKind::Trap), 0u);
    QCOMPARE(pv->trace().count(EventKind::Hole), 0u);
    QVERIFY(pv->trace().count(EventKind::Hypercall) > 0);
}

void TestParavirtualize::everyDemoRunsLikeNative_data()
{
    QTest::addColumn<QString>("path");
    const QDir demos(demosDirectory());
    const QStringList files = demos.entryList({QStringLiteral("*.asm")}, QDir::Files, QDir::Name);
    QVERIFY(!files.isEmpty());
    for (const QString &file : files)
        QTest::newRow(qPrintable(file)) << demos.filePath(file);
}

void TestParavirtualize::everyDemoRunsLikeNative()
{
    QFETCH(QString, path);
    const QString original = readFile(path);
    const ParavirtualizeResult result = paravirtualize(original);
    QVERIFY2(result.ok(), qPrintable(refusalsText(result)));
    const auto native = run(original, test::native());
    const auto pv = run(result.source, paravirtual());
    QCOMPARE(runStatusName(pv->status()), runStatusName(native->status()));
    QCOMPARE(pv->ports().exitCode().has_value(), native->ports().exitCode().has_value());
    QCOMPARE(pv->trace().count(EventKind::Hole), 0u);
    QCOMPARE(pv->trace().count(EventKind::Trap), 0u);
    if (native->ports().timer().period() == 0) {
        // Without a timer, nothing depends on how long the glue takes.
        QCOMPARE(pv->ports().exitCode(), native->ports().exitCode());
        QCOMPARE(pv->ports().console(), native->ports().console());
        return;
    }
    compareTicks(*native, *pv, native->trace().count(EventKind::InterruptDelivered),
                 pv->trace().count(EventKind::InterruptDelivered));
}

void TestParavirtualize::privilegedCaseRunsLikeNative_data()
{
    addPrivilegedInstructionRows();
}

void TestParavirtualize::privilegedCaseRunsLikeNative()
{
    QFETCH(QString, body);
    QFETCH(QString, data);
    const QString source = program(body, data);
    const ParavirtualizeResult result = paravirtualize(source);
    const auto refusal = expectedRefusals().find(QString::fromUtf8(QTest::currentDataTag()));
    if (refusal != expectedRefusals().end()) {
        QVERIFY2(!result.ok(), "the rewriter accepted a case expected to be refused");
        QVERIFY2(
            std::any_of(result.refusals.begin(), result.refusals.end(),
                        [&](const RewriteRefusal &r) { return r.why.contains(refusal->second); }),
            qPrintable(refusalsText(result)));
        return;
    }
    QVERIFY2(result.ok(), qPrintable(refusalsText(result)));
    const auto native = run(source, test::native());
    const auto pv = run(result.source, paravirtual());
    QVERIFY2(native->status() != RunStatus::GuestFault, qPrintable(native->statusMessage()));
    QCOMPARE(runStatusName(pv->status()), runStatusName(native->status()));
    QCOMPARE(pv->ports().exitCode(), native->ports().exitCode());
    QCOMPARE(pv->ports().console(), native->ports().console());
    QCOMPARE(pv->trace().count(EventKind::Trap), 0u);
    QCOMPARE(pv->trace().count(EventKind::Hole), 0u);
    // Every register the guest set is as native. Not compared: RIP (the rewritten code is
    // longer), RFLAGS (the real IF is 1), and the registers the final hypercall carries, which
    // never returns: RAX (its number), RDI and RSI (its arguments) and RSP (its argument
    // structure); XEN_HLT's VCPUOP_down also uses RDX and saves RCX.
    QStringList ignored{QStringLiteral("rip"), QStringLiteral("rflags"), QStringLiteral("rax"),
                        QStringLiteral("rdi"), QStringLiteral("rsi"),    QStringLiteral("rsp")};
    if (native->status() == RunStatus::Halted)
        ignored << QStringLiteral("rcx") << QStringLiteral("rdx");
    QCOMPARE(registersOf(*pv, ignored), registersOf(*native, ignored));
    QCOMPARE(pv->guestView().interruptFlag, native->guestView().interruptFlag);
}

void TestParavirtualize::unmodifiedPrivilegedCaseRunsThroughTrapAndEmulate_data()
{
    addPrivilegedInstructionRows();
}

void TestParavirtualize::unmodifiedPrivilegedCaseRunsThroughTrapAndEmulate()
{
    // The original, not rewritten, under the paravirtual monitor: it traps and is emulated,
    // and equals native as under trap-and-emulate.
    QFETCH(QString, body);
    QFETCH(QString, data);
    QFETCH(QString, trapped);
    const QString source = program(body, data);
    const auto native = run(source, test::native());
    const auto pv = run(source, paravirtual());
    const auto &events = pv->trace().events();
    QVERIFY2(std::any_of(events.begin(), events.end(),
                         [&](const Event &e) {
                             return e.kind == EventKind::Trap && e.instruction.startsWith(trapped);
                         }),
             qPrintable(trapped));
    QCOMPARE(pv->trace().count(EventKind::Hole), 0u);
    QCOMPARE(pv->trace().count(EventKind::Hypercall), 0u);
    compareWithNative(*pv, *native);
}

void TestParavirtualize::interruptsArriveLikeNative_data()
{
    QTest::addColumn<QString>("enable");
    QTest::addColumn<bool>("delivered");
    QTest::newRow("sti") << "sti" << true;
    QTest::newRow("cli") << "cli" << false;
    QTest::newRow("pushf; sti; popf") << "pushf\n    sti\n    popf" << false;
    QTest::newRow("sti; pushf; cli; popf") << "sti\n    pushf\n    cli\n    popf" << true;
}

void TestParavirtualize::interruptsArriveLikeNative()
{
    QFETCH(QString, enable);
    QFETCH(bool, delivered);
    const QString source = withTickCounter(QStringLiteral("    lidt [idt_descriptor]\n"
                                                          "    mov eax, 100\n"
                                                          "    out TIMER_PORT, eax\n"
                                                          "    %1\n"
                                                          "    mov ecx, 1000\n"
                                                          "spin:\n"
                                                          "    dec ecx\n"
                                                          "    jnz spin\n"
                                                          "    mov rax, [ticks]\n"
                                                          "    out EXIT_PORT, al\n")
                                               .arg(enable));
    const ParavirtualizeResult result = paravirtualize(source);
    QVERIFY2(result.ok(), qPrintable(refusalsText(result)));
    const auto native = run(source, test::native());
    const auto pv = run(result.source, paravirtual());
    QCOMPARE(pv->status(), RunStatus::Exited);
    QCOMPARE(native->ports().exitCode().value_or(0) > 0, delivered);
    QCOMPARE(pv->ports().exitCode().value_or(0) > 0, delivered);
    QCOMPARE(static_cast<std::uint64_t>(pv->ports().exitCode().value_or(0)),
             pv->trace().count(EventKind::InterruptDelivered));
    compareTicks(*native, *pv, native->ports().exitCode().value_or(0),
                 pv->ports().exitCode().value_or(0));
    QCOMPARE(pv->trace().count(EventKind::Trap), 0u);
}

void TestParavirtualize::unifiedDiffFormat_data()
{
    QTest::addColumn<QString>("before");
    QTest::addColumn<QString>("after");
    QTest::addColumn<QString>("diff");
    QTest::newRow("equal") << "a\nb\n"
                           << "a\nb\n"
                           << "";
    QTest::newRow("one line changed, context 3")
        << "1\n2\n3\n4\n5\n6\n7\n8\n9\n"
        << "1\n2\n3\n4\nfive\n6\n7\n8\n9\n"
        << "--- old\n+++ new\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n";
    QTest::newRow("two hunks") << "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\nm\n"
                               << "A\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\nM\n"
                               << "--- old\n+++ new\n@@ -1,4 +1,4 @@\n-a\n+A\n b\n c\n d\n"
                                  "@@ -10,4 +10,4 @@\n j\n k\n l\n-m\n+M\n";
    QTest::newRow("changes 6 lines apart share a hunk")
        << "a\nb\nc\nd\ne\nf\ng\nh\n"
        << "A\nb\nc\nd\ne\nf\ng\nH\n"
        << "--- old\n+++ new\n@@ -1,8 +1,8 @@\n-a\n+A\n b\n c\n d\n e\n f\n g\n-h\n+H\n";
    QTest::newRow("insertion and deletion")
        << "x\ny\nz\n"
        << "x\nnew 1\nnew 2\nz\n"
        << "--- old\n+++ new\n@@ -1,3 +1,4 @@\n x\n-y\n+new 1\n+new 2\n z\n";
    QTest::newRow("into an empty file") << ""
                                        << "one\n"
                                        << "--- old\n+++ new\n@@ -0,0 +1 @@\n+one\n";
    QTest::newRow("no newline at the end")
        << "a\nb"
        << "a\nc"
        << "--- old\n+++ new\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+c\n"
           "\\ No newline at end of file\n";
}

void TestParavirtualize::unifiedDiffFormat()
{
    QFETCH(QString, before);
    QFETCH(QString, after);
    QFETCH(QString, diff);
    QCOMPARE(unifiedDiff(before, after, QStringLiteral("old"), QStringLiteral("new")), diff);
}

void TestParavirtualize::unifiedDiffAgreesWithDiff()
{
    // The demo and its rewrite, against the system's diff -u where there is one.
    const QString diffProgram = QStandardPaths::findExecutable(QStringLiteral("diff"));
    if (diffProgram.isEmpty())
        QSKIP("no diff program on this machine");
    const QString original = readFile(demosDirectory() + QStringLiteral("/popf-if.asm"));
    const QString rewritten = paravirtualize(original).source;
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const auto write = [&](const QString &name, const QString &text) {
        QFile file(dir.filePath(name));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(text.toUtf8());
    };
    write(QStringLiteral("a.asm"), original);
    write(QStringLiteral("b.asm"), rewritten);
    QProcess process;
    process.setWorkingDirectory(dir.path());
    process.start(diffProgram,
                  {QStringLiteral("-u"), QStringLiteral("--label"), QStringLiteral("a.asm"),
                   QStringLiteral("--label"), QStringLiteral("b.asm"), QStringLiteral("a.asm"),
                   QStringLiteral("b.asm")});
    QVERIFY(process.waitForFinished(30000));
    const QString expected = QString::fromUtf8(process.readAllStandardOutput());
    QVERIFY(!expected.isEmpty());
    QCOMPARE(unifiedDiff(original, rewritten, QStringLiteral("a.asm"), QStringLiteral("b.asm")),
             expected);
}

QTEST_GUILESS_MAIN(TestParavirtualize)
#include "tst_paravirtualize.moc"
