#include "rss/ReceiveChart.h"

#include "rss/RssFormat.h"

#include <QEvent>
#include <QHelpEvent>
#include <QLocale>
#include <QPdfWriter>
#include <QSaveFile>
#include <QSvgGenerator>
#include <QToolTip>
#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

namespace vmwb {

namespace {

constexpr double kHeadroom = 1.15; // the value axes reach this far above the highest point
constexpr int kMaxLegendEntries = 16;

// Tick labels in compact numbers ("2.00M"), readable from the back of a lecture hall.
class CompactTicker : public QCPAxisTicker
{
protected:
    QString getTickLabel(double tick, const QLocale &, QChar, int) override
    {
        return compactNumber(tick);
    }
};

double toMs(std::uint64_t ns)
{
    return static_cast<double>(ns) / 1e6;
}

bool fail(QString *error, const QString &message)
{
    if (error != nullptr)
        *error = message;
    return false;
}

} // namespace

ReceiveChart::ReceiveChart(QWidget *parent)
    : QCustomPlot(parent), m_colors(WorkbenchColors::forPalette(palette()))
{
    setObjectName(QStringLiteral("receiveChart"));
    setAccessibleName(tr("Packets, drops and imbalance over time"));
    setMinimumSize(300, 240);
    setAntialiasedElements(QCP::aeAll);
    setNoAntialiasingOnDrag(true);

    // The default axis rect is the packets plot; two more below it share its time axis.
    m_packetsRect = axisRect();
    m_packetsRect->axis(QCPAxis::atLeft)->setLabel(tr("packets/s"));
    m_dropsRect = addRect(1, tr("drops/s"));
    m_imbalanceRect = addRect(2, tr("max/mean"));
    auto *margins = new QCPMarginGroup(this);
    for (QCPAxisRect *rect : {m_packetsRect, m_dropsRect, m_imbalanceRect}) {
        rect->setMarginGroup(QCP::msLeft | QCP::msRight, margins);
        rect->axis(QCPAxis::atLeft)->setTicker(QSharedPointer<QCPAxisTicker>(new CompactTicker));
        rect->axis(QCPAxis::atBottom)->setRange(0, 100);
        rect->axis(QCPAxis::atLeft)->setPadding(4);
        if (rect != m_imbalanceRect)
            rect->axis(QCPAxis::atBottom)->setTickLabels(false);
        rect->setupFullAxesBox(false);
        rect->axis(QCPAxis::atTop)->setVisible(false);
        rect->axis(QCPAxis::atRight)->setVisible(false);
    }
    m_imbalanceRect->axis(QCPAxis::atBottom)->setLabel(tr("simulated time (ms)"));
    // The two short plots get few ticks, so that their labels never collide.
    for (QCPAxisRect *rect : {m_dropsRect, m_imbalanceRect})
        rect->axis(QCPAxis::atLeft)->ticker()->setTickCount(3);
    plotLayout()->setRowStretchFactor(0, 2.2);
    plotLayout()->setRowStretchFactor(1, 1);
    plotLayout()->setRowStretchFactor(2, 1);
    plotLayout()->setRowSpacing(2);

    // The cores' legend in a column of its own to the right of the packets plot.
    m_legend = legend;
    m_packetsRect->insetLayout()->take(m_legend);
    plotLayout()->addElement(0, 1, m_legend);
    plotLayout()->setColumnStretchFactor(1, 0.001);
    m_legend->setVisible(true);
    m_legend->setBorderPen(Qt::NoPen);
    m_legend->setFillOrder(QCPLayoutGrid::foRowsFirst);
    m_legend->setLayer(QStringLiteral("legend"));
    m_legend->setMargins(QMargins(6, 0, 2, 0));

    auto *dropsAxis = m_dropsRect->axis(QCPAxis::atBottom);
    m_drops = addGraph(dropsAxis, m_dropsRect->axis(QCPAxis::atLeft));
    m_drops->setName(tr("drops"));
    m_drops->removeFromLegend();
    m_imbalance =
        addGraph(m_imbalanceRect->axis(QCPAxis::atBottom), m_imbalanceRect->axis(QCPAxis::atLeft));
    m_imbalance->setName(tr("imbalance"));
    m_imbalance->removeFromLegend();

    m_empty = new QCPItemText(this);
    m_empty->setClipAxisRect(m_packetsRect);
    m_empty->position->setAxisRect(m_packetsRect);
    m_empty->position->setType(QCPItemPosition::ptAxisRectRatio);
    m_empty->position->setCoords(0.5, 0.5);
    m_empty->setPositionAlignment(Qt::AlignCenter);
    m_empty->setText(tr("Press Run: packets per second on each core"));

    applyFonts();
    applyColors();
    reset(1, 100'000'000, 1'000'000);
}

QCPAxisRect *ReceiveChart::addRect(int row, const QString &label)
{
    auto *rect = new QCPAxisRect(this);
    plotLayout()->addElement(row, 0, rect);
    rect->axis(QCPAxis::atLeft)->setLabel(label);
    // The same time range as the packets plot, whatever changes it.
    connect(m_packetsRect->axis(QCPAxis::atBottom),
            qOverload<const QCPRange &>(&QCPAxis::rangeChanged), rect->axis(QCPAxis::atBottom),
            qOverload<const QCPRange &>(&QCPAxis::setRange));
    return rect;
}

void ReceiveChart::reset(int cores, std::uint64_t durationNs, std::uint64_t sampleNs)
{
    for (QCPGraph *graph : m_coreGraphs)
        removeGraph(graph);
    m_coreGraphs.clear();
    for (const Mark &mark : m_marks) {
        for (QCPItemStraightLine *line : mark.lines)
            removeItem(line);
        removeItem(mark.text);
    }
    m_marks.clear();
    m_drops->data()->clear();
    m_imbalance->data()->clear();
    m_shown = 0;
    m_sampleNs = std::max<std::uint64_t>(sampleNs, 1);
    m_durationMs = std::max(toMs(durationNs), toMs(m_sampleNs));
    m_maxPackets = 0;
    m_maxDrops = 0;
    m_maxImbalance = 0;
    for (int c = 0; c < cores; ++c) {
        QCPGraph *graph =
            addGraph(m_packetsRect->axis(QCPAxis::atBottom), m_packetsRect->axis(QCPAxis::atLeft));
        graph->setName(tr("core %1").arg(c));
        m_coreGraphs.push_back(graph);
    }
    m_packetsRect->axis(QCPAxis::atBottom)->setRange(0, m_durationMs);
    m_empty->setVisible(true);
    applyFonts();
    applyColors();
    fitLegend();
    updateRanges();
    replot();
}

void ReceiveChart::showSamples(const std::vector<rss::Sample> &samples)
{
    if (samples.size() < static_cast<std::size_t>(m_shown)) {
        // Another simulation's samples: start again.
        reset(coreGraphCount(), static_cast<std::uint64_t>(m_durationMs * 1e6), m_sampleNs);
    }
    const double perSecond = 1e9 / static_cast<double>(m_sampleNs);
    for (auto i = static_cast<std::size_t>(m_shown); i < samples.size(); ++i) {
        const rss::Sample &sample = samples[i];
        const double t = toMs(sample.timeNs);
        std::uint64_t drops = 0;
        for (std::size_t c = 0; c < sample.cores.size(); ++c) {
            drops += sample.cores[c].drops;
            if (c < m_coreGraphs.size()) {
                const double packets = static_cast<double>(sample.cores[c].packets) * perSecond;
                m_coreGraphs[c]->addData(t, packets);
                m_maxPackets = std::max(m_maxPackets, packets);
            }
        }
        const double dropRate = static_cast<double>(drops) * perSecond;
        m_drops->addData(t, dropRate);
        m_maxDrops = std::max(m_maxDrops, dropRate);
        m_imbalance->addData(t, sample.imbalance > 0 ? sample.imbalance
                                                     : std::numeric_limits<double>::quiet_NaN());
        m_maxImbalance = std::max(m_maxImbalance, sample.imbalance);
    }
    m_shown = static_cast<int>(samples.size());
    m_empty->setVisible(m_shown == 0);
    updateRanges();
    replot(QCustomPlot::rpQueuedReplot);
}

void ReceiveChart::addMark(std::uint64_t timeNs, const QString &label)
{
    Mark mark;
    mark.timeMs = toMs(timeNs);
    mark.label = label;
    for (QCPAxisRect *rect : {m_packetsRect, m_dropsRect, m_imbalanceRect}) {
        auto *line = new QCPItemStraightLine(this);
        line->setClipAxisRect(rect);
        for (QCPItemPosition *point : {line->point1, line->point2}) {
            point->setAxes(rect->axis(QCPAxis::atBottom), rect->axis(QCPAxis::atLeft));
            point->setAxisRect(rect);
        }
        line->point1->setCoords(mark.timeMs, 0);
        line->point2->setCoords(mark.timeMs, 1);
        mark.lines.push_back(line);
    }
    mark.text = new QCPItemText(this);
    mark.text->setClipAxisRect(m_packetsRect);
    mark.text->position->setAxes(m_packetsRect->axis(QCPAxis::atBottom),
                                 m_packetsRect->axis(QCPAxis::atLeft));
    mark.text->position->setAxisRect(m_packetsRect);
    mark.text->position->setTypeX(QCPItemPosition::ptPlotCoords);
    mark.text->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
    mark.text->position->setCoords(mark.timeMs,
                                   0.02 + 0.12 * static_cast<double>(m_marks.size() % 3));
    mark.text->setPadding(QMargins(4, 2, 4, 2));
    mark.text->setText(label);
    m_marks.push_back(mark);
    applyFonts();
    applyColors();
    placeMarkLabels();
    updateRanges();
    replot(QCustomPlot::rpQueuedReplot);
}

// Each mark's label on the side of its line that has room for it.
void ReceiveChart::placeMarkLabels()
{
    const QRect rect = m_packetsRect->rect();
    const QFontMetrics metrics(m_marks.empty() ? font() : m_marks.front().text->font());
    for (Mark &mark : m_marks) {
        int textWidth = 0;
        for (const QString &line : mark.label.split(QLatin1Char('\n')))
            textWidth = std::max(textWidth, metrics.horizontalAdvance(line));
        textWidth += 10;
        const double x = m_packetsRect->axis(QCPAxis::atBottom)->coordToPixel(mark.timeMs);
        const bool right = rect.right() - x >= textWidth || rect.right() - x >= x - rect.left();
        mark.text->setPositionAlignment((right ? Qt::AlignLeft : Qt::AlignRight) | Qt::AlignTop);
    }
}

void ReceiveChart::updateRanges()
{
    // With marks, the top quarter of the packets plot is kept free for their labels, so that
    // they never cover a line.
    const double headroom =
        m_marks.empty()
            ? kHeadroom
            : kHeadroom + 0.25 * static_cast<double>(std::min<std::size_t>(m_marks.size(), 3));
    m_packetsRect->axis(QCPAxis::atLeft)->setRange(0, std::max(1.0, m_maxPackets * headroom));
    // At least 0..10, so that no drops does not read as fractions of a packet.
    m_dropsRect->axis(QCPAxis::atLeft)->setRange(0, std::max(10.0, m_maxDrops * kHeadroom));
    m_imbalanceRect->axis(QCPAxis::atLeft)->setRange(1, std::max(2.0, m_maxImbalance * 1.1));
}

void ReceiveChart::applyColors()
{
    m_colors = WorkbenchColors::forPalette(palette());
    const QColor window = palette().color(QPalette::Base);
    const QColor text = palette().color(QPalette::Text);
    const QColor grid = m_colors.dark ? QColor(0x3a, 0x41, 0x4b) : QColor(0xdd, 0xe1, 0xe6);
    setBackground(window);
    for (QCPAxisRect *rect : {m_packetsRect, m_dropsRect, m_imbalanceRect}) {
        for (QCPAxis *axis : rect->axes()) {
            axis->setBasePen(QPen(m_colors.dimText, 1));
            axis->setTickPen(QPen(m_colors.dimText, 1));
            axis->setSubTickPen(QPen(m_colors.dimText, 1));
            axis->setTickLabelColor(text);
            axis->setLabelColor(text);
            axis->grid()->setPen(QPen(grid, 1, Qt::SolidLine));
            axis->grid()->setSubGridVisible(false);
            axis->grid()->setZeroLinePen(Qt::NoPen);
        }
    }
    m_legend->setBrush(window);
    m_legend->setTextColor(text);
    const double width = m_coreGraphs.size() > 16 ? 1.2 : 2.0;
    for (std::size_t c = 0; c < m_coreGraphs.size(); ++c)
        m_coreGraphs[c]->setPen(QPen(coreColor(static_cast<int>(c), m_colors.dark), width));
    m_drops->setPen(QPen(m_colors.error, 2));
    QColor dropsFill = m_colors.error;
    dropsFill.setAlpha(60);
    m_drops->setBrush(dropsFill);
    m_imbalance->setPen(QPen(text, 2));
    const QColor markColor = m_colors.flagWritten;
    for (const Mark &mark : m_marks) {
        for (QCPItemStraightLine *line : mark.lines)
            line->setPen(QPen(markColor, 2, Qt::DashLine));
        mark.text->setColor(markColor);
        mark.text->setBrush(window);
    }
    m_empty->setColor(m_colors.dimText);
}

void ReceiveChart::applyFonts()
{
    const QFont base = font();
    for (QCPAxisRect *rect : {m_packetsRect, m_dropsRect, m_imbalanceRect}) {
        for (QCPAxis *axis : rect->axes()) {
            axis->setTickLabelFont(base);
            axis->setLabelFont(base);
        }
    }
    m_legend->setFont(base);
    const int height = QFontMetrics(base).height();
    m_legend->setIconSize(height, height / 2);
    m_legend->setRowSpacing(0);
    for (int i = 0; i < m_legend->itemCount(); ++i) {
        if (QCPAbstractLegendItem *entry = m_legend->item(i))
            entry->setMargins(QMargins(height / 4, height / 10, height / 4, height / 6));
    }
    QFont bold = base;
    bold.setBold(true);
    for (const Mark &mark : m_marks)
        mark.text->setFont(bold);
    m_empty->setFont(base);
}

// As many legend entries in a column as fit beside the packets plot.
void ReceiveChart::fitLegend()
{
    // More cores than a legend can list readably: the lines keep the load bars' colours, and
    // a line's tool tip names its core.
    const bool shown = coreGraphCount() <= kMaxLegendEntries;
    if (m_legend->visible() != shown) {
        m_legend->setVisible(shown);
        if (shown) {
            plotLayout()->addElement(0, 1, m_legend);
            plotLayout()->setColumnStretchFactor(1, 0.001);
        } else
            plotLayout()->take(m_legend);
        plotLayout()->simplify();
    }
    const int entry = QFontMetrics(font()).height() * 5 / 4 + 2;
    const int room = std::max(entry, height() * 1 / 2 - 10);
    const int rows = std::clamp(room / entry, 1, std::max(1, coreGraphCount()));
    if (rows != m_legend->wrap()) {
        m_legend->setWrap(rows);
        m_legend->setFillOrder(m_legend->fillOrder(), true);
    }
}

void ReceiveChart::resizeEvent(QResizeEvent *event)
{
    fitLegend();
    QCustomPlot::resizeEvent(event);
    if (!m_marks.empty()) {
        replot(rpImmediateRefresh); // lays out the axis rects the labels are placed in
        placeMarkLabels();
        replot();
    }
}

// The nearest core's line names its core and its rate there.
bool ReceiveChart::event(QEvent *event)
{
    if (event->type() != QEvent::ToolTip)
        return QCustomPlot::event(event);
    const auto *help = static_cast<QHelpEvent *>(event);
    const QPointF position = help->pos();
    QCPGraph *nearest = nullptr;
    double distance = 8; // pixels
    for (QCPGraph *graph : m_coreGraphs) {
        const double d = graph->selectTest(position, false);
        if (d >= 0 && d < distance) {
            distance = d;
            nearest = graph;
        }
    }
    if (nearest == nullptr) {
        QToolTip::hideText();
        return true;
    }
    const double t = nearest->keyAxis()->pixelToCoord(position.x());
    const auto point = nearest->data()->findBegin(t);
    const double rate = point != nearest->data()->constEnd() ? point->value : 0;
    QToolTip::showText(
        help->globalPos(),
        tr("%1: %2 packets/s at %3 ms")
            .arg(nearest->name(), compactNumber(rate), QLocale().toString(t, 'f', 0)),
        this);
    return true;
}

void ReceiveChart::changeEvent(QEvent *event)
{
    QCustomPlot::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) {
        applyColors();
        replot();
    } else if (event->type() == QEvent::FontChange) {
        applyFonts();
        fitLegend();
        replot();
    }
}

namespace {

// Writes `path` through a QSaveFile, so a failed export leaves the old file (or none) rather
// than half a new one. `write` renders into the file and says whether it could.
bool saveAtomically(const QString &path, const char *format, QString *error,
                    const std::function<bool(QIODevice &)> &write)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return fail(error, ReceiveChart::tr("Cannot write %1: %2").arg(path, file.errorString()));
    if (!write(file)) {
        file.cancelWriting();
        return fail(error, ReceiveChart::tr("Cannot render the chart as %1 for %2")
                               .arg(QLatin1String(format), path));
    }
    if (!file.commit())
        return fail(error, ReceiveChart::tr("Cannot write %1: %2").arg(path, file.errorString()));
    return true;
}

// Draws the chart as vectors (no cached pixmaps) onto a PDF or SVG device, in the chart's own
// coordinates.
bool drawVectorized(QCustomPlot &chart, QPaintDevice &device)
{
    QCPPainter painter;
    if (!painter.begin(&device))
        return false;
    painter.setMode(QCPPainter::pmVectorized);
    painter.setMode(QCPPainter::pmNoCaching);
    painter.setWindow(0, 0, chart.width(), chart.height());
    chart.toPainter(&painter, chart.width(), chart.height());
    return painter.end();
}

} // namespace

bool ReceiveChart::exportPng(const QString &path, QString *error)
{
    return saveAtomically(path, "PNG", error, [this](QIODevice &file) {
        const QPixmap pixmap = toPixmap(width(), height(), 2.0);
        return !pixmap.isNull() && pixmap.save(&file, "PNG");
    });
}

bool ReceiveChart::exportPdf(const QString &path, QString *error)
{
    return saveAtomically(path, "PDF", error, [this](QIODevice &file) {
        // As QCustomPlot::savePdf does, but onto our own device so the write is atomic: a
        // page the chart's size in points, the chart drawn into it at screen resolution.
        QPdfWriter writer(&file);
        writer.setCreator(QStringLiteral("VMM Workbench"));
        writer.setTitle(tr("Receive-side scaling over time"));
        writer.setResolution(std::max(72, logicalDpiX()));
        writer.setPageLayout(QPageLayout(QPageSize(QSizeF(width(), height()), QPageSize::Point,
                                                   QString(), QPageSize::ExactMatch),
                                         QPageLayout::Portrait, QMarginsF(0, 0, 0, 0)));
        return drawVectorized(*this, writer);
    });
}

bool ReceiveChart::exportSvg(const QString &path, QString *error)
{
    return saveAtomically(path, "SVG", error, [this](QIODevice &file) {
        // An SVG document of the chart's own size, for slides that scale it.
        QSvgGenerator generator;
        generator.setOutputDevice(&file);
        generator.setSize(size());
        generator.setViewBox(QRect(0, 0, width(), height()));
        generator.setTitle(tr("Receive-side scaling over time"));
        generator.setDescription(tr("Packets per second per core, drops and imbalance"));
        return drawVectorized(*this, generator);
    });
}

} // namespace vmwb
