#include "common/Pane.h"

namespace vmwb {

Pane::Pane(const QString &title, const QString &objectName, WorkbenchController &controller,
           QWidget *parent)
    : QDockWidget(title, parent), m_controller(controller)
{
    setObjectName(objectName);
    setFeatures(QDockWidget::DockWidgetClosable | QDockWidget::DockWidgetMovable |
                QDockWidget::DockWidgetFloatable);
    connect(this, &QDockWidget::visibilityChanged, this, [this](bool visible) {
        if (visible && m_stale)
            requestRefresh();
    });
}

void Pane::requestRefresh()
{
    if (!isVisible() && !isHidden()) {
        // Tabbed away: shown but not visible.
        m_stale = true;
        return;
    }
    if (isHidden()) {
        m_stale = true;
        return;
    }
    m_stale = false;
    refresh();
}

} // namespace vmwb
