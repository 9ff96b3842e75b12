#include "rss/HashWalkthrough.h"

#include "common/Format.h"
#include "rss/RssFormat.h"

#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QPainter>
#include <QSlider>
#include <QStyle>
#include <QToolButton>
#include <QVBoxLayout>
#include <algorithm>
#include <bit>
#include <stdexcept>

namespace vmwb {

namespace {

constexpr int kWindowBits = 32; // the hash's width, and the key window's

// The parts of Microsoft's hash input, in order (addresses, then ports when the tuple has
// them), as byte ranges.
struct Field
{
    std::size_t begin;
    std::size_t end;
    const char *title;
    const char *shortTitle;
};

std::vector<Field> fieldsOf(std::size_t inputLength)
{
    const std::size_t address = inputLength >= 32 ? 16 : 4;
    std::vector<Field> fields{
        {0, address, QT_TRANSLATE_NOOP("vmwb::ToeplitzRibbon", "source address"),
         QT_TRANSLATE_NOOP("vmwb::ToeplitzRibbon", "src")},
        {address, 2 * address, QT_TRANSLATE_NOOP("vmwb::ToeplitzRibbon", "destination address"),
         QT_TRANSLATE_NOOP("vmwb::ToeplitzRibbon", "dst")}};
    if (inputLength >= 2 * address + 4) {
        fields.push_back({2 * address, 2 * address + 2,
                          QT_TRANSLATE_NOOP("vmwb::ToeplitzRibbon", "source port"),
                          QT_TRANSLATE_NOOP("vmwb::ToeplitzRibbon", "sport")});
        fields.push_back({2 * address + 2, 2 * address + 4,
                          QT_TRANSLATE_NOOP("vmwb::ToeplitzRibbon", "destination port"),
                          QT_TRANSLATE_NOOP("vmwb::ToeplitzRibbon", "dport")});
    }
    return fields;
}

std::size_t fieldOfByte(const std::vector<Field> &fields, std::size_t byte)
{
    for (std::size_t f = 0; f < fields.size(); ++f) {
        if (byte >= fields[f].begin && byte < fields[f].end)
            return f;
    }
    return fields.empty() ? 0 : fields.size() - 1;
}

QColor fieldTint(std::size_t field, bool dark)
{
    constexpr std::array<QRgb, 4> kLight{0xdde9fb, 0xdff1df, 0xfcecd2, 0xf1e0f5};
    constexpr std::array<QRgb, 4> kDark{0x22344a, 0x243a2a, 0x45381f, 0x3c2843};
    return QColor::fromRgb(dark ? kDark[field % 4] : kLight[field % 4]);
}

bool bitOf(const std::vector<std::uint8_t> &bytes, std::size_t bit)
{
    return bit / 8 < bytes.size() && ((bytes[bit / 8] >> (7 - bit % 8)) & 1U) != 0;
}

bool bitOf(std::uint32_t value, int bit) // bit 0 = the most significant
{
    return ((value >> (31 - bit)) & 1U) != 0;
}

int bucketBits(std::size_t retaSize)
{
    return std::has_single_bit(retaSize) ? std::countr_zero(retaSize) : 0;
}

QString hex32(std::uint32_t value)
{
    return QStringLiteral("0x%1").arg(value, 8, 16, QLatin1Char('0'));
}

} // namespace

// ---------------------------------------------------------------------------------------------

struct ToeplitzRibbon::Metrics
{
    QFont mono;
    QFont bold;
    QFont label;
    int charWidth = 8;
    int line = 16;  // a row's height
    int gap = 6;    // between rows
    int labels = 0; // width of the row titles
    int bit = 10;   // a bit cell's width
    int byteGap = 4;
    int byteBox = 24; // an input byte's box in the bytes row
    int fieldGap = 10;
};

ToeplitzRibbon::ToeplitzRibbon(QWidget *parent)
    : QWidget(parent), m_colors(WorkbenchColors::forPalette(palette()))
{
    setObjectName(QStringLiteral("toeplitzRibbon"));
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    setAccessibleName(tr("The Toeplitz hash, bit by bit"));
}

ToeplitzRibbon::Metrics ToeplitzRibbon::metrics() const
{
    Metrics m;
    m.mono = valueFont();
    m.mono.setPointSizeF(font().pointSizeF() > 0 ? font().pointSizeF() : 10.0);
    m.bold = m.mono;
    m.bold.setBold(true);
    m.label = font();
    const QFontMetrics mono(m.mono);
    const QFontMetrics label(m.label);
    m.charWidth = mono.horizontalAdvance(QLatin1Char('0'));
    m.line = std::max(mono.height(), label.height()) + 4;
    m.gap = m.line / 4;
    m.bit = m.charWidth + 4;
    m.byteGap = m.bit / 2;
    m.byteBox = 3 * m.charWidth;
    m.fieldGap = 2 * m.charWidth;
    for (const char *title :
         {"Input bytes", "Input bits", "Key bits", "Key window", "Result before", "Result after"})
        m.labels = std::max(m.labels, label.horizontalAdvance(tr(title)));
    m.labels += 3 * m.charWidth;
    return m;
}

void ToeplitzRibbon::setHash(std::vector<std::uint8_t> key, std::vector<std::uint8_t> input,
                             std::vector<rss::HashStep> steps, std::size_t retaSize)
{
    m_key = std::move(key);
    m_input = std::move(input);
    m_steps = std::move(steps);
    m_retaSize = retaSize;
    m_position = std::clamp(m_position, 0, static_cast<int>(m_steps.size()));
    updateGeometry();
    update();
}

void ToeplitzRibbon::setPosition(int position)
{
    m_position = std::clamp(position, 0, static_cast<int>(m_steps.size()));
    update();
}

void ToeplitzRibbon::setRetaSize(std::size_t retaSize)
{
    m_retaSize = retaSize;
    update();
}

void ToeplitzRibbon::setBucketColor(const QColor &color)
{
    m_bucketColor = color;
    update();
}

QSize ToeplitzRibbon::sizeHint() const
{
    const Metrics m = metrics();
    const int bytes = static_cast<int>(std::max<std::size_t>(m_input.size(), 12));
    const int width = m.labels + bytes * (8 * m.bit + m.byteGap) + kWindowBits * m.bit;
    return {std::min(width, 1400), 7 * (m.line + m.gap) + m.gap};
}

QSize ToeplitzRibbon::minimumSizeHint() const
{
    const Metrics m = metrics();
    return {m.labels + 40 * m.bit, 7 * (m.line + m.gap) + m.gap};
}

void ToeplitzRibbon::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) {
        m_colors = WorkbenchColors::forPalette(palette());
        update();
    } else if (event->type() == QEvent::FontChange) {
        updateGeometry();
        update();
    }
}

void ToeplitzRibbon::paintEvent(QPaintEvent *)
{
    QPainter painter(this);
    painter.setRenderHint(QPainter::Antialiasing, false);
    const Metrics m = metrics();
    const bool dark = m_colors.dark;
    const QColor text = palette().color(QPalette::WindowText);
    const QColor dim = m_colors.dimText;
    if (m_steps.empty())
        return;

    const std::vector<Field> fields = fieldsOf(m_input.size());
    const std::size_t inputBits = m_input.size() * 8;
    const std::size_t keyBits = m_key.size() * 8;
    // The bit just applied (none before the first step).
    const int applied = m_position - 1;
    const std::size_t focus = applied >= 0 ? static_cast<std::size_t>(applied) : 0;
    const rss::HashStep *step =
        applied >= 0 ? &m_steps[static_cast<std::size_t>(applied)] : nullptr;
    const std::uint32_t before =
        applied >= 1 ? m_steps[static_cast<std::size_t>(applied - 1)].result : 0U;
    const std::uint32_t after = step != nullptr ? step->result : 0U;
    const bool finished = m_position == static_cast<int>(m_steps.size());

    const auto rowTop = [&m](int row) { return m.gap + row * (m.line + m.gap); };
    const auto rowLabel = [&](int row, const QString &title) {
        painter.setFont(m.label);
        painter.setPen(dim);
        painter.drawText(QRect(0, rowTop(row), m.labels - 2 * m.charWidth, m.line),
                         Qt::AlignRight | Qt::AlignVCenter, title);
    };

    // Row 0 and 1: the input bytes in hex, grouped by field, with the fields' names.
    rowLabel(0, tr("Input bytes"));
    {
        int x = m.labels;
        std::size_t field = 0;
        std::vector<std::pair<int, int>> spans(fields.size(), {-1, -1});
        for (std::size_t i = 0; i < m_input.size(); ++i) {
            const std::size_t f = fieldOfByte(fields, i);
            if (f != field) {
                x += m.fieldGap;
                field = f;
            }
            const QRect box(x, rowTop(0), m.byteBox, m.line);
            const bool current = step != nullptr && focus / 8 == i && !finished;
            painter.fillRect(box.adjusted(1, 0, -1, 0),
                             current ? m_colors.currentLine : fieldTint(f, dark));
            painter.setFont(current ? m.bold : m.mono);
            painter.setPen(i * 8 < static_cast<std::size_t>(m_position) || finished ? text : dim);
            painter.drawText(box, Qt::AlignCenter,
                             QStringLiteral("%1").arg(m_input[i], 2, 16, QLatin1Char('0')));
            if (spans[f].first < 0)
                spans[f].first = x;
            spans[f].second = x + m.byteBox;
            x += m.byteBox;
        }
        painter.setFont(m.label);
        const QFontMetrics labelMetrics(m.label);
        for (std::size_t f = 0; f < fields.size(); ++f) {
            const QRect span(spans[f].first, rowTop(1), spans[f].second - spans[f].first, m.line);
            painter.setPen(QPen(dim, 1));
            painter.drawLine(span.left() + 2, span.top() + 2, span.right() - 2, span.top() + 2);
            QString title = tr(fields[f].title);
            if (labelMetrics.horizontalAdvance(title) > span.width())
                title = tr(fields[f].shortTitle);
            painter.setPen(dim);
            painter.drawText(span.adjusted(0, 2, 0, 0), Qt::AlignHCenter | Qt::AlignVCenter, title);
        }
    }

    // Rows 2 and 3: input bit i above key bit i. The view starts at a byte boundary and slides
    // so that the focused bit's whole window shows.
    const int room = width() - m.labels - m.charWidth;
    const int perByte = 8 * m.bit + m.byteGap;
    const auto capacity = static_cast<std::size_t>(std::max(1, room / perByte) * 8);
    std::size_t first = 0;
    if (focus + kWindowBits + 8 > capacity)
        first = ((focus + kWindowBits + 8 - capacity + 7) / 8) * 8;
    const auto bitX = [&](std::size_t bit) {
        const auto offset = static_cast<int>(bit - first);
        return m.labels + offset * m.bit + (offset / 8) * m.byteGap;
    };
    const std::size_t last = std::min(first + capacity, keyBits);
    rowLabel(2, tr("Input bits"));
    rowLabel(3, tr("Key bits"));
    if (first > 0) {
        painter.setFont(m.mono);
        painter.setPen(dim);
        for (int row : {2, 3})
            painter.drawText(
                QRect(m.labels - 2 * m.charWidth, rowTop(row), 2 * m.charWidth, m.line),
                Qt::AlignCenter, QStringLiteral("\u2026"));
    }
    for (std::size_t bit = first; bit < last; ++bit) {
        const int x = bitX(bit);
        if (bit < inputBits) {
            const QRect cell(x, rowTop(2), m.bit, m.line);
            const bool isFocus = step != nullptr && bit == focus;
            painter.fillRect(cell, isFocus ? m_colors.currentLine
                                           : fieldTint(fieldOfByte(fields, bit / 8), dark));
            const bool set = bitOf(m_input, bit);
            painter.setFont(set ? m.bold : m.mono);
            painter.setPen(static_cast<int>(bit) < m_position ? text : dim);
            painter.drawText(cell, Qt::AlignCenter,
                             set ? QStringLiteral("1") : QStringLiteral("0"));
        }
        const QRect keyCell(x, rowTop(3), m.bit, m.line);
        const bool inWindow = step != nullptr && bit >= focus && bit < focus + kWindowBits;
        if (inWindow && step->set)
            painter.fillRect(keyCell, m_colors.changed);
        const bool keySet = bitOf(m_key, bit);
        painter.setFont(keySet ? m.bold : m.mono);
        painter.setPen(inWindow ? text : dim);
        painter.drawText(keyCell, Qt::AlignCenter,
                         keySet ? QStringLiteral("1") : QStringLiteral("0"));
    }
    if (step != nullptr) {
        // The window's frame: solid when the bit was set and the window XORed in.
        const std::size_t end = std::min(focus + kWindowBits, last);
        const QRect frame(bitX(focus) - 1, rowTop(3) - 1, bitX(end - 1) + m.bit - bitX(focus) + 2,
                          m.line + 2);
        painter.setPen(QPen(step->set ? m_colors.flagWritten : dim, 2,
                            step->set ? Qt::SolidLine : Qt::DashLine));
        painter.setBrush(Qt::NoBrush);
        painter.drawRect(frame);
        // A tick from the input bit down to its window's first key bit.
        painter.drawLine(bitX(focus) + m.bit / 2, rowTop(2) + m.line, bitX(focus) + m.bit / 2,
                         rowTop(3) - 1);
    }

    // Rows 4 to 6: the window, the result before and after, 32 cells each.
    const auto wordX = [&m](int bit) { return m.labels + bit * m.bit + (bit / 8) * m.byteGap; };
    const int wordEnd = wordX(kWindowBits - 1) + m.bit + m.charWidth;
    const int buckets = bucketBits(m_retaSize);
    const auto drawWord = [&](int row, std::uint32_t value, std::uint32_t changed, bool faint,
                              bool showBucket) {
        for (int bit = 0; bit < kWindowBits; ++bit) {
            const QRect cell(wordX(bit), rowTop(row), m.bit, m.line);
            const bool inBucket = showBucket && bit >= kWindowBits - buckets;
            if (inBucket)
                painter.fillRect(cell,
                                 m_bucketColor.isValid() ? m_bucketColor : m_colors.currentLine);
            else if (bitOf(changed, bit))
                painter.fillRect(cell, m_colors.changed);
            const bool set = bitOf(value, bit);
            painter.setFont(set ? m.bold : m.mono);
            painter.setPen(faint ? dim : text);
            painter.drawText(cell, Qt::AlignCenter,
                             set ? QStringLiteral("1") : QStringLiteral("0"));
        }
        painter.setFont(m.bold);
        painter.setPen(faint ? dim : text);
        painter.drawText(QRect(wordEnd, rowTop(row), 12 * m.charWidth, m.line),
                         Qt::AlignLeft | Qt::AlignVCenter, hex32(value));
    };
    const int noteX = wordEnd + 12 * m.charWidth;
    const auto note = [&](int row, const QString &message, const QColor &color) {
        painter.setFont(m.label);
        painter.setPen(color);
        painter.drawText(QRect(noteX, rowTop(row), std::max(0, width() - noteX), m.line),
                         Qt::AlignLeft | Qt::AlignVCenter, message);
    };

    // Written as the sum it is: the result before, XOR the window (if the bit is set), gives
    // the result after.
    rowLabel(4, tr("Result before"));
    rowLabel(5, tr("Key window"));
    rowLabel(6, tr("Result after"));
    const auto symbol = [&](int row, const QString &sign) {
        painter.setFont(m.bold);
        painter.setPen(text);
        painter.drawText(QRect(m.labels - 2 * m.charWidth, rowTop(row), 2 * m.charWidth, m.line),
                         Qt::AlignCenter, sign);
    };
    if (step == nullptr) {
        drawWord(4, 0, 0, true, false);
        drawWord(5, 0, 0, true, false);
        drawWord(6, 0, 0, false, false);
        note(5, tr("Start: the result is 0. Step to apply input bit 0."), dim);
        return;
    }
    drawWord(4, before, 0, false, false);
    symbol(5, step->set ? QStringLiteral("\u2295") : QString());
    drawWord(5, step->window, 0, !step->set, false);
    note(5,
         step->set ? tr("key bits %1\u2013%2: input bit %1 is 1, so XOR them in")
                         .arg(focus)
                         .arg(focus + kWindowBits - 1)
                   : tr("key bits %1\u2013%2: input bit %1 is 0, so skip them")
                         .arg(focus)
                         .arg(focus + kWindowBits - 1),
         step->set ? text : dim);
    symbol(6, QStringLiteral("="));
    drawWord(6, after, before ^ after, false, finished && buckets > 0);
    if (finished) {
        note(6,
             buckets > 0 ? tr("the hash; its low %1 bits are the RETA bucket, %2")
                               .arg(buckets)
                               .arg(rss::retaBucket(after, m_retaSize))
                         : tr("the hash; bucket = hash mod %1 = %2")
                               .arg(m_retaSize)
                               .arg(rss::retaBucket(after, m_retaSize)),
             text);
    } else {
        note(6, tr("after %n of %1 input bits", nullptr, m_position).arg(inputBits), dim);
    }
}

// ---------------------------------------------------------------------------------------------

HashWalkthrough::HashWalkthrough(QWidget *parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("hashWalkthrough"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    m_title = new QLabel(this);
    m_title->setObjectName(QStringLiteral("hashFlow"));
    m_title->setTextFormat(Qt::RichText);
    m_title->setWordWrap(true);
    layout->addWidget(m_title);
    m_ribbon = new ToeplitzRibbon(this);
    layout->addWidget(m_ribbon);

    auto *controls = new QHBoxLayout;
    const auto button = [this, controls](QStyle::StandardPixmap icon, const QString &name,
                                         const QString &tip) {
        auto *b = new QToolButton(this);
        b->setObjectName(name);
        b->setIcon(style()->standardIcon(icon));
        b->setToolTip(tip);
        b->setAutoRepeat(icon == QStyle::SP_MediaSeekForward ||
                         icon == QStyle::SP_MediaSeekBackward);
        controls->addWidget(b);
        return b;
    };
    m_start = button(QStyle::SP_MediaSkipBackward, QStringLiteral("hashStart"),
                     tr("Back to the start: no input bit applied, the result 0"));
    m_back =
        button(QStyle::SP_MediaSeekBackward, QStringLiteral("hashBack"), tr("One input bit back"));
    m_slider = new QSlider(Qt::Horizontal, this);
    m_slider->setObjectName(QStringLiteral("hashSlider"));
    m_slider->setToolTip(tr("The input bits applied so far; drag, or use the arrow keys"));
    m_slider->setPageStep(8);
    controls->addWidget(m_slider, 1);
    m_forward = button(QStyle::SP_MediaSeekForward, QStringLiteral("hashForward"),
                       tr("Apply the next input bit"));
    m_end = button(QStyle::SP_MediaSkipForward, QStringLiteral("hashEnd"),
                   tr("Apply every remaining bit: the hash"));
    m_step = new QLabel(this);
    m_step->setObjectName(QStringLiteral("hashStep"));
    m_step->setMinimumWidth(QFontMetrics(font()).horizontalAdvance(tr("bit 288 of 288")) + 8);
    controls->addWidget(m_step);
    layout->addLayout(controls);

    m_routeLabel = new QLabel(this);
    m_routeLabel->setObjectName(QStringLiteral("hashRoute"));
    m_routeLabel->setTextFormat(Qt::RichText);
    m_routeLabel->setWordWrap(true);
    m_routeLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_routeLabel);
    layout->addStretch(1);

    connect(m_slider, &QSlider::valueChanged, this, &HashWalkthrough::setPosition);
    connect(m_start, &QToolButton::clicked, this, &HashWalkthrough::toStart);
    connect(m_back, &QToolButton::clicked, this, &HashWalkthrough::stepBack);
    connect(m_forward, &QToolButton::clicked, this, &HashWalkthrough::stepForward);
    connect(m_end, &QToolButton::clicked, this, &HashWalkthrough::toEnd);
    clearFlow(tr("No flow yet."));
}

void HashWalkthrough::setFlow(const QString &title, const rss::FlowTuple &tuple,
                              const std::vector<std::uint8_t> &key)
{
    m_tuple = tuple;
    m_input = rss::hashInput(tuple);
    try {
        m_steps = rss::hashSteps(key, m_input);
    } catch (const std::exception &) {
        clearFlow(tr("The key has %1 bytes: too short for this flow's %2 input bytes (the "
                     "hash needs the input's length plus 4).")
                      .arg(key.size())
                      .arg(m_input.size()));
        return;
    }
    // The generator names flows by their tuple; say it once.
    const QString tupleName = tupleText(tuple);
    const QString name = title == tupleName || title.isEmpty()
                             ? QStringLiteral("<b>%1</b>").arg(tupleName.toHtmlEscaped())
                             : QStringLiteral("<b>%1</b> &nbsp; %2")
                                   .arg(title.toHtmlEscaped(), tupleName.toHtmlEscaped());
    m_title->setText(tr("%1 &nbsp; (%2 input bytes, %3 bits, source first, network order)")
                         .arg(name)
                         .arg(m_input.size())
                         .arg(m_input.size() * 8));
    m_ribbon->setHash(key, m_input, m_steps, m_route.retaSize);
    m_slider->blockSignals(true);
    m_slider->setRange(0, bitCount());
    m_slider->blockSignals(false);
    for (QWidget *w : std::initializer_list<QWidget *>{m_slider, m_start, m_back, m_forward, m_end})
        w->setEnabled(true);
    m_ribbon->show();
    toEnd();
    showPosition();
}

void HashWalkthrough::clearFlow(const QString &message)
{
    m_steps.clear();
    m_input.clear();
    m_position = 0;
    m_title->setText(message.toHtmlEscaped());
    m_ribbon->setHash({}, {}, {}, m_route.retaSize);
    m_ribbon->hide();
    m_slider->blockSignals(true);
    m_slider->setRange(0, 0);
    m_slider->blockSignals(false);
    for (QWidget *w : std::initializer_list<QWidget *>{m_slider, m_start, m_back, m_forward, m_end})
        w->setEnabled(false);
    m_step->clear();
    m_routeLabel->clear();
}

void HashWalkthrough::setRoute(const HashRoute &route)
{
    m_route = route;
    m_ribbon->setRetaSize(route.retaSize);
    showRoute();
}

std::uint32_t HashWalkthrough::result() const
{
    return m_position > 0 ? m_steps[static_cast<std::size_t>(m_position - 1)].result : 0U;
}

std::uint32_t HashWalkthrough::finalHash() const
{
    return m_steps.empty() ? 0U : m_steps.back().result;
}

void HashWalkthrough::setPosition(int position)
{
    m_position = std::clamp(position, 0, bitCount());
    showPosition();
}

void HashWalkthrough::stepForward()
{
    setPosition(m_position + 1);
}

void HashWalkthrough::stepBack()
{
    setPosition(m_position - 1);
}

void HashWalkthrough::toStart()
{
    setPosition(0);
}

void HashWalkthrough::toEnd()
{
    setPosition(bitCount());
}

void HashWalkthrough::showPosition()
{
    if (m_slider->value() != m_position) {
        m_slider->blockSignals(true);
        m_slider->setValue(m_position);
        m_slider->blockSignals(false);
    }
    m_ribbon->setPosition(m_position);
    m_step->setText(hasFlow() ? tr("bit %1 of %2").arg(m_position).arg(bitCount()) : QString());
    m_back->setEnabled(hasFlow() && m_position > 0);
    m_start->setEnabled(hasFlow() && m_position > 0);
    m_forward->setEnabled(hasFlow() && m_position < bitCount());
    m_end->setEnabled(hasFlow() && m_position < bitCount());
    showRoute();
}

QString HashWalkthrough::routeText() const
{
    if (!hasFlow())
        return {};
    const std::uint32_t hash = finalHash();
    const std::size_t bucket = rss::retaBucket(hash, m_route.retaSize);
    switch (m_route.mode) {
    case rss::SteeringMode::SingleQueue:
        return tr("Single queue: the NIC does not steer, so the hash %1 is not used; every "
                  "packet goes to queue 0 and core %2.")
            .arg(hex32(hash))
            .arg(std::max(m_route.core, 0));
    case rss::SteeringMode::Rps:
        return tr("RPS: the NIC's one queue interrupts core 0, which hashes in software "
                  "(%1) and hands the packet to core (hash \u00d7 %2) >> 32 = <b>%3</b>.")
            .arg(hex32(hash))
            .arg(m_route.cores)
            .arg(m_route.core);
    case rss::SteeringMode::Rss:
        break;
    }
    const int bits = bucketBits(m_route.retaSize);
    const QString bucketText =
        bits > 0 ? tr("low %1 bits \u2192 bucket <b>%2</b>").arg(bits).arg(bucket)
                 : tr("hash mod %1 \u2192 bucket <b>%2</b>").arg(m_route.retaSize).arg(bucket);
    return tr("Hash <b>%1</b> \u2192 %2 \u2192 RETA[%3] = queue <b>%4</b> \u2192 MSI-X "
              "vector \u2192 core <b>%5</b>")
        .arg(hex32(hash), bucketText)
        .arg(bucket)
        .arg(m_route.queue)
        .arg(m_route.core);
}

void HashWalkthrough::showRoute()
{
    const bool dark = WorkbenchColors::forPalette(palette()).dark;
    QColor bucket = coreColor(m_route.core, dark);
    bucket.setAlpha(110);
    m_ribbon->setBucketColor(bucket);
    if (!hasFlow()) {
        m_routeLabel->clear();
        return;
    }
    if (m_position < bitCount())
        m_routeLabel->setText(tr("Step on, or jump to the end, to see where the hash sends the "
                                 "packet."));
    else
        m_routeLabel->setText(routeText());
}

void HashWalkthrough::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange)
        showRoute();
}

} // namespace vmwb
