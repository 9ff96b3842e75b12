#include "controller/Snapshot.h"

#include <array>
#include <utility>

namespace vmwb {

namespace {

struct RegisterRow
{
    RegisterId id;
    const char *name;
    Register reg;
    bool editable;
};

// In RegisterId order (checked below).
constexpr std::array<RegisterRow, kRegisterCount> kRegisterRows{{
    {RegisterId::Rax, "rax", Register::Rax, true},
    {RegisterId::Rbx, "rbx", Register::Rbx, true},
    {RegisterId::Rcx, "rcx", Register::Rcx, true},
    {RegisterId::Rdx, "rdx", Register::Rdx, true},
    {RegisterId::Rsi, "rsi", Register::Rsi, true},
    {RegisterId::Rdi, "rdi", Register::Rdi, true},
    {RegisterId::Rbp, "rbp", Register::Rbp, true},
    {RegisterId::Rsp, "rsp", Register::Rsp, true},
    {RegisterId::R8, "r8", Register::R8, true},
    {RegisterId::R9, "r9", Register::R9, true},
    {RegisterId::R10, "r10", Register::R10, true},
    {RegisterId::R11, "r11", Register::R11, true},
    {RegisterId::R12, "r12", Register::R12, true},
    {RegisterId::R13, "r13", Register::R13, true},
    {RegisterId::R14, "r14", Register::R14, true},
    {RegisterId::R15, "r15", Register::R15, true},
    {RegisterId::Rip, "rip", Register::Rip, true},
    {RegisterId::Rflags, "rflags", Register::None, true},
    // Writing a selector through the emulator changes the number only, not the segment the CPU
    // uses, and control registers written that way do not take effect (ENGINE_FACTS): the
    // workbench shows them but does not let the user change them.
    {RegisterId::Cs, "cs", Register::Cs, false},
    {RegisterId::Ds, "ds", Register::Ds, false},
    {RegisterId::Es, "es", Register::Es, false},
    {RegisterId::Fs, "fs", Register::Fs, false},
    {RegisterId::Gs, "gs", Register::Gs, false},
    {RegisterId::Ss, "ss", Register::Ss, false},
    {RegisterId::Cr0, "cr0", Register::Cr0, false},
    {RegisterId::Cr2, "cr2", Register::Cr2, false},
    {RegisterId::Cr3, "cr3", Register::Cr3, false},
    {RegisterId::Cr4, "cr4", Register::Cr4, false},
}};

constexpr bool rowsInOrder()
{
    for (std::size_t i = 0; i < kRegisterRows.size(); ++i) {
        if (static_cast<std::size_t>(kRegisterRows[i].id) != i)
            return false;
    }
    return true;
}
static_assert(rowsInOrder(), "kRegisterRows must list every RegisterId in order");

const RegisterRow &row(RegisterId id)
{
    return kRegisterRows[static_cast<std::size_t>(id)];
}

} // namespace

Register engineRegister(RegisterId id)
{
    return row(id).reg;
}

const char *registerName(RegisterId id)
{
    return row(id).name;
}

bool registerEditable(RegisterId id)
{
    return row(id).editable;
}

} // namespace vmwb
