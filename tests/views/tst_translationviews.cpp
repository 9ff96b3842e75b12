// The views of issue 4: the translation cache (pages and patches of the binary translator),
// fed a hand-built cache and a real run of the popf demo; the disassembly's translated bytes
// beside the original ones; and "What Xen asked of Linux", the original snippet beside its
// paravirtual form.

#include "bt/TranslationCache.h"
#include "common/Theme.h"
#include "controller/WorkbenchController.h"
#include "decode/Decoder.h"
#include "editor/LineAlignment.h"
#include "editor/ParavirtualizeDialog.h"
#include "machine/DisassemblyModel.h"
#include "machine/DisassemblyPane.h"
#include "monitor/TranslationCacheModel.h"
#include "monitor/TranslationCachePane.h"
#include "support/Demo.h"
#include "support/HostedPane.h"

#include <QAbstractItemModelTester>
#include <QFile>
#include <QHeaderView>
#include <QLabel>
#include <QMainWindow>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QTextBlock>
#include <QTreeWidget>
#include <QtTest>

using namespace vmwb;

using vmwb::test::demoSource;

namespace {

const QString kBinaryTranslation = QStringLiteral("binary-translation");

bool hasTechnique(const WorkbenchController &controller, const QString &id)
{
    for (const TechniqueInfo &info : controller.techniques()) {
        if (info.id == id)
            return true;
    }
    return false;
}

Patch makePatch(std::uint64_t address, std::initializer_list<std::uint8_t> original,
                Sensitivity sensitivity, std::uint64_t callouts)
{
    Patch patch;
    patch.address = address;
    patch.length = static_cast<std::uint8_t>(original.size());
    std::copy(original.begin(), original.end(), patch.original.begin());
    std::fill_n(patch.patched.begin(), patch.length, std::uint8_t{0xcc});
    patch.sensitivity = sensitivity;
    patch.callouts = callouts;
    return patch;
}

// Two valid pages with patches and one invalidated page, as the translator leaves them.
std::shared_ptr<TranslationCache> handBuiltCache()
{
    auto cache = std::make_shared<TranslationCache>();
    TranslatedPage &code = cache->add(0x100000);
    code.valid = true;
    code.decoded = 41;
    code.translations = 1;
    code.translatedAt = 0;
    code.patches[0x100010] = makePatch(0x100010, {0x9d}, Sensitivity::SensitiveUnprivileged, 7);
    code.patches[0x100020] =
        makePatch(0x100020, {0x0f, 0x20, 0xc0}, Sensitivity::Privileged, 1); // mov rax, cr0
    code.patches[0x100030] = makePatch(0x100030, {0xfa}, Sensitivity::Privileged, 0); // cli

    TranslatedPage &more = cache->add(0x101234); // any address in the page
    more.valid = true;
    more.decoded = 5;
    more.translations = 2;
    more.invalidations = 1;
    more.translatedAt = 1234;
    more.patches[0x101000] = makePatch(0x101000, {0x9c}, Sensitivity::SensitiveUnprivileged, 2);

    TranslatedPage &written = cache->add(0x102000);
    written.valid = false;
    written.decoded = 3;
    written.translations = 1;
    written.invalidations = 1;
    written.translatedAt = 99;
    return cache;
}

QString cell(const QAbstractItemModel &model, int row, int column)
{
    return model.index(row, column).data().toString();
}

DisassemblyLine decodedLine(std::uint64_t address, std::initializer_list<std::uint8_t> bytes)
{
    const std::vector<std::uint8_t> code(bytes);
    DisassemblyLine line;
    line.address = address;
    line.line = static_cast<int>(address & 0xff);
    line.bytes = QByteArray(reinterpret_cast<const char *>(code.data()),
                            static_cast<qsizetype>(code.size()));
    line.instruction = Decoder().decode(code, address);
    return line;
}

// Code on the hand-built cache's pages: the patched popfq and mov from cr0 and an untouched
// nop on the translated page, a pushfq on the invalidated page and one on a page the
// translator has not seen.
enum DisassemblyRow : int
{
    PopfRow,
    NopRow,
    MovCr0Row,
    InvalidatedRow,
    UntranslatedRow,
};

ProgramView handBuiltProgram()
{
    ProgramView program;
    program.loadAddress = 0x100000;
    program.disassembly = {decodedLine(0x100010, {0x9d}), decodedLine(0x100011, {0x90}),
                           decodedLine(0x100020, {0x0f, 0x20, 0xc0}), decodedLine(0x102000, {0x9c}),
                           decodedLine(0x103000, {0x9c})};
    return program;
}

DisassemblyModel::Translation translationOf(const DisassemblyModel &model, int row)
{
    return static_cast<DisassemblyModel::Translation>(
        model.index(row, DisassemblyModel::TranslatedColumn)
            .data(DisassemblyModel::TranslationRole)
            .toInt());
}

QString translatedToolTip(const DisassemblyModel &model, int row)
{
    return model.index(row, DisassemblyModel::TranslatedColumn).data(Qt::ToolTipRole).toString();
}

// A small kernel, its paravirtual form and what the rewriter said, built by hand so that the
// dialog is tested on its own.
const QString kNative = QStringLiteral("start:\n"
                                       "    cli\n"
                                       "    mov eax, 1\n"
                                       "    popf\n"
                                       "    lgdt [gdt]\n"
                                       "    hlt\n");
const QString kParavirtual = QStringLiteral("%include \"xen.inc\"\n"
                                            "start:\n"
                                            "    XEN_CLI\n"
                                            "    mov eax, 1\n"
                                            "    XEN_POPF_MASK\n"
                                            "    XEN_POPF_CHECK\n"
                                            "    lgdt [gdt]\n"
                                            "    hlt\n");

ParavirtualizeResult handBuiltResult()
{
    ParavirtualizeResult result;
    result.source = kParavirtual;
    result.changes.push_back({2,
                              QStringLiteral("    cli"),
                              {QStringLiteral("    XEN_CLI")},
                              QStringLiteral("cli -> mask events in the shared info page")});
    result.changes.push_back(
        {4,
         QStringLiteral("    popf"),
         {QStringLiteral("    XEN_POPF_MASK"), QStringLiteral("    XEN_POPF_CHECK")},
         QStringLiteral("popf -> restore the event mask, then check for pending events")});
    result.refusals.push_back(
        {5, QStringLiteral("    lgdt [gdt]"),
         QStringLiteral("a paravirtual guest asks for its GDT by hypercall")});
    return result;
}

// The row (block number) of the first line of `view` that, trimmed, equals `text`.
int rowOf(const QPlainTextEdit *view, const QString &text)
{
    for (QTextBlock block = view->document()->firstBlock(); block.isValid(); block = block.next()) {
        if (block.text().trimmed() == text)
            return block.blockNumber();
    }
    return -1;
}

// Answers the dialog's questions without a display.
class ScriptedParavirtualizeDialog : public ParavirtualizeDialog
{
public:
    QString saveName;
    QStringList errors;

protected:
    QString askSaveFileName() override { return saveName; }
    void reportError(const QString &, const QString &text) override { errors << text; }
};

// This file's panes, at the size and in the dock area its tests lay them out for.
template <typename PaneType>
struct Hosted : test::Hosted<PaneType>
{
    explicit Hosted(WorkbenchController &controller, QSize size = {900, 600})
        : test::Hosted<PaneType>(controller, size, Qt::LeftDockWidgetArea)
    {}
};

} // namespace

class TestTranslationViews : public QObject
{
    Q_OBJECT

private slots:
    void pageModelShowsEveryPage();
    void patchModelShowsOriginalBesideRewritten();
    void patchModelKeepsItsRowsWhenOnlyCalloutsChange();
    void disassemblyShowsTranslatedBesideOriginalBytes();
    void disassemblyShowsNoTranslationWithoutACache();
    void disassemblyPaneShowsTranslatedBytesUnderBinaryTranslation();
    void paneExplainsItselfUnderOtherTechniques();
    void paneFollowsARunUnderBinaryTranslation();
    void alignmentSetsReplacementsLevel();
    void paravirtualizeShowsBothSourcesSideBySide();
    void paravirtualizeSavesAndOpensTheParavirtualSource();
    void paravirtualizeTheDemo();
};

void TestTranslationViews::pageModelShowsEveryPage()
{
    TranslationCacheModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(model.rowCount(), 0);
    model.setCache(handBuiltCache());
    QCOMPARE(model.rowCount(), 3);
    QCOMPARE(model.columnCount(), int(TranslationCacheModel::ColumnCount));

    QCOMPARE(cell(model, 0, TranslationCacheModel::PageColumn), QStringLiteral("0x0010_0000"));
    QCOMPARE(cell(model, 0, TranslationCacheModel::StateColumn), QStringLiteral("valid"));
    QCOMPARE(cell(model, 0, TranslationCacheModel::DecodedColumn), QStringLiteral("41"));
    QCOMPARE(cell(model, 0, TranslationCacheModel::PatchesColumn), QStringLiteral("3"));
    QCOMPARE(cell(model, 1, TranslationCacheModel::PageColumn), QStringLiteral("0x0010_1000"));
    QCOMPARE(cell(model, 1, TranslationCacheModel::TranslationsColumn), QStringLiteral("2"));
    QCOMPARE(cell(model, 1, TranslationCacheModel::InvalidationsColumn), QStringLiteral("1"));
    QCOMPARE(cell(model, 1, TranslationCacheModel::TranslatedAtColumn), QLocale().toString(1234));
    QCOMPARE(cell(model, 2, TranslationCacheModel::StateColumn), QStringLiteral("invalidated"));
    QCOMPARE(cell(model, 2, TranslationCacheModel::PatchesColumn), QStringLiteral("0"));
    QVERIFY(!model.index(2, 0).data(TranslationCacheModel::ValidRole).toBool());
    QCOMPARE(model.index(2, 0).data(TranslationCacheModel::PageRole).toULongLong(), 0x102000u);
    // The invalidated state stands out.
    QCOMPARE(
        model.index(2, TranslationCacheModel::StateColumn).data(Qt::ForegroundRole).value<QColor>(),
        WorkbenchColors::forPalette(QGuiApplication::palette()).warning);
    QCOMPARE(model.rowOfPage(0x101ffe), 1);
    QCOMPARE(model.rowOfPage(0x200000), -1);
    QVERIFY(!model
                 .headerData(TranslationCacheModel::InvalidationsColumn, Qt::Horizontal,
                             Qt::ToolTipRole)
                 .toString()
                 .isEmpty());

    // A new copy with the same pages updates the cells without a reset (the selection stays).
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    auto next = handBuiltCache();
    next->page(0x102000)->valid = true;
    model.setCache(next);
    QCOMPARE(reset.count(), 0);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(cell(model, 2, TranslationCacheModel::StateColumn), QStringLiteral("valid"));
    // A new page resets; no cache empties the table.
    next = handBuiltCache();
    next->add(0x200000).valid = true;
    model.setCache(next);
    QCOMPARE(reset.count(), 1);
    QCOMPARE(model.rowCount(), 4);
    model.setCache(nullptr);
    QCOMPARE(model.rowCount(), 0);
}

void TestTranslationViews::patchModelShowsOriginalBesideRewritten()
{
    TranslationPatchModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    const auto cache = handBuiltCache();
    const std::vector<LineMapping> lines{{10, 0x100010, 1, false}, {12, 0x100020, 3, false}};
    model.setPage(cache->page(0x100000), lines);
    QCOMPARE(model.rowCount(), 3);
    QCOMPARE(model.columnCount(), int(TranslationPatchModel::ColumnCount));
    QCOMPARE(model.page(), std::optional<quint64>(0x100000));

    // popfq: one byte, one int3.
    QCOMPARE(cell(model, 0, TranslationPatchModel::AddressColumn), QStringLiteral("0x0010_0010"));
    QCOMPARE(cell(model, 0, TranslationPatchModel::ClassColumn), QStringLiteral("S"));
    QCOMPARE(cell(model, 0, TranslationPatchModel::OriginalBytesColumn), QStringLiteral("9d"));
    QCOMPARE(cell(model, 0, TranslationPatchModel::OriginalColumn), QStringLiteral("popfq"));
    QCOMPARE(cell(model, 0, TranslationPatchModel::RewrittenBytesColumn), QStringLiteral("cc"));
    QCOMPARE(cell(model, 0, TranslationPatchModel::RewrittenColumn), QStringLiteral("int3"));
    QCOMPARE(cell(model, 0, TranslationPatchModel::CalloutsColumn), QStringLiteral("7"));
    QCOMPARE(cell(model, 0, TranslationPatchModel::LineColumn), QStringLiteral("10"));
    QCOMPARE(model.index(0, TranslationPatchModel::ClassColumn)
                 .data(TranslationPatchModel::SensitivityRole)
                 .toInt(),
             int(Sensitivity::SensitiveUnprivileged));

    // mov rax, cr0: three bytes, an int3 and two of padding.
    QCOMPARE(cell(model, 1, TranslationPatchModel::ClassColumn), QStringLiteral("P"));
    QCOMPARE(cell(model, 1, TranslationPatchModel::OriginalBytesColumn),
             QStringLiteral("0f 20 c0"));
    QCOMPARE(cell(model, 1, TranslationPatchModel::OriginalColumn), QStringLiteral("mov rax, cr0"));
    QCOMPARE(cell(model, 1, TranslationPatchModel::RewrittenBytesColumn),
             QStringLiteral("cc cc cc"));
    QVERIFY(
        cell(model, 1, TranslationPatchModel::RewrittenColumn).startsWith(QLatin1String("int3")));
    QVERIFY(cell(model, 1, TranslationPatchModel::RewrittenColumn).contains(QLatin1String("2")));
    QCOMPARE(model.index(1, TranslationPatchModel::RewrittenColumn)
                 .data(TranslationPatchModel::PaddingRole)
                 .toInt(),
             2);
    const auto tokens = model.index(1, TranslationPatchModel::OriginalColumn)
                            .data(TranslationPatchModel::TokensRole)
                            .value<std::vector<Token>>();
    QVERIFY(!tokens.empty());
    QCOMPARE(tokens.front().kind, TokenKind::Mnemonic);
    QCOMPARE(model.index(1, 0).data(TranslationPatchModel::SourceLineRole).toInt(), 12);
    QCOMPARE(model.index(1, 0).data(TranslationPatchModel::AddressRole).toULongLong(), 0x100020u);
    // cli has no source line here.
    QCOMPARE(cell(model, 2, TranslationPatchModel::OriginalColumn), QStringLiteral("cli"));
    QCOMPARE(cell(model, 2, TranslationPatchModel::LineColumn), QString());

    // The invalidated page has no patches; no page shows nothing.
    model.setPage(cache->page(0x102000));
    QCOMPARE(model.rowCount(), 0);
    model.setPage(nullptr);
    QCOMPARE(model.page(), std::nullopt);
}

void TestTranslationViews::patchModelKeepsItsRowsWhenOnlyCalloutsChange()
{
    TranslationPatchModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    auto cache = handBuiltCache();
    model.setPage(cache->page(0x100000));
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    cache->patchAt(0x100010)->callouts = 8;
    model.setPage(cache->page(0x100000));
    QCOMPARE(reset.count(), 0);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(cell(model, 0, TranslationPatchModel::CalloutsColumn), QStringLiteral("8"));
    // A retranslation with other patches resets.
    cache->page(0x100000)->patches.erase(0x100030);
    model.setPage(cache->page(0x100000));
    QCOMPARE(reset.count(), 1);
    QCOMPARE(model.rowCount(), 2);
}

void TestTranslationViews::disassemblyShowsTranslatedBesideOriginalBytes()
{
    DisassemblyModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setProgram(handBuiltProgram());
    QCOMPARE(model.rowCount(), 5);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    const auto cache = handBuiltCache();
    model.setTranslationCache(cache);
    QVERIFY(model.hasTranslatedPages());
    // Only the translated column changes.
    QCOMPARE(reset.count(), 0);
    QCOMPARE(changed.count(), 1);
    const auto topLeft = changed.front().at(0).value<QModelIndex>();
    const auto bottomRight = changed.front().at(1).value<QModelIndex>();
    QCOMPARE(topLeft.column(), int(DisassemblyModel::TranslatedColumn));
    QCOMPARE(bottomRight.column(), int(DisassemblyModel::TranslatedColumn));
    QCOMPARE(topLeft.row(), 0);
    QCOMPARE(bottomRight.row(), model.rowCount() - 1);
    // The same cache again changes nothing.
    model.setTranslationCache(cache);
    QCOMPARE(changed.count(), 1);

    const WorkbenchColors colors = WorkbenchColors::forPalette(QGuiApplication::palette());
    // popfq: int3 where the guest's 9d was, in the Translation cache pane's colour.
    QCOMPARE(cell(model, PopfRow, DisassemblyModel::BytesColumn), QStringLiteral("9d"));
    QCOMPARE(cell(model, PopfRow, DisassemblyModel::TranslatedColumn), QStringLiteral("cc"));
    QCOMPARE(translationOf(model, PopfRow), DisassemblyModel::Translation::Patched);
    const QModelIndex popf = model.index(PopfRow, DisassemblyModel::TranslatedColumn);
    QCOMPARE(popf.data(Qt::ForegroundRole).value<QColor>(), colors.flagWritten);
    QVERIFY(popf.data(Qt::FontRole).value<QFont>().bold());
    const QString popfTip = translatedToolTip(model, PopfRow);
    QVERIFY2(popfTip.contains(QLatin1String("popfq")), qPrintable(popfTip));
    QVERIFY2(popfTip.contains(QLatin1String("<tt>9d</tt>")), qPrintable(popfTip));
    QVERIFY2(popfTip.contains(QLatin1String("<tt>cc</tt>")), qPrintable(popfTip));
    QVERIFY2(popfTip.contains(QLatin1String("<tt>7</tt>")), qPrintable(popfTip));
    QVERIFY2(popfTip.contains(QLatin1String("allout")), qPrintable(popfTip));

    // mov rax, cr0: three bytes, all int3.
    QCOMPARE(cell(model, MovCr0Row, DisassemblyModel::BytesColumn), QStringLiteral("0f 20 c0"));
    QCOMPARE(cell(model, MovCr0Row, DisassemblyModel::TranslatedColumn),
             QStringLiteral("cc cc cc"));
    QVERIFY(translatedToolTip(model, MovCr0Row).contains(QLatin1String("mov rax, cr0")));
    QVERIFY(translatedToolTip(model, MovCr0Row).contains(QLatin1String("<tt>0f 20 c0</tt>")));
    QVERIFY(translatedToolTip(model, MovCr0Row).contains(QLatin1String("<tt>1</tt>")));

    // The nop on the same page runs as it is: the same bytes, not marked.
    QCOMPARE(cell(model, NopRow, DisassemblyModel::TranslatedColumn), QStringLiteral("90"));
    QCOMPARE(cell(model, NopRow, DisassemblyModel::TranslatedColumn),
             cell(model, NopRow, DisassemblyModel::BytesColumn));
    QCOMPARE(translationOf(model, NopRow), DisassemblyModel::Translation::Unchanged);
    const QModelIndex nop = model.index(NopRow, DisassemblyModel::TranslatedColumn);
    QCOMPARE(nop.data(Qt::ForegroundRole).value<QColor>(), colors.dimText);
    QVERIFY(!nop.data(Qt::FontRole).isValid());

    // Pages the translator has not translated, or whose translation a write threw away.
    QCOMPARE(cell(model, InvalidatedRow, DisassemblyModel::BytesColumn), QStringLiteral("9c"));
    QCOMPARE(cell(model, InvalidatedRow, DisassemblyModel::TranslatedColumn), QString());
    QCOMPARE(translationOf(model, InvalidatedRow), DisassemblyModel::Translation::Invalidated);
    QVERIFY(translatedToolTip(model, InvalidatedRow).startsWith(QLatin1String("Invalidated")));
    QVERIFY(translatedToolTip(model, InvalidatedRow).contains(QLatin1String("next fetch")));
    QCOMPARE(cell(model, UntranslatedRow, DisassemblyModel::TranslatedColumn), QString());
    QCOMPARE(translationOf(model, UntranslatedRow), DisassemblyModel::Translation::NotTranslated);
    QVERIFY(translatedToolTip(model, UntranslatedRow).startsWith(QLatin1String("Not translated")));

    // Invalidating the page brings the original bytes back: no more int3 shown.
    auto written = handBuiltCache();
    written->page(0x100000)->valid = false;
    model.setTranslationCache(written);
    QCOMPARE(cell(model, PopfRow, DisassemblyModel::TranslatedColumn), QString());
    QCOMPARE(translationOf(model, PopfRow), DisassemblyModel::Translation::Invalidated);
    QVERIFY(!model.headerData(DisassemblyModel::TranslatedColumn, Qt::Horizontal, Qt::ToolTipRole)
                 .toString()
                 .isEmpty());
}

void TestTranslationViews::disassemblyShowsNoTranslationWithoutACache()
{
    DisassemblyModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setProgram(handBuiltProgram());
    QCOMPARE(model.columnCount(), int(DisassemblyModel::ColumnCount));
    QVERIFY(!model.hasTranslatedPages());
    for (int row = 0; row < model.rowCount(); ++row) {
        QCOMPARE(cell(model, row, DisassemblyModel::TranslatedColumn), QString());
        QCOMPARE(translatedToolTip(model, row), QString());
        QCOMPARE(translationOf(model, row), DisassemblyModel::Translation::None);
        QVERIFY(!cell(model, row, DisassemblyModel::BytesColumn).isEmpty());
    }
    // A cache with no pages yet: nothing to show either.
    model.setTranslationCache(std::make_shared<TranslationCache>());
    QVERIFY(!model.hasTranslatedPages());
    QCOMPARE(cell(model, PopfRow, DisassemblyModel::TranslatedColumn), QString());
    QCOMPARE(translationOf(model, PopfRow), DisassemblyModel::Translation::NotTranslated);
    // A cache, then none again (another technique).
    model.setTranslationCache(handBuiltCache());
    QCOMPARE(cell(model, PopfRow, DisassemblyModel::TranslatedColumn), QStringLiteral("cc"));
    model.setTranslationCache(nullptr);
    QVERIFY(!model.hasTranslatedPages());
    QCOMPARE(cell(model, PopfRow, DisassemblyModel::TranslatedColumn), QString());
    // A new program keeps the cache: the cells follow the new rows.
    model.setTranslationCache(handBuiltCache());
    model.setProgram(ProgramView{});
    QCOMPARE(model.rowCount(), 0);
    model.setProgram(handBuiltProgram());
    QCOMPARE(cell(model, MovCr0Row, DisassemblyModel::TranslatedColumn),
             QStringLiteral("cc cc cc"));
}

void TestTranslationViews::disassemblyPaneShowsTranslatedBytesUnderBinaryTranslation()
{
    WorkbenchController controller;
    if (!hasTechnique(controller, kBinaryTranslation))
        QSKIP("binary translation is not built in yet");
    controller.setTechnique(QStringLiteral("trap-and-emulate"));
    controller.setSource(demoSource(), QStringLiteral("popf-if.asm"));
    Hosted<DisassemblyPane> pane(controller, {1000, 600});
    QTRY_VERIFY(controller.hasProgram());
    QTRY_VERIFY(pane->model().rowCount() > 0);
    QTableView &view = pane->view();
    QVERIFY(view.isColumnHidden(DisassemblyModel::TranslatedColumn));

    controller.setTechnique(kBinaryTranslation);
    controller.waitForIdle();
    QCoreApplication::processEvents();
    // One step fetches the first page: the translator decodes and patches it.
    controller.step();
    controller.waitForIdle();
    QCoreApplication::processEvents();
    QVERIFY(controller.snapshot().translationCache != nullptr);
    QTRY_VERIFY(!view.isColumnHidden(DisassemblyModel::TranslatedColumn));
    QVERIFY(view.columnWidth(DisassemblyModel::TranslatedColumn) > 0);
    QCOMPARE(pane->model().translationCache(), controller.snapshot().translationCache.get());

    // The popf on the demo's page: its own byte in one column, int3 in the other.
    const DisassemblyModel &model = pane->model();
    int popf = -1;
    int patched = 0;
    int unchanged = 0;
    for (int row = 0; row < model.rowCount(); ++row) {
        const QModelIndex index = model.index(row, DisassemblyModel::InstructionColumn);
        if (index.data().toString().startsWith(QLatin1String("popf")))
            popf = row;
        patched += translationOf(model, row) == DisassemblyModel::Translation::Patched;
        unchanged += translationOf(model, row) == DisassemblyModel::Translation::Unchanged;
    }
    QVERIFY(popf >= 0);
    QVERIFY(patched >= 1);
    QVERIFY(unchanged >= 1);
    QCOMPARE(cell(model, popf, DisassemblyModel::BytesColumn), QStringLiteral("9d"));
    QCOMPARE(cell(model, popf, DisassemblyModel::TranslatedColumn), QStringLiteral("cc"));
    QVERIFY(translatedToolTip(model, popf).contains(QLatin1String("popfq")));
    // The column is wide enough for its title at this size.
    QVERIFY(view.columnWidth(DisassemblyModel::TranslatedColumn) >=
            view.horizontalHeader()->sectionSizeHint(DisassemblyModel::TranslatedColumn));

    // Under another technique there is no cache and no column.
    controller.setTechnique(QStringLiteral("trap-and-emulate"));
    controller.waitForIdle();
    QCoreApplication::processEvents();
    QTRY_VERIFY(view.isColumnHidden(DisassemblyModel::TranslatedColumn));
    QCOMPARE(pane->model().translationCache(), nullptr);
}

void TestTranslationViews::paneExplainsItselfUnderOtherTechniques()
{
    WorkbenchController controller;
    controller.setTechnique(QStringLiteral("trap-and-emulate"));
    controller.setSource(demoSource(), QStringLiteral("popf-if.asm"));
    Hosted<TranslationCachePane> pane(controller);
    QTRY_VERIFY(controller.hasProgram());
    QCOMPARE(pane->objectName(), QStringLiteral("translationCachePane"));
    QVERIFY(pane->showsPlaceholder());
    auto *placeholder = pane->findChild<QLabel *>(QStringLiteral("translationPlaceholder"));
    QVERIFY(placeholder != nullptr);
    QVERIFY(placeholder->isVisible());
    QVERIFY(placeholder->text().contains(QLatin1String("binary translation")));
    QCOMPARE(controller.snapshot().translationCache, nullptr);
    QCOMPARE(pane->pageModel()->rowCount(), 0);
}

void TestTranslationViews::paneFollowsARunUnderBinaryTranslation()
{
    WorkbenchController controller;
    if (!hasTechnique(controller, kBinaryTranslation))
        QSKIP("binary translation is not built in yet");
    Hosted<TranslationCachePane> pane(controller);
    controller.setTechnique(kBinaryTranslation);
    controller.setSource(demoSource(), QStringLiteral("popf-if.asm"));
    controller.waitForIdle();
    QTRY_VERIFY(controller.hasProgram());
    QVERIFY(!pane->showsPlaceholder());

    // One step fetches the first page: the translator decodes and patches it.
    controller.step();
    controller.waitForIdle();
    QCoreApplication::processEvents();
    const auto first = controller.snapshot().translationCache;
    QVERIFY(first != nullptr);
    QVERIFY(!first->pages().empty());
    QVERIFY(pane->pageModel()->rowCount() >= 1);
    QVERIFY(pane->patchModel()->rowCount() >= 1);
    QVERIFY(pane->summary().contains(QLatin1String("translated")));

    // The popf is among the patches, and activating it names its line.
    int popf = -1;
    for (int row = 0; row < pane->patchModel()->rowCount(); ++row) {
        if (cell(*pane->patchModel(), row, TranslationPatchModel::OriginalColumn)
                .startsWith(QLatin1String("popf")))
            popf = row;
    }
    QVERIFY(popf >= 0);
    QSignalSpy line(pane.pane, &TranslationCachePane::lineActivated);
    QSignalSpy address(pane.pane, &TranslationCachePane::addressActivated);
    QTableView *table = pane->patchTable();
    const QModelIndex index =
        pane->patchModel()->index(popf, TranslationPatchModel::OriginalColumn);
    table->scrollTo(index);
    const QPoint centre = table->visualRect(index).center();
    QTest::mouseClick(table->viewport(), Qt::LeftButton, {}, centre);
    QTest::mouseDClick(table->viewport(), Qt::LeftButton, {}, centre);
    QTRY_COMPARE(line.count(), 1);
    QVERIFY(line.at(0).at(0).toInt() > 0);
    QCOMPARE(address.count(), 1);

    // A step that translates nothing and calls out nowhere keeps the published copy; one
    // that does publishes a new one.
    const auto totalCallouts = [](const TranslationCache &cache) {
        std::uint64_t total = 0;
        for (const auto &[at, page] : cache.pages()) {
            for (const auto &[where, patch] : page.patches)
                total += patch.callouts + page.translations + page.invalidations;
        }
        return total + cache.pages().size();
    };
    const auto before = controller.snapshot().translationCache;
    controller.step();
    controller.waitForIdle();
    const auto after = controller.snapshot().translationCache;
    QVERIFY(after != nullptr);
    QCOMPARE(before.get() == after.get(), totalCallouts(*before) == totalCallouts(*after));
}

void TestTranslationViews::alignmentSetsReplacementsLevel()
{
    const QStringList before{QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("c")};
    const QStringList after{QStringLiteral("x"), QStringLiteral("a"), QStringLiteral("b1"),
                            QStringLiteral("b2"), QStringLiteral("c")};
    const std::vector<AlignedRow> rows = alignLines(before, after);
    QCOMPARE(rows.size(), std::size_t{5});
    // An inserted line first, then "a", then b beside b1 with b2 under a filler, then "c".
    QCOMPARE(rows[0].before, 0);
    QCOMPARE(rows[0].after, 1);
    QVERIFY(rows[0].changed);
    QCOMPARE(rows[1].before, 1);
    QCOMPARE(rows[1].after, 2);
    QVERIFY(!rows[1].changed);
    QCOMPARE(rows[2].before, 2);
    QCOMPARE(rows[2].after, 3);
    QVERIFY(rows[2].changed);
    QCOMPARE(rows[3].before, 0);
    QCOMPARE(rows[3].after, 4);
    QCOMPARE(rows[4].before, 3);
    QCOMPARE(rows[4].after, 5);
    QVERIFY(!rows[4].changed);
    QVERIFY(alignLines({}, {}).empty());
}

void TestTranslationViews::paravirtualizeShowsBothSourcesSideBySide()
{
    ParavirtualizeDialog dialog;
    dialog.setResult(kNative, QStringLiteral("kernel.asm"), handBuiltResult());
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    QCOMPARE(dialog.windowTitle(), QStringLiteral("What Xen asked of Linux"));
    QVERIFY(dialog.heading().contains(QLatin1String("What Xen asked of Linux")));
    QCOMPARE(dialog.paravirtualName(), QStringLiteral("kernel-paravirtual.asm"));

    // Both sources, row for row: each rewritten line level with what replaced it.
    QPlainTextEdit *before = dialog.originalView();
    QPlainTextEdit *after = dialog.paravirtualView();
    QCOMPARE(before->document()->blockCount(), after->document()->blockCount());
    QVERIFY(before->isReadOnly());
    QVERIFY(after->isReadOnly());
    QCOMPARE(rowOf(before, QStringLiteral("cli")), rowOf(after, QStringLiteral("XEN_CLI")));
    QCOMPARE(rowOf(before, QStringLiteral("popf")), rowOf(after, QStringLiteral("XEN_POPF_MASK")));
    QCOMPARE(rowOf(before, QStringLiteral("hlt")), rowOf(after, QStringLiteral("hlt")));
    QCOMPARE(rowOf(before, QStringLiteral("start:")), rowOf(after, QStringLiteral("start:")));

    // Highlighted: the rewritten lines, what replaced them, and the refused line.
    QCOMPARE(dialog.highlightedOriginalLines(), (QList<int>{2, 4}));
    QCOMPARE(dialog.highlightedParavirtualLines(), (QList<int>{1, 3, 5, 6}));
    QCOMPARE(dialog.refusedLines(), QList<int>{5});
    QVERIFY(!before->extraSelections().isEmpty());
    QVERIFY(!after->extraSelections().isEmpty());
    QVERIFY(dialog.heading().contains(QLatin1String("cannot be rewritten")));

    // The list: both changes and the refusal, in line order, with their explanations.
    QTreeWidget *list = dialog.changeList();
    QCOMPARE(list->topLevelItemCount(), 3);
    QCOMPARE(list->topLevelItem(0)->text(0), QStringLiteral("2"));
    QCOMPARE(list->topLevelItem(0)->text(1), QStringLiteral("cli"));
    QCOMPARE(list->topLevelItem(0)->text(2), QStringLiteral("XEN_CLI"));
    QVERIFY(list->topLevelItem(0)->text(3).contains(QLatin1String("shared info page")));
    QCOMPARE(list->topLevelItem(1)->text(2), QStringLiteral("XEN_POPF_MASK; XEN_POPF_CHECK"));
    QCOMPARE(list->topLevelItem(2)->text(0), QStringLiteral("5"));
    QCOMPARE(list->topLevelItem(2)->text(1), QStringLiteral("lgdt [gdt]"));
    QVERIFY(list->topLevelItem(2)->text(3).contains(QLatin1String("hypercall")));

    // Picking a change shows it in both sources.
    list->setCurrentItem(list->topLevelItem(1));
    QCOMPARE(before->textCursor().block().text().trimmed(), QStringLiteral("popf"));
    QCOMPARE(after->textCursor().block().text().trimmed(), QStringLiteral("XEN_POPF_MASK"));

    // The unified diff tab.
    const QString diff = dialog.diffView()->toPlainText();
    QVERIFY(diff.contains(QLatin1String("--- kernel.asm")));
    QVERIFY(diff.contains(QLatin1String("+++ kernel-paravirtual.asm")));
    QVERIFY(diff.contains(QLatin1String("\n-    cli")));
    QVERIFY(diff.contains(QLatin1String("\n+    XEN_CLI")));
    QCOMPARE(dialog.tabs()->count(), 2);
}

void TestTranslationViews::paravirtualizeSavesAndOpensTheParavirtualSource()
{
    ScriptedParavirtualizeDialog dialog;
    dialog.setResult(kNative, QStringLiteral("kernel.asm"), handBuiltResult());
    QSignalSpy open(&dialog, &ParavirtualizeDialog::openAsNewDocument);
    auto *openButton = dialog.findChild<QPushButton *>(QStringLiteral("openParavirtual"));
    QVERIFY(openButton != nullptr);
    QVERIFY(!openButton->toolTip().isEmpty());
    openButton->click();
    QCOMPARE(open.count(), 1);
    QCOMPARE(open.at(0).at(0).toString(), kParavirtual);
    QCOMPARE(open.at(0).at(1).toString(), QStringLiteral("kernel-paravirtual.asm"));

    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    dialog.saveName = dir.filePath(QStringLiteral("kernel-pv.asm"));
    QVERIFY(dialog.saveAs());
    QFile saved(dialog.saveName);
    QVERIFY(saved.open(QIODevice::ReadOnly));
    QCOMPARE(QString::fromUtf8(saved.readAll()), kParavirtual);
    QVERIFY(dialog.errors.isEmpty());
    // Nowhere to write: reported, nothing left behind.
    dialog.saveName = dir.filePath(QStringLiteral("missing/kernel-pv.asm"));
    QVERIFY(!dialog.saveAs());
    QCOMPARE(dialog.errors.size(), 1);
    QVERIFY(!QFile::exists(dialog.saveName));
    // Cancelled.
    dialog.saveName.clear();
    QVERIFY(!dialog.saveAs());
    QCOMPARE(dialog.errors.size(), 1);
}

void TestTranslationViews::paravirtualizeTheDemo()
{
    const QString demo = demoSource();
    const ParavirtualizeResult result = paravirtualize(demo);
    QVERIFY(result.ok());
    QVERIFY(!result.changes.empty());
    ParavirtualizeDialog dialog;
    dialog.setResult(demo, QStringLiteral("popf-if.asm"), result);
    QCOMPARE(dialog.changeList()->topLevelItemCount(), int(result.changes.size()));
    QVERIFY(dialog.refusedLines().isEmpty());
    // The popf the lecture is about is among the rewritten lines.
    const QStringList lines = demo.split(QLatin1Char('\n'));
    int popf = 0;
    for (qsizetype i = 0; i < lines.size() && popf == 0; ++i) {
        if (lines[i].trimmed().startsWith(QLatin1String("popf")))
            popf = static_cast<int>(i + 1);
    }
    QVERIFY(dialog.highlightedOriginalLines().contains(popf));
    QCOMPARE(dialog.paravirtualView()->document()->blockCount(),
             dialog.originalView()->document()->blockCount());
}

QTEST_MAIN(TestTranslationViews)
#include "tst_translationviews.moc"
