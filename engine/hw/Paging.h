#pragma once

// 4-level paging (Intel SDM Vol. 3A, 4.5, Figure 4-8 and Tables 4-15..4-20).
//
//  63  62      52 51                                    12 11  9 8 7 6 5 4 3 2 1 0
// +--+----------+----------------------------------------+-----+-+-+-+-+-+-+-+-+-+
// |XD|  avail.  |     physical address of frame/table    |avail|G|S|D|A|C|W|U|R|P|
// +--+----------+----------------------------------------+-----+-+-+-+-+-+-+-+-+-+
//                                                                 ^ PS in PDPTE/PDE
//
// A linear address splits into four 9-bit table indexes and a 12-bit offset:
//   47      39 38      30 29      21 20      12 11         0
//   PML4 index  PDPT index  PD index    PT index   page offset

#include <cstdint>

namespace vmwb::paging {

inline constexpr std::uint64_t kPresent = 1ULL << 0;
inline constexpr std::uint64_t kWritable = 1ULL << 1;
inline constexpr std::uint64_t kUser = 1ULL << 2;
inline constexpr std::uint64_t kWriteThrough = 1ULL << 3;
inline constexpr std::uint64_t kCacheDisable = 1ULL << 4;
inline constexpr std::uint64_t kAccessed = 1ULL << 5;
inline constexpr std::uint64_t kDirty = 1ULL << 6;
inline constexpr std::uint64_t kPageSize = 1ULL << 7; // in PDPTEs (1 GiB) and PDEs (2 MiB)
inline constexpr std::uint64_t kGlobal = 1ULL << 8;
inline constexpr std::uint64_t kNoExecute = 1ULL << 63;
inline constexpr std::uint64_t kAddressMask = 0x000F'FFFF'FFFF'F000ULL;

inline constexpr std::uint64_t kPageSize4K = 0x1000;
inline constexpr std::uint64_t kPageSize2M = 0x20'0000;
inline constexpr std::uint64_t kPageSize1G = 0x4000'0000;

constexpr unsigned tableIndex(std::uint64_t linear, int level) // level 4 = PML4 ... 1 = PT
{
    return static_cast<unsigned>((linear >> (12 + 9 * (level - 1))) & 0x1FF);
}

// #PF error code bits (SDM Vol. 3A, 4.7, Figure 4-12).
namespace fault {
inline constexpr std::uint32_t kPresent = 1U << 0; // 0: not present, 1: protection violation
inline constexpr std::uint32_t kWrite = 1U << 1;
inline constexpr std::uint32_t kUser = 1U << 2;
inline constexpr std::uint32_t kReservedBit = 1U << 3;
inline constexpr std::uint32_t kFetch = 1U << 4;
} // namespace fault

} // namespace vmwb::paging
