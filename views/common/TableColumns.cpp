#include "common/TableColumns.h"

#include <QCoreApplication>

namespace vmwb {

QVariant columnHeaderData(std::span<const ColumnHeader> columns, const char *context, int section,
                          Qt::Orientation orientation, int role, std::optional<int> leftAligned)
{
    if (orientation != Qt::Horizontal || section < 0 ||
        static_cast<std::size_t>(section) >= columns.size())
        return {};
    const ColumnHeader &column = columns[static_cast<std::size_t>(section)];
    switch (role) {
    case Qt::DisplayRole:
        return QCoreApplication::translate(context, column.title);
    case Qt::ToolTipRole:
        return QCoreApplication::translate(context, column.toolTip);
    case Qt::TextAlignmentRole:
        if (!leftAligned)
            return {};
        if (section == *leftAligned)
            return QVariant::fromValue(Qt::AlignLeft | Qt::AlignVCenter);
        return QVariant::fromValue(Qt::AlignHCenter | Qt::AlignVCenter);
    default:
        return {};
    }
}

Qt::ItemFlags readOnlyCellFlags(const QModelIndex &index)
{
    if (!index.isValid())
        return Qt::NoItemFlags;
    Q_ASSERT(index.model()->checkIndex(index,
                                       QAbstractItemModel::CheckIndexOption::IndexIsValid |
                                           QAbstractItemModel::CheckIndexOption::ParentIsInvalid));
    return Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemNeverHasChildren;
}

} // namespace vmwb
