#pragma once

// The VMCS pane (hardware-assisted execution): what the CPU told the monitor at the last VM
// exit (reason, qualification in words, instruction length, guest RIP and the instruction),
// the VM-execution controls as check boxes the student can toggle, and every modelled VMCS
// field with its encoding and value, those the run changed highlighted. Under the other
// techniques there is no VMCS: the pane says so, and the controls can still be prepared for
// the next hardware-assisted run.

#include "common/Pane.h"
#include "vmx/Vmcs.h"

#include <QString>
#include <array>
#include <optional>

class QCheckBox;
class QFormLayout;
class QGridLayout;
class QGroupBox;
class QLabel;
class QPushButton;
class QScrollArea;
class QSplitter;
class QStackedWidget;
class QTreeView;

namespace vmwb {

class VmcsModel;

class VmcsPane : public Pane
{
    Q_OBJECT

public:
    explicit VmcsPane(WorkbenchController &controller, QWidget *parent = nullptr);

    VmcsModel *model() const { return m_model; }
    QTreeView *fieldView() const { return m_fields; }
    QCheckBox *controlCheckBox(vmx::Control control) const;
    // Whether the explanation for other techniques shows instead of the VMCS.
    bool showsPlaceholder() const;
    // The last exit's text by key: "reason", "qualification", "interruption", "length",
    // "rip", "instruction", "summary" (the value label's object name is the key + "Value").
    QString exitText(const QString &key) const;

protected:
    void refresh() override;
    void changeEvent(QEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;

private:
    QWidget *createExitBox();
    QWidget *createControlsBox();
    QLabel *addExitRow(const QString &key, const QString &title, const QString &toolTip);
    void showLastExit();
    void showControls();
    void applyColors();
    void fitColumns();
    void arrange();
    void layOutControls(int columns);

    VmcsModel *m_model = nullptr;
    QSplitter *m_splitter = nullptr;
    QScrollArea *m_exitArea = nullptr;
    QGroupBox *m_exitBox = nullptr;
    QFormLayout *m_exitForm = nullptr;
    QLabel *m_exitSummary = nullptr;
    QScrollArea *m_controlsArea = nullptr;
    QGridLayout *m_controlGrid = nullptr;
    std::array<QCheckBox *, vmx::kControlCount> m_controls{};
    QLabel *m_controlsNote = nullptr;
    QPushButton *m_defaultsButton = nullptr;
    QStackedWidget *m_stack = nullptr;
    QLabel *m_placeholder = nullptr;
    QPushButton *m_chooseTechnique = nullptr;
    QTreeView *m_fields = nullptr;
    int m_controlColumns = 0;
    bool m_hadVmcs = false;
    std::optional<Qt::Orientation> m_arranged; // the splitter's sizes were set for it
    vmx::Vmcs m_defaults = vmx::Vmcs::defaults();
};

} // namespace vmwb
