#pragma once

// Where the packets went, as a Sankey diagram: the busiest flows on the left (the rest as one
// row, a SYN flood's spoofed sources as one row), the receive queues in the middle, the cores
// on the right. A band's thickness is proportional to its packets and its colour is the core
// that processes them, so an elephant flow is one thick band that stays one colour however
// many queues there are, while many mice fan out over every core.

#include "common/Colors.h"
#include "rss/SampleTotals.h"
#include "rss/Simulation.h"

#include <QWidget>
#include <vector>

namespace vmwb {

class SteeringDiagram : public QWidget
{
    Q_OBJECT

public:
    static constexpr int kTopFlows = 12;

    // A row of the left column.
    struct Row
    {
        QString title;
        int flow = -1; // index into ReceiveSimulation::flows(); -1 for a row of many flows
        int core = -1; // the core of a single flow
        std::uint64_t packets = 0;
        std::vector<double> perQueue; // packets, by queue
        bool manySources = false;     // a SYN flood's row
    };

    explicit SteeringDiagram(QWidget *parent = nullptr);

    void setSimulation(const rss::ReceiveSimulation &simulation, const SampleTotals &totals);
    void clear();
    const std::vector<Row> &rows() const { return m_rows; }
    // The packets each core receives in the picture (its node's size).
    const std::vector<double> &corePackets() const { return m_corePackets; }

    QSize sizeHint() const override { return {560, 380}; }
    QSize minimumSizeHint() const override { return {260, 140}; }

signals:
    // A single flow's row was clicked: its index in ReceiveSimulation::flows().
    void flowClicked(int flow);

protected:
    void paintEvent(QPaintEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;
    bool event(QEvent *event) override;
    void changeEvent(QEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;

private:
    int rowBudget() const;
    // The rows, queues and cores from the simulation's numbers, for the rows that fit.
    void rebuild();
    struct Layout;
    Layout layout() const;
    int rowAt(const QPoint &position) const;
    QString rowToolTip(int row) const;

    // What setSimulation() took from the simulation: the busiest single flows in order, the
    // rest as packets per queue, and the rows of many sources.
    struct RankedFlow
    {
        int index = -1;
        QString title;
        int core = -1;
        int queue = 0;
        std::uint64_t packets = 0;
    };
    std::vector<RankedFlow> m_top;
    std::vector<RankedFlow> m_many;
    std::vector<double> m_restByQueue;
    std::uint64_t m_restPackets = 0;
    int m_restCount = 0;
    std::vector<double> m_singleByQueue;
    std::vector<double> m_queueArrivals;
    std::vector<double> m_coreWeights; // RPS: how the one queue's packets spread
    int m_rowBudget = kTopFlows + 2;
    // What rebuild() made of it.
    std::vector<Row> m_rows;
    std::vector<double> m_queuePackets;
    std::vector<int> m_queueCore;
    std::vector<std::vector<double>> m_queueToCore; // [queue][core]
    std::vector<double> m_corePackets;
    double m_total = 0;
    rss::SteeringMode m_mode = rss::SteeringMode::Rss;
    WorkbenchColors m_colors;
};

} // namespace vmwb
