; popf-if.asm: why x86 is not classically virtualizable.
;
; A small guest kernel counts timer interrupts. In a critical section it does what kernels
; do to protect shared data:
;       pushf           ; save RFLAGS, including the interrupt flag IF
;       cli             ; IF = 0: no interrupts while we work
;       ...             ; the critical section
;       popf            ; restore RFLAGS: IF = 1 again
;
; Run it natively:           vmm-workbench run popf-if.asm --technique native
;   popf restores IF = 1 and the timer ticks go on after the critical section.
; Run it deprivileged:       vmm-workbench run popf-if.asm --technique trap-and-emulate
;   The kernel now runs at CPL 3. cli is privileged: it traps, and the monitor clears the
;   kernel's *virtual* IF. But popf is sensitive and NOT privileged: at CPL 3 it silently
;   leaves IF alone and does not trap. The monitor never learns that the kernel re-enabled
;   interrupts, the virtual IF stays 0, and every later tick stays pending. The workbench
;   records the popf as a "hole" (Robin and Irvine 2000; Popek and Goldberg 1974).
;
; The exit code is the number of ticks counted after the popf.
;
; In the window: put the cursor on the pushf line below and press F4 (run to cursor), then
; F10 to step through pushf, cli and popf while the Flags and Virtual CPU panes show IF. Or
; choose "Break on: Hole" in the event log and press F5.

%include "workbench.inc"

TIMER_PERIOD   equ 500          ; guest instructions between ticks
SPIN           equ 2000         ; iterations of each busy loop (3 instructions each)

start:
    lidt [idt_descriptor]       ; privileged: traps under trap-and-emulate
    mov eax, TIMER_PERIOD
    out TIMER_PORT, eax         ; start the timer
    sti                         ; enable interrupts

    mov ecx, SPIN               ; let a few ticks arrive
    call spin
    mov rax, [ticks]
    mov [ticks_before], rax

    ; --- the critical section ---
    pushf                       ; sensitive: pushes the real IF
    cli                         ; privileged: IF = 0 (virtually, under trap-and-emulate)
    mov ecx, SPIN / 4           ; some work with interrupts off
    call spin
    popf                        ; sensitive: should restore IF = 1
    ; --- end of the critical section ---

    mov rax, [ticks]
    mov [ticks_at_popf], rax
    mov ecx, SPIN               ; wait for more ticks
    call spin
    mov rbx, [ticks]            ; ticks after popf, counted before printing
    sub rbx, [ticks_at_popf]

    mov rsi, before_text
    call print
    mov rax, [ticks_before]
    call print_number
    mov rsi, after_text
    call print
    mov rax, rbx
    call print_number
    mov al, 10
    out CONSOLE_PORT, al
    mov al, bl                  ; exit code: ticks after popf
    out EXIT_PORT, al
    hlt                         ; not reached

; spin: burn rcx iterations of 3 instructions
spin:
    dec ecx
    nop
    jnz spin
    ret

; timer_handler: count one tick (the IDT's gate for vector 32)
timer_handler:
    inc qword [ticks]
    iretq

; print: write the zero-terminated string at rsi to the console
print:
    lodsb
    test al, al
    jz .done
    out CONSOLE_PORT, al
    jmp print
.done:
    ret

; print_number: write rax in decimal to the console
print_number:
    mov rcx, 10
    xor r8d, r8d
.divide:
    xor edx, edx
    div rcx
    add dl, '0'
    push rdx
    inc r8
    test rax, rax
    jnz .divide
.write:
    pop rax
    out CONSOLE_PORT, al
    dec r8
    jnz .write
    ret

align 16
idt:
%rep TIMER_VECTOR
    IDT_NO_GATE
%endrep
    IDT_INTERRUPT_GATE timer_handler        ; vector 32
idt_end:

idt_descriptor:
    dw idt_end - idt - 1                    ; limit
    dq idt                                  ; base

ticks:          dq 0
ticks_before:   dq 0
ticks_at_popf:  dq 0
before_text:    db "ticks before the critical section: ", 0
after_text:     db ", after popf: ", 0
