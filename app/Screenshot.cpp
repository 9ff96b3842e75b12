#include "Screenshot.h"

#include "CommandLine.h"
#include "MainWindow.h"
#include "compare/ComparePane.h"
#include "controller/WorkbenchController.h"
#include "editor/ParavirtualizeDialog.h"
#include "rss/RssPane.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDockWidget>
#include <QEventLoop>
#include <QFile>
#include <QFileInfo>
#include <QPixmap>
#include <QRegularExpression>
#include <QTextStream>
#include <functional>
#include <optional>

namespace vmwb::app {

bool isScreenshot(const QStringList &arguments)
{
    return arguments.contains(QStringLiteral("--screenshot"));
}

int takeScreenshot(const QStringList &arguments)
{
    QTextStream err(stderr);
    QCommandLineParser parser;
    parser.addOption({QStringLiteral("screenshot"), QStringLiteral("PNG file to write"),
                      QStringLiteral("FILE.png")});
    parser.addOption({QStringLiteral("steps"), QStringLiteral("guest instructions to step"),
                      QStringLiteral("N"), QStringLiteral("0")});
    parser.addOption({QStringLiteral("theme"), QStringLiteral("system, light or dark"),
                      QStringLiteral("THEME"), QStringLiteral("system")});
    parser.addOption({QStringLiteral("size"), QStringLiteral("window size"), QStringLiteral("WxH"),
                      QStringLiteral("1280x800")});
    parser.addOption({QStringLiteral("technique"), QStringLiteral("technique to run under"),
                      QStringLiteral("NAME"), QStringLiteral("trap-and-emulate")});
    parser.addOption({QStringLiteral("break-on"),
                      QStringLiteral("event kinds that pause a run, comma-separated"),
                      QStringLiteral("KINDS")});
    parser.addOption({QStringLiteral("run-to"), QStringLiteral("run to this source line first"),
                      QStringLiteral("LINE"), QStringLiteral("0")});
    parser.addOption({QStringLiteral("runs"), QStringLiteral("times to press Run"),
                      QStringLiteral("N"), QStringLiteral("0")});
    parser.addOption({QStringLiteral("step-back"),
                      QStringLiteral("times to press Step Back, after the steps"),
                      QStringLiteral("N"), QStringLiteral("0")});
    parser.addOption({QStringLiteral("show-pane"),
                      QStringLiteral("bring this pane (its object name) to the front"),
                      QStringLiteral("NAME")});
    parser.addOption({QStringLiteral("show-paravirtualize"),
                      QStringLiteral("render the Paravirtualize window instead of the main one")});
    parser.addOption({QStringLiteral("compare"),
                      QStringLiteral("compare the techniques on the snippet first (Run > Compare "
                                     "Techniques) and show the Compare pane")});
    parser.addOption({QStringLiteral("rss-scenario"),
                      QStringLiteral("load this scenario in the RSS pane (and show it)"),
                      QStringLiteral("FILE.json")});
    parser.addOption({QStringLiteral("rss-run-ms"),
                      QStringLiteral("run the RSS pane's simulation to this time first"),
                      QStringLiteral("N"), QStringLiteral("0")});
    parser.addOption({QStringLiteral("rss-rebalance-ms"),
                      QStringLiteral("press the RSS pane's Rebalance at this time (0: never)"),
                      QStringLiteral("N"), QStringLiteral("0")});
    parser.addOption({QStringLiteral("rss-page"),
                      QStringLiteral("the RSS pane's page to show: steering or hash"),
                      QStringLiteral("PAGE"), QStringLiteral("steering")});
    if (!parser.parse(arguments)) {
        err << "error: " << parser.errorText() << "\n";
        return kBadInput;
    }
    const auto count = [&parser, &err](const char *option) -> std::optional<int> {
        bool ok = false;
        const int value = parser.value(QLatin1String(option)).toInt(&ok);
        if (ok && value >= 0)
            return value;
        err << "error: --" << option << " expects a whole number, not '"
            << parser.value(QLatin1String(option)) << "'\n";
        return std::nullopt;
    };
    const auto steps = count("steps");
    const auto runTo = count("run-to");
    const auto runs = count("runs");
    const auto stepsBack = count("step-back");
    const auto rssRunMs = count("rss-run-ms");
    const auto rssRebalanceMs = count("rss-rebalance-ms");
    if (!steps || !runTo || !runs || !stepsBack || !rssRunMs || !rssRebalanceMs)
        return kBadInput;
    const QString rssPage = parser.value(QStringLiteral("rss-page"));
    if (rssPage != QLatin1String("steering") && rssPage != QLatin1String("hash")) {
        err << "error: --rss-page expects steering or hash, not '" << rssPage << "'\n";
        return kBadInput;
    }
    const auto size = QRegularExpression(QStringLiteral("^(\\d+)x(\\d+)$"))
                          .match(parser.value(QStringLiteral("size")));
    if (!size.hasMatch()) {
        err << "error: --size expects WIDTHxHEIGHT, e.g. 1280x800\n";
        return kBadInput;
    }
    QSet<EventKind> breakOn;
    for (const QString &name :
         parser.value(QStringLiteral("break-on")).split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        bool known = false;
        for (std::size_t k = 0; k < kEventKindCount; ++k) {
            if (name.trimmed() == QLatin1String(eventKindName(static_cast<EventKind>(k)))) {
                breakOn.insert(static_cast<EventKind>(k));
                known = true;
            }
        }
        if (!known) {
            err << "error: --break-on: unknown event kind '" << name << "'\n";
            return kBadInput;
        }
    }

    const QString paneName = parser.value(QStringLiteral("show-pane"));

    applyTheme(themeFromKey(parser.value(QStringLiteral("theme"))));
    MainWindow window(MainWindow::Settings::Ignore);
    window.resize(size.captured(1).toInt(), size.captured(2).toInt());
    const QStringList files = parser.positionalArguments();
    if (files.isEmpty()) {
        if (!window.openDemo()) {
            err << "error: the built-in demo is missing from this build\n";
            return kBadInput;
        }
    } else if (QFile file(files.front()); !QFileInfo(file).isFile() ||
                                          !file.open(QIODevice::ReadOnly) ||
                                          !window.openFile(files.front())) {
        err << "error: cannot open " << files.front() << "\n";
        return kBadInput;
    }
    window.show();
    WorkbenchController &controller = window.controller();
    const QString technique = parser.value(QStringLiteral("technique"));
    if (!window.selectTechnique(technique)) {
        err << "error: unknown technique '" << technique << "'\n";
        return kBadInput;
    }
    controller.setBreakOnEvents(breakOn);
    controller.waitForIdle();
    QApplication::processEvents();
    if (!controller.hasProgram()) {
        err << "error: the program does not assemble\n";
        return kBadInput;
    }
    // Each run ends by itself (the end, a breakpoint, an event break, the budget).
    const auto runAndWait = [&controller](const std::function<bool()> &start) {
        QEventLoop loop;
        QObject::connect(&controller, &WorkbenchController::runningChanged, &loop,
                         [&loop](bool running) {
                             if (!running)
                                 loop.quit();
                         });
        if (start())
            loop.exec();
        controller.waitForIdle();
        QApplication::processEvents();
    };
    if (*runTo > 0)
        runAndWait([&] { return controller.runToLine(*runTo); });
    for (int i = 0; i < *runs; ++i) {
        runAndWait([&] {
            if (controller.snapshot().status != RunStatus::Running)
                return false;
            controller.run();
            return true;
        });
    }
    for (int i = 0; i < *steps; ++i) {
        controller.step();
        controller.waitForIdle();
    }
    for (int i = 0; i < *stepsBack; ++i) {
        controller.stepBack();
        controller.waitForIdle();
    }
    QApplication::processEvents();
    if (parser.isSet(QStringLiteral("compare"))) {
        QEventLoop loop;
        bool compared = false;
        QObject::connect(window.comparePane(), &ComparePane::comparisonFinished, &loop,
                         [&loop, &compared](bool ok) {
                             compared = ok;
                             loop.quit();
                         });
        window.compareTechniques();
        loop.exec();
        if (!compared) {
            err << "error: --compare: " << window.comparePane()->statusText() << "\n";
            return kBadInput;
        }
        controller.waitForIdle();
        QApplication::processEvents();
    }
    const QString rssScenario = parser.value(QStringLiteral("rss-scenario"));
    const bool rss = paneName == QLatin1String("rss") || !rssScenario.isEmpty() || *rssRunMs > 0 ||
                     *rssRebalanceMs > 0;
    if (!paneName.isEmpty() && paneName != QLatin1String("rss")) {
        auto *pane = window.findChild<QDockWidget *>(paneName);
        if (pane == nullptr) {
            err << "error: --show-pane: no pane named '" << paneName << "'\n";
            return kBadInput;
        }
        pane->show();
        pane->raise();
    }
    if (rss) {
        RssPane *pane = window.rssPane();
        window.showReceiveSideScaling();
        QApplication::processEvents();
        if (!rssScenario.isEmpty() && !pane->loadScenarioFile(rssScenario)) {
            err << "error: --rss-scenario: " << pane->errorText() << "\n";
            return kBadInput;
        }
        constexpr std::uint64_t kNsPerMs = 1'000'000;
        if (*rssRebalanceMs > 0) {
            pane->runTo(static_cast<std::uint64_t>(*rssRebalanceMs) * kNsPerMs);
            pane->rebalance();
        }
        if (*rssRunMs > 0)
            pane->runTo(static_cast<std::uint64_t>(*rssRunMs) * kNsPerMs);
        pane->showPage(rssPage == QLatin1String("hash") ? RssPane::Page::Hash
                                                        : RssPane::Page::Steering);
    }
    QWidget *shown = &window;
    if (parser.isSet(QStringLiteral("show-paravirtualize"))) {
        window.showParavirtualize();
        shown = window.paravirtualizeDialog();
        shown->resize(window.size());
    }
    QApplication::processEvents();
    const QString path = parser.value(QStringLiteral("screenshot"));
    if (!shown->grab().save(path, "PNG")) {
        err << "error: cannot write " << path << "\n";
        return kBadInput;
    }
    return kOk;
}

} // namespace vmwb::app
