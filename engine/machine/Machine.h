#pragma once

// The emulated machine: one x86-64 CPU (Unicorn), physical memory, the platform's firmware,
// and the engine's instruments on top of them:
//
// - a deterministic instruction count. Unicorn reports each translation block before it runs
//   (UC_HOOK_BLOCK); the machine decodes the block once with Zydis, so it knows how many
//   instructions it holds, and adds them when the next block starts. A fault or an exact hook
//   inside a block closes it at that instruction.
// - deadlines: execute(n) stops exactly when n instructions have retired. A block that would
//   cross the deadline is stopped before it starts (stopping in a block hook prevents the block
//   from running), and an exact code hook is put on the instruction at the deadline.
// - decode-ahead: the client is asked about every instruction of every new block before it
//   runs; those it watches get an exact code hook. No per-instruction hook is ever installed.
// - the fault latch workaround, applied after every fault and before every run.

#include "decode/Decoder.h"
#include "hw/Paging.h"
#include "machine/FaultLatch.h"
#include "machine/PhysicalMemory.h"
#include "machine/Platform.h"
#include "machine/UnicornCpu.h"

#include <array>
#include <atomic>
#include <bitset>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

namespace vmwb {

// A fault or software interrupt the CPU raised while the guest ran.
struct CpuException
{
    std::uint8_t vector = 0;
    bool software = false;     // INT n, INT3 or INT1: the instruction itself raised it
    std::uint64_t rip = 0;     // address of the instruction that faulted or interrupted
    std::uint64_t nextRip = 0; // address of the instruction after it (0 if unknown)
    // The instruction at `rip` (facts only), if it decodes; valid during the callback.
    const Instruction *instruction = nullptr;
};

enum class WatchAction : std::uint8_t
{
    Execute,    // let the CPU execute the instruction
    Handled,    // the client called continueAt() or stopAt()
    StopBefore, // end the run before the instruction; it has not executed
};

// What the machine asks of the code that drives it (the run and its technique).
class MachineClient
{
public:
    virtual ~MachineClient() = default;
    // Decode-ahead: called once for every instruction of every newly seen block, before the
    // block runs. Returning true puts an exact code hook on the instruction.
    virtual bool watches(const Instruction &instruction) = 0;
    // A watched instruction is about to execute.
    virtual WatchAction onWatched(const Instruction &instruction) = 0;
    // A fault or software interrupt. The client must call continueAt() or stopAt().
    virtual void onException(const CpuException &exception) = 0;
    // The guest fetched code from a page guarded with Machine::guardFetches() (a binary
    // translator's "trap on first fetch"). The client may rewrite the page's code with
    // Machine::writeCode() and calls Machine::releaseFetchGuard() on the page to let the guest
    // go on; if it does not, the run ends with a CpuError.
    virtual void onGuardedFetch(std::uint64_t page) { (void)page; }
    // The guest reads or writes inside a page given to Machine::watchAccesses(): a write
    // before it lands, a read before or, once the page is hooked read by read, as it happens.
    virtual void onWatchedAccess(MemoryAccess access, std::uint64_t address, std::size_t size)
    {
        (void)access;
        (void)address;
        (void)size;
    }
};

enum class StopReason : std::uint8_t
{
    Deadline,      // retired() reached the deadline given to execute()
    BeforeWatched, // onWatched() returned StopBefore, or returned Execute while a stop was
                   // requested (see stoppedBefore())
    ClientRequest, // the client called stopAt()
    External,      // requestStop(), possibly from another thread
    Breakpoint,    // RIP reached a breakpoint (the instruction there has not run)
    Halted,        // the guest executed HLT at CPL 0 (RIP is after it)
    CpuError,      // Unicorn gave up (see ExecuteResult::error)
};

struct ExecuteResult
{
    StopReason reason = StopReason::Deadline;
    CpuError error = CpuError::None;
};

// An access to an address where the machine has no memory.
struct UnmappedAccess
{
    MemoryAccess access = MemoryAccess::Read;
    std::uint64_t address = 0;
    bool located = false; // RIP points at the instruction that made the access
};

// 64-bit linear addresses must have bits 63:47 all equal (SDM Vol. 1, 3.3.7.1).
constexpr bool isCanonical(std::uint64_t address)
{
    const std::uint64_t top = address >> 47;
    return top == 0 || top == 0x1FFFF;
}

class Machine final : private CpuListener
{
public:
    struct Config
    {
        std::size_t guestMemorySize = 16 * 1024 * 1024;
    };

    Machine(Config config, MachineClient &client);
    ~Machine() override;
    Machine(const Machine &) = delete;
    Machine &operator=(const Machine &) = delete;

    // Copies bytes into guest memory at a physical address (identity-mapped).
    void load(std::uint64_t address, std::span<const std::uint8_t> bytes);
    // Runs the firmware, which enters the guest as `entry` says; registers other than RSP,
    // RIP, RFLAGS and the segments are zero afterwards. Call once, before execute().
    void boot(const GuestEntry &entry);

    // Runs the guest until `deadline` instructions have retired in all, or something stops it.
    ExecuteResult execute(std::uint64_t deadline);
    std::uint64_t retired() const { return m_retired; }
    // The address the last BeforeWatched stop happened at.
    std::uint64_t stoppedBefore() const { return m_stoppedBefore; }
    // The next execute() lets the watched instruction at `address` run without asking.
    void passWatchOnce(std::optional<std::uint64_t> address) { m_passWatchAt = address; }
    // Addresses where execute() stops before the instruction runs. A run that starts where the
    // last one stopped at a breakpoint passes it (so that continuing moves on); one that starts
    // at a breakpoint for another reason stops there at once. Call between runs.
    void setBreakpoints(const std::vector<std::uint64_t> &addresses);

    // From inside onWatched() or onException(): the instruction there is dealt with and the
    // guest goes on at `rip`. `retires` counts the instruction as executed (it was emulated or
    // completed); a fault that is reflected to the guest does not retire.
    void continueAt(std::uint64_t rip, bool retires);
    // Like continueAt(), but the current execute() returns with ClientRequest.
    void stopAt(std::uint64_t rip, bool retires);
    // Ends the current or next execute() with External. Safe from any thread.
    void requestStop();
    // Ends the current execute() with External before the next translation block, letting the
    // instruction being handled complete (from inside a callback, or between runs).
    void requestStopAtNextBlock() { m_externalStop = true; }
    void clearStopRequest() { m_externalStop = false; }
    bool stopRequested() const { return m_externalStop.load(); }
    // Clears the stop request and tells whether there was one.
    bool takeStopRequest() { return m_externalStop.exchange(false); }

    UnicornCpu &cpu() { return *m_cpu; }
    const UnicornCpu &cpu() const { return *m_cpu; }
    PhysicalMemory &memory() { return m_memory; }
    const PhysicalMemory &memory() const { return m_memory; }
    const Decoder &decoder() const { return m_decoder; }
    const FaultLatch &faultLatch() const { return *m_latch; }

    // Linear -> physical through the CPU's current page tables.
    std::optional<std::uint64_t> translate(std::uint64_t linear) const;
    bool readLinear(std::uint64_t linear, void *buffer, std::size_t size) const;
    // Writes guest memory for the engine (interrupt frames, emulated string I/O), as a store of
    // the CPU would: translated code there is dropped.
    bool writeLinear(std::uint64_t linear, const void *buffer, std::size_t size);
    std::optional<Instruction> decodeAt(std::uint64_t linear,
                                        Decoder::Detail detail = Decoder::Detail::Full) const;
    // The instruction at `linear`, facts only, from a small cache checked against memory (the
    // same instruction trapping again costs no decoding). The pointer stays valid until the
    // next call.
    const Instruction *instructionAt(std::uint64_t linear) const;
    // Forgets decoded blocks (after the guest changed its page tables).
    void forgetDecodedCode();

    // Binary translation's instruments. Pages are those of guest memory (identity-mapped).
    // Guarded pages lose execute permission: the first fetch from one stops the CPU (changing
    // permissions inside Unicorn's fetch hook corrupts its code fetch) and, between runs,
    // reaches MachineClient::onGuardedFetch(); the run then goes on where it stopped. Called
    // during a run (from a memory hook), guarding takes effect before the next block.
    void guardFetches(std::uint64_t begin, std::uint64_t end);
    void releaseFetchGuard(std::uint64_t page);
    bool fetchGuarded(std::uint64_t page) const;
    // Runs `work` before the next translation block, outside Unicorn (at once between runs).
    // For memory hooks: stopping the CPU inside one makes Unicorn 2.0.1 run the instruction
    // again after its store has landed.
    void atNextBlock(std::function<void()> work);
    // Reports the guest's writes in the page, and its reads if `reads`, to
    // MachineClient::onWatchedAccess().
    // - Writes slow down nothing else: the page is write-protected, and every store to it is
    //   reported, then done by the machine (Unicorn drops its own), so the page stays protected.
    // - Reads are hooked one by one. While any page's reads are, all the guest's loads and
    //   stores take Unicorn's slow path (about ten times slower): Unicorn 2.0.1 has no cheaper
    //   way to see the loads of code running from the page (see UnicornCpu::setPermissions()).
    // Called during a run, a change takes effect before the next block.
    void watchAccesses(std::uint64_t page, bool reads);
    void unwatchAccesses(std::uint64_t page);
    // Whether the page's reads are hooked (see watchAccesses()).
    bool readsHooked(std::uint64_t page) const;
    // The access that ended the last execute() with a CpuError, if that was the cause.
    const std::optional<UnmappedAccess> &lastUnmappedAccess() const { return m_unmapped; }

    // Step back (run/History.h). The machine's part of a snapshot: the CPU, the instruction
    // count, and the pages a technique guards or watches. Guest memory is saved apart.
    struct State
    {
        std::vector<std::uint8_t> cpu; // UnicornCpu::contextBytes()
        std::uint64_t retired = 0;
        std::vector<bool> fetchGuard;
        std::vector<std::pair<std::uint64_t, bool>> watchedPages; // page, reads hooked too
    };
    // Whether nothing waits for the next run (work deferred by a callback, guards, watches or
    // translations to drop): only then does saveState() capture all there is.
    bool settled() const;
    State saveState() const;
    // Restoring takes two steps around writing guest memory back through memory().
    // prepareRestore() drops every translation Unicorn holds, every decoded block and exact
    // hook, and any work queued for the next run; finishRestore() puts the CPU, the guards and
    // the watches back and flushes the TLB. Code is decoded and hooked anew as it runs. Between
    // runs only.
    void prepareRestore();
    void finishRestore(const State &state);
    // While suspended, breakpoints do not stop execute() (a replay runs past them). Their hooks
    // stay, so that Unicorn translates the same blocks.
    void suspendBreakpoints(bool suspended) { m_breakpointsSuspended = suspended; }

private:
    struct Block;
    enum class InternalStop : std::uint8_t
    {
        None,
        Restart,
        Deadline,
        BeforeWatched,
        Breakpoint,
        Client,
        External
    };
    bool isBreakpoint(std::uint64_t address) const;
    bool needsCodeHook(std::uint64_t address) const;

    void onBlock(std::uint64_t address, std::uint32_t size) override;
    void onBlockSlow(std::uint64_t address, std::uint32_t size);
    void forgetFastBlock() { m_fastStart = kNoFastBlock; }
    void onCodeHook(std::uint64_t address) override;
    void onInterrupt(std::uint32_t vector) override;
    void onInvalidInstruction() override;
    void onUnmappedAccess(MemoryAccess access, std::uint64_t address) override;
    void onWriteToProtectedPage(std::uint64_t address, std::size_t size,
                                std::uint64_t value) override;
    bool storeForGuest(std::uint64_t address, std::size_t size, std::uint64_t value);
    void setReadHooks(std::uint64_t page, bool hooked);
    void applyWatch(std::uint64_t page);
    bool onFetchFromGuardedPage(std::uint64_t address) override;
    void onWatchedAccess(MemoryAccess access, std::uint64_t address, std::size_t size) override;
    void applyPermissions(std::uint64_t page);
    void applyAllPermissions();
    void locateUnmappedAccess();
    bool trackCodePage(Block &block);
    void markCode(const Block &block);

    Block *blockAt(std::uint64_t address, std::uint32_t size);
    std::unique_ptr<Block> decodeBlock(std::uint64_t address, std::uint32_t size);
    void closeBlockAt(std::uint64_t rip);
    void requestInternalStop(InternalStop why);
    void applyPendingHooks();
    void disarmDeadlineStop();
    void deliverException(const CpuException &exception);
    void settleCallbacks();
    std::optional<CpuException> exceptionAfterStop();
    bool lastInstructionWasHlt(std::uint64_t rip) const;
    const Instruction *watchedAt(std::uint64_t address);

    // Read on every translation block the guest runs: kept together, first.
    // The loop fast path: the block that is running again and again, while nothing that could
    // change how it is counted has happened (see onBlock(); forgetFastBlock() ends it).
    static constexpr std::uint64_t kNoFastBlock = ~0ULL;
    std::uint64_t m_fastStart = kNoFastBlock;
    std::uint64_t m_fastCount = 0;
    std::uint64_t m_fastRetiredLimit = 0; // below it, one more run fits before the deadline
    std::uint32_t m_fastSize = 0;
    Block *m_lastBlock = nullptr;       // most recently looked up (the common case is a loop)
    Block *m_current = nullptr;         // the block running now
    std::uint64_t m_currentCounted = 0; // its instructions already added to m_retired
    std::uint64_t m_retired = 0;
    std::uint64_t m_deadline = 0;
    std::atomic<bool> m_externalStop{false};
    bool m_booting = false;
    bool m_inRun = false;
    InternalStop m_stop = InternalStop::None;
    std::optional<std::uint64_t> m_deadlineStop; // exact hook at the deadline

    MachineClient &m_client;
    PhysicalMemory m_memory;
    std::unique_ptr<UnicornCpu> m_cpu;
    std::optional<FaultLatch> m_latch;
    Decoder m_decoder;
    std::uint64_t m_cr3 = 0; // the CPU's CR3, re-read whenever it may have changed
    struct CachedInstruction
    {
        bool valid = false;
        Instruction instruction;
    };
    std::unique_ptr<std::array<CachedInstruction, 64>> m_instructionCache;
    bool m_booted = false;
    std::uint64_t m_bootEntry = 0;

    // Pages holding decoded code are write-protected, so that a block that runs again need not
    // be compared with memory: a write to such a page makes it writable and bumps its
    // generation, and its blocks are compared once more. A page written twice stays writable
    // (code and data share it) and its blocks are compared every time they run.
    struct CodePage
    {
        bool protectedNow = false;
        bool queued = false;
        bool hot = false;
        std::uint32_t writes = 0;
        std::uint64_t generation = 0;
        std::bitset<paging::kPageSize4K> code; // bytes of decoded blocks, for storeForGuest()
    };
    std::unordered_map<std::uint64_t, CodePage> m_codePages;
    std::vector<bool> m_fetchGuard;              // per guest page: execute permission withheld
    std::optional<std::uint64_t> m_guardedFetch; // the page whose fetch stopped the run
    std::vector<std::function<void()>> m_deferredWork;
    std::vector<std::uint64_t> m_pendingGuards; // pages to guard before the next run
    std::vector<std::uint64_t> m_pagesToProtect;
    struct WatchedPage
    {
        bool reads = false; // the client wants its reads too
    };
    std::unordered_map<std::uint64_t, WatchedPage> m_watchedPages;
    std::vector<std::uint64_t> m_watchChanges; // pages to hook, unhook or protect: next block
    std::vector<std::pair<std::uint64_t, std::uint64_t>> m_storedForGuest; // translations to drop
    std::unordered_map<std::uint64_t, std::unique_ptr<Block>> m_blocks;

    std::unordered_map<std::uint64_t, Instruction> m_watched; // exact hooks the client asked for
    std::vector<std::uint64_t> m_breakpoints;                 // sorted
    std::optional<std::uint64_t> m_passBreakpointAt;
    bool m_breakpointsSuspended = false;
    struct BreakpointStop
    {
        std::uint64_t rip = 0;
        std::uint64_t retired = 0;
    };
    std::optional<BreakpointStop> m_breakpointStop; // where the last execute() stopped, if at one
    std::vector<std::uint64_t> m_pendingWatches;    // to add before the next run
    std::optional<std::uint64_t> m_pendingDeadlineStop;

    std::optional<std::uint64_t> m_deferredRip;
    std::uint64_t m_stoppedBefore = 0;
    std::optional<std::uint64_t> m_passWatchAt;
    bool m_handled = false; // the client answered the current event
    bool m_invalidOpcode = false;
    std::uint64_t m_eventAddress = 0; // the instruction the client is handling
    std::optional<std::string> m_callbackError;
    std::optional<UnmappedAccess> m_unmapped;
    const Block *m_lastClosed = nullptr; // to recognise a HLT that ended the run
    std::uint64_t m_lastClosedIndex = 0;
};

} // namespace vmwb
