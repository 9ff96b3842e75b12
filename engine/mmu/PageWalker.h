#pragma once

// A software walk of x86-64 4-level page tables over physical memory, as the MMU does it
// (Intel SDM Vol. 3A, 4.5; bit layout in hw/Paging.h). The engine uses it to read guest code
// and descriptor tables by linear address; views use its steps to show a translation.

#include <array>
#include <cstdint>

namespace vmwb {

class PhysicalMemory;

struct PageWalkStep
{
    int level = 0;                  // 4 = PML4, 3 = PDPT, 2 = PD, 1 = PT
    std::uint64_t entryAddress = 0; // physical address of the entry read
    std::uint64_t entry = 0;        // its value
};

struct PageWalk
{
    bool present = false;       // the walk reached a page
    std::uint64_t physical = 0; // the translation, if present
    std::uint64_t pageSize = 0; // 4 KiB, 2 MiB or 1 GiB
    bool writable = false;      // every level allows writes
    bool user = false;          // every level allows CPL 3
    bool executable = false;    // no level sets XD
    std::array<PageWalkStep, 4> steps{};
    int stepCount = 0;
};

// Walks the tables rooted at `cr3` for `linear`. Canonical-address checks are the caller's.
PageWalk walkPageTables(const PhysicalMemory &memory, std::uint64_t cr3, std::uint64_t linear);

} // namespace vmwb
