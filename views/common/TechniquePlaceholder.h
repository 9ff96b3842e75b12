#pragma once

// What a technique's own pane shows under the other techniques: a few words on what the pane
// is for, and a button that restarts the program under that technique.

#include <QWidget>

class QLabel;
class QPushButton;

namespace vmwb {

class WorkbenchController;

class TechniquePlaceholder : public QWidget
{
    Q_OBJECT

public:
    // The button restarts the program under `technique`. `name` prefixes the object names of
    // the label ("<name>Placeholder") and the button (`buttonName`), which tests look up.
    TechniquePlaceholder(WorkbenchController &controller, const QString &technique,
                         const QString &name, const QString &buttonText, const QString &buttonName,
                         const QString &buttonToolTip, QWidget *parent = nullptr);

    QLabel *label() const { return m_label; }
    QPushButton *button() const { return m_button; }

private:
    QLabel *m_label = nullptr;
    QPushButton *m_button = nullptr;
};

} // namespace vmwb
