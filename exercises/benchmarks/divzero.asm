; divzero.asm: Adams and Agesen's "divzero" nanobenchmark (ASPLOS 2006, Figure 4): a loop of
; divisions by zero, each a #DE fault that the guest kernel's own handler takes and returns
; from (it steps over the DIV).
;
; What each technique does with one fault (the Pentium 4 672 numbers are the paper's):
;   native                   the CPU delivers #DE through the guest's IDT; the handler returns
;                            with IRETQ (889 cycles).
;   binary translation       the fault goes to the monitor first (the real IDT is the
;                            monitor's); the monitor reflects it to the guest's handler, whose
;                            IRETQ is translated into a callout (3,223 cycles).
;   hardware-assisted        #DE is not in the exception bitmap: the CPU delivers it to the
;                            guest without an exit (1,014 cycles).
;   trap-and-emulate         the fault goes to the monitor, which reflects it; the handler's
;                            IRETQ faults at CPL 3 and is emulated.
;   paravirtual              the fault goes to the monitor, which delivers it through the
;                            guest's trap table; IRETQ becomes a hypercall.
;
; ITERATIONS faults in all (the nanobenchmark runner sets it; 1,000 when run as it is). The
; exit code is 0 when the handler ran once per division, 1 otherwise.

%include "workbench.inc"

%ifndef ITERATIONS
%define ITERATIONS 1000
%endif

DIVIDE_ERROR equ 0              ; #DE (SDM Vol. 3A, 6.15)

start:
    lidt [idt_descriptor]
    xor ecx, ecx                ; the divisor
    mov r12d, ITERATIONS
next:
    xor edx, edx
    mov eax, 1
divide:
    div ecx                     ; the operation: #DE
after_divide:
    dec r12d
    jnz next
    cmp qword [faults], ITERATIONS
    jne wrong
    EXIT 0
wrong:
    EXIT 1

divide_error:                   ; the guest kernel's #DE handler
    add qword [rsp], after_divide - divide ; return after the DIV, not to it
    inc qword [faults]
    iretq

align 16
idt:
    IDT_INTERRUPT_GATE divide_error
idt_end:
idt_descriptor:
    dw idt_end - idt - 1
    dq idt

faults: dq 0
