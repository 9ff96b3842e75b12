// Binary translation against native execution: every privileged instruction, popf and pushf
// reach the monitor through callouts and leave the guest in the native state; the POPF demo
// gives the native result; the translation cache keeps the original bytes; a guest write over
// translated code invalidates the page and the next fetch translates it anew; a guest read of
// patched bytes is reported as a hole.

#include "bt/TranslationCache.h"
#include "hw/Rflags.h"
#include "support/Demo.h"
#include "support/GuestRun.h"
#include "support/PrivilegedCases.h"

#include <QFile>
#include <QtTest>

using namespace vmwb;
using namespace vmwb::test;

namespace {

QString binaryTranslation()
{
    return QStringLiteral("binary-translation");
}

std::vector<const Event *> eventsOf(const Session &session, EventKind kind)
{
    std::vector<const Event *> found;
    for (const Event &event : session.trace().events()) {
        if (event.kind == kind)
            found.push_back(&event);
    }
    return found;
}

// A callout, or for a CR8 access the inline code that replaces it (the virtual TPR).
bool hasCalloutOn(const Session &session, const QString &mnemonic)
{
    const EventKind kind =
        mnemonic.startsWith(QLatin1String("mov cr8")) || mnemonic.endsWith(QLatin1String("cr8"))
            ? EventKind::Inline
            : EventKind::Callout;
    for (const Event *event : eventsOf(session, kind)) {
        if (event->instruction.startsWith(mnemonic))
            return true;
    }
    return false;
}

} // namespace

class TestBinaryTranslation : public QObject
{
    Q_OBJECT

private slots:
    void privilegedInstructionIsEmulatedLikeNative_data();
    void privilegedInstructionIsEmulatedLikeNative();
    void popfChangesIfAsNative_data();
    void popfChangesIfAsNative();
    void pushfShowsTheVirtualIf();
    void popfDemoBehavesAsNative();
    void cacheKeepsTheOriginalBytes();
    void codeReachedLaterIsTranslatedBeforeItRuns();
    void codeRunningOnIntoTheNextPageIsTranslated();
    void writeOverTranslatedCodeInvalidatesThePage();
    void dataWriteInACodePageKeepsTheTranslation();
    void readOfPatchedBytesIsAHole();
    void onlyPagesWithPatchesHaveTheirReadsHooked();
    void storeAcrossTwoTranslatedPagesLandsWhole();
};

void TestBinaryTranslation::privilegedInstructionIsEmulatedLikeNative_data()
{
    addPrivilegedInstructionRows();
}

void TestBinaryTranslation::privilegedInstructionIsEmulatedLikeNative()
{
    QFETCH(QString, body);
    QFETCH(QString, data);
    QFETCH(QString, trapped);
    const QString source = program(body, data);
    const auto native = run(source, test::native());
    const auto translated = run(source, binaryTranslation());

    QVERIFY2(native->status() != RunStatus::GuestFault, qPrintable(native->statusMessage()));
    QVERIFY2(hasCalloutOn(*translated, trapped),
             qPrintable(QStringLiteral("no callout for %1").arg(trapped)));
    // No instruction trapped; the only trap events are faults the monitor reflected to the
    // guest's handler (a #GP the instruction raises natively too).
    for (const Event *trap : eventsOf(*translated, EventKind::Trap))
        QVERIFY2(trap->cause.contains(QStringLiteral("reflected")), qPrintable(trap->cause));
    QCOMPARE(translated->trace().count(EventKind::Hole), 0u);
    compareWithNative(*translated, *native);
}

void TestBinaryTranslation::popfChangesIfAsNative_data()
{
    QTest::addColumn<QString>("body");
    QTest::addColumn<bool>("interruptFlag");
    QTest::newRow("popf clears IF") << "    sti\n    push 0x2\n    popfq" << false;
    QTest::newRow("popf sets IF") << "    cli\n    push 0x202\n    popfq" << true;
    QTest::newRow("16-bit popf sets IF") << "    cli\n    push word 0x202\n    o16 popf" << true;
}

void TestBinaryTranslation::popfChangesIfAsNative()
{
    QFETCH(QString, body);
    QFETCH(bool, interruptFlag);
    const QString source = program(body, {});
    const auto native = run(source, test::native());
    const auto translated = run(source, binaryTranslation());
    QCOMPARE(native->guestView().interruptFlag, interruptFlag);
    QCOMPARE(translated->guestView().interruptFlag, interruptFlag);
    QVERIFY(hasCalloutOn(*translated, QStringLiteral("popf")));
    QCOMPARE(translated->trace().count(EventKind::Hole), 0u);
    compareWithNative(*translated, *native);
}

void TestBinaryTranslation::pushfShowsTheVirtualIf()
{
    const QString source = program("    sti\n    cli\n    pushfq\n    pop rbx", {});
    const auto native = run(source, test::native());
    const auto translated = run(source, binaryTranslation());
    QCOMPARE(reg(*translated, Register::Rbx) & rflags::kIF, 0u);
    QCOMPARE(reg(*translated, Register::Rbx), reg(*native, Register::Rbx));
    QVERIFY(hasCalloutOn(*translated, QStringLiteral("pushfq")));
    QCOMPARE(translated->trace().count(EventKind::Hole), 0u);
}

void TestBinaryTranslation::popfDemoBehavesAsNative()
{
    SessionOptions options;
    const auto native = start(demoSource(), test::native(), options);
    native->run();
    const auto translated = start(demoSource(), binaryTranslation(), options);
    translated->run();
    const auto deprivileged = run(demoSource(), trapAndEmulate());

    QCOMPARE(translated->status(), RunStatus::Exited);
    QVERIFY(native->ports().exitCode().value_or(0) > 0);
    QCOMPARE(translated->ports().exitCode(), native->ports().exitCode());
    QCOMPARE(translated->ports().console(), native->ports().console());
    QCOMPARE(translated->instructions(), native->instructions());
    QCOMPARE(translated->trace().count(EventKind::InterruptDelivered),
             native->trace().count(EventKind::InterruptDelivered));
    // The technique the demo exists for still loses the ticks.
    QCOMPARE(deprivileged->ports().exitCode().value_or(0xFF), 0);
    QCOMPARE(translated->trace().count(EventKind::Trap), 0u);
    QCOMPARE(translated->trace().count(EventKind::Hole), 0u);
    QVERIFY(hasCalloutOn(*translated, QStringLiteral("popfq")));
    QVERIFY(hasCalloutOn(*translated, QStringLiteral("cli")));
    // One translation of the code page, costed per decoded instruction.
    // The code page: one fetch trap, then every instruction decoded on it, at the first fetch
    // or when first reached later (the timer handler's iretq).
    const TranslatedPage *page =
        translated->technique().translationCache()->page(platform::kDefaultLoadAddress);
    QVERIFY(page);
    QCOMPARE(page->translations, 1u);
    std::uint64_t translationCycles = 0;
    for (const Event *event : eventsOf(*translated, EventKind::Translation))
        translationCycles += event->cycles;
    QCOMPARE(translationCycles,
             translated->costs()[Cost::FetchTrap] +
                 page->decoded * translated->costs()[Cost::TranslatedInstruction]);
    for (const Event *callout : eventsOf(*translated, EventKind::Callout))
        QCOMPARE(callout->cycles, translated->costs()[Cost::Callout]);
}

void TestBinaryTranslation::cacheKeepsTheOriginalBytes()
{
    const auto session =
        run(program("    cli\n    mov rbx, 7\n    popfq", {}), binaryTranslation());
    const TranslationCache *cache = session->technique().translationCache();
    QVERIFY(cache);
    const TranslatedPage *page = cache->page(platform::kDefaultLoadAddress);
    QVERIFY(page);
    QVERIFY(page->valid);
    QCOMPARE(page->translations, 1u);
    std::vector<QString> texts;
    for (const auto &[address, patch] : page->patches) {
        texts.push_back(patch.originalText);
        for (unsigned i = 0; i < patch.length; ++i)
            QCOMPARE(patch.patched[i], std::uint8_t{0xCC});
    }
    // lidt, cli, popfq and the exit port's out: the mov between them is innocuous.
    QVERIFY(std::find(texts.begin(), texts.end(), QStringLiteral("cli")) != texts.end());
    QVERIFY(std::find(texts.begin(), texts.end(), QStringLiteral("popfq")) != texts.end());
    QVERIFY(std::find(texts.begin(), texts.end(), QStringLiteral("mov rbx, 7")) == texts.end());
    const Patch *cli = nullptr;
    for (const auto &[address, patch] : page->patches) {
        if (patch.originalText == QLatin1String("cli"))
            cli = &patch;
    }
    QVERIFY(cli);
    QCOMPARE(cli->length, std::uint8_t{1});
    QCOMPARE(cli->original[0], std::uint8_t{0xFA});
    QCOMPARE(cli->callouts, 1u);
    QCOMPARE(cli->sensitivity, Sensitivity::Privileged);
}

void TestBinaryTranslation::codeReachedLaterIsTranslatedBeforeItRuns()
{
    // The handler is only reached through the IDT: the page's first translation does not
    // follow it, so decode-ahead translates its iretq when it first runs.
    const QString source = withTickCounter("    lidt [idt_descriptor]\n"
                                           "    mov eax, 50\n"
                                           "    out TIMER_PORT, eax\n"
                                           "    sti\n"
                                           "    mov ecx, 200\n"
                                           "spin: dec ecx\n"
                                           "    jnz spin\n"
                                           "    cli\n"
                                           "    mov rbx, [ticks]\n"
                                           "    EXIT 0\n"
                                           "    hlt");
    const auto native = run(source, test::native());
    const auto translated = run(source, binaryTranslation());
    QVERIFY(reg(*native, Register::Rbx) > 0);
    QCOMPARE(reg(*translated, Register::Rbx), reg(*native, Register::Rbx));
    QVERIFY(hasCalloutOn(*translated, QStringLiteral("iretq")));
    const auto translations = eventsOf(*translated, EventKind::Translation);
    QVERIFY(std::any_of(translations.begin(), translations.end(),
                        [](const Event *e) { return e->instruction == QLatin1String("iretq"); }));
    QCOMPARE(translated->trace().count(EventKind::Trap), 0u);
}

void TestBinaryTranslation::codeRunningOnIntoTheNextPageIsTranslated()
{
    // A block that starts in the first page and runs on into the second: the second page's
    // translation has no entry of its own, and its cli is translated when first reached.
    const QString source = program("    jmp near_end\n"
                                   "    times 0x1000 - 8 - ($ - $$) nop\n"
                                   "near_end:\n"
                                   "    mov ebx, 1\n"
                                   "    nop\n"
                                   "    nop\n"
                                   "    sti\n"
                                   "    cli\n"
                                   "    mov ecx, 2",
                                   {});
    const auto native = run(source, test::native());
    const auto translated = run(source, binaryTranslation());
    QVERIFY(hasCalloutOn(*translated, QStringLiteral("cli")));
    QVERIFY(hasCalloutOn(*translated, QStringLiteral("sti")));
    QCOMPARE(translated->trace().count(EventKind::Hole), 0u);
    compareWithNative(*translated, *native);
    const TranslationCache *cache = translated->technique().translationCache();
    QVERIFY(cache->page(platform::kDefaultLoadAddress + 0x1000));
}

void TestBinaryTranslation::writeOverTranslatedCodeInvalidatesThePage()
{
    // `toggle` runs once as cli (a callout), is rewritten to sti by the guest, runs again.
    const QString source = program("    sti\n"
                                   "    call toggle\n"
                                   "    mov r12, 0\n"
                                   "    pushfq\n"
                                   "    pop r13\n"
                                   "    mov byte [toggle], 0xFB\n"
                                   "    call toggle\n"
                                   "    pushfq\n"
                                   "    pop r14\n"
                                   "    jmp done\n"
                                   "toggle:\n"
                                   "    cli\n"
                                   "    ret\n"
                                   "done:",
                                   {});
    const auto native = run(source, test::native());
    const auto translated = run(source, binaryTranslation());
    QCOMPARE(reg(*native, Register::R13) & rflags::kIF, 0u);
    QCOMPARE(reg(*native, Register::R14) & rflags::kIF, rflags::kIF);
    QCOMPARE(reg(*translated, Register::R13), reg(*native, Register::R13));
    QCOMPARE(reg(*translated, Register::R14), reg(*native, Register::R14));
    QCOMPARE(translated->trace().count(EventKind::Invalidation), 1u);
    const TranslatedPage *page =
        translated->technique().translationCache()->page(platform::kDefaultLoadAddress);
    QVERIFY(page);
    QCOMPARE(page->invalidations, 1u);
    QCOMPARE(page->translations, 2u);
    QVERIFY(page->valid);
    // After the rewrite the page holds sti where cli was, and sti was translated.
    const auto callouts = eventsOf(*translated, EventKind::Callout);
    QVERIFY(std::count_if(callouts.begin(), callouts.end(), [](const Event *e) {
                return e->instruction == QLatin1String("sti");
            }) == 2);
    compareWithNative(*translated, *native);
}

void TestBinaryTranslation::dataWriteInACodePageKeepsTheTranslation()
{
    const QString source = program("    mov ecx, 3\n"
                                   "again:\n"
                                   "    cli\n"
                                   "    inc qword [counter]\n"
                                   "    dec ecx\n"
                                   "    jnz again\n"
                                   "    mov rbx, [counter]",
                                   "counter: dq 0");
    const auto translated = run(source, binaryTranslation());
    QCOMPARE(reg(*translated, Register::Rbx), 3u);
    QCOMPARE(translated->trace().count(EventKind::Invalidation), 0u);
    const TranslatedPage *page =
        translated->technique().translationCache()->page(platform::kDefaultLoadAddress);
    QVERIFY(page);
    QCOMPARE(page->translations, 1u);
}

void TestBinaryTranslation::readOfPatchedBytesIsAHole()
{
    const QString source = program("    jmp over\n"
                                   "patched:\n"
                                   "    cli\n"
                                   "over:\n"
                                   "    call patched_fn\n"
                                   "    movzx ebx, byte [patched_fn]\n"
                                   "    movzx edx, byte [over]",
                                   "patched_fn:\n    cli\n    ret");
    const auto native = run(source, test::native());
    const auto translated = run(source, binaryTranslation());
    QCOMPARE(reg(*native, Register::Rbx), 0xFAu);
    // The guest sees the callout, not its cli: in-place patching is visible.
    QCOMPARE(reg(*translated, Register::Rbx), 0xCCu);
    QCOMPARE(reg(*translated, Register::Rdx), reg(*native, Register::Rdx));
    const auto holes = eventsOf(*translated, EventKind::Hole);
    QCOMPARE(holes.size(), std::size_t{1});
    QVERIFY2(holes.front()->cause.contains(QStringLiteral("int3")),
             qPrintable(holes.front()->cause));
    QVERIFY2(holes.front()->instruction.startsWith(QStringLiteral("movzx ebx")),
             qPrintable(holes.front()->instruction));
}

void TestBinaryTranslation::onlyPagesWithPatchesHaveTheirReadsHooked()
{
    // The first page holds a cli (patched); the second only innocuous code; the third the
    // program's exit (patched too). Hooking reads
    // sends all loads through Unicorn's slow path, so only the first page's are hooked.
    const QString source = program("    cli\n"
                                   "    jmp second\n"
                                   "    times 0x1000 - ($ - $$) nop\n"
                                   "second:\n"
                                   "    mov ecx, 100\n"
                                   "again:\n"
                                   "    add rbx, rcx\n"
                                   "    dec ecx\n"
                                   "    jnz again\n"
                                   "    jmp third\n"
                                   "    times 0x2000 - ($ - $$) nop\n"
                                   "third:",
                                   {});
    const auto native = run(source, test::native());
    const auto translated = run(source, binaryTranslation());
    compareWithNative(*translated, *native);
    const Machine &machine = translated->machine();
    const TranslationCache *cache = translated->technique().translationCache();
    QVERIFY(cache->page(platform::kDefaultLoadAddress));
    QVERIFY(cache->page(platform::kDefaultLoadAddress + 0x1000));
    QVERIFY(!cache->page(platform::kDefaultLoadAddress)->patches.empty());
    QVERIFY(cache->page(platform::kDefaultLoadAddress + 0x1000)->patches.empty());
    QVERIFY(machine.readsHooked(platform::kDefaultLoadAddress));
    QVERIFY(!machine.readsHooked(platform::kDefaultLoadAddress + 0x1000));
}

void TestBinaryTranslation::storeAcrossTwoTranslatedPagesLandsWhole()
{
    // Stores to a translated page are done by the machine (the page stays write-protected):
    // one that straddles two translated pages must land whole, and is data, not code.
    const QString source = program("    cli\n"
                                   "    mov rax, 0x1122334455667788\n"
                                   "    mov [straddle], rax\n"
                                   "    jmp second\n"
                                   "    times 0x1000 - 4 - ($ - $$) nop\n"
                                   "straddle:\n"
                                   "    dq 0\n"
                                   "second:\n"
                                   "    sti\n"
                                   "    mov rbx, [straddle]",
                                   {});
    const auto native = run(source, test::native());
    const auto translated = run(source, binaryTranslation());
    QCOMPARE(reg(*native, Register::Rbx), 0x1122334455667788u);
    QCOMPARE(reg(*translated, Register::Rbx), 0x1122334455667788u);
    QCOMPARE(translated->trace().count(EventKind::Invalidation), 0u);
    compareWithNative(*translated, *native);
}

QTEST_GUILESS_MAIN(TestBinaryTranslation)
#include "tst_binarytranslation.moc"
