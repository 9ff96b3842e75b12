#pragma once

// The one wrapper around Unicorn (an x86-64 CPU in 64-bit mode). Every uc_* call of the
// engine goes through here, every error is checked here, and no Unicorn header leaks out.

#include "decode/Instruction.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <unordered_map>
#include <vector>

struct uc_struct;

namespace vmwb {

// An error of the engine itself (not of the guest): a broken invariant or a failing library
// call. The command line reports it with exit code 3.
class EngineError : public std::runtime_error
{
public:
    using std::runtime_error::runtime_error;
};

struct TableRegister
{
    std::uint64_t base = 0;
    std::uint32_t limit = 0;
};

enum class MemoryAccess : std::uint8_t
{
    Read,
    Write,
    Fetch
};

// Why uc_emu_start returned, when it was not asked to.
enum class CpuError : std::uint8_t
{
    None,
    FetchUnmapped,
    ReadUnmapped,
    WriteUnmapped,
    FetchProtected,
    ReadProtected,
    WriteProtected,
    InvalidInstruction,
    UnhandledException,
    Other,
};

// What Unicorn reports to the engine while the guest runs. All calls happen on the thread that
// called UnicornCpu::run().
class CpuListener
{
public:
    virtual ~CpuListener() = default;
    // A translation block is about to run (UC_HOOK_BLOCK): `size` bytes from `address`.
    virtual void onBlock(std::uint64_t address, std::uint32_t size) = 0;
    // An instruction with an exact code hook is about to run.
    virtual void onCodeHook(std::uint64_t address) = 0;
    // A fault or software interrupt (UC_HOOK_INTR). Unicorn never delivers through the IDT.
    virtual void onInterrupt(std::uint32_t vector) = 0;
    // An invalid opcode (#UD). Unicorn stops emulation after this call whatever it returns.
    virtual void onInvalidInstruction() = 0;
    // An access to an address with no memory behind it: a physical address outside the mapped
    // blocks, or a non-canonical address (Unicorn 2.0.1 raises no #GP for those). Emulation
    // stops afterwards with an error; RIP is then only the start of the running block.
    virtual void onUnmappedAccess(MemoryAccess access, std::uint64_t address) = 0;
    // A store of `size` bytes (`value`, little-endian) to a page without write permission.
    // Unicorn goes on with the store after this call only if the page is writable by then:
    // either the listener makes it writable here (setPermissions() on exactly that page is safe
    // inside the callback), or it stores the value itself and leaves the page protected, so
    // that the next store is reported too (Unicorn 2.0.1 then drops its own copy of the store).
    virtual void onWriteToProtectedPage(std::uint64_t address, std::size_t size,
                                        std::uint64_t value) = 0;
    // The CPU fetched code from a page without execute permission (UC_HOOK_MEM_FETCH_PROT).
    // Returning true means the listener made the page executable: the fetch is retried.
    virtual bool onFetchFromGuardedPage(std::uint64_t address)
    {
        (void)address;
        return false;
    }
    // A read inside a range given to hookReads(), before it happens.
    virtual void onWatchedAccess(MemoryAccess access, std::uint64_t address, std::size_t size)
    {
        (void)access;
        (void)address;
        (void)size;
    }
};

class UnicornCpu
{
public:
    UnicornCpu();
    ~UnicornCpu();
    UnicornCpu(const UnicornCpu &) = delete;
    UnicornCpu &operator=(const UnicornCpu &) = delete;

    // Maps `size` bytes of host memory (page-aligned, owned by the caller) at physical `address`.
    void mapHostMemory(std::uint64_t address, std::size_t size, void *host);

    // Installs the block, interrupt and invalid-instruction hooks that report to `listener`.
    // Pass nullptr to remove them again. Hooks are compiled into translated code: code
    // translated before this call is not reported, and code translated under a removed
    // listener must be dropped with removeCache() before it runs again. (Flushing all
    // translations instead would clear Unicorn's whole 1 GiB code buffer, about 0.3 s.)
    void setListener(CpuListener *listener);

    // Exact code hooks: one per address, reported through CpuListener::onCodeHook.
    // Adding or removing one drops the translated code at that address, because Unicorn 2.0.1
    // neither applies new hooks to nor stops deleted hooks in code it already translated.
    void addCodeHook(std::uint64_t address);
    void removeCodeHook(std::uint64_t address);
    bool hasCodeHook(std::uint64_t address) const;
    std::vector<std::uint64_t> codeHookAddresses() const;

    // Runs from `begin` until stopped or halted (hlt at CPL 0 ends a run). Returns what went
    // wrong, if anything.
    CpuError run(std::uint64_t begin);
    // Stops the current run at the next instruction boundary Unicorn checks (before the next
    // translation block, or right after an exact code hook). Safe from another thread.
    void stop();
    // Drops translated code overlapping [begin, end), e.g. after writing guest code directly.
    void removeCache(std::uint64_t begin, std::uint64_t end);
    // Sets the permissions of [begin, end) (page-aligned, physical) as a whole; reading is
    // always allowed. A write to a page without write permission reaches the listener
    // (onWriteToProtectedPage), a fetch from one without execute permission too
    // (onFetchFromGuardedPage). The first change of a page splits Unicorn's region (about 1 ms).
    // (Withholding read permission is no use: Unicorn 2.0.1 checks it only when it fills a TLB
    // entry, and a code fetch fills the entry's read half too, so the loads of code running
    // from a page are never reported.)
    void setPermissions(std::uint64_t begin, std::uint64_t end, bool write, bool execute);
    // Reports every load in [begin, end) to the listener's onWatchedAccess() (one range per
    // page start; hooking a page twice is harmless); unhookReads() removes the hook. While any
    // such hook exists, code Unicorn translates sends every load and store of the guest through
    // its slow path (about ten times slower): code translated before is not affected, so the
    // caller drops it with removeCache() as needed.
    void hookReads(std::uint64_t begin, std::uint64_t end);
    void unhookReads(std::uint64_t begin);
    bool hooksReads() const;
    bool hooksReadsAt(std::uint64_t begin) const;

    std::uint64_t read(Register reg) const;
    void write(Register reg, std::uint64_t value);
    std::uint64_t rip() const { return read(Register::Rip); }
    std::uint64_t rflags() const;
    void setRflags(std::uint64_t value);
    TableRegister gdtr() const;
    TableRegister idtr() const;
    void setGdtr(TableRegister value);
    void setIdtr(TableRegister value);
    std::uint16_t ldtrSelector() const;
    std::uint16_t trSelector() const;
    // Model-specific registers through Unicorn's MSR interface.
    std::uint64_t readMsr(std::uint32_t index) const;
    void writeMsr(std::uint32_t index, std::uint64_t value);

    // Guest-virtual memory access through the CPU's current translation, as the CPU would do it.
    bool readVirtual(std::uint64_t address, void *buffer, std::size_t size) const;
    bool writeVirtual(std::uint64_t address, const void *buffer, std::size_t size);

    // The CPU state blob Unicorn saves (uc_context): a copy of it, and writing one 32-bit word
    // of it back into the live CPU. The fault latch workaround needs exactly this.
    std::vector<std::uint8_t> contextBytes() const;
    void patchContextWord(std::size_t offset, std::int32_t value);
    // Puts back a CPU state that contextBytes() returned (registers, hidden segment parts,
    // control registers, MSRs): for snapshots. Unicorn copies it into the CPU as it is: the
    // caller drops translated code and cached address translations (see
    // Machine::finishRestore()).
    void restoreContext(const std::vector<std::uint8_t> &bytes);

    uc_struct *handle() const { return m_uc; }

private:
    struct Hooks;
    uc_struct *m_uc = nullptr;
    std::unique_ptr<Hooks> m_hooks;
    void *m_context = nullptr; // uc_context, allocated once
};

} // namespace vmwb
