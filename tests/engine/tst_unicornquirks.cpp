// Behaviours of Unicorn 2.0.1 the engine works around, pinned on the raw API, so that a newer
// Unicorn that changes one is noticed at once (the engine's workaround may then be dropped).

#include <QtTest>
#include <cstring>
#include <memory>
#include <unicorn/unicorn.h>
#include <vector>

namespace {

constexpr std::uint64_t kNever = 0x8000'0000'0000'0000ULL; // a non-canonical "until"
constexpr std::uint64_t kCode = 0x1000;

// A flat 64-bit CPU at ring 0 with 1 MiB of memory and some code at kCode.
class RawCpu
{
public:
    explicit RawCpu(const std::vector<std::uint8_t> &code)
        : m_memory(static_cast<std::uint8_t *>(std::aligned_alloc(4096, kSize)))
    {
        std::memset(m_memory.get(), 0, kSize);
        std::memcpy(m_memory.get() + kCode, code.data(), code.size());
        uc_open(UC_ARCH_X86, UC_MODE_64, &uc);
        uc_mem_map_ptr(uc, 0, kSize, UC_PROT_ALL, m_memory.get());
        const std::uint64_t rsp = 0x80000;
        uc_reg_write(uc, UC_X86_REG_RSP, &rsp);
    }
    ~RawCpu() { uc_close(uc); }
    std::uint64_t reg(int id) const
    {
        std::uint64_t value = 0;
        uc_reg_read(uc, id, &value);
        return value;
    }
    std::uint8_t *memory() { return m_memory.get(); }

    uc_engine *uc = nullptr;

private:
    static constexpr std::size_t kSize = 1024 * 1024;
    struct Free
    {
        void operator()(std::uint8_t *p) const { std::free(p); }
    };
    std::unique_ptr<std::uint8_t, Free> m_memory;
};

struct Counter
{
    int calls = 0;
    int stopOnCall = -1;
};

void countAndMaybeStop(uc_engine *uc, std::uint64_t, std::uint32_t, void *data)
{
    auto *counter = static_cast<Counter *>(data);
    if (++counter->calls == counter->stopOnCall)
        uc_emu_stop(uc);
}

} // namespace

class TestUnicornQuirks : public QObject
{
    Q_OBJECT

private slots:
    void stopInABlockHookDoesNotStoreRip();
    void deletedCodeHookFiresUntilTheTranslationIsDropped();
    void writeToAProtectedPageIsDroppedUnlessThePageIsMadeWritable();
    void everyStoreToAProtectedPageReachesTheHook();
    void readProtectionMissesLoadsFromThePageCodeRunsFrom();
};

// Machine::onBlock sets RIP itself when it stops before a block.
void TestUnicornQuirks::stopInABlockHookDoesNotStoreRip()
{
    // 0x1000: mov ecx, 3; (0x1005) L1: inc rax; jmp L2; (0x100a) L2: dec ecx; jnz L1; hlt
    RawCpu cpu(
        {0xB9, 0x03, 0x00, 0x00, 0x00, 0x48, 0xFF, 0xC0, 0xEB, 0x00, 0xFF, 0xC9, 0x75, 0xF7, 0xF4});
    Counter counter;
    counter.stopOnCall = 3; // the third block: L2, entered by a chained jump from L1
    uc_hook hook = 0;
    uc_hook_add(cpu.uc, &hook, UC_HOOK_BLOCK, reinterpret_cast<void *>(&countAndMaybeStop),
                &counter, 1, 0);
    uc_emu_start(cpu.uc, kCode, kNever, 0, 0);
    QCOMPARE(cpu.reg(UC_X86_REG_RAX), 1u); // L1 ran once; L2 did not run
    QVERIFY2(cpu.reg(UC_X86_REG_RIP) != 0x100a,
             "Unicorn now stores RIP before a block hook: Machine::onBlock's workaround can go");
}

// UnicornCpu::addCodeHook and removeCodeHook drop the translation at the address themselves.
void TestUnicornQuirks::deletedCodeHookFiresUntilTheTranslationIsDropped()
{
    // 0x1000: inc rax; inc rbx; hlt
    RawCpu cpu({0x48, 0xFF, 0xC0, 0x48, 0xFF, 0xC3, 0xF4});
    Counter counter;
    uc_hook hook = 0;
    uc_hook_add(cpu.uc, &hook, UC_HOOK_CODE, reinterpret_cast<void *>(&countAndMaybeStop), &counter,
                kCode + 3, kCode + 3);
    uc_emu_start(cpu.uc, kCode, kNever, 0, 0);
    QCOMPARE(counter.calls, 1);
    uc_hook_del(cpu.uc, hook);
    uc_emu_start(cpu.uc, kCode, kNever, 0, 0);
    QVERIFY2(counter.calls == 2,
             "a deleted code hook no longer fires in translated code: removeCache may go");
    uc_ctl_remove_cache(cpu.uc, kCode, kCode + 7);
    uc_emu_start(cpu.uc, kCode, kNever, 0, 0);
    QCOMPARE(counter.calls, 2);
}

// Machine::onWriteToProtectedPage makes the page writable inside the hook; a hook that only
// returns true does not get the write done. (Once a write has been dropped so, making the page
// writable in a later hook does not help either: the engine never lets that happen.)
void TestUnicornQuirks::writeToAProtectedPageIsDroppedUnlessThePageIsMadeWritable()
{
    struct Context
    {
        bool unprotect = false;
        int calls = 0;
    };
    auto onWrite = +[](uc_engine *uc, uc_mem_type, std::uint64_t address, int, std::int64_t,
                       void *data) -> bool {
        auto *c = static_cast<Context *>(data);
        ++c->calls;
        if (c->unprotect)
            uc_mem_protect(uc, address & ~0xFFFULL, 0x1000, UC_PROT_ALL);
        return true;
    };
    for (const bool unprotect : {false, true}) {
        // 0x1000: mov [0x2000], rax; hlt
        RawCpu cpu({0x48, 0x89, 0x04, 0x25, 0x00, 0x20, 0x00, 0x00, 0xF4});
        Context context;
        context.unprotect = unprotect;
        uc_hook hook = 0;
        uc_hook_add(cpu.uc, &hook, UC_HOOK_MEM_WRITE_PROT, reinterpret_cast<void *>(onWrite),
                    &context, 1, 0);
        const std::uint64_t value = 0x1234;
        uc_reg_write(cpu.uc, UC_X86_REG_RAX, &value);
        uc_mem_protect(cpu.uc, 0x2000, 0x1000, UC_PROT_READ | UC_PROT_EXEC);
        uc_emu_start(cpu.uc, kCode, kNever, 0, 0);
        std::uint64_t stored = 0;
        std::memcpy(&stored, cpu.memory() + 0x2000, sizeof stored);
        QCOMPARE(context.calls, 1);
        QCOMPARE(stored, unprotect ? value : 0u);
    }
}

// Machine::watchAccesses stores for the guest inside the hook and leaves the page protected:
// every later store to the page must reach the hook too (Unicorn 2.0.1 routes stores to a
// read-only region through its slow path every time, and drops its own copy of the store).
void TestUnicornQuirks::everyStoreToAProtectedPageReachesTheHook()
{
    struct Context
    {
        std::uint8_t *memory = nullptr;
        std::vector<std::pair<std::uint64_t, std::uint64_t>> stores;
    };
    auto onWrite = +[](uc_engine *, uc_mem_type, std::uint64_t address, int size,
                       std::int64_t value, void *data) -> bool {
        auto *c = static_cast<Context *>(data);
        c->stores.emplace_back(address, static_cast<std::uint64_t>(value));
        std::memcpy(c->memory + address, &value, static_cast<std::size_t>(size));
        return true;
    };
    // 0x1000: mov ecx, 3; again: mov [0x2000 + rcx*8], rcx; dec ecx; jnz again; hlt
    RawCpu cpu({0xB9, 0x03, 0x00, 0x00, 0x00, 0x48, 0x89, 0x0C, 0xCD, 0x00, 0x20, 0x00, 0x00, 0xFF,
                0xC9, 0x75, 0xF4, 0xF4});
    Context context;
    context.memory = cpu.memory();
    uc_hook hook = 0;
    uc_hook_add(cpu.uc, &hook, UC_HOOK_MEM_WRITE_PROT, reinterpret_cast<void *>(onWrite), &context,
                1, 0);
    uc_mem_protect(cpu.uc, 0x2000, 0x1000, UC_PROT_READ | UC_PROT_EXEC);
    QCOMPARE(uc_emu_start(cpu.uc, kCode, kNever, 0, 0), UC_ERR_OK);
    QCOMPARE(context.stores.size(), std::size_t{3});
    for (std::uint64_t i = 1; i <= 3; ++i) {
        std::uint64_t stored = 0;
        std::memcpy(&stored, cpu.memory() + 0x2000 + i * 8, sizeof stored);
        QCOMPARE(stored, i);
    }
}

// Why Machine::watchAccesses hooks reads instead of withdrawing read permission: Unicorn 2.0.1
// checks read permission only when it fills a TLB entry, and fetching code from a page fills
// the entry's read half too. A load from the page the code runs from is never reported.
void TestUnicornQuirks::readProtectionMissesLoadsFromThePageCodeRunsFrom()
{
    int calls = 0;
    auto onRead =
        +[](uc_engine *, uc_mem_type, std::uint64_t, int, std::int64_t, void *data) -> bool {
        ++*static_cast<int *>(data);
        return true;
    };
    // 0x1000: mov al, [0x2000]; mov bl, [0x1000]; hlt
    RawCpu cpu(
        {0x8A, 0x04, 0x25, 0x00, 0x20, 0x00, 0x00, 0x8A, 0x1C, 0x25, 0x00, 0x10, 0x00, 0x00, 0xF4});
    uc_hook hook = 0;
    uc_hook_add(cpu.uc, &hook, UC_HOOK_MEM_READ_PROT, reinterpret_cast<void *>(onRead), &calls, 1,
                0);
    uc_mem_protect(cpu.uc, 0x1000, 0x2000, UC_PROT_EXEC);
    QCOMPARE(uc_emu_start(cpu.uc, kCode, kNever, 0, 0), UC_ERR_OK);
    QCOMPARE(calls, 1); // [0x2000] only
    QCOMPARE(cpu.reg(UC_X86_REG_BL), std::uint64_t{0x8A});
}

QTEST_GUILESS_MAIN(TestUnicornQuirks)
#include "tst_unicornquirks.moc"
