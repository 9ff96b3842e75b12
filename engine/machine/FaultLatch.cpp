#include "machine/FaultLatch.h"

#include "hw/Exceptions.h"
#include "machine/UnicornCpu.h"

#include <QCoreApplication>
#include <cstring>
#include <string>
#include <vector>

namespace vmwb {

namespace {

constexpr std::int32_t kNoException = -1;

// Records the vector of each fault and the CPU state at that moment, then stops the run.
class ProbeListener final : public CpuListener
{
public:
    explicit ProbeListener(UnicornCpu &cpu) : m_cpu(cpu) {}

    std::int64_t vector = -1;
    std::vector<std::uint8_t> state;

    void onBlock(std::uint64_t, std::uint32_t) override {}
    void onCodeHook(std::uint64_t) override {}
    void onInterrupt(std::uint32_t v) override
    {
        vector = v;
        state = m_cpu.contextBytes();
        m_cpu.stop();
    }
    void onInvalidInstruction() override { m_cpu.stop(); }
    void onUnmappedAccess(MemoryAccess, std::uint64_t) override {}
    void onWriteToProtectedPage(std::uint64_t, std::size_t, std::uint64_t) override {}

private:
    UnicornCpu &m_cpu;
};

std::int32_t wordAt(const std::vector<std::uint8_t> &bytes, std::size_t offset)
{
    std::int32_t value = 0;
    std::memcpy(&value, bytes.data() + offset, sizeof value);
    return value;
}

std::int64_t fault(UnicornCpu &cpu, ProbeListener &probe, std::uint64_t address)
{
    probe.vector = -1;
    cpu.run(address);
    return probe.vector;
}

} // namespace

FaultLatch FaultLatch::calibrate(UnicornCpu &cpu, std::uint64_t probeAddress)
{
    ProbeListener probe(cpu);
    cpu.setListener(&probe);
    // The probe's translated code carries the probe's hooks: drop it with them.
    struct Detach
    {
        UnicornCpu &cpu;
        std::uint64_t probe;
        ~Detach()
        {
            cpu.setListener(nullptr);
            cpu.removeCache(probe, probe + 0x100);
        }
    } detach{cpu, probeAddress};

    const auto before = cpu.contextBytes();
    const std::int64_t first = fault(cpu, probe, probeAddress);
    const auto afterFirst = probe.state;
    const std::uint64_t faultingRip = cpu.rip();
    const std::int64_t second = fault(cpu, probe, faultingRip);
    const auto afterSecond = probe.state;

    constexpr std::int64_t gp = vector::kGeneralProtection;
    constexpr std::int64_t df = vector::kDoubleFault;
    if (first == gp && second == gp)
        return FaultLatch(Mode::NotNeeded, 0);
    if (first != gp || second != df) {
        throw EngineError("fault latch calibration: the probe faulted with vectors " +
                          std::to_string(first) + " and " + std::to_string(second) +
                          ", expected 13 and then 8 (or 13 twice)");
    }

    // The latch is the one word that held 13 after the first fault and 8 after the second.
    std::vector<std::size_t> candidates;
    const std::size_t size = std::min({before.size(), afterFirst.size(), afterSecond.size()});
    for (std::size_t offset = 0; offset + 4 <= size; offset += 4) {
        if (wordAt(afterFirst, offset) == gp && wordAt(afterSecond, offset) == df)
            candidates.push_back(offset);
    }
    if (candidates.size() > 1) {
        std::erase_if(candidates, [&before](std::size_t offset) {
            return wordAt(before, offset) != kNoException;
        });
    }
    if (candidates.size() != 1) {
        throw EngineError("fault latch calibration: " + std::to_string(candidates.size()) +
                          " candidate words for the exception latch, expected one");
    }

    const FaultLatch latch(Mode::Workaround, candidates.front());
    for (int check = 0; check < 2; ++check) {
        latch.clear(cpu);
        const std::int64_t v = fault(cpu, probe, faultingRip);
        if (v != gp) {
            throw EngineError("fault latch calibration: after clearing the latch a fault was "
                              "reported as vector " +
                              std::to_string(v));
        }
    }
    latch.clear(cpu);
    return latch;
}

void FaultLatch::clear(UnicornCpu &cpu) const
{
    if (m_mode == Mode::Workaround)
        cpu.patchContextWord(m_offset, kNoException);
}

QString FaultLatch::describe() const
{
    if (m_mode == Mode::NotNeeded) {
        return QCoreApplication::translate("vmwb::FaultLatch",
                                           "not needed: consecutive faults are reported correctly");
    }
    return QCoreApplication::translate("vmwb::FaultLatch",
                                       "cleared after every fault (latch at byte %1 of the CPU "
                                       "state)")
        .arg(m_offset);
}

} // namespace vmwb
