; The workbench's firmware, run by the engine at CPL 0 before the guest starts.
; It turns on paging with the platform's page tables, loads the platform's GDT, IDT and TSS,
; and enters the guest with IRETQ: at ring 0 for native execution, at ring 3 for the
; deprivileged techniques (SDM Vol. 3A, 9.8.5 "Initializing IA-32e Mode").
; The engine writes the boot parameters (see Platform.h) before it runs this code.

bits 64

MONITOR_BASE   equ 0x40000000
PARAMS         equ MONITOR_BASE + 0x200
MONITOR_STACK  equ MONITOR_BASE + 0xFF000
TSS_SELECTOR   equ 0x28

; Offsets into the boot parameter block (keep in step with Platform.h).
P_CR3          equ 0x00
P_CR0_SET      equ 0x08
P_CR4_SET      equ 0x10
P_GDTR         equ 0x20
P_IDTR         equ 0x30
P_ENTRY_SS     equ 0x40
P_ENTRY_RSP    equ 0x48
P_ENTRY_RFLAGS equ 0x50
P_ENTRY_CS     equ 0x58
P_ENTRY_RIP    equ 0x60
P_DATA_SEL     equ 0x68

org MONITOR_BASE + 0x10000

boot:
    mov rax, [PARAMS + P_CR3]
    mov cr3, rax
    mov rax, cr4
    or rax, [PARAMS + P_CR4_SET]      ; PAE (and SSE support)
    mov cr4, rax
    mov rax, cr0
    or rax, [PARAMS + P_CR0_SET]      ; PG, WP, NE, PE
    mov cr0, rax
    lgdt [PARAMS + P_GDTR]
    lidt [PARAMS + P_IDTR]
    mov ax, TSS_SELECTOR
    ltr ax
    mov ax, [PARAMS + P_DATA_SEL]
    mov ds, ax
    mov es, ax
    xor eax, eax
    mov fs, ax
    mov gs, ax
    mov rsp, MONITOR_STACK
    push qword [PARAMS + P_ENTRY_SS]
    push qword [PARAMS + P_ENTRY_RSP]
    push qword [PARAMS + P_ENTRY_RFLAGS]
    push qword [PARAMS + P_ENTRY_CS]
    push qword [PARAMS + P_ENTRY_RIP]
    iretq

    times 0x100 - ($ - $$) db 0xCC

; The fault latch calibration's probe (FaultLatch.h): a #GP at CPL 0 that can be restarted.
calibrate:
    lgdt [PARAMS + P_GDTR]
    mov ax, 0x40                      ; a selector beyond the GDT's limit
    mov ds, ax                        ; #GP(0x40)
    hlt
