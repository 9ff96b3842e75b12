#include "machine/PhysicalMemory.h"

#include "machine/UnicornCpu.h"

#include <sys/mman.h>

namespace vmwb {

HostBlock::HostBlock(std::size_t size) : m_size(size)
{
    // Anonymous mappings are page-aligned and zero-filled lazily, so a 16 MiB guest costs
    // nothing until it is touched.
    void *p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        throw EngineError("cannot allocate guest memory");
    m_data = static_cast<std::uint8_t *>(p);
}

HostBlock::~HostBlock()
{
    if (m_data)
        munmap(m_data, m_size);
}

PhysicalMemory::PhysicalMemory(std::size_t guestSize, std::uint64_t monitorBase,
                               std::size_t monitorSize)
    : m_guest(guestSize), m_monitorBase(monitorBase), m_monitor(monitorSize)
{}

std::uint8_t *PhysicalMemory::host(std::uint64_t address, std::size_t size)
{
    return const_cast<std::uint8_t *>(std::as_const(*this).host(address, size));
}

const std::uint8_t *PhysicalMemory::host(std::uint64_t address, std::size_t size) const
{
    if (address < m_guest.size() && size <= m_guest.size() - address)
        return m_guest.data() + address;
    if (address >= m_monitorBase && address - m_monitorBase < m_monitor.size() &&
        size <= m_monitor.size() - (address - m_monitorBase))
        return m_monitor.data() + (address - m_monitorBase);
    return nullptr;
}

bool PhysicalMemory::read(std::uint64_t address, void *buffer, std::size_t size) const
{
    const std::uint8_t *p = host(address, size);
    if (!p)
        return false;
    std::memcpy(buffer, p, size);
    return true;
}

bool PhysicalMemory::write(std::uint64_t address, const void *buffer, std::size_t size)
{
    std::uint8_t *p = host(address, size);
    if (!p)
        return false;
    std::memcpy(p, buffer, size);
    return true;
}

} // namespace vmwb
