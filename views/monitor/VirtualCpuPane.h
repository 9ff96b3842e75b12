#pragma once

// The monitor's side of the machine: the active technique, the virtual CPU (what the guest
// kernel believes its CPU is), the virtual interrupts still pending, and the run's counters.
// Values that changed with the last step are highlighted, with their old value beside them,
// so that "virtual IF 1 -> 0" at a cli is plain to see.

#include "common/Pane.h"
#include "controller/Snapshot.h"

#include <QHash>
#include <vector>

class QGridLayout;
class QLabel;

namespace vmwb {

class VirtualCpuPane : public Pane
{
    Q_OBJECT

public:
    explicit VirtualCpuPane(WorkbenchController &controller, QWidget *parent = nullptr);

    // The text shown for a field, by key: "if", "pending", "cpl", "iopl", "halted", "cr0",
    // "cr2", "cr3", "cr4", "cr8", "idtr", "gdtr", "instructions", "cycles", "traps", "holes",
    // "delivered", "pendingCount", "lost", "exceptions", "io", "notStored", "status".
    // The value label's object name is the key followed by "Value" ("ifValue").
    QString valueText(const QString &key) const;
    // Whether the field is highlighted as changed by the last snapshot.
    bool isHighlighted(const QString &key) const;

protected:
    void refresh() override;
    void changeEvent(QEvent *event) override;

private:
    struct FieldWidgets
    {
        QLabel *name = nullptr;
        QLabel *value = nullptr;
        QLabel *detail = nullptr;
        QLabel *previous = nullptr; // "was 1", only while the value is highlighted
        QString shown;              // value and detail as last shown, to detect changes
        bool highlighted = false;
    };

    void addHeading(QGridLayout *grid, QWidget *parent, int &row, const QString &text);
    void showTechnique(const MachineSnapshot &snapshot);
    void setHighlighted(FieldWidgets &field, bool on, const QString &previousValue);
    void updateAppearance();

    QLabel *m_title = nullptr;
    QLabel *m_ring = nullptr;
    QLabel *m_summary = nullptr;
    QLabel *m_status = nullptr;
    QLabel *m_statusMessage = nullptr;
    std::vector<FieldWidgets> m_fields; // in the order of the field table
    QList<QLabel *> m_headings;
    MachineSnapshot m_previous;
    bool m_statusIsError = false;
};

} // namespace vmwb
