#pragma once

// Where each technique's modelled cycles go: one horizontal bar per technique (native at the
// top), stacked from the guest's own instructions and one layer per kind of event that cost
// cycles (traps, hypercalls, callouts, VM exits, translations, ...), with each bar's total and
// its overhead against native at its end. A logarithmic axis keeps native's bar visible next
// to a technique that costs a hundred times more; on it the totals compare, the segments of
// a bar do not add up by length.

#include "common/Colors.h"
#include "run/Compare.h"

#include <optional>
#include <qcustomplot.h>
#include <vector>

namespace vmwb {

class CompareChart : public QCustomPlot
{
    Q_OBJECT

public:
    explicit CompareChart(QWidget *parent = nullptr);

    void setComparison(const Comparison &comparison);
    void clear();
    bool isLogarithmic() const { return m_logarithmic; }
    void setLogarithmic(bool logarithmic);

    // One per layer, from the bottom (the instructions) up.
    struct Layer
    {
        std::optional<EventKind> kind; // nothing: the instructions
        QCPBars *bars;
    };
    const std::vector<Layer> &layers() const { return m_layers; }
    // The bars' key of technique `index` (0 is native, then Comparison::techniques).
    static double keyOf(int index) { return index + 1.0; }
    // What the stacked layers add up to for technique `index`.
    double stackedCycles(int index) const;
    // The colour of a layer (nothing: the instructions) on a dark or a light background.
    static QColor layerColor(std::optional<EventKind> kind, bool dark);
    // The text at the end of technique `index`'s bar ("12,345 cycles  ×3.40").
    QString totalText(int index) const;

signals:
    // A bar was clicked: technique `index` (0 is native).
    void barClicked(int index);

protected:
    void changeEvent(QEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;
    bool event(QEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;

private:
    void rebuild();
    void applyColors();
    void applyFonts();
    void updateRange();
    int indexAt(const QPointF &position) const;
    QString barToolTip(int index) const;
    const TechniqueRun *runAt(int index) const;
    int runCount() const;

    std::optional<Comparison> m_comparison;
    std::vector<Layer> m_layers;
    QSharedPointer<QCPAxisTickerText> m_techniqueTicks;
    std::vector<QCPItemText *> m_totals;
    QCPItemText *m_empty = nullptr;
    WorkbenchColors m_colors;
    bool m_logarithmic = false;
};

} // namespace vmwb
