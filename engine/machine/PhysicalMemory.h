#pragma once

// The machine's physical memory: the guest's RAM at address 0 and the monitor's region above
// it, each one block of host memory the engine owns and maps into Unicorn with uc_mem_map_ptr.
// The engine reads page tables and guest code through these host pointers, never through
// Unicorn's virtual-address accessors (ENGINE_FACTS, "Paging").

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace vmwb {

class HostBlock
{
public:
    explicit HostBlock(std::size_t size); // zero-filled, page-aligned
    ~HostBlock();
    HostBlock(const HostBlock &) = delete;
    HostBlock &operator=(const HostBlock &) = delete;

    std::uint8_t *data() { return m_data; }
    const std::uint8_t *data() const { return m_data; }
    std::size_t size() const { return m_size; }

private:
    std::uint8_t *m_data = nullptr;
    std::size_t m_size = 0;
};

class PhysicalMemory
{
public:
    PhysicalMemory(std::size_t guestSize, std::uint64_t monitorBase, std::size_t monitorSize);

    std::size_t guestSize() const { return m_guest.size(); }
    std::uint64_t monitorBase() const { return m_monitorBase; }
    std::size_t monitorSize() const { return m_monitor.size(); }
    HostBlock &guest() { return m_guest; }
    HostBlock &monitor() { return m_monitor; }

    // Host pointer to [address, address + size) if it lies inside one block, else nullptr.
    std::uint8_t *host(std::uint64_t address, std::size_t size);
    const std::uint8_t *host(std::uint64_t address, std::size_t size) const;

    bool read(std::uint64_t address, void *buffer, std::size_t size) const;
    bool write(std::uint64_t address, const void *buffer, std::size_t size);

    template <typename T>
    bool read(std::uint64_t address, T &value) const
    {
        return read(address, &value, sizeof value);
    }
    template <typename T>
    bool write(std::uint64_t address, const T &value)
    {
        return write(address, &value, sizeof value);
    }

private:
    HostBlock m_guest;
    std::uint64_t m_monitorBase;
    HostBlock m_monitor;
};

} // namespace vmwb
