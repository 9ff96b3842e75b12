#include "monitor/StackModel.h"

#include "common/TableColumns.h"
#include "core/Hex.h"

#include <QCoreApplication>
#include <QFontDatabase>
#include <QGuiApplication>
#include <QLocale>
#include <algorithm>
#include <array>
#include <optional>

namespace vmwb {

namespace {

QString offsetText(std::uint64_t address, std::uint64_t rsp)
{
    if (address >= rsp)
        return QStringLiteral("+0x%1").arg(address - rsp, 2, 16, QLatin1Char('0'));
    return QStringLiteral("\u22120x%1").arg(rsp - address, 2, 16, QLatin1Char('0'));
}

constexpr std::array<ColumnHeader, StackModel::ColumnCount> kColumns{{
    {QT_TRANSLATE_NOOP("vmwb::StackModel", "Offset"),
     QT_TRANSLATE_NOOP("vmwb::StackModel", "Distance from RSP in bytes; the arrow marks the slot "
                                           "RSP points at")},
    {QT_TRANSLATE_NOOP("vmwb::StackModel", "Address"),
     QT_TRANSLATE_NOOP("vmwb::StackModel", "Guest address of the 8-byte slot")},
    {QT_TRANSLATE_NOOP("vmwb::StackModel", "Value"),
     QT_TRANSLATE_NOOP("vmwb::StackModel", "The 8 bytes stored there")},
    {QT_TRANSLATE_NOOP("vmwb::StackModel", "Meaning"),
     QT_TRANSLATE_NOOP("vmwb::StackModel",
                       "What the workbench knows about the slot: the fields of interrupt frames "
                       "the CPU pushed")},
}};

} // namespace

StackModel::StackModel(QObject *parent)
    : QAbstractTableModel(parent),
      m_colors(WorkbenchColors::forPalette(QGuiApplication::palette())),
      m_textFont(QGuiApplication::font()),
      m_fixedFont(QFontDatabase::systemFont(QFontDatabase::FixedFont))
{}

void StackModel::setSnapshot(const MachineSnapshot &snapshot)
{
    std::vector<Row> rows;
    if (snapshot.valid) {
        rows.reserve(snapshot.stack.size());
        for (const StackSlot &slot : snapshot.stack)
            rows.push_back({slot, slot.frame});
        std::sort(rows.begin(), rows.end(),
                  [](const Row &a, const Row &b) { return a.slot.address < b.slot.address; });
        std::reverse(rows.begin(), rows.end());
    }

    m_rsp = snapshot.registerValue(RegisterId::Rsp);
    if (rows.size() == m_rows.size() && !rows.empty()) {
        // Same shape (the usual step): update in place so that the view keeps its scroll.
        m_rows = std::move(rows);
        emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
        return;
    }
    beginResetModel();
    m_rows = std::move(rows);
    endResetModel();
}

void StackModel::setColors(const WorkbenchColors &colors)
{
    m_colors = colors;
    if (!m_rows.empty())
        emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1),
                         {Qt::ForegroundRole, Qt::BackgroundRole});
}

void StackModel::setFonts(const QFont &text, const QFont &fixed)
{
    m_textFont = text;
    m_fixedFont = fixed;
    if (!m_rows.empty())
        emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1), {Qt::FontRole});
}

QString StackModel::topMarker()
{
    return tr("RSP ->");
}

int StackModel::topRow() const
{
    for (std::size_t i = 0; i < m_rows.size(); ++i) {
        if (m_rows[i].slot.address == m_rsp)
            return static_cast<int>(i);
    }
    return -1;
}

int StackModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int StackModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant StackModel::display(const Row &row, int column) const
{
    const StackSlot &slot = row.slot;
    switch (column) {
    case OffsetColumn:
        return slot.address == m_rsp ? topMarker() : offsetText(slot.address, m_rsp);
    case AddressColumn:
        return hex(slot.address);
    case ValueColumn:
        return slot.readable ? hex(slot.value) : tr("unmapped");
    case LabelColumn:
        if (slot.label.isEmpty() && slot.address < m_rsp)
            return tr("free");
        return slot.label;
    default:
        break;
    }
    return {};
}

QVariant StackModel::toolTip(const Row &row, int column) const
{
    const StackSlot &slot = row.slot;
    if (column == ValueColumn && slot.readable)
        return tr("%1 (decimal %2)").arg(hex(slot.value), QLocale().toString(slot.value));
    if (column == ValueColumn)
        return tr("No memory is mapped at this address");
    if (slot.address == m_rsp)
        return tr("RSP points here: the most recently pushed value");
    if (slot.address < m_rsp)
        return tr("Below RSP: free space, the next push writes here");
    if (row.frame >= 0)
        return tr("Pushed by the CPU when it delivered an interrupt or exception "
                  "(Intel SDM Vol. 3A, 6.14.2)");
    return tr("Pushed earlier: still on the stack");
}

QVariant StackModel::background(const Row &row, int column) const
{
    if (column == OffsetColumn && row.slot.address == m_rsp)
        return m_colors.currentLine;
    if (row.frame < 0)
        return {};
    // Alternate two strengths of one tint so that adjacent frames stay apart.
    QColor tint = m_colors.event(EventKind::InterruptDelivered);
    tint.setAlpha(row.frame % 2 == 0 ? 48 : 88);
    return tint;
}

QVariant StackModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row &row = m_rows[static_cast<std::size_t>(index.row())];
    const int column = index.column();
    const bool top = row.slot.address == m_rsp;
    const bool free = row.slot.address < m_rsp;
    switch (role) {
    case Qt::DisplayRole:
        return display(row, column);
    case Qt::ToolTipRole:
        return toolTip(row, column);
    case Qt::BackgroundRole:
        return background(row, column);
    case Qt::ForegroundRole:
        if (free || (column == ValueColumn && !row.slot.readable))
            return m_colors.dimText;
        break;
    case Qt::FontRole: {
        QFont font = column == LabelColumn ? m_textFont : m_fixedFont;
        font.setBold(top);
        font.setItalic(free && column == LabelColumn && row.slot.label.isEmpty());
        return font;
    }
    case Qt::TextAlignmentRole:
        if (column == LabelColumn)
            return QVariant::fromValue(Qt::AlignLeft | Qt::AlignVCenter);
        return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    case AddressRole:
        return static_cast<qulonglong>(row.slot.address);
    case IsTopRole:
        return top;
    case IsFreeRole:
        return free;
    case FrameRole:
        return row.frame;
    default:
        break;
    }
    return {};
}

QVariant StackModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    return columnHeaderData(kColumns, "vmwb::StackModel", section, orientation, role, LabelColumn);
}

} // namespace vmwb
