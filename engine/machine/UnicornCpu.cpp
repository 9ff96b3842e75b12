#include "machine/UnicornCpu.h"

#include <array>
#include <cstring>
#include <string>
#include <unicorn/unicorn.h>

namespace vmwb {

namespace {

// Emulation never ends at an address: a non-canonical one can never be fetched.
constexpr std::uint64_t kNoEndAddress = 0x8000'0000'0000'0000ULL;

void check(uc_err err, const char *what)
{
    if (err != UC_ERR_OK)
        throw EngineError(std::string(what) + ": " + uc_strerror(err));
}

// Register -> Unicorn register id, indexed by vmwb::Register.
constexpr std::array<int, static_cast<std::size_t>(Register::Other) + 1> kUnicornRegister = [] {
    std::array<int, static_cast<std::size_t>(Register::Other) + 1> t{};
    auto set = [&t](Register r, int id) { t[static_cast<std::size_t>(r)] = id; };
    set(Register::None, UC_X86_REG_INVALID);
    set(Register::Rax, UC_X86_REG_RAX);
    set(Register::Rcx, UC_X86_REG_RCX);
    set(Register::Rdx, UC_X86_REG_RDX);
    set(Register::Rbx, UC_X86_REG_RBX);
    set(Register::Rsp, UC_X86_REG_RSP);
    set(Register::Rbp, UC_X86_REG_RBP);
    set(Register::Rsi, UC_X86_REG_RSI);
    set(Register::Rdi, UC_X86_REG_RDI);
    set(Register::R8, UC_X86_REG_R8);
    set(Register::R9, UC_X86_REG_R9);
    set(Register::R10, UC_X86_REG_R10);
    set(Register::R11, UC_X86_REG_R11);
    set(Register::R12, UC_X86_REG_R12);
    set(Register::R13, UC_X86_REG_R13);
    set(Register::R14, UC_X86_REG_R14);
    set(Register::R15, UC_X86_REG_R15);
    set(Register::Rip, UC_X86_REG_RIP);
    set(Register::Es, UC_X86_REG_ES);
    set(Register::Cs, UC_X86_REG_CS);
    set(Register::Ss, UC_X86_REG_SS);
    set(Register::Ds, UC_X86_REG_DS);
    set(Register::Fs, UC_X86_REG_FS);
    set(Register::Gs, UC_X86_REG_GS);
    set(Register::Cr0, UC_X86_REG_CR0);
    set(Register::Cr2, UC_X86_REG_CR2);
    set(Register::Cr3, UC_X86_REG_CR3);
    set(Register::Cr4, UC_X86_REG_CR4);
    set(Register::Cr8, UC_X86_REG_CR8);
    set(Register::Dr0, UC_X86_REG_DR0);
    set(Register::Dr1, UC_X86_REG_DR1);
    set(Register::Dr2, UC_X86_REG_DR2);
    set(Register::Dr3, UC_X86_REG_DR3);
    set(Register::Dr6, UC_X86_REG_DR6);
    set(Register::Dr7, UC_X86_REG_DR7);
    set(Register::Other, UC_X86_REG_INVALID);
    return t;
}();

int unicornRegister(Register reg)
{
    const int id = kUnicornRegister[static_cast<std::size_t>(reg)];
    if (id == UC_X86_REG_INVALID)
        throw EngineError("register without a Unicorn counterpart");
    return id;
}

CpuError cpuError(uc_err err)
{
    switch (err) {
    case UC_ERR_OK:
        return CpuError::None;
    case UC_ERR_FETCH_UNMAPPED:
        return CpuError::FetchUnmapped;
    case UC_ERR_READ_UNMAPPED:
        return CpuError::ReadUnmapped;
    case UC_ERR_WRITE_UNMAPPED:
        return CpuError::WriteUnmapped;
    case UC_ERR_FETCH_PROT:
        return CpuError::FetchProtected;
    case UC_ERR_READ_PROT:
        return CpuError::ReadProtected;
    case UC_ERR_WRITE_PROT:
        return CpuError::WriteProtected;
    case UC_ERR_INSN_INVALID:
        return CpuError::InvalidInstruction;
    case UC_ERR_EXCEPTION:
        return CpuError::UnhandledException;
    default:
        return CpuError::Other;
    }
}

} // namespace

struct UnicornCpu::Hooks
{
    CpuListener *listener = nullptr;
    uc_hook block = 0;
    uc_hook interrupt = 0;
    uc_hook invalid = 0;
    uc_hook unmapped = 0;
    uc_hook writeProtected = 0;
    uc_hook fetchProtected = 0;
    std::unordered_map<std::uint64_t, uc_hook> code;
    std::unordered_map<std::uint64_t, uc_hook> reads;

    static void onBlock(uc_engine *, std::uint64_t address, std::uint32_t size, void *self)
    {
        static_cast<Hooks *>(self)->listener->onBlock(address, size);
    }
    static void onCode(uc_engine *, std::uint64_t address, std::uint32_t, void *self)
    {
        auto *hooks = static_cast<Hooks *>(self);
        if (hooks->listener)
            hooks->listener->onCodeHook(address);
    }
    static void onInterrupt(uc_engine *, std::uint32_t vector, void *self)
    {
        static_cast<Hooks *>(self)->listener->onInterrupt(vector);
    }
    static bool onInvalid(uc_engine *, void *self)
    {
        static_cast<Hooks *>(self)->listener->onInvalidInstruction();
        return true;
    }
    static bool onUnmapped(uc_engine *, uc_mem_type type, std::uint64_t address, int, std::int64_t,
                           void *self)
    {
        const MemoryAccess access = type == UC_MEM_FETCH_UNMAPPED   ? MemoryAccess::Fetch
                                    : type == UC_MEM_WRITE_UNMAPPED ? MemoryAccess::Write
                                                                    : MemoryAccess::Read;
        static_cast<Hooks *>(self)->listener->onUnmappedAccess(access, address);
        return false; // nothing was mapped: let Unicorn stop with the error
    }
    static bool onWriteProtected(uc_engine *, uc_mem_type, std::uint64_t address, int size,
                                 std::int64_t value, void *self)
    {
        static_cast<Hooks *>(self)->listener->onWriteToProtectedPage(
            address, static_cast<std::size_t>(size), static_cast<std::uint64_t>(value));
        return true; // stored by the listener, or the page is writable again
    }
    static bool onFetchProtected(uc_engine *, uc_mem_type, std::uint64_t address, int, std::int64_t,
                                 void *self)
    {
        return static_cast<Hooks *>(self)->listener->onFetchFromGuardedPage(address);
    }
    static void onRead(uc_engine *, uc_mem_type, std::uint64_t address, int size, std::int64_t,
                       void *self)
    {
        auto *hooks = static_cast<Hooks *>(self);
        if (hooks->listener) {
            hooks->listener->onWatchedAccess(MemoryAccess::Read, address,
                                             static_cast<std::size_t>(size));
        }
    }
};

UnicornCpu::UnicornCpu() : m_hooks(std::make_unique<Hooks>())
{
    check(uc_open(UC_ARCH_X86, UC_MODE_64, &m_uc), "uc_open");
    uc_context *context = nullptr;
    check(uc_context_alloc(m_uc, &context), "uc_context_alloc");
    m_context = context;
}

UnicornCpu::~UnicornCpu()
{
    if (m_context)
        uc_context_free(static_cast<uc_context *>(m_context));
    if (m_uc)
        uc_close(m_uc);
}

void UnicornCpu::mapHostMemory(std::uint64_t address, std::size_t size, void *host)
{
    check(uc_mem_map_ptr(m_uc, address, size, UC_PROT_ALL, host), "uc_mem_map_ptr");
}

void UnicornCpu::setListener(CpuListener *listener)
{
    auto &h = *m_hooks;
    if (h.listener) {
        check(uc_hook_del(m_uc, h.block), "uc_hook_del");
        check(uc_hook_del(m_uc, h.interrupt), "uc_hook_del");
        check(uc_hook_del(m_uc, h.invalid), "uc_hook_del");
        check(uc_hook_del(m_uc, h.unmapped), "uc_hook_del");
        check(uc_hook_del(m_uc, h.writeProtected), "uc_hook_del");
        check(uc_hook_del(m_uc, h.fetchProtected), "uc_hook_del");
        h.listener = nullptr;
    }
    if (!listener)
        return;
    h.listener = listener;
    auto blockCallback = reinterpret_cast<void *>(&Hooks::onBlock);
    auto interruptCallback = reinterpret_cast<void *>(&Hooks::onInterrupt);
    auto invalidCallback = reinterpret_cast<void *>(&Hooks::onInvalid);
    check(uc_hook_add(m_uc, &h.block, UC_HOOK_BLOCK, blockCallback, &h, 1, 0), "uc_hook_add");
    check(uc_hook_add(m_uc, &h.interrupt, UC_HOOK_INTR, interruptCallback, &h, 1, 0),
          "uc_hook_add");
    check(uc_hook_add(m_uc, &h.invalid, UC_HOOK_INSN_INVALID, invalidCallback, &h, 1, 0),
          "uc_hook_add");
    auto unmappedCallback = reinterpret_cast<void *>(&Hooks::onUnmapped);
    check(uc_hook_add(m_uc, &h.unmapped, UC_HOOK_MEM_UNMAPPED, unmappedCallback, &h, 1, 0),
          "uc_hook_add");
    auto writeProtectedCallback = reinterpret_cast<void *>(&Hooks::onWriteProtected);
    check(uc_hook_add(m_uc, &h.writeProtected, UC_HOOK_MEM_WRITE_PROT, writeProtectedCallback, &h,
                      1, 0),
          "uc_hook_add");
    auto fetchProtectedCallback = reinterpret_cast<void *>(&Hooks::onFetchProtected);
    check(uc_hook_add(m_uc, &h.fetchProtected, UC_HOOK_MEM_FETCH_PROT, fetchProtectedCallback, &h,
                      1, 0),
          "uc_hook_add");
}

void UnicornCpu::addCodeHook(std::uint64_t address)
{
    if (m_hooks->code.contains(address))
        return;
    uc_hook hook = 0;
    auto callback = reinterpret_cast<void *>(&Hooks::onCode);
    check(uc_hook_add(m_uc, &hook, UC_HOOK_CODE, callback, m_hooks.get(), address, address),
          "uc_hook_add");
    m_hooks->code.emplace(address, hook);
    removeCache(address, address + 1);
}

void UnicornCpu::removeCodeHook(std::uint64_t address)
{
    auto it = m_hooks->code.find(address);
    if (it == m_hooks->code.end())
        return;
    check(uc_hook_del(m_uc, it->second), "uc_hook_del");
    m_hooks->code.erase(it);
    removeCache(address, address + 1);
}

bool UnicornCpu::hasCodeHook(std::uint64_t address) const
{
    return m_hooks->code.contains(address);
}

std::vector<std::uint64_t> UnicornCpu::codeHookAddresses() const
{
    std::vector<std::uint64_t> result;
    result.reserve(m_hooks->code.size());
    for (const auto &entry : m_hooks->code)
        result.push_back(entry.first);
    return result;
}

CpuError UnicornCpu::run(std::uint64_t begin)
{
    return cpuError(uc_emu_start(m_uc, begin, kNoEndAddress, 0, 0));
}

void UnicornCpu::stop()
{
    uc_emu_stop(m_uc);
}

void UnicornCpu::removeCache(std::uint64_t begin, std::uint64_t end)
{
    check(uc_ctl_remove_cache(m_uc, begin, end), "uc_ctl_remove_cache");
}

void UnicornCpu::setPermissions(std::uint64_t begin, std::uint64_t end, bool write, bool execute)
{
    std::uint32_t perms = UC_PROT_READ;
    if (write)
        perms |= UC_PROT_WRITE;
    if (execute)
        perms |= UC_PROT_EXEC;
    check(uc_mem_protect(m_uc, begin, end - begin, perms), "uc_mem_protect");
}

void UnicornCpu::hookReads(std::uint64_t begin, std::uint64_t end)
{
    if (m_hooks->reads.contains(begin))
        return;
    uc_hook hook = 0;
    auto callback = reinterpret_cast<void *>(&Hooks::onRead);
    check(uc_hook_add(m_uc, &hook, UC_HOOK_MEM_READ, callback, m_hooks.get(), begin, end - 1),
          "uc_hook_add");
    m_hooks->reads.emplace(begin, hook);
}

void UnicornCpu::unhookReads(std::uint64_t begin)
{
    auto it = m_hooks->reads.find(begin);
    if (it == m_hooks->reads.end())
        return;
    check(uc_hook_del(m_uc, it->second), "uc_hook_del");
    m_hooks->reads.erase(it);
}

bool UnicornCpu::hooksReads() const
{
    return !m_hooks->reads.empty();
}

bool UnicornCpu::hooksReadsAt(std::uint64_t begin) const
{
    return m_hooks->reads.contains(begin);
}

std::uint64_t UnicornCpu::read(Register reg) const
{
    std::uint64_t value = 0;
    check(uc_reg_read(m_uc, unicornRegister(reg), &value), "uc_reg_read");
    if (isSegmentRegister(reg))
        value &= 0xFFFF;
    return value;
}

void UnicornCpu::write(Register reg, std::uint64_t value)
{
    check(uc_reg_write(m_uc, unicornRegister(reg), &value), "uc_reg_write");
}

std::uint64_t UnicornCpu::rflags() const
{
    std::uint64_t value = 0;
    check(uc_reg_read(m_uc, UC_X86_REG_RFLAGS, &value), "uc_reg_read");
    return value;
}

void UnicornCpu::setRflags(std::uint64_t value)
{
    check(uc_reg_write(m_uc, UC_X86_REG_RFLAGS, &value), "uc_reg_write");
}

namespace {
TableRegister readTable(uc_engine *uc, int id)
{
    uc_x86_mmr mmr{};
    check(uc_reg_read(uc, id, &mmr), "uc_reg_read");
    return {mmr.base, mmr.limit};
}
void writeTable(uc_engine *uc, int id, TableRegister value)
{
    uc_x86_mmr mmr{};
    mmr.base = value.base;
    mmr.limit = value.limit;
    check(uc_reg_write(uc, id, &mmr), "uc_reg_write");
}
} // namespace

TableRegister UnicornCpu::gdtr() const
{
    return readTable(m_uc, UC_X86_REG_GDTR);
}
TableRegister UnicornCpu::idtr() const
{
    return readTable(m_uc, UC_X86_REG_IDTR);
}
void UnicornCpu::setGdtr(TableRegister value)
{
    writeTable(m_uc, UC_X86_REG_GDTR, value);
}
void UnicornCpu::setIdtr(TableRegister value)
{
    writeTable(m_uc, UC_X86_REG_IDTR, value);
}

std::uint16_t UnicornCpu::ldtrSelector() const
{
    uc_x86_mmr mmr{};
    check(uc_reg_read(m_uc, UC_X86_REG_LDTR, &mmr), "uc_reg_read");
    return mmr.selector;
}

std::uint16_t UnicornCpu::trSelector() const
{
    uc_x86_mmr mmr{};
    check(uc_reg_read(m_uc, UC_X86_REG_TR, &mmr), "uc_reg_read");
    return mmr.selector;
}

std::uint64_t UnicornCpu::readMsr(std::uint32_t index) const
{
    uc_x86_msr msr{index, 0};
    check(uc_reg_read(m_uc, UC_X86_REG_MSR, &msr), "uc_reg_read(MSR)");
    return msr.value;
}

void UnicornCpu::writeMsr(std::uint32_t index, std::uint64_t value)
{
    uc_x86_msr msr{index, value};
    check(uc_reg_write(m_uc, UC_X86_REG_MSR, &msr), "uc_reg_write(MSR)");
}

bool UnicornCpu::readVirtual(std::uint64_t address, void *buffer, std::size_t size) const
{
    return uc_mem_read(m_uc, address, buffer, size) == UC_ERR_OK;
}

bool UnicornCpu::writeVirtual(std::uint64_t address, const void *buffer, std::size_t size)
{
    return uc_mem_write(m_uc, address, buffer, size) == UC_ERR_OK;
}

std::vector<std::uint8_t> UnicornCpu::contextBytes() const
{
    auto *context = static_cast<uc_context *>(m_context);
    check(uc_context_save(m_uc, context), "uc_context_save");
    const std::size_t size = uc_context_size(m_uc);
    std::vector<std::uint8_t> bytes(size);
    std::memcpy(bytes.data(), context, size);
    return bytes;
}

void UnicornCpu::patchContextWord(std::size_t offset, std::int32_t value)
{
    auto *context = static_cast<uc_context *>(m_context);
    if (offset + sizeof value > uc_context_size(m_uc))
        throw EngineError("context word outside the saved CPU state");
    check(uc_context_save(m_uc, context), "uc_context_save");
    std::memcpy(reinterpret_cast<std::uint8_t *>(context) + offset, &value, sizeof value);
    check(uc_context_restore(m_uc, context), "uc_context_restore");
}

void UnicornCpu::restoreContext(const std::vector<std::uint8_t> &bytes)
{
    auto *context = static_cast<uc_context *>(m_context);
    if (bytes.size() != uc_context_size(m_uc))
        throw EngineError("a saved CPU state of the wrong size");
    std::memcpy(context, bytes.data(), bytes.size());
    check(uc_context_restore(m_uc, context), "uc_context_restore");
}

} // namespace vmwb
