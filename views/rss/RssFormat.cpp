#include "rss/RssFormat.h"

#include <QCoreApplication>
#include <QLocale>
#include <array>
#include <cmath>

namespace vmwb {

namespace {

QString translate(const char *text)
{
    return QCoreApplication::translate("vmwb::RssFormat", text);
}

struct CoreColour
{
    QRgb light;
    QRgb dark;
};

constexpr std::array<CoreColour, 12> kCoreColours{{
    {0x1f77b4, 0x5aa9e6}, // blue
    {0xe8710a, 0xffa04d}, // orange
    {0x2ca02c, 0x5cc85c}, // green
    {0x9467bd, 0xb795e0}, // purple
    {0x8c564b, 0xc8917f}, // brown
    {0xe377c2, 0xf29ad8}, // pink
    {0x9a9b12, 0xd8d94a}, // olive
    {0x13a8b8, 0x4fd8e6}, // cyan
    {0x393b79, 0x8c8fe0}, // indigo
    {0x637939, 0x9cbf5a}, // moss
    {0xc99a2e, 0xf0cd7a}, // gold
    {0x7b4173, 0xc07ab5}, // plum
}};

// IPv6's text form (RFC 5952): groups in lower-case hex without leading zeros, the longest run
// of two or more zero groups written "::".
QString ipv6Text(const std::array<std::uint8_t, 16> &bytes)
{
    std::array<unsigned, 8> groups{};
    for (std::size_t i = 0; i < groups.size(); ++i)
        groups[i] = (unsigned{bytes[2 * i]} << 8) | bytes[2 * i + 1];
    int bestStart = -1;
    int bestLength = 1;
    for (int i = 0; i < 8;) {
        int length = 0;
        while (i + length < 8 && groups[static_cast<std::size_t>(i + length)] == 0)
            ++length;
        if (length > bestLength) {
            bestStart = i;
            bestLength = length;
        }
        i += std::max(length, 1);
    }
    QString text;
    for (int i = 0; i < 8; ++i) {
        if (i == bestStart) {
            text += QStringLiteral("::");
            i += bestLength - 1;
            continue;
        }
        if (!text.isEmpty() && !text.endsWith(QLatin1Char(':')))
            text += QLatin1Char(':');
        text += QString::number(groups[static_cast<std::size_t>(i)], 16);
    }
    return text;
}

} // namespace

QString addressText(const std::array<std::uint8_t, 16> &bytes, bool ipv6)
{
    if (ipv6)
        return ipv6Text(bytes);
    return QStringLiteral("%1.%2.%3.%4").arg(bytes[0]).arg(bytes[1]).arg(bytes[2]).arg(bytes[3]);
}

QString endpointText(const std::array<std::uint8_t, 16> &bytes, bool ipv6,
                     std::optional<std::uint16_t> port)
{
    const QString address = addressText(bytes, ipv6);
    if (!port)
        return address;
    return ipv6 ? QStringLiteral("[%1]:%2").arg(address).arg(*port)
                : QStringLiteral("%1:%2").arg(address).arg(*port);
}

QString tupleText(const rss::FlowTuple &tuple)
{
    return QStringLiteral("%1 \u2192 %2")
        .arg(endpointText(tuple.source, tuple.ipv6, tuple.sourcePort),
             endpointText(tuple.destination, tuple.ipv6, tuple.destinationPort));
}

QString flowTitle(const rss::FlowStats &flow)
{
    if (flow.manySources)
        return flow.label.isEmpty() ? translate("SYN flood (spoofed sources)") : flow.label;
    return flow.label.isEmpty() ? tupleText(flow.tuple) : flow.label;
}

QString compactNumber(double value)
{
    constexpr std::array<std::pair<double, const char *>, 3> kScales{
        {{1e9, "G"}, {1e6, "M"}, {1e3, "k"}}};
    const QLocale locale;
    const double magnitude = std::abs(value);
    for (const auto &[scale, suffix] : kScales) {
        if (magnitude >= scale) {
            const double scaled = value / scale;
            const int decimals = std::abs(scaled) >= 100 ? 0 : std::abs(scaled) >= 10 ? 1 : 2;
            return locale.toString(scaled, 'f', decimals) + QLatin1String(suffix);
        }
    }
    if (magnitude > 0 && magnitude < 10 && std::abs(value - std::round(value)) > 1e-9)
        return locale.toString(value, 'f', 2);
    return locale.toString(value, 'f', 0);
}

QString percentText(double fraction)
{
    const QLocale locale;
    const double percent = fraction * 100.0;
    if (percent > 0 && percent < 0.1)
        return translate("< 0.1 %");
    const int decimals = percent >= 10 || percent == 0 ? 0 : 1;
    return translate("%1 %").arg(locale.toString(percent, 'f', decimals));
}

QColor coreColor(int core, bool dark)
{
    if (core < 0)
        return neutralColor(dark);
    const auto index = static_cast<std::size_t>(core);
    const CoreColour &colour = kCoreColours[index % kCoreColours.size()];
    QColor color = QColor::fromRgb(dark ? colour.dark : colour.light);
    switch ((index / kCoreColours.size()) % 3) {
    case 1:
        return dark ? color.darker(135) : color.lighter(135);
    case 2:
        return dark ? color.lighter(125) : color.darker(140);
    default:
        return color;
    }
}

QColor neutralColor(bool dark)
{
    return dark ? QColor(0x8a, 0x94, 0xa3) : QColor(0x90, 0x99, 0xa6);
}

} // namespace vmwb
