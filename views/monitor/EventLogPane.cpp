#include "monitor/EventLogPane.h"

#include "common/Colors.h"
#include "common/PaddedItemDelegate.h"
#include "controller/WorkbenchController.h"
#include "core/Hex.h"
#include "monitor/EventLogModel.h"

#include <QAction>
#include <QApplication>
#include <QEvent>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QIcon>
#include <QKeyEvent>
#include <QLabel>
#include <QLocale>
#include <QMenu>
#include <QMouseEvent>
#include <QPainter>
#include <QPixmap>
#include <QScrollBar>
#include <QSlider>
#include <QStyle>
#include <QTableView>
#include <QToolButton>
#include <QVBoxLayout>

namespace vmwb {

namespace {

// A rounded colour mark for menus, drawn for 1x and 2x screens so that it stays crisp.
QIcon swatch(const QColor &color, const QColor &border)
{
    QIcon icon;
    for (const qreal ratio : {1.0, 2.0}) {
        constexpr int kSize = 16;
        QPixmap pixmap(static_cast<int>(kSize * ratio), static_cast<int>(kSize * ratio));
        pixmap.setDevicePixelRatio(ratio);
        pixmap.fill(Qt::transparent);
        QPainter painter(&pixmap);
        painter.setRenderHint(QPainter::Antialiasing);
        painter.setPen(QPen(border, 1.0));
        painter.setBrush(color);
        painter.drawRoundedRect(QRectF(2.5, 2.5, kSize - 5, kSize - 5), 2.5, 2.5);
        painter.end();
        icon.addPixmap(pixmap);
    }
    return icon;
}

QString joinedTitles(const std::array<QAction *, kEventKindCount> &actions)
{
    QStringList titles;
    for (std::size_t i = 0; i < actions.size(); ++i) {
        if (actions[i]->isChecked())
            titles << eventKindTitle(static_cast<EventKind>(i));
    }
    return titles.join(QStringLiteral(", "));
}

int checkedCount(const std::array<QAction *, kEventKindCount> &actions)
{
    int count = 0;
    for (const QAction *action : actions)
        count += action->isChecked() ? 1 : 0;
    return count;
}

} // namespace

EventLogPane::EventLogPane(WorkbenchController &controller, QWidget *parent)
    : Pane(tr("Event log"), QStringLiteral("eventlog"), controller, parent)
{
    m_model = new EventLogModel(this);
    m_filter = new EventKindFilter(this);
    m_filter->setSourceModel(m_model);

    auto *content = new QWidget(this);
    auto *layout = new QVBoxLayout(content);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->setSpacing(4);

    auto *bar = new QHBoxLayout;
    bar->setSpacing(8);
    m_showButton = new QToolButton(content);
    m_showButton->setObjectName(QStringLiteral("showKinds"));
    m_showButton->setPopupMode(QToolButton::InstantPopup);
    m_showButton->setToolButtonStyle(Qt::ToolButtonTextOnly);
    m_showButton->setFocusPolicy(Qt::StrongFocus);
    m_showButton->setToolTip(tr("Choose which kinds of event the log shows. Hidden events are "
                                "still recorded and counted."));
    m_breakButton = new QToolButton(content);
    m_breakButton->setObjectName(QStringLiteral("breakOnKinds"));
    m_breakButton->setPopupMode(QToolButton::InstantPopup);
    m_breakButton->setToolButtonStyle(Qt::ToolButtonTextOnly);
    m_breakButton->setFocusPolicy(Qt::StrongFocus);
    m_breakButton->setToolTip(tr("Choose kinds of event that pause a run: the guest stops right "
                                 "after such an event is recorded."));
    m_summary = new QLabel(content);
    m_summary->setObjectName(QStringLiteral("eventSummary"));
    m_summary->setWordWrap(true);
    m_summary->setTextFormat(Qt::RichText);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_summary->setToolTip(tr("How many events of each kind this run has recorded"));
    bar->addWidget(m_showButton);
    bar->addWidget(m_breakButton);
    bar->addWidget(m_summary, 1);
    layout->addLayout(bar);

    m_table = new QTableView(content);
    m_table->setObjectName(QStringLiteral("eventTable"));
    m_table->setModel(m_filter);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setAlternatingRowColors(true);
    m_table->setWordWrap(false);
    m_table->setShowGrid(false);
    m_table->setItemDelegate(new PaddedItemDelegate(m_table));
    m_table->setTextElideMode(Qt::ElideRight);
    m_table->setCornerButtonEnabled(false);
    m_table->verticalHeader()->hide();
    // Fixed row heights and column widths: nothing is measured per row, so appending thousands
    // of events while the guest runs stays cheap.
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->horizontalHeader()->setHighlightSections(false);
    m_table->setToolTip(
        tr("Events of this run, newest at the bottom. Double-click or press "
           "Enter on an event to show its line in the editor. Right-click the column titles "
           "to choose the columns."));
    // On a projector with large fonts, hiding a column or two leaves room for the cause.
    QHeaderView *header = m_table->horizontalHeader();
    header->setContextMenuPolicy(Qt::ActionsContextMenu);
    for (int column = 0; column < EventLogModel::ColumnCount; ++column) {
        const QString title = m_model->headerData(column, Qt::Horizontal).toString();
        auto *action = new QAction(title, header);
        action->setCheckable(true);
        action->setChecked(true);
        action->setToolTip(tr("Show the column \"%1\"").arg(title));
        connect(action, &QAction::toggled, m_table,
                [this, column](bool shown) { m_table->setColumnHidden(column, !shown); });
        header->addAction(action);
    }
    layout->addWidget(m_table, 1);

    auto *historyRow = new QHBoxLayout;
    historyRow->setSpacing(8);
    auto *historyTitle = new QLabel(tr("History:"), content);
    m_history = new QSlider(Qt::Horizontal, content);
    m_history->setObjectName(QStringLiteral("historySlider"));
    m_history->setPageStep(1);
    m_history->setFocusPolicy(Qt::StrongFocus);
    m_history->setToolTip(
        tr("Go back in time: move the slider to an earlier event, and the machine returns to "
           "the moment that event happened, just before its instruction ran (an interrupt that "
           "arrived at that moment has already been delivered). Later events leave the log; "
           "Step and Run go forward again. The right end is now."));
    historyTitle->setBuddy(m_history);
    historyTitle->setToolTip(m_history->toolTip());
    m_historyLabel = new QLabel(content);
    m_historyLabel->setObjectName(QStringLiteral("historyPosition"));
    m_historyLabel->setToolTip(m_history->toolTip());
    historyRow->addWidget(historyTitle);
    historyRow->addWidget(m_history, 1);
    historyRow->addWidget(m_historyLabel);
    layout->addLayout(historyRow);
    connect(m_history, &QSlider::valueChanged, this, [this] {
        showHistoryPosition();
        if (!m_settingHistory && !m_history->isSliderDown())
            goBackToSliderEvent();
    });
    connect(m_history, &QSlider::sliderReleased, this, [this] { goBackToSliderEvent(); });

    // The cause column is elided in the table; here the selected event reads in full.
    m_detail = new QLabel(content);
    m_detail->setObjectName(QStringLiteral("eventDetail"));
    m_detail->setWordWrap(true);
    m_detail->setTextFormat(Qt::RichText);
    m_detail->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_detail->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    m_detail->setToolTip(tr("The selected event: where it happened and why"));
    layout->addWidget(m_detail);
    setWidget(content);

    buildMenus();
    updateColors();
    updateFonts();

    QScrollBar *scroll = m_table->verticalScrollBar();
    connect(scroll, &QScrollBar::valueChanged, this,
            [this, scroll](int value) { m_followNewest = value >= scroll->maximum(); });
    connect(scroll, &QScrollBar::rangeChanged, this, [this, scroll](int, int maximum) {
        if (m_followNewest)
            scroll->setValue(maximum);
    });
    connect(m_table, &QAbstractItemView::activated, this, &EventLogPane::activateRow);
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this] { updateDetail(); });
    connect(m_filter, &QAbstractItemModel::modelReset, this, [this] { updateDetail(); });

    connect(&controller, &WorkbenchController::eventsAppended, this,
            [this](const QList<Event> &events) {
                m_model->append(events);
                requestRefresh();
            });
    connect(&controller, &WorkbenchController::eventsCleared, this, [this] {
        m_model->clear();
        m_followNewest = true;
        requestRefresh();
    });
    connect(&controller, &WorkbenchController::eventsTruncated, this, [this](qint64 count) {
        m_model->truncate(count);
        requestRefresh();
    });
    connect(&controller, &WorkbenchController::runningChanged, this, [this] { requestRefresh(); });
    connect(&controller, &WorkbenchController::stateChanged, this, [this] { requestRefresh(); });
    connect(&controller, &WorkbenchController::settingsChanged, this,
            [this] { syncBreakOnFromController(); });

    syncBreakOnFromController();
    updateButtons();
    updateSummary();
    updateDetail();
    updateHistory();
}

QAction *EventLogPane::showAction(EventKind kind) const
{
    return m_showActions[static_cast<std::size_t>(kind)];
}

QAction *EventLogPane::breakOnAction(EventKind kind) const
{
    return m_breakActions[static_cast<std::size_t>(kind)];
}

QString EventLogPane::summary() const
{
    return m_summary->text();
}

QString EventLogPane::detail() const
{
    return m_detail->text();
}

void EventLogPane::buildMenus()
{
    m_showMenu = new QMenu(m_showButton);
    m_showMenu->setObjectName(QStringLiteral("showMenu"));
    m_showMenu->setToolTipsVisible(true);
    m_showAll = m_showMenu->addAction(tr("Show all kinds"));
    m_showAll->setToolTip(tr("Show every event in the log"));
    connect(m_showAll, &QAction::triggered, this, [this] {
        for (QAction *action : m_showActions)
            action->setChecked(true);
    });
    m_showMenu->addSeparator();

    m_breakMenu = new QMenu(m_breakButton);
    m_breakMenu->setObjectName(QStringLiteral("breakMenu"));
    m_breakMenu->setToolTipsVisible(true);
    m_breakNone = m_breakMenu->addAction(tr("Do not break on events"));
    m_breakNone->setToolTip(tr("Runs only pause at breakpoints, at the end or when you press "
                               "Pause"));
    connect(m_breakNone, &QAction::triggered, this, [this] {
        for (QAction *action : m_breakActions)
            action->setChecked(false);
    });
    m_breakMenu->addSeparator();

    for (const EventKindDescriptor &descriptor : eventKindDescriptors()) {
        const auto i = static_cast<std::size_t>(descriptor.kind);
        const QString title = eventKindTitle(descriptor.kind);
        const QString description = eventKindDescription(descriptor.kind);

        QAction *show = m_showMenu->addAction(title);
        show->setCheckable(true);
        show->setChecked(true);
        show->setToolTip(description);
        show->setData(static_cast<int>(descriptor.kind));
        connect(show, &QAction::toggled, this, [this] { applyShownKinds(); });
        m_showActions[i] = show;

        QAction *brk = m_breakMenu->addAction(title);
        brk->setCheckable(true);
        brk->setToolTip(tr("Pause the run right after an event of this kind: %1").arg(description));
        brk->setData(static_cast<int>(descriptor.kind));
        connect(brk, &QAction::toggled, this, [this] { applyBreakOn(); });
        m_breakActions[i] = brk;
    }
    // Ticking several kinds in a row should not need reopening the menu each time.
    m_showMenu->installEventFilter(this);
    m_breakMenu->installEventFilter(this);
    m_showButton->setMenu(m_showMenu);
    m_breakButton->setMenu(m_breakMenu);
}

bool EventLogPane::eventFilter(QObject *watched, QEvent *event)
{
    auto *menu = qobject_cast<QMenu *>(watched);
    if (menu == nullptr || (menu != m_showMenu && menu != m_breakMenu))
        return Pane::eventFilter(watched, event);
    QAction *action = nullptr;
    if (event->type() == QEvent::MouseButtonRelease) {
        const auto *mouse = static_cast<QMouseEvent *>(event);
        action = menu->actionAt(mouse->position().toPoint());
    } else if (event->type() == QEvent::KeyPress) {
        const int key = static_cast<QKeyEvent *>(event)->key();
        if (key == Qt::Key_Space || key == Qt::Key_Return || key == Qt::Key_Enter)
            action = menu->activeAction();
    }
    if (action != nullptr && action->isCheckable() && action->isEnabled()) {
        action->toggle();
        return true;
    }
    return Pane::eventFilter(watched, event);
}

void EventLogPane::applyShownKinds()
{
    std::bitset<kEventKindCount> kinds;
    for (std::size_t i = 0; i < m_showActions.size(); ++i)
        kinds.set(i, m_showActions[i]->isChecked());
    m_filter->setShownKinds(kinds);
    updateButtons();
    updateSummary();
}

void EventLogPane::applyBreakOn()
{
    QSet<EventKind> kinds;
    for (std::size_t i = 0; i < m_breakActions.size(); ++i) {
        if (m_breakActions[i]->isChecked())
            kinds.insert(static_cast<EventKind>(i));
    }
    if (kinds != controller().breakOnEvents())
        controller().setBreakOnEvents(kinds);
    updateButtons();
}

void EventLogPane::syncBreakOnFromController()
{
    const QSet<EventKind> &kinds = controller().breakOnEvents();
    for (std::size_t i = 0; i < m_breakActions.size(); ++i) {
        QAction *action = m_breakActions[i];
        const bool checked = kinds.contains(static_cast<EventKind>(i));
        if (action->isChecked() != checked) {
            const QSignalBlocker blocker(action);
            action->setChecked(checked);
        }
    }
    updateButtons();
}

void EventLogPane::updateButtons()
{
    const int shown = checkedCount(m_showActions);
    QString shownText;
    if (shown == static_cast<int>(kEventKindCount))
        shownText = tr("all kinds");
    else if (shown == 0)
        shownText = tr("nothing");
    else if (shown <= 2)
        shownText = joinedTitles(m_showActions);
    else
        shownText = tr("%1 of %2 kinds").arg(shown).arg(kEventKindCount);
    m_showButton->setText(tr("Show: %1").arg(shownText));

    const int breaking = checkedCount(m_breakActions);
    QString breakText;
    if (breaking == 0)
        breakText = tr("nothing");
    else if (breaking <= 2)
        breakText = joinedTitles(m_breakActions);
    else
        breakText = tr("%1 kinds").arg(breaking);
    m_breakButton->setText(tr("Break on: %1").arg(breakText));
}

void EventLogPane::updateSummary()
{
    const QLocale locale;
    const WorkbenchColors colors = WorkbenchColors::forPalette(palette());
    const QString separator = QStringLiteral("&nbsp;&nbsp; ");
    QStringList parts;
    parts << tr("%1 events").arg(locale.toString(m_model->totalAppended())).toHtmlEscaped();
    for (const EventKindDescriptor &descriptor : eventKindDescriptors()) {
        const qint64 count = m_model->count(descriptor.kind);
        if (count == 0)
            continue;
        // The kind's colour mark, as in the table.
        parts << QStringLiteral("<span style=\"color:%1\">&#9632;</span>&nbsp;%2")
                     .arg(colors.event(descriptor.kind).name(),
                          tr("%1 %2")
                              .arg(eventKindPlural(descriptor.kind), locale.toString(count))
                              .toHtmlEscaped()
                              .replace(QLatin1Char(' '), QStringLiteral("&nbsp;")));
    }
    QStringList notes;
    if (!m_filter->showsAll())
        notes << tr("showing %1").arg(locale.toString(m_filter->rowCount()));
    if (m_model->droppedRows() > 0)
        notes << tr("oldest %1 rows dropped").arg(locale.toString(m_model->droppedRows()));
    if (const auto notStored = controller().snapshot().eventsNotStored; notStored > 0)
        notes << tr("%1 more counted but not stored").arg(locale.toString(notStored));
    QString text = parts.join(separator);
    if (!notes.isEmpty())
        text += separator +
                QStringLiteral("<span style=\"color:%1\">(%2)</span>")
                    .arg(colors.dimText.name(), notes.join(QStringLiteral(", ")).toHtmlEscaped());
    m_summary->setText(text);
}

void EventLogPane::updateDetail()
{
    const QModelIndex current = m_table->selectionModel()->currentIndex();
    const WorkbenchColors colors = WorkbenchColors::forPalette(palette());
    if (!current.isValid()) {
        m_detail->setText(
            QStringLiteral("<span style=\"color:%1\">%2</span>")
                .arg(colors.dimText.name(),
                     tr("Select an event to read its cause in full.").toHtmlEscaped()));
        return;
    }
    const int row = m_filter->mapToSource(current).row();
    const Event &event = m_model->event(row);
    const QString fixed = QFontDatabase::systemFont(QFontDatabase::FixedFont).family();
    QStringList where;
    if (event.line > 0)
        where << tr("line %1").arg(event.line).toHtmlEscaped();
    where
        << QStringLiteral("<span style=\"font-family:'%1'\">%2</span>").arg(fixed, hex(event.rip));
    if (!event.instruction.isEmpty())
        where << QStringLiteral("<span style=\"font-family:'%1'\">%2</span>")
                     .arg(fixed, event.instruction.toHtmlEscaped());
    where << tr("%1 cycles")
                 .arg(QLocale().toString(static_cast<qulonglong>(event.cycles)))
                 .toHtmlEscaped();
    m_detail->setText(
        QStringLiteral("<span style=\"color:%1\">&#9632;</span>&nbsp;<b>%2</b> &nbsp;%3<br>%4")
            .arg(colors.event(event.kind).name(), eventKindTitle(event.kind).toHtmlEscaped(),
                 where.join(QStringLiteral(" &middot; ")), event.cause.toHtmlEscaped()));
}

void EventLogPane::updateColors()
{
    const WorkbenchColors colors = WorkbenchColors::forPalette(palette());
    m_model->setColors(colors);
    for (std::size_t i = 0; i < kEventKindCount; ++i) {
        const QIcon icon = swatch(colors.event(static_cast<EventKind>(i)), colors.dimText);
        m_showActions[i]->setIcon(icon);
        m_breakActions[i]->setIcon(icon);
    }
    // The summary and the detail carry colours in their rich text.
    updateSummary();
    updateDetail();
}

void EventLogPane::updateFonts()
{
    QFont fixed = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    fixed.setPointSizeF(m_table->font().pointSizeF());
    m_model->setFixedFont(fixed);

    const QFontMetrics text(m_table->font());
    const QFontMetrics mono(fixed);
    const int rowHeight = std::max(text.height(), mono.height()) + 8;
    m_table->verticalHeader()->setDefaultSectionSize(rowHeight);
    m_table->verticalHeader()->setMinimumSectionSize(rowHeight);
    // Room for a long cause without the table jumping as the selection moves.
    m_detail->setMinimumHeight(3 * text.lineSpacing() + 4);

    const int padding = 2 * text.averageCharWidth() + 4 + 2 * PaddedItemDelegate::kDefaultPadding;
    auto fit = [&](int column, int contentWidth) {
        const QString header =
            m_model->headerData(column, Qt::Horizontal, Qt::DisplayRole).toString();
        const int headerWidth = text.horizontalAdvance(header) + padding + 8;
        m_table->setColumnWidth(column, std::max(contentWidth + padding, headerWidth));
    };
    int kindWidth = 0;
    for (const EventKindDescriptor &descriptor : eventKindDescriptors())
        kindWidth = std::max(kindWidth, text.horizontalAdvance(eventKindTitle(descriptor.kind)));
    const int iconWidth = m_table->style()->pixelMetric(QStyle::PM_SmallIconSize) + 6;
    fit(EventLogModel::NumberColumn, mono.horizontalAdvance(QStringLiteral("00,000")));
    fit(EventLogModel::AtColumn, mono.horizontalAdvance(QStringLiteral("0,000,000")));
    fit(EventLogModel::KindColumn, kindWidth + iconWidth);
    fit(EventLogModel::LineColumn, mono.horizontalAdvance(QStringLiteral("0000")));
    fit(EventLogModel::RipColumn, mono.horizontalAdvance(QStringLiteral("0x00000000")));
    fit(EventLogModel::InstructionColumn, mono.horizontalAdvance(QStringLiteral("0").repeated(16)));
    fit(EventLogModel::CyclesColumn, mono.horizontalAdvance(QStringLiteral("00,000")));
}

void EventLogPane::activateRow(const QModelIndex &index)
{
    if (!index.isValid())
        return;
    const int line = index.data(EventLogModel::LineRole).toInt();
    if (line > 0)
        emit lineActivated(line);
}

void EventLogPane::refresh()
{
    syncBreakOnFromController();
    updateSummary();
    updateHistory();
}

QString EventLogPane::historyText() const
{
    return m_historyLabel->text();
}

// The slider spans the events the machine can go back to (those at or after its oldest
// snapshot) and now.
void EventLogPane::updateHistory()
{
    const MachineSnapshot &s = controller().snapshot();
    const int rows = m_model->rowCount();
    int first = rows;
    if (s.historyStart) {
        for (int row = 0; row < rows; ++row) {
            if (m_model->event(row).index >= *s.historyStart) {
                first = row;
                break;
            }
        }
    }
    const QSignalBlocker blocker(m_history);
    m_settingHistory = true;
    m_history->setRange(first, rows);
    m_history->setValue(rows);
    m_settingHistory = false;
    m_history->setEnabled(s.valid && s.historyStart && !controller().isRunning() && first < rows);
    showHistoryPosition();
}

void EventLogPane::showHistoryPosition()
{
    const int rows = m_model->rowCount();
    const int value = m_history->value();
    const QLocale locale;
    if (value >= rows) {
        m_historyLabel->setText(
            tr("now, instruction %1").arg(locale.toString(controller().snapshot().instructions)));
        return;
    }
    const Event &event = m_model->event(value);
    m_historyLabel->setText(tr("event %1: %2 at instruction %3")
                                .arg(locale.toString(m_model->droppedRows() + value + 1),
                                     eventKindTitle(event.kind),
                                     locale.toString(static_cast<qulonglong>(event.index))));
}

void EventLogPane::goBackToSliderEvent()
{
    const int value = m_history->value();
    if (value >= m_model->rowCount() || controller().isRunning())
        return;
    controller().rewindTo(m_model->event(value).index);
}

void EventLogPane::changeEvent(QEvent *event)
{
    Pane::changeEvent(event);
    if (event->type() == QEvent::PaletteChange)
        updateColors();
    else if (event->type() == QEvent::FontChange)
        updateFonts();
}

} // namespace vmwb
