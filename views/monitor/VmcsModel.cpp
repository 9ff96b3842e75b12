#include "monitor/VmcsModel.h"

#include "common/Format.h"
#include "common/TableColumns.h"
#include "hw/Exceptions.h"

#include <QCoreApplication>
#include <QGuiApplication>
#include <QStringList>
#include <array>

namespace vmwb {

namespace {

constexpr auto kVmcsContext = "vmwb::Vmcs";
// internalId() of an area row; a field row's is its group's number plus one.
constexpr quintptr kAreaRow = 0;

constexpr std::array<ColumnHeader, VmcsModel::ColumnCount> kColumns{{
    {QT_TRANSLATE_NOOP("vmwb::VmcsModel", "Field"),
     QT_TRANSLATE_NOOP("vmwb::VmcsModel", "The field, grouped by the VMCS area it belongs to")},
    {QT_TRANSLATE_NOOP("vmwb::VmcsModel", "Name"),
     QT_TRANSLATE_NOOP("vmwb::VmcsModel",
                       "The field's name as in the Intel SDM and Linux's vmx.h")},
    {QT_TRANSLATE_NOOP("vmwb::VmcsModel", "Encoding"),
     QT_TRANSLATE_NOOP("vmwb::VmcsModel",
                       "The number VMREAD and VMWRITE take for the field: width in bits 14:13, "
                       "type in bits 11:10, index in bits 9:1 (SDM Vol. 3, appendix B)")},
    {QT_TRANSLATE_NOOP("vmwb::VmcsModel", "Value"),
     QT_TRANSLATE_NOOP("vmwb::VmcsModel",
                       "The field's value now; highlighted if it differs from when the program "
                       "started")},
}};

// Hex digits a field of `width` shows.
int digitsOf(vmx::FieldWidth width)
{
    switch (width) {
    case vmx::FieldWidth::Bits16:
        return 4;
    case vmx::FieldWidth::Bits32:
        return 8;
    case vmx::FieldWidth::Bits64:
    case vmx::FieldWidth::Natural:
        break;
    }
    return 16;
}

QString widthName(vmx::FieldWidth width)
{
    switch (width) {
    case vmx::FieldWidth::Bits16:
        return VmcsModel::tr("16-bit");
    case vmx::FieldWidth::Bits32:
        return VmcsModel::tr("32-bit");
    case vmx::FieldWidth::Bits64:
        return VmcsModel::tr("64-bit");
    case vmx::FieldWidth::Natural:
        break;
    }
    return VmcsModel::tr("natural-width");
}

std::vector<int> bitsSet(std::uint64_t value)
{
    std::vector<int> bits;
    for (int bit = 0; bit < 64; ++bit) {
        if ((value >> bit) & 1U)
            bits.push_back(bit);
    }
    return bits;
}

QString bitList(const std::vector<int> &bits)
{
    QStringList numbers;
    for (int bit : bits)
        numbers << QString::number(bit);
    return numbers.join(QStringLiteral(", "));
}

bool isControlVector(vmx::Field field)
{
    switch (field) {
    case vmx::Field::PinBasedControls:
    case vmx::Field::PrimaryProcessorControls:
    case vmx::Field::SecondaryProcessorControls:
    case vmx::Field::ExitControls:
    case vmx::Field::EntryControls:
        return true;
    default:
        return false;
    }
}

// The controls of a control field that are on, by name, and its other bits that are on.
QString describeControls(vmx::Field field, std::uint64_t value)
{
    QStringList named;
    std::uint64_t rest = value;
    for (const vmx::ControlInfo &info : vmx::allControls()) {
        if (info.field != field)
            continue;
        const std::uint64_t mask = std::uint64_t{1} << info.bit;
        if ((value & mask) != 0) {
            named << VmcsModel::tr("%1 (bit %2)")
                         .arg(QCoreApplication::translate(kVmcsContext, info.title))
                         .arg(info.bit);
        }
        rest &= ~mask;
    }
    QStringList parts;
    if (!named.isEmpty())
        parts << VmcsModel::tr("On: %1").arg(named.join(QStringLiteral(", ")));
    if (rest != 0) {
        parts << (named.isEmpty() ? VmcsModel::tr("Bits on: %1")
                                  : VmcsModel::tr("Other bits on: %1"))
                     .arg(bitList(bitsSet(rest)));
    }
    if (parts.isEmpty())
        return VmcsModel::tr("Every bit is off");
    return parts.join(QStringLiteral("\n"));
}

QString describeExceptionBitmap(std::uint64_t bitmap)
{
    QStringList vectors;
    for (int bit : bitsSet(bitmap & 0xffffffffU)) {
        if (const auto info = exceptionInfo(static_cast<unsigned>(bit)))
            vectors << QStringLiteral("%1 (%2)").arg(bit).arg(QLatin1String(info->mnemonic));
        else
            vectors << QString::number(bit);
    }
    if (vectors.isEmpty())
        return VmcsModel::tr("No exception exits: the guest handles every one itself");
    return VmcsModel::tr("Exceptions that exit: %1").arg(vectors.join(QStringLiteral(", ")));
}

QString describeExitReason(std::uint64_t value)
{
    const auto basic = static_cast<std::uint16_t>(value & 0xffffU);
    const char *name = vmx::exitReasonName(basic);
    QString text = name != nullptr ? VmcsModel::tr("Basic exit reason %1: %2")
                                         .arg(basic)
                                         .arg(QCoreApplication::translate(kVmcsContext, name))
                                   : VmcsModel::tr("Basic exit reason %1").arg(basic);
    // SDM Vol. 3, 25.9.1: bit 31 says the exit was a failed VM entry.
    if ((value >> 31) & 1U)
        text += VmcsModel::tr(" (VM-entry failure)");
    return text;
}

QVariant alignment(Qt::Alignment value)
{
    return QVariant::fromValue(value | Qt::AlignVCenter);
}

} // namespace

QString describeVmcsField(const vmx::Vmcs &vmcs, vmx::Field field)
{
    const std::uint64_t value = vmcs.read(field);
    if (isControlVector(field))
        return describeControls(field, value);
    switch (field) {
    case vmx::Field::ExceptionBitmap:
        return describeExceptionBitmap(value);
    case vmx::Field::ExitReason:
        return describeExitReason(value);
    case vmx::Field::ExitQualification:
        return vmx::describeQualification(
            static_cast<std::uint16_t>(vmcs.read(vmx::Field::ExitReason) & 0xffffU), value);
    case vmx::Field::ExitInterruptionInfo:
    case vmx::Field::EntryInterruptionInfo:
        // Bit 31: the information is valid (SDM 25.8.3, 25.9.2).
        if (((value >> 31) & 1U) == 0)
            return VmcsModel::tr("Not valid (bit 31 is 0)");
        return vmx::describeInterruptionInfo(static_cast<std::uint32_t>(value));
    default:
        return {};
    }
}

VmcsModel::VmcsModel(QObject *parent)
    : QAbstractItemModel(parent), m_colors(WorkbenchColors::forPalette(QGuiApplication::palette()))
{
    for (const auto area :
         {vmx::Area::GuestState, vmx::Area::HostState, vmx::Area::ExecutionControls,
          vmx::Area::ExitControls, vmx::Area::EntryControls, vmx::Area::ExitInformation}) {
        Group group{area, {}};
        for (const vmx::FieldInfo &info : vmx::allFields()) {
            if (info.area == area)
                group.fields.push_back(info.field);
        }
        if (!group.fields.empty())
            m_groups.push_back(std::move(group));
    }
}

void VmcsModel::setVmcs(const std::optional<vmx::Vmcs> &vmcs,
                        std::shared_ptr<const vmx::Vmcs> start)
{
    m_vmcs = vmcs;
    m_start = std::move(start);
    m_changed.reset();
    if (m_vmcs && m_start) {
        for (const vmx::Field field : m_vmcs->changedFrom(*m_start))
            m_changed.set(static_cast<std::size_t>(field));
    }
    emitAllChanged();
}

void VmcsModel::setColors(const WorkbenchColors &colors)
{
    m_colors = colors;
    emitAllChanged();
}

void VmcsModel::emitAllChanged()
{
    for (std::size_t i = 0; i < m_groups.size(); ++i) {
        const QModelIndex area = index(static_cast<int>(i), 0);
        emit dataChanged(area, area.siblingAtColumn(ColumnCount - 1));
        const int rows = rowCount(area);
        if (rows > 0)
            emit dataChanged(index(0, 0, area), index(rows - 1, ColumnCount - 1, area));
    }
}

bool VmcsModel::isChanged(vmx::Field field) const
{
    return m_changed.test(static_cast<std::size_t>(field));
}

QModelIndex VmcsModel::indexOf(vmx::Field field, int column) const
{
    for (std::size_t i = 0; i < m_groups.size(); ++i) {
        const std::vector<vmx::Field> &fields = m_groups[i].fields;
        for (std::size_t row = 0; row < fields.size(); ++row) {
            if (fields[row] == field)
                return index(static_cast<int>(row), column, index(static_cast<int>(i), 0));
        }
    }
    return {};
}

QString VmcsModel::valueText(vmx::Field field, std::uint64_t value)
{
    return groupedHex(value, digitsOf(vmx::fieldInfo(field).width));
}

QString VmcsModel::encodingText(std::uint32_t encoding)
{
    return QStringLiteral("0x") +
           QStringLiteral("%1").arg(encoding, 4, 16, QLatin1Char('0')).toUpper();
}

const VmcsModel::Group *VmcsModel::groupOf(const QModelIndex &index) const
{
    if (!index.isValid() || index.internalId() != kAreaRow)
        return nullptr;
    return &m_groups[static_cast<std::size_t>(index.row())];
}

QModelIndex VmcsModel::index(int row, int column, const QModelIndex &parent) const
{
    if (!hasIndex(row, column, parent))
        return {};
    if (!parent.isValid())
        return createIndex(row, column, kAreaRow);
    return createIndex(row, column, static_cast<quintptr>(parent.row()) + 1);
}

QModelIndex VmcsModel::parent(const QModelIndex &child) const
{
    if (!child.isValid() || child.internalId() == kAreaRow)
        return {};
    return createIndex(static_cast<int>(child.internalId() - 1), 0, kAreaRow);
}

int VmcsModel::rowCount(const QModelIndex &parent) const
{
    if (!parent.isValid())
        return static_cast<int>(m_groups.size());
    if (parent.column() != 0)
        return 0;
    const Group *group = groupOf(parent);
    return group != nullptr ? static_cast<int>(group->fields.size()) : 0;
}

int VmcsModel::columnCount(const QModelIndex &) const
{
    return ColumnCount;
}

QVariant VmcsModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid())
        return {};
    Q_ASSERT(checkIndex(index, CheckIndexOption::IndexIsValid));
    if (const Group *group = groupOf(index))
        return areaData(*group, index.column(), role);
    const Group &group = m_groups[static_cast<std::size_t>(index.internalId() - 1)];
    return fieldData(group.fields[static_cast<std::size_t>(index.row())], index.column(), role);
}

QVariant VmcsModel::areaData(const Group &group, int column, int role) const
{
    int changed = 0;
    for (const vmx::Field field : group.fields)
        changed += isChanged(field) ? 1 : 0;
    switch (role) {
    case Qt::DisplayRole:
        if (column == FieldColumn)
            return QCoreApplication::translate(kVmcsContext, vmx::areaTitle(group.area));
        if (column == ValueColumn && changed > 0)
            return tr("%n changed", nullptr, changed);
        return {};
    case Qt::ToolTipRole:
        return tr("%1: %n field(s) modelled", nullptr, static_cast<int>(group.fields.size()))
            .arg(QCoreApplication::translate(kVmcsContext, vmx::areaTitle(group.area)));
    case Qt::FontRole:
        if (column == FieldColumn) {
            QFont font;
            font.setBold(true);
            return font;
        }
        return {};
    case Qt::ForegroundRole:
        return column == FieldColumn ? m_colors.text : m_colors.dimText;
    case Qt::TextAlignmentRole:
        return alignment(Qt::AlignLeft);
    case FieldRole:
        return -1;
    case AreaRole:
        return static_cast<int>(group.area);
    case ChangedRole:
        return changed > 0;
    default:
        return {};
    }
}

QVariant VmcsModel::fieldData(vmx::Field field, int column, int role) const
{
    const vmx::FieldInfo &info = vmx::fieldInfo(field);
    const bool changed = isChanged(field);
    switch (role) {
    case Qt::DisplayRole:
        switch (column) {
        case FieldColumn:
            return QCoreApplication::translate(kVmcsContext, info.title);
        case NameColumn:
            return QLatin1String(info.name);
        case EncodingColumn:
            return encodingText(info.encoding());
        case ValueColumn:
            return m_vmcs ? QVariant(valueText(field, m_vmcs->read(field))) : QVariant();
        default:
            return {};
        }
    case Qt::ToolTipRole:
        return fieldToolTip(field);
    case Qt::FontRole:
        if (column == NameColumn || column == EncodingColumn || column == ValueColumn) {
            QFont font = valueFont();
            font.setBold(column == ValueColumn && changed);
            return font;
        }
        return {};
    case Qt::BackgroundRole:
        if (column == ValueColumn && changed)
            return m_colors.changed;
        return {};
    case Qt::ForegroundRole:
        if (column == NameColumn || column == EncodingColumn)
            return m_colors.dimText;
        return m_colors.text;
    case Qt::TextAlignmentRole:
        return alignment(Qt::AlignLeft);
    case FieldRole:
        return static_cast<int>(field);
    case AreaRole:
        return static_cast<int>(info.area);
    case EncodingRole:
        return static_cast<quint32>(info.encoding());
    case ValueRole:
        return m_vmcs ? QVariant(static_cast<quint64>(m_vmcs->read(field))) : QVariant();
    case ChangedRole:
        return changed;
    default:
        return {};
    }
}

QString VmcsModel::fieldToolTip(vmx::Field field) const
{
    const vmx::FieldInfo &info = vmx::fieldInfo(field);
    QString tip =
        tr("<p><b>%1</b> &mdash; <tt>%2</tt>, encoding <tt>%3</tt></p>"
           "<p>%4 field of the %5 area (SDM Vol. 3, appendix B)</p>")
            .arg(QCoreApplication::translate(kVmcsContext, info.title).toHtmlEscaped(),
                 QLatin1String(info.name), encodingText(info.encoding()), widthName(info.width),
                 QCoreApplication::translate(kVmcsContext, vmx::areaTitle(info.area))
                     .toHtmlEscaped());
    if (!m_vmcs)
        return tip;
    const std::uint64_t value = m_vmcs->read(field);
    tip += tr("<p>Value: <tt>%1</tt></p>").arg(valueText(field, value));
    const QString meaning = describeVmcsField(*m_vmcs, field);
    if (!meaning.isEmpty())
        tip += QStringLiteral("<p>%1</p>")
                   .arg(meaning.toHtmlEscaped().replace(QLatin1Char('\n'), QLatin1String("<br>")));
    if (isChanged(field) && m_start) {
        tip += tr("<p>Changed since the program started, when it was <tt>%1</tt>.</p>")
                   .arg(valueText(field, m_start->read(field)));
    }
    return tip;
}

QVariant VmcsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    return columnHeaderData(kColumns, "vmwb::VmcsModel", section, orientation, role);
}

Qt::ItemFlags VmcsModel::flags(const QModelIndex &index) const
{
    if (!index.isValid())
        return Qt::NoItemFlags;
    Qt::ItemFlags flags = Qt::ItemIsEnabled | Qt::ItemIsSelectable;
    if (index.internalId() != kAreaRow)
        flags |= Qt::ItemNeverHasChildren;
    return flags;
}

} // namespace vmwb
