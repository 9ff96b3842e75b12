#include "rss/LoadView.h"

#include "rss/RssFormat.h"

#include <QEvent>
#include <QHelpEvent>
#include <QLocale>
#include <QPainter>
#include <QToolTip>
#include <algorithm>
#include <cmath>

namespace vmwb {

namespace {

constexpr std::size_t kRecentSamples = 5;

} // namespace

LoadView::LoadView(QWidget *parent)
    : QWidget(parent), m_colors(WorkbenchColors::forPalette(palette()))
{
    setObjectName(QStringLiteral("loadView"));
    setAccessibleName(tr("Core load and ring occupancy"));
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

void LoadView::clear()
{
    m_cores.clear();
    m_rings.clear();
    update();
}

void LoadView::setSimulation(const rss::ReceiveSimulation &simulation, const SampleTotals &totals)
{
    const rss::Scenario &scenario = simulation.scenario();
    const std::vector<rss::Sample> &samples = simulation.samples();
    const int cores = simulation.coreCount();
    m_rps = scenario.mode == rss::SteeringMode::Rps;
    const std::vector<double> busy = recentLoad(samples, cores, scenario.sampleNs, kRecentSamples);
    const std::size_t recent = std::min(kRecentSamples, samples.size());
    const double seconds =
        static_cast<double>(recent) * static_cast<double>(scenario.sampleNs) / 1e9;

    m_cores.assign(static_cast<std::size_t>(std::max(cores, 0)), CoreLoad{});
    for (std::size_t c = 0; c < m_cores.size(); ++c) {
        CoreLoad &core = m_cores[c];
        core.busy = busy[c];
        std::uint64_t interrupts = 0;
        std::uint64_t ipis = 0;
        for (std::size_t i = samples.size() - recent; i < samples.size(); ++i) {
            if (c < samples[i].cores.size()) {
                interrupts += samples[i].cores[c].interrupts;
                ipis += samples[i].cores[c].ipis;
            }
        }
        if (seconds > 0) {
            core.interruptsPerSecond = static_cast<double>(interrupts) / seconds;
            core.ipisPerSecond = static_cast<double>(ipis) / seconds;
        }
        core.packets = c < totals.corePackets.size() ? totals.corePackets[c] : 0;
        core.drops = c < totals.coreDrops.size() ? totals.coreDrops[c] : 0;
    }

    const std::vector<int> occupancy = simulation.ringOccupancy();
    m_rings.assign(static_cast<std::size_t>(std::max(simulation.queueCount(), 0)), Ring{});
    for (std::size_t q = 0; q < m_rings.size(); ++q) {
        Ring &ring = m_rings[q];
        ring.size = std::max(1, scenario.nic.ringSize);
        ring.occupancy = q < occupancy.size() ? occupancy[q] : 0;
        if (!samples.empty() && q < samples.back().queues.size())
            ring.maxOccupancy = samples.back().queues[q].maxOccupancy;
        ring.core = simulation.coreOfQueue(static_cast<int>(q));
        ring.drops = q < totals.queueDrops.size() ? totals.queueDrops[q] : 0;
    }
    update();
}

LoadView::Geometry LoadView::geometry() const
{
    Geometry g;
    const double line = QFontMetricsF(font()).height();
    const QRectF all = QRectF(rect()).adjusted(4, 2, -4, -2);
    // The cores take most of the height: they are the point; the rings below.
    const double ringsHeight = std::clamp(all.height() * 0.38, 3.5 * line, 7 * line);
    g.cores = QRectF(all.left(), all.top() + line + 2, all.width(),
                     all.height() - ringsHeight - line - 8);
    g.rings = QRectF(all.left(), all.bottom() - ringsHeight + line + 4, all.width(),
                     ringsHeight - line - 4);
    g.coreSlot = m_cores.empty() ? 0 : g.cores.width() / static_cast<double>(m_cores.size());
    g.ringSlot = m_rings.empty() ? 0 : g.rings.width() / static_cast<double>(m_rings.size());
    const QFontMetricsF metrics(font());
    const double numberWidth = metrics.horizontalAdvance(QStringLiteral("99.9k IPI/s"));
    g.coreTextLines = g.coreSlot >= numberWidth ? (m_rps ? 3 : 2) : 1;
    // Numbers only as far as they leave the bars a few lines of height.
    while (g.coreTextLines > 1 && g.cores.height() - line * (1 + g.coreTextLines) < 1.5 * line)
        --g.coreTextLines;
    return g;
}

void LoadView::paintEvent(QPaintEvent *)
{
    QPainter painter(this);
    painter.setRenderHint(QPainter::Antialiasing, true);
    const Geometry g = geometry();
    const QFontMetricsF metrics(font());
    const double line = metrics.height();
    const QColor text = palette().color(QPalette::WindowText);
    const QColor track = m_colors.dark ? QColor(0x33, 0x3a, 0x44) : QColor(0xe6, 0xe9, 0xee);
    QFont bold = font();
    bold.setBold(true);
    const bool dark = m_colors.dark;

    painter.setFont(bold);
    painter.setPen(text);
    painter.drawText(QRectF(g.cores.left(), g.cores.top() - line - 2, g.cores.width(), line),
                     Qt::AlignLeft | Qt::AlignVCenter,
                     tr("Core load (busy, last %1 ms)").arg(kRecentSamples));
    painter.drawText(QRectF(g.rings.left(), g.rings.top() - line - 2, g.rings.width(), line),
                     Qt::AlignLeft | Qt::AlignVCenter,
                     m_rps ? tr("Receive ring (the one hardware queue)")
                           : tr("Receive rings (descriptors in use) and drops"));
    painter.setFont(font());
    if (m_cores.empty()) {
        painter.setPen(m_colors.dimText);
        painter.drawText(g.cores, Qt::AlignCenter, tr("No simulation"));
        return;
    }

    // Core bars, with the numbers under them that fit.
    const double textHeight = line * g.coreTextLines + 2;
    const double barTop = g.cores.top() + line;
    const double barHeight = std::max(6.0, g.cores.height() - textHeight - line);
    const double numberWidth = metrics.horizontalAdvance(QStringLiteral("88")) + 6;
    const int numberEvery = std::max(1, static_cast<int>(std::ceil(numberWidth / g.coreSlot)));
    for (std::size_t c = 0; c < m_cores.size(); ++c) {
        const CoreLoad &core = m_cores[c];
        const double x = g.cores.left() + g.coreSlot * static_cast<double>(c);
        const double barWidth = std::min(g.coreSlot * 0.7, 3.0 * line);
        const QRectF trackRect(x + (g.coreSlot - barWidth) / 2, barTop, barWidth, barHeight);
        painter.setPen(Qt::NoPen);
        painter.setBrush(track);
        painter.drawRect(trackRect);
        const bool overloaded = core.busy >= kOverloaded;
        const double filled = barHeight * core.busy;
        painter.setBrush(overloaded ? m_colors.error : coreColor(static_cast<int>(c), dark));
        painter.drawRect(QRectF(trackRect.left(), trackRect.bottom() - filled, barWidth, filled));
        const QRectF slot(x, 0, g.coreSlot, line);
        if (g.coreSlot >= metrics.horizontalAdvance(QStringLiteral("100 %")) + 2) {
            painter.setFont(overloaded ? bold : font());
            painter.setPen(overloaded ? m_colors.error : text);
            painter.drawText(slot.translated(0, trackRect.bottom() - filled - line - 1),
                             Qt::AlignCenter, percentText(core.busy));
            painter.setFont(font());
        }
        double y = trackRect.bottom() + 2;
        painter.setPen(text);
        if (g.coreSlot >= metrics.horizontalAdvance(tr("core %1").arg(c)) + 4) {
            painter.drawText(slot.translated(0, y), Qt::AlignCenter, tr("core %1").arg(c));
        } else if (c % static_cast<std::size_t>(numberEvery) == 0) {
            // Many narrow bars: every so many numbered, centred under their bar.
            const QString number = QString::number(c);
            const double w = metrics.horizontalAdvance(number) + 2;
            painter.drawText(QRectF(x + g.coreSlot / 2 - w / 2, y, w, line), Qt::AlignCenter,
                             number);
        }
        if (g.coreTextLines == 2 && m_rps && core.ipisPerSecond > core.interruptsPerSecond) {
            // Room for one number only: under RPS a target core is woken by IPIs, not by the
            // NIC, so that is the number that says something.
            y += line;
            painter.setPen(m_colors.dimText);
            painter.drawText(slot.translated(0, y), Qt::AlignCenter,
                             tr("%1 IPI/s").arg(compactNumber(core.ipisPerSecond)));
        } else if (g.coreTextLines >= 2) {
            y += line;
            painter.setPen(m_colors.dimText);
            painter.drawText(slot.translated(0, y), Qt::AlignCenter,
                             tr("%1 irq/s").arg(compactNumber(core.interruptsPerSecond)));
        }
        if (g.coreTextLines >= 3) {
            y += line;
            painter.drawText(slot.translated(0, y), Qt::AlignCenter,
                             tr("%1 IPI/s").arg(compactNumber(core.ipisPerSecond)));
        }
    }

    // Rings: how full each is now, the most it held in the last sample as a tick, and drops.
    const double ringBar = std::max(6.0, std::min(line * 1.1, g.rings.height() - 2 * line - 4));
    for (std::size_t q = 0; q < m_rings.size(); ++q) {
        const Ring &ring = m_rings[q];
        const double x = g.rings.left() + g.ringSlot * static_cast<double>(q);
        const double barWidth = std::max(2.0, g.ringSlot - std::min(8.0, g.ringSlot * 0.2));
        const QRectF trackRect(x + (g.ringSlot - barWidth) / 2, g.rings.top(), barWidth, ringBar);
        painter.setPen(Qt::NoPen);
        painter.setBrush(track);
        painter.drawRect(trackRect);
        const double fill = std::clamp(static_cast<double>(ring.occupancy) / ring.size, 0.0, 1.0);
        painter.setBrush(fill >= 0.999 ? m_colors.error : coreColor(ring.core, dark));
        painter.drawRect(QRectF(trackRect.left(), trackRect.top(), barWidth * fill, ringBar));
        const double peak =
            std::clamp(static_cast<double>(ring.maxOccupancy) / ring.size, 0.0, 1.0);
        if (peak > fill) {
            painter.setPen(QPen(text, 2));
            const double px = trackRect.left() + barWidth * peak;
            painter.drawLine(QPointF(px, trackRect.top()), QPointF(px, trackRect.bottom()));
        }
        const QRectF label(x, trackRect.bottom() + 2, g.ringSlot, line);
        const QString name = tr("q%1").arg(q);
        const QString fillText = tr("%1/%2").arg(ring.occupancy).arg(ring.size);
        painter.setPen(text);
        if (g.ringSlot >= metrics.horizontalAdvance(name + QStringLiteral("  ") + fillText) + 4)
            painter.drawText(label, Qt::AlignCenter, name + QStringLiteral("  ") + fillText);
        else if (g.ringSlot >= metrics.horizontalAdvance(name) + 2)
            painter.drawText(label, Qt::AlignCenter, name);
        if (ring.drops > 0) {
            const QString drops =
                tr("%1 dropped").arg(compactNumber(static_cast<double>(ring.drops)));
            painter.setPen(m_colors.error);
            painter.drawText(label.translated(0, line), Qt::AlignCenter,
                             g.ringSlot >= metrics.horizontalAdvance(drops) + 2
                                 ? drops
                                 : compactNumber(static_cast<double>(ring.drops)));
        }
    }
}

QString LoadView::toolTipAt(const QPoint &position) const
{
    const Geometry g = geometry();
    const QLocale locale;
    const QPointF p(position);
    if (g.cores.contains(p) && g.coreSlot > 0) {
        const auto c = static_cast<std::size_t>((p.x() - g.cores.left()) / g.coreSlot);
        if (c >= m_cores.size())
            return {};
        const CoreLoad &core = m_cores[c];
        QString tip = tr("<b>Core %1</b><br>busy %2<br>%3 hardware interrupts/s")
                          .arg(c)
                          .arg(percentText(core.busy), compactNumber(core.interruptsPerSecond));
        if (m_rps)
            tip += tr("<br>%1 IPIs/s").arg(compactNumber(core.ipisPerSecond));
        tip += tr("<br>%1 packets processed, %2 dropped")
                   .arg(locale.toString(static_cast<qulonglong>(core.packets)),
                        locale.toString(static_cast<qulonglong>(core.drops)));
        return tip;
    }
    if (g.rings.contains(p) && g.ringSlot > 0) {
        const auto q = static_cast<std::size_t>((p.x() - g.rings.left()) / g.ringSlot);
        if (q >= m_rings.size())
            return {};
        const Ring &ring = m_rings[q];
        return tr("<b>Queue %1</b> (core %2)<br>%3 of %4 descriptors in use, at most %5 in the "
                  "last sample<br>%6 packets dropped: the ring was full")
            .arg(q)
            .arg(ring.core)
            .arg(ring.occupancy)
            .arg(ring.size)
            .arg(ring.maxOccupancy)
            .arg(locale.toString(static_cast<qulonglong>(ring.drops)));
    }
    return {};
}

bool LoadView::event(QEvent *event)
{
    if (event->type() == QEvent::ToolTip) {
        const auto *help = static_cast<QHelpEvent *>(event);
        const QString tip = toolTipAt(help->pos());
        if (tip.isEmpty())
            QToolTip::hideText();
        else
            QToolTip::showText(help->globalPos(), tip, this);
        return true;
    }
    return QWidget::event(event);
}

void LoadView::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) {
        m_colors = WorkbenchColors::forPalette(palette());
        update();
    } else if (event->type() == QEvent::FontChange) {
        update();
    }
}

} // namespace vmwb
