#include "rss/FlowTableModel.h"

#include "common/Format.h"
#include "common/TableColumns.h"
#include "rss/RssFormat.h"

#include <QLocale>
#include <array>

namespace vmwb {

namespace {

constexpr auto kContext = "vmwb::FlowTableModel";

constexpr std::array<ColumnHeader, FlowTableModel::ColumnCount> kColumns{{
    {QT_TRANSLATE_NOOP("vmwb::FlowTableModel", "Flow"),
     QT_TRANSLATE_NOOP("vmwb::FlowTableModel", "The flow as the traffic generator names it")},
    {QT_TRANSLATE_NOOP("vmwb::FlowTableModel", "Source"),
     QT_TRANSLATE_NOOP("vmwb::FlowTableModel",
                       "Source address and port: the first bytes the Toeplitz hash reads")},
    {QT_TRANSLATE_NOOP("vmwb::FlowTableModel", "Destination"),
     QT_TRANSLATE_NOOP("vmwb::FlowTableModel", "Destination address and port")},
    {QT_TRANSLATE_NOOP("vmwb::FlowTableModel", "Hash"),
     QT_TRANSLATE_NOOP("vmwb::FlowTableModel",
                       "The Toeplitz hash of the flow's addresses and ports under the key")},
    {QT_TRANSLATE_NOOP("vmwb::FlowTableModel", "Bucket"),
     QT_TRANSLATE_NOOP("vmwb::FlowTableModel",
                       "The indirection table entry the hash's low bits select")},
    {QT_TRANSLATE_NOOP("vmwb::FlowTableModel", "Queue"),
     QT_TRANSLATE_NOOP("vmwb::FlowTableModel", "The receive queue the NIC puts the flow on")},
    {QT_TRANSLATE_NOOP("vmwb::FlowTableModel", "Core"),
     QT_TRANSLATE_NOOP("vmwb::FlowTableModel",
                       "The core that processes the flow's packets in the stack")},
    {QT_TRANSLATE_NOOP("vmwb::FlowTableModel", "Packets"),
     QT_TRANSLATE_NOOP("vmwb::FlowTableModel", "Packets of the flow that reached the NIC")},
    {QT_TRANSLATE_NOOP("vmwb::FlowTableModel", "Share"),
     QT_TRANSLATE_NOOP("vmwb::FlowTableModel", "The flow's share of all packets")},
    {QT_TRANSLATE_NOOP("vmwb::FlowTableModel", "Drops"),
     QT_TRANSLATE_NOOP("vmwb::FlowTableModel",
                       "Packets of the flow lost because a ring or a backlog was full")},
}};

bool isNumeric(int column)
{
    return column >= FlowTableModel::HashColumn;
}

QString dash()
{
    return QStringLiteral("\u2014");
}

} // namespace

FlowTableModel::FlowTableModel(QObject *parent) : QAbstractTableModel(parent) {}

void FlowTableModel::setFlows(const std::vector<rss::FlowStats> &flows)
{
    std::uint64_t packets = 0;
    for (const rss::FlowStats &flow : flows)
        packets += flow.packets;
    if (flows.size() != m_flows.size()) {
        beginResetModel();
        m_flows = flows;
        m_packets = packets;
        endResetModel();
        return;
    }
    m_flows = flows;
    m_packets = packets;
    if (!m_flows.empty())
        emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
}

void FlowTableModel::clear()
{
    beginResetModel();
    m_flows.clear();
    m_packets = 0;
    endResetModel();
}

const rss::FlowStats *FlowTableModel::flowAt(int row) const
{
    if (row < 0 || static_cast<std::size_t>(row) >= m_flows.size())
        return nullptr;
    return &m_flows[static_cast<std::size_t>(row)];
}

void FlowTableModel::setColors(const WorkbenchColors &colors)
{
    m_colors = colors;
    if (!m_flows.empty())
        emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
}

int FlowTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_flows.size());
}

int FlowTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant FlowTableModel::display(const rss::FlowStats &flow, int column) const
{
    const QLocale locale;
    switch (column) {
    case FlowColumn:
        return flowTitle(flow);
    case SourceColumn:
        return flow.manySources
                   ? tr("many (spoofed)")
                   : endpointText(flow.tuple.source, flow.tuple.ipv6, flow.tuple.sourcePort);
    case DestinationColumn:
        return endpointText(flow.tuple.destination, flow.tuple.ipv6, flow.tuple.destinationPort);
    case HashColumn:
        return flow.manySources ? dash()
                                : QStringLiteral("0x%1").arg(flow.hash, 8, 16, QLatin1Char('0'));
    case BucketColumn:
        return flow.bucket < 0 ? dash() : locale.toString(flow.bucket);
    case QueueColumn:
        return flow.queue < 0 ? dash() : locale.toString(flow.queue);
    case CoreColumn:
        return flow.core < 0 ? dash() : locale.toString(flow.core);
    case PacketsColumn:
        return locale.toString(static_cast<qulonglong>(flow.packets));
    case ShareColumn:
        return m_packets == 0 ? dash()
                              : percentText(static_cast<double>(flow.packets) /
                                            static_cast<double>(m_packets));
    case DropsColumn:
        return locale.toString(static_cast<qulonglong>(flow.drops));
    default:
        return {};
    }
}

QVariant FlowTableModel::data(const QModelIndex &index, int role) const
{
    const rss::FlowStats *flow = flowAt(index.row());
    if (flow == nullptr || index.column() < 0 || index.column() >= ColumnCount)
        return {};
    const int column = index.column();
    switch (role) {
    case Qt::DisplayRole:
        return display(*flow, column);
    case Qt::ToolTipRole:
        if (flow->manySources)
            return tr("Every packet of a SYN flood comes from a new, spoofed source: each is a "
                      "flow of its own, hashed to a bucket of its own, so the flood spreads "
                      "over every queue");
        return tr("%1\nhash 0x%2, bucket %3, queue %4, core %5")
            .arg(tupleText(flow->tuple))
            .arg(flow->hash, 8, 16, QLatin1Char('0'))
            .arg(flow->bucket)
            .arg(flow->queue)
            .arg(flow->core);
    case Qt::TextAlignmentRole:
        return QVariant::fromValue(isNumeric(column) ? Qt::AlignRight | Qt::AlignVCenter
                                                     : Qt::AlignLeft | Qt::AlignVCenter);
    case Qt::FontRole:
        if (column == HashColumn || column == SourceColumn || column == DestinationColumn)
            return valueFont();
        return {};
    case Qt::DecorationRole:
        if (column == CoreColumn)
            return coreColor(flow->core, m_colors.dark);
        return {};
    case Qt::ForegroundRole:
        if (column == DropsColumn && flow->drops > 0)
            return m_colors.error;
        return {};
    case FlowIndexRole:
        return index.row();
    case SortRole:
        switch (column) {
        case HashColumn:
            return static_cast<qulonglong>(flow->hash);
        case BucketColumn:
            return flow->bucket;
        case QueueColumn:
            return flow->queue;
        case CoreColumn:
            return flow->core;
        case PacketsColumn:
        case ShareColumn:
            return static_cast<qulonglong>(flow->packets);
        case DropsColumn:
            return static_cast<qulonglong>(flow->drops);
        default:
            return display(*flow, column);
        }
    default:
        return {};
    }
}

QVariant FlowTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    return columnHeaderData(kColumns, kContext, section, orientation, role, FlowColumn);
}

Qt::ItemFlags FlowTableModel::flags(const QModelIndex &index) const
{
    return readOnlyCellFlags(index);
}

} // namespace vmwb
