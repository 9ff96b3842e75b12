#include "bt/TranslationCache.h"

#include <algorithm>
#include <iterator>
#include <utility>

namespace vmwb {

namespace {
constexpr std::uint64_t kPageMask = ~std::uint64_t{0xFFF};
} // namespace

TranslatedPage *TranslationCache::page(std::uint64_t page)
{
    auto it = m_pages.find(page & kPageMask);
    return it == m_pages.end() ? nullptr : &it->second;
}

const TranslatedPage *TranslationCache::page(std::uint64_t page) const
{
    auto it = m_pages.find(page & kPageMask);
    return it == m_pages.end() ? nullptr : &it->second;
}

TranslatedPage &TranslationCache::add(std::uint64_t page)
{
    TranslatedPage &entry = m_pages[page & kPageMask];
    entry.page = page & kPageMask;
    return entry;
}

const Patch *TranslationCache::patchAt(std::uint64_t address) const
{
    const TranslatedPage *entry = page(address);
    if (!entry || !entry->valid)
        return nullptr;
    auto it = entry->patches.upper_bound(address);
    if (it == entry->patches.begin())
        return nullptr;
    --it;
    const Patch &patch = it->second;
    return address < patch.address + patch.length ? &patch : nullptr;
}

Patch *TranslationCache::patchAt(std::uint64_t address)
{
    return const_cast<Patch *>(std::as_const(*this).patchAt(address));
}

const Patch *TranslationCache::patchOverlapping(std::uint64_t address, std::size_t size) const
{
    // A patch never crosses its page; an access may touch two pages.
    for (std::uint64_t at = address; at < address + size;) {
        const TranslatedPage *entry = page(at);
        const std::uint64_t pageEnd = (at & kPageMask) + 0x1000;
        const std::uint64_t end = std::min<std::uint64_t>(address + size, pageEnd);
        if (entry && entry->valid) {
            auto it = entry->patches.upper_bound(at);
            if (it != entry->patches.begin()) {
                auto before = std::prev(it);
                if (at < before->second.address + before->second.length)
                    return &before->second;
            }
            if (it != entry->patches.end() && it->second.address < end)
                return &it->second;
        }
        at = end;
    }
    return nullptr;
}

std::size_t TranslationCache::patchCount() const
{
    std::size_t count = 0;
    for (const auto &[address, entry] : m_pages) {
        if (entry.valid)
            count += entry.patches.size();
    }
    return count;
}

} // namespace vmwb
