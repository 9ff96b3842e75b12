#include "rss/SteeringDiagram.h"

#include "rss/RssFormat.h"

#include <QEvent>
#include <QHelpEvent>
#include <QLocale>
#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <QToolTip>
#include <algorithm>
#include <numeric>

namespace vmwb {

namespace {

constexpr double kBandAlpha = 0.55;

double sum(const std::vector<double> &values)
{
    return std::accumulate(values.begin(), values.end(), 0.0);
}

// A band from one column to the next: the source's slice (top, bottom) at x1 to the target's
// at x2, bent so that it leaves and arrives horizontally.
QPainterPath band(double x1, double top1, double bottom1, double x2, double top2, double bottom2)
{
    const double middle = (x1 + x2) / 2;
    QPainterPath path;
    path.moveTo(x1, top1);
    path.cubicTo(middle, top1, middle, top2, x2, top2);
    path.lineTo(x2, bottom2);
    path.cubicTo(middle, bottom2, middle, bottom1, x1, bottom1);
    path.closeSubpath();
    return path;
}

// Node heights in pixels for values at `scale`, each at least `minimum`, stacked with `gap`
// between them and centred in [top, top + height]: their tops.
std::vector<double> stack(const std::vector<double> &heights, double top, double height, double gap)
{
    const double used =
        sum(heights) + gap * static_cast<double>(std::max<std::size_t>(heights.size(), 1) - 1);
    std::vector<double> tops;
    double y = top + std::max(0.0, (height - used) / 2);
    for (double h : heights) {
        tops.push_back(y);
        y += h + gap;
    }
    return tops;
}

} // namespace

struct SteeringDiagram::Layout
{
    QRectF area; // below the column titles
    double header = 0;
    double labels = 0; // width of the flows' titles
    double node = 10;  // a node's width
    double flowX = 0;
    double queueX = 0;
    double coreX = 0;
    double scale = 0; // pixels per packet
    std::vector<double> rowTop;
    std::vector<double> rowHeight;
    std::vector<double> queueTop;
    std::vector<double> queueHeight;
    std::vector<double> coreTop;
    std::vector<double> coreHeight;
};

SteeringDiagram::SteeringDiagram(QWidget *parent)
    : QWidget(parent), m_colors(WorkbenchColors::forPalette(palette()))
{
    setObjectName(QStringLiteral("steeringDiagram"));
    setAccessibleName(tr("Flows to queues to cores"));
    setMouseTracking(false);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

void SteeringDiagram::clear()
{
    m_top.clear();
    m_many.clear();
    m_restByQueue.clear();
    m_singleByQueue.clear();
    m_restPackets = 0;
    m_restCount = 0;
    m_queueArrivals.clear();
    m_coreWeights.clear();
    m_rows.clear();
    m_queuePackets.clear();
    m_queueCore.clear();
    m_queueToCore.clear();
    m_corePackets.clear();
    m_total = 0;
    update();
}

void SteeringDiagram::setSimulation(const rss::ReceiveSimulation &simulation,
                                    const SampleTotals &totals)
{
    m_mode = simulation.scenario().mode;
    const auto queueCount = static_cast<std::size_t>(std::max(simulation.queueCount(), 1));
    const auto coreCount = static_cast<std::size_t>(std::max(simulation.coreCount(), 1));
    const auto queueIndex = [queueCount](int queue) {
        return queue >= 0 && static_cast<std::size_t>(queue) < queueCount
                   ? static_cast<std::size_t>(queue)
                   : 0;
    };

    // The busiest single flows in order; the rest only as packets per queue. Tens of
    // thousands of flows cost a pass, not a sort, each frame.
    const std::vector<rss::FlowStats> &flows = simulation.flows();
    std::vector<std::size_t> single;
    m_many.clear();
    m_singleByQueue.assign(queueCount, 0.0);
    for (std::size_t i = 0; i < flows.size(); ++i) {
        const rss::FlowStats &flow = flows[i];
        if (flow.packets == 0)
            continue;
        if (flow.manySources) {
            m_many.push_back({static_cast<int>(i), flowTitle(flow), -1, -1, flow.packets});
            continue;
        }
        single.push_back(i);
        m_singleByQueue[queueIndex(flow.queue)] += static_cast<double>(flow.packets);
    }
    const std::size_t top = std::min<std::size_t>(single.size(), kTopFlows);
    std::partial_sort(single.begin(), single.begin() + static_cast<std::ptrdiff_t>(top),
                      single.end(), [&flows](std::size_t a, std::size_t b) {
                          return flows[a].packets > flows[b].packets ||
                                 (flows[a].packets == flows[b].packets && a < b);
                      });
    m_top.clear();
    for (std::size_t k = 0; k < top; ++k) {
        const rss::FlowStats &flow = flows[single[k]];
        m_top.push_back({static_cast<int>(single[k]), flowTitle(flow), flow.core,
                         static_cast<int>(queueIndex(flow.queue)), flow.packets});
    }
    m_restByQueue.assign(queueCount, 0.0);
    m_restPackets = 0;
    m_restCount = static_cast<int>(single.size() - top);
    for (std::size_t k = top; k < single.size(); ++k) {
        const rss::FlowStats &flow = flows[single[k]];
        m_restByQueue[queueIndex(flow.queue)] += static_cast<double>(flow.packets);
        m_restPackets += flow.packets;
    }

    m_queueArrivals.assign(queueCount, 0.0);
    for (std::size_t q = 0; q < queueCount && q < totals.queueArrivals.size(); ++q)
        m_queueArrivals[q] = static_cast<double>(totals.queueArrivals[q]);
    m_queueCore.assign(queueCount, 0);
    for (std::size_t q = 0; q < queueCount; ++q)
        m_queueCore[q] = std::clamp(simulation.coreOfQueue(static_cast<int>(q)), 0,
                                    static_cast<int>(coreCount) - 1);
    // Under RPS the one queue's packets go on in proportion to what each core received.
    m_coreWeights.assign(coreCount, 0.0);
    for (std::size_t c = 0; c < coreCount && c < totals.corePackets.size(); ++c)
        m_coreWeights[c] = static_cast<double>(totals.corePackets[c] + totals.coreDrops[c]);
    m_rowBudget = rowBudget();
    rebuild();
}

// As many rows as fit a line of text each, at most the top flows, "other flows" and a few
// rows of many sources.
int SteeringDiagram::rowBudget() const
{
    const double line = QFontMetricsF(font()).height();
    const double area = height() - (line + 8) - 6;
    const auto fit = static_cast<int>((area + line / 5) / (line + line / 5));
    return std::clamp(fit, 2, kTopFlows + 4);
}

void SteeringDiagram::rebuild()
{
    const std::size_t queueCount = m_queueArrivals.size();
    const std::size_t coreCount = m_coreWeights.size();
    m_rows.clear();

    // The top flows as rows of their own, leaving room for the rows of many sources and for
    // one row of all the other flows.
    const int room = m_rowBudget - static_cast<int>(m_many.size());
    std::size_t top =
        std::min(m_top.size(), static_cast<std::size_t>(std::clamp(room, 1, kTopFlows)));
    const bool others = top < m_top.size() || m_restCount > 0;
    if (others && top > 1 && static_cast<int>(top) == room)
        --top; // the row of other flows needs a line too
    for (std::size_t k = 0; k < top; ++k) {
        const RankedFlow &flow = m_top[k];
        Row row;
        row.title = flow.title;
        row.flow = flow.index;
        row.core = flow.core;
        row.packets = flow.packets;
        row.perQueue.assign(queueCount, 0.0);
        row.perQueue[static_cast<std::size_t>(flow.queue)] = static_cast<double>(flow.packets);
        m_rows.push_back(std::move(row));
    }
    if (!m_many.empty()) {
        // What a queue received beyond the single flows came from the rows of many sources.
        std::vector<double> residual(queueCount, 0.0);
        for (std::size_t q = 0; q < queueCount; ++q)
            residual[q] = std::max(0.0, m_queueArrivals[q] - m_singleByQueue[q]);
        double residualTotal = sum(residual);
        if (residualTotal <= 0) { // no queue counts yet: spread evenly
            std::fill(residual.begin(), residual.end(), 1.0);
            residualTotal = static_cast<double>(queueCount);
        }
        for (const RankedFlow &flow : m_many) {
            Row row;
            row.title = flow.title;
            row.manySources = true;
            row.packets = flow.packets;
            row.perQueue.resize(queueCount);
            for (std::size_t q = 0; q < queueCount; ++q)
                row.perQueue[q] = static_cast<double>(row.packets) * residual[q] / residualTotal;
            m_rows.push_back(std::move(row));
        }
        std::stable_sort(m_rows.begin(), m_rows.end(),
                         [](const Row &a, const Row &b) { return a.packets > b.packets; });
    }
    if (others) {
        Row row;
        row.perQueue = m_restByQueue;
        row.packets = m_restPackets;
        for (std::size_t k = top; k < m_top.size(); ++k) {
            row.packets += m_top[k].packets;
            row.perQueue[static_cast<std::size_t>(m_top[k].queue)] +=
                static_cast<double>(m_top[k].packets);
        }
        const int count = m_restCount + static_cast<int>(m_top.size() - top);
        row.title = tr("%n other flow(s)", nullptr, count);
        m_rows.push_back(std::move(row));
    }

    m_queuePackets.assign(queueCount, 0.0);
    for (const Row &row : m_rows) {
        for (std::size_t q = 0; q < queueCount; ++q)
            m_queuePackets[q] += row.perQueue[q];
    }
    m_total = sum(m_queuePackets);
    m_queueToCore.assign(queueCount, std::vector<double>(coreCount, 0.0));
    const double weightTotal = sum(m_coreWeights);
    for (std::size_t q = 0; q < queueCount; ++q) {
        if (m_mode == rss::SteeringMode::Rps) {
            for (std::size_t c = 0; c < coreCount; ++c)
                m_queueToCore[q][c] =
                    weightTotal > 0 ? m_queuePackets[q] * m_coreWeights[c] / weightTotal : 0.0;
        } else {
            m_queueToCore[q][static_cast<std::size_t>(m_queueCore[q])] = m_queuePackets[q];
        }
    }
    m_corePackets.assign(coreCount, 0.0);
    for (std::size_t q = 0; q < queueCount; ++q) {
        for (std::size_t c = 0; c < coreCount; ++c)
            m_corePackets[c] += m_queueToCore[q][c];
    }
    update();
}

void SteeringDiagram::resizeEvent(QResizeEvent *event)
{
    QWidget::resizeEvent(event);
    if (const int budget = rowBudget(); budget != m_rowBudget) {
        m_rowBudget = budget;
        rebuild();
    }
}

SteeringDiagram::Layout SteeringDiagram::layout() const
{
    Layout l;
    const QFontMetricsF metrics(font());
    const double line = metrics.height();
    l.header = line + 6;
    l.area = QRectF(4, l.header + 2, width() - 8, height() - l.header - 6);
    l.node = std::max(8.0, line / 2);
    l.labels = std::clamp(l.area.width() * 0.36, 120.0, 420.0);
    const double coreLabels = metrics.horizontalAdvance(tr("core %1").arg(63)) +
                              metrics.horizontalAdvance(QStringLiteral(" 100 %")) + 10;
    l.flowX = l.area.left() + l.labels;
    l.coreX = l.area.right() - coreLabels - l.node;
    l.queueX = l.flowX + (l.coreX - l.flowX) * 0.5;
    if (m_total <= 0 || m_rows.empty())
        return l;

    // Rows as thick as their packets, but each at least a line of text high: the scale is
    // what is left for the rows that are thick enough.
    const double rowGap = std::max(2.0, line / 5);
    const double available = l.area.height() - rowGap * static_cast<double>(m_rows.size() - 1);
    const double minimum = std::min(line, available / static_cast<double>(m_rows.size()));
    double scale = available / m_total;
    for (int pass = 0; pass < 8; ++pass) {
        double thin = 0;
        double thick = 0;
        for (const Row &row : m_rows) {
            if (static_cast<double>(row.packets) * scale < minimum)
                thin += minimum;
            else
                thick += static_cast<double>(row.packets);
        }
        if (thick <= 0)
            break;
        scale = std::max(0.0, (available - thin) / thick);
    }
    l.scale = scale;
    for (const Row &row : m_rows)
        l.rowHeight.push_back(std::max(minimum, static_cast<double>(row.packets) * scale));
    l.rowTop = stack(l.rowHeight, l.area.top(), l.area.height(), rowGap);

    const auto column = [&l](const std::vector<double> &values, std::vector<double> &tops,
                             std::vector<double> &heights) {
        heights.clear();
        for (double v : values)
            heights.push_back(std::max(v > 0 ? 1.5 : 1.0, v * l.scale));
        const double free = l.area.height() - sum(heights);
        const double gap =
            values.size() > 1 ? std::clamp(free / static_cast<double>(values.size() - 1), 1.0, 14.0)
                              : 0.0;
        tops = stack(heights, l.area.top(), l.area.height(), gap);
    };
    column(m_queuePackets, l.queueTop, l.queueHeight);
    column(m_corePackets, l.coreTop, l.coreHeight);
    return l;
}

void SteeringDiagram::paintEvent(QPaintEvent *)
{
    QPainter painter(this);
    painter.setRenderHint(QPainter::Antialiasing, true);
    const Layout l = layout();
    const QColor text = palette().color(QPalette::WindowText);
    const QFontMetricsF metrics(font());
    QFont bold = font();
    bold.setBold(true);

    painter.setFont(bold);
    painter.setPen(text);
    const double header = l.header;
    painter.drawText(QRectF(l.area.left(), 0, l.labels, header), Qt::AlignLeft | Qt::AlignVCenter,
                     tr("Flows"));
    painter.drawText(QRectF(l.queueX - 100, 0, 200 + l.node, header), Qt::AlignCenter,
                     m_mode == rss::SteeringMode::Rss ? tr("Queues") : tr("Queue"));
    painter.drawText(QRectF(l.coreX - 60, 0, width() - l.coreX + 56, header), Qt::AlignCenter,
                     tr("Cores"));
    if (m_total <= 0 || m_rows.empty()) {
        painter.setFont(font());
        painter.setPen(m_colors.dimText);
        painter.drawText(rect(), Qt::AlignCenter | Qt::TextWordWrap,
                         tr("No packets yet: press Run."));
        return;
    }
    const bool dark = m_colors.dark;
    const auto translucent = [](QColor color) {
        color.setAlphaF(static_cast<float>(kBandAlpha));
        return color;
    };
    const std::size_t queues = m_queuePackets.size();
    const std::size_t cores = m_corePackets.size();

    // Flows to queues: each row's bands leave it in queue order; each queue stacks the bands
    // that arrive in row order.
    std::vector<double> queueIn(queues, 0.0);
    for (std::size_t q = 0; q < queues; ++q)
        queueIn[q] = l.queueTop[q];
    painter.setPen(Qt::NoPen);
    for (std::size_t r = 0; r < m_rows.size(); ++r) {
        const Row &row = m_rows[r];
        const double thickness = static_cast<double>(row.packets) * l.scale;
        double out = l.rowTop[r] + (l.rowHeight[r] - thickness) / 2;
        for (std::size_t q = 0; q < queues; ++q) {
            const double h = row.perQueue[q] * l.scale;
            if (h <= 0)
                continue;
            QColor color = row.flow >= 0                      ? coreColor(row.core, dark)
                           : m_mode == rss::SteeringMode::Rps ? neutralColor(dark)
                                                              : coreColor(m_queueCore[q], dark);
            painter.setBrush(translucent(color));
            painter.drawPath(
                band(l.flowX + l.node, out, out + h, l.queueX, queueIn[q], queueIn[q] + h));
            out += h;
            queueIn[q] += h;
        }
    }
    // Queues to cores.
    std::vector<double> coreIn(cores, 0.0);
    for (std::size_t c = 0; c < cores; ++c)
        coreIn[c] = l.coreTop[c];
    for (std::size_t q = 0; q < queues; ++q) {
        double out = l.queueTop[q];
        for (std::size_t c = 0; c < cores; ++c) {
            const double h = m_queueToCore[q][c] * l.scale;
            if (h <= 0)
                continue;
            painter.setBrush(translucent(coreColor(static_cast<int>(c), dark)));
            painter.drawPath(
                band(l.queueX + l.node, out, out + h, l.coreX, coreIn[c], coreIn[c] + h));
            out += h;
            coreIn[c] += h;
        }
    }

    // The nodes and their labels.
    painter.setFont(font());
    const double line = metrics.height();
    for (std::size_t r = 0; r < m_rows.size(); ++r) {
        const Row &row = m_rows[r];
        const double thickness = std::max(2.0, static_cast<double>(row.packets) * l.scale);
        const QRectF node(l.flowX, l.rowTop[r] + (l.rowHeight[r] - thickness) / 2, l.node,
                          thickness);
        painter.setPen(Qt::NoPen);
        painter.setBrush(row.flow >= 0 ? coreColor(row.core, dark) : neutralColor(dark));
        painter.drawRect(node);
        const QString share = percentText(static_cast<double>(row.packets) / m_total);
        const double shareWidth = metrics.horizontalAdvance(share) + 8;
        const QRectF label(l.area.left(), l.rowTop[r] + (l.rowHeight[r] - line) / 2, l.labels - 6,
                           line);
        painter.setPen(row.flow >= 0 ? text : m_colors.dimText);
        painter.drawText(label.adjusted(0, 0, -shareWidth, 0), Qt::AlignLeft | Qt::AlignVCenter,
                         metrics.elidedText(row.title, Qt::ElideRight, label.width() - shareWidth));
        painter.setPen(text);
        painter.drawText(label, Qt::AlignRight | Qt::AlignVCenter, share);
    }
    const bool queueLabels = queues <= 16 || l.area.height() / static_cast<double>(queues) >= line;
    for (std::size_t q = 0; q < queues; ++q) {
        const QRectF node(l.queueX, l.queueTop[q], l.node, l.queueHeight[q]);
        painter.setPen(Qt::NoPen);
        painter.setBrush(coreColor(m_queueCore[q], dark));
        painter.drawRect(node);
        if (queueLabels && (l.queueHeight[q] >= line * 0.6 || queues <= 16)) {
            painter.setPen(m_colors.dimText);
            painter.drawText(QRectF(l.queueX - 60, node.center().y() - line / 2, 56, line),
                             Qt::AlignRight | Qt::AlignVCenter, tr("q%1").arg(q));
        }
    }
    const bool coreLabels = cores <= 16 || l.area.height() / static_cast<double>(cores) >= line;
    for (std::size_t c = 0; c < cores; ++c) {
        const QRectF node(l.coreX, l.coreTop[c], l.node, l.coreHeight[c]);
        painter.setPen(Qt::NoPen);
        painter.setBrush(coreColor(static_cast<int>(c), dark));
        painter.drawRect(node);
        if (coreLabels) {
            painter.setPen(text);
            painter.drawText(QRectF(l.coreX + l.node + 6, node.center().y() - line / 2,
                                    width() - l.coreX - l.node - 8, line),
                             Qt::AlignLeft | Qt::AlignVCenter,
                             tr("core %1  %2").arg(c).arg(percentText(m_corePackets[c] / m_total)));
        }
    }
}

int SteeringDiagram::rowAt(const QPoint &position) const
{
    const Layout l = layout();
    for (std::size_t r = 0; r < l.rowTop.size(); ++r) {
        const QRectF slot(l.area.left(), l.rowTop[r], l.labels + l.node, l.rowHeight[r]);
        if (slot.contains(position))
            return static_cast<int>(r);
    }
    return -1;
}

QString SteeringDiagram::rowToolTip(int index) const
{
    if (index < 0 || static_cast<std::size_t>(index) >= m_rows.size())
        return {};
    const Row &row = m_rows[static_cast<std::size_t>(index)];
    const QLocale locale;
    QString where;
    for (std::size_t q = 0; q < row.perQueue.size(); ++q) {
        if (row.perQueue[q] > 0 && row.flow >= 0)
            where = tr("queue %1, core %2").arg(q).arg(row.core);
    }
    if (row.flow < 0)
        where = row.manySources ? tr("every packet a new flow: spread over the queues")
                                : tr("many flows, each on its own queue");
    QString tip =
        tr("<b>%1</b><br>%2 packets (%3)<br>%4")
            .arg(row.title.toHtmlEscaped(), locale.toString(static_cast<qulonglong>(row.packets)),
                 percentText(static_cast<double>(row.packets) / std::max(1.0, m_total)), where);
    if (row.flow >= 0)
        tip += tr("<br><i>Click to see its hash bit by bit.</i>");
    return tip;
}

bool SteeringDiagram::event(QEvent *event)
{
    if (event->type() == QEvent::ToolTip) {
        const auto *help = static_cast<QHelpEvent *>(event);
        const QString tip = rowToolTip(rowAt(help->pos()));
        if (tip.isEmpty())
            QToolTip::hideText();
        else
            QToolTip::showText(help->globalPos(), tip, this);
        return true;
    }
    return QWidget::event(event);
}

void SteeringDiagram::mousePressEvent(QMouseEvent *event)
{
    QWidget::mousePressEvent(event);
    if (event->button() != Qt::LeftButton)
        return;
    const int row = rowAt(event->position().toPoint());
    if (row >= 0 && m_rows[static_cast<std::size_t>(row)].flow >= 0)
        emit flowClicked(m_rows[static_cast<std::size_t>(row)].flow);
}

void SteeringDiagram::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) {
        m_colors = WorkbenchColors::forPalette(palette());
        update();
    } else if (event->type() == QEvent::FontChange) {
        m_rowBudget = rowBudget();
        rebuild();
    }
}

} // namespace vmwb
