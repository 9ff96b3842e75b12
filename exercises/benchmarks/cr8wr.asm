; cr8wr.asm: Adams and Agesen's "cr8wr" nanobenchmark (ASPLOS 2006, Figure 4): a loop of
; writes to CR8, the task-priority register (TPR) that 64-bit Windows writes very often.
;
; What each technique does with one MOV to CR8 (the Pentium 4 672 numbers are the paper's):
;   native                   the CPU writes the local APIC's TPR (about 150 cycles).
;   binary translation       the translator turns the write into a store to the virtual TPR
;                            in memory, inline in the translated code: no callout (35 cycles,
;                            "about four times faster than native").
;   hardware-assisted        the paper's monitor uses the TPR shadow, so the write "never
;                            exits" (about 177 cycles). The workbench's VMCS has no TPR shadow;
;                            the nanobenchmark runner turns CR8-load and CR8-store exiting off,
;                            which gives the same: no exit. With the workbench's default VMCS
;                            (CR8-load exiting on) every write exits.
;   trap-and-emulate         MOV to CR8 at CPL 3 faults into the monitor, which emulates it.
;   paravirtual              the paravirtualizer refuses it: CR8 belongs to the monitor, and
;                            the workbench has no hypercall for the task priority.
;
; ITERATIONS writes in all (the nanobenchmark runner sets it; 1,000 when run as it is). The
; exit code is 0.

%include "workbench.inc"

%ifndef ITERATIONS
%define ITERATIONS 1000
%endif

start:
    xor eax, eax                ; TPR 0: every interrupt class may be delivered
    mov r12d, ITERATIONS
next:
    mov cr8, rax                ; the operation
    dec r12d
    jnz next
    EXIT 0
