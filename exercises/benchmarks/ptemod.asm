; ptemod.asm: Adams and Agesen's "ptemod" nanobenchmark (ASPLOS 2006, Figure 4): a loop of
; writes to a guest page-table entry.
;
; What each technique does with one write (the Pentium 4 672 numbers are the paper's):
;   native                   an ordinary store (about 1 cycle).
;   binary translation       the monitor keeps shadow page tables and write-protects the
;                            guest's own; the translator learns which stores hit page tables
;                            and translates them into calls that update the shadow too
;                            ("adaptive binary translation"): 391 cycles.
;   hardware-assisted        without nested paging the write-protected page table faults, and
;                            the #PF exits to the monitor, which emulates the store and updates
;                            the shadow: 12,733 cycles, about 30 times the software VMM.
;   trap-and-emulate and     as the hardware-assisted monitor: a fault into the monitor per
;   paravirtual              write (paravirtual: an mmu_update hypercall instead).
;
; The workbench does not model shadow paging yet: the guest's page tables are the workbench's
; own identity map, no technique write-protects or traces a guest page table, and so every
; technique runs these writes as plain stores. The table entry written here lies in a page the
; guest set aside as a page table (aligned, 512 entries) but does not load into CR3; once shadow
; paging exists, the guest must build its tables and load CR3 for the monitor to see the writes.
;
; Each loop iteration makes ten writes, to keep the loop's own two instructions small against
; them; ITERATIONS loop iterations in all (the nanobenchmark runner sets it; 1,000 when run as
; it is). The exit code is 0.

%include "workbench.inc"

%ifndef ITERATIONS
%define ITERATIONS 1000
%endif

WRITES_PER_ITERATION equ 10
PTE_PRESENT  equ 1 << 0         ; SDM Vol. 3A, 4.5, Table 4-19
PTE_WRITABLE equ 1 << 1
FRAME        equ 0x800000       ; the page the entry maps

start:
    mov rdi, page_table
    mov rax, FRAME | PTE_WRITABLE | PTE_PRESENT
    mov r12d, ITERATIONS
next:
%rep WRITES_PER_ITERATION
    mov [rdi], rax              ; the operation: write the PTE
%endrep
    dec r12d
    jnz next
    EXIT 0

align 4096
page_table:                     ; one page-table page of the guest's own
    times 512 dq 0
