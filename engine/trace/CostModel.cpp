#include "trace/CostModel.h"

#include "machine/UnicornCpu.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>

namespace vmwb {

const char *costKey(Cost cost)
{
    static constexpr std::array<const char *, kCostCount> kKeys{
        "instruction",        "trap_round_trip",   "monitor_emulation", "port_access",
        "exception_delivery", "vm_entry",          "vm_exit",           "vmcs_read",
        "vmcs_write",         "hypercall",         "callout",           "translated_instruction",
        "fetch_trap",         "page_fault_walk",   "tpr_write",         "exception_reflection",
        "shadow_page_fault",  "io_exit_emulation", "translated_return", "inline_tpr_access",
    };
    return kKeys[static_cast<std::size_t>(cost)];
}

namespace {
QString tr(const char *text)
{
    return QCoreApplication::translate("vmwb::CostModel", text);
}
} // namespace

std::optional<CostPreset> parseCostPreset(const QByteArray &json, const QString &fileName,
                                          CostPresetError &error)
{
    error.file = fileName;
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(json, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        error.message = tr("not valid JSON at offset %1: %2")
                            .arg(parseError.offset)
                            .arg(parseError.errorString());
        return std::nullopt;
    }
    if (!document.isObject()) {
        error.message = tr("the top level must be an object");
        return std::nullopt;
    }
    const QJsonObject root = document.object();
    CostPreset preset;
    for (const auto &[key, target] :
         {std::pair{"id", &preset.id}, std::pair{"title", &preset.title},
          std::pair{"source", &preset.source}}) {
        if (!root.value(QLatin1String(key)).isString() ||
            root.value(QLatin1String(key)).toString().isEmpty()) {
            error.message = tr("field \"%1\" must be a non-empty string").arg(QLatin1String(key));
            return std::nullopt;
        }
        *target = root.value(QLatin1String(key)).toString();
    }
    const QJsonValue costs = root.value(QLatin1String("costs"));
    if (!costs.isObject()) {
        error.message = tr("field \"costs\" must be an object");
        return std::nullopt;
    }
    for (std::size_t i = 0; i < kCostCount; ++i) {
        const QString key = QLatin1String(costKey(static_cast<Cost>(i)));
        const QJsonValue entry = costs.toObject().value(key);
        const QString field = QStringLiteral("costs.%1").arg(key);
        if (!entry.isObject()) {
            error.message = tr("field \"%1\" is missing or not an object").arg(field);
            return std::nullopt;
        }
        const QJsonValue cycles = entry.toObject().value(QLatin1String("cycles"));
        const QJsonValue source = entry.toObject().value(QLatin1String("source"));
        if (!cycles.isDouble() || cycles.toDouble() < 0 ||
            cycles.toDouble() !=
                static_cast<double>(static_cast<std::int64_t>(cycles.toDouble()))) {
            error.message =
                tr("field \"%1.cycles\" must be a whole number of cycles, 0 or more").arg(field);
            return std::nullopt;
        }
        if (!source.isString() || source.toString().isEmpty()) {
            error.message =
                tr("field \"%1.source\" must say where the number comes from").arg(field);
            return std::nullopt;
        }
        preset.values[i] = {static_cast<std::uint64_t>(cycles.toDouble()), source.toString()};
    }
    return preset;
}

CostPresets::CostPresets()
{
    const QDir directory(QStringLiteral(":/vmwb/costs"));
    const QStringList files =
        directory.entryList({QStringLiteral("*.json")}, QDir::Files, QDir::Name);
    for (const QString &name : files) {
        QFile file(directory.filePath(name));
        if (!file.open(QIODevice::ReadOnly))
            throw EngineError("cannot read built-in cost preset " + name.toStdString());
        CostPresetError error;
        auto preset = parseCostPreset(file.readAll(), name, error);
        if (!preset) {
            throw EngineError("built-in cost preset " + name.toStdString() + ": " +
                              error.message.toStdString());
        }
        m_presets.push_back(std::move(*preset));
    }
    if (m_presets.empty())
        throw EngineError("no cost presets are compiled in");
}

const CostPreset *CostPresets::find(const QString &id) const
{
    for (const auto &preset : m_presets) {
        if (preset.id == id)
            return &preset;
    }
    return nullptr;
}

} // namespace vmwb
