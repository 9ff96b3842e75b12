#pragma once

// How hard each core works and how full each receive ring is, now: one bar per core (its busy
// fraction over the last few milliseconds, red near 100 %, with its hardware interrupts and,
// under RPS, the IPIs that woke it) and one per queue (descriptors in use out of the ring's
// size, with the packets dropped because it was full).

#include "common/Colors.h"
#include "rss/SampleTotals.h"
#include "rss/Simulation.h"

#include <QWidget>
#include <vector>

namespace vmwb {

class LoadView : public QWidget
{
    Q_OBJECT

public:
    static constexpr double kOverloaded = 0.9; // busy fraction drawn in red

    struct CoreLoad
    {
        double busy = 0;                // 0..1, over the last few samples
        double interruptsPerSecond = 0; // over the same samples
        double ipisPerSecond = 0;
        std::uint64_t packets = 0; // over the whole run
        std::uint64_t drops = 0;
    };
    struct Ring
    {
        int occupancy = 0;
        int maxOccupancy = 0; // the most in use during the last sample
        int size = 1;
        int core = 0;
        std::uint64_t drops = 0; // over the whole run
    };

    explicit LoadView(QWidget *parent = nullptr);

    void setSimulation(const rss::ReceiveSimulation &simulation, const SampleTotals &totals);
    void clear();
    const std::vector<CoreLoad> &cores() const { return m_cores; }
    const std::vector<Ring> &rings() const { return m_rings; }

    QSize sizeHint() const override { return {560, 300}; }
    QSize minimumSizeHint() const override { return {260, 150}; }

protected:
    void paintEvent(QPaintEvent *event) override;
    bool event(QEvent *event) override;
    void changeEvent(QEvent *event) override;

private:
    struct Geometry
    {
        QRectF cores; // the cores' section, below its title
        QRectF rings; // the rings' section
        double coreSlot = 0;
        double ringSlot = 0;
        int coreTextLines = 0; // lines of numbers under each core's bar
    };
    Geometry geometry() const;
    QString toolTipAt(const QPoint &position) const;

    std::vector<CoreLoad> m_cores;
    std::vector<Ring> m_rings;
    bool m_rps = false;
    WorkbenchColors m_colors;
};

} // namespace vmwb
