#pragma once

// RFLAGS, the 64-bit flags register (Intel SDM Vol. 1, 3.4.3, Figure 3-8).
//
//   21  20  19  18  17  16  15  14  13 12  11  10   9   8   7   6   5   4   3   2   1   0
//  +---+---+---+---+---+---+---+---+-----+---+---+---+---+---+---+---+---+---+---+---+---+
//  |ID |VIP|VIF|AC |VM |RF | 0 |NT |IOPL |OF |DF |IF |TF |SF |ZF | 0 |AF | 0 |PF | 1 |CF |
//  +---+---+---+---+---+---+---+---+-----+---+---+---+---+---+---+---+---+---+---+---+---+
//
// IF and IOPL are what the lecture is about: POPF at CPL 3 with IOPL 0 silently leaves both
// unchanged (SDM Vol. 2B, POPF, "Operation").

#include <array>
#include <cstdint>

namespace vmwb::rflags {

inline constexpr std::uint64_t kCF = 1ULL << 0;
inline constexpr std::uint64_t kReserved1 = 1ULL << 1; // always 1
inline constexpr std::uint64_t kPF = 1ULL << 2;
inline constexpr std::uint64_t kAF = 1ULL << 4;
inline constexpr std::uint64_t kZF = 1ULL << 6;
inline constexpr std::uint64_t kSF = 1ULL << 7;
inline constexpr std::uint64_t kTF = 1ULL << 8;
inline constexpr std::uint64_t kIF = 1ULL << 9;
inline constexpr std::uint64_t kDF = 1ULL << 10;
inline constexpr std::uint64_t kOF = 1ULL << 11;
inline constexpr std::uint64_t kIoplMask = 3ULL << 12;
inline constexpr int kIoplShift = 12;
inline constexpr std::uint64_t kNT = 1ULL << 14;
inline constexpr std::uint64_t kRF = 1ULL << 16;
inline constexpr std::uint64_t kVM = 1ULL << 17;
inline constexpr std::uint64_t kAC = 1ULL << 18;
inline constexpr std::uint64_t kVIF = 1ULL << 19;
inline constexpr std::uint64_t kVIP = 1ULL << 20;
inline constexpr std::uint64_t kID = 1ULL << 21;

// The status flags arithmetic instructions set (SDM Vol. 1, 3.4.3.1).
inline constexpr std::uint64_t kStatusFlags = kCF | kPF | kAF | kZF | kSF | kOF;

// The bits software can change at all (everything else reads as 0, except bit 1).
inline constexpr std::uint64_t kDefinedMask = kCF | kPF | kAF | kZF | kSF | kTF | kIF | kDF | kOF |
                                              kIoplMask | kNT | kRF | kVM | kAC | kVIF | kVIP | kID;

constexpr unsigned iopl(std::uint64_t flags)
{
    return static_cast<unsigned>((flags & kIoplMask) >> kIoplShift);
}

constexpr std::uint64_t withIopl(std::uint64_t flags, unsigned level)
{
    return (flags & ~kIoplMask) | ((static_cast<std::uint64_t>(level) & 3) << kIoplShift);
}

constexpr std::uint64_t withBit(std::uint64_t flags, std::uint64_t bit, bool set)
{
    return set ? (flags | bit) : (flags & ~bit);
}

// One named field of RFLAGS, for tables and views.
struct Field
{
    const char *name; // "IF"
    int bit;          // lowest bit
    int width;        // 1, or 2 for IOPL
};

inline constexpr std::array<Field, 17> kFields{{
    {"CF", 0, 1},
    {"PF", 2, 1},
    {"AF", 4, 1},
    {"ZF", 6, 1},
    {"SF", 7, 1},
    {"TF", 8, 1},
    {"IF", 9, 1},
    {"DF", 10, 1},
    {"OF", 11, 1},
    {"IOPL", 12, 2},
    {"NT", 14, 1},
    {"RF", 16, 1},
    {"VM", 17, 1},
    {"AC", 18, 1},
    {"VIF", 19, 1},
    {"VIP", 20, 1},
    {"ID", 21, 1},
}};

} // namespace vmwb::rflags
