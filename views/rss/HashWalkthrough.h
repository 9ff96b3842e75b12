#pragma once

// One packet's Toeplitz hash, bit by bit, as Microsoft's "RSS Hashing Functions" defines it:
//
//   input   src addr | dst addr | src port | dst port      (network order, MSB first)
//   key     k0 k1 k2 ... (40 bytes)
//   for each input bit i:  if bit i is set, result ^= key bits i .. i+31
//
// The picture puts input bit i above key bit i, so that the 32-bit window a set bit XORs into
// the result starts right under it and slides one bit to the right per step. Below it the
// window, the result before and after, and at the end the result's low bits as the RETA
// bucket, and where that bucket sends the packet.

#include "common/Colors.h"
#include "rss/Scenario.h"

#include <QWidget>
#include <cstdint>
#include <vector>

class QLabel;
class QSlider;
class QToolButton;

namespace vmwb {

// Where the hash sends the packet under the simulation's current RETA and mode.
struct HashRoute
{
    rss::SteeringMode mode = rss::SteeringMode::Rss;
    std::size_t retaSize = 128;
    int queue = -1;
    int core = -1;
    int cores = 1;
};

// The painted part: input bytes and bits, the key and its window, the XOR.
class ToeplitzRibbon : public QWidget
{
    Q_OBJECT

public:
    explicit ToeplitzRibbon(QWidget *parent = nullptr);

    void setHash(std::vector<std::uint8_t> key, std::vector<std::uint8_t> input,
                 std::vector<rss::HashStep> steps, std::size_t retaSize);
    // Steps applied: 0 (nothing yet) .. steps.size() (the whole input).
    void setPosition(int position);
    void setRetaSize(std::size_t retaSize);
    void setBucketColor(const QColor &color);

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent *event) override;
    void changeEvent(QEvent *event) override;

private:
    struct Metrics;
    Metrics metrics() const;

    std::vector<std::uint8_t> m_key;
    std::vector<std::uint8_t> m_input;
    std::vector<rss::HashStep> m_steps;
    std::size_t m_retaSize = 128;
    int m_position = 0;
    QColor m_bucketColor;
    WorkbenchColors m_colors;
};

class HashWalkthrough : public QWidget
{
    Q_OBJECT

public:
    explicit HashWalkthrough(QWidget *parent = nullptr);

    // Shows the hash of `tuple` under `key`, at the end (the whole hash). A key too short for
    // the input shows a message instead.
    void setFlow(const QString &title, const rss::FlowTuple &tuple,
                 const std::vector<std::uint8_t> &key);
    void clearFlow(const QString &message);
    void setRoute(const HashRoute &route);

    int bitCount() const { return static_cast<int>(m_steps.size()); }
    int position() const { return m_position; }
    // The running result after `position()` bits (the hash at the end).
    std::uint32_t result() const;
    // The hash of the whole input (what the last step gives).
    std::uint32_t finalHash() const;
    bool hasFlow() const { return !m_steps.empty(); }
    QString routeText() const;
    const rss::FlowTuple &tuple() const { return m_tuple; }

public slots:
    void setPosition(int position);
    void stepForward();
    void stepBack();
    void toStart();
    void toEnd();

protected:
    void changeEvent(QEvent *event) override;

private:
    void showPosition();
    void showRoute();

    ToeplitzRibbon *m_ribbon = nullptr;
    QLabel *m_title = nullptr;
    QLabel *m_step = nullptr;
    QLabel *m_routeLabel = nullptr;
    QSlider *m_slider = nullptr;
    QToolButton *m_start = nullptr;
    QToolButton *m_back = nullptr;
    QToolButton *m_forward = nullptr;
    QToolButton *m_end = nullptr;
    rss::FlowTuple m_tuple;
    std::vector<std::uint8_t> m_input;
    std::vector<rss::HashStep> m_steps;
    HashRoute m_route;
    int m_position = 0;
};

} // namespace vmwb
