// The machine's instruments: the deterministic instruction count, exact deadlines, decode-ahead
// through self-modifying code, and the Unicorn behaviours the engine works around.

#include "hw/Exceptions.h"
#include "machine/Machine.h"
#include "support/GuestRun.h"

#include <QJsonDocument>
#include <QtTest>

using namespace vmwb;
using namespace vmwb::test;

namespace {

// Records exceptions and stops at the first one.
class RecordingClient final : public MachineClient
{
public:
    Machine *machine = nullptr;
    std::vector<CpuException> exceptions;
    bool watches(const Instruction &) override { return false; }
    WatchAction onWatched(const Instruction &) override { return WatchAction::Execute; }
    void onException(const CpuException &exception) override
    {
        exceptions.push_back(exception);
        machine->stopAt(exception.rip, false);
    }
};

std::unique_ptr<Machine> bootRaw(RecordingClient &client, const QString &source, int ring)
{
    const AssembledProgram program = assemble(source);
    auto machine = std::make_unique<Machine>(Machine::Config{}, client);
    client.machine = machine.get();
    machine->load(program.loadAddress,
                  std::span(reinterpret_cast<const std::uint8_t *>(program.code.constData()),
                            static_cast<std::size_t>(program.code.size())));
    machine->boot({ring, program.loadAddress, 0, ring == 3 ? 0x202ULL : 0x2ULL});
    return machine;
}

QByteArray stateOf(const Session &session)
{
    QJsonObject report = reportJson(session);
    return QJsonDocument(report).toJson(QJsonDocument::Compact);
}

// Programs whose runs must not depend on where the engine stops them.
const char *const kLoopWithTraps =
    "    lidt [idt_descriptor]\n"
    "    mov eax, 37\n"
    "    out TIMER_PORT, eax\n"
    "    sti\n"
    "    mov ecx, 200\n"
    ".loop:\n"
    "    inc rax\n"
    "    cli\n" // traps in the middle of a block under trap-and-emulate
    "    add rbx, rax\n"
    "    sti\n"
    "    pushfq\n"
    "    popfq\n"
    "    call helper\n"
    "    dec ecx\n"
    "    jnz .loop\n"
    "    mov rax, [ticks]\n"
    "    out EXIT_PORT, al\n"
    "helper:\n"
    "    xor rdx, rbx\n"
    "    ret\n";

} // namespace

class TestMachine : public QObject
{
    Q_OBJECT

private slots:
    void steppingGivesTheSameRunAsRunningFreely_data();
    void steppingGivesTheSameRunAsRunningFreely();
    void deadlinesStopAtExactlyThatInstruction_data();
    void deadlinesStopAtExactlyThatInstruction();
    void selfModifiedCodeIsDecodedAgain_data();
    void selfModifiedCodeIsDecodedAgain();
    void portIoDoesNotFaultAtCpl3InUnicorn();
    void nonCanonicalAccessBecomesGeneralProtectionAtTheRightInstruction();
    void invalidOpcodeIsReportedAsUd();
    void accessBeyondGuestMemoryIsAPageFault_data();
    void accessBeyondGuestMemoryIsAPageFault();
};

void TestMachine::steppingGivesTheSameRunAsRunningFreely_data()
{
    QTest::addColumn<QString>("technique");
    QTest::addColumn<int>("chunk");
    for (const QString &technique : {native(), trapAndEmulate()}) {
        for (int chunk : {1, 7, 100}) {
            QTest::newRow(qPrintable(QStringLiteral("%1 in steps of %2").arg(technique).arg(chunk)))
                << technique << chunk;
        }
    }
}

void TestMachine::steppingGivesTheSameRunAsRunningFreely()
{
    QFETCH(QString, technique);
    QFETCH(int, chunk);
    const QString source = withTickCounter(QLatin1String(kLoopWithTraps));
    const auto free = run(source, technique);
    QCOMPARE(free->status(), RunStatus::Exited);
    QVERIFY(free->trace().count(EventKind::InterruptDelivered) > 10);

    auto stepped = start(source, technique);
    int steps = 0;
    while (stepped->status() == RunStatus::Running && steps < 100000) {
        stepped->runFor(static_cast<std::uint64_t>(chunk));
        ++steps;
    }
    QCOMPARE(stepped->instructions(), free->instructions());
    QCOMPARE(stateOf(*stepped), stateOf(*free));
}

void TestMachine::deadlinesStopAtExactlyThatInstruction_data()
{
    QTest::addColumn<QString>("technique");
    QTest::addColumn<int>("instructions");
    for (const QString &technique : {native(), trapAndEmulate()}) {
        for (int n : {1, 2, 5, 10, 11, 12, 23, 57}) {
            QTest::newRow(qPrintable(QStringLiteral("%1 %2").arg(technique).arg(n)))
                << technique << n;
        }
    }
}

void TestMachine::deadlinesStopAtExactlyThatInstruction()
{
    QFETCH(QString, technique);
    QFETCH(int, instructions);
    // Ten increments and a jump: after n instructions rax = n - n / 11.
    auto session = start(QStringLiteral(".again:\n%rep 10\n    inc rax\n%endrep\n    jmp .again\n"),
                         technique);
    session->runFor(static_cast<std::uint64_t>(instructions));
    QCOMPARE(session->instructions(), static_cast<std::uint64_t>(instructions));
    QCOMPARE(reg(*session, Register::Rax),
             static_cast<std::uint64_t>(instructions - instructions / 11));
}

void TestMachine::selfModifiedCodeIsDecodedAgain_data()
{
    QTest::addColumn<QString>("technique");
    QTest::addColumn<QString>("source");
    QTest::addColumn<quint64>("instructions");
    // "inc rbx" is 48 ff c3; with its first byte made a nop the same bytes are "nop; inc ebx":
    // one instruction more.
    const QString ownBlock = QStringLiteral("    mov ecx, 2\n"
                                            ".again:\n"
                                            "target:\n"
                                            "    inc rbx\n"
                                            "    mov byte [target], 0x90\n"
                                            "    dec ecx\n"
                                            "    jnz .again\n"
                                            "    hlt\n");
    // mov ecx; pass 1: inc, mov, dec, jnz; pass 2: nop, inc, mov, dec, jnz; hlt
    const quint64 ownBlockCount = 1 + 4 + 5 + 1;
    const QString subroutine = QStringLiteral("    call sub\n"
                                              "    mov byte [sub], 0x90\n"
                                              "    call sub\n"
                                              "    hlt\n"
                                              "sub:\n"
                                              "    inc rbx\n"
                                              "    ret\n");
    // call, inc, ret, mov, call, nop, inc, ret, hlt
    const quint64 subroutineCount = 9;
    for (const QString &technique : {native(), trapAndEmulate()}) {
        QTest::newRow(qPrintable(technique + ", own block"))
            << technique << ownBlock << ownBlockCount;
        QTest::newRow(qPrintable(technique + ", another block"))
            << technique << subroutine << subroutineCount;
    }
}

void TestMachine::selfModifiedCodeIsDecodedAgain()
{
    QFETCH(QString, technique);
    QFETCH(QString, source);
    QFETCH(quint64, instructions);
    const auto session = run(source, technique);
    QCOMPARE(session->status(), RunStatus::Halted);
    QCOMPARE(reg(*session, Register::Rbx), 2u);
    QCOMPARE(session->instructions(), instructions);
}

// Pins a Unicorn 2.0.1 behaviour the trap-and-emulate monitor works around: port I/O at CPL 3
// with IOPL 0 does not raise #GP.
void TestMachine::portIoDoesNotFaultAtCpl3InUnicorn()
{
    RecordingClient client;
    auto machine = bootRaw(client, QStringLiteral("    mov al, 1\n    out 0x80, al\n    hlt\n"), 3);
    machine->execute(100);
    QCOMPARE(client.exceptions.size(), 1u);
    // The fault comes from the hlt, not from the out.
    const auto instruction = machine->decodeAt(client.exceptions.front().rip);
    QVERIFY(instruction.has_value());
    QCOMPARE(instruction->mnemonic, Mnemonic::Hlt);
}

void TestMachine::nonCanonicalAccessBecomesGeneralProtectionAtTheRightInstruction()
{
    RecordingClient client;
    auto machine = bootRaw(client,
                           QStringLiteral("    mov rcx, 5\n"
                                          "    mov rax, 0x8000000000000000\n"
                                          "    add rcx, 1\n"
                                          "    mov rbx, [rax + 8]\n"
                                          "    hlt\n"),
                           0);
    machine->execute(100);
    QCOMPARE(client.exceptions.size(), 1u);
    const CpuException &fault = client.exceptions.front();
    QCOMPARE(fault.vector, vector::kGeneralProtection);
    const auto instruction = machine->decodeAt(fault.rip);
    QVERIFY(instruction.has_value());
    QCOMPARE(instruction->text, QStringLiteral("mov rbx, [rax+0x8]"));
    QCOMPARE(machine->retired(), 3u);
    QCOMPARE(machine->cpu().read(Register::Rcx), 6u);
}

void TestMachine::invalidOpcodeIsReportedAsUd()
{
    RecordingClient client;
    auto machine = bootRaw(client, QStringLiteral("    nop\n    ud2\n"), 3);
    machine->execute(100);
    QCOMPARE(client.exceptions.size(), 1u);
    QCOMPARE(client.exceptions.front().vector, vector::kInvalidOpcode);
    QCOMPARE(client.exceptions.front().rip, 0x100001u);
    QCOMPARE(machine->retired(), 1u);
}

void TestMachine::accessBeyondGuestMemoryIsAPageFault_data()
{
    QTest::addColumn<QString>("source");
    QTest::addColumn<int>("vector");
    QTest::addColumn<QString>("faulting"); // the instruction RIP points at, or "target"
    QTest::addColumn<quint64>("cr2");
    QTest::addColumn<quint64>("retired");
    QTest::newRow("read beyond memory")
        << "    mov rax, 0x2000000\n    mov rbx, [rax]\n    hlt" << 14 << "mov rbx, [rax]"
        << quint64{0x2000000} << quint64{1};
    QTest::newRow("write beyond memory")
        << "    mov rax, 0x3000000\n    mov [rax], rbx\n    hlt" << 14 << "mov [rax], rbx"
        << quint64{0x3000000} << quint64{1};
    // A fetch fault happens at the branch's target, after the branch.
    QTest::newRow("jump beyond memory") << "    mov rax, 0x2000000\n    jmp rax" << 14 << "target"
                                        << quint64{0x2000000} << quint64{2};
    // A non-canonical target faults on the branch itself.
    QTest::newRow("jump to a non-canonical address")
        << "    mov rax, 0x8000000000000000\n    jmp rax" << 13 << "jmp rax" << quint64{0}
        << quint64{1};
}

void TestMachine::accessBeyondGuestMemoryIsAPageFault()
{
    QFETCH(QString, source);
    QFETCH(int, vector);
    QFETCH(QString, faulting);
    QFETCH(quint64, cr2);
    QFETCH(quint64, retired);
    RecordingClient client;
    auto machine = bootRaw(client, source, 0);
    machine->execute(100);
    QCOMPARE(client.exceptions.size(), 1u);
    const CpuException &fault = client.exceptions.front();
    QCOMPARE(static_cast<int>(fault.vector), vector);
    if (faulting == QLatin1String("target")) {
        QCOMPARE(fault.rip, cr2);
    } else {
        const auto instruction = machine->decodeAt(fault.rip);
        QVERIFY(instruction.has_value());
        QCOMPARE(instruction->text, faulting);
    }
    if (vector == 14)
        QCOMPARE(machine->cpu().read(Register::Cr2), cr2);
    QCOMPARE(machine->retired(), retired);
}

QTEST_GUILESS_MAIN(TestMachine)
#include "tst_machine.moc"
