#pragma once

// The guest's devices, all on I/O ports (see the README's "Writing snippets"):
//   0xE9  console: each byte written appears in the run's console output
//   0xF4  exit: a byte written ends the run with that exit code
//   0x40  interval timer: a 32-bit write sets the period in guest instructions (0 stops it);
//         every period the timer raises vector 32
// Reads from ports without a device return all ones, as on an ISA bus; writes are dropped.

#include <QByteArray>
#include <QString>
#include <cstdint>
#include <optional>

namespace vmwb {

namespace port {
inline constexpr std::uint16_t kConsole = 0xE9;
inline constexpr std::uint16_t kExit = 0xF4;
inline constexpr std::uint16_t kTimer = 0x40;
} // namespace port

inline constexpr std::uint8_t kTimerVector = 32;

// A periodic interrupt source counted in guest instructions ("virtual time").
class IntervalTimer
{
public:
    // Sets the period at virtual time `now`; the first tick comes one period later.
    void program(std::uint64_t period, std::uint64_t now);
    std::uint64_t period() const { return m_period; }
    bool running() const { return m_period != 0; }
    // Virtual time of the next tick, if running.
    std::optional<std::uint64_t> nextTick() const;
    // Consumes the tick due at or before `now`; returns how many were due (0 if none).
    std::uint64_t takeDueTicks(std::uint64_t now);

private:
    std::uint64_t m_period = 0;
    std::uint64_t m_next = 0;
};

class PortBus
{
public:
    struct Access
    {
        bool known = false; // a device answered
        QString device;     // its name, for events
    };

    // `now` is the virtual time, for the timer.
    Access write(std::uint16_t port, unsigned sizeBytes, std::uint32_t value, std::uint64_t now);
    Access read(std::uint16_t port, unsigned sizeBytes, std::uint32_t &value);

    const QByteArray &console() const { return m_console; }
    std::optional<std::uint8_t> exitCode() const { return m_exitCode; }
    IntervalTimer &timer() { return m_timer; }
    const IntervalTimer &timer() const { return m_timer; }

private:
    QByteArray m_console;
    std::optional<std::uint8_t> m_exitCode;
    IntervalTimer m_timer;
    // The console keeps at most this much output; a runaway loop must not exhaust memory.
    static constexpr qsizetype kConsoleLimit = 1024 * 1024;
};

} // namespace vmwb
