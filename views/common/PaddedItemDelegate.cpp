#include "common/PaddedItemDelegate.h"

#include <QApplication>
#include <QPainter>
#include <QStyle>

namespace vmwb {

PaddedItemDelegate::PaddedItemDelegate(QObject *parent, int padding)
    : QStyledItemDelegate(parent), m_padding(padding)
{}

void PaddedItemDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option,
                               const QModelIndex &index) const
{
    QStyleOptionViewItem cell = option;
    initStyleOption(&cell, index);
    const QWidget *widget = cell.widget;
    QStyle *style = widget != nullptr ? widget->style() : QApplication::style();
    // Background and selection fill the whole cell ...
    style->drawPrimitive(QStyle::PE_PanelItemViewItem, &cell, painter, widget);
    // ... the contents are drawn inset, as unselected text in the selection's colours so that
    // the selection is not painted twice.
    if (cell.state.testFlag(QStyle::State_Selected)) {
        const auto group =
            cell.state.testFlag(QStyle::State_Active) ? QPalette::Active : QPalette::Inactive;
        cell.palette.setBrush(QPalette::Text, cell.palette.brush(group, QPalette::HighlightedText));
        cell.state.setFlag(QStyle::State_Selected, false);
    }
    cell.backgroundBrush = Qt::NoBrush;
    cell.state.setFlag(QStyle::State_HasFocus, false);
    cell.rect.adjust(m_padding, 0, -m_padding, 0);
    style->drawControl(QStyle::CE_ItemViewItem, &cell, painter, widget);
}

QSize PaddedItemDelegate::sizeHint(const QStyleOptionViewItem &option,
                                   const QModelIndex &index) const
{
    return QStyledItemDelegate::sizeHint(option, index) + QSize(2 * m_padding, 0);
}

} // namespace vmwb
