#include "rss/IndirectionTableView.h"

#include "rss/RssFormat.h"

#include <QEvent>
#include <QHelpEvent>
#include <QLocale>
#include <QMenu>
#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>
#include <algorithm>
#include <cmath>
#include <numeric>

namespace vmwb {

namespace {

constexpr double kHotShare = 2.0; // a bucket with this many times its fair share is hot
constexpr std::size_t kMaxHot = 8;

} // namespace

IndirectionTableView::IndirectionTableView(QWidget *parent)
    : QWidget(parent), m_colors(WorkbenchColors::forPalette(palette()))
{
    setObjectName(QStringLiteral("retaView"));
    setAccessibleName(tr("Indirection table"));
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

void IndirectionTableView::setTable(std::vector<int> reta, int queues, std::vector<int> queueCores)
{
    const bool resized = reta.size() != m_reta.size();
    m_reta = std::move(reta);
    m_queues = std::max(queues, 1);
    m_queueCores = std::move(queueCores);
    if (resized)
        updateGeometry();
    update();
}

void IndirectionTableView::setLoad(std::vector<std::uint64_t> bucketPackets)
{
    m_load = std::move(bucketPackets);
    update();
}

void IndirectionTableView::setMarkedBucket(int bucket)
{
    if (bucket == m_marked)
        return;
    m_marked = bucket;
    update();
}

void IndirectionTableView::setEditable(bool editable)
{
    m_editable = editable;
    setCursor(editable ? Qt::PointingHandCursor : Qt::ArrowCursor);
    update();
}

int IndirectionTableView::columns() const
{
    return m_reta.size() > 256 ? 32 : 16;
}

int IndirectionTableView::rows() const
{
    const auto c = static_cast<std::size_t>(columns());
    return std::max(1, static_cast<int>((m_reta.size() + c - 1) / c));
}

// Cells as wide as the columns allow and a little less high, flatter if the height is short.
QSizeF IndirectionTableView::cellSize() const
{
    const double w = std::max(6.0, static_cast<double>(width() - 2) / columns());
    const double h = std::min(w * 0.8, static_cast<double>(height() - 2) / rows());
    return {w, std::max(4.0, h)};
}

QSize IndirectionTableView::sizeHint() const
{
    const int line = QFontMetrics(font()).height();
    return {columns() * line * 2, rows() * line * 8 / 5 + 2};
}

QSize IndirectionTableView::minimumSizeHint() const
{
    const int line = QFontMetrics(font()).height();
    return {columns() * line, rows() * line * 3 / 4 + 2};
}

QRect IndirectionTableView::cellRect(int bucket) const
{
    if (bucket < 0 || static_cast<std::size_t>(bucket) >= m_reta.size())
        return {};
    const QSizeF size = cellSize();
    const double w = size.width();
    const double h = size.height();
    const int column = bucket % columns();
    const int row = bucket / columns();
    return QRectF(1 + column * w, 1 + row * h, w, h).toAlignedRect().adjusted(0, 0, -1, -1);
}

int IndirectionTableView::bucketAt(const QPoint &position) const
{
    const QSizeF size = cellSize();
    const double w = size.width();
    const double h = size.height();
    if (position.x() < 1 || position.y() < 1)
        return -1;
    const auto column = static_cast<int>((position.x() - 1) / w);
    const auto row = static_cast<int>((position.y() - 1) / h);
    if (column >= columns())
        return -1;
    const int bucket = row * columns() + column;
    return static_cast<std::size_t>(bucket) < m_reta.size() ? bucket : -1;
}

std::vector<int> IndirectionTableView::hotBuckets() const
{
    const std::uint64_t total = std::accumulate(m_load.begin(), m_load.end(), std::uint64_t{0});
    std::vector<int> hot;
    if (total == 0 || m_load.empty())
        return hot;
    const double fair = static_cast<double>(total) / static_cast<double>(m_load.size());
    for (std::size_t b = 0; b < m_load.size(); ++b) {
        if (static_cast<double>(m_load[b]) > kHotShare * fair)
            hot.push_back(static_cast<int>(b));
    }
    std::stable_sort(hot.begin(), hot.end(), [this](int a, int b) {
        return m_load[static_cast<std::size_t>(a)] > m_load[static_cast<std::size_t>(b)];
    });
    if (hot.size() > kMaxHot)
        hot.resize(kMaxHot);
    return hot;
}

void IndirectionTableView::paintEvent(QPaintEvent *)
{
    QPainter painter(this);
    const bool dark = m_colors.dark;
    const QColor text = palette().color(QPalette::WindowText);
    const std::uint64_t busiest =
        m_load.empty() ? 0 : *std::max_element(m_load.begin(), m_load.end());
    // A table the NIC does not use has no load to show.
    const std::vector<int> hot = m_editable ? hotBuckets() : std::vector<int>{};
    QFont small = font();
    const double w = cellSize().width();
    if (QFontMetricsF(small).height() > cellSize().height() * 0.8)
        small.setPointSizeF(std::max(6.0, small.pointSizeF() * 0.8));
    painter.setFont(small);
    const bool numbers = QFontMetricsF(small).horizontalAdvance(QStringLiteral("63")) < w - 2;
    for (std::size_t b = 0; b < m_reta.size(); ++b) {
        const QRect cell = cellRect(static_cast<int>(b));
        const int queue = m_reta[b];
        const int core = queue >= 0 && static_cast<std::size_t>(queue) < m_queueCores.size()
                             ? m_queueCores[static_cast<std::size_t>(queue)]
                             : queue;
        QColor fill = coreColor(core, dark);
        fill.setAlpha(m_editable ? (dark ? 150 : 120) : 50);
        painter.fillRect(cell, fill);
        if (m_editable && busiest > 0 && b < m_load.size() && m_load[b] > 0) {
            // The bucket's load as a bar along the cell's bottom.
            const double share = static_cast<double>(m_load[b]) / static_cast<double>(busiest);
            const int barHeight = std::max(2, cell.height() / 5);
            painter.fillRect(QRectF(cell.left(), cell.bottom() - barHeight + 1,
                                    std::max(1.0, cell.width() * share), barHeight),
                             coreColor(core, dark).darker(dark ? 70 : 150));
        }
        if (numbers) {
            painter.setPen(text);
            painter.drawText(cell.adjusted(0, 0, 0, -cell.height() / 6), Qt::AlignCenter,
                             QString::number(queue));
        }
    }
    painter.setBrush(Qt::NoBrush);
    for (int bucket : hot) {
        painter.setPen(QPen(m_colors.error, 2));
        painter.drawRect(cellRect(bucket).adjusted(1, 1, -1, -1));
    }
    if (m_marked >= 0 && static_cast<std::size_t>(m_marked) < m_reta.size()) {
        painter.setPen(QPen(text, 2, Qt::DotLine));
        painter.drawRect(cellRect(m_marked).adjusted(2, 2, -2, -2));
    }
}

void IndirectionTableView::mousePressEvent(QMouseEvent *event)
{
    QWidget::mousePressEvent(event);
    const int bucket = bucketAt(event->position().toPoint());
    if (!m_editable || bucket < 0)
        return;
    if (event->button() == Qt::LeftButton) {
        const int next = (m_reta[static_cast<std::size_t>(bucket)] + 1) % m_queues;
        m_reta[static_cast<std::size_t>(bucket)] = next;
        update();
        emit entryChanged(bucket, next);
    } else if (event->button() == Qt::RightButton) {
        chooseQueue(bucket, event->globalPosition().toPoint());
    }
}

void IndirectionTableView::chooseQueue(int bucket, const QPoint &globalPosition)
{
    QMenu menu(this);
    menu.addSection(tr("Bucket %1 goes to").arg(bucket));
    for (int q = 0; q < m_queues; ++q) {
        const int core = static_cast<std::size_t>(q) < m_queueCores.size()
                             ? m_queueCores[static_cast<std::size_t>(q)]
                             : q;
        QAction *action = menu.addAction(tr("queue %1 (core %2)").arg(q).arg(core));
        action->setCheckable(true);
        action->setChecked(m_reta[static_cast<std::size_t>(bucket)] == q);
        action->setData(q);
    }
    const QAction *chosen = menu.exec(globalPosition);
    if (chosen == nullptr)
        return;
    const int queue = chosen->data().toInt();
    m_reta[static_cast<std::size_t>(bucket)] = queue;
    update();
    emit entryChanged(bucket, queue);
}

bool IndirectionTableView::event(QEvent *event)
{
    if (event->type() == QEvent::ToolTip) {
        const auto *help = static_cast<QHelpEvent *>(event);
        const int bucket = bucketAt(help->pos());
        if (bucket < 0) {
            QToolTip::hideText();
            return true;
        }
        const auto b = static_cast<std::size_t>(bucket);
        const int queue = m_reta[b];
        const int core = queue >= 0 && static_cast<std::size_t>(queue) < m_queueCores.size()
                             ? m_queueCores[static_cast<std::size_t>(queue)]
                             : queue;
        const std::uint64_t packets = b < m_load.size() ? m_load[b] : 0;
        QString tip = tr("<b>Bucket %1</b> (hash low bits = %1) \u2192 queue %2 \u2192 core %3"
                         "<br>%4 packets since the table last changed")
                          .arg(bucket)
                          .arg(queue)
                          .arg(core)
                          .arg(QLocale().toString(static_cast<qulonglong>(packets)));
        if (m_editable)
            tip += tr("<br><i>Click: next queue. Right-click: choose the queue.</i>");
        QToolTip::showText(help->globalPos(), tip, this);
        return true;
    }
    return QWidget::event(event);
}

void IndirectionTableView::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) {
        m_colors = WorkbenchColors::forPalette(palette());
        update();
    } else if (event->type() == QEvent::FontChange) {
        updateGeometry();
        update();
    }
}

} // namespace vmwb
