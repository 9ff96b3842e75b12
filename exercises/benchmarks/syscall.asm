; syscall.asm: Adams and Agesen's "syscall" nanobenchmark (ASPLOS 2006, Figure 4): a loop of
; system calls from user mode, each a SYSCALL into the guest kernel and a SYSRET back.
;
; What each technique does with one round trip (the Pentium 4 672 numbers are the paper's,
; read from the figure):
;   native                   the CPU switches to the kernel and back (about 243 cycles).
;   binary translation       user code runs directly, but the real IA32_LSTAR is the
;                            monitor's: SYSCALL enters the monitor, which emulates the entry
;                            into the guest kernel; the kernel's SYSRET is translated into a
;                            callout (about 2,313 cycles, "approximately 2000 more than native").
;   hardware-assisted        neither instruction exits: the guest kernel runs at ring 0 in
;                            non-root operation ("at native speed", about 247 cycles).
;   trap-and-emulate         SYSRET faults at CPL 3; SYSCALL goes to the monitor.
;
; The workbench does not model the guest's own user mode yet: Unicorn 2.0.1 replaces
; SYSCALL's switch to CPL 0 by its instruction hook, the engine cannot lower the CPL itself, and
; the deprivileging monitors keep no user mode apart from the kernel's. Every technique
; therefore ends this snippet with a guest fault that says so, at the first SYSRET or SYSCALL.
;
; The kernel enables SYSCALL (EFER.SCE), points STAR and LSTAR at its selectors and entry, and
; enters user mode with SYSRET. User mode makes ITERATIONS system calls (the nanobenchmark
; runner sets it; 1,000 when run as it is) and then the exit call, after which the kernel ends
; the run with exit code 0.

%include "workbench.inc"

%ifndef ITERATIONS
%define ITERATIONS 1000
%endif

IA32_EFER  equ 0xC0000080       ; SDM Vol. 4, Table 2-2
IA32_STAR  equ 0xC0000081
IA32_LSTAR equ 0xC0000082
IA32_FMASK equ 0xC0000084
EFER_SCE   equ 1 << 0           ; SYSCALL enable
USER_BASE  equ 0x10             ; SYSRET loads CS = USER_BASE + 16 | 3, SS = USER_BASE + 8 | 3
SYS_NOTHING equ 0
SYS_EXIT    equ 1

start:
    mov ecx, IA32_EFER
    rdmsr
    or eax, EFER_SCE
    wrmsr
    mov ecx, IA32_STAR          ; SYSCALL: CS = KERNEL_CS, SS = KERNEL_CS + 8
    xor eax, eax
    mov edx, (USER_BASE << 16) | KERNEL_CS
    wrmsr
    mov ecx, IA32_LSTAR
    mov rax, system_call
    mov rdx, rax
    shr rdx, 32
    wrmsr
    mov ecx, IA32_FMASK         ; the kernel is entered with IF = 0
    mov eax, RFLAGS_IF
    xor edx, edx
    wrmsr
    mov rcx, user_mode          ; SYSRET: RIP from RCX, RFLAGS from R11
    mov r11d, 0x2
    o64 sysret

system_call:                    ; the guest kernel's entry point
    cmp eax, SYS_EXIT
    je exit
    o64 sysret                  ; the operation, second half
exit:
    EXIT 0

align 4096
user_mode:                      ; the guest's user mode, on a page of its own
    mov r12d, ITERATIONS
next:
    mov eax, SYS_NOTHING
    syscall                     ; the operation, first half
    dec r12d
    jnz next
    mov eax, SYS_EXIT
    syscall
