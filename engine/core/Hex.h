#pragma once

#include <QString>
#include <cstdint>

namespace vmwb {

// An address or register value as event texts and reports print it: "0x1000e0".
inline QString hex(std::uint64_t value)
{
    return QStringLiteral("0x%1").arg(value, 0, 16);
}

} // namespace vmwb
