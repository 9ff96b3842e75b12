#include "machine/Platform.h"

#include "boot_code.inc"
#include "hw/ControlRegisters.h"
#include "hw/Descriptors.h"
#include "hw/Paging.h"
#include "machine/PhysicalMemory.h"
#include "machine/UnicornCpu.h"

#include <array>

namespace vmwb {

namespace {

using namespace platform;

// Offsets into the boot parameter block (keep in step with boot.asm).
constexpr std::uint64_t kParamCr3 = 0x00;
constexpr std::uint64_t kParamCr0Set = 0x08;
constexpr std::uint64_t kParamCr4Set = 0x10;
constexpr std::uint64_t kParamGdtr = 0x20;
constexpr std::uint64_t kParamIdtr = 0x30;
constexpr std::uint64_t kParamEntrySs = 0x40;
constexpr std::uint64_t kParamEntryRsp = 0x48;
constexpr std::uint64_t kParamEntryRflags = 0x50;
constexpr std::uint64_t kParamEntryCs = 0x58;
constexpr std::uint64_t kParamEntryRip = 0x60;
constexpr std::uint64_t kParamDataSelector = 0x68;

void put(PhysicalMemory &memory, std::uint64_t address, const auto &value)
{
    if (!memory.write(address, value))
        throw EngineError("platform structure outside physical memory");
}

void putTableRegister(PhysicalMemory &memory, std::uint64_t address, std::uint64_t base,
                      std::uint16_t limit)
{
    put(memory, address, limit);
    put(memory, address + 2, base);
}

void installGdtAndTss(PhysicalMemory &memory)
{
    const std::array<std::uint64_t, 7> gdt{
        0,
        descriptor::kKernelCode64,
        descriptor::kKernelData,
        descriptor::kUserData,
        descriptor::kUserCode64,
        descriptor::tssLow(kTss, kTssLimit),
        descriptor::tssHigh(kTss),
    };
    put(memory, kGdt, gdt);
    // 64-bit TSS (SDM Vol. 3A, 8.7, Figure 8-11): RSP0 at offset 4; the I/O map base at offset
    // 102 points past the limit, so there is no I/O permission bitmap.
    put(memory, kTss + 4, kMonitorStackTop);
    put(memory, kTss + 102, static_cast<std::uint16_t>(kTssLimit + 1));
}

// Identity-maps guest memory with 4 KiB pages (user-accessible) and the monitor region
// (supervisor only) through one PML4 entry and one PDPT.
void installPageTables(PhysicalMemory &memory)
{
    using namespace paging;
    const std::uint64_t guestFlags = kPresent | kWritable | kUser;
    const std::uint64_t tableFlags = kPresent | kWritable | kUser;
    const std::uint64_t monitorFlags = kPresent | kWritable;

    put(memory, kPml4, kPdpt | tableFlags);
    put(memory, kPdpt + 8 * tableIndex(0, 3), kGuestPd | tableFlags);
    put(memory, kPdpt + 8 * tableIndex(kMonitorBase, 3), kMonitorPd | monitorFlags);

    const std::uint64_t pages = memory.guestSize() / kPageSize4K;
    for (std::uint64_t page = 0; page < pages; ++page) {
        const std::uint64_t table = kGuestPageTables + (page / 512) * kPageSize4K;
        if (page % 512 == 0)
            put(memory, kGuestPd + 8 * (page / 512), table | tableFlags);
        put(memory, table + 8 * (page % 512), (page * kPageSize4K) | guestFlags);
    }

    put(memory, kMonitorPd, kMonitorPt | monitorFlags);
    for (std::uint64_t page = 0; page < kMonitorSize / kPageSize4K; ++page)
        put(memory, kMonitorPt + 8 * page, (kMonitorBase + page * kPageSize4K) | monitorFlags);
}

void installBootParameters(PhysicalMemory &memory, const GuestEntry &entry)
{
    const bool user = entry.ring == 3;
    const std::uint64_t p = kBootParameters;
    put(memory, p + kParamCr3, kPml4);
    put(memory, p + kParamCr0Set, cr0::kPG | cr0::kWP | cr0::kNE | cr0::kPE);
    put(memory, p + kParamCr4Set, cr4::kPAE | cr4::kOSFXSR | cr4::kOSXMMEXCPT);
    putTableRegister(memory, p + kParamGdtr, kGdt, kGdtLimit);
    putTableRegister(memory, p + kParamIdtr, kMonitorIdt, kMonitorIdtLimit);
    put(memory, p + kParamEntrySs, std::uint64_t{user ? kUserData : kKernelData});
    put(memory, p + kParamEntryRsp, entry.rsp);
    put(memory, p + kParamEntryRflags, entry.rflags);
    put(memory, p + kParamEntryCs, std::uint64_t{user ? kUserCode : kKernelCode});
    put(memory, p + kParamEntryRip, entry.rip);
    put(memory, p + kParamDataSelector, std::uint16_t{user ? std::uint16_t{0} : kKernelData});
}

} // namespace

void installPlatform(PhysicalMemory &memory, const GuestEntry &entry)
{
    if (memory.guestSize() > kMaxGuestMemory || memory.guestSize() % paging::kPageSize4K != 0)
        throw EngineError("guest memory must be a multiple of 4 KiB and at most 256 MiB");
    if (entry.ring != 0 && entry.ring != 3)
        throw EngineError("the guest can only be entered at ring 0 or ring 3");
    installGdtAndTss(memory);
    installPageTables(memory);
    installBootParameters(memory, entry);
    if (!memory.write(kBootCode, boot_code, sizeof boot_code))
        throw EngineError("boot code does not fit the monitor region");
}

} // namespace vmwb
