#pragma once

#include <QStyledItemDelegate>

namespace vmwb {

// Draws cells with a little more room at the sides, so that a right-aligned number and the
// left-aligned text in the next column do not run together.
class PaddedItemDelegate : public QStyledItemDelegate
{
    Q_OBJECT

public:
    static constexpr int kDefaultPadding = 6; // pixels on each side

    explicit PaddedItemDelegate(QObject *parent = nullptr, int padding = kDefaultPadding);

    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;

private:
    int m_padding;
};

} // namespace vmwb
