#pragma once

// Binary translation, in the manner of VMware's software VMM (Adams and Agesen 2006), reduced
// to in-place patching: the guest kernel runs deprivileged at CPL 3, and its code pages start
// without execute permission. The first fetch from a page traps to the translator, which
// decodes the code reachable from there with Zydis and replaces every sensitive instruction,
// privileged or not, by a callout into the monitor (int3, padded with int3 to the original's
// length), keeping the original bytes in a translation cache. The callout emulates the
// original against the virtual CPU, so popf and pushf are now exact. A guest write over
// translated code restores the original bytes and guards the page again; a guest read of
// patched bytes sees the int3s, a visibility hole of patching in place (VMware translated into
// a separate translation cache and never had it), recorded as a hole.

#include "bt/TranslationCache.h"
#include "vmm/TrapAndEmulate.h"

#include <bitset>
#include <unordered_map>
#include <utility>
#include <vector>

namespace vmwb {

class BinaryTranslation final : public TrapAndEmulate
{
public:
    static const TechniqueInfo &staticInfo();

    const TechniqueInfo &info() const override { return staticInfo(); }
    void start(Monitor &monitor) override;
    bool watches(const Instruction &instruction) const override;
    WatchAction onWatched(Monitor &monitor, const Instruction &instruction) override;
    void onException(Monitor &monitor, const CpuException &exception) override;
    void onGuardedFetch(Monitor &monitor, std::uint64_t page) override;
    void onWatchedAccess(Monitor &monitor, MemoryAccess access, std::uint64_t address,
                         std::size_t size) override;
    const TranslationCache *translationCache() const override { return &m_cache; }
    std::unique_ptr<TechniqueState> saveState() const override;
    void restoreState(Monitor &monitor, const TechniqueState *state) override;

    // Whether the translator replaces `instruction` by a callout: it is sensitive and the
    // monitor can emulate it. Software interrupts are left alone: they enter the monitor
    // anyway.
    static bool translates(const Instruction &instruction);

protected:
    Emulation emulate(Monitor &monitor, const Instruction &instruction) override;

private:
    struct SavedState;
    struct PageCode
    {
        std::bitset<4096> bytes; // bytes of the page the translator decoded as instructions
    };

    // Decodes from `entry` along every path that stays in the page and patches what
    // translates(); returns how many instructions it decoded.
    std::uint32_t translateFrom(Monitor &monitor, TranslatedPage &page, std::uint64_t entry);
    bool patch(Monitor &monitor, TranslatedPage &page, const Instruction &instruction);
    void invalidate(Monitor &monitor, TranslatedPage &page, std::uint64_t written,
                    std::uint64_t rip);

    TranslationCache m_cache;
    std::unordered_map<std::uint64_t, PageCode> m_code;
    // Guest stores over translated code since the last block, by page: [begin, end).
    std::unordered_map<std::uint64_t, std::vector<std::pair<std::uint64_t, std::uint64_t>>>
        m_pendingWrites;
};

} // namespace vmwb
