#include "CommandLine.h"
#include "MainWindow.h"
#include "Screenshot.h"

#include <QApplication>
#include <QCoreApplication>
#include <QIcon>
#include <cstdio>

namespace {

QStringList argumentList(int argc, char *argv[])
{
    QStringList arguments;
    for (int i = 0; i < argc; ++i)
        arguments << QString::fromLocal8Bit(argv[i]);
    return arguments;
}

void describeApplication()
{
    QCoreApplication::setApplicationName(QStringLiteral("VMM Workbench"));
    QCoreApplication::setOrganizationName(QStringLiteral("VMM Workbench"));
    QCoreApplication::setApplicationVersion(QStringLiteral(VMWB_VERSION));
}

} // namespace

int main(int argc, char *argv[])
{
    const QStringList arguments = argumentList(argc, argv);
    if (vmwb::app::isScreenshot(arguments)) {
        // Renders without a display when there is none.
        if (!vmwb::app::hasDisplay())
            qputenv("QT_QPA_PLATFORM", "offscreen");
        QApplication application(argc, argv);
        describeApplication();
        return vmwb::app::takeScreenshot(application.arguments());
    }
    if (vmwb::app::isCommand(arguments)) {
        QCoreApplication application(argc, argv);
        describeApplication();
        return vmwb::app::runCommand(application.arguments());
    }
    if (!vmwb::app::hasDisplay()) {
        std::fputs("vmm-workbench: there is no display to open the window on. Set DISPLAY, run "
                   "it under xvfb-run, or use a command, e.g. 'vmm-workbench run FILE.asm' "
                   "(see 'vmm-workbench --help').\n",
                   stderr);
        return vmwb::app::kBadInput;
    }
    QApplication application(argc, argv);
    describeApplication();
    QIcon icon;
    icon.addFile(QStringLiteral(":/vmwb/assets/icons/vmm-workbench-64.png"));
    icon.addFile(QStringLiteral(":/vmwb/assets/icons/vmm-workbench-256.png"));
    QApplication::setWindowIcon(icon);
    vmwb::app::MainWindow window;
    const QStringList files = application.arguments().mid(1);
    if (files.isEmpty() || !window.openFile(files.front()))
        window.openDemo();
    window.show();
    return application.exec();
}
