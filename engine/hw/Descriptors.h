#pragma once

// Segment descriptors and 64-bit gate descriptors (Intel SDM Vol. 3A, 3.4.5 and 6.14.1).
//
// 64-bit interrupt/trap gate, 16 bytes (Figure 6-8):
//   bytes 0-1  offset 15:0        bytes 2-3  segment selector
//   byte  4    IST (bits 2:0)     byte  5    P | DPL(2) | 0 | type(4)   (0xE interrupt, 0xF trap)
//   bytes 6-7  offset 31:16       bytes 8-11 offset 63:32     bytes 12-15 reserved
//
// Code/data descriptor, 8 bytes (Figure 3-8): limit 15:0, base 23:0, access byte
// (P | DPL | S | type), flags (G | D/B | L | AVL) with limit 19:16, base 31:24.

#include <cstdint>
#include <span>

namespace vmwb {

// A selector: index << 3 | TI << 2 | RPL.
constexpr std::uint16_t selector(unsigned index, unsigned rpl)
{
    return static_cast<std::uint16_t>((index << 3) | (rpl & 3));
}
constexpr unsigned selectorRpl(std::uint16_t value)
{
    return value & 3U;
}

namespace descriptor {
// Access bytes of the flat 64-bit descriptors the platform's GDT holds.
inline constexpr std::uint64_t kKernelCode64 = 0x0020'9A00'0000'0000ULL; // L=1 P=1 DPL=0 code r/x
inline constexpr std::uint64_t kKernelData = 0x0000'9200'0000'0000ULL;   // P=1 DPL=0 data r/w
inline constexpr std::uint64_t kUserData = 0x0000'F200'0000'0000ULL;     // P=1 DPL=3 data r/w
inline constexpr std::uint64_t kUserCode64 = 0x0020'FA00'0000'0000ULL;   // L=1 P=1 DPL=3 code r/x

// The two 8-byte halves of a 64-bit available TSS descriptor (type 9) for `base` and `limit`.
constexpr std::uint64_t tssLow(std::uint64_t base, std::uint32_t limit)
{
    return (limit & 0xFFFFULL) | ((base & 0xFF'FFFFULL) << 16) | (0x89ULL << 40) |
           ((static_cast<std::uint64_t>(limit) >> 16 & 0xF) << 48) | ((base >> 24 & 0xFF) << 56);
}
constexpr std::uint64_t tssHigh(std::uint64_t base)
{
    return base >> 32;
}
} // namespace descriptor

struct GateDescriptor
{
    std::uint64_t offset = 0;
    std::uint16_t selector = 0;
    std::uint8_t ist = 0;
    std::uint8_t type = 0; // 0xE interrupt gate, 0xF trap gate
    std::uint8_t dpl = 0;
    bool present = false;

    static constexpr std::uint8_t kInterruptGate = 0xE;
    static constexpr std::uint8_t kTrapGate = 0xF;

    bool isInterruptOrTrapGate() const { return type == kInterruptGate || type == kTrapGate; }

    static GateDescriptor decode(std::span<const std::uint8_t, 16> b)
    {
        GateDescriptor g;
        g.offset = static_cast<std::uint64_t>(b[0]) | static_cast<std::uint64_t>(b[1]) << 8 |
                   static_cast<std::uint64_t>(b[6]) << 16 | static_cast<std::uint64_t>(b[7]) << 24 |
                   static_cast<std::uint64_t>(b[8]) << 32 | static_cast<std::uint64_t>(b[9]) << 40 |
                   static_cast<std::uint64_t>(b[10]) << 48 |
                   static_cast<std::uint64_t>(b[11]) << 56;
        g.selector = static_cast<std::uint16_t>(b[2] | b[3] << 8);
        g.ist = b[4] & 7;
        g.type = b[5] & 0xF;
        g.dpl = (b[5] >> 5) & 3;
        g.present = (b[5] & 0x80) != 0;
        return g;
    }
};

} // namespace vmwb
