#include "cpu/VirtualCpu.h"

namespace vmwb {

bool PendingInterrupts::raise(std::uint8_t vector)
{
    if (m_bits.test(vector))
        return false;
    m_bits.set(vector);
    return true;
}

std::optional<std::uint8_t> PendingInterrupts::highest() const
{
    for (int v = 255; v >= 0; --v) {
        if (m_bits.test(static_cast<std::size_t>(v)))
            return static_cast<std::uint8_t>(v);
    }
    return std::nullopt;
}

} // namespace vmwb
