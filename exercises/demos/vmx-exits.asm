; vmx-exits.asm: where hardware-assisted virtualization (VT-x) leaves the guest.
;
; Under VT-x the guest kernel runs at ring 0, in VMX non-root operation. Nothing is rewritten
; and nothing is deprivileged: the CPU itself leaves the guest for the monitor (a "VM exit")
; where the monitor's VMCS says it must, and only there. Each exit costs an exit, the
; monitor's work and a VM entry back (about 4,500 cycles on the Pentium 4 of Adams and
; Agesen 2006).
;
; Run it:     vmm-workbench run vmx-exits.asm --technique hardware-assisted
;   CPUID exits always; each of the four OUTs exits (unconditional I/O exiting); each HLT
;   exits (HLT exiting) and so does each timer interrupt (external-interrupt exiting). INVLPG
;   does not: with EPT the guest owns its page tables and TLB. pushf, cli and popf never exit.
; Then turn controls off and on and watch the exits change:
;   --vmcs-control hlt-exiting=off          the HLT exits disappear
;   --vmcs-control invlpg-exiting=on        the INVLPG exits (a monitor without EPT needs it)
;   --vmcs-control unconditional-io-exiting=off --vmcs-control use-io-bitmaps=on
;                                           the console port no longer exits; the timer's does
; In the window: the VMCS pane (View menu) shows the last exit in words and the controls as
; check boxes; the event log's "VM exits" filter lists them all.
;
; The exit code is the number of timer ticks the guest counted (3).

%include "workbench.inc"

TIMER_PERIOD   equ 300          ; guest instructions between ticks

start:
    lidt [idt_descriptor]
    mov eax, TIMER_PERIOD
    out TIMER_PORT, eax         ; I/O: exit 30 with unconditional I/O exiting
    xor eax, eax
    cpuid                       ; exit 10, always
    invlpg [ticks]              ; exit 14 only with INVLPG exiting
    pushfq                      ; these three run natively: no exit, and IF is right
    cli
    popfq
    sti
    mov ecx, 3
wait_tick:
    hlt                         ; exit 12 with HLT exiting; the tick then exits too (1)
    dec ecx
    jnz wait_tick
    mov al, '!'
    out CONSOLE_PORT, al        ; exit 30 unless the I/O bitmap lets the port through
    xor eax, eax
    out TIMER_PORT, eax         ; stop the timer
    mov al, [ticks]
    out EXIT_PORT, al

tick:
    inc qword [ticks]
    iretq

align 16
idt:
%rep TIMER_VECTOR
    IDT_NO_GATE
%endrep
    IDT_INTERRUPT_GATE tick
idt_end:
idt_descriptor:
    dw idt_end - idt - 1
    dq idt

ticks: dq 0
