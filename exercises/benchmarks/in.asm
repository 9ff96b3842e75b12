; in.asm: Adams and Agesen's "in" nanobenchmark (ASPLOS 2006, Figure 4): a loop of IN from
; port 0x80, the PC's POST-code port, which no device of the workbench answers.
;
; What each technique does with one IN (the Pentium 4 672 numbers are the paper's):
;   native                   the CPU reaches the port on the bus: slow even on bare hardware
;                            (3,209 cycles).
;   binary translation       IN in the kernel is sensitive: the translator replaced it by a
;                            callout, and the monitor emulates the port in software without
;                            touching any device: one callout per IN (about 217 cycles).
;   hardware-assisted        unconditional I/O exiting: one VM exit per IN; the monitor emulates
;                            the port and enters the guest again (15,826 cycles).
;   trap-and-emulate         IN at CPL 3 faults into the monitor, which emulates it.
;   paravirtual              the paravirtualizer refuses IN: a paravirtual kernel talks to
;                            devices through event channels and shared rings instead.
;
; ITERATIONS INs in all (the nanobenchmark runner sets it; 1,000 when run as it is). The exit
; code is 0.

%include "workbench.inc"

%ifndef ITERATIONS
%define ITERATIONS 1000
%endif

POST_PORT equ 0x80              ; the POST-code port: nothing answers it

start:
    mov r12d, ITERATIONS
next:
    in al, POST_PORT            ; the operation
    dec r12d
    jnz next
    EXIT 0
