#pragma once

// What the panes' table models share: each column's title and tool tip, and read-only cells.

#include <QAbstractItemModel>
#include <optional>
#include <span>

namespace vmwb {

// A table column; the texts are marked with QT_TRANSLATE_NOOP in the model's context.
struct ColumnHeader
{
    const char *title;
    const char *toolTip;
};

// headerData() of a table: the title and tool tip of column `section`, translated in `context`.
// With `leftAligned`, every title is centred but that column's: centred titles keep apart a
// right-aligned column and the left-aligned one next to it.
QVariant columnHeaderData(std::span<const ColumnHeader> columns, const char *context, int section,
                          Qt::Orientation orientation, int role,
                          std::optional<int> leftAligned = std::nullopt);

// flags() of a cell that can be selected but not edited.
Qt::ItemFlags readOnlyCellFlags(const QModelIndex &index);

} // namespace vmwb
