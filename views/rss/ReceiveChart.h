#pragma once

// The simulation over time, in three plots that share the time axis: packets per second each
// core processes (one graph per core, in the core's colour), packets dropped per second, and
// the imbalance (the busiest core's packets over the mean; 1 is perfectly even). Changes to
// the indirection table are marked on all three with a vertical line, so the effect of a
// rebalancing shows where it happened. Exports to PNG, SVG and PDF, each written atomically.

#include "common/Colors.h"
#include "rss/Simulation.h"

#include <qcustomplot.h>
#include <vector>

namespace vmwb {

class ReceiveChart : public QCustomPlot
{
    Q_OBJECT

public:
    explicit ReceiveChart(QWidget *parent = nullptr);

    // Empties the plots for a simulation of `cores` cores lasting `durationNs`.
    void reset(int cores, std::uint64_t durationNs, std::uint64_t sampleNs);
    // Adds the samples not shown yet and replots.
    void showSamples(const std::vector<rss::Sample> &samples);
    // A vertical line at `timeNs` across the three plots, with `label` at the top.
    void addMark(std::uint64_t timeNs, const QString &label);

    int shownSamples() const { return m_shown; }
    int coreGraphCount() const { return static_cast<int>(m_coreGraphs.size()); }
    QCPGraph *coreGraph(int core) const { return m_coreGraphs.at(static_cast<std::size_t>(core)); }
    QCPGraph *dropsGraph() const { return m_drops; }
    QCPGraph *imbalanceGraph() const { return m_imbalance; }
    int markCount() const { return static_cast<int>(m_marks.size()); }
    QCPAxisRect *packetsRect() const { return m_packetsRect; }

    // Writes the chart as it is shown (PNG at twice the resolution, for slides; PDF as
    // vectors) to a temporary file renamed into place. On failure `error` says why.
    bool exportPng(const QString &path, QString *error = nullptr);
    bool exportPdf(const QString &path, QString *error = nullptr);
    bool exportSvg(const QString &path, QString *error = nullptr);

protected:
    void changeEvent(QEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;
    bool event(QEvent *event) override;

private:
    struct Mark
    {
        double timeMs = 0;
        QString label;
        std::vector<QCPItemStraightLine *> lines;
        QCPItemText *text = nullptr;
    };
    QCPAxisRect *addRect(int row, const QString &label);
    void applyColors();
    void applyFonts();
    void fitLegend();
    void placeMarkLabels();
    void updateRanges();

    QCPAxisRect *m_packetsRect = nullptr;
    QCPAxisRect *m_dropsRect = nullptr;
    QCPAxisRect *m_imbalanceRect = nullptr;
    QCPLegend *m_legend = nullptr;
    std::vector<QCPGraph *> m_coreGraphs;
    QCPGraph *m_drops = nullptr;
    QCPGraph *m_imbalance = nullptr;
    std::vector<Mark> m_marks;
    QCPItemText *m_empty = nullptr;
    int m_shown = 0;
    std::uint64_t m_sampleNs = 1'000'000;
    double m_durationMs = 100;
    double m_maxPackets = 0;
    double m_maxDrops = 0;
    double m_maxImbalance = 0;
    WorkbenchColors m_colors;
};

} // namespace vmwb
