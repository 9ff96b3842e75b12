#include "machine/Machine.h"

#include "hw/ControlRegisters.h"
#include "hw/Exceptions.h"
#include "hw/Paging.h"
#include "machine/Operands.h"
#include "mmu/PageWalker.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <exception>
#include <string>
#include <utility>

namespace vmwb {

namespace {
// After this many returns from Unicorn that nothing explains, the engine gives up.
constexpr int kMaxUnexplainedReturns = 1000;

// memcmp for the short byte runs of a block, inlined: it runs once per executed block.
inline bool sameBytes(const std::uint8_t *a, const std::uint8_t *b, std::size_t size)
{
    std::size_t i = 0;
    for (; i + 8 <= size; i += 8) {
        std::uint64_t x = 0;
        std::uint64_t y = 0;
        std::memcpy(&x, a + i, 8);
        std::memcpy(&y, b + i, 8);
        if (x != y)
            return false;
    }
    for (; i < size; ++i) {
        if (a[i] != b[i])
            return false;
    }
    return true;
}
} // namespace

// A translation block as the engine decoded it: where its instructions start.
struct Machine::Block
{
    std::uint64_t start = 0;
    std::uint32_t size = 0;
    std::vector<std::uint16_t> offsets; // of each instruction from `start`, ascending
    std::vector<std::uint8_t> bytes;    // the code as decoded, to notice self-modifying code
    const std::uint8_t *host = nullptr; // where those bytes live, when inside one page
    Machine::CodePage *page = nullptr;  // the protected page it lies in, if within one
    std::uint64_t generation = 0;       // the page's generation when last compared
    bool endsWithHlt = false;

    // Whether the bytes are known to be as decoded without comparing them.
    bool trusted() const { return page && page->protectedNow && generation == page->generation; }

    std::uint64_t instructions = 0; // offsets.size(), read on every run of the block
    std::uint64_t count() const { return instructions; }
    std::uint64_t address(std::uint64_t index) const { return start + offsets[index]; }
    std::uint64_t length(std::uint64_t index) const
    {
        return (index + 1 < count() ? offsets[index + 1] : size) - offsets[index];
    }

    // How many of this block's instructions ran, given that the next block starts at `next`
    // with `nextSize` bytes. Normally all of them. But when an instruction writes into the
    // code of its own block, QEMU abandons the block before that instruction and runs it alone
    // in a one-instruction block (self-modifying code, "current_tb_modified"): the block
    // reported next is exactly that instruction, inside this block and not its last one.
    std::uint64_t ranBefore(std::uint64_t next, std::uint32_t nextSize) const
    {
        if (nextSize >= size || next < start || next >= start + size || count() < 2)
            return count();
        const std::uint64_t index = indexOf(next);
        if (index + 1 < count() && address(index) == next && length(index) == nextSize)
            return index;
        return count();
    }

    // How many of this block's instructions lie before `rip`. An address outside the block
    // means control left it at its end: all of them ran.
    std::uint64_t indexOf(std::uint64_t rip) const
    {
        if (rip < start || rip >= start + size)
            return count();
        const auto offset = static_cast<std::uint16_t>(rip - start);
        return static_cast<std::uint64_t>(std::lower_bound(offsets.begin(), offsets.end(), offset) -
                                          offsets.begin());
    }
};

Machine::Machine(Config config, MachineClient &client)
    : m_client(client),
      m_memory(config.guestMemorySize, platform::kMonitorBase, platform::kMonitorSize),
      m_cpu(std::make_unique<UnicornCpu>()),
      m_instructionCache(std::make_unique<std::array<CachedInstruction, 64>>())
{
    m_cpu->mapHostMemory(0, m_memory.guestSize(), m_memory.guest().data());
    m_cpu->mapHostMemory(platform::kMonitorBase, m_memory.monitorSize(), m_memory.monitor().data());
    // The latch probe needs the platform's GDT; boot() rewrites the parameters later.
    installPlatform(m_memory, GuestEntry{});
    m_latch = FaultLatch::calibrate(*m_cpu, platform::kLatchProbe);
    m_cpu->setListener(this);
}

Machine::~Machine()
{
    m_cpu->setListener(nullptr);
}

void Machine::load(std::uint64_t address, std::span<const std::uint8_t> bytes)
{
    if (address + bytes.size() > m_memory.guestSize() ||
        !m_memory.write(address, bytes.data(), bytes.size()))
        throw EngineError("program does not fit into guest memory");
    if (m_booted)
        m_cpu->removeCache(address, address + bytes.size());
}

void Machine::boot(const GuestEntry &requested)
{
    if (m_booted)
        throw EngineError("the machine has already booted");
    GuestEntry entry = requested;
    if (entry.rsp == 0)
        entry.rsp = m_memory.guestSize();
    installPlatform(m_memory, entry);

    m_booting = true;
    m_bootEntry = entry.rip;
    m_cpu->addCodeHook(entry.rip);
    m_latch->clear(*m_cpu);
    const CpuError error = m_cpu->run(platform::kBootCode);
    m_booting = false;
    m_cpu->removeCodeHook(entry.rip);
    if (m_callbackError) {
        const std::string message = *m_callbackError;
        m_callbackError.reset();
        throw EngineError(message);
    }
    if (error != CpuError::None || m_cpu->rip() != entry.rip)
        throw EngineError("the firmware did not reach the guest's entry point");

    for (Register r : {Register::Rax, Register::Rcx, Register::Rdx, Register::Rbx, Register::Rbp,
                       Register::Rsi, Register::Rdi, Register::R8, Register::R9, Register::R10,
                       Register::R11, Register::R12, Register::R13, Register::R14, Register::R15})
        m_cpu->write(r, 0);
    m_retired = 0;
    m_cr3 = m_cpu->read(Register::Cr3);
    m_booted = true;
}

ExecuteResult Machine::execute(std::uint64_t deadline)
{
    if (!m_booted)
        throw EngineError("execute() before boot()");
    m_deadline = deadline;
    forgetFastBlock();
    m_cr3 = m_cpu->read(Register::Cr3);
    const auto finish = [this](StopReason reason, CpuError error = CpuError::None) {
        disarmDeadlineStop();
        return ExecuteResult{reason, error};
    };
    // Continuing from the breakpoint a run stopped at runs the instruction there. Only from
    // there: a run that starts at a breakpoint for another reason (an interrupt delivered to
    // a handler with a breakpoint, a deadline that ended the last run just before one) stops.
    m_passBreakpointAt.reset();
    if (m_breakpointStop && m_breakpointStop->rip == m_cpu->rip() &&
        m_breakpointStop->retired == m_retired && isBreakpoint(m_cpu->rip()))
        m_passBreakpointAt = m_cpu->rip(); // kept while the instruction is stepped over
    else
        m_breakpointStop.reset();
    int unexplained = 0;
    for (;;) {
        if (m_retired >= m_deadline)
            return finish(StopReason::Deadline);
        if (m_externalStop.load())
            return finish(StopReason::External);
        for (auto work = std::exchange(m_deferredWork, {}); auto &job : work)
            job();
        applyPendingHooks();
        m_stop = InternalStop::None;
        m_deferredRip.reset();
        m_invalidOpcode = false;
        m_unmapped.reset();
        m_lastClosed = nullptr;
        m_latch->clear(*m_cpu);

        m_inRun = true;
        const CpuError error = m_cpu->run(m_cpu->rip());
        m_inRun = false;

        if (m_unmapped)
            locateUnmappedAccess();
        if (m_current && m_stop == InternalStop::None && m_externalStop.load()) {
            // Stopped from another thread between this block's hook and its start: it did not
            // run, and RIP was not stored (see onBlock).
            m_cpu->write(Register::Rip, m_current->start);
            m_current = nullptr;
            forgetFastBlock();
            m_stop = InternalStop::External;
        }
        if (m_current)
            closeBlockAt(m_cpu->rip());
        settleCallbacks();

        if (const auto page = std::exchange(m_guardedFetch, std::nullopt);
            page && error == CpuError::FetchProtected) {
            m_client.onGuardedFetch(*page);
            if (fetchGuarded(*page))
                return finish(StopReason::CpuError, error);
            continue; // from where the fetch stopped, with the page executable now
        }

        // Exceptions the CPU reported by stopping rather than through the interrupt hook.
        if (const auto raised = exceptionAfterStop()) {
            deliverException(*raised);
            settleCallbacks();
            if (m_stop == InternalStop::Client)
                return finish(StopReason::ClientRequest);
            continue;
        }
        switch (m_stop) {
        case InternalStop::Restart:
            continue;
        case InternalStop::Deadline:
            return finish(StopReason::Deadline);
        case InternalStop::BeforeWatched:
            return finish(StopReason::BeforeWatched);
        case InternalStop::Breakpoint:
            m_breakpointStop = BreakpointStop{m_cpu->rip(), m_retired};
            return finish(StopReason::Breakpoint);
        case InternalStop::Client:
            return finish(StopReason::ClientRequest);
        case InternalStop::External:
            return finish(StopReason::External);
        case InternalStop::None:
            break;
        }
        if (error != CpuError::None)
            return finish(StopReason::CpuError, error);
        if (lastInstructionWasHlt(m_cpu->rip()))
            return finish(StopReason::Halted);
        if (++unexplained > kMaxUnexplainedReturns)
            throw EngineError("the emulator keeps returning without a reason");
    }
}

// After a run (or a delivery outside one): rethrows what a callback could not throw, and moves
// RIP where a callback asked the guest to continue.
void Machine::settleCallbacks()
{
    if (m_callbackError) {
        const std::string message = *m_callbackError;
        m_callbackError.reset();
        disarmDeadlineStop();
        throw EngineError(message);
    }
    if (m_deferredRip) {
        m_cpu->write(Register::Rip, *m_deferredRip);
        m_deferredRip.reset();
    }
}

// Unicorn stops after an invalid opcode (#UD), and stops with an error on a non-canonical
// address where a real CPU raises #GP (#SS for the stack). The engine raises those itself.
std::optional<CpuException> Machine::exceptionAfterStop()
{
    const std::uint64_t rip = m_cpu->rip();
    if (m_invalidOpcode) {
        m_invalidOpcode = false;
        return CpuException{vector::kInvalidOpcode, false, rip, 0, nullptr};
    }
    if (m_stop != InternalStop::None || !m_unmapped || !m_unmapped->located)
        return std::nullopt;
    const Instruction *instruction = instructionAt(rip);
    if (isCanonical(m_unmapped->address)) {
        // Unicorn looks its memory up by the linear address before it walks the page tables,
        // so an address beyond guest memory comes back as "unmapped". If the page tables do not
        // map it either, a real CPU raises #PF with CR2 = the address.
        if (translate(m_unmapped->address))
            return std::nullopt; // mapped to a physical address with no memory: no exception
        m_cpu->write(Register::Cr2, m_unmapped->address);
        m_unmapped.reset();
        return CpuException{vector::kPageFault, false, rip,
                            instruction ? instruction->nextAddress() : 0, instruction};
    }
    m_unmapped.reset();
    bool stack = false;
    if (instruction) {
        for (const Operand &operand : instruction->operands) {
            if (operand.kind == OperandKind::Memory &&
                (operand.mem.base == Register::Rsp || operand.mem.base == Register::Rbp))
                stack = true;
        }
    }
    return CpuException{stack ? vector::kStackFault : vector::kGeneralProtection, false, rip,
                        instruction ? instruction->nextAddress() : 0, instruction};
}

void Machine::continueAt(std::uint64_t rip, bool retires)
{
    if (m_current)
        closeBlockAt(m_eventAddress);
    if (retires)
        ++m_retired;
    m_handled = true;
    // Writing RIP inside a hook makes Unicorn leave the current block and go on at the new RIP.
    m_cpu->write(Register::Rip, rip);
}

void Machine::stopAt(std::uint64_t rip, bool retires)
{
    if (m_current)
        closeBlockAt(m_eventAddress);
    if (retires)
        ++m_retired;
    m_handled = true;
    // Not written now: a RIP written inside a hook makes Unicorn resume, undoing the stop.
    m_deferredRip = rip;
    requestInternalStop(InternalStop::Client);
}

void Machine::requestStop()
{
    m_externalStop = true;
    m_cpu->stop();
}

void Machine::requestInternalStop(InternalStop why)
{
    m_stop = why;
    if (m_inRun)
        m_cpu->stop();
}

std::optional<std::uint64_t> Machine::translate(std::uint64_t linear) const
{
    const PageWalk walk = walkPageTables(m_memory, m_cr3, linear);
    if (!walk.present)
        return std::nullopt;
    return walk.physical;
}

bool Machine::readLinear(std::uint64_t linear, void *buffer, std::size_t size) const
{
    auto *out = static_cast<std::uint8_t *>(buffer);
    while (size > 0) {
        const std::uint64_t inPage = paging::kPageSize4K - (linear & (paging::kPageSize4K - 1));
        const std::size_t chunk = std::min<std::uint64_t>(size, inPage);
        const auto physical = translate(linear);
        if (!physical || !m_memory.read(*physical, out, chunk))
            return false;
        linear += chunk;
        out += chunk;
        size -= chunk;
    }
    return true;
}

bool Machine::writeLinear(std::uint64_t linear, const void *buffer, std::size_t size)
{
    const auto *in = static_cast<const std::uint8_t *>(buffer);
    const std::uint64_t start = linear;
    std::size_t left = size;
    while (left > 0) {
        const std::uint64_t inPage = paging::kPageSize4K - (linear & (paging::kPageSize4K - 1));
        const std::size_t chunk = std::min<std::uint64_t>(left, inPage);
        const auto physical = translate(linear);
        if (!physical || !m_memory.write(*physical, in, chunk))
            return false;
        if (auto it = m_codePages.find(*physical & ~(paging::kPageSize4K - 1));
            it != m_codePages.end())
            ++it->second.generation;
        forgetFastBlock();
        linear += chunk;
        in += chunk;
        left -= chunk;
    }
    m_cpu->removeCache(start, start + size);
    return true;
}

namespace {
// Reads up to 15 bytes of code at `linear`: fewer when the next page is not mapped.
std::size_t readCode(const Machine &machine, std::uint64_t linear,
                     std::array<std::uint8_t, 15> &bytes)
{
    const std::size_t first = std::min<std::size_t>(
        bytes.size(), paging::kPageSize4K - (linear & (paging::kPageSize4K - 1)));
    if (!machine.readLinear(linear, bytes.data(), first))
        return 0;
    if (first < bytes.size() &&
        machine.readLinear(linear + first, bytes.data() + first, bytes.size() - first))
        return bytes.size();
    return first;
}
} // namespace

std::optional<Instruction> Machine::decodeAt(std::uint64_t linear, Decoder::Detail detail) const
{
    std::array<std::uint8_t, 15> bytes{};
    const std::size_t available = readCode(*this, linear, bytes);
    return m_decoder.decode(std::span<const std::uint8_t>(bytes.data(), available), linear, detail);
}

const Instruction *Machine::instructionAt(std::uint64_t linear) const
{
    std::array<std::uint8_t, 15> bytes{};
    const std::size_t available = readCode(*this, linear, bytes);
    CachedInstruction &entry = (*m_instructionCache)[linear % m_instructionCache->size()];
    if (entry.valid && entry.instruction.address == linear &&
        entry.instruction.length <= available &&
        std::memcmp(entry.instruction.bytes.data(), bytes.data(), entry.instruction.length) == 0)
        return &entry.instruction;
    auto decoded = m_decoder.decode(std::span<const std::uint8_t>(bytes.data(), available), linear,
                                    Decoder::Detail::Facts);
    if (!decoded) {
        entry.valid = false;
        return nullptr;
    }
    entry.instruction = std::move(*decoded);
    entry.valid = true;
    return &entry.instruction;
}

void Machine::forgetDecodedCode()
{
    forgetFastBlock();
    m_current = nullptr;
    m_lastBlock = nullptr;
    m_lastClosed = nullptr;
    m_blocks.clear();
    m_cr3 = m_cpu->read(Register::Cr3);
}

// --- Unicorn callbacks. They must not throw: errors are kept and rethrown by execute(). ---

void Machine::onBlock(std::uint64_t address, std::uint32_t size)
{
    // The common case first: a loop running its block again, far from the deadline. The block
    // is m_current, trusted (its page write-protected and unchanged), and no work waits.
    if (address == m_fastStart && size == m_fastSize && m_retired < m_fastRetiredLimit &&
        !m_externalStop.load(std::memory_order_relaxed)) {
        m_retired += m_fastCount - m_currentCounted; // the run that just ended
        m_currentCounted = 0;
        return;
    }
    onBlockSlow(address, size);
}

void Machine::onBlockSlow(std::uint64_t address, std::uint32_t size)
{
    forgetFastBlock();
    if (m_booting)
        return;
    if (m_current) {
        m_retired += m_current->ranBefore(address, size) - m_currentCounted;
        m_current = nullptr;
    }
    // Unicorn does not store RIP before a block hook: a stop requested here leaves RIP at
    // whatever it was last synchronised to (often the previous block's start). The block did
    // not run, so the guest resumes at its start.
    const auto stopBeforeBlock = [this, address](InternalStop why) {
        m_deferredRip = address;
        requestInternalStop(why);
    };
    if (m_externalStop.load(std::memory_order_relaxed)) {
        stopBeforeBlock(InternalStop::External);
        return;
    }
    if (!m_deferredWork.empty()) {
        stopBeforeBlock(InternalStop::Restart);
        return;
    }
    Block *block = m_lastBlock;
    const bool same =
        block && block->start == address && block->size == size &&
        (block->trusted() || (block->host && sameBytes(block->host, block->bytes.data(), size)));
    if (!same) {
        try {
            block = blockAt(address, size);
        } catch (const std::exception &e) {
            m_callbackError = e.what();
            stopBeforeBlock(InternalStop::Client);
            return;
        }
        if (!block) {
            // New exact hooks must be compiled into the block before it runs.
            stopBeforeBlock(InternalStop::Restart);
            return;
        }
        m_lastBlock = block;
    }
    const std::uint64_t count = block->count();
    if (m_retired + count > m_deadline) {
        const std::uint64_t remaining = m_deadline - m_retired;
        if (remaining == 0) {
            stopBeforeBlock(InternalStop::Deadline);
            return;
        }
        const std::uint64_t target = block->address(remaining);
        if (m_deadlineStop != target) {
            m_pendingDeadlineStop = target;
            stopBeforeBlock(InternalStop::Restart);
            return;
        }
    }
    m_current = block;
    m_currentCounted = 0;
    if (block->trusted() && m_deferredWork.empty()) {
        m_fastStart = block->start;
        m_fastSize = block->size;
        m_fastCount = count;
        // The next run of the block is counted when the one after starts; both must fit.
        m_fastRetiredLimit = m_deadline >= 2 * count ? m_deadline - 2 * count + 1 : 0;
    }
}

Machine::Block *Machine::blockAt(std::uint64_t address, std::uint32_t size)
{
    auto it = m_blocks.find(address);
    if (it != m_blocks.end()) {
        Block &known = *it->second;
        bool unchanged = known.size == size;
        if (unchanged && !known.trusted()) {
            if (known.host) {
                unchanged = sameBytes(known.host, known.bytes.data(), size);
            } else {
                std::vector<std::uint8_t> now(size);
                unchanged = readLinear(address, now.data(), size) && now == known.bytes;
            }
            if (unchanged && known.page)
                known.generation = known.page->generation;
        }
        if (unchanged)
            return &known;
    }
    auto decoded = decodeBlock(address, size);
    Block *block = decoded.get();
    const bool newPage = trackCodePage(*block);
    markCode(*block);
    if (it != m_blocks.end()) {
        if (m_lastBlock == it->second.get())
            m_lastBlock = nullptr;
        if (m_lastClosed == it->second.get())
            m_lastClosed = nullptr;
        it->second = std::move(decoded);
    } else {
        m_blocks.emplace(address, std::move(decoded));
    }
    // New exact hooks, or a page to protect, take effect before the block runs.
    return m_pendingWatches.empty() && !newPage ? block : nullptr;
}

// Registers the page of a block that lies in one page; returns whether it must be protected
// before the block runs.
bool Machine::trackCodePage(Block &block)
{
    if (!block.host)
        return false;
    const auto physical = translate(block.start);
    if (!physical)
        return false;
    const std::uint64_t page = *physical & ~(paging::kPageSize4K - 1);
    CodePage &state = m_codePages[page];
    block.page = &state;
    block.generation = state.generation;
    if (state.hot || state.protectedNow || state.queued)
        return false;
    state.queued = true;
    m_pagesToProtect.push_back(page);
    return true;
}

// The bytes of a decoded block, by physical page (a block may run on into the next page).
void Machine::markCode(const Block &block)
{
    std::uint64_t linear = block.start;
    std::uint64_t left = block.size;
    while (left > 0) {
        const std::uint64_t offset = linear & (paging::kPageSize4K - 1);
        const std::uint64_t chunk = std::min<std::uint64_t>(left, paging::kPageSize4K - offset);
        if (const auto physical = translate(linear)) {
            auto &code = m_codePages[*physical & ~(paging::kPageSize4K - 1)].code;
            for (std::uint64_t i = 0; i < chunk; ++i)
                code.set(offset + i);
        }
        linear += chunk;
        left -= chunk;
    }
}

void Machine::onWriteToProtectedPage(std::uint64_t address, std::size_t size, std::uint64_t value)
{
    // Unicorn looks its regions up by the linear address here; guest memory is identity-mapped.
    const std::uint64_t page = address & ~(paging::kPageSize4K - 1);
    if (m_watchedPages.contains(page)) {
        try {
            m_client.onWatchedAccess(MemoryAccess::Write, address, size);
            // Done here, so that the page stays protected and the next store is seen too. A
            // store the guest's page tables forbid is left to Unicorn, which raises the #PF.
            storeForGuest(address, size, value);
        } catch (const std::exception &e) {
            m_callbackError = e.what();
            requestInternalStop(InternalStop::Client);
        }
        return;
    }
    auto it = m_codePages.find(page);
    if (it != m_codePages.end())
        it->second.protectedNow = false;
    try {
        applyPermissions(page); // writable again; execute only if the page is not guarded
    } catch (const std::exception &e) {
        m_callbackError = e.what();
        requestInternalStop(InternalStop::Client);
        return;
    }
    if (it == m_codePages.end())
        return;
    CodePage &state = it->second;
    ++state.generation;
    forgetFastBlock();
    // Written twice: code and data share the page; comparing its blocks is cheaper than a
    // fault on every write.
    state.hot = ++state.writes >= 2;
    if (!state.hot && !state.queued) {
        state.queued = true;
        m_pagesToProtect.push_back(page);
    }
}

// A store of a watched page, done for the guest inside Unicorn's write hook: Unicorn drops its
// own. Returns false, storing nothing, if the guest's page tables do not allow it.
bool Machine::storeForGuest(std::uint64_t address, std::size_t size, std::uint64_t value)
{
    if (size == 0 || size > sizeof value)
        return false;
    std::array<std::uint8_t, sizeof value> bytes{};
    for (std::size_t i = 0; i < size; ++i)
        bytes[i] = static_cast<std::uint8_t>(value >> (8 * i));
    const std::uint64_t cr3 = m_cpu->read(Register::Cr3);
    const bool user = (m_cpu->read(Register::Cs) & 3) == 3;
    const bool writeProtect = (m_cpu->read(Register::Cr0) & cr0::kWP) != 0;
    struct Piece
    {
        std::uint64_t physical;
        std::size_t offset, length;
    };
    std::array<Piece, 2> pieces{};
    std::size_t count = 0;
    for (std::size_t done = 0; done < size;) {
        const std::uint64_t linear = address + done;
        const std::size_t length = std::min<std::uint64_t>(
            size - done, paging::kPageSize4K - (linear & (paging::kPageSize4K - 1)));
        const PageWalk walk = walkPageTables(m_memory, cr3, linear);
        const bool allowed =
            walk.present && (user ? walk.user && walk.writable : walk.writable || !writeProtect);
        if (!allowed || count == pieces.size() || !m_memory.host(walk.physical, length))
            return false;
        pieces[count++] = {walk.physical, done, length};
        done += length;
    }
    bool overCode = false;
    for (std::size_t i = 0; i < count; ++i) {
        const Piece &piece = pieces[i];
        m_memory.write(piece.physical, bytes.data() + piece.offset, piece.length);
        auto it = m_codePages.find(piece.physical & ~(paging::kPageSize4K - 1));
        if (it == m_codePages.end())
            continue;
        const std::uint64_t offset = piece.physical & (paging::kPageSize4K - 1);
        for (std::size_t b = 0; b < piece.length; ++b) {
            if (it->second.code.test(offset + b)) {
                overCode = true;
                ++it->second.generation; // its blocks are compared with memory again
                forgetFastBlock();
                break;
            }
        }
    }
    if (overCode) {
        // Unicorn does not see this store, so its translation of that code is dropped here.
        m_storedForGuest.emplace_back(address, address + size);
        atNextBlock([] {});
    }
    return true;
}

void Machine::applyPermissions(std::uint64_t page)
{
    auto it = m_codePages.find(page);
    const bool writable =
        (it == m_codePages.end() || !it->second.protectedNow) && !m_watchedPages.contains(page);
    m_cpu->setPermissions(page, page + paging::kPageSize4K, writable, !fetchGuarded(page));
}

// Outside a run only: every guest page's protection as applyPermissions() would set it, with
// one call per run of pages that need the same (each call on a page of its own costs Unicorn
// a region split). Pages that need full access are left as they are.
void Machine::applyAllPermissions()
{
    const std::uint64_t pages = m_memory.guestSize() / paging::kPageSize4K;
    const auto wanted = [this](std::uint64_t page) {
        auto it = m_codePages.find(page);
        const bool writable =
            (it == m_codePages.end() || !it->second.protectedNow) && !m_watchedPages.contains(page);
        return std::pair{writable, !fetchGuarded(page)};
    };
    std::uint64_t index = 0;
    while (index < pages) {
        const std::uint64_t first = index * paging::kPageSize4K;
        const auto permissions = wanted(first);
        while (index < pages && wanted(index * paging::kPageSize4K) == permissions)
            ++index;
        if (permissions != std::pair{true, true})
            m_cpu->setPermissions(first, index * paging::kPageSize4K, permissions.first,
                                  permissions.second);
    }
}

bool Machine::settled() const
{
    return m_deferredWork.empty() && m_watchChanges.empty() && m_pendingGuards.empty() &&
           m_storedForGuest.empty();
}

Machine::State Machine::saveState() const
{
    State state;
    state.cpu = m_cpu->contextBytes();
    state.retired = m_retired;
    state.fetchGuard = m_fetchGuard;
    for (const auto &[page, watched] : m_watchedPages)
        state.watchedPages.emplace_back(page, watched.reads);
    std::sort(state.watchedPages.begin(), state.watchedPages.end());
    return state;
}

void Machine::prepareRestore()
{
    if (m_inRun)
        throw EngineError("a snapshot restored during a run");
    m_deferredWork.clear();
    m_watchChanges.clear();
    m_pendingGuards.clear();
    m_pendingWatches.clear();
    m_pagesToProtect.clear();
    m_storedForGuest.clear();
    disarmDeadlineStop();
    m_deferredRip.reset();
    m_guardedFetch.reset();
    m_passWatchAt.reset();
    m_passBreakpointAt.reset();
    m_breakpointStop.reset();
    m_unmapped.reset();
    m_invalidOpcode = false;
    m_callbackError.reset();
    // Hooks the restored code needs come back as its blocks are decoded.
    m_watched.clear();
    for (std::uint64_t address : m_cpu->codeHookAddresses()) {
        if (!isBreakpoint(address))
            m_cpu->removeCodeHook(address);
    }
    for (const auto &[page, watched] : m_watchedPages) {
        if (m_cpu->hooksReadsAt(page))
            m_cpu->unhookReads(page);
    }
    m_watchedPages.clear();
    forgetDecodedCode();
    m_codePages.clear();
    for (CachedInstruction &entry : *m_instructionCache)
        entry.valid = false;
    // Unicorn finds translated code by looking the start address up as a code fetch: with the
    // whole of guest memory executable, one call drops all of it.
    m_cpu->setPermissions(0, m_memory.guestSize(), true, true);
    m_cpu->removeCache(0, m_memory.guestSize());
}

void Machine::finishRestore(const State &state)
{
    m_cpu->restoreContext(state.cpu);
    m_retired = state.retired;
    m_fetchGuard = state.fetchGuard;
    // No translated code is left that was translated without the read hooks (see
    // setReadHooks()).
    for (const auto &[page, reads] : state.watchedPages) {
        m_watchedPages[page].reads = reads;
        if (reads)
            m_cpu->hookReads(page, page + paging::kPageSize4K);
    }
    // Unicorn 2.0.1 offers no call that flushes its TLB, and neither does writing CR3 or CR4
    // through its API; a change of a region's write permission does (QEMU commits a new memory
    // map). Without the flush, translations cached after the snapshot would outlive it, and the
    // page walks that set the Accessed bits of the page tables would not happen again.
    m_cpu->setPermissions(0, m_memory.guestSize(), false, true);
    m_cpu->setPermissions(0, m_memory.guestSize(), true, true);
    applyAllPermissions();
    m_cr3 = m_cpu->read(Register::Cr3);
}

void Machine::guardFetches(std::uint64_t begin, std::uint64_t end)
{
    begin &= ~(paging::kPageSize4K - 1);
    end = std::min<std::uint64_t>(end, m_memory.guestSize());
    if (begin >= end)
        return;
    if (m_fetchGuard.empty())
        m_fetchGuard.resize(m_memory.guestSize() / paging::kPageSize4K);
    for (std::uint64_t page = begin; page < end; page += paging::kPageSize4K)
        m_fetchGuard[page / paging::kPageSize4K] = true;
    if (m_inRun) {
        for (std::uint64_t page = begin; page < end; page += paging::kPageSize4K)
            m_pendingGuards.push_back(page);
        atNextBlock([] {}); // applyPendingHooks() guards them before the next block
        return;
    }
    // One call for the range, then the pages the machine write-protects or watches.
    m_cpu->setPermissions(begin, (end + paging::kPageSize4K - 1) & ~(paging::kPageSize4K - 1), true,
                          false);
    for (const auto &[page, state] : m_codePages) {
        if (state.protectedNow && page >= begin && page < end)
            applyPermissions(page);
    }
    for (const auto &[page, watched] : m_watchedPages) {
        if (page >= begin && page < end)
            applyPermissions(page);
    }
}

void Machine::releaseFetchGuard(std::uint64_t page)
{
    page &= ~(paging::kPageSize4K - 1);
    if (!fetchGuarded(page))
        return;
    m_fetchGuard[page / paging::kPageSize4K] = false;
    applyPermissions(page);
}

bool Machine::fetchGuarded(std::uint64_t page) const
{
    const std::uint64_t index = page / paging::kPageSize4K;
    return index < m_fetchGuard.size() && m_fetchGuard[index];
}

bool Machine::onFetchFromGuardedPage(std::uint64_t address)
{
    const std::uint64_t page = address & ~(paging::kPageSize4K - 1);
    if (fetchGuarded(page))
        m_guardedFetch = page;
    return false; // Unicorn stops with UC_ERR_FETCH_PROT; execute() calls the client
}

void Machine::atNextBlock(std::function<void()> work)
{
    if (!m_inRun) {
        work();
        return;
    }
    m_deferredWork.push_back(std::move(work));
    forgetFastBlock();
}

void Machine::watchAccesses(std::uint64_t page, bool reads)
{
    page &= ~(paging::kPageSize4K - 1);
    WatchedPage &watched = m_watchedPages[page];
    watched.reads = watched.reads || reads;
    if (m_inRun) {
        m_watchChanges.push_back(page);
        atNextBlock([] {});
        return;
    }
    applyWatch(page);
}

void Machine::unwatchAccesses(std::uint64_t page)
{
    page &= ~(paging::kPageSize4K - 1);
    if (m_watchedPages.erase(page) == 0)
        return;
    if (m_inRun) {
        m_watchChanges.push_back(page);
        atNextBlock([] {});
        return;
    }
    applyWatch(page);
}

bool Machine::readsHooked(std::uint64_t page) const
{
    return m_cpu->hooksReadsAt(page & ~(paging::kPageSize4K - 1));
}

// Outside a run only: the page's protection and read hook as m_watchedPages says.
void Machine::applyWatch(std::uint64_t page)
{
    auto it = m_watchedPages.find(page);
    const bool hook = it != m_watchedPages.end() && it->second.reads;
    if (hook != m_cpu->hooksReadsAt(page))
        setReadHooks(page, hook);
    applyPermissions(page);
}

// Outside a run only. Unicorn decides between its fast and slow memory paths when it
// translates code, so all translated code is dropped when the first page is hooked (code
// translated before would not report the page's reads) and when the last one is unhooked
// (code translated meanwhile would stay slow).
void Machine::setReadHooks(std::uint64_t page, bool hooked)
{
    const bool before = m_cpu->hooksReads();
    if (hooked)
        m_cpu->hookReads(page, page + paging::kPageSize4K);
    else
        m_cpu->unhookReads(page);
    if (m_cpu->hooksReads() != before)
        m_cpu->removeCache(0, m_memory.guestSize());
}

void Machine::onWatchedAccess(MemoryAccess access, std::uint64_t address, std::size_t size)
{
    try {
        m_client.onWatchedAccess(access, address, size);
    } catch (const std::exception &e) {
        m_callbackError = e.what();
        requestInternalStop(InternalStop::Client);
    }
}

std::unique_ptr<Machine::Block> Machine::decodeBlock(std::uint64_t address, std::uint32_t size)
{
    auto block = std::make_unique<Block>();
    block->start = address;
    block->size = size;
    block->bytes.resize(size);
    if (!readLinear(address, block->bytes.data(), size))
        throw EngineError("a translation block lies outside mapped memory");
    if ((address & (paging::kPageSize4K - 1)) + size <= paging::kPageSize4K) {
        if (const auto physical = translate(address))
            block->host = m_memory.host(*physical, size);
    }
    std::uint32_t offset = 0;
    while (offset < size) {
        const auto bytes = std::span<const std::uint8_t>(block->bytes).subspan(offset);
        const auto instruction = m_decoder.decode(bytes, address + offset, Decoder::Detail::Facts);
        if (!instruction)
            break; // an invalid opcode ends the block: the CPU raises #UD there
        block->offsets.push_back(static_cast<std::uint16_t>(offset));
        block->instructions = block->offsets.size();
        block->endsWithHlt = instruction->mnemonic == Mnemonic::Hlt;
        if (m_client.watches(*instruction)) {
            m_watched.insert_or_assign(instruction->address, *instruction);
            if (!m_cpu->hasCodeHook(instruction->address))
                m_pendingWatches.push_back(instruction->address);
        }
        offset += instruction->length;
    }
    return block;
}

const Instruction *Machine::watchedAt(std::uint64_t address)
{
    auto it = m_watched.find(address);
    if (it == m_watched.end())
        return nullptr;
    // The guest may have rewritten the instruction since it was decoded.
    std::array<std::uint8_t, 15> now{};
    if (!readLinear(address, now.data(), it->second.length) ||
        std::memcmp(now.data(), it->second.bytes.data(), it->second.length) != 0) {
        const auto fresh = decodeAt(address, Decoder::Detail::Facts);
        if (!fresh || !m_client.watches(*fresh)) {
            m_watched.erase(it);
            return nullptr;
        }
        it->second = *fresh;
    }
    return &it->second;
}

void Machine::onCodeHook(std::uint64_t address)
{
    if (m_booting) {
        if (address == m_bootEntry)
            m_cpu->stop();
        return;
    }
    try {
        // Count the block's instructions before this one, so that retired() is exact while
        // the client looks at the machine.
        if (m_current) {
            const std::uint64_t index = m_current->indexOf(address);
            if (index > m_currentCounted) {
                m_retired += index - m_currentCounted;
                m_currentCounted = index;
            }
        }
        if (m_deadlineStop == address && m_retired == m_deadline) {
            closeBlockAt(address);
            requestInternalStop(InternalStop::Deadline);
            return;
        }
        if (!m_breakpointsSuspended && isBreakpoint(address)) {
            if (m_passBreakpointAt == address) {
                m_passBreakpointAt.reset();
            } else {
                closeBlockAt(address);
                requestInternalStop(InternalStop::Breakpoint);
                return;
            }
        }
        const Instruction *instruction = watchedAt(address);
        if (!instruction)
            return;
        if (m_passWatchAt == address) {
            m_passWatchAt.reset();
            return;
        }
        m_eventAddress = address;
        m_handled = false;
        switch (m_client.onWatched(*instruction)) {
        case WatchAction::Execute:
            if (m_externalStop.load(std::memory_order_relaxed)) {
                // A stop was asked for (the client breaks on the event it just recorded): the
                // rest of the block would run first. Stop before instead; the caller steps
                // over this one instruction (passWatchOnce) and so pauses right after it.
                closeBlockAt(address);
                m_stoppedBefore = address;
                requestInternalStop(InternalStop::BeforeWatched);
            }
            return;
        case WatchAction::Handled:
            if (!m_handled)
                throw EngineError("a watched instruction was reported handled but was not");
            return;
        case WatchAction::StopBefore:
            closeBlockAt(address);
            m_stoppedBefore = address;
            requestInternalStop(InternalStop::BeforeWatched);
            return;
        }
    } catch (const std::exception &e) {
        m_callbackError = e.what();
        requestInternalStop(InternalStop::Client);
    }
}

void Machine::onInterrupt(std::uint32_t vectorNumber)
{
    if (m_booting) {
        m_callbackError = "the firmware raised exception " + std::to_string(vectorNumber);
        m_cpu->stop();
        return;
    }
    try {
        m_latch->clear(*m_cpu);
        const std::uint64_t rip = m_cpu->rip();
        CpuException exception;
        exception.vector = static_cast<std::uint8_t>(vectorNumber);
        exception.rip = rip;
        // Software interrupts report RIP after the instruction; find it in the block. (Only
        // INT n reaches vectors other than #DB and #BP and those of faults.)
        if (m_current) {
            const std::uint64_t index = m_current->indexOf(rip);
            if (index > 0) {
                const std::uint64_t previous = m_current->address(index - 1);
                const Instruction *instruction = instructionAt(previous);
                const bool interrupting =
                    instruction && instruction->nextAddress() == rip &&
                    ((instruction->mnemonic == Mnemonic::Int && !instruction->operands.empty() &&
                      instruction->operands.front().immediate == vectorNumber) ||
                     (instruction->mnemonic == Mnemonic::Int3 &&
                      vectorNumber == vector::kBreakpoint) ||
                     (instruction->mnemonic == Mnemonic::Int1 && vectorNumber == vector::kDebug));
                if (interrupting) {
                    exception.software = true;
                    exception.rip = previous;
                    exception.nextRip = rip;
                }
            }
        }
        // A branch to a non-canonical address faults on the branch itself (SDM Vol. 2A, JMP,
        // 64-Bit Mode Exceptions); Unicorn reports the #GP with RIP already at the target.
        if (vectorNumber == vector::kGeneralProtection && !isCanonical(rip) && m_current &&
            m_current->count() > 0) {
            // Not written to RIP here: the client's continueAt() or stopAt() decides it.
            exception.rip = m_current->address(m_current->count() - 1);
        }
        exception.instruction = instructionAt(exception.rip);
        if (!exception.software && exception.instruction)
            exception.nextRip = exception.instruction->nextAddress();
        closeBlockAt(exception.rip);
        deliverException(exception);
    } catch (const std::exception &e) {
        m_callbackError = e.what();
        requestInternalStop(InternalStop::Client);
    }
}

void Machine::onInvalidInstruction()
{
    if (m_booting) {
        m_callbackError = "the firmware hit an invalid instruction";
        return;
    }
    closeBlockAt(m_cpu->rip());
    m_invalidOpcode = true;
}

void Machine::onUnmappedAccess(MemoryAccess access, std::uint64_t address)
{
    if (!m_booting)
        m_unmapped = UnmappedAccess{access, address, false};
}

// After an unmapped access Unicorn leaves RIP at the start of the running block. The access
// came from the first instruction of that block whose memory operand covers the address (the
// instructions after it did not run, so its registers still hold their values then). A failed
// fetch of a new block comes from the branch that ended the previous one.
void Machine::locateUnmappedAccess()
{
    UnmappedAccess &fault = *m_unmapped;
    if (!m_current)
        return;
    if (fault.access == MemoryAccess::Fetch) {
        if (m_current->count() == 0)
            return;
        if (isCanonical(fault.address)) {
            // The branch completed; fetching its target faults (#PF with RIP at the target).
            closeBlockAt(m_current->start + m_current->size);
            m_cpu->write(Register::Rip, fault.address);
        } else {
            // A non-canonical target makes the branch itself fault (#GP).
            const std::uint64_t branch = m_current->address(m_current->count() - 1);
            closeBlockAt(branch);
            m_cpu->write(Register::Rip, branch);
        }
        fault.located = true;
        return;
    }
    for (std::uint64_t i = 0; i < m_current->count(); ++i) {
        const std::uint64_t address = m_current->address(i);
        const auto instruction = decodeAt(address, Decoder::Detail::Facts);
        if (!instruction)
            break;
        for (const Operand &operand : instruction->operands) {
            if (operand.kind != OperandKind::Memory)
                continue;
            const std::uint64_t start = effectiveAddress(*this, *instruction, operand.mem);
            const std::uint64_t size = std::max<std::uint64_t>(1, operand.sizeBits / 8U);
            if (fault.address - start < size) {
                closeBlockAt(address);
                m_cpu->write(Register::Rip, address);
                fault.located = true;
                return;
            }
        }
    }
}

void Machine::deliverException(const CpuException &exception)
{
    m_eventAddress = exception.rip;
    m_handled = false;
    try {
        m_client.onException(exception);
    } catch (const std::exception &e) {
        m_callbackError = e.what();
        requestInternalStop(InternalStop::Client);
        return;
    }
    if (!m_handled) {
        m_callbackError =
            "exception " + std::to_string(exception.vector) + " was left unhandled by the monitor";
        requestInternalStop(InternalStop::Client);
    }
}

void Machine::closeBlockAt(std::uint64_t rip)
{
    if (!m_current)
        return;
    const std::uint64_t index = m_current->indexOf(rip);
    m_retired += index - std::min(index, m_currentCounted);
    m_lastClosed = m_current;
    m_lastClosedIndex = index;
    m_current = nullptr;
    forgetFastBlock();
}

bool Machine::lastInstructionWasHlt(std::uint64_t rip) const
{
    return m_lastClosed && m_lastClosed->endsWithHlt &&
           m_lastClosedIndex == m_lastClosed->count() &&
           rip == m_lastClosed->start + m_lastClosed->size;
}

bool Machine::isBreakpoint(std::uint64_t address) const
{
    return std::binary_search(m_breakpoints.begin(), m_breakpoints.end(), address);
}

bool Machine::needsCodeHook(std::uint64_t address) const
{
    return m_watched.contains(address) || isBreakpoint(address) || m_deadlineStop == address;
}

void Machine::setBreakpoints(const std::vector<std::uint64_t> &addresses)
{
    std::vector<std::uint64_t> wanted = addresses;
    std::sort(wanted.begin(), wanted.end());
    wanted.erase(std::unique(wanted.begin(), wanted.end()), wanted.end());
    const std::vector<std::uint64_t> old = std::exchange(m_breakpoints, wanted);
    for (std::uint64_t address : old) {
        if (!needsCodeHook(address))
            m_cpu->removeCodeHook(address);
    }
    for (std::uint64_t address : m_breakpoints)
        m_cpu->addCodeHook(address);
}

void Machine::applyPendingHooks()
{
    for (std::uint64_t page : std::exchange(m_watchChanges, {}))
        applyWatch(page);
    for (const auto &[begin, end] : std::exchange(m_storedForGuest, {}))
        m_cpu->removeCache(begin, end);
    for (std::uint64_t page : m_pendingGuards) {
        if (fetchGuarded(page))
            applyPermissions(page);
    }
    m_pendingGuards.clear();
    for (std::uint64_t address : m_pendingWatches)
        m_cpu->addCodeHook(address);
    m_pendingWatches.clear();
    for (std::uint64_t page : m_pagesToProtect) {
        CodePage &state = m_codePages[page];
        state.queued = false;
        if (state.hot || state.protectedNow)
            continue;
        state.protectedNow = true;
        applyPermissions(page);
    }
    m_pagesToProtect.clear();
    if (const auto target = m_pendingDeadlineStop) {
        disarmDeadlineStop();
        m_deadlineStop = target;
        m_cpu->addCodeHook(*target);
    }
}

void Machine::disarmDeadlineStop()
{
    m_pendingDeadlineStop.reset();
    if (!m_deadlineStop)
        return;
    const std::uint64_t address = *m_deadlineStop;
    m_deadlineStop.reset();
    if (!needsCodeHook(address))
        m_cpu->removeCodeHook(address);
}

} // namespace vmwb
