#pragma once

// The NIC's indirection table (RETA) as a grid: one cell per bucket, showing the queue it
// sends to, in the colour of that queue's core, with a bar for the packets the bucket has
// taken since the table last changed (hot buckets framed). Clicking a cell moves the bucket to
// the next queue; the right button chooses the queue from a menu. The bucket of the flow whose
// hash the pane shows is marked, so the two views meet.

#include "common/Colors.h"

#include <QWidget>
#include <cstdint>
#include <vector>

namespace vmwb {

class IndirectionTableView : public QWidget
{
    Q_OBJECT

public:
    explicit IndirectionTableView(QWidget *parent = nullptr);

    // `queueCores[q]` is queue q's core, for the colours.
    void setTable(std::vector<int> reta, int queues, std::vector<int> queueCores);
    void setLoad(std::vector<std::uint64_t> bucketPackets);
    void setMarkedBucket(int bucket);
    void setEditable(bool editable);

    const std::vector<int> &table() const { return m_reta; }
    int columns() const;
    QRect cellRect(int bucket) const;
    // Buckets with more than twice their fair share of the packets, busiest first.
    std::vector<int> hotBuckets() const;

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

signals:
    // The user sent `bucket` to `queue`.
    void entryChanged(int bucket, int queue);

protected:
    void paintEvent(QPaintEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;
    bool event(QEvent *event) override;
    void changeEvent(QEvent *event) override;

private:
    int bucketAt(const QPoint &position) const;
    int rows() const;
    QSizeF cellSize() const;
    void chooseQueue(int bucket, const QPoint &globalPosition);

    std::vector<int> m_reta;
    std::vector<int> m_queueCores;
    std::vector<std::uint64_t> m_load;
    int m_queues = 1;
    int m_marked = -1;
    bool m_editable = true;
    WorkbenchColors m_colors;
};

} // namespace vmwb
