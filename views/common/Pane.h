#pragma once

// The base of every dock pane: it knows the controller, and it puts off bringing itself up to
// date while it is hidden (a tabbed-away pane does no work while the guest runs).

#include <QDockWidget>

namespace vmwb {

class WorkbenchController;

class Pane : public QDockWidget
{
    Q_OBJECT

public:
    // `objectName` is stable: the window layout is saved under it.
    Pane(const QString &title, const QString &objectName, WorkbenchController &controller,
         QWidget *parent = nullptr);

protected:
    WorkbenchController &controller() const { return m_controller; }
    // Shows the controller's current state. Called through requestRefresh().
    virtual void refresh() = 0;
    // Refreshes now if the pane can be seen, or as soon as it can.
    void requestRefresh();

private:
    WorkbenchController &m_controller;
    bool m_stale = true;
};

} // namespace vmwb
