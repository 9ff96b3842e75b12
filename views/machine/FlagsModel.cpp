#include "machine/FlagsModel.h"

#include "common/TableColumns.h"
#include "hw/Rflags.h"

#include <QCoreApplication>
#include <QGuiApplication>
#include <QStringList>
#include <array>
#include <string_view>

namespace vmwb {

namespace {

// Texts marked with QT_TRANSLATE_NOOP in this file's context.
QString translated(const char *text)
{
    return QCoreApplication::translate("vmwb::FlagsModel", text);
}

// Where the guest kernel's belief about a row comes from.
enum class GuestSource : std::uint8_t
{
    RealBit,     // the guest sees the real bit: no technique keeps a copy
    VirtualIf,   // VirtualCpu::interruptFlag
    VirtualIopl, // VirtualCpu::iopl
    VirtualCpl,  // VirtualCpu::cpl
};

struct FlagRow
{
    const char *name; // as in rflags::kFields, or "CPL"
    int bit;          // lowest bit in RFLAGS; -1 for the CPL, which is not in RFLAGS
    int width;
    GuestSource guest;
    const char *title; // QT_TRANSLATE_NOOP("vmwb::FlagsModel", ...)
    const char *help;  // QT_TRANSLATE_NOOP("vmwb::FlagsModel", ...)
    // Why a deprivileged guest's belief differs from the real CPU (lecture wording, %1 is the
    // ring the guest kernel really runs at); nullptr where the guest sees the real value.
    const char *difference;
};

// The help texts summarise the Intel SDM Vol. 1, 3.4.3 ("EFLAGS Register") and, for the
// system flags, Vol. 3A 2.3 ("System Flags and Fields in the EFLAGS Register"); the CPL is
// from Vol. 3A 5.5 ("Privilege Levels").
constexpr std::array<FlagRow, rflags::kFields.size() + 1> kRows{{
    {"CF", 0, 1, GuestSource::RealBit, QT_TRANSLATE_NOOP("vmwb::FlagsModel", "Carry"),
     QT_TRANSLATE_NOOP("vmwb::FlagsModel",
                       "Set when an arithmetic operation carries out of, or borrows into, the "
                       "most significant bit of the result: unsigned overflow. adc and sbb use "
                       "it for multi-word arithmetic; stc, clc and cmc change it directly."),
     nullptr},
    {"PF", 2, 1, GuestSource::RealBit, QT_TRANSLATE_NOOP("vmwb::FlagsModel", "Parity"),
     QT_TRANSLATE_NOOP("vmwb::FlagsModel",
                       "Set when the least significant byte of the result has an even number of "
                       "1 bits."),
     nullptr},
    {"AF", 4, 1, GuestSource::RealBit, QT_TRANSLATE_NOOP("vmwb::FlagsModel", "Auxiliary carry"),
     QT_TRANSLATE_NOOP("vmwb::FlagsModel",
                       "Set when an arithmetic operation carries out of, or borrows into, bit 3 "
                       "of the result; used by BCD arithmetic."),
     nullptr},
    {"ZF", 6, 1, GuestSource::RealBit, QT_TRANSLATE_NOOP("vmwb::FlagsModel", "Zero"),
     QT_TRANSLATE_NOOP("vmwb::FlagsModel", "Set when the result is zero."), nullptr},
    {"SF", 7, 1, GuestSource::RealBit, QT_TRANSLATE_NOOP("vmwb::FlagsModel", "Sign"),
     QT_TRANSLATE_NOOP("vmwb::FlagsModel",
                       "Equal to the most significant bit of the result, which is the sign of a "
                       "signed integer (1: negative)."),
     nullptr},
    {"TF", 8, 1, GuestSource::RealBit, QT_TRANSLATE_NOOP("vmwb::FlagsModel", "Trap"),
     QT_TRANSLATE_NOOP("vmwb::FlagsModel",
                       "When set, the processor raises a debug exception (#DB) after every "
                       "instruction: single-stepping for debuggers."),
     nullptr},
    {"IF", 9, 1, GuestSource::VirtualIf, QT_TRANSLATE_NOOP("vmwb::FlagsModel", "Interrupt enable"),
     QT_TRANSLATE_NOOP("vmwb::FlagsModel",
                       "When set, the processor accepts maskable external interrupts (such as "
                       "the timer's); when clear, it holds them off. NMIs and exceptions are not "
                       "affected. sti sets it and cli clears it; popf and iret load it. Code may "
                       "change it only if its CPL is at most IOPL."),
     QT_TRANSLATE_NOOP("vmwb::FlagsModel",
                       "The guest kernel runs at CPL %1; the monitor keeps the real IF at 1, so "
                       "that every interrupt reaches it, and keeps the guest's IF in its virtual "
                       "CPU. cli and sti trap and change only that copy.")},
    {"DF", 10, 1, GuestSource::RealBit, QT_TRANSLATE_NOOP("vmwb::FlagsModel", "Direction"),
     QT_TRANSLATE_NOOP("vmwb::FlagsModel",
                       "When set, string instructions (movs, cmps, scas, lods, stos) step from "
                       "high addresses to low ones; when clear, from low to high. std sets it, "
                       "cld clears it."),
     nullptr},
    {"OF", 11, 1, GuestSource::RealBit, QT_TRANSLATE_NOOP("vmwb::FlagsModel", "Overflow"),
     QT_TRANSLATE_NOOP("vmwb::FlagsModel",
                       "Set when the result is too large or too small to fit the destination as "
                       "a signed (two's complement) number: signed overflow."),
     nullptr},
    {"IOPL", 12, 2, GuestSource::VirtualIopl,
     QT_TRANSLATE_NOOP("vmwb::FlagsModel", "I/O privilege level"),
     QT_TRANSLATE_NOOP("vmwb::FlagsModel",
                       "Two bits: the least privileged CPL that may still execute in, out, ins, "
                       "outs, cli and sti (and change IF with popf). Only code at CPL 0 can "
                       "change IOPL; popf elsewhere leaves it alone."),
     QT_TRANSLATE_NOOP("vmwb::FlagsModel",
                       "The guest kernel runs at CPL %1; the monitor keeps the real IOPL at 0, "
                       "so that cli, sti, in and out trap, and keeps the guest's IOPL in its "
                       "virtual CPU.")},
    {"NT", 14, 1, GuestSource::RealBit, QT_TRANSLATE_NOOP("vmwb::FlagsModel", "Nested task"),
     QT_TRANSLATE_NOOP("vmwb::FlagsModel",
                       "Set when the current task was entered by a task switch from a call, "
                       "interrupt or exception, so that iret switches back. 64-bit mode has no "
                       "task switches: iret with NT set raises #GP."),
     nullptr},
    {"RF", 16, 1, GuestSource::RealBit, QT_TRANSLATE_NOOP("vmwb::FlagsModel", "Resume"),
     QT_TRANSLATE_NOOP("vmwb::FlagsModel",
                       "When set, instruction breakpoints in the debug registers are ignored for "
                       "one instruction, so a debugger can resume at a breakpoint without "
                       "hitting it again."),
     nullptr},
    {"VM", 17, 1, GuestSource::RealBit, QT_TRANSLATE_NOOP("vmwb::FlagsModel", "Virtual-8086 mode"),
     QT_TRANSLATE_NOOP("vmwb::FlagsModel",
                       "When set in protected mode, the processor runs 8086 code in virtual-8086 "
                       "mode. It cannot be set in 64-bit mode."),
     nullptr},
    {"AC", 18, 1, GuestSource::RealBit, QT_TRANSLATE_NOOP("vmwb::FlagsModel", "Alignment check"),
     QT_TRANSLATE_NOOP("vmwb::FlagsModel",
                       "With CR0.AM set, unaligned memory accesses at CPL 3 raise #AC. With "
                       "CR4.SMAP set, it lets the kernel access user pages (stac sets it, clac "
                       "clears it)."),
     nullptr},
    {"VIF", 19, 1, GuestSource::RealBit, QT_TRANSLATE_NOOP("vmwb::FlagsModel", "Virtual interrupt"),
     QT_TRANSLATE_NOOP("vmwb::FlagsModel",
                       "A virtual image of IF, used with VIP when CR4.VME or CR4.PVI is set: cli "
                       "and sti at CPL 3 then change VIF instead of faulting. It is the "
                       "hardware's version of the virtual IF this monitor keeps in software."),
     nullptr},
    {"VIP", 20, 1, GuestSource::RealBit,
     QT_TRANSLATE_NOOP("vmwb::FlagsModel", "Virtual interrupt pending"),
     QT_TRANSLATE_NOOP("vmwb::FlagsModel",
                       "Set by a monitor to say that an interrupt waits for the guest; with VIF, "
                       "the processor raises #GP when the guest sets VIF again, so the monitor "
                       "can deliver it."),
     nullptr},
    {"ID", 21, 1, GuestSource::RealBit, QT_TRANSLATE_NOOP("vmwb::FlagsModel", "Identification"),
     QT_TRANSLATE_NOOP("vmwb::FlagsModel",
                       "If software can change this bit, the processor supports the cpuid "
                       "instruction."),
     nullptr},
    {"CPL", -1, 2, GuestSource::VirtualCpl,
     QT_TRANSLATE_NOOP("vmwb::FlagsModel", "Current privilege level"),
     QT_TRANSLATE_NOOP("vmwb::FlagsModel",
                       "Not a bit of RFLAGS: the privilege level of the running code, held in "
                       "the low two bits of CS. 0 is the kernel's ring, 3 the applications'. "
                       "Privileged instructions fault unless the CPL is 0."),
     QT_TRANSLATE_NOOP("vmwb::FlagsModel",
                       "The monitor deprivileged the guest kernel to CPL %1. The kernel believes "
                       "it runs at CPL 0; its privileged instructions fault into the monitor, "
                       "which emulates them against the virtual CPU.")},
}};

constexpr bool rowsMatchFields()
{
    for (std::size_t i = 0; i < rflags::kFields.size(); ++i) {
        const rflags::Field &field = rflags::kFields[i];
        if (kRows[i].bit != field.bit || kRows[i].width != field.width ||
            std::string_view(kRows[i].name) != std::string_view(field.name))
            return false;
    }
    return kRows.back().bit < 0;
}
static_assert(rowsMatchFields(), "kRows must list rflags::kFields in order, then the CPL");

constexpr std::array<ColumnHeader, FlagsModel::ColumnCount> kColumns{{
    {QT_TRANSLATE_NOOP("vmwb::FlagsModel", "Flag"),
     QT_TRANSLATE_NOOP("vmwb::FlagsModel", "The field of RFLAGS (and the CPL, which is in CS)")},
    {QT_TRANSLATE_NOOP("vmwb::FlagsModel", "Meaning"),
     QT_TRANSLATE_NOOP("vmwb::FlagsModel", "What the field is for; hover for the manual's story")},
    {QT_TRANSLATE_NOOP("vmwb::FlagsModel", "Guest\nbelieves"),
     QT_TRANSLATE_NOOP("vmwb::FlagsModel",
                       "The value the guest kernel believes it has: for IF, IOPL and CPL the "
                       "monitor's virtual CPU, for the other flags the real bits")},
    {QT_TRANSLATE_NOOP("vmwb::FlagsModel", "Real\nCPU"),
     QT_TRANSLATE_NOOP("vmwb::FlagsModel", "The value in the real processor's RFLAGS and CS")},
    {QT_TRANSLATE_NOOP("vmwb::FlagsModel", "Next\ninstruction"),
     QT_TRANSLATE_NOOP("vmwb::FlagsModel",
                       "Whether the instruction at RIP (the next to execute) reads or writes the "
                       "flag")},
}};

const FlagRow &rowInfo(int row)
{
    return kRows[static_cast<std::size_t>(row)];
}

std::uint64_t fieldMask(const FlagRow &row)
{
    return row.bit < 0 ? 0 : ((1ULL << row.width) - 1) << row.bit;
}

} // namespace

FlagsModel::FlagsModel(QObject *parent)
    : QAbstractTableModel(parent), m_colors(WorkbenchColors::forPalette(QGuiApplication::palette()))
{}

int FlagsModel::rowOf(const QString &name)
{
    for (std::size_t i = 0; i < kRows.size(); ++i) {
        if (name == QLatin1String(kRows[i].name))
            return static_cast<int>(i);
    }
    return -1;
}

void FlagsModel::setSnapshot(const MachineSnapshot &snapshot)
{
    m_valid = snapshot.valid;
    m_realFlags = snapshot.registerValue(RegisterId::Rflags);
    m_realCpl = snapshot.realCpl;
    m_guest = snapshot.guest;
    m_guestRing = snapshot.guestRing;
    m_current = snapshot.current;
    emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
}

void FlagsModel::setColors(const WorkbenchColors &colors)
{
    m_colors = colors;
    emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
}

unsigned FlagsModel::realValue(int row) const
{
    const FlagRow &info = rowInfo(row);
    if (info.guest == GuestSource::VirtualCpl)
        return m_realCpl;
    return static_cast<unsigned>((m_realFlags & fieldMask(info)) >> info.bit);
}

unsigned FlagsModel::guestValue(int row) const
{
    switch (rowInfo(row).guest) {
    case GuestSource::VirtualIf:
        return m_guest.interruptFlag ? 1U : 0U;
    case GuestSource::VirtualIopl:
        return m_guest.iopl;
    case GuestSource::VirtualCpl:
        return m_guest.cpl;
    case GuestSource::RealBit:
        break;
    }
    return realValue(row);
}

bool FlagsModel::isDifferent(int row) const
{
    return m_valid && guestValue(row) != realValue(row);
}

int FlagsModel::access(int row) const
{
    if (!m_valid || !m_current)
        return 0;
    const std::uint64_t mask = fieldMask(rowInfo(row));
    int result = 0;
    if (m_current->flagsRead & mask)
        result |= Reads;
    if (m_current->flagsWritten & mask)
        result |= Writes;
    return result;
}

QString FlagsModel::accessWord(Access kind)
{
    return kind == Reads ? tr("reads") : tr("writes");
}

QString FlagsModel::accessText(int bits)
{
    QStringList words;
    if (bits & Reads)
        words << accessWord(Reads);
    if (bits & Writes)
        words << accessWord(Writes);
    return words.join(QStringLiteral(", "));
}

int FlagsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(kRows.size());
}

int FlagsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant FlagsModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid())
        return {};
    Q_ASSERT(checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid));
    const int row = index.row();
    const int column = index.column();
    const FlagRow &info = rowInfo(row);
    const bool valueColumn = column == GuestColumn || column == RealColumn;
    switch (role) {
    case Qt::DisplayRole:
        switch (column) {
        case FlagColumn:
            return QString::fromLatin1(info.name);
        case MeaningColumn:
            return translated(info.title);
        case GuestColumn:
            return m_valid ? QString::number(guestValue(row)) : QString();
        case RealColumn:
            return m_valid ? QString::number(realValue(row)) : QString();
        case AccessColumn:
            return accessText(access(row));
        default:
            return {};
        }
    case Qt::ToolTipRole:
        if (column == FlagColumn || column == MeaningColumn) {
            const QString where =
                info.bit < 0      ? tr("Bits 0-1 of CS (Intel SDM Vol. 3A, 5.5)")
                : info.width == 1 ? tr("Bit %1 of RFLAGS (Intel SDM Vol. 1, 3.4.3)").arg(info.bit)
                                  : tr("Bits %1-%2 of RFLAGS (Intel SDM Vol. 1, 3.4.3)")
                                        .arg(info.bit)
                                        .arg(info.bit + info.width - 1);
            return QStringLiteral("<p><b>%1 &mdash; %2</b></p><p>%3</p><p><i>%4</i></p>")
                .arg(QString::fromLatin1(info.name), translated(info.title).toHtmlEscaped(),
                     translated(info.help).toHtmlEscaped(), where.toHtmlEscaped());
        }
        if (valueColumn)
            return valueToolTip(row, column);
        if (column == AccessColumn)
            return accessToolTip(row);
        return {};
    case Qt::BackgroundRole:
        if (valueColumn && isDifferent(row))
            return m_colors.difference;
        return {};
    case Qt::ForegroundRole:
        if (valueColumn && isDifferent(row))
            return m_colors.text;
        // Clear bits recede, so the set ones stand out from across the room.
        if (valueColumn && m_valid &&
            (column == GuestColumn ? guestValue(row) : realValue(row)) == 0)
            return m_colors.dimText;
        if (column == AccessColumn && access(row) != 0)
            return (access(row) & Writes) ? m_colors.flagWritten : m_colors.flagRead;
        return {};
    case Qt::TextAlignmentRole:
        if (valueColumn)
            return QVariant::fromValue(Qt::Alignment(Qt::AlignCenter));
        return QVariant::fromValue(Qt::Alignment(Qt::AlignVCenter | Qt::AlignLeft));
    case DifferentRole:
        return isDifferent(row);
    case AccessRole:
        return access(row);
    case GuestValueRole:
        return guestValue(row);
    case RealValueRole:
        return realValue(row);
    default:
        return {};
    }
}

QString FlagsModel::accessToolTip(int row) const
{
    const QString name = QString::fromLatin1(rowInfo(row).name);
    switch (access(row)) {
    case Reads:
        return tr("The next instruction, %1, reads %2.").arg(m_current->text, name);
    case Writes:
        return tr("The next instruction, %1, writes %2.").arg(m_current->text, name);
    case Reads | Writes:
        return tr("The next instruction, %1, reads and writes %2.").arg(m_current->text, name);
    default:
        return {};
    }
}

QString FlagsModel::valueToolTip(int row, int column) const
{
    if (!m_valid)
        return {};
    const FlagRow &info = rowInfo(row);
    const QString name = QString::fromLatin1(info.name);
    QString text;
    if (isDifferent(row) && info.difference && m_guestRing > 0) {
        text = translated(info.difference).arg(m_guestRing);
    } else if (isDifferent(row)) {
        text = tr("The monitor keeps the guest's %1 in its virtual CPU; the real CPU holds the "
                  "monitor's.")
                   .arg(name);
    } else if (column == RealColumn) {
        text =
            info.bit < 0 ? tr("The RPL of the real CS.") : tr("%1 in the real RFLAGS.").arg(name);
    } else if (info.guest == GuestSource::RealBit) {
        text = tr("The guest sees the real bit: the monitor keeps no copy of %1.").arg(name);
    } else if (m_guestRing > 0) {
        text = tr("From the monitor's virtual CPU, which agrees with the real CPU here.");
    } else {
        text = tr("The real value: the guest kernel runs at ring 0 itself.");
    }
    const QString values = tr("Guest believes %1 = %2; the real CPU has %1 = %3.")
                               .arg(name)
                               .arg(guestValue(row))
                               .arg(realValue(row));
    return QStringLiteral("<p>%1</p><p>%2</p>").arg(text.toHtmlEscaped(), values.toHtmlEscaped());
}

QVariant FlagsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    return columnHeaderData(kColumns, "vmwb::FlagsModel", section, orientation, role);
}

Qt::ItemFlags FlagsModel::flags(const QModelIndex &index) const
{
    return readOnlyCellFlags(index);
}

} // namespace vmwb
