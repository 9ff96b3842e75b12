#pragma once

// The paravirtual guest's ABI with the monitor, numbered and named as Xen's public headers
// number them, so that what a student sees here can be looked up in Xen's documentation:
//
//   hypercall numbers            xen/include/public/xen.h      (__HYPERVISOR_*)
//   MMUEXT_* commands            xen/include/public/xen.h      (struct mmuext_op)
//   VIRQ_TIMER                   xen/include/public/xen.h
//   struct shared_info/vcpu_info xen/include/public/xen.h, arch-x86/xen.h (x86-64 layout)
//   SCHEDOP_*, SHUTDOWN_*        xen/include/public/sched.h
//   EVTCHNOP_*                   xen/include/public/event_channel.h
//   VCPUOP_*                     xen/include/public/vcpu.h
//   CALLBACKOP_*, CALLBACKTYPE_* xen/include/public/callback.h
//   CONSOLEIO_*                  xen/include/public/xen.h
//   struct trap_info             xen/include/public/arch-x86/xen.h
//   struct iret_context          xen/include/public/arch-x86/xen-x86_64.h
//   error numbers                xen/include/public/errno.h
//
// The guest-side copy of these numbers is exercises/include/xen.inc; keep the two in step.
//
// The calling convention is Xen's for x86-64 guests: the hypercall number in RAX, arguments in
// RDI, RSI, RDX, R10 and R8, the result in RAX (0 or a negative error number), every other
// register preserved. The way in differs: a 64-bit Xen guest enters with `syscall` through the
// hypercall page Xen writes into it; the workbench uses a software interrupt, `int 0x82`, the
// vector 32-bit paravirtual guests used, because it is visible in the source and the
// disassembly as what it is.

#include <QString>
#include <array>
#include <cstdint>
#include <optional>

namespace vmwb::xen {

inline constexpr std::uint8_t kHypercallVector = 0x82;

// xen/include/public/xen.h, __HYPERVISOR_*.
enum class Hypercall : std::uint16_t
{
    SetTrapTable = 0,
    MmuUpdate = 1,
    SetGdt = 2,
    StackSwitch = 3,
    SetCallbacks = 4,
    FpuTaskswitch = 5,
    SchedOpCompat = 6,
    PlatformOp = 7,
    SetDebugreg = 8,
    GetDebugreg = 9,
    UpdateDescriptor = 10,
    // 11 is unused (it was __HYPERVISOR_ni_hypercall's slot)
    MemoryOp = 12,
    Multicall = 13,
    UpdateVaMapping = 14,
    SetTimerOp = 15,
    EventChannelOpCompat = 16,
    XenVersion = 17,
    ConsoleIo = 18,
    PhysdevOpCompat = 19,
    GrantTableOp = 20,
    VmAssist = 21,
    UpdateVaMappingOtherdomain = 22,
    Iret = 23,
    VcpuOp = 24,
    SetSegmentBase = 25,
    MmuextOp = 26,
    XsmOp = 27,
    NmiOp = 28,
    SchedOp = 29,
    CallbackOp = 30,
    XenoprofOp = 31,
    EventChannelOp = 32,
    PhysdevOp = 33,
    HvmOp = 34,
    Sysctl = 35,
    Domctl = 36,
    KexecOp = 37,
};

// The name without the __HYPERVISOR_ prefix ("set_trap_table"), or nothing for a number Xen
// does not define.
std::optional<QString> hypercallName(std::uint64_t number);
inline constexpr std::uint64_t kHypercallCount = 38;

// xen/include/public/errno.h (the values are Linux's).
namespace error {
inline constexpr std::int64_t kEPERM = 1;
inline constexpr std::int64_t kENOENT = 2;
inline constexpr std::int64_t kESRCH = 3;
inline constexpr std::int64_t kEFAULT = 14;
inline constexpr std::int64_t kEBUSY = 16;
inline constexpr std::int64_t kEEXIST = 17;
inline constexpr std::int64_t kEINVAL = 22;
inline constexpr std::int64_t kENOSPC = 28;
inline constexpr std::int64_t kENOSYS = 38;
} // namespace error
// "EINVAL" for 22; the number itself for one this table does not name.
QString errorName(std::int64_t positive);
// "0", or "-22 (-EINVAL)".
QString resultText(std::int64_t result);

// xen/include/public/sched.h
namespace sched {
inline constexpr std::uint64_t kYield = 0;
inline constexpr std::uint64_t kBlock = 1;
inline constexpr std::uint64_t kShutdown = 2;
inline constexpr std::uint64_t kPoll = 3;
inline constexpr std::uint64_t kRemoteShutdown = 4;
inline constexpr std::uint64_t kShutdownCode = 5;
inline constexpr std::uint64_t kWatchdog = 6;
// struct sched_shutdown { unsigned int reason; }: SHUTDOWN_*
inline constexpr std::uint32_t kShutdownPoweroff = 0;
inline constexpr std::uint32_t kShutdownReboot = 1;
inline constexpr std::uint32_t kShutdownSuspend = 2;
inline constexpr std::uint32_t kShutdownCrash = 3;
inline constexpr std::uint32_t kShutdownWatchdog = 4;
} // namespace sched

// xen/include/public/event_channel.h
namespace evtchnop {
inline constexpr std::uint64_t kBindInterdomain = 0;
inline constexpr std::uint64_t kBindVirq = 1;
inline constexpr std::uint64_t kBindPirq = 2;
inline constexpr std::uint64_t kClose = 3;
inline constexpr std::uint64_t kSend = 4;
inline constexpr std::uint64_t kStatus = 5;
inline constexpr std::uint64_t kAllocUnbound = 6;
inline constexpr std::uint64_t kBindIpi = 7;
inline constexpr std::uint64_t kBindVcpu = 8;
inline constexpr std::uint64_t kUnmask = 9;
} // namespace evtchnop

// xen/include/public/xen.h: virtual interrupts.
inline constexpr std::uint32_t kVirqTimer = 0;

// xen/include/public/vcpu.h
namespace vcpuop {
inline constexpr std::uint64_t kInitialise = 0;
inline constexpr std::uint64_t kUp = 1;
inline constexpr std::uint64_t kDown = 2;
inline constexpr std::uint64_t kIsUp = 3;
inline constexpr std::uint64_t kSetPeriodicTimer = 6;
inline constexpr std::uint64_t kStopPeriodicTimer = 7;
inline constexpr std::uint64_t kSetSingleshotTimer = 8;
inline constexpr std::uint64_t kStopSingleshotTimer = 9;
} // namespace vcpuop

// xen/include/public/callback.h
namespace callback {
inline constexpr std::uint64_t kOpRegister = 0;
inline constexpr std::uint64_t kOpUnregister = 1;
inline constexpr std::uint16_t kTypeEvent = 0;
inline constexpr std::uint16_t kTypeFailsafe = 1;
inline constexpr std::uint16_t kTypeSyscall = 2;
inline constexpr std::uint16_t kTypeNmi = 4;
inline constexpr std::uint16_t kFlagMaskEvents = 1 << 0; // CALLBACKF_mask_events
} // namespace callback

// xen/include/public/xen.h: MMUEXT_* commands of mmuext_op.
namespace mmuext {
inline constexpr std::uint32_t kPinL1Table = 0;
inline constexpr std::uint32_t kPinL2Table = 1;
inline constexpr std::uint32_t kPinL3Table = 2;
inline constexpr std::uint32_t kPinL4Table = 3;
inline constexpr std::uint32_t kUnpinTable = 4;
inline constexpr std::uint32_t kNewBaseptr = 5;
inline constexpr std::uint32_t kTlbFlushLocal = 6;
inline constexpr std::uint32_t kInvlpgLocal = 7;
inline constexpr std::uint32_t kTlbFlushMulti = 8;
inline constexpr std::uint32_t kInvlpgMulti = 9;
inline constexpr std::uint32_t kTlbFlushAll = 10;
inline constexpr std::uint32_t kInvlpgAll = 11;
inline constexpr std::uint32_t kFlushCache = 12;
// struct mmuext_op on x86-64: unsigned int cmd (padded to 8), arg1 (mfn or linear address),
// arg2 (nr_ents, vcpumask or src_mfn): 24 bytes.
inline constexpr std::uint64_t kOpSize = 24;
inline constexpr std::uint16_t kDomidSelf = 0x7FF0; // DOMID_SELF
} // namespace mmuext

// xen/include/public/xen.h: CONSOLEIO_* commands of console_io.
namespace consoleio {
inline constexpr std::uint64_t kWrite = 0;
inline constexpr std::uint64_t kRead = 1;
} // namespace consoleio

// xen/include/public/version.h
inline constexpr std::uint64_t kXenVersionVersion = 0; // XENVER_version
// The version this monitor reports: major << 16 | minor. The workbench models the interface
// of Xen 3.0 (2005), the release the lecture's Xen paper era ends with.
inline constexpr std::uint64_t kReportedVersion = (3 << 16) | 0;

// The shared info page (xen/include/public/xen.h, struct shared_info and struct vcpu_info;
// x86-64 sizes from arch-x86/xen.h). The workbench maps it at a fixed guest-physical address
// below the load address; Xen tells a guest where it is in start_info.shared_info instead.
//
//   0x000  vcpu_info[0]                 (64 bytes each, XEN_LEGACY_MAX_VCPUS = 32 of them)
//          +0  evtchn_upcall_pending    uint8: an event waits for the upcall
//          +1  evtchn_upcall_mask       uint8: the virtual IF, inverted (1 = events masked)
//          +8  evtchn_pending_sel       xen_ulong_t: which words of evtchn_pending to scan
//   0x800  evtchn_pending[64]           one bit per event channel port
//   0xA00  evtchn_mask[64]              one bit per port: masked ports raise no upcall
namespace shared {
inline constexpr std::uint64_t kAddress = 0x1000; // SHARED_INFO in xen.inc
inline constexpr std::uint64_t kSize = 4096;
inline constexpr std::uint64_t kVcpuInfoSize = 64;
inline constexpr std::uint64_t kLegacyMaxVcpus = 32;
inline constexpr std::uint64_t kUpcallPending = 0;
inline constexpr std::uint64_t kUpcallMask = 1;
inline constexpr std::uint64_t kPendingSel = 8;
inline constexpr std::uint64_t kEvtchnPending = kVcpuInfoSize * kLegacyMaxVcpus; // 2048
inline constexpr std::uint64_t kEvtchnMask = kEvtchnPending + 64 * 8;            // 2560
inline constexpr std::uint32_t kPorts = 64 * 64; // 2-level ABI on x86-64: 64 words of 64 bits
} // namespace shared

// struct trap_info (xen/include/public/arch-x86/xen.h), x86-64: 16 bytes, the array ends with
// an entry whose address is 0.
namespace trapinfo {
inline constexpr std::uint64_t kSize = 16;
inline constexpr std::uint8_t kDplMask = 3;     // TI_GET_DPL
inline constexpr std::uint8_t kMaskEvents = 4;  // TI_GET_IF: mask events on entry
inline constexpr std::size_t kMaxEntries = 256; // one per vector
} // namespace trapinfo

// struct iret_context (xen/include/public/arch-x86/xen-x86_64.h): what the guest pushes
// before HYPERVISOR_iret, lowest address first.
struct IretContext
{
    std::uint64_t rax = 0;
    std::uint64_t r11 = 0;
    std::uint64_t rcx = 0;
    std::uint64_t flags = 0; // VGCF_in_syscall; 0 here
    std::uint64_t rip = 0;
    std::uint64_t cs = 0;
    std::uint64_t rflags = 0;
    std::uint64_t rsp = 0;
    std::uint64_t ss = 0;
};
static_assert(sizeof(IretContext) == 9 * 8);

} // namespace vmwb::xen
