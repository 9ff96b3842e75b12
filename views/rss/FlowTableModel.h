#pragma once

// The flows a simulation knows, one row each, in the simulation's order (a sort proxy puts the
// busiest first): where the hash sends each one (hash, RETA bucket, queue, core) and how many
// packets it brought. Picking a row shows that flow's hash bit by bit. Rows are updated in
// place while the simulation runs, so a selection survives.

#include "common/Colors.h"
#include "rss/Simulation.h"

#include <QAbstractTableModel>
#include <vector>

namespace vmwb {

class FlowTableModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column : int
    {
        FlowColumn,
        SourceColumn,
        DestinationColumn,
        HashColumn,
        BucketColumn,
        QueueColumn,
        CoreColumn,
        PacketsColumn,
        ShareColumn,
        DropsColumn,
        ColumnCount
    };
    enum Role : int
    {
        FlowIndexRole = Qt::UserRole + 1, // int: the row's index in ReceiveSimulation::flows()
        SortRole,                         // the number behind a numeric cell, for sorting
    };

    explicit FlowTableModel(QObject *parent = nullptr);

    // The simulation's flows: rows change in place while their number stays; a new number of
    // flows (a new simulation) resets the model.
    void setFlows(const std::vector<rss::FlowStats> &flows);
    void clear();
    const rss::FlowStats *flowAt(int row) const;
    void setColors(const WorkbenchColors &colors);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;
    Qt::ItemFlags flags(const QModelIndex &index) const override;

private:
    QVariant display(const rss::FlowStats &flow, int column) const;

    std::vector<rss::FlowStats> m_flows;
    std::uint64_t m_packets = 0; // all flows' packets: the share's denominator
    WorkbenchColors m_colors;
};

} // namespace vmwb
