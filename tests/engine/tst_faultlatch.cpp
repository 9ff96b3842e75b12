// The double-fault quirk of Unicorn 2.0.1 and the unit that works around it.

#include "hw/Exceptions.h"
#include "machine/FaultLatch.h"
#include "machine/Machine.h"
#include "machine/PhysicalMemory.h"
#include "machine/Platform.h"
#include "machine/UnicornCpu.h"
#include "support/GuestRun.h"

#include <QtTest>

using namespace vmwb;

namespace {

// A bare CPU with the platform's memory and firmware, as the machine builds it.
struct BareCpu
{
    PhysicalMemory memory{4 * 1024 * 1024, platform::kMonitorBase, platform::kMonitorSize};
    UnicornCpu cpu;

    BareCpu()
    {
        cpu.mapHostMemory(0, memory.guestSize(), memory.guest().data());
        cpu.mapHostMemory(platform::kMonitorBase, memory.monitorSize(), memory.monitor().data());
        installPlatform(memory, GuestEntry{});
    }
};

// Counts the vectors Unicorn reports and stops at each one.
class VectorRecorder final : public CpuListener
{
public:
    explicit VectorRecorder(UnicornCpu &cpu) : m_cpu(cpu) {}
    std::vector<std::uint32_t> vectors;
    void onBlock(std::uint64_t, std::uint32_t) override {}
    void onCodeHook(std::uint64_t) override {}
    void onInterrupt(std::uint32_t vector) override
    {
        vectors.push_back(vector);
        m_cpu.stop();
    }
    void onInvalidInstruction() override {}
    void onUnmappedAccess(MemoryAccess, std::uint64_t) override {}
    void onWriteToProtectedPage(std::uint64_t, std::size_t, std::uint64_t) override {}

private:
    UnicornCpu &m_cpu;
};

// Skips every privileged instruction that faults and counts the vectors, at ring 3.
class SkippingClient final : public MachineClient
{
public:
    Machine *machine = nullptr;
    std::uint64_t generalProtection = 0;
    std::uint64_t other = 0;
    bool watches(const Instruction &) override { return false; }
    WatchAction onWatched(const Instruction &) override { return WatchAction::Execute; }
    void onException(const CpuException &exception) override
    {
        if (exception.vector == vector::kGeneralProtection)
            ++generalProtection;
        else
            ++other;
        const auto instruction = machine->decodeAt(exception.rip, Decoder::Detail::Facts);
        if (instruction && instruction->mnemonic == Mnemonic::Hlt)
            machine->stopAt(exception.nextRip, true);
        else
            machine->continueAt(exception.nextRip, true);
    }
};

} // namespace

class TestFaultLatch : public QObject
{
    Q_OBJECT

private slots:
    void theQuirkIsReal();
    void calibrationFindsTheLatch();
    void hundredThousandConsecutiveFaultsAreEachGeneralProtection();
};

// Pins the quirk: without the workaround the second #GP in a row comes back as a double
// fault. If a newer Unicorn fixes it, this test says so (and calibration reports NotNeeded).
void TestFaultLatch::theQuirkIsReal()
{
    BareCpu bare;
    VectorRecorder recorder(bare.cpu);
    bare.cpu.setListener(&recorder);
    bare.cpu.run(platform::kLatchProbe);
    const std::uint64_t faultingRip = bare.cpu.rip();
    bare.cpu.run(faultingRip);
    bare.cpu.setListener(nullptr);
    QCOMPARE(recorder.vectors.size(), 2u);
    QCOMPARE(recorder.vectors[0], std::uint32_t{vector::kGeneralProtection});
    QCOMPARE(recorder.vectors[1], std::uint32_t{vector::kDoubleFault});
}

void TestFaultLatch::calibrationFindsTheLatch()
{
    BareCpu bare;
    const FaultLatch latch = FaultLatch::calibrate(bare.cpu, platform::kLatchProbe);
    QCOMPARE(latch.mode(), FaultLatch::Mode::Workaround);
    QVERIFY(latch.offset() > 0);
    QVERIFY(latch.describe().contains(QString::number(latch.offset())));

    // With the latch cleared after each fault, three faults in a row are all #GP.
    VectorRecorder recorder(bare.cpu);
    bare.cpu.setListener(&recorder);
    const std::uint64_t faultingRip = bare.cpu.rip();
    for (int i = 0; i < 3; ++i) {
        latch.clear(bare.cpu);
        bare.cpu.run(faultingRip);
    }
    bare.cpu.setListener(nullptr);
    QCOMPARE(recorder.vectors, (std::vector<std::uint32_t>(3, vector::kGeneralProtection)));
}

void TestFaultLatch::hundredThousandConsecutiveFaultsAreEachGeneralProtection()
{
    constexpr std::uint64_t kFaults = 100'000;
    const AssembledProgram program =
        test::assemble(QStringLiteral("    mov ecx, 100000\n"
                                      ".loop:\n"
                                      "    cli\n" // privileged: #GP at CPL 3
                                      "    dec ecx\n"
                                      "    jnz .loop\n"
                                      "    hlt\n"));
    SkippingClient client;
    Machine machine(Machine::Config{}, client);
    client.machine = &machine;
    machine.load(program.loadAddress,
                 std::span(reinterpret_cast<const std::uint8_t *>(program.code.constData()),
                           static_cast<std::size_t>(program.code.size())));
    machine.boot({3, program.loadAddress, 0, 0x202});
    const ExecuteResult result = machine.execute(10 * kFaults);
    QCOMPARE(result.reason, StopReason::ClientRequest);
    QCOMPARE(client.other, 0u);
    QCOMPARE(client.generalProtection, kFaults + 1); // every cli, then the hlt
    QCOMPARE(machine.retired(), 3 * kFaults + 2);
}

QTEST_GUILESS_MAIN(TestFaultLatch)
#include "tst_faultlatch.moc"
