#pragma once

// Modelled cycles per event, from presets that are data files with a source for every number
// (engine/costs/*.json, compiled in as resources). The workbench's own run time is a separate
// matter (see the bench command): these cycles model the hardware the papers measured.

#include <QString>
#include <array>
#include <cstdint>
#include <optional>
#include <vector>

namespace vmwb {

enum class Cost : std::uint8_t
{
    Instruction,           // an innocuous instruction executed by the hardware
    TrapRoundTrip,         // a fault from the deprivileged guest into the monitor and back
    MonitorEmulation,      // the monitor decoding and emulating one instruction
    PortAccess,            // a real device access with IN/OUT
    ExceptionDelivery,     // the CPU delivering an exception or interrupt through the IDT and IRET
    VmEntry,               // VT-x: VM entry
    VmExit,                // VT-x: VM exit
    VmcsRead,              // VT-x: VMREAD
    VmcsWrite,             // VT-x: VMWRITE
    Hypercall,             // paravirtual: a hypercall into the monitor and back, with its work
    Callout,               // binary translation: a callout into the monitor, emulating the original
    TranslatedInstruction, // binary translation: translating one guest instruction
    FetchTrap,             // binary translation: the fault on the first fetch from a guarded page
    PageFaultWalk,         // what a page fault adds to an exception: the walk that finds no mapping
    TprWrite,              // the CPU writing CR8, the local APIC's task-priority register
    ExceptionReflection,   // the monitor handing a guest's own exception back to the guest
    ShadowPageFault,       // the shadow MMU telling a true guest page fault from a hidden one
    IoExitEmulation,       // VT-x: the monitor's software path for an I/O-instruction exit
    TranslatedReturn,      // binary translation: ret in translated code looks up its target
    InlineTprAccess,       // binary translation: a CR8 access translated into a virtual-TPR access
};
inline constexpr std::size_t kCostCount = 20;

// The JSON key of each cost ("trap_round_trip").
const char *costKey(Cost cost);

struct CostValue
{
    std::uint64_t cycles = 0;
    QString source;
};

struct CostPreset
{
    QString id;
    QString title;
    QString source;
    std::array<CostValue, kCostCount> values;

    std::uint64_t operator[](Cost cost) const
    {
        return values[static_cast<std::size_t>(cost)].cycles;
    }
    const CostValue &value(Cost cost) const { return values[static_cast<std::size_t>(cost)]; }
};

struct CostPresetError
{
    QString file;
    QString message; // names the field
};

// Parses one preset; on error returns nothing and fills `error`.
std::optional<CostPreset> parseCostPreset(const QByteArray &json, const QString &fileName,
                                          CostPresetError &error);

// The presets compiled into the engine.
class CostPresets
{
public:
    CostPresets(); // loads the built-in presets; throws EngineError if one is malformed
    const std::vector<CostPreset> &all() const { return m_presets; }
    const CostPreset *find(const QString &id) const;
    static QString defaultId() { return QStringLiteral("pentium4-2006"); }

private:
    std::vector<CostPreset> m_presets;
};

} // namespace vmwb
