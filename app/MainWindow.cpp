#include "MainWindow.h"

#include "vmm/Technique.h"

#include <QAction>
#include <QApplication>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QStatusBar>
#include <QStringList>

namespace vmwb::app {

MainWindow::MainWindow(QWidget *parent) : QMainWindow(parent)
{
    setWindowTitle(tr("VMM Workbench"));
    auto *welcome = new QLabel(this);
    welcome->setAlignment(Qt::AlignCenter);
    welcome->setTextFormat(Qt::RichText);
    welcome->setText(
        tr("<h1>VMM Workbench</h1>"
           "<p>Watch how virtual machine monitors run a guest kernel:<br>"
           "traps, holes, interrupts and their cost.</p>"
           "<p>Run a snippet from a terminal:<br>"
           "<code>vmm-workbench run demo.asm --technique trap-and-emulate</code></p>"));
    setCentralWidget(welcome);

    QStringList techniques;
    for (const TechniqueInfo &info : TechniqueRegistry::builtIn().techniques())
        techniques << QCoreApplication::translate("vmwb::Technique", info.title);
    statusBar()->showMessage(tr("Techniques: %1").arg(techniques.join(QStringLiteral(", "))));
    createMenus();
    resize(960, 640);
}

void MainWindow::createMenus()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    QAction *quit = file->addAction(tr("&Quit"), qApp, &QApplication::quit);
    quit->setShortcut(QKeySequence::Quit);
    quit->setToolTip(tr("Close the workbench"));

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    QAction *about = help->addAction(tr("&About VMM Workbench"), this, &MainWindow::showAbout);
    about->setToolTip(tr("Version and licence"));
}

void MainWindow::showAbout()
{
    QMessageBox::about(this, tr("About VMM Workbench"),
                       tr("<p><b>VMM Workbench %1</b></p>"
                          "<p>A workbench for teaching how virtual machine monitors work.</p>"
                          "<p>Licensed under the GNU General Public License, version 3 or "
                          "later.</p>")
                           .arg(QCoreApplication::applicationVersion()));
}

} // namespace vmwb::app
