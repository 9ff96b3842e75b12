#include "monitor/VirtualCpuPane.h"

#include "common/Colors.h"
#include "controller/WorkbenchController.h"
#include "core/Hex.h"
#include "hw/ControlRegisters.h"

#include <QCoreApplication>
#include <QEvent>
#include <QFontDatabase>
#include <QGridLayout>
#include <QLabel>
#include <QLocale>
#include <QScrollArea>
#include <QVBoxLayout>
#include <array>
#include <limits>
#include <optional>

namespace vmwb {

namespace {

QString number(std::uint64_t value)
{
    return QLocale().toString(static_cast<qulonglong>(value));
}

// Set bits of a control register by name, highest first as the SDM draws them.
struct NamedBit
{
    std::uint64_t mask;
    const char *name;
};

constexpr std::array<NamedBit, 11> kCr0Bits{{
    {cr0::kPG, "PG"},
    {cr0::kCD, "CD"},
    {cr0::kNW, "NW"},
    {cr0::kAM, "AM"},
    {cr0::kWP, "WP"},
    {cr0::kNE, "NE"},
    {cr0::kET, "ET"},
    {cr0::kTS, "TS"},
    {cr0::kEM, "EM"},
    {cr0::kMP, "MP"},
    {cr0::kPE, "PE"},
}};

constexpr std::array<NamedBit, 21> kCr4Bits{{
    {cr4::kPKE, "PKE"},
    {cr4::kSMAP, "SMAP"},
    {cr4::kSMEP, "SMEP"},
    {cr4::kOSXSAVE, "OSXSAVE"},
    {cr4::kPCIDE, "PCIDE"},
    {cr4::kFSGSBASE, "FSGSBASE"},
    {cr4::kSMXE, "SMXE"},
    {cr4::kVMXE, "VMXE"},
    {cr4::kLA57, "LA57"},
    {cr4::kUMIP, "UMIP"},
    {cr4::kOSXMMEXCPT, "OSXMMEXCPT"},
    {cr4::kOSFXSR, "OSFXSR"},
    {cr4::kPCE, "PCE"},
    {cr4::kPGE, "PGE"},
    {cr4::kMCE, "MCE"},
    {cr4::kPAE, "PAE"},
    {cr4::kPSE, "PSE"},
    {cr4::kDE, "DE"},
    {cr4::kTSD, "TSD"},
    {cr4::kPVI, "PVI"},
    {cr4::kVME, "VME"},
}};

template <std::size_t N>
QString bitNames(std::uint64_t value, const std::array<NamedBit, N> &bits)
{
    QStringList names;
    for (const NamedBit &bit : bits) {
        if ((value & bit.mask) != 0)
            names << QLatin1String(bit.name);
    }
    return names.join(QLatin1Char(' '));
}

// What a field shows: the value (large, fixed-width) and a few words beside it.
struct FieldText
{
    QString value;
    QString detail;
};

enum class Section
{
    Guest,
    Counters
};

// One row of the pane. Names and tool tips are QT_TRANSLATE_NOOP("vmwb::VirtualCpuPane", ...).
struct Field
{
    const char *key;
    Section section;
    const char *name;
    const char *toolTip;
    // Counters that move with every instruction would always be highlighted; they are not.
    bool highlight;
    FieldText (*text)(const MachineSnapshot &);
};

QString translated(const char *text)
{
    return QCoreApplication::translate("vmwb::VirtualCpuPane", text);
}

FieldText tableRegister(const TableRegister &table)
{
    return {hex(table.base), VirtualCpuPane::tr("limit %1").arg(hex(table.limit))};
}

FieldText count(std::uint64_t value)
{
    return {number(value), {}};
}

const std::array<Field, 22> kFields{{
    {"if", Section::Guest, QT_TRANSLATE_NOOP("vmwb::VirtualCpuPane", "IF"),
     QT_TRANSLATE_NOOP("vmwb::VirtualCpuPane",
                       "The interrupt flag as the monitor keeps it for the guest (RFLAGS bit 9). "
                       "Under trap-and-emulate the real IF belongs to the monitor; the guest's "
                       "cli and sti trap and change this one."),
     true,
     [](const MachineSnapshot &s) {
         return s.guest.interruptFlag
                    ? FieldText{QStringLiteral("1"), VirtualCpuPane::tr("interrupts on")}
                    : FieldText{QStringLiteral("0"), VirtualCpuPane::tr("interrupts off")};
     }},
    {"pending", Section::Guest, QT_TRANSLATE_NOOP("vmwb::VirtualCpuPane", "Pending"),
     QT_TRANSLATE_NOOP("vmwb::VirtualCpuPane",
                       "Virtual interrupts raised but not yet delivered, by vector: they wait "
                       "until the guest's IF is 1"),
     true,
     [](const MachineSnapshot &s) {
         if (s.pendingVectors.empty())
             return FieldText{VirtualCpuPane::tr("none"), {}};
         QStringList vectors;
         for (const std::uint8_t vector : s.pendingVectors)
             vectors << QString::number(vector);
         return FieldText{vectors.join(QStringLiteral(", ")),
                          s.guest.interruptFlag ? QString()
                                                : VirtualCpuPane::tr("waiting for IF = 1")};
     }},
    {"cpl", Section::Guest, QT_TRANSLATE_NOOP("vmwb::VirtualCpuPane", "CPL"),
     QT_TRANSLATE_NOOP("vmwb::VirtualCpuPane",
                       "The privilege level the guest believes it runs at (0: kernel, 3: user)"),
     true,
     [](const MachineSnapshot &s) {
         QString detail;
         if (s.realCpl != s.guest.cpl)
             detail = VirtualCpuPane::tr("really ring %1").arg(s.realCpl);
         return FieldText{QString::number(s.guest.cpl), detail};
     }},
    {"iopl", Section::Guest, QT_TRANSLATE_NOOP("vmwb::VirtualCpuPane", "IOPL"),
     QT_TRANSLATE_NOOP("vmwb::VirtualCpuPane",
                       "I/O privilege level (RFLAGS bits 12-13): the least privileged CPL that "
                       "may use in, out, cli and sti"),
     true,
     [](const MachineSnapshot &s) {
         return FieldText{QString::number(s.guest.iopl), {}};
     }},
    {"halted", Section::Guest, QT_TRANSLATE_NOOP("vmwb::VirtualCpuPane", "Halted"),
     QT_TRANSLATE_NOOP("vmwb::VirtualCpuPane",
                       "Whether the guest executed hlt and waits for an interrupt"),
     true,
     [](const MachineSnapshot &s) {
         return s.guest.halted ? FieldText{VirtualCpuPane::tr("yes"),
                                           VirtualCpuPane::tr("waiting for an interrupt")}
                               : FieldText{VirtualCpuPane::tr("no"), {}};
     }},
    {"cr0", Section::Guest, QT_TRANSLATE_NOOP("vmwb::VirtualCpuPane", "CR0"),
     QT_TRANSLATE_NOOP("vmwb::VirtualCpuPane",
                       "Control register 0 as the guest set it: protection (PE), paging (PG), "
                       "write protect (WP) ... (Intel SDM Vol. 3A, 2.5)"),
     true,
     [](const MachineSnapshot &s) {
         return FieldText{hex(s.guest.cr0), bitNames(s.guest.cr0, kCr0Bits)};
     }},
    {"cr2", Section::Guest, QT_TRANSLATE_NOOP("vmwb::VirtualCpuPane", "CR2"),
     QT_TRANSLATE_NOOP("vmwb::VirtualCpuPane", "The linear address of the last page fault"), true,
     [](const MachineSnapshot &s) {
         return FieldText{hex(s.guest.cr2), {}};
     }},
    {"cr3", Section::Guest, QT_TRANSLATE_NOOP("vmwb::VirtualCpuPane", "CR3"),
     QT_TRANSLATE_NOOP("vmwb::VirtualCpuPane",
                       "The root of the page tables the guest believes are in use"),
     true,
     [](const MachineSnapshot &s) {
         return FieldText{hex(s.guest.cr3), {}};
     }},
    {"cr4", Section::Guest, QT_TRANSLATE_NOOP("vmwb::VirtualCpuPane", "CR4"),
     QT_TRANSLATE_NOOP("vmwb::VirtualCpuPane",
                       "Control register 4 as the guest set it: PAE, PGE, SMEP ... (Intel SDM "
                       "Vol. 3A, 2.5)"),
     true,
     [](const MachineSnapshot &s) {
         return FieldText{hex(s.guest.cr4), bitNames(s.guest.cr4, kCr4Bits)};
     }},
    {"cr8", Section::Guest, QT_TRANSLATE_NOOP("vmwb::VirtualCpuPane", "CR8"),
     QT_TRANSLATE_NOOP("vmwb::VirtualCpuPane",
                       "Task priority: interrupts of this priority class (vector / 16) and "
                       "lower are held back"),
     true,
     [](const MachineSnapshot &s) {
         return FieldText{QString::number(s.guest.cr8), {}};
     }},
    {"idtr", Section::Guest, QT_TRANSLATE_NOOP("vmwb::VirtualCpuPane", "IDTR"),
     QT_TRANSLATE_NOOP("vmwb::VirtualCpuPane",
                       "Base and limit of the interrupt descriptor table the guest loaded with "
                       "lidt"),
     true, [](const MachineSnapshot &s) { return tableRegister(s.guest.idtr); }},
    {"gdtr", Section::Guest, QT_TRANSLATE_NOOP("vmwb::VirtualCpuPane", "GDTR"),
     QT_TRANSLATE_NOOP("vmwb::VirtualCpuPane",
                       "Base and limit of the global descriptor table the guest loaded with "
                       "lgdt"),
     true, [](const MachineSnapshot &s) { return tableRegister(s.guest.gdtr); }},

    {"instructions", Section::Counters, QT_TRANSLATE_NOOP("vmwb::VirtualCpuPane", "Instructions"),
     QT_TRANSLATE_NOOP("vmwb::VirtualCpuPane",
                       "Guest instructions retired, and the budget after which the run stops"),
     false,
     [](const MachineSnapshot &s) {
         const bool unlimited = s.maxInstructions == 0 ||
                                s.maxInstructions == std::numeric_limits<std::uint64_t>::max();
         return FieldText{number(s.instructions),
                          unlimited ? VirtualCpuPane::tr("no budget")
                                    : VirtualCpuPane::tr("of %1").arg(number(s.maxInstructions))};
     }},
    {"cycles", Section::Counters, QT_TRANSLATE_NOOP("vmwb::VirtualCpuPane", "Modelled cycles"),
     QT_TRANSLATE_NOOP("vmwb::VirtualCpuPane",
                       "What the run would cost on the modelled CPU: instructions plus the cost "
                       "of every trap, interrupt and device access, from the cost preset"),
     false,
     [](const MachineSnapshot &s) {
         return FieldText{number(s.modelledCycles), s.costPreset};
     }},
    {"traps", Section::Counters, QT_TRANSLATE_NOOP("vmwb::VirtualCpuPane", "Traps"),
     QT_TRANSLATE_NOOP("vmwb::VirtualCpuPane",
                       "Privileged instructions that faulted into the monitor"),
     true, [](const MachineSnapshot &s) { return count(s.traps); }},
    {"holes", Section::Counters, QT_TRANSLATE_NOOP("vmwb::VirtualCpuPane", "Holes"),
     QT_TRANSLATE_NOOP("vmwb::VirtualCpuPane",
                       "Sensitive instructions that ran without the monitor seeing them"),
     true, [](const MachineSnapshot &s) { return count(s.holes); }},
    {"delivered", Section::Counters,
     QT_TRANSLATE_NOOP("vmwb::VirtualCpuPane", "Interrupts delivered"),
     QT_TRANSLATE_NOOP("vmwb::VirtualCpuPane", "Interrupts that reached the guest's handler"), true,
     [](const MachineSnapshot &s) { return count(s.interruptsDelivered); }},
    {"pendingCount", Section::Counters,
     QT_TRANSLATE_NOOP("vmwb::VirtualCpuPane", "Interrupts pending"),
     QT_TRANSLATE_NOOP("vmwb::VirtualCpuPane", "Virtual interrupts waiting to be delivered now"),
     true, [](const MachineSnapshot &s) { return count(s.pendingVectors.size()); }},
    {"lost", Section::Counters, QT_TRANSLATE_NOOP("vmwb::VirtualCpuPane", "Interrupts lost"),
     QT_TRANSLATE_NOOP("vmwb::VirtualCpuPane",
                       "Interrupts raised while the same vector was still pending: they merged"),
     true, [](const MachineSnapshot &s) { return count(s.interruptsLost); }},
    {"exceptions", Section::Counters, QT_TRANSLATE_NOOP("vmwb::VirtualCpuPane", "Exceptions"),
     QT_TRANSLATE_NOOP("vmwb::VirtualCpuPane",
                       "The guest's own exceptions, delivered through its IDT"),
     true, [](const MachineSnapshot &s) { return count(s.exceptions); }},
    {"io", Section::Counters, QT_TRANSLATE_NOOP("vmwb::VirtualCpuPane", "I/O"),
     QT_TRANSLATE_NOOP("vmwb::VirtualCpuPane", "Device accesses that did not trap"), true,
     [](const MachineSnapshot &s) { return count(s.io); }},
    {"notStored", Section::Counters, QT_TRANSLATE_NOOP("vmwb::VirtualCpuPane", "Events not stored"),
     QT_TRANSLATE_NOOP("vmwb::VirtualCpuPane",
                       "Events that were counted but not kept for the log, because the trace "
                       "was full"),
     true, [](const MachineSnapshot &s) { return count(s.eventsNotStored); }},
}};

// How a run stands, in words (RunStatus order).
constexpr std::array<const char *, 6> kStatusTitles{{
    QT_TRANSLATE_NOOP("vmwb::VirtualCpuPane", "Running"),
    QT_TRANSLATE_NOOP("vmwb::VirtualCpuPane", "Exited"),
    QT_TRANSLATE_NOOP("vmwb::VirtualCpuPane", "Halted for good"),
    QT_TRANSLATE_NOOP("vmwb::VirtualCpuPane", "Instruction budget used up"),
    QT_TRANSLATE_NOOP("vmwb::VirtualCpuPane", "Guest fault"),
    QT_TRANSLATE_NOOP("vmwb::VirtualCpuPane", "Stopped"),
}};
static_assert(kStatusTitles.size() == static_cast<std::size_t>(RunStatus::Stopped) + 1,
              "one title per RunStatus");

// Why the guest is not running (PauseReason order).
constexpr std::array<const char *, 8> kPauseTitles{{
    QT_TRANSLATE_NOOP("vmwb::VirtualCpuPane", "Ready to run"),
    QT_TRANSLATE_NOOP("vmwb::VirtualCpuPane", "Paused after a step"),
    QT_TRANSLATE_NOOP("vmwb::VirtualCpuPane", "Paused at a breakpoint"),
    QT_TRANSLATE_NOOP("vmwb::VirtualCpuPane", "Paused at the line you ran to"),
    QT_TRANSLATE_NOOP("vmwb::VirtualCpuPane", "Paused after an event you break on"),
    QT_TRANSLATE_NOOP("vmwb::VirtualCpuPane", "Paused by you"),
    QT_TRANSLATE_NOOP("vmwb::VirtualCpuPane", "Run ended"),
    QT_TRANSLATE_NOOP("vmwb::VirtualCpuPane", "Paused after going back"),
}};
static_assert(kPauseTitles.size() == static_cast<std::size_t>(PauseReason::SteppedBack) + 1,
              "one title per PauseReason");

// Whether two snapshots are consecutive states of one run, so that a difference is a change
// the lecturer just caused rather than a restart.
bool continues(const MachineSnapshot &previous, const MachineSnapshot &current)
{
    return previous.valid && current.valid && previous.techniqueId == current.techniqueId &&
           current.sequence > previous.sequence && current.instructions >= previous.instructions;
}

} // namespace

VirtualCpuPane::VirtualCpuPane(WorkbenchController &controller, QWidget *parent)
    : Pane(tr("Virtual CPU"), QStringLiteral("virtualcpu"), controller, parent)
{
    // The technique and the run's status stay on top and wrap to the pane's width; the
    // fields below scroll (sideways too, when large fonts make them wider than the pane).
    auto *frame = new QWidget(this);
    auto *outer = new QVBoxLayout(frame);
    outer->setContentsMargins(0, 0, 0, 0);
    outer->setSpacing(0);
    auto *header = new QWidget(frame);
    auto *headerLayout = new QVBoxLayout(header);
    headerLayout->setContentsMargins(10, 8, 10, 0);
    headerLayout->setSpacing(4);

    m_title = new QLabel(header);
    m_title->setObjectName(QStringLiteral("techniqueTitle"));
    m_title->setWordWrap(true);
    m_title->setToolTip(tr("The technique the monitor uses to run the guest kernel"));
    m_ring = new QLabel(header);
    m_ring->setObjectName(QStringLiteral("techniqueRing"));
    m_ring->setWordWrap(true);
    m_ring->setToolTip(tr("The privilege level the guest kernel's code really executes at on "
                          "the CPU"));
    m_summary = new QLabel(header);
    m_summary->setObjectName(QStringLiteral("techniqueSummary"));
    m_summary->setWordWrap(true);
    m_summary->setToolTip(tr("How the technique works"));
    m_status = new QLabel(header);
    m_status->setObjectName(QStringLiteral("statusValue"));
    m_status->setWordWrap(true);
    m_status->setToolTip(tr("How the run stands and why it is not running"));
    m_statusMessage = new QLabel(header);
    m_statusMessage->setObjectName(QStringLiteral("statusMessage"));
    m_statusMessage->setWordWrap(true);
    m_statusMessage->setToolTip(tr("What ended or stopped the run"));
    headerLayout->addWidget(m_title);
    headerLayout->addWidget(m_ring);
    headerLayout->addWidget(m_summary);
    headerLayout->addSpacing(4);
    headerLayout->addWidget(m_status);
    headerLayout->addWidget(m_statusMessage);
    outer->addWidget(header);

    auto *scroll = new QScrollArea(frame);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    auto *content = new QWidget(scroll);
    auto *layout = new QVBoxLayout(content);
    layout->setContentsMargins(10, 0, 10, 8);
    layout->setSpacing(4);

    auto *grid = new QGridLayout;
    grid->setHorizontalSpacing(12);
    grid->setVerticalSpacing(2);
    grid->setColumnStretch(3, 1);
    int row = 0;
    m_fields.resize(kFields.size());
    std::optional<Section> section;
    for (std::size_t i = 0; i < kFields.size(); ++i) {
        const Field &field = kFields[i];
        if (field.section != section) {
            section = field.section;
            addHeading(grid, content, row,
                       field.section == Section::Guest ? tr("What the guest believes")
                                                       : tr("Counters"));
        }
        FieldWidgets &widgets = m_fields[i];
        const QString key = QLatin1String(field.key);
        const QString toolTip = translated(field.toolTip);
        widgets.name = new QLabel(translated(field.name), content);
        widgets.name->setToolTip(toolTip);
        widgets.value = new QLabel(content);
        widgets.value->setObjectName(key + QLatin1String("Value"));
        widgets.value->setToolTip(toolTip);
        widgets.value->setTextInteractionFlags(Qt::TextSelectableByMouse);
        widgets.value->setContentsMargins(6, 1, 6, 1);
        widgets.detail = new QLabel(content);
        widgets.detail->setObjectName(key + QLatin1String("Detail"));
        widgets.detail->setToolTip(toolTip);
        widgets.previous = new QLabel(content);
        widgets.previous->setObjectName(key + QLatin1String("Was"));
        widgets.previous->setToolTip(tr("The value before the last step"));
        widgets.previous->hide();
        // "was 1" sits right beside the value: it is what the lecturer points at.
        widgets.detail->setWordWrap(true);
        grid->addWidget(widgets.name, row, 0, Qt::AlignLeft | Qt::AlignVCenter);
        grid->addWidget(widgets.value, row, 1, Qt::AlignRight | Qt::AlignVCenter);
        grid->addWidget(widgets.previous, row, 2, Qt::AlignLeft | Qt::AlignVCenter);
        grid->addWidget(widgets.detail, row, 3);
        ++row;
    }
    layout->addLayout(grid);
    layout->addStretch(1);
    scroll->setWidget(content);
    outer->addWidget(scroll, 1);
    setWidget(frame);
    updateAppearance();

    connect(&controller, &WorkbenchController::stateChanged, this, [this] { requestRefresh(); });
    connect(&controller, &WorkbenchController::runningChanged, this, [this] { requestRefresh(); });
}

void VirtualCpuPane::addHeading(QGridLayout *grid, QWidget *parent, int &row, const QString &text)
{
    auto *heading = new QLabel(text, parent);
    heading->setContentsMargins(0, row == 0 ? 6 : 12, 0, 2);
    m_headings << heading;
    grid->addWidget(heading, row, 0, 1, 4);
    ++row;
}

QString VirtualCpuPane::valueText(const QString &key) const
{
    if (key == QLatin1String("status"))
        return m_status->text();
    for (std::size_t i = 0; i < kFields.size(); ++i) {
        if (key == QLatin1String(kFields[i].key))
            return m_fields[i].value->text();
    }
    return {};
}

bool VirtualCpuPane::isHighlighted(const QString &key) const
{
    for (std::size_t i = 0; i < kFields.size(); ++i) {
        if (key == QLatin1String(kFields[i].key))
            return m_fields[i].highlighted;
    }
    return false;
}

void VirtualCpuPane::refresh()
{
    const MachineSnapshot &snapshot = controller().snapshot();
    showTechnique(snapshot);
    // Only the running state changed (runningChanged): the highlights stay as they are.
    if (snapshot.valid && m_previous.valid && snapshot.sequence == m_previous.sequence)
        return;
    const bool compare = continues(m_previous, snapshot);
    for (std::size_t i = 0; i < kFields.size(); ++i) {
        const Field &field = kFields[i];
        FieldWidgets &widgets = m_fields[i];
        if (!snapshot.valid) {
            widgets.value->setText(tr("\u2014"));
            widgets.detail->clear();
            widgets.shown.clear();
            setHighlighted(widgets, false, {});
            continue;
        }
        const FieldText text = field.text(snapshot);
        const QString shown = text.value + QLatin1Char('\n') + text.detail;
        const QString previousValue = widgets.value->text();
        const bool changed = compare && field.highlight && shown != widgets.shown;
        widgets.value->setText(text.value);
        widgets.detail->setText(text.detail);
        widgets.shown = shown;
        // "was" only when the value itself moved, not just the words beside it.
        setHighlighted(widgets, changed, previousValue != text.value ? previousValue : QString());
    }
    m_previous = snapshot;
}

void VirtualCpuPane::showTechnique(const MachineSnapshot &snapshot)
{
    if (!snapshot.valid) {
        m_title->setText(tr("No program loaded"));
        m_ring->clear();
        m_summary->setText(tr("Assemble a program to see the machine as the monitor sees it."));
        m_status->clear();
        m_statusMessage->clear();
        m_statusMessage->hide();
        return;
    }
    m_title->setText(snapshot.techniqueTitle);
    m_ring->setText(tr("The guest kernel really runs at ring %1").arg(snapshot.guestRing));
    QString summary;
    for (const TechniqueInfo &info : controller().techniques()) {
        if (info.id == snapshot.techniqueId)
            summary = QCoreApplication::translate("vmwb::Technique", info.summary);
    }
    m_summary->setText(summary);

    const auto status = static_cast<std::size_t>(snapshot.status);
    const auto pause = static_cast<std::size_t>(snapshot.pause);
    QString statusText = status < kStatusTitles.size()
                             ? translated(kStatusTitles[status])
                             : QString::fromLatin1(runStatusName(snapshot.status));
    if (controller().isRunning())
        statusText = tr("Running");
    else if (snapshot.status == RunStatus::Running && pause < kPauseTitles.size())
        statusText = translated(kPauseTitles[pause]);
    m_status->setText(statusText);
    const bool error = snapshot.status == RunStatus::GuestFault;
    if (error != m_statusIsError) {
        m_statusIsError = error;
        updateAppearance();
    }
    m_statusMessage->setText(snapshot.statusMessage);
    m_statusMessage->setVisible(!snapshot.statusMessage.isEmpty());
}

void VirtualCpuPane::setHighlighted(FieldWidgets &field, bool on, const QString &previousValue)
{
    // The value label's Window colour is the "changed" colour (updateAppearance); filling the
    // background is what switches the highlight on.
    field.highlighted = on;
    field.value->setAutoFillBackground(on);
    if (on)
        field.previous->setText(tr("was %1").arg(previousValue));
    field.previous->setVisible(on && !previousValue.isEmpty());
}

void VirtualCpuPane::updateAppearance()
{
    const WorkbenchColors colors = WorkbenchColors::forPalette(palette());
    const QFont base = font();

    QFont title = base;
    title.setPointSizeF(base.pointSizeF() * 1.35);
    title.setBold(true);
    m_title->setFont(title);

    QFont heading = base;
    heading.setPointSizeF(base.pointSizeF() * 1.1);
    heading.setBold(true);
    for (QLabel *label : std::as_const(m_headings))
        label->setFont(heading);

    QFont status = base;
    status.setBold(true);
    m_status->setFont(status);

    // Values are what the audience reads from the back row: larger, fixed-width.
    QFont value = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    value.setPointSizeF(base.pointSizeF() * 1.25);

    auto dim = [&](QLabel *label) {
        QPalette p = label->palette();
        p.setColor(QPalette::WindowText, colors.dimText);
        label->setPalette(p);
    };
    dim(m_ring);
    dim(m_summary);
    dim(m_statusMessage);
    {
        QPalette p = m_status->palette();
        p.setColor(QPalette::WindowText, m_statusIsError ? colors.error : colors.text);
        m_status->setPalette(p);
    }
    for (FieldWidgets &field : m_fields) {
        field.value->setFont(value);
        field.name->setFont(base);
        dim(field.detail);
        dim(field.previous);
        QPalette p = field.value->palette();
        p.setColor(QPalette::Window, colors.changed);
        p.setColor(QPalette::WindowText, colors.text);
        field.value->setPalette(p);
    }
}

void VirtualCpuPane::changeEvent(QEvent *event)
{
    Pane::changeEvent(event);
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::FontChange)
        updateAppearance();
}

} // namespace vmwb
