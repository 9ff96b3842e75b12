#pragma once

// Receive-side scaling's Toeplitz hash, as Microsoft specifies it ("RSS Hashing Functions" and
// "Verifying the RSS Hash Calculation"): for each bit of the input, first byte first and most
// significant bit first, a set bit XORs the left-most 32 bits of the key into the result, and
// the key shifts left by one bit. Two implementations: the textbook bit-serial one, which the
// pane steps through, and a table-driven one (a precomputed 32-bit value per input byte
// position and byte value), which the simulation uses; they agree on every input.

#include <QString>
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace vmwb::rss {

// The 40-byte key of Microsoft's verification suite (also DPDK's default_rss_key and the
// Hyper-V netvsc driver's key).
const std::vector<std::uint8_t> &microsoftKey();
// A symmetric key: 0x6d5a repeated, so that the key's 32-bit windows repeat every 16 bits and
// swapping source and destination (addresses and ports) gives the same hash. `length` bytes
// (40, or Linux's 52).
std::vector<std::uint8_t> symmetricKey(std::size_t length = 40);
// The longest input a key can hash: its length less the 4 bytes of the last window.
std::size_t maxInputLength(std::span<const std::uint8_t> key);

// The bit-serial hash. `key` must be at least input.size() + 4 bytes long.
std::uint32_t hashBitSerial(std::span<const std::uint8_t> key, std::span<const std::uint8_t> input);

// The 32 key bits starting at bit `offset` (0 = the key's most significant bit): the window a
// set input bit at that position XORs into the result.
std::uint32_t keyWindow(std::span<const std::uint8_t> key, std::size_t offset);

// One input bit of the bit-serial hash, for showing the hash step by step.
struct HashStep
{
    std::size_t bit = 0;      // input bit index, 0 = the first byte's most significant bit
    bool set = false;         // the input bit
    std::uint32_t window = 0; // the key's 32 bits starting at this bit
    std::uint32_t result = 0; // the hash after this bit (XORed with `window` when `set`)
};
// Every step of hashBitSerial; the last step's result is the hash.
std::vector<HashStep> hashSteps(std::span<const std::uint8_t> key,
                                std::span<const std::uint8_t> input);

class ToeplitzTable
{
public:
    // Precomputes the table for inputs of up to maxInputLength(key) bytes.
    explicit ToeplitzTable(std::span<const std::uint8_t> key);
    std::size_t maxInput() const { return m_table.size(); }
    // `input` must not be longer than maxInput().
    std::uint32_t hash(std::span<const std::uint8_t> input) const
    {
        std::uint32_t result = 0;
        for (std::size_t i = 0; i < input.size(); ++i)
            result ^= m_table[i][input[i]];
        return result;
    }

private:
    std::vector<std::array<std::uint32_t, 256>> m_table;
};

// A flow as RSS sees it: addresses and, for TCP or UDP, ports.
struct FlowTuple
{
    bool ipv6 = false;
    std::array<std::uint8_t, 16> source{}; // IPv4 in the first 4 bytes, network order
    std::array<std::uint8_t, 16> destination{};
    std::optional<std::uint16_t> sourcePort;
    std::optional<std::uint16_t> destinationPort;
};

// The hash input in Microsoft's layout, network byte order, source first: addresses, then the
// ports when the tuple has them (IPv4 8 or 12 bytes, IPv6 32 or 36).
std::vector<std::uint8_t> hashInput(const FlowTuple &tuple);

// Parses an IPv4 or IPv6 address; nothing if it is not one.
struct ParsedAddress
{
    bool ipv6 = false;
    std::array<std::uint8_t, 16> bytes{};
};
std::optional<ParsedAddress> parseAddress(const QString &text);
// Parses a key given as hex digits (spaces, colons and a 0x prefix allowed); nothing if it is
// not whole bytes of hex.
std::optional<std::vector<std::uint8_t>> parseKey(const QString &text);

// A key by its name: "microsoft", "symmetric" (40 bytes), "symmetric-52", or whole bytes of
// hex (named "custom"). Nothing if the text is none of these.
struct NamedKey
{
    QString name;
    std::vector<std::uint8_t> bytes;
};
std::optional<NamedKey> keyFromText(const QString &text);

// The indirection table's bucket of a hash: its low bits, as NICs index a RETA of a power-of-two
// size (hash mod size in general).
inline std::size_t retaBucket(std::uint32_t hash, std::size_t retaSize)
{
    return retaSize ? hash % retaSize : 0;
}

} // namespace vmwb::rss
