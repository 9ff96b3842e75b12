#pragma once

// The x86-64 decoder: one wrapper around Zydis, created once and reused.

#include "decode/Instruction.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <span>

namespace vmwb {

class Decoder
{
public:
    enum class Detail : std::uint8_t
    {
        Facts, // everything except text and tokens (fast: used while running)
        Full,  // also the formatted text and its tokens (for display and events)
    };

    Decoder();
    ~Decoder();
    Decoder(const Decoder &) = delete;
    Decoder &operator=(const Decoder &) = delete;

    // Decodes the instruction at the start of `bytes`, which sit at guest address `address`.
    // Returns nothing when the bytes are not a valid 64-bit mode instruction (the CPU would
    // raise #UD) or are cut short.
    std::optional<Instruction> decode(std::span<const std::uint8_t> bytes, std::uint64_t address,
                                      Detail detail = Detail::Full) const;

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace vmwb
