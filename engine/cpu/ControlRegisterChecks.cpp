#include "cpu/ControlRegisterChecks.h"

#include "hw/ControlRegisters.h"

#include <QCoreApplication>

namespace vmwb {

namespace {
QString tr(const char *text)
{
    return QCoreApplication::translate("vmwb::ControlRegisterChecks", text);
}
} // namespace

std::optional<QString> controlRegisterWriteFault(Register reg, std::uint64_t value,
                                                 std::uint64_t currentCr4)
{
    switch (reg) {
    case Register::Cr0:
        if (value & cr0::kReserved)
            return tr("reserved CR0 bits set");
        if ((value & cr0::kPG) && !(value & cr0::kPE))
            return tr("CR0.PG = 1 with CR0.PE = 0");
        if ((value & cr0::kNW) && !(value & cr0::kCD))
            return tr("CR0.NW = 1 with CR0.CD = 0");
        if (!(value & cr0::kPG))
            return tr("clearing CR0.PG in 64-bit mode");
        return std::nullopt;
    case Register::Cr4:
        if (value & cr4::kReserved)
            return tr("reserved CR4 bits set");
        if (!(value & cr4::kPAE))
            return tr("clearing CR4.PAE in 64-bit mode");
        if ((value ^ currentCr4) & cr4::kLA57)
            return tr("changing CR4.LA57 in 64-bit mode");
        return std::nullopt;
    case Register::Cr8:
        if (value & ~0xFULL)
            return tr("reserved CR8 bits set");
        return std::nullopt;
    default:
        return std::nullopt;
    }
}

} // namespace vmwb
