#include "rss/Toeplitz.h"

#include <QRegularExpression>
#include <arpa/inet.h>
#include <stdexcept>

namespace vmwb::rss {

const std::vector<std::uint8_t> &microsoftKey()
{
    static const std::vector<std::uint8_t> key{
        0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3,
        0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3,
        0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
    };
    return key;
}

std::vector<std::uint8_t> symmetricKey(std::size_t length)
{
    std::vector<std::uint8_t> key(length);
    for (std::size_t i = 0; i < length; ++i)
        key[i] = i % 2 == 0 ? 0x6d : 0x5a;
    return key;
}

std::size_t maxInputLength(std::span<const std::uint8_t> key)
{
    return key.size() >= 4 ? key.size() - 4 : 0;
}

std::uint32_t keyWindow(std::span<const std::uint8_t> key, std::size_t offset)
{
    const std::size_t byte = offset / 8;
    const unsigned shift = offset % 8;
    std::uint64_t bits = 0;
    for (std::size_t i = 0; i < 5; ++i)
        bits = (bits << 8) | (byte + i < key.size() ? key[byte + i] : 0);
    return static_cast<std::uint32_t>(bits >> (8 - shift));
}

std::uint32_t hashBitSerial(std::span<const std::uint8_t> key, std::span<const std::uint8_t> input)
{
    if (input.size() > maxInputLength(key))
        throw std::invalid_argument("the RSS key is too short for the input");
    // The textbook form: a 32-bit window on the key, shifted left one bit per input bit, the
    // next key bit entering on the right.
    std::uint32_t window = keyWindow(key, 0);
    std::size_t next = 32; // the key bit that enters next
    std::uint32_t result = 0;
    for (std::uint8_t byte : input) {
        for (int bit = 7; bit >= 0; --bit) {
            if ((byte >> bit) & 1U)
                result ^= window;
            const unsigned incoming = (key[next / 8] >> (7 - next % 8)) & 1U;
            window = (window << 1) | incoming;
            ++next;
        }
    }
    return result;
}

std::vector<HashStep> hashSteps(std::span<const std::uint8_t> key,
                                std::span<const std::uint8_t> input)
{
    if (input.size() > maxInputLength(key))
        throw std::invalid_argument("the RSS key is too short for the input");
    std::vector<HashStep> steps;
    steps.reserve(input.size() * 8);
    std::uint32_t result = 0;
    for (std::size_t bit = 0; bit < input.size() * 8; ++bit) {
        HashStep step;
        step.bit = bit;
        step.set = (input[bit / 8] >> (7 - bit % 8)) & 1U;
        step.window = keyWindow(key, bit);
        if (step.set)
            result ^= step.window;
        step.result = result;
        steps.push_back(step);
    }
    return steps;
}

ToeplitzTable::ToeplitzTable(std::span<const std::uint8_t> key) : m_table(maxInputLength(key))
{
    for (std::size_t position = 0; position < m_table.size(); ++position) {
        std::array<std::uint32_t, 8> windows{}; // for bit 7 (most significant) down to bit 0
        for (std::size_t bit = 0; bit < 8; ++bit)
            windows[bit] = keyWindow(key, position * 8 + bit);
        for (unsigned value = 0; value < 256; ++value) {
            std::uint32_t result = 0;
            for (std::size_t bit = 0; bit < 8; ++bit) {
                if ((value >> (7 - bit)) & 1U)
                    result ^= windows[bit];
            }
            m_table[position][value] = result;
        }
    }
}

std::vector<std::uint8_t> hashInput(const FlowTuple &tuple)
{
    const std::size_t addressBytes = tuple.ipv6 ? 16 : 4;
    std::vector<std::uint8_t> input;
    input.insert(input.end(), tuple.source.begin(), tuple.source.begin() + addressBytes);
    input.insert(input.end(), tuple.destination.begin(), tuple.destination.begin() + addressBytes);
    if (tuple.sourcePort && tuple.destinationPort) {
        for (std::uint16_t port : {*tuple.sourcePort, *tuple.destinationPort}) {
            input.push_back(static_cast<std::uint8_t>(port >> 8));
            input.push_back(static_cast<std::uint8_t>(port & 0xFF));
        }
    }
    return input;
}

std::optional<ParsedAddress> parseAddress(const QString &text)
{
    const QByteArray ascii = text.trimmed().toLatin1();
    ParsedAddress parsed;
    if (inet_pton(AF_INET, ascii.constData(), parsed.bytes.data()) == 1)
        return parsed;
    parsed.ipv6 = true;
    if (inet_pton(AF_INET6, ascii.constData(), parsed.bytes.data()) == 1)
        return parsed;
    return std::nullopt;
}

std::optional<std::vector<std::uint8_t>> parseKey(const QString &text)
{
    QString digits = text.trimmed();
    if (digits.startsWith(QLatin1String("0x"), Qt::CaseInsensitive))
        digits = digits.mid(2);
    digits.remove(QRegularExpression(QStringLiteral("[\\s:]")));
    static const QRegularExpression hex(QStringLiteral("^([0-9a-fA-F]{2})+$"));
    if (!hex.match(digits).hasMatch())
        return std::nullopt;
    std::vector<std::uint8_t> key;
    for (qsizetype i = 0; i < digits.size(); i += 2)
        key.push_back(static_cast<std::uint8_t>(digits.mid(i, 2).toUInt(nullptr, 16)));
    return key;
}

std::optional<NamedKey> keyFromText(const QString &text)
{
    if (text == QLatin1String("microsoft"))
        return NamedKey{text, microsoftKey()};
    if (text == QLatin1String("symmetric"))
        return NamedKey{text, symmetricKey(40)};
    if (text == QLatin1String("symmetric-52"))
        return NamedKey{text, symmetricKey(52)};
    if (auto key = parseKey(text))
        return NamedKey{QStringLiteral("custom"), std::move(*key)};
    return std::nullopt;
}

} // namespace vmwb::rss
