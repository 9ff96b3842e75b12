#pragma once

// Paravirtualization (Barham et al., "Xen and the Art of Virtualization", SOSP 2003): the
// guest kernel is modified. It still runs deprivileged at CPL 3, but instead of executing
// privileged instructions and hoping they trap, it asks the monitor by hypercall, and it keeps
// its interrupt flag in memory it shares with the monitor:
//
// - Hypercalls: `int 0x82` with Xen's numbers and x86-64 argument registers (Hypercalls.h).
//   Each is recorded with its name, arguments, result and the preset's hypercall cost.
// - The shared info page at SHARED_INFO (0x1000): vcpu_info[0].evtchn_upcall_mask is the
//   virtual IF, written by the guest with a plain store, so masking events costs no trap;
//   evtchn_upcall_pending tells the guest, after it unmasks, whether it must ask the monitor
//   to deliver what arrived meanwhile (as XenoLinux's xen_restore_fl does).
// - Events: the timer interrupt becomes VIRQ_TIMER on the event channel the guest bound with
//   event_channel_op(EVTCHNOP_bind_virq). It is delivered by upcall to the callback the guest
//   registered (set_callbacks or callback_op), on a bounce frame like an interrupt frame, with
//   events masked; the guest returns with the iret hypercall.
//
// An unmodified privileged instruction still traps and is emulated by the inherited
// trap-and-emulate code (Xen too emulates privileged operations of paravirtual guests, in
// xen/arch/x86/pv/emul-priv-op.c); the virtual IF those emulations use is kept in step with
// the shared info page's mask around every call. A snippet that never binds an event channel
// gets its interrupts through its own IDT, as under trap-and-emulate.
//
// Where this differs from Xen, on purpose (the workbench's guest is a small native kernel):
// - the hypercall instruction is `int 0x82`, not `syscall` into a hypercall page;
// - bounce frames hold RIP, CS, RFLAGS, RSP and SS (and an error code) like the native
//   interrupt frame; Xen's x86-64 bounce frame adds RCX and R11 on top, which Linux's Xen
//   entry points pop first. CS and SS are the selectors the guest believes in (KERNEL_CS);
// - the shared info page sits at a fixed address instead of one given in start_info;
// - periods are counted in guest instructions, the workbench's unit of time, not nanoseconds;
// - sched_op(SCHEDOP_shutdown) reads a second 32-bit field after `reason`, the exit code;
// - page-table hypercalls (mmu_update, pinning) are not modelled: the guest's address space is
//   the machine's identity map, and MMUEXT_NEW_BASEPTR only sets the virtual CR3.

#include "vmm/Hypercalls.h"
#include "vmm/TrapAndEmulate.h"

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>

namespace vmwb {

class Paravirtual : public TrapAndEmulate
{
public:
    static const TechniqueInfo &staticInfo();

    const TechniqueInfo &info() const override { return staticInfo(); }
    void start(Monitor &monitor) override;
    WatchAction onWatched(Monitor &monitor, const Instruction &instruction) override;
    void onException(Monitor &monitor, const CpuException &exception) override;
    bool guestInterruptFlag(const Monitor &monitor) const override;
    // Xen delivers a pending event when it leaves the hypervisor with events unmasked: the
    // guest's plain-store unmask counts from the monitor's next entry (a hypercall, a trap, an
    // interrupt), which is why xen.inc's macros check evtchn_upcall_pending and ask.
    bool canDeliverInterrupt(const Monitor &monitor) const override;
    bool deliverInterrupt(Monitor &monitor, std::uint8_t vector) override;
    VirtualCpu guestView(const Monitor &monitor) const override;
    void interruptRaised(Monitor &monitor, std::uint8_t vector) override;

    // One hypercall as the monitor saw it.
    struct HypercallRecord
    {
        std::uint64_t rip = 0; // the int 0x82
        std::uint64_t number = 0;
        QString name; // Xen's name, or the number for one Xen does not define
        std::array<std::uint64_t, 5> arguments{}; // RDI, RSI, RDX, R10, R8
        std::int64_t result = 0;                  // 0 or more, or -errno
        QString effect;                           // what the monitor did
    };
    // The most recent hypercalls, oldest first (at most kHypercallsKept).
    static constexpr std::size_t kHypercallsKept = 256;
    const std::deque<HypercallRecord> &hypercalls() const { return m_hypercalls; }

    // What the guest has registered.
    std::optional<std::uint64_t> eventCallback() const { return m_eventCallback; }
    std::optional<std::uint32_t> timerPort() const { return m_timerPort; }
    bool hasTrapTable() const { return m_trapTableSet; }

    std::unique_ptr<TechniqueState> saveState() const override;
    void restoreState(Monitor &monitor, const TechniqueState *state) override;

protected:
    void reflect(Monitor &monitor, const CpuException &exception, std::uint32_t errorCode,
                 bool hasErrorCode) override;

private:
    struct Call;
    struct SavedState;
    enum class Then : std::uint8_t;
    struct TrapEntry
    {
        std::uint8_t flags = 0;
        std::uint16_t cs = 0;
        std::uint64_t address = 0;
    };

    void hypercall(Monitor &monitor, const CpuException &exception);
    Then perform(Monitor &monitor, Call &call);
    Then setTrapTable(Monitor &monitor, Call &call);
    Then setCallbacks(Monitor &monitor, Call &call);
    Then callbackOp(Monitor &monitor, Call &call);
    Then schedOp(Monitor &monitor, Call &call);
    Then eventChannelOp(Monitor &monitor, Call &call);
    Then vcpuOp(Monitor &monitor, Call &call);
    Then consoleIo(Monitor &monitor, Call &call);
    Then mmuextOp(Monitor &monitor, Call &call);
    Then xenVersion(Monitor &monitor, Call &call);
    Then iret(Monitor &monitor, Call &call);

    // The shared info page, read and written as machine memory.
    std::uint8_t sharedByte(const Monitor &monitor, std::uint64_t offset) const;
    void setSharedByte(Monitor &monitor, std::uint64_t offset, std::uint8_t value);
    bool masked(const Monitor &monitor) const;
    void setMasked(Monitor &monitor, bool masked);
    // The virtual IF the inherited emulations work on, from and back to the mask.
    void syncIn(Monitor &monitor) const;
    void syncOut(Monitor &monitor);
    // evtchn_2l_set_pending: the port's pending bit, its word's selector bit, the upcall flag.
    void setPending(Monitor &monitor, std::uint32_t port);
    // An upcall is due: evtchn_upcall_pending is set and events are not masked.
    bool eventDue(const Monitor &monitor) const;
    void upcall(Monitor &monitor, std::uint8_t vector);
    // Pushes a bounce frame (an interrupt frame) on the guest stack; false if it is unmapped.
    bool pushBounceFrame(Monitor &monitor, std::uint64_t returnRip,
                         std::optional<std::uint32_t> errorCode, bool oldMask);

    std::deque<HypercallRecord> m_hypercalls;
    std::optional<std::uint64_t> m_eventCallback;
    std::optional<std::uint64_t> m_failsafeCallback;
    std::optional<std::uint64_t> m_syscallCallback;
    std::map<std::uint8_t, TrapEntry> m_trapTable;
    bool m_trapTableSet = false;
    std::map<std::uint32_t, std::uint32_t> m_virqPorts; // VIRQ -> port
    std::optional<std::uint32_t> m_timerPort;
    bool m_unmaskSeen = false; // events were unmasked when the monitor was last left
};

} // namespace vmwb
