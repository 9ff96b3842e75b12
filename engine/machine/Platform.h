#pragma once

// The platform the guest runs on: where the monitor keeps its GDT, TSS, IDT, page tables and
// boot code, and how the guest is entered. Guest memory starts at physical address 0 and is
// identity-mapped; the monitor region lies at 1 GiB, mapped for CPL 0 only.
//
//   monitor region (kMonitorBase + ...)
//   0x00000  GDT: null, kernel code 0x08, kernel data 0x10, user data 0x1b, user code 0x23, TSS
//   0x28 0x00100  TSS (no I/O bitmap: every port faults at CPL 3 with IOPL 0) 0x00200  boot
//   parameters, written by the engine, read by boot.asm 0x01000  the monitor's IDT (what SIDT
//   reveals to a deprivileged guest) 0x02000  PML4, 0x03000 PDPT, 0x04000 PD for guest memory,
//   0x05000 PD and 0x06000 PT for the
//            monitor region
//   0x10000  boot code (boot.asm); 0x10100 the fault latch probe
//   0x40000  page tables for guest memory (4 KiB pages), up to 128 tables = 256 MiB
//   0xFF000  top of the monitor stack

#include <cstddef>
#include <cstdint>

namespace vmwb {

class PhysicalMemory;

namespace platform {

inline constexpr std::uint64_t kMonitorBase = 0x4000'0000;
inline constexpr std::size_t kMonitorSize = 0x10'0000;
inline constexpr std::uint64_t kGdt = kMonitorBase + 0x0000;
inline constexpr std::uint32_t kGdtLimit = 7 * 8 - 1;
inline constexpr std::uint64_t kTss = kMonitorBase + 0x0100;
inline constexpr std::uint32_t kTssLimit = 104 - 1;
inline constexpr std::uint64_t kBootParameters = kMonitorBase + 0x0200;
inline constexpr std::uint64_t kMonitorIdt = kMonitorBase + 0x1000;
inline constexpr std::uint32_t kMonitorIdtLimit = 256 * 16 - 1;
inline constexpr std::uint64_t kPml4 = kMonitorBase + 0x2000;
inline constexpr std::uint64_t kPdpt = kMonitorBase + 0x3000;
inline constexpr std::uint64_t kGuestPd = kMonitorBase + 0x4000;
inline constexpr std::uint64_t kMonitorPd = kMonitorBase + 0x5000;
inline constexpr std::uint64_t kMonitorPt = kMonitorBase + 0x6000;
inline constexpr std::uint64_t kBootCode = kMonitorBase + 0x1'0000;
inline constexpr std::uint64_t kLatchProbe = kMonitorBase + 0x1'0100;
inline constexpr std::uint64_t kGuestPageTables = kMonitorBase + 0x4'0000;
inline constexpr std::uint64_t kMonitorStackTop = kMonitorBase + 0xF'F000;
inline constexpr std::size_t kMaxGuestMemory = 128 * 512 * 4096; // 256 MiB

inline constexpr std::uint16_t kKernelCode = 0x08;
inline constexpr std::uint16_t kKernelData = 0x10;
inline constexpr std::uint16_t kUserData = 0x1B;
inline constexpr std::uint16_t kUserCode = 0x23;
inline constexpr std::uint16_t kTssSelector = 0x28;

inline constexpr std::uint64_t kDefaultLoadAddress = 0x10'0000;

} // namespace platform

// How the boot code enters the guest.
struct GuestEntry
{
    int ring = 0; // 0 or 3
    std::uint64_t rip = platform::kDefaultLoadAddress;
    std::uint64_t rsp = 0;
    std::uint64_t rflags = 0x2;
};

// Writes the monitor region (GDT, TSS, IDT, page tables, boot code and parameters) for a guest
// of memory.guestSize() bytes entered as `entry`.
void installPlatform(PhysicalMemory &memory, const GuestEntry &entry);

} // namespace vmwb
