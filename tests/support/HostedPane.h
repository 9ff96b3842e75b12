#pragma once

// A pane in a main window of its own, shown, with the controller's first (empty) session
// started: the "events cleared" of that start must not arrive after a test has put events
// into the pane.

#include "controller/WorkbenchController.h"

#include <QCoreApplication>
#include <QMainWindow>
#include <QSize>

namespace vmwb::test {

template <typename PaneType>
struct Hosted
{
    explicit Hosted(WorkbenchController &controller, QSize size = {600, 450},
                    Qt::DockWidgetArea area = Qt::LeftDockWidgetArea)
        : pane(new PaneType(controller, &window))
    {
        window.addDockWidget(area, pane);
        window.resize(size);
        window.show();
        controller.waitForIdle();
        QCoreApplication::processEvents();
    }
    PaneType *operator->() const { return pane; }

    QMainWindow window;
    PaneType *pane;
};

} // namespace vmwb::test
