#pragma once

#include <QMainWindow>

namespace vmwb::app {

// The workbench's main window. Its panes (editor, disassembly, registers, event log ...) are
// wired here as they arrive; the engine never sees this class.
class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    explicit MainWindow(QWidget *parent = nullptr);

private:
    void createMenus();
    void showAbout();
};

} // namespace vmwb::app
