#pragma once

// The privileged-instruction cases every deprivileging technique must run as native does: one
// row per privileged instruction, each inside a small frame whose #GP handler records the
// faulting RIP in r15 and ends the run with exit code 13.

#include "support/GuestRun.h"

#include <QJsonObject>
#include <QtTest>

namespace vmwb::test {

// Every row runs inside this frame: an IDT with a #GP handler that records the faulting RIP in
// r15 and ends the run with exit code 13.
inline QString program(const QString &body, const QString &data)
{
    return QStringLiteral("%include \"workbench.inc\"\n"
                          "    lidt [idt_descriptor]\n"
                          "%1\n"
                          "    mov al, 0\n"
                          "    out EXIT_PORT, al\n"
                          "gp_handler:\n"
                          "    add rsp, 8\n"
                          "    mov r15, [rsp]\n"
                          "    mov al, 13\n"
                          "    out EXIT_PORT, al\n"
                          "align 16\n"
                          "idt:\n"
                          "%rep 13\n"
                          "    IDT_NO_GATE\n"
                          "%endrep\n"
                          "    IDT_INTERRUPT_GATE gp_handler\n"
                          "idt_end:\n"
                          "idt_descriptor: dw idt_end - idt - 1\n"
                          "    dq idt\n"
                          "%2\n")
        .arg(body, data);
}

// Columns: body, data, and the instruction that must reach the monitor ("trapped").
inline void addPrivilegedInstructionRows()
{
    QTest::addColumn<QString>("body");
    QTest::addColumn<QString>("data");
    QTest::addColumn<QString>("trapped"); // the instruction that must trap under trap-and-emulate

    QTest::newRow("cli") << "    sti\n    cli"
                         << ""
                         << "cli";
    QTest::newRow("sti") << "    sti\n    nop"
                         << ""
                         << "sti";
    QTest::newRow("hlt with IF = 0") << "    hlt"
                                     << ""
                                     << "hlt";
    QTest::newRow("mov r64, cr0") << "    mov rbx, cr0"
                                  << ""
                                  << "mov rbx, cr0";
    QTest::newRow("mov cr0, r64 (set TS)")
        << "    mov rax, cr0\n    or rax, 8\n    mov cr0, rax\n    mov rbx, cr0"
        << ""
        << "mov cr0, rax";
    QTest::newRow("mov r64, cr2") << "    mov rbx, cr2"
                                  << ""
                                  << "mov rbx, cr2";
    QTest::newRow("mov cr3, r64 (reload)") << "    mov rax, cr3\n    mov cr3, rax\n    mov rbx, cr3"
                                           << ""
                                           << "mov cr3, rax";
    QTest::newRow("mov cr4, r64 (set TSD)")
        << "    mov rax, cr4\n    or rax, 4\n    mov cr4, rax\n    mov rbx, cr4"
        << ""
        << "mov cr4, rax";
    QTest::newRow("mov cr8, r64") << "    mov eax, 5\n    mov cr8, rax\n    mov rbx, cr8"
                                  << ""
                                  << "mov cr8, rax";
    QTest::newRow("lidt") << "    lidt [other_idt]"
                          << "other_idt: dw 0x1ff\n    dq 0x300000"
                          << "lidt";
    QTest::newRow("lgdt") << "    lgdt [gdt_descriptor]"
                          << "gdt: dq 0, 0x00209A0000000000, 0x0000920000000000\n"
                             "gdt_descriptor: dw 3 * 8 - 1\n    dq gdt"
                          << "lgdt";
    QTest::newRow("lldt null") << "    xor eax, eax\n    lldt ax"
                               << ""
                               << "lldt";
    QTest::newRow("clts") << "    mov rax, cr0\n    or rax, 8\n    mov cr0, rax\n    clts\n"
                             "    mov rbx, cr0"
                          << ""
                          << "clts";
    QTest::newRow("lmsw") << "    mov rax, cr0\n    or rax, 8\n    mov cr0, rax\n"
                             "    mov ax, 3\n    lmsw ax\n    mov rbx, cr0"
                          << ""
                          << "lmsw";
    QTest::newRow("mov dr0") << "    mov rax, 0x1234\n    mov dr0, rax\n    mov rbx, dr0"
                             << ""
                             << "mov dr0, rax";
    QTest::newRow("in eax, imm8 (timer)")
        << "    mov eax, 0x12345\n    out TIMER_PORT, eax\n    in eax, TIMER_PORT\n"
           "    mov ebx, eax"
        << ""
        << "in eax";
    QTest::newRow("in al, dx (no device)") << "    mov dx, 0x80\n    in al, dx\n    movzx ebx, al"
                                           << ""
                                           << "in al, dx";
    QTest::newRow("out imm8, al (console)") << "    mov al, 'A'\n    out CONSOLE_PORT, al"
                                            << ""
                                            << "out 0xe9, al";
    QTest::newRow("rep outsb (console)")
        << "    mov rsi, text\n    mov ecx, 5\n    mov dx, CONSOLE_PORT\n    rep outsb"
        << "text: db \"hello\""
        << "rep outsb";
    QTest::newRow("insb (timer)")
        << "    mov eax, 0x41\n    out TIMER_PORT, eax\n    mov rdi, buffer\n"
           "    mov dx, TIMER_PORT\n    insb\n    movzx ebx, byte [buffer]"
        << "buffer: dq 0"
        << "insb";
    QTest::newRow("rdmsr EFER") << "    mov ecx, 0xC0000080\n    rdmsr\n    mov rbx, rax"
                                << ""
                                << "rdmsr";
    QTest::newRow("wrmsr, rdmsr LSTAR")
        << "    mov ecx, 0xC0000082\n    mov eax, 0x1234\n    xor edx, edx\n    wrmsr\n"
           "    xor eax, eax\n    rdmsr\n    mov rbx, rax"
        << ""
        << "wrmsr";
    QTest::newRow("wrmsr FS_BASE takes effect")
        << "    mov ecx, 0xC0000100\n    mov eax, value\n    xor edx, edx\n    wrmsr\n"
           "    mov rbx, [fs:0]"
        << "value: dq 0x1122334455667788"
        << "wrmsr";
    QTest::newRow("swapgs")
        << "    mov ecx, 0xC0000102\n    mov eax, 0x5000\n    xor edx, edx\n    wrmsr\n"
           "    swapgs\n    mov ecx, 0xC0000101\n    rdmsr\n    mov rbx, rax"
        << ""
        << "swapgs";
    QTest::newRow("invlpg") << "    invlpg [0x200000]"
                            << ""
                            << "invlpg";
    QTest::newRow("wbinvd") << "    wbinvd"
                            << ""
                            << "wbinvd";
    QTest::newRow("iretq to the kernel")
        << "    mov rax, rsp\n    push KERNEL_DS\n    push rax\n    push 0x202\n"
           "    push KERNEL_CS\n    push back\n    iretq\n"
           "back:\n    mov rbx, 1"
        << ""
        << "iretq";
    QTest::newRow("mov to cr0 with a reserved bit: #GP in both")
        << "    mov rax, cr0\n    bts rax, 32\n    mov cr0, rax"
        << ""
        << "mov cr0, rax";
}

// What the guest can see after the run must equal the native run: how it ended, exit code,
// console, instruction count, registers and the CPU state it believes in. QCOMPARE inside:
// call it directly from the test function.
inline void compareWithNative(const Session &other, const Session &native)
{
    QCOMPARE(runStatusName(other.status()), runStatusName(native.status()));
    QCOMPARE(other.ports().exitCode(), native.ports().exitCode());
    QCOMPARE(other.ports().console(), native.ports().console());
    QCOMPARE(other.instructions(), native.instructions());
    const QJsonObject nativeReport = reportJson(native);
    const QJsonObject otherReport = reportJson(other);
    QJsonObject nativeRegisters = nativeReport.value(QStringLiteral("registers")).toObject();
    QJsonObject otherRegisters = otherReport.value(QStringLiteral("registers")).toObject();
    // RFLAGS differs by design: the deprivileged guest runs with the real IF set.
    nativeRegisters.remove(QStringLiteral("rflags"));
    otherRegisters.remove(QStringLiteral("rflags"));
    QCOMPARE(otherRegisters, nativeRegisters);
    QCOMPARE(otherReport.value(QStringLiteral("virtual_cpu")),
             nativeReport.value(QStringLiteral("virtual_cpu")));
}

} // namespace vmwb::test
