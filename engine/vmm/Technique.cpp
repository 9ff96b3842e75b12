#include "vmm/Technique.h"

#include "vmm/BinaryTranslation.h"
#include "vmm/HardwareAssisted.h"
#include "vmm/Native.h"
#include "vmm/Paravirtual.h"
#include "vmm/TrapAndEmulate.h"

namespace vmwb {

TechniqueRegistry TechniqueRegistry::builtIn()
{
    TechniqueRegistry registry;
    registry.add(Native::staticInfo(), [] { return std::make_unique<Native>(); });
    registry.add(TrapAndEmulate::staticInfo(), [] { return std::make_unique<TrapAndEmulate>(); });
    registry.add(Paravirtual::staticInfo(), [] { return std::make_unique<Paravirtual>(); });
    registry.add(BinaryTranslation::staticInfo(),
                 [] { return std::make_unique<BinaryTranslation>(); });
    registry.add(HardwareAssisted::staticInfo(),
                 [] { return std::make_unique<HardwareAssisted>(); });
    return registry;
}

void TechniqueRegistry::add(TechniqueInfo info, Factory factory)
{
    m_entries.push_back({std::move(info), std::move(factory)});
}

std::vector<TechniqueInfo> TechniqueRegistry::techniques() const
{
    std::vector<TechniqueInfo> result;
    result.reserve(m_entries.size());
    for (const auto &entry : m_entries)
        result.push_back(entry.info);
    return result;
}

bool TechniqueRegistry::contains(const QString &id) const
{
    return std::any_of(m_entries.begin(), m_entries.end(),
                       [&id](const Entry &entry) { return entry.info.id == id; });
}

std::unique_ptr<Technique> TechniqueRegistry::create(const QString &id) const
{
    for (const auto &entry : m_entries) {
        if (entry.info.id == id)
            return entry.factory();
    }
    return nullptr;
}

} // namespace vmwb
