#pragma once

// A virtualization technique: how the guest kernel is run and how the monitor regains control.
// Techniques are objects behind this one interface, created by name from a registry.

#include "cpu/VirtualCpu.h"
#include "decode/Instruction.h"
#include "machine/Machine.h"

#include <QString>
#include <functional>
#include <memory>
#include <vector>

namespace vmwb {

class Monitor;
class TranslationCache;
namespace vmx {
class Vmcs;
}

struct TechniqueInfo
{
    QString id;              // the command-line name, e.g. "trap-and-emulate"
    const char *title;       // QT_TRANSLATE_NOOP("vmwb::Technique", ...)
    const char *summary;     // one or two sentences in the lecture's words
    int guestRing = 0;       // the ring the guest kernel really runs at
    bool virtualized = true; // false for the native baseline: no monitor between guest and CPU
};

// A technique's own state at one moment (its translation cache, its VMCS...), for step back
// (run/History.h).
class TechniqueState
{
public:
    virtual ~TechniqueState() = default;
    // About how many bytes it holds, for the history's memory budget.
    virtual std::size_t bytes() const = 0;
};

class Technique
{
public:
    virtual ~Technique() = default;

    virtual const TechniqueInfo &info() const = 0;
    // The machine has entered the guest: set up what the guest believes its CPU is.
    virtual void start(Monitor &monitor) = 0;
    // Decode-ahead: whether this technique wants to see `instruction` before it executes.
    virtual bool watches(const Instruction &instruction) const = 0;
    virtual WatchAction onWatched(Monitor &monitor, const Instruction &instruction) = 0;
    // A fault or software interrupt raised while the guest ran. Must call Machine::continueAt
    // or Machine::stopAt (directly or through the monitor's helpers).
    virtual void onException(Monitor &monitor, const CpuException &exception) = 0;
    // The guest's interrupt flag as this technique keeps it.
    virtual bool guestInterruptFlag(const Monitor &monitor) const = 0;
    // Whether a pending interrupt can be handed to the guest at this instruction boundary: by
    // default whenever the guest's interrupt flag is set. A technique whose guest sets that
    // flag where the monitor cannot see it (a paravirtual guest unmasks events with a plain
    // store) says no until the monitor is next entered, so that where a run pauses never
    // changes what it does.
    virtual bool canDeliverInterrupt(const Monitor &monitor) const
    {
        return guestInterruptFlag(monitor);
    }
    // Hands `vector` to the guest's handler now. Returns false if the guest has no usable
    // handler; the monitor has then ended the run with a guest fault.
    virtual bool deliverInterrupt(Monitor &monitor, std::uint8_t vector) = 0;
    // The CPU as the guest believes it is.
    virtual VirtualCpu guestView(const Monitor &monitor) const = 0;
    // What an interrupt that arrives while the guest runs costs before it is delivered or
    // left pending: nothing on bare hardware; a trap into the monitor when the guest is
    // deprivileged (the monitor keeps the real IF set and fields every interrupt).
    virtual std::uint64_t interruptArrivalCycles(const Monitor &monitor) const = 0;
    // `vector` has just been raised (it is now pending). A technique that turns interrupts
    // into something the guest can see before delivery (paravirtual event channels) does so
    // here; the others need not care.
    virtual void interruptRaised(Monitor &monitor, std::uint8_t vector)
    {
        (void)monitor;
        (void)vector;
    }
    // An instruction whose result the workbench supplies to keep runs deterministic (rdtsc,
    // rdrand) is about to be emulated: a technique that would trap or exit on it says so here.
    virtual void beforeNondeterministic(Monitor &monitor, const Instruction &instruction)
    {
        (void)monitor;
        (void)instruction;
    }
    // The guest fetched from a page the technique guarded (Machine::guardFetches()).
    virtual void onGuardedFetch(Monitor &monitor, std::uint64_t page)
    {
        (void)monitor;
        (void)page;
    }
    // The guest reads or writes in a page the technique watches (Machine::watchAccesses()).
    virtual void onWatchedAccess(Monitor &monitor, MemoryAccess access, std::uint64_t address,
                                 std::size_t size)
    {
        (void)monitor;
        (void)access;
        (void)address;
        (void)size;
    }
    // What a binary translator has translated; nullptr for every other technique.
    virtual const TranslationCache *translationCache() const { return nullptr; }
    // The VMCS of hardware-assisted execution; nullptr for every other technique.
    virtual const vmx::Vmcs *vmcs() const { return nullptr; }

    // Step back: the technique's own state, beyond the virtual CPU, the machine and guest
    // memory (nullptr when it keeps none), and putting such a state back between runs. The
    // pages it guards or watches on the machine are the machine's to save and restore.
    virtual std::unique_ptr<TechniqueState> saveState() const { return nullptr; }
    virtual void restoreState(Monitor &monitor, const TechniqueState *state)
    {
        (void)monitor;
        (void)state;
    }
};

class TechniqueRegistry
{
public:
    using Factory = std::function<std::unique_ptr<Technique>()>;

    // The techniques the workbench ships.
    static TechniqueRegistry builtIn();

    void add(TechniqueInfo info, Factory factory);
    std::vector<TechniqueInfo> techniques() const;
    bool contains(const QString &id) const;
    // nullptr for an unknown id.
    std::unique_ptr<Technique> create(const QString &id) const;

private:
    struct Entry
    {
        TechniqueInfo info;
        Factory factory;
    };
    std::vector<Entry> m_entries;
};

} // namespace vmwb
