#pragma once

// The event log as a table: one row per event the workbench recorded (traps, holes,
// interrupts, exceptions, device I/O, halts, exits), appended live while the guest runs.

#include "common/Colors.h"
#include "trace/Event.h"

#include <QAbstractTableModel>
#include <QFont>
#include <QList>
#include <QSortFilterProxyModel>
#include <array>
#include <bitset>
#include <deque>

namespace vmwb {

// How the log presents one kind of event. Titles and descriptions are
// QT_TRANSLATE_NOOP("vmwb::EventLogModel", ...); the colour comes from WorkbenchColors.
struct EventKindDescriptor
{
    EventKind kind;
    const char *title;       // short, for the kind column and the filter menus
    const char *plural;      // for counts in the summary: "Traps 12"
    const char *description; // one sentence in the lecture's words
};

// One entry per EventKind, in the enum's order.
const std::array<EventKindDescriptor, kEventKindCount> &eventKindDescriptors();
const EventKindDescriptor &eventKindDescriptor(EventKind kind);
QString eventKindTitle(EventKind kind);       // translated
QString eventKindDescription(EventKind kind); // translated
QString eventKindPlural(EventKind kind);      // translated

class EventLogModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column : int
    {
        NumberColumn,
        AtColumn,
        KindColumn,
        LineColumn,
        RipColumn,
        InstructionColumn,
        CyclesColumn,
        CauseColumn,
        ColumnCount
    };

    enum Role : int
    {
        KindRole = Qt::UserRole + 1, // int(EventKind)
        LineRole,                    // the event's source line, 0 if unknown
        RipRole,                     // guest RIP as qulonglong
    };

    // Enough for long runs; beyond it the oldest rows go, so memory stays bounded.
    static constexpr qsizetype kDefaultCapacity = 100000;

    explicit EventLogModel(QObject *parent = nullptr, qsizetype capacity = kDefaultCapacity);

    void append(const QList<Event> &events);
    // Keeps the first `total` events appended since the last clear() (the machine went back).
    void truncate(qint64 total);
    void clear();

    const Event &event(int row) const { return m_events[static_cast<std::size_t>(row)]; }
    qsizetype capacity() const { return m_capacity; }
    // Events appended since the last clear(), including rows dropped for the capacity.
    qint64 totalAppended() const { return m_dropped + static_cast<qint64>(m_events.size()); }
    qint64 droppedRows() const { return m_dropped; }
    qint64 count(EventKind kind) const { return m_counts[static_cast<std::size_t>(kind)]; }

    // The kind column's marks follow the palette; values use the fixed-width font.
    void setColors(const WorkbenchColors &colors);
    void setFixedFont(const QFont &font);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    QVariant display(const Event &event, int row, int column) const;

    qsizetype m_capacity;
    std::deque<Event> m_events; // deque: the oldest rows leave from the front cheaply
    qint64 m_dropped = 0;
    std::array<qint64, kEventKindCount> m_counts{};
    WorkbenchColors m_colors;
    QFont m_fixedFont;
};

// Shows only the events of the chosen kinds.
class EventKindFilter : public QSortFilterProxyModel
{
    Q_OBJECT

public:
    explicit EventKindFilter(QObject *parent = nullptr);

    bool isShown(EventKind kind) const { return m_shown.test(static_cast<std::size_t>(kind)); }
    bool showsAll() const { return m_shown.all(); }
    void setShown(EventKind kind, bool shown);
    void setShownKinds(std::bitset<kEventKindCount> kinds);
    std::bitset<kEventKindCount> shownKinds() const { return m_shown; }

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    std::bitset<kEventKindCount> m_shown;
};

} // namespace vmwb
