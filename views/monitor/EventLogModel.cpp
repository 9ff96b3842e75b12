#include "monitor/EventLogModel.h"

#include "common/TableColumns.h"
#include "core/Hex.h"

#include <QCoreApplication>
#include <QFontDatabase>
#include <QGuiApplication>
#include <QLocale>
#include <algorithm>

namespace vmwb {

namespace {

constexpr std::array<EventKindDescriptor, kEventKindCount> kKinds{{
    {EventKind::Trap, QT_TRANSLATE_NOOP("vmwb::EventLogModel", "Trap"),
     QT_TRANSLATE_NOOP("vmwb::EventLogModel", "Traps"),
     QT_TRANSLATE_NOOP("vmwb::EventLogModel",
                       "A privileged instruction faulted into the monitor, which emulated it "
                       "against the virtual CPU or reflected it to the guest.")},
    {EventKind::Hole, QT_TRANSLATE_NOOP("vmwb::EventLogModel", "Hole"),
     QT_TRANSLATE_NOOP("vmwb::EventLogModel", "Holes"),
     QT_TRANSLATE_NOOP("vmwb::EventLogModel",
                       "A sensitive but unprivileged instruction ran without trapping: the "
                       "monitor never saw it, so the virtual CPU no longer matches what the "
                       "guest did.")},
    {EventKind::InterruptDelivered, QT_TRANSLATE_NOOP("vmwb::EventLogModel", "Interrupt delivered"),
     QT_TRANSLATE_NOOP("vmwb::EventLogModel", "Interrupts delivered"),
     QT_TRANSLATE_NOOP("vmwb::EventLogModel",
                       "An interrupt reached the guest's handler through the guest's IDT.")},
    {EventKind::InterruptPending, QT_TRANSLATE_NOOP("vmwb::EventLogModel", "Interrupt pending"),
     QT_TRANSLATE_NOOP("vmwb::EventLogModel", "Interrupts pending"),
     QT_TRANSLATE_NOOP("vmwb::EventLogModel",
                       "An interrupt was raised while the guest's interrupt flag was 0; it waits "
                       "until the guest enables interrupts.")},
    {EventKind::InterruptLost, QT_TRANSLATE_NOOP("vmwb::EventLogModel", "Interrupt lost"),
     QT_TRANSLATE_NOOP("vmwb::EventLogModel", "Interrupts lost"),
     QT_TRANSLATE_NOOP("vmwb::EventLogModel",
                       "An interrupt was raised while the same vector was still pending; the two "
                       "requests merged into one.")},
    {EventKind::Exception, QT_TRANSLATE_NOOP("vmwb::EventLogModel", "Exception"),
     QT_TRANSLATE_NOOP("vmwb::EventLogModel", "Exceptions"),
     QT_TRANSLATE_NOOP("vmwb::EventLogModel",
                       "The guest's own exception, delivered through the guest's IDT.")},
    {EventKind::Io, QT_TRANSLATE_NOOP("vmwb::EventLogModel", "I/O"),
     QT_TRANSLATE_NOOP("vmwb::EventLogModel", "I/O"),
     QT_TRANSLATE_NOOP("vmwb::EventLogModel", "A device access that did not trap.")},
    {EventKind::Halt, QT_TRANSLATE_NOOP("vmwb::EventLogModel", "Halt"),
     QT_TRANSLATE_NOOP("vmwb::EventLogModel", "Halts"),
     QT_TRANSLATE_NOOP("vmwb::EventLogModel", "HLT: the guest waits for the next interrupt.")},
    {EventKind::Exit, QT_TRANSLATE_NOOP("vmwb::EventLogModel", "Exit"),
     QT_TRANSLATE_NOOP("vmwb::EventLogModel", "Exits"),
     QT_TRANSLATE_NOOP("vmwb::EventLogModel", "The guest wrote its exit code to the exit port.")},
    {EventKind::GuestFault, QT_TRANSLATE_NOOP("vmwb::EventLogModel", "Guest fault"),
     QT_TRANSLATE_NOOP("vmwb::EventLogModel", "Guest faults"),
     QT_TRANSLATE_NOOP("vmwb::EventLogModel",
                       "The run ended because the guest did something the machine cannot go on "
                       "from.")},
    {EventKind::Hypercall, QT_TRANSLATE_NOOP("vmwb::EventLogModel", "Hypercall"),
     QT_TRANSLATE_NOOP("vmwb::EventLogModel", "Hypercalls"),
     QT_TRANSLATE_NOOP("vmwb::EventLogModel",
                       "The paravirtual guest kernel asked the monitor for privileged work "
                       "(int 0x82, the number in RAX).")},
    {EventKind::Callout, QT_TRANSLATE_NOOP("vmwb::EventLogModel", "Callout"),
     QT_TRANSLATE_NOOP("vmwb::EventLogModel", "Callouts"),
     QT_TRANSLATE_NOOP("vmwb::EventLogModel",
                       "A sensitive instruction the binary translator replaced called into the "
                       "monitor, which emulated the original.")},
    {EventKind::Translation, QT_TRANSLATE_NOOP("vmwb::EventLogModel", "Translation"),
     QT_TRANSLATE_NOOP("vmwb::EventLogModel", "Translations"),
     QT_TRANSLATE_NOOP("vmwb::EventLogModel",
                       "The first fetch from a guarded code page trapped; the translator patched "
                       "its sensitive instructions.")},
    {EventKind::Invalidation, QT_TRANSLATE_NOOP("vmwb::EventLogModel", "Invalidation"),
     QT_TRANSLATE_NOOP("vmwb::EventLogModel", "Invalidations"),
     QT_TRANSLATE_NOOP("vmwb::EventLogModel",
                       "The guest wrote to translated code: the original bytes were restored and "
                       "the page guarded again.")},
    {EventKind::VmExit, QT_TRANSLATE_NOOP("vmwb::EventLogModel", "VM exit"),
     QT_TRANSLATE_NOOP("vmwb::EventLogModel", "VM exits"),
     QT_TRANSLATE_NOOP("vmwb::EventLogModel",
                       "The CPU left the guest (VMX non-root) for the monitor, as the VMCS "
                       "controls say; the monitor handled the exit and entered the guest again.")},
    {EventKind::Inline, QT_TRANSLATE_NOOP("vmwb::EventLogModel", "Inline"),
     QT_TRANSLATE_NOOP("vmwb::EventLogModel", "Inline translations"),
     QT_TRANSLATE_NOOP("vmwb::EventLogModel",
                       "Translated code did the instruction's work in place, without calling out "
                       "into the monitor: a CR8 access on the virtual TPR, or ret looking up the "
                       "translation of its return address.")},
}};

// The table is indexed by the enum: every kind has its row, in order.
constexpr bool coversEveryKind()
{
    for (std::size_t i = 0; i < kKinds.size(); ++i) {
        if (static_cast<std::size_t>(kKinds[i].kind) != i)
            return false;
    }
    return true;
}
static_assert(coversEveryKind(), "kKinds needs one row per EventKind, in the enum's order");
static_assert(kKinds.size() == kEventKindCount);

QString translated(const char *text)
{
    return QCoreApplication::translate("vmwb::EventLogModel", text);
}

QString number(qulonglong value)
{
    return QLocale().toString(value);
}

constexpr std::array<ColumnHeader, EventLogModel::ColumnCount> kColumns{{
    {QT_TRANSLATE_NOOP("vmwb::EventLogModel", "#"),
     QT_TRANSLATE_NOOP("vmwb::EventLogModel", "The event's number in this run")},
    {QT_TRANSLATE_NOOP("vmwb::EventLogModel", "At"),
     QT_TRANSLATE_NOOP("vmwb::EventLogModel",
                       "Guest instructions retired when the event happened")},
    {QT_TRANSLATE_NOOP("vmwb::EventLogModel", "Kind"),
     QT_TRANSLATE_NOOP("vmwb::EventLogModel", "What happened: trap, hole, interrupt, ...")},
    {QT_TRANSLATE_NOOP("vmwb::EventLogModel", "Line"),
     QT_TRANSLATE_NOOP("vmwb::EventLogModel",
                       "Source line of the instruction (double-click a row to go there)")},
    {QT_TRANSLATE_NOOP("vmwb::EventLogModel", "RIP"),
     QT_TRANSLATE_NOOP("vmwb::EventLogModel", "Guest address of the instruction")},
    {QT_TRANSLATE_NOOP("vmwb::EventLogModel", "Instruction"),
     QT_TRANSLATE_NOOP("vmwb::EventLogModel", "The guest instruction involved")},
    {QT_TRANSLATE_NOOP("vmwb::EventLogModel", "Cycles"),
     QT_TRANSLATE_NOOP("vmwb::EventLogModel",
                       "Modelled cost of the event in CPU cycles (from the cost preset)")},
    {QT_TRANSLATE_NOOP("vmwb::EventLogModel", "Cause"),
     QT_TRANSLATE_NOOP("vmwb::EventLogModel", "Why it happened, in the lecture's words")},
}};

bool isNumeric(int column)
{
    return column == EventLogModel::NumberColumn || column == EventLogModel::AtColumn ||
           column == EventLogModel::LineColumn || column == EventLogModel::CyclesColumn;
}

bool usesFixedFont(int column)
{
    return column != EventLogModel::KindColumn && column != EventLogModel::CauseColumn;
}

} // namespace

const std::array<EventKindDescriptor, kEventKindCount> &eventKindDescriptors()
{
    return kKinds;
}

const EventKindDescriptor &eventKindDescriptor(EventKind kind)
{
    return kKinds[static_cast<std::size_t>(kind)];
}

QString eventKindTitle(EventKind kind)
{
    return translated(eventKindDescriptor(kind).title);
}

QString eventKindPlural(EventKind kind)
{
    return translated(eventKindDescriptor(kind).plural);
}

QString eventKindDescription(EventKind kind)
{
    return translated(eventKindDescriptor(kind).description);
}

EventLogModel::EventLogModel(QObject *parent, qsizetype capacity)
    : QAbstractTableModel(parent), m_capacity(std::max<qsizetype>(1, capacity)),
      m_colors(WorkbenchColors::forPalette(QGuiApplication::palette())),
      m_fixedFont(QFontDatabase::systemFont(QFontDatabase::FixedFont))
{}

void EventLogModel::append(const QList<Event> &events)
{
    if (events.isEmpty())
        return;
    for (const Event &event : events)
        ++m_counts[static_cast<std::size_t>(event.kind)];

    // A batch larger than the whole log only keeps its newest events.
    qsizetype first = 0;
    if (events.size() > m_capacity) {
        first = events.size() - m_capacity;
        m_dropped += first;
    }
    const qsizetype incoming = events.size() - first;
    const qsizetype size = static_cast<qsizetype>(m_events.size());
    const qsizetype excess = size + incoming - m_capacity;
    if (excess > 0) {
        beginRemoveRows({}, 0, static_cast<int>(excess - 1));
        m_events.erase(m_events.begin(), m_events.begin() + excess);
        m_dropped += excess;
        endRemoveRows();
    }

    const int row = static_cast<int>(m_events.size());
    beginInsertRows({}, row, row + static_cast<int>(incoming) - 1);
    m_events.insert(m_events.end(), events.cbegin() + first, events.cend());
    endInsertRows();
}

void EventLogModel::truncate(qint64 total)
{
    if (total >= totalAppended())
        return;
    if (total <= m_dropped) {
        // The rows that would stay were dropped for the capacity already.
        clear();
        return;
    }
    const auto keep = static_cast<qsizetype>(total - m_dropped);
    beginRemoveRows({}, static_cast<int>(keep), static_cast<int>(m_events.size()) - 1);
    for (auto it = m_events.begin() + keep; it != m_events.end(); ++it)
        --m_counts[static_cast<std::size_t>(it->kind)];
    m_events.erase(m_events.begin() + keep, m_events.end());
    endRemoveRows();
}

void EventLogModel::clear()
{
    beginResetModel();
    m_events.clear();
    m_dropped = 0;
    m_counts.fill(0);
    endResetModel();
}

void EventLogModel::setColors(const WorkbenchColors &colors)
{
    m_colors = colors;
    if (!m_events.empty())
        emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1),
                         {Qt::DecorationRole, Qt::ForegroundRole, Qt::BackgroundRole});
}

void EventLogModel::setFixedFont(const QFont &font)
{
    m_fixedFont = font;
    if (!m_events.empty())
        emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1), {Qt::FontRole});
}

int EventLogModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_events.size());
}

int EventLogModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant EventLogModel::display(const Event &event, int row, int column) const
{
    switch (column) {
    case NumberColumn:
        return number(static_cast<qulonglong>(m_dropped + row + 1));
    case AtColumn:
        return number(event.index);
    case KindColumn:
        return eventKindTitle(event.kind);
    case LineColumn:
        return event.line > 0 ? QString::number(event.line) : QString();
    case RipColumn:
        return hex(event.rip);
    case InstructionColumn:
        return event.instruction;
    case CyclesColumn:
        return number(event.cycles);
    case CauseColumn:
        return event.cause;
    default:
        break;
    }
    return {};
}

QVariant EventLogModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Event &e = event(index.row());
    const int column = index.column();
    switch (role) {
    case Qt::DisplayRole:
        return display(e, index.row(), column);
    case Qt::ToolTipRole: {
        // Rich text, so that a long cause wraps instead of running across the screen.
        const QString what = column == KindColumn ? eventKindDescription(e.kind) : e.cause;
        return QStringLiteral("<p><b>%1</b></p><p>%2</p>")
            .arg(eventKindTitle(e.kind).toHtmlEscaped(), what.toHtmlEscaped());
    }
    case Qt::DecorationRole:
        if (column == KindColumn)
            return m_colors.event(e.kind);
        break;
    case Qt::BackgroundRole:
        // Holes and guest faults are what a demo is about: they stand out in a long log.
        if (e.kind == EventKind::Hole || e.kind == EventKind::GuestFault) {
            QColor tint = m_colors.event(e.kind);
            tint.setAlpha(m_colors.dark ? 70 : 40);
            return tint;
        }
        break;
    case Qt::ForegroundRole:
        if (column == NumberColumn || column == AtColumn)
            return m_colors.dimText;
        break;
    case Qt::FontRole:
        if (usesFixedFont(column))
            return m_fixedFont;
        break;
    case Qt::TextAlignmentRole:
        if (isNumeric(column))
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        return QVariant::fromValue(Qt::AlignLeft | Qt::AlignVCenter);
    case KindRole:
        return static_cast<int>(e.kind);
    case LineRole:
        return e.line;
    case RipRole:
        return static_cast<qulonglong>(e.rip);
    default:
        break;
    }
    return {};
}

QVariant EventLogModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    return columnHeaderData(kColumns, "vmwb::EventLogModel", section, orientation, role,
                            CauseColumn);
}

EventKindFilter::EventKindFilter(QObject *parent) : QSortFilterProxyModel(parent)
{
    m_shown.set();
}

void EventKindFilter::setShown(EventKind kind, bool shown)
{
    auto kinds = m_shown;
    kinds.set(static_cast<std::size_t>(kind), shown);
    setShownKinds(kinds);
}

void EventKindFilter::setShownKinds(std::bitset<kEventKindCount> kinds)
{
    if (kinds == m_shown)
        return;
    // Qt 6.4 has no beginFilterChange(); invalidateFilter() re-evaluates every row.
    m_shown = kinds;
    invalidateFilter();
}

bool EventKindFilter::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    if (m_shown.all())
        return true;
    const QModelIndex index = sourceModel()->index(sourceRow, 0, sourceParent);
    const int kind = sourceModel()->data(index, EventLogModel::KindRole).toInt();
    return kind >= 0 && static_cast<std::size_t>(kind) < kEventKindCount &&
           m_shown.test(static_cast<std::size_t>(kind));
}

} // namespace vmwb
