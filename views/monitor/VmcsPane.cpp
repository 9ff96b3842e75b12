#include "monitor/VmcsPane.h"

#include "common/Colors.h"
#include "common/Format.h"
#include "common/PaddedItemDelegate.h"
#include "common/TechniquePlaceholder.h"
#include "controller/WorkbenchController.h"
#include "monitor/VmcsModel.h"

#include <QCheckBox>
#include <QCoreApplication>
#include <QEvent>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QScrollArea>
#include <QScrollBar>
#include <QSplitter>
#include <QStackedWidget>
#include <QTreeView>
#include <QVBoxLayout>
#include <algorithm>

namespace vmwb {

namespace {

constexpr auto kHardwareAssisted = "hardware-assisted";
constexpr auto kVmcsContext = "vmwb::Vmcs";

// Which page of the stacked widget shows what.
constexpr int kPlaceholderPage = 0;
constexpr int kFieldsPage = 1;

// The rows of the "Last VM exit" box, by key.
constexpr std::array<const char *, 6> kExitKeys = {"reason", "qualification", "interruption",
                                                   "length", "rip",           "instruction"};

// Where the SDM describes a control's field.
const char *sdmSection(vmx::Field field)
{
    return field == vmx::Field::PinBasedControls ? "25.6.1" : "25.6.2";
}

QScrollArea *scrollAreaFor(QWidget *content, QWidget *parent)
{
    auto *area = new QScrollArea(parent);
    area->setWidget(content);
    area->setWidgetResizable(true);
    area->setFrameShape(QFrame::NoFrame);
    area->setHorizontalScrollBarPolicy(Qt::ScrollBarAsNeeded);
    return area;
}

// Rows as high as the other panes' tables: room for the fixed-pitch values in every row (the
// tree takes the first row's height for all, and the first is an area title).
class VmcsFieldDelegate : public PaddedItemDelegate
{
public:
    using PaddedItemDelegate::PaddedItemDelegate;

    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override
    {
        QSize size = PaddedItemDelegate::sizeHint(option, index);
        const int text = QFontMetrics(option.font).height();
        const int mono = QFontMetrics(valueFont().resolve(option.font)).height();
        size.setHeight(std::max(size.height(), std::max(text, mono) + 6));
        return size;
    }
};

} // namespace

VmcsPane::VmcsPane(WorkbenchController &controller, QWidget *parent)
    : Pane(tr("VMCS"), QStringLiteral("vmcsPane"), controller, parent)
{
    m_model = new VmcsModel(this);

    auto *content = new QWidget(this);
    auto *contentLayout = new QVBoxLayout(content);
    contentLayout->setContentsMargins(4, 4, 4, 4);
    m_splitter = new QSplitter(Qt::Horizontal, content);
    contentLayout->addWidget(m_splitter);
    m_splitter->setChildrenCollapsible(false);
    m_exitArea = scrollAreaFor(createExitBox(), m_splitter);
    m_controlsArea = scrollAreaFor(createControlsBox(), m_splitter);

    m_stack = new QStackedWidget(m_splitter);
    // Under the other techniques: what the VMCS is, and one click to see it.
    auto *placeholder = new TechniquePlaceholder(
        this->controller(), QString::fromLatin1(kHardwareAssisted), QStringLiteral("vmcs"),
        tr("Use &Hardware-Assisted Execution"), QStringLiteral("useHardwareAssisted"),
        tr("Restart the program under hardware-assisted execution (VT-x) and watch its VMCS"),
        m_stack);
    m_placeholder = placeholder->label();
    m_chooseTechnique = placeholder->button();
    m_stack->addWidget(placeholder);

    m_fields = new QTreeView(m_stack);
    m_fields->setObjectName(QStringLiteral("vmcsFields"));
    m_fields->setModel(m_model);
    m_fields->setItemDelegate(new VmcsFieldDelegate(m_fields));
    m_fields->setUniformRowHeights(true);
    m_fields->setAllColumnsShowFocus(true);
    m_fields->setAlternatingRowColors(true);
    m_fields->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_fields->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_fields->setHorizontalScrollMode(QAbstractItemView::ScrollPerPixel);
    m_fields->header()->setStretchLastSection(true);
    m_fields->header()->setHighlightSections(false);
    m_fields->expandAll();
    m_fields->setToolTip(tr("Every VMCS field the workbench models, by area, with the "
                            "encoding VMREAD and VMWRITE take; values the run changed are "
                            "highlighted"));
    m_stack->addWidget(m_fields);

    m_splitter->addWidget(m_exitArea);
    m_splitter->addWidget(m_controlsArea);
    m_splitter->addWidget(m_stack);
    m_splitter->setStretchFactor(0, 0);
    m_splitter->setStretchFactor(1, 0);
    m_splitter->setStretchFactor(2, 1);
    setWidget(content);

    connect(&controller, &WorkbenchController::stateChanged, this, [this] { requestRefresh(); });
    connect(&controller, &WorkbenchController::settingsChanged, this, [this] { requestRefresh(); });

    applyColors();
    layOutControls(2);
    fitColumns();
    refresh();
}

QWidget *VmcsPane::createExitBox()
{
    m_exitBox = new QGroupBox(tr("Last VM exit"));
    m_exitBox->setObjectName(QStringLiteral("lastVmExit"));
    m_exitBox->setToolTip(tr("What the CPU stored in the VMCS exit-information fields when it "
                             "last left the guest for the monitor (SDM Vol. 3, 25.9)"));
    auto *layout = new QVBoxLayout(m_exitBox);
    m_exitSummary = new QLabel(m_exitBox);
    m_exitSummary->setObjectName(QStringLiteral("summaryValue"));
    m_exitSummary->setWordWrap(true);
    layout->addWidget(m_exitSummary);
    m_exitForm = new QFormLayout;
    m_exitForm->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    m_exitForm->setRowWrapPolicy(QFormLayout::DontWrapRows);
    layout->addLayout(m_exitForm);
    layout->addStretch(1);

    addExitRow(QStringLiteral("reason"), tr("Reason"),
               tr("VM_EXIT_REASON: the basic exit reason, a number from the SDM's appendix C"));
    addExitRow(QStringLiteral("qualification"), tr("Qualification"),
               tr("EXIT_QUALIFICATION in words: what exactly happened, e.g. which control "
                  "register and register, or which I/O port"));
    addExitRow(QStringLiteral("interruption"), tr("Interruption"),
               tr("VM_EXIT_INTR_INFO: the vector and type of the event that caused the exit"));
    addExitRow(QStringLiteral("length"), tr("Length"),
               tr("VM_EXIT_INSTRUCTION_LEN: how far the monitor moves RIP to skip the "
                  "instruction it emulated"));
    addExitRow(QStringLiteral("rip"), tr("Guest RIP"), tr("Where the guest was when it exited"));
    addExitRow(QStringLiteral("instruction"), tr("Instruction"),
               tr("The guest instruction at the exit, from the event log"));
    return m_exitBox;
}

QLabel *VmcsPane::addExitRow(const QString &key, const QString &title, const QString &toolTip)
{
    auto *name = new QLabel(title, m_exitBox);
    name->setToolTip(toolTip);
    auto *value = new QLabel(m_exitBox);
    value->setObjectName(key + QStringLiteral("Value"));
    value->setToolTip(toolTip);
    value->setWordWrap(true);
    value->setTextInteractionFlags(Qt::TextSelectableByMouse);
    if (key == QLatin1String("rip") || key == QLatin1String("instruction"))
        value->setFont(valueFont());
    m_exitForm->addRow(name, value);
    return value;
}

QWidget *VmcsPane::createControlsBox()
{
    auto *box = new QGroupBox(tr("VM-execution controls"));
    box->setObjectName(QStringLiteral("vmcsControls"));
    box->setToolTip(tr("The controls decide which guest actions make the CPU leave the guest "
                       "for the monitor (SDM Vol. 3, 25.6)"));
    auto *layout = new QVBoxLayout(box);
    m_controlGrid = new QGridLayout;
    m_controlGrid->setHorizontalSpacing(16);
    m_controlGrid->setVerticalSpacing(2);
    layout->addLayout(m_controlGrid);
    for (const vmx::ControlInfo &info : vmx::allControls()) {
        auto *check = new QCheckBox(QCoreApplication::translate(kVmcsContext, info.title), box);
        check->setObjectName(QString::fromLatin1(info.id));
        const vmx::FieldInfo &field = vmx::fieldInfo(info.field);
        check->setToolTip(
            tr("<p><b>%1</b></p><p>%2</p><p><tt>%3</tt> bit %4 (SDM Vol. 3, %5)</p>")
                .arg(QCoreApplication::translate(kVmcsContext, info.title).toHtmlEscaped(),
                     QCoreApplication::translate(kVmcsContext, info.meaning).toHtmlEscaped(),
                     QLatin1String(field.name))
                .arg(info.bit)
                .arg(QLatin1String(sdmSection(info.field))));
        connect(check, &QCheckBox::clicked, this,
                [this, id = QString::fromLatin1(info.id)](bool on) {
                    this->controller().setVmcsControl(id, on);
                });
        m_controls[static_cast<std::size_t>(info.control)] = check;
    }
    auto *bottom = new QHBoxLayout;
    m_controlsNote = new QLabel(box);
    m_controlsNote->setObjectName(QStringLiteral("controlsNote"));
    m_controlsNote->setWordWrap(true);
    bottom->addWidget(m_controlsNote, 1);
    m_defaultsButton = new QPushButton(tr("&Defaults"), box);
    m_defaultsButton->setObjectName(QStringLiteral("vmcsDefaults"));
    m_defaultsButton->setToolTip(tr("Back to the controls a monitor like KVM starts a guest with"));
    connect(m_defaultsButton, &QPushButton::clicked, this,
            [this] { this->controller().setVmcsControls({}); });
    bottom->addWidget(m_defaultsButton, 0, Qt::AlignTop);
    layout->addLayout(bottom);
    layout->addStretch(1);
    return box;
}

void VmcsPane::layOutControls(int columns)
{
    columns = std::max(1, columns);
    if (columns == m_controlColumns)
        return;
    m_controlColumns = columns;
    for (QCheckBox *check : m_controls)
        m_controlGrid->removeWidget(check);
    // Down the columns, in the SDM's order: pin-based, primary, secondary.
    const int rows = (static_cast<int>(m_controls.size()) + columns - 1) / columns;
    for (std::size_t i = 0; i < m_controls.size(); ++i) {
        const int index = static_cast<int>(i);
        m_controlGrid->addWidget(m_controls[i], index % rows, index / rows);
    }
}

QCheckBox *VmcsPane::controlCheckBox(vmx::Control control) const
{
    return m_controls[static_cast<std::size_t>(control)];
}

bool VmcsPane::showsPlaceholder() const
{
    return m_stack->currentIndex() == kPlaceholderPage;
}

QString VmcsPane::exitText(const QString &key) const
{
    const auto *label = findChild<QLabel *>(key + QStringLiteral("Value"));
    return label != nullptr ? label->text() : QString();
}

void VmcsPane::refresh()
{
    const WorkbenchController &c = controller();
    const MachineSnapshot &s = c.snapshot();
    const bool hasVmcs = s.vmcs.has_value();
    m_stack->setCurrentIndex(hasVmcs ? kFieldsPage : kPlaceholderPage);
    m_exitArea->setVisible(hasVmcs);
    bool offered = false;
    for (const TechniqueInfo &info : c.techniques())
        offered = offered || info.id == QLatin1String(kHardwareAssisted);
    m_chooseTechnique->setVisible(offered && c.technique() != QLatin1String(kHardwareAssisted));

    m_model->setVmcs(s.vmcs, s.vmcsAtStart);
    if (hasVmcs != m_hadVmcs) {
        m_hadVmcs = hasVmcs;
        fitColumns();
        m_arranged.reset(); // the exit box comes or goes
        arrange();
    }
    showLastExit();
    showControls();
}

void VmcsPane::showLastExit()
{
    const MachineSnapshot &s = controller().snapshot();
    const auto value = [this](const char *key) {
        return findChild<QLabel *>(QLatin1String(key) + QStringLiteral("Value"));
    };
    if (!s.vmcs || s.vmExits == 0) {
        m_exitSummary->setText(
            tr("No VM exit yet: step or run the guest. The CPU leaves the guest only where the "
               "controls say so."));
        for (const char *key : kExitKeys)
            value(key)->setText(QStringLiteral("\u2014"));
        m_exitForm->setRowVisible(value("interruption"), false);
        return;
    }
    const vmx::Vmcs &vmcs = *s.vmcs;
    const QLocale locale;
    m_exitSummary->setText(
        tr("VM exits so far: %1").arg(locale.toString(static_cast<qulonglong>(s.vmExits))));

    const std::uint64_t reasonField = vmcs.read(vmx::Field::ExitReason);
    const auto reason = static_cast<std::uint16_t>(reasonField & 0xffffU);
    const char *name = vmx::exitReasonName(reason);
    QString reasonText = QStringLiteral("%1 \u2014 %2")
                             .arg(reason)
                             .arg(name != nullptr ? QCoreApplication::translate(kVmcsContext, name)
                                                  : tr("not a reason the SDM defines"));
    if ((reasonField >> 31) & 1U) // SDM Vol. 3, 25.9.1: a failed VM entry
        reasonText += tr(" (VM-entry failure)");
    value("reason")->setText(reasonText);

    const std::uint64_t qualification = vmcs.read(vmx::Field::ExitQualification);
    const QString words = vmx::describeQualification(reason, qualification);
    QLabel *qualificationValue = value("qualification");
    qualificationValue->setText(words.isEmpty() ? groupedHex(qualification) : words);
    qualificationValue->setToolTip(tr("EXIT_QUALIFICATION = %1").arg(groupedHex(qualification)));

    const auto info = static_cast<std::uint32_t>(vmcs.read(vmx::Field::ExitInterruptionInfo));
    const bool infoValid = ((info >> 31) & 1U) != 0; // SDM Vol. 3, 25.9.2
    m_exitForm->setRowVisible(value("interruption"), infoValid);
    value("interruption")->setText(infoValid ? vmx::describeInterruptionInfo(info) : QString());

    // Only exits an instruction caused have a length (SDM Vol. 3, 28.2.4).
    const auto length = static_cast<int>(vmcs.read(vmx::Field::ExitInstructionLength));
    value("length")->setText(length > 0 ? tr("%n byte(s)", nullptr, length)
                                        : tr("none: no instruction caused this exit"));

    if (s.lastVmExit) {
        const Event &event = *s.lastVmExit;
        QString rip = groupedHex(event.rip, 8);
        if (event.line > 0)
            rip += tr(" (line %1)").arg(event.line);
        value("rip")->setText(rip);
        value("instruction")
            ->setText(event.instruction.isEmpty() ? QStringLiteral("\u2014") : event.instruction);
        value("instruction")->setToolTip(event.cause);
    } else {
        value("rip")->setText(groupedHex(vmcs.read(vmx::Field::GuestRip), 8));
        value("instruction")->setText(tr("not recorded (the event log is full)"));
        value("instruction")->setToolTip({});
    }
}

void VmcsPane::showControls()
{
    const WorkbenchController &c = controller();
    const MachineSnapshot &s = c.snapshot();
    const std::map<QString, bool> &overrides = c.vmcsControls();
    for (const vmx::ControlInfo &info : vmx::allControls()) {
        QCheckBox *check = m_controls[static_cast<std::size_t>(info.control)];
        // What the student chose, else what the running VMCS holds, else the defaults.
        const bool byDefault = m_defaults.control(info.control);
        bool on = byDefault;
        bool chosenOtherwise = false;
        if (const auto chosen = overrides.find(QString::fromLatin1(info.id));
            chosen != overrides.end()) {
            on = chosen->second;
            chosenOtherwise = on != byDefault;
        } else if (s.vmcs) {
            on =
                s.vmcs->control(info.control); // the monitor may have changed it (interrupt window)
        }
        const QSignalBlocker block(check);
        check->setChecked(on);
        // Bold: the student's choice, not what a monitor starts a guest with.
        QFont font = check->font();
        font.setBold(chosenOtherwise);
        check->setFont(font);
    }
    m_defaultsButton->setEnabled(!overrides.empty());
    m_controlsNote->setText(
        s.vmcs ? tr("Changing a control restarts the program with the new VMCS.")
               : tr("There is no VMCS under this technique: the controls take effect when the "
                    "program runs under hardware-assisted execution."));
}

void VmcsPane::applyColors()
{
    const WorkbenchColors colors = WorkbenchColors::forPalette(palette());
    m_model->setColors(colors);
    QPalette note = m_controlsNote->palette();
    note.setColor(QPalette::WindowText, colors.dimText);
    m_controlsNote->setPalette(note);
    m_exitSummary->setPalette(note);
    m_placeholder->setText(
        QStringLiteral("<p style=\"font-size:large\"><b>%1</b></p><p style=\"color:%2\">%3</p>")
            .arg(tr("There is a VMCS only under hardware-assisted execution.").toHtmlEscaped(),
                 colors.dimText.name(),
                 tr("With Intel VT-x the CPU runs the guest kernel at ring 0 in VMX non-root "
                    "mode and leaves it for the monitor (a VM exit) only where the virtual-"
                    "machine control structure says so. Choose hardware-assisted execution to "
                    "see its fields, the last exit and the controls.")
                     .toHtmlEscaped()));
    m_fields->viewport()->update();
}

void VmcsPane::fitColumns()
{
    QHeaderView *header = m_fields->header();
    header->setStretchLastSection(false);
    for (int column = 0; column < VmcsModel::ColumnCount; ++column)
        m_fields->resizeColumnToContents(column);
    header->setStretchLastSection(true);
}

void VmcsPane::resizeEvent(QResizeEvent *event)
{
    Pane::resizeEvent(event);
    arrange();
}

// Along the bottom of the window the pane is wide and short: the exit, the controls and the
// fields side by side. Docked at a side it is tall: one above the other.
void VmcsPane::arrange()
{
    const Qt::Orientation orientation = width() > 2 * height() ? Qt::Horizontal : Qt::Vertical;
    // Two columns of controls keep them short beside the fields, or fit a side dock's width.
    const int checkWidth = m_controls.front()->sizeHint().width();
    int columns = 2;
    if (orientation == Qt::Vertical && width() < 2 * checkWidth + 64)
        columns = 1;
    layOutControls(columns);
    if (m_arranged == orientation)
        return;
    m_arranged = orientation;
    m_splitter->setOrientation(orientation);
    if (orientation == Qt::Horizontal) {
        // Room for a 64-bit address with its line beside the exit's labels, and for the
        // controls with a scroll bar.
        const int exit = m_exitArea->isHidden()
                             ? 0
                             : std::max(m_exitArea->widget()->sizeHint().width(),
                                        QFontMetrics(valueFont().resolve(font()))
                                                .horizontalAdvance(QLatin1Char('0')) *
                                            44);
        const int controls = m_controlsArea->widget()->sizeHint().width() +
                             m_controlsArea->verticalScrollBar()->sizeHint().width() + 4;
        m_splitter->setSizes({exit, controls, std::max(0, width() - exit - controls)});
    } else {
        const int total = height();
        m_splitter->setSizes({total / 4, total / 4, total / 2});
    }
}

void VmcsPane::changeEvent(QEvent *event)
{
    Pane::changeEvent(event);
    if (event->type() == QEvent::PaletteChange)
        applyColors();
    else if (event->type() == QEvent::FontChange)
        fitColumns();
}

} // namespace vmwb
