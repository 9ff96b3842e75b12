#include "machine/RegisterModel.h"

#include "common/TableColumns.h"
#include "hw/ControlRegisters.h"
#include "hw/Descriptors.h"
#include "hw/Rflags.h"

#include <QCoreApplication>
#include <QFontDatabase>
#include <QGuiApplication>
#include <QLocale>
#include <QStringList>
#include <utility>

namespace vmwb {

namespace {

// Texts marked with QT_TRANSLATE_NOOP in this file's context.
QString translated(const char *text)
{
    return QCoreApplication::translate("vmwb::RegisterModel", text);
}

enum class RegisterKind : std::uint8_t
{
    General,
    InstructionPointer,
    Flags,
    Selector,
    Control,
};

struct RegisterInfo
{
    RegisterId id;
    RegisterKind kind;
    const char *purpose; // QT_TRANSLATE_NOOP("vmwb::RegisterModel", ...)
};

// What each register is for: the architecture's role first (SDM Vol. 1, 3.4.1), then the
// System V AMD64 calling convention's, which the demos follow.
constexpr std::array<RegisterInfo, kRegisterCount> kRegisters{{
    {RegisterId::Rax, RegisterKind::General,
     QT_TRANSLATE_NOOP("vmwb::RegisterModel", "Accumulator; holds a function's return value.")},
    {RegisterId::Rbx, RegisterKind::General,
     QT_TRANSLATE_NOOP("vmwb::RegisterModel", "Base register; preserved across calls.")},
    {RegisterId::Rcx, RegisterKind::General,
     QT_TRANSLATE_NOOP("vmwb::RegisterModel",
                       "Counter for loop and rep; fourth argument of a call.")},
    {RegisterId::Rdx, RegisterKind::General,
     QT_TRANSLATE_NOOP("vmwb::RegisterModel",
                       "Data register; port number of in and out; third argument of a call.")},
    {RegisterId::Rsi, RegisterKind::General,
     QT_TRANSLATE_NOOP("vmwb::RegisterModel",
                       "Source index of string instructions; second argument of a call.")},
    {RegisterId::Rdi, RegisterKind::General,
     QT_TRANSLATE_NOOP("vmwb::RegisterModel",
                       "Destination index of string instructions; first argument of a call.")},
    {RegisterId::Rbp, RegisterKind::General,
     QT_TRANSLATE_NOOP("vmwb::RegisterModel", "Frame pointer; preserved across calls.")},
    {RegisterId::Rsp, RegisterKind::General,
     QT_TRANSLATE_NOOP("vmwb::RegisterModel", "Stack pointer: the top of the stack.")},
    {RegisterId::R8, RegisterKind::General,
     QT_TRANSLATE_NOOP("vmwb::RegisterModel", "Fifth argument of a call.")},
    {RegisterId::R9, RegisterKind::General,
     QT_TRANSLATE_NOOP("vmwb::RegisterModel", "Sixth argument of a call.")},
    {RegisterId::R10, RegisterKind::General,
     QT_TRANSLATE_NOOP("vmwb::RegisterModel", "General-purpose register.")},
    {RegisterId::R11, RegisterKind::General,
     QT_TRANSLATE_NOOP("vmwb::RegisterModel",
                       "General-purpose register; syscall saves RFLAGS here.")},
    {RegisterId::R12, RegisterKind::General,
     QT_TRANSLATE_NOOP("vmwb::RegisterModel", "General-purpose register; preserved across calls.")},
    {RegisterId::R13, RegisterKind::General,
     QT_TRANSLATE_NOOP("vmwb::RegisterModel", "General-purpose register; preserved across calls.")},
    {RegisterId::R14, RegisterKind::General,
     QT_TRANSLATE_NOOP("vmwb::RegisterModel", "General-purpose register; preserved across calls.")},
    {RegisterId::R15, RegisterKind::General,
     QT_TRANSLATE_NOOP("vmwb::RegisterModel", "General-purpose register; preserved across calls.")},
    {RegisterId::Rip, RegisterKind::InstructionPointer,
     QT_TRANSLATE_NOOP("vmwb::RegisterModel",
                       "Instruction pointer: the address of the next instruction.")},
    {RegisterId::Rflags, RegisterKind::Flags,
     QT_TRANSLATE_NOOP("vmwb::RegisterModel",
                       "Flags: status flags, the direction flag and the system flags IF and "
                       "IOPL. The Flags pane shows them bit by bit.")},
    {RegisterId::Cs, RegisterKind::Selector,
     QT_TRANSLATE_NOOP("vmwb::RegisterModel",
                       "Code segment selector; its RPL is the current privilege level (CPL).")},
    {RegisterId::Ds, RegisterKind::Selector,
     QT_TRANSLATE_NOOP("vmwb::RegisterModel",
                       "Data segment selector (its base is ignored in 64-bit mode).")},
    {RegisterId::Es, RegisterKind::Selector,
     QT_TRANSLATE_NOOP("vmwb::RegisterModel",
                       "Extra segment selector, used by string instructions' destination.")},
    {RegisterId::Fs, RegisterKind::Selector,
     QT_TRANSLATE_NOOP("vmwb::RegisterModel",
                       "FS selector; FS keeps a base in 64-bit mode (thread-local data).")},
    {RegisterId::Gs, RegisterKind::Selector,
     QT_TRANSLATE_NOOP("vmwb::RegisterModel",
                       "GS selector; GS keeps a base in 64-bit mode (per-CPU data of kernels).")},
    {RegisterId::Ss, RegisterKind::Selector,
     QT_TRANSLATE_NOOP("vmwb::RegisterModel", "Stack segment selector; its RPL equals the CPL.")},
    {RegisterId::Cr0, RegisterKind::Control,
     QT_TRANSLATE_NOOP("vmwb::RegisterModel",
                       "System control flags: protection, paging, write protection.")},
    {RegisterId::Cr2, RegisterKind::Control,
     QT_TRANSLATE_NOOP("vmwb::RegisterModel", "The linear address of the last page fault.")},
    {RegisterId::Cr3, RegisterKind::Control,
     QT_TRANSLATE_NOOP("vmwb::RegisterModel",
                       "Page-table base: the physical address of the top-level page table.")},
    {RegisterId::Cr4, RegisterKind::Control,
     QT_TRANSLATE_NOOP("vmwb::RegisterModel",
                       "Enables architecture extensions (PAE, global pages, SMEP, VMX, ...).")},
}};

constexpr bool registersInOrder()
{
    for (std::size_t i = 0; i < kRegisters.size(); ++i) {
        if (static_cast<std::size_t>(kRegisters[i].id) != i)
            return false;
    }
    return true;
}
static_assert(registersInOrder(), "kRegisters must list every RegisterId in order");

constexpr std::array<ColumnHeader, RegisterModel::ColumnCount> kColumns{{
    {QT_TRANSLATE_NOOP("vmwb::RegisterModel", "Register"),
     QT_TRANSLATE_NOOP("vmwb::RegisterModel", "The registers of the real CPU")},
    {QT_TRANSLATE_NOOP("vmwb::RegisterModel", "Value"),
     QT_TRANSLATE_NOOP("vmwb::RegisterModel",
                       "The value in hex; values the last step changed are highlighted. Hover "
                       "for decimal; double-click to change one while the guest is paused.")},
}};

struct NamedBit
{
    std::uint64_t mask;
    const char *name;
};

// SDM Vol. 3A, 2.5, Figure 2-7.
constexpr NamedBit kCr0Bits[] = {
    {cr0::kPE, "PE"}, {cr0::kMP, "MP"}, {cr0::kEM, "EM"}, {cr0::kTS, "TS"},
    {cr0::kET, "ET"}, {cr0::kNE, "NE"}, {cr0::kWP, "WP"}, {cr0::kAM, "AM"},
    {cr0::kNW, "NW"}, {cr0::kCD, "CD"}, {cr0::kPG, "PG"},
};

// SDM Vol. 3A, 2.5, Figure 2-7.
constexpr NamedBit kCr4Bits[] = {
    {cr4::kVME, "VME"},
    {cr4::kPVI, "PVI"},
    {cr4::kTSD, "TSD"},
    {cr4::kDE, "DE"},
    {cr4::kPSE, "PSE"},
    {cr4::kPAE, "PAE"},
    {cr4::kMCE, "MCE"},
    {cr4::kPGE, "PGE"},
    {cr4::kPCE, "PCE"},
    {cr4::kOSFXSR, "OSFXSR"},
    {cr4::kOSXMMEXCPT, "OSXMMEXCPT"},
    {cr4::kUMIP, "UMIP"},
    {cr4::kLA57, "LA57"},
    {cr4::kVMXE, "VMXE"},
    {cr4::kSMXE, "SMXE"},
    {cr4::kFSGSBASE, "FSGSBASE"},
    {cr4::kPCIDE, "PCIDE"},
    {cr4::kOSXSAVE, "OSXSAVE"},
    {cr4::kSMEP, "SMEP"},
    {cr4::kSMAP, "SMAP"},
    {cr4::kPKE, "PKE"},
};

// CR3 without PCIDs: bits 51:12 hold the physical address of the PML4 table, bits 3 and 4 are
// PWT and PCD (SDM Vol. 3A, 4.5, Table 4-12).
constexpr std::uint64_t kCr3TableMask = 0x000F'FFFF'FFFF'F000ULL;

// A selector: index << 3 | TI << 2 | RPL (SDM Vol. 3A, 3.4.2, Figure 3-6).
constexpr unsigned kSelectorIndexShift = 3;
constexpr std::uint64_t kSelectorTi = 1ULL << 2;

template <std::size_t N>
QStringList setBitNames(std::uint64_t value, const NamedBit (&bits)[N])
{
    QStringList names;
    for (const NamedBit &bit : bits) {
        if (value & bit.mask)
            names << QString::fromLatin1(bit.name);
    }
    return names;
}

QStringList rflagsNames(std::uint64_t value)
{
    QStringList names;
    for (const rflags::Field &field : rflags::kFields) {
        const auto mask = ((1ULL << field.width) - 1) << field.bit;
        if (field.width > 1)
            names << QStringLiteral("%1=%2")
                         .arg(QString::fromLatin1(field.name))
                         .arg((value & mask) >> field.bit);
        else if (value & mask)
            names << QString::fromLatin1(field.name);
    }
    return names;
}

QString cleanedDigits(const QString &text)
{
    QString result;
    result.reserve(text.size());
    for (const QChar c : text) {
        // Digit groups people type or paste: underscores, spaces (also thin and no-break ones)
        // and the apostrophes of C++ literals.
        if (c.isSpace() || c == QLatin1Char('_') || c == QLatin1Char('\''))
            continue;
        result += c.toLower();
    }
    return result;
}

bool allDigits(const QString &text, int base)
{
    for (const QChar c : text) {
        const bool decimal = c >= QLatin1Char('0') && c <= QLatin1Char('9');
        const bool hexLetter = c >= QLatin1Char('a') && c <= QLatin1Char('f');
        if (!decimal && !(base == 16 && hexLetter))
            return false;
    }
    return !text.isEmpty();
}

} // namespace

std::optional<quint64> parseRegisterValue(const QString &text)
{
    QString digits = cleanedDigits(text);
    bool negative = false;
    if (digits.startsWith(QLatin1Char('-'))) {
        negative = true;
        digits.remove(0, 1);
    }
    int base = 10;
    if (digits.startsWith(QLatin1String("0x"))) {
        base = 16;
        digits.remove(0, 2);
    } else if (digits.endsWith(QLatin1Char('h'))) {
        base = 16;
        digits.chop(1);
    } else if ((digits.size() > 1 && digits.startsWith(QLatin1Char('0'))) ||
               !allDigits(digits, 10)) {
        // The pane shows hex with leading zeros; nobody writes decimal that way.
        base = 16;
    }
    if (!allDigits(digits, base))
        return std::nullopt;
    bool ok = false;
    const quint64 value = digits.toULongLong(&ok, base);
    if (!ok)
        return std::nullopt;
    if (!negative)
        return value;
    if (value > (1ULL << 63))
        return std::nullopt;
    return ~value + 1; // two's complement
}

RegisterModel::RegisterModel(QObject *parent)
    : QAbstractTableModel(parent), m_colors(WorkbenchColors::forPalette(QGuiApplication::palette()))
{}

void RegisterModel::setSnapshot(const MachineSnapshot &snapshot)
{
    m_valid = snapshot.valid;
    m_values = snapshot.registers;
    m_changed = snapshot.changed;
    m_realCpl = snapshot.realCpl;
    emitAllChanged();
}

void RegisterModel::setEditable(bool editable)
{
    if (editable == m_editable)
        return;
    m_editable = editable;
    emitAllChanged();
}

void RegisterModel::setEditCallback(EditCallback callback)
{
    m_editCallback = std::move(callback);
}

void RegisterModel::setColors(const WorkbenchColors &colors)
{
    m_colors = colors;
    emitAllChanged();
}

void RegisterModel::emitAllChanged()
{
    emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
}

int RegisterModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(kRegisterCount);
}

int RegisterModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant RegisterModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid())
        return {};
    Q_ASSERT(checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid));
    const RegisterId id = registerAt(index.row());
    const auto slot = static_cast<std::size_t>(index.row());
    const quint64 value = m_values[slot];
    const bool changed = m_valid && m_changed[slot];
    switch (role) {
    case Qt::DisplayRole:
        if (index.column() == NameColumn)
            return QString::fromLatin1(registerName(id));
        return m_valid ? groupedHex(value) : QString();
    case Qt::EditRole:
        if (index.column() == NameColumn)
            return QString::fromLatin1(registerName(id));
        return groupedHex(value);
    case Qt::ToolTipRole:
        return toolTip(id);
    case Qt::BackgroundRole:
        if (changed)
            return m_colors.changed;
        return {};
    case Qt::ForegroundRole:
        // The highlight colours are light in the light palette and dark in the dark one, so
        // the palette's text colour stays readable on them.
        if (changed)
            return m_colors.text;
        return {};
    case RegisterIdRole:
        return static_cast<int>(id);
    case ValueRole:
        return value;
    case ChangedRole:
        return changed;
    default:
        return {};
    }
}

QString RegisterModel::toolTip(RegisterId id) const
{
    const auto slot = static_cast<std::size_t>(id);
    const RegisterInfo &info = kRegisters[slot];
    QString html =
        QStringLiteral("<p><b>%1</b> &mdash; %2</p>")
            .arg(QString::fromLatin1(registerName(id)), translated(info.purpose).toHtmlEscaped());
    if (!m_valid)
        return html;
    const quint64 value = m_values[slot];
    const QLocale locale;
    html += QStringLiteral("<table cellspacing=\"0\" cellpadding=\"1\">");
    const auto row = [&html](const QString &label, const QString &text) {
        html += QStringLiteral("<tr><td>%1&nbsp;&nbsp;</td><td><tt>%2</tt></td></tr>")
                    .arg(label.toHtmlEscaped(), text.toHtmlEscaped());
    };
    row(tr("Hex"), groupedHex(value));
    row(tr("Unsigned"), locale.toString(static_cast<qulonglong>(value)));
    row(tr("Signed"), locale.toString(static_cast<qlonglong>(value)));
    html += QStringLiteral("</table>");
    if (const QString bits = bitsText(info.id, value); !bits.isEmpty())
        html += QStringLiteral("<p>%1</p>").arg(bits.toHtmlEscaped());
    if (m_changed[slot])
        html +=
            QStringLiteral("<p><i>%1</i></p>").arg(tr("Changed by the last step.").toHtmlEscaped());
    QString editing;
    if (!registerEditable(id))
        editing = tr("Shown only: the emulator does not let the workbench change it.");
    else if (m_editable)
        editing = tr("Double-click to change it: type hex (0x10, 10h) or decimal (16, -1).");
    else
        editing = tr("Pause the guest to change it.");
    html += QStringLiteral("<p><i>%1</i></p>").arg(editing.toHtmlEscaped());
    return html;
}

QString RegisterModel::bitsText(RegisterId id, quint64 value) const
{
    const auto setNames = [](const QStringList &names) {
        return tr("Set: %1").arg(names.isEmpty() ? tr("none") : names.join(QLatin1Char(' ')));
    };
    switch (id) {
    case RegisterId::Rflags:
        return setNames(rflagsNames(value));
    case RegisterId::Cr0:
        return setNames(setBitNames(value, kCr0Bits));
    case RegisterId::Cr4:
        return setNames(setBitNames(value, kCr4Bits));
    case RegisterId::Cr3:
        return tr("Top-level page table at %1").arg(groupedHex(value & kCr3TableMask));
    default:
        break;
    }
    if (kRegisters[static_cast<std::size_t>(id)].kind != RegisterKind::Selector)
        return {};
    const auto selector = static_cast<std::uint16_t>(value);
    QString text = tr("Index %1, table %2, RPL %3")
                       .arg(selector >> kSelectorIndexShift)
                       .arg((selector & kSelectorTi) ? tr("LDT") : tr("GDT"))
                       .arg(selectorRpl(selector));
    if (id == RegisterId::Cs)
        text += QLatin1Char(' ') + tr("(the CPU runs at CPL %1)").arg(m_realCpl);
    return text;
}

QVariant RegisterModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    return columnHeaderData(kColumns, "vmwb::RegisterModel", section, orientation, role);
}

Qt::ItemFlags RegisterModel::flags(const QModelIndex &index) const
{
    Qt::ItemFlags result = readOnlyCellFlags(index);
    if (result == Qt::NoItemFlags)
        return result;
    if (index.column() == ValueColumn && m_valid && m_editable &&
        registerEditable(registerAt(index.row())))
        result |= Qt::ItemIsEditable;
    return result;
}

bool RegisterModel::setData(const QModelIndex &index, const QVariant &value, int role)
{
    if (role != Qt::EditRole || !(flags(index) & Qt::ItemIsEditable))
        return false;
    const std::optional<quint64> parsed = parseRegisterValue(value.toString());
    if (!parsed)
        return false;
    const RegisterId id = registerAt(index.row());
    // Shown at once; the controller's next snapshot confirms it.
    m_values[static_cast<std::size_t>(index.row())] = *parsed;
    emit dataChanged(this->index(index.row(), 0), this->index(index.row(), ColumnCount - 1));
    if (m_editCallback)
        m_editCallback(id, *parsed);
    emit registerEdited(id, *parsed);
    return true;
}

} // namespace vmwb
