#pragma once

// The event log pane: every trap, hole and interrupt of the run as it happens, filtered by
// kind, with "break on" per kind so that a lecturer can stop right after the first hole.

#include "common/Pane.h"
#include "trace/Event.h"

#include <array>

class QAction;
class QLabel;
class QMenu;
class QSlider;
class QTableView;
class QToolButton;

namespace vmwb {

class EventKindFilter;
class EventLogModel;

class EventLogPane : public Pane
{
    Q_OBJECT

public:
    explicit EventLogPane(WorkbenchController &controller, QWidget *parent = nullptr);

    EventLogModel *model() const { return m_model; }
    // What the table shows: the model through the kind filter.
    EventKindFilter *filter() const { return m_filter; }
    QTableView *table() const { return m_table; }
    // Checkable: whether the log shows events of `kind`.
    QAction *showAction(EventKind kind) const;
    // Checkable: whether a run pauses right after an event of `kind`.
    QAction *breakOnAction(EventKind kind) const;
    QString summary() const;
    // The full account of the selected event under the table.
    QString detail() const;
    // The history slider: one position per event in the log and one for now, at the right. A
    // position left of now takes the machine back to the moment that event happened.
    QSlider *historySlider() const { return m_history; }
    QString historyText() const;

signals:
    // The user activated (double-clicked, or pressed Enter on) an event with a source line.
    void lineActivated(int line);

protected:
    void refresh() override;
    void changeEvent(QEvent *event) override;
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void buildMenus();
    void applyShownKinds();
    void applyBreakOn();
    void syncBreakOnFromController();
    void updateButtons();
    void updateSummary();
    void updateColors();
    void updateFonts();
    void activateRow(const QModelIndex &index);
    void updateDetail();
    void updateHistory();
    void showHistoryPosition();
    void goBackToSliderEvent();

    EventLogModel *m_model = nullptr;
    EventKindFilter *m_filter = nullptr;
    QTableView *m_table = nullptr;
    QToolButton *m_showButton = nullptr;
    QToolButton *m_breakButton = nullptr;
    QMenu *m_showMenu = nullptr;
    QMenu *m_breakMenu = nullptr;
    QAction *m_showAll = nullptr;
    QAction *m_breakNone = nullptr;
    std::array<QAction *, kEventKindCount> m_showActions{};
    std::array<QAction *, kEventKindCount> m_breakActions{};
    QLabel *m_summary = nullptr;
    QLabel *m_detail = nullptr;
    QSlider *m_history = nullptr;
    QLabel *m_historyLabel = nullptr;
    bool m_settingHistory = false; // the slider is being set, not moved by the user
    bool m_followNewest = true;    // the view sticks to the newest row unless the user scrolls up
};

} // namespace vmwb
