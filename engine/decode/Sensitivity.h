#pragma once

// The sensitivity of x86 instructions, as data with citations.
//
// Popek and Goldberg (CACM 17(7), 1974): an architecture is virtualizable by trap-and-emulate
// if every sensitive instruction is privileged. Robin and Irvine (USENIX Security 2000) list
// the x86 instructions that are sensitive but unprivileged: SGDT, SIDT, SLDT, SMSW, PUSHF, POPF
// ("sensitive register instructions") and LAR, LSL, VERR, VERW, POP, PUSH, CALL far, JMP far,
// INT n, RET far, STR, MOV to/from segment registers ("protection system instructions").
// Which instructions fault at CPL 3 is from the Intel SDM, Vol. 2 (each instruction's
// "Protected Mode Exceptions") and Vol. 3A 2.8 ("System Instruction Summary").

#include "decode/Instruction.h"

#include <span>

namespace vmwb {

struct SensitivityRule
{
    Mnemonic mnemonic;
    Sensitivity sensitivity;
    // Untranslated texts (QT_TRANSLATE_NOOP in context "vmwb::Sensitivity"); translate with
    // QCoreApplication::translate("vmwb::Sensitivity", text).
    const char *group;  // e.g. "sensitive register instruction (Robin and Irvine)"
    const char *atCpl0; // what the instruction does in a kernel at CPL 0
    const char *atCpl3; // what it does at CPL 3 with IOPL 0, i.e. in a deprivileged kernel
    const char *source; // where the facts come from
};

// One rule per special mnemonic (every Mnemonic value except Other has exactly one).
std::span<const SensitivityRule> sensitivityRules();

// The rule for a mnemonic; Mnemonic::Other gets the innocuous rule.
const SensitivityRule &sensitivityRule(Mnemonic mnemonic);

} // namespace vmwb
