; pgfault.asm: Adams and Agesen's "pgfault" nanobenchmark (ASPLOS 2006, Figure 4): a loop of
; true guest page faults, each taken by the guest kernel's own #PF handler. The load reads an
; address that the guest's page tables do not map (512 MiB, above guest memory); the handler
; steps over the load (it does not map the page, so that every iteration faults again).
;
; What each technique does with one fault (the Pentium 4 672 numbers are the paper's):
;   native                   the CPU walks the page tables, finds no mapping and delivers #PF
;                            through the guest's IDT; the handler returns with IRETQ (1,093
;                            cycles).
;   binary translation       the fault goes to the monitor, whose shadow MMU checks the
;                            guest's own page tables: a true guest fault, so it reflects it to
;                            the guest's handler; IRETQ is a callout (3,927 cycles).
;   hardware-assisted        the Pentium 4 has no nested paging: the monitor shadows the page
;                            tables and intercepts #PF in the exception bitmap. One VM exit per
;                            fault; the shadow MMU finds a true guest fault and the monitor
;                            injects it on VM entry (11,242 cycles). With EPT (the workbench's
;                            default VMCS) the fault does not exit.
;   trap-and-emulate         as binary translation, but IRETQ faults and is emulated.
;   paravirtual              the monitor delivers it through the guest's trap table.
;
; The guest's page tables are the workbench's identity map (the guest does not build its own),
; so every fault the monitor sees here is a true guest fault; hidden faults need shadow paging.
;
; ITERATIONS faults in all (the nanobenchmark runner sets it; 1,000 when run as it is). The
; exit code is 0 when the handler ran once per load, 1 otherwise.

%include "workbench.inc"

%ifndef ITERATIONS
%define ITERATIONS 1000
%endif

PAGE_FAULT equ 14               ; #PF (SDM Vol. 3A, 6.15)
UNMAPPED   equ 0x20000000       ; 512 MiB: no page table entry maps it

start:
    lidt [idt_descriptor]
    mov r12d, ITERATIONS
next:
load:
    mov eax, [UNMAPPED]         ; the operation: #PF
after_load:
    dec r12d
    jnz next
    cmp qword [faults], ITERATIONS
    jne wrong
    EXIT 0
wrong:
    EXIT 1

page_fault:                     ; the guest kernel's #PF handler; [rsp] is the error code
    add qword [rsp + 8], after_load - load ; return after the load, not to it
    inc qword [faults]
    add rsp, 8                  ; pop the error code
    iretq

align 16
idt:
%rep PAGE_FAULT
    IDT_NO_GATE
%endrep
    IDT_INTERRUPT_GATE page_fault
idt_end:
idt_descriptor:
    dw idt_end - idt - 1
    dq idt

faults: dq 0
