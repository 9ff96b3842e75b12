; callret.asm: Adams and Agesen's "call/ret" nanobenchmark (ASPLOS 2006, Figure 4): near CALL
; and RET pairs in kernel code.
;
; What each technique does with one pair (the Pentium 4 672 numbers are the paper's):
;   native                   two ordinary instructions (11 cycles for the pair).
;   binary translation       the kernel runs translated. The CALL pushes the guest's return
;                            address, as the guest expects to find it on its stack; the RET
;                            cannot jump there (that is untranslated guest code) and looks up
;                            the address's translation first: 51 cycles, a 40-cycle penalty.
;   hardware-assisted        nothing to do: the pair runs as on bare hardware (11 cycles).
;   trap-and-emulate         nothing to do: neither instruction is sensitive.
;   paravirtual              nothing to change.
;
; The workbench charges every ordinary instruction the same (the preset's "instruction" cost,
; one cycle), so natively the pair costs two cycles, not the Pentium 4's eleven: per-instruction
; costs are not modelled.
;
; Each loop iteration makes ten pairs, to keep the loop's own two instructions small against
; them; ITERATIONS loop iterations in all (the nanobenchmark runner sets it; 1,000 when run as
; it is). The exit code is 0.

%include "workbench.inc"

%ifndef ITERATIONS
%define ITERATIONS 1000
%endif

PAIRS_PER_ITERATION equ 10

start:
    mov r12d, ITERATIONS
next:
%rep PAIRS_PER_ITERATION
    call nothing                ; the operation: a call and its ret
%endrep
    dec r12d
    jnz next
    EXIT 0

nothing:
    ret
