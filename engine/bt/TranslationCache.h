#pragma once

// What the binary translator has done to the guest's code: the pages it translated in place
// and, for each, the sensitive instructions it replaced by callouts into the monitor, with
// the original bytes it keeps to emulate them and to restore the page.

#include "decode/Instruction.h"

#include <QString>
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

namespace vmwb {

// One sensitive instruction replaced in place by a callout (int3, padded with int3 to the
// original instruction's length).
struct Patch
{
    std::uint64_t address = 0;
    std::uint8_t length = 0;                 // of the original instruction (1..15)
    std::array<std::uint8_t, 15> original{}; // the first `length` bytes are used
    std::array<std::uint8_t, 15> patched{};  // what the guest's memory holds now
    QString originalText;                    // Intel syntax, e.g. "popfq"
    Sensitivity sensitivity = Sensitivity::Innocuous;
    std::uint64_t callouts = 0; // how often it has called out
};

struct TranslatedPage
{
    std::uint64_t page = 0;                 // guest-linear address of the 4 KiB page
    std::uint64_t translatedAt = 0;         // instructions retired when it was (last) translated
    std::uint32_t decoded = 0;              // instructions the translator decoded on the page
    std::uint32_t translations = 0;         // how often the page was translated (after writes)
    std::uint32_t invalidations = 0;        // how often a guest write invalidated it
    bool valid = false;                     // false: invalidated, guarded, waiting for a fetch
    std::map<std::uint64_t, Patch> patches; // by address
};

class TranslationCache
{
public:
    const std::map<std::uint64_t, TranslatedPage> &pages() const { return m_pages; }
    TranslatedPage *page(std::uint64_t page);
    const TranslatedPage *page(std::uint64_t page) const;
    TranslatedPage &add(std::uint64_t page);
    // The patch covering `address` in a valid page, if any.
    const Patch *patchAt(std::uint64_t address) const;
    Patch *patchAt(std::uint64_t address);
    // The patch whose bytes overlap [address, address + size) in a valid page, if any.
    const Patch *patchOverlapping(std::uint64_t address, std::size_t size) const;
    std::size_t patchCount() const;

private:
    std::map<std::uint64_t, TranslatedPage> m_pages;
};

} // namespace vmwb
