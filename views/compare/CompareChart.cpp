#include "compare/CompareChart.h"

#include "compare/CompareModel.h"
#include "monitor/EventLogModel.h"

#include <QEvent>
#include <QHelpEvent>
#include <QLocale>
#include <QMouseEvent>
#include <QToolTip>
#include <algorithm>
#include <array>
#include <cmath>

namespace vmwb {

namespace {

constexpr double kBarWidth = 0.62;      // in keys: room between the bars for the eye
constexpr double kRoomForTotals = 1.32; // the value axis reaches this far past the longest bar

// "950", "12k", "1.5M": few digits, so that the ticks stay apart on a narrow chart and can be
// read from the back of a lecture hall.
QString compactCycles(double value, const QLocale &locale)
{
    constexpr std::array<std::pair<double, const char *>, 3> kScales{
        {{1e9, "G"}, {1e6, "M"}, {1e3, "k"}}};
    const double magnitude = std::abs(value);
    for (const auto &[scale, suffix] : kScales) {
        if (magnitude >= scale) {
            const double scaled = value / scale;
            // As many decimals as the tick needs (1.25M, not 1.3M), at most two.
            int decimals = 0;
            while (decimals < 2 && std::abs(scaled * std::pow(10.0, decimals) -
                                            std::round(scaled * std::pow(10.0, decimals))) > 1e-6)
                ++decimals;
            return locale.toString(scaled, 'f', decimals) + QLatin1String(suffix);
        }
    }
    return locale.toString(value, 'f', 0);
}

// The value axis' tick labels in compact cycles, linear or logarithmic.
template <typename Base>
class CycleTicker : public Base
{
protected:
    QString getTickLabel(double tick, const QLocale &, QChar, int) override
    {
        return compactCycles(tick, QLocale());
    }
};

// A layer's colour on a light and on a dark background. A bar can stack a dozen kinds, so
// every kind needs a colour of its own (the event log can let some share); the monitor's
// four ways in keep the hues the event log gives them: traps blue, hypercalls teal, callouts
// light blue, VM exits orange.
struct LayerColour
{
    QRgb light;
    QRgb dark;
};

constexpr LayerColour kInstructionColour{0xb4bdc8, 0x6b7685};
constexpr std::array<LayerColour, kEventKindCount> kKindColours{{
    {0x1f66c7, 0x5c9ded}, // trap
    {0xc62828, 0xef5350}, // hole
    {0x43a047, 0x66bb6a}, // interrupt delivered
    {0xf2c230, 0xf2c94c}, // interrupt pending
    {0x8e24aa, 0xba68c8}, // interrupt lost
    {0xd81b60, 0xf06292}, // exception
    {0x8d6e63, 0xa1887f}, // I/O
    {0x546e7a, 0x90a4ae}, // halt
    {0x37474f, 0xcfd8dc}, // exit
    {0xb71c1c, 0xe57373}, // guest fault
    {0x00897b, 0x26a69a}, // hypercall
    {0x29b6f6, 0x4fc3f7}, // callout
    {0xcc79a7, 0xd98cb8}, // translation
    {0xff8a65, 0xffab91}, // invalidation
    {0xe65100, 0xff8a3d}, // VM exit
    {0x7986cb, 0x9fa8da}, // inline
}};

} // namespace

QColor CompareChart::layerColor(std::optional<EventKind> kind, bool dark)
{
    const LayerColour &colour =
        kind ? kKindColours[static_cast<std::size_t>(*kind)] : kInstructionColour;
    return QColor::fromRgb(dark ? colour.dark : colour.light);
}

CompareChart::CompareChart(QWidget *parent)
    : QCustomPlot(parent), m_colors(WorkbenchColors::forPalette(palette()))
{
    setObjectName(QStringLiteral("compareChart"));
    setAccessibleName(tr("Modelled cycles per technique"));
    setMinimumSize(320, 200);
    setAntialiasedElements(QCP::aeAll);

    // Techniques down the left, cycles along the bottom.
    xAxis->setLabel(tr("Modelled cycles"));
    xAxis->setTicker(QSharedPointer<QCPAxisTicker>(new CycleTicker<QCPAxisTicker>));
    xAxis->grid()->setVisible(true);
    xAxis->setRange(0, 1);
    yAxis->setRangeReversed(true); // native at the top, as in the table
    yAxis->grid()->setVisible(false);
    m_techniqueTicks = QSharedPointer<QCPAxisTickerText>::create();
    yAxis->setTicker(m_techniqueTicks);
    yAxis->setTickLength(0, 0);
    yAxis->setSubTicks(false);
    yAxis->setPadding(8);

    // The legend in a row of its own under the chart, so it never covers a bar.
    legend->setVisible(true);
    legend->setFillOrder(QCPLayoutGrid::foColumnsFirst);
    legend->setWrap(4);
    legend->setBorderPen(Qt::NoPen);
    axisRect()->insetLayout()->take(legend);
    auto *legendRow = new QCPLayoutGrid;
    plotLayout()->addElement(1, 0, legendRow);
    legendRow->setMargins(QMargins(0, 0, 0, 4));
    legendRow->addElement(0, 0, legend);
    plotLayout()->setRowStretchFactor(1, 0.001);
    // A legend outside the axis rect lives on the main layer, with the bars.
    legend->setLayer(QStringLiteral("legend"));

    m_empty = new QCPItemText(this);
    m_empty->setPositionAlignment(Qt::AlignCenter);
    m_empty->position->setType(QCPItemPosition::ptAxisRectRatio);
    m_empty->position->setCoords(0.5, 0.5);
    m_empty->setText(tr("Press Compare to run the snippet under every technique"));

    applyFonts();
    applyColors();
    clear();
}

void CompareChart::setComparison(const Comparison &comparison)
{
    m_comparison = comparison;
    rebuild();
}

void CompareChart::clear()
{
    m_comparison.reset();
    rebuild();
}

void CompareChart::setLogarithmic(bool logarithmic)
{
    if (logarithmic == m_logarithmic)
        return;
    m_logarithmic = logarithmic;
    xAxis->setScaleType(logarithmic ? QCPAxis::stLogarithmic : QCPAxis::stLinear);
    if (logarithmic) {
        auto ticker = QSharedPointer<CycleTicker<QCPAxisTickerLog>>::create();
        ticker->setLogBase(10);
        ticker->setSubTickCount(8);
        xAxis->setTicker(ticker);
    } else {
        xAxis->setTicker(QSharedPointer<QCPAxisTicker>(new CycleTicker<QCPAxisTicker>));
    }
    updateRange();
    replot();
}

int CompareChart::runCount() const
{
    return m_comparison ? 1 + static_cast<int>(m_comparison->techniques.size()) : 0;
}

const TechniqueRun *CompareChart::runAt(int index) const
{
    if (!m_comparison || index < 0 || index >= runCount())
        return nullptr;
    return index == 0 ? &m_comparison->native
                      : &m_comparison->techniques[static_cast<std::size_t>(index - 1)];
}

double CompareChart::stackedCycles(int index) const
{
    const double key = keyOf(index);
    double total = 0;
    for (const Layer &layer : m_layers) {
        const auto found = layer.bars->data()->findBegin(key, false);
        if (found != layer.bars->data()->constEnd() && found->key == key)
            total += found->value;
    }
    return total;
}

QString CompareChart::totalText(int index) const
{
    const TechniqueRun *run = runAt(index);
    if (run == nullptr)
        return {};
    const QLocale locale;
    if (run->comparedBy == QLatin1String("none") && run->cycles == 0)
        return tr("did not run");
    QString text = tr("%1 cycles  %2")
                       .arg(locale.toString(static_cast<qulonglong>(run->cycles)),
                            CompareModel::overheadText(run->overhead));
    // Cheap is no use if the guest can tell: the bar says so where it ends.
    if (run->divergence) {
        text += run->divergence->line > 0
                    ? tr("   \u2260 native from line %1").arg(run->divergence->line)
                    : tr("   \u2260 native");
    }
    return text;
}

void CompareChart::rebuild()
{
    clearPlottables(); // the bars
    for (QCPItemText *total : m_totals)
        removeItem(total);
    m_totals.clear();
    m_layers.clear();

    m_techniqueTicks->clear();
    const int runs = runCount();
    m_empty->setVisible(runs == 0);
    legend->setVisible(runs > 0);
    if (runs == 0) {
        yAxis->setRange(0, 1);
        updateRange();
        replot();
        return;
    }
    for (int i = 0; i < runs; ++i)
        m_techniqueTicks->addTick(keyOf(i), CompareModel::titleOf(*runAt(i)));

    // The instructions at the bottom, then the kinds of events in the enum's order; only
    // kinds that cost something in some run get a layer (and a legend entry).
    std::vector<std::optional<EventKind>> kinds{std::nullopt};
    for (std::size_t k = 0; k < kEventKindCount; ++k) {
        const auto kind = static_cast<EventKind>(k);
        for (int i = 0; i < runs; ++i) {
            if (runAt(i)->cyclesOf(kind) > 0) {
                kinds.emplace_back(kind);
                break;
            }
        }
    }
    QCPBars *below = nullptr;
    for (const std::optional<EventKind> &kind : kinds) {
        auto *bars = new QCPBars(yAxis, xAxis);
        bars->setName(kind ? eventKindPlural(*kind) : tr("Instructions"));
        bars->setWidth(kBarWidth);
        bars->setStackingGap(0);
        QVector<double> keys;
        QVector<double> values;
        for (int i = 0; i < runs; ++i) {
            const TechniqueRun &run = *runAt(i);
            keys << keyOf(i);
            values << static_cast<double>(kind ? run.cyclesOf(*kind) : run.instructionCycles);
        }
        bars->setData(keys, values, true);
        if (below != nullptr)
            bars->moveAbove(below);
        below = bars;
        m_layers.push_back({kind, bars});
    }
    for (int i = 0; i < runs; ++i) {
        auto *total = new QCPItemText(this);
        total->setClipToAxisRect(false);
        total->setPositionAlignment(Qt::AlignLeft | Qt::AlignVCenter);
        total->setPadding(QMargins(6, 0, 0, 0));
        total->setText(totalText(i));
        m_totals.push_back(total);
    }
    yAxis->setRange(0.4, runs + 0.6);
    applyFonts();
    applyColors();
    // The technique names set the axis rect's width, which the labels' room depends on.
    replot(rpImmediateRefresh);
    updateRange();
    replot();
}

void CompareChart::updateRange()
{
    double longest = 0;
    for (int i = 0; i < runCount(); ++i)
        longest = std::max(longest, stackedCycles(i));
    // Room past each bar for its label: the label's share of the axis' width comes off what
    // the bar may take.
    const double axisWidth = std::max(100, axisRect()->width());
    const QFontMetrics metrics(font());
    const auto labelShare = [&](std::size_t i) {
        const double label = metrics.horizontalAdvance(m_totals[i]->text()) + 16.0;
        return std::min(0.7, label / axisWidth);
    };
    if (m_logarithmic) {
        double shortest = longest;
        for (int i = 0; i < runCount(); ++i) {
            if (const double cycles = stackedCycles(i); cycles > 0)
                shortest = std::min(shortest, cycles);
        }
        // From a whole decade under the shortest bar, so that every bar shows.
        const double lower = std::pow(10.0, std::floor(std::log10(std::max(1.0, shortest / 3))));
        double logUpper = std::log10(std::max(lower * 10, longest * 1.5));
        for (std::size_t i = 0; i < m_totals.size(); ++i) {
            const double end = std::max(lower, stackedCycles(static_cast<int>(i)));
            logUpper =
                std::max(logUpper, std::log10(lower) +
                                       (std::log10(end) - std::log10(lower)) / (1 - labelShare(i)));
        }
        xAxis->setRange(lower, std::pow(10.0, logUpper));
    } else {
        double upper = longest > 0 ? longest * kRoomForTotals : 1;
        for (std::size_t i = 0; i < m_totals.size(); ++i)
            upper = std::max(upper, stackedCycles(static_cast<int>(i)) / (1 - labelShare(i)));
        xAxis->setRange(0, upper);
    }
    for (std::size_t i = 0; i < m_totals.size(); ++i) {
        const int index = static_cast<int>(i);
        const double end = std::max(stackedCycles(index), xAxis->range().lower);
        m_totals[i]->position->setCoords(end, keyOf(index));
    }
}

void CompareChart::applyColors()
{
    m_colors = WorkbenchColors::forPalette(palette());
    const QColor window = palette().color(QPalette::Base);
    const QColor text = palette().color(QPalette::Text);
    const QColor grid = m_colors.dark ? QColor(0x3a, 0x41, 0x4b) : QColor(0xdd, 0xe1, 0xe6);
    setBackground(window);
    for (QCPAxis *axis : {xAxis, yAxis, xAxis2, yAxis2}) {
        axis->setBasePen(QPen(m_colors.dimText, 1));
        axis->setTickPen(QPen(m_colors.dimText, 1));
        axis->setSubTickPen(QPen(m_colors.dimText, 1));
        axis->setTickLabelColor(text);
        axis->setLabelColor(text);
        axis->grid()->setPen(QPen(grid, 1, Qt::SolidLine));
        axis->grid()->setSubGridPen(QPen(grid, 1, Qt::DotLine));
        axis->grid()->setZeroLinePen(Qt::NoPen);
    }
    xAxis->grid()->setSubGridVisible(m_logarithmic);
    legend->setBrush(window);
    legend->setTextColor(text);
    legend->setIconBorderPen(Qt::NoPen);
    for (const Layer &layer : m_layers) {
        layer.bars->setBrush(layerColor(layer.kind, m_colors.dark));
        // A thin edge in the background's colour keeps stacked segments apart.
        layer.bars->setPen(QPen(window, 1));
    }
    for (std::size_t i = 0; i < m_totals.size(); ++i) {
        const TechniqueRun *run = runAt(static_cast<int>(i));
        m_totals[i]->setColor(run != nullptr && run->divergence ? m_colors.error : text);
    }
    m_empty->setColor(m_colors.dimText);
}

void CompareChart::applyFonts()
{
    const QFont base = font();
    QFont bold = base;
    bold.setBold(true);
    xAxis->setTickLabelFont(base);
    xAxis->setLabelFont(base);
    yAxis->setTickLabelFont(bold);
    legend->setFont(base);
    // Rows as high as the text with its descenders, icons in proportion to it.
    const int height = QFontMetrics(base).height();
    legend->setIconSize(height * 6 / 5, height * 2 / 3);
    legend->setRowSpacing(0);
    // Room under each entry for descenders, which the entries' clipping would cut off.
    for (int i = 0; i < legend->itemCount(); ++i) {
        if (QCPAbstractLegendItem *entry = legend->item(i))
            entry->setMargins(QMargins(height / 3, height / 8, height / 3, height / 4));
    }
    for (QCPItemText *total : m_totals)
        total->setFont(base);
    m_empty->setFont(base);
}

void CompareChart::resizeEvent(QResizeEvent *event)
{
    // As many legend entries side by side as fit, so that the legend takes few rows.
    const int longest =
        legend->itemCount() > 0
            ? QFontMetrics(font()).horizontalAdvance(tr("Interrupts delivered")) + 60
            : 200;
    const int columns = std::clamp(event->size().width() / std::max(1, longest), 2, 8);
    if (columns != legend->wrap()) {
        legend->setWrap(columns);
        legend->setFillOrder(legend->fillOrder(), true);
    }
    QCustomPlot::resizeEvent(event);
    // The labels' room depends on the axis' width in pixels: lay out, then fit the range.
    if (runCount() > 0) {
        replot(rpImmediateRefresh);
        updateRange();
        replot();
    }
}

void CompareChart::changeEvent(QEvent *event)
{
    QCustomPlot::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) {
        applyColors();
        replot();
    } else if (event->type() == QEvent::FontChange) {
        applyFonts();
        replot();
    }
}

int CompareChart::indexAt(const QPointF &position) const
{
    if (runCount() == 0 || !axisRect()->rect().contains(position.toPoint()))
        return -1;
    const double key = yAxis->pixelToCoord(position.y());
    const int index = static_cast<int>(std::lround(key)) - 1;
    if (index < 0 || index >= runCount() || std::abs(key - keyOf(index)) > kBarWidth / 2)
        return -1;
    return index;
}

QString CompareChart::barToolTip(int index) const
{
    const TechniqueRun *run = runAt(index);
    if (run == nullptr)
        return {};
    const QLocale locale;
    QString rows;
    for (const Layer &layer : m_layers) {
        const std::uint64_t cycles =
            layer.kind ? run->cyclesOf(*layer.kind) : run->instructionCycles;
        if (cycles == 0)
            continue;
        const std::uint64_t count = layer.kind ? run->count(*layer.kind) : run->instructions;
        rows += QStringLiteral("<tr><td>%1</td><td align=right>%2</td>"
                               "<td align=right>%3</td></tr>")
                    .arg(layer.bars->name().toHtmlEscaped(),
                         locale.toString(static_cast<qulonglong>(count)),
                         tr("%1 cycles").arg(locale.toString(static_cast<qulonglong>(cycles))));
    }
    return QStringLiteral("<p><b>%1</b>: %2</p><table cellspacing=4>%3</table>")
        .arg(CompareModel::titleOf(*run).toHtmlEscaped(), totalText(index).toHtmlEscaped(), rows);
}

bool CompareChart::event(QEvent *event)
{
    if (event->type() == QEvent::ToolTip) {
        const auto *help = static_cast<QHelpEvent *>(event);
        const QString tip = barToolTip(indexAt(help->pos()));
        if (tip.isEmpty())
            QToolTip::hideText();
        else
            QToolTip::showText(help->globalPos(), tip, this);
        return true;
    }
    return QCustomPlot::event(event);
}

void CompareChart::mousePressEvent(QMouseEvent *event)
{
    QCustomPlot::mousePressEvent(event);
    if (event->button() != Qt::LeftButton)
        return;
    if (const int index = indexAt(event->position()); index >= 0)
        emit barClicked(index);
}

} // namespace vmwb
