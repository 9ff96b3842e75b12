#include "mmu/PageWalker.h"

#include "hw/Paging.h"
#include "machine/PhysicalMemory.h"

namespace vmwb {

PageWalk walkPageTables(const PhysicalMemory &memory, std::uint64_t cr3, std::uint64_t linear)
{
    using namespace paging;
    PageWalk walk;
    walk.writable = true;
    walk.user = true;
    walk.executable = true;
    std::uint64_t table = cr3 & kAddressMask;
    for (int level = 4; level >= 1; --level) {
        const std::uint64_t entryAddress = table + 8ULL * tableIndex(linear, level);
        std::uint64_t entry = 0;
        if (!memory.read(entryAddress, entry))
            return walk;
        walk.steps[static_cast<std::size_t>(walk.stepCount++)] = {level, entryAddress, entry};
        if (!(entry & kPresent))
            return walk;
        walk.writable = walk.writable && (entry & kWritable);
        walk.user = walk.user && (entry & kUser);
        walk.executable = walk.executable && !(entry & kNoExecute);
        // A PS bit in a PDPTE maps 1 GiB, in a PDE 2 MiB (SDM Vol. 3A, Tables 4-16, 4-18).
        const bool leaf = level == 1 || ((level == 2 || level == 3) && (entry & kPageSize));
        if (leaf) {
            walk.pageSize = level == 3 ? kPageSize1G : level == 2 ? kPageSize2M : kPageSize4K;
            const std::uint64_t frame = entry & kAddressMask & ~(walk.pageSize - 1);
            walk.physical = frame | (linear & (walk.pageSize - 1));
            walk.present = true;
            return walk;
        }
        table = entry & kAddressMask;
    }
    return walk;
}

} // namespace vmwb
