#pragma once

// Exception and interrupt vectors (Intel SDM Vol. 3A, 6.3.1, Table 6-1), and the classes that
// decide whether a second fault during delivery becomes a double fault (6.15, Table 6-5).

#include <array>
#include <cstdint>
#include <optional>

namespace vmwb {

enum class ExceptionClass : std::uint8_t
{
    Benign,
    Contributory,
    PageFault
};

struct ExceptionInfo
{
    std::uint8_t vector;
    const char *mnemonic; // "#GP"
    const char *name;     // "general protection" (QT_TRANSLATE_NOOP context "vmwb::Exceptions")
    bool pushesErrorCode; // in protected and long mode
    ExceptionClass exceptionClass;
};

namespace vector {
inline constexpr std::uint8_t kDivideError = 0;
inline constexpr std::uint8_t kDebug = 1;
inline constexpr std::uint8_t kNmi = 2;
inline constexpr std::uint8_t kBreakpoint = 3;
inline constexpr std::uint8_t kOverflow = 4;
inline constexpr std::uint8_t kBoundRange = 5;
inline constexpr std::uint8_t kInvalidOpcode = 6;
inline constexpr std::uint8_t kDeviceNotAvailable = 7;
inline constexpr std::uint8_t kDoubleFault = 8;
inline constexpr std::uint8_t kInvalidTss = 10;
inline constexpr std::uint8_t kSegmentNotPresent = 11;
inline constexpr std::uint8_t kStackFault = 12;
inline constexpr std::uint8_t kGeneralProtection = 13;
inline constexpr std::uint8_t kPageFault = 14;
inline constexpr std::uint8_t kX87 = 16;
inline constexpr std::uint8_t kAlignmentCheck = 17;
inline constexpr std::uint8_t kMachineCheck = 18;
inline constexpr std::uint8_t kSimd = 19;
inline constexpr std::uint8_t kVirtualization = 20;
inline constexpr std::uint8_t kControlProtection = 21;
inline constexpr std::uint8_t kFirstExternal = 32; // vectors 32..255 are for interrupts
} // namespace vector

// The architecturally defined exceptions, in vector order.
inline constexpr std::array<ExceptionInfo, 21> kExceptions{{
    {0, "#DE", "divide error", false, ExceptionClass::Contributory},
    {1, "#DB", "debug", false, ExceptionClass::Benign},
    {2, "NMI", "non-maskable interrupt", false, ExceptionClass::Benign},
    {3, "#BP", "breakpoint", false, ExceptionClass::Benign},
    {4, "#OF", "overflow", false, ExceptionClass::Benign},
    {5, "#BR", "bound range exceeded", false, ExceptionClass::Benign},
    {6, "#UD", "invalid opcode", false, ExceptionClass::Benign},
    {7, "#NM", "device not available", false, ExceptionClass::Benign},
    {8, "#DF", "double fault", true, ExceptionClass::Benign},
    {9, "", "coprocessor segment overrun (reserved)", false, ExceptionClass::Benign},
    {10, "#TS", "invalid TSS", true, ExceptionClass::Contributory},
    {11, "#NP", "segment not present", true, ExceptionClass::Contributory},
    {12, "#SS", "stack-segment fault", true, ExceptionClass::Contributory},
    {13, "#GP", "general protection", true, ExceptionClass::Contributory},
    {14, "#PF", "page fault", true, ExceptionClass::PageFault},
    {15, "", "reserved", false, ExceptionClass::Benign},
    {16, "#MF", "x87 floating-point error", false, ExceptionClass::Benign},
    {17, "#AC", "alignment check", true, ExceptionClass::Benign},
    {18, "#MC", "machine check", false, ExceptionClass::Benign},
    {19, "#XM", "SIMD floating-point exception", false, ExceptionClass::Benign},
    {20, "#VE", "virtualization exception", false, ExceptionClass::Benign},
}};

constexpr std::optional<ExceptionInfo> exceptionInfo(unsigned vectorNumber)
{
    if (vectorNumber < kExceptions.size())
        return kExceptions[vectorNumber];
    return std::nullopt;
}

} // namespace vmwb
