#include "devices/Devices.h"

#include <QCoreApplication>

namespace vmwb {

void IntervalTimer::program(std::uint64_t period, std::uint64_t now)
{
    m_period = period;
    m_next = now + period;
}

std::optional<std::uint64_t> IntervalTimer::nextTick() const
{
    if (!running())
        return std::nullopt;
    return m_next;
}

std::uint64_t IntervalTimer::takeDueTicks(std::uint64_t now)
{
    if (!running() || now < m_next)
        return 0;
    const std::uint64_t due = (now - m_next) / m_period + 1;
    m_next += due * m_period;
    return due;
}

PortBus::Access PortBus::write(std::uint16_t port, unsigned sizeBytes, std::uint32_t value,
                               std::uint64_t now)
{
    switch (port) {
    case port::kConsole:
        if (m_console.size() < kConsoleLimit)
            m_console.append(static_cast<char>(value & 0xFF));
        return {true, QCoreApplication::translate("vmwb::Devices", "console")};
    case port::kExit:
        m_exitCode = static_cast<std::uint8_t>(value & 0xFF);
        return {true, QCoreApplication::translate("vmwb::Devices", "exit port")};
    case port::kTimer:
        // A narrower write sets only the low bytes of the period register.
        m_timer.program(sizeBytes >= 4 ? value : (value & ((1U << (8 * sizeBytes)) - 1)), now);
        return {true, QCoreApplication::translate("vmwb::Devices", "interval timer")};
    default:
        return {false, {}};
    }
}

PortBus::Access PortBus::read(std::uint16_t port, unsigned sizeBytes, std::uint32_t &value)
{
    const std::uint32_t allOnes = sizeBytes >= 4 ? 0xFFFF'FFFFU : (1U << (8 * sizeBytes)) - 1;
    if (port == port::kTimer) {
        value = static_cast<std::uint32_t>(m_timer.period()) & allOnes;
        return {true, QCoreApplication::translate("vmwb::Devices", "interval timer")};
    }
    value = allOnes;
    return {false, {}};
}

} // namespace vmwb
