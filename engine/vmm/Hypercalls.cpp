#include "vmm/Hypercalls.h"

#include <array>

namespace vmwb::xen {

namespace {

// Indexed by number; nullptr where xen/include/public/xen.h defines no hypercall.
constexpr std::array<const char *, kHypercallCount> kNames{
    "set_trap_table",
    "mmu_update",
    "set_gdt",
    "stack_switch",
    "set_callbacks",
    "fpu_taskswitch",
    "sched_op_compat",
    "platform_op",
    "set_debugreg",
    "get_debugreg",
    "update_descriptor",
    nullptr,
    "memory_op",
    "multicall",
    "update_va_mapping",
    "set_timer_op",
    "event_channel_op_compat",
    "xen_version",
    "console_io",
    "physdev_op_compat",
    "grant_table_op",
    "vm_assist",
    "update_va_mapping_otherdomain",
    "iret",
    "vcpu_op",
    "set_segment_base",
    "mmuext_op",
    "xsm_op",
    "nmi_op",
    "sched_op",
    "callback_op",
    "xenoprof_op",
    "event_channel_op",
    "physdev_op",
    "hvm_op",
    "sysctl",
    "domctl",
    "kexec_op",
};
static_assert(kNames[static_cast<std::size_t>(Hypercall::Iret)][0] == 'i');
static_assert(kNames[static_cast<std::size_t>(Hypercall::KexecOp)][0] == 'k');

struct ErrorName
{
    std::int64_t number;
    const char *name;
};

constexpr std::array kErrors{
    ErrorName{error::kEPERM, "EPERM"},   ErrorName{error::kENOENT, "ENOENT"},
    ErrorName{error::kESRCH, "ESRCH"},   ErrorName{error::kEFAULT, "EFAULT"},
    ErrorName{error::kEBUSY, "EBUSY"},   ErrorName{error::kEEXIST, "EEXIST"},
    ErrorName{error::kEINVAL, "EINVAL"}, ErrorName{error::kENOSPC, "ENOSPC"},
    ErrorName{error::kENOSYS, "ENOSYS"},
};

} // namespace

std::optional<QString> hypercallName(std::uint64_t number)
{
    if (number >= kNames.size() || !kNames[number])
        return std::nullopt;
    return QLatin1String(kNames[number]);
}

QString errorName(std::int64_t positive)
{
    for (const ErrorName &e : kErrors) {
        if (e.number == positive)
            return QLatin1String(e.name);
    }
    return QString::number(positive);
}

QString resultText(std::int64_t result)
{
    if (result >= 0)
        return QString::number(result);
    return QStringLiteral("%1 (-%2)").arg(result).arg(errorName(-result));
}

} // namespace vmwb::xen
