#include "compare/CompareModel.h"

#include "common/TableColumns.h"

#include <QCoreApplication>
#include <QFont>
#include <QGuiApplication>
#include <QLocale>
#include <array>

namespace vmwb {

namespace {

constexpr auto kContext = "vmwb::CompareModel";

constexpr std::array<ColumnHeader, CompareModel::ColumnCount> kColumns{{
    {QT_TRANSLATE_NOOP("vmwb::CompareModel", "Technique"),
     QT_TRANSLATE_NOOP("vmwb::CompareModel",
                       "How the guest kernel was run; click a row to load that run")},
    {QT_TRANSLATE_NOOP("vmwb::CompareModel", "Result"),
     QT_TRANSLATE_NOOP("vmwb::CompareModel",
                       "Equivalence with native execution (Popek and Goldberg): equivalent, or "
                       "the first instruction after which what the guest can see differs")},
    {QT_TRANSLATE_NOOP("vmwb::CompareModel", "Instructions"),
     QT_TRANSLATE_NOOP("vmwb::CompareModel", "Guest instructions executed")},
    {QT_TRANSLATE_NOOP("vmwb::CompareModel", "Traps"),
     QT_TRANSLATE_NOOP("vmwb::CompareModel",
                       "Faults from the deprivileged guest into the monitor")},
    {QT_TRANSLATE_NOOP("vmwb::CompareModel", "Hypercalls"),
     QT_TRANSLATE_NOOP("vmwb::CompareModel",
                       "Paravirtual: explicit calls of the guest kernel into the monitor")},
    {QT_TRANSLATE_NOOP("vmwb::CompareModel", "Callouts"),
     QT_TRANSLATE_NOOP("vmwb::CompareModel",
                       "Binary translation: patched sensitive instructions calling the monitor")},
    {QT_TRANSLATE_NOOP("vmwb::CompareModel", "VM exits"),
     QT_TRANSLATE_NOOP("vmwb::CompareModel",
                       "Hardware-assisted: the CPU leaving the guest for the monitor")},
    {QT_TRANSLATE_NOOP("vmwb::CompareModel", "Holes"),
     QT_TRANSLATE_NOOP("vmwb::CompareModel",
                       "Sensitive instructions that ran without the monitor seeing them")},
    {QT_TRANSLATE_NOOP("vmwb::CompareModel", "Cycles"),
     QT_TRANSLATE_NOOP("vmwb::CompareModel",
                       "Modelled CPU cycles: the instructions and every event, from the cost "
                       "preset")},
    {QT_TRANSLATE_NOOP("vmwb::CompareModel", "Overhead"),
     QT_TRANSLATE_NOOP("vmwb::CompareModel",
                       "Modelled cycles against native execution's: ×1.00 costs nothing extra")},
}};

// The event kind each count column shows.
std::optional<EventKind> kindOf(int column)
{
    switch (column) {
    case CompareModel::TrapsColumn:
        return EventKind::Trap;
    case CompareModel::HypercallsColumn:
        return EventKind::Hypercall;
    case CompareModel::CalloutsColumn:
        return EventKind::Callout;
    case CompareModel::VmExitsColumn:
        return EventKind::VmExit;
    case CompareModel::HolesColumn:
        return EventKind::Hole;
    default:
        return std::nullopt;
    }
}

bool isNumeric(int column)
{
    return column >= CompareModel::InstructionsColumn;
}

QString number(std::uint64_t value)
{
    return QLocale().toString(static_cast<qulonglong>(value));
}

bool isBaseline(const TechniqueRun &run)
{
    return run.comparedBy == QLatin1String("baseline");
}

bool couldNotRun(const TechniqueRun &run)
{
    return run.comparedBy == QLatin1String("none");
}

} // namespace

CompareModel::CompareModel(QObject *parent)
    : QAbstractTableModel(parent), m_colors(WorkbenchColors::forPalette(QGuiApplication::palette()))
{}

void CompareModel::setComparison(const Comparison &comparison)
{
    beginResetModel();
    m_comparison = comparison;
    endResetModel();
}

void CompareModel::clear()
{
    beginResetModel();
    m_comparison.reset();
    endResetModel();
}

const TechniqueRun *CompareModel::runAt(int row) const
{
    if (!m_comparison || row < 0)
        return nullptr;
    if (row == 0)
        return &m_comparison->native;
    const auto index = static_cast<std::size_t>(row - 1);
    return index < m_comparison->techniques.size() ? &m_comparison->techniques[index] : nullptr;
}

int CompareModel::rowOf(const QString &id) const
{
    for (int row = 0; row < rowCount(); ++row) {
        if (runAt(row)->technique == id)
            return row;
    }
    return -1;
}

void CompareModel::setCurrentTechnique(const QString &id)
{
    if (id == m_current)
        return;
    m_current = id;
    if (rowCount() > 0)
        emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1), {Qt::FontRole});
}

void CompareModel::setColors(const WorkbenchColors &colors)
{
    m_colors = colors;
    if (rowCount() > 0) {
        emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1),
                         {Qt::BackgroundRole, Qt::ForegroundRole});
    }
}

QString CompareModel::titleOf(const TechniqueRun &run)
{
    if (run.title.isEmpty())
        return run.technique;
    return QCoreApplication::translate("vmwb::Technique", run.title.toUtf8().constData());
}

QString CompareModel::resultText(const TechniqueRun &run)
{
    if (isBaseline(run))
        return tr("baseline");
    if (couldNotRun(run))
        return tr("could not run: %1").arg(run.problem);
    if (!run.divergence) {
        // A different program (the paravirtual one) is only compared by what it does.
        return run.comparedBy == QLatin1String("output") ? tr("equivalent (by its output)")
                                                         : tr("equivalent");
    }
    const Divergence &d = *run.divergence;
    if (d.line > 0 && !d.instruction.isEmpty())
        return tr("diverges at line %1: %2").arg(d.line).arg(d.instruction);
    if (d.line > 0)
        return tr("diverges at line %1").arg(d.line);
    if (!d.instruction.isEmpty())
        return tr("diverges at %1").arg(d.instruction);
    return tr("diverges in %1").arg(d.what);
}

QString CompareModel::overheadText(double overhead)
{
    const QLocale locale;
    const int decimals = overhead < 10 ? 2 : (overhead < 100 ? 1 : 0);
    return QStringLiteral("\u00d7") + locale.toString(overhead, 'f', decimals);
}

QString CompareModel::divergenceToolTip(const TechniqueRun &run)
{
    if (!run.divergence)
        return {};
    const Divergence &d = *run.divergence;
    QString text = QStringLiteral("<p><b>%1</b></p>").arg(resultText(run).toHtmlEscaped());
    if (d.rip != 0 || d.index != 0) {
        text += tr("<p>After %n guest instruction(s), at RIP %1.</p>", nullptr,
                   static_cast<int>(std::min<std::uint64_t>(d.index, INT_MAX)))
                    .arg(QStringLiteral("0x%1").arg(d.rip, 0, 16));
    }
    text += tr("<p><b>%1</b>: native %2, %3 %4</p>")
                .arg(d.what.toHtmlEscaped(), d.nativeValue.toHtmlEscaped(),
                     titleOf(run).toHtmlEscaped(), d.techniqueValue.toHtmlEscaped());
    if (!d.explanation.isEmpty())
        text += QStringLiteral("<p>%1</p>").arg(d.explanation.toHtmlEscaped());
    return text;
}

int CompareModel::rowCount(const QModelIndex &parent) const
{
    if (parent.isValid() || !m_comparison)
        return 0;
    return 1 + static_cast<int>(m_comparison->techniques.size());
}

int CompareModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant CompareModel::value(const TechniqueRun &run, int column) const
{
    if (const auto kind = kindOf(column))
        return static_cast<qulonglong>(run.count(*kind));
    switch (column) {
    case InstructionsColumn:
        return static_cast<qulonglong>(run.instructions);
    case CyclesColumn:
        return static_cast<qulonglong>(run.cycles);
    case OverheadColumn:
        return run.overhead;
    default:
        return {};
    }
}

QVariant CompareModel::resultColors(const TechniqueRun &run, int role) const
{
    if (isBaseline(run))
        return {};
    if (role == Qt::BackgroundRole) {
        if (couldNotRun(run))
            return {};
        return run.divergence ? m_colors.difference : m_colors.inserted;
    }
    if (role == Qt::ForegroundRole && couldNotRun(run))
        return m_colors.warning;
    return {};
}

QVariant CompareModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const TechniqueRun &run = *runAt(index.row());
    const int column = index.column();
    switch (role) {
    case Qt::DisplayRole:
        switch (column) {
        case TechniqueColumn:
            return titleOf(run);
        case ResultColumn:
            return resultText(run);
        case OverheadColumn:
            return overheadText(run.overhead);
        default:
            return number(value(run, column).toULongLong());
        }
    case Qt::ToolTipRole: {
        if (column == TechniqueColumn) {
            return tr("%1 (%2): click to load this run")
                .arg(titleOf(run).toHtmlEscaped(), run.technique);
        }
        QString tip = divergenceToolTip(run);
        if (couldNotRun(run))
            tip = QStringLiteral("<p>%1</p>").arg(run.problem.toHtmlEscaped());
        if (column == ResultColumn && tip.isEmpty()) {
            tip = isBaseline(run)
                      ? tr("Native execution: the reference the techniques are compared with")
                      : tr("What the guest can see is the same as under native execution");
        }
        if (!run.statusMessage.isEmpty()) {
            tip += tr("<p>The run ended: %1</p>").arg(run.statusMessage.toHtmlEscaped());
        }
        return tip;
    }
    case Qt::TextAlignmentRole:
        return QVariant::fromValue((isNumeric(column) ? Qt::AlignRight : Qt::AlignLeft) |
                                   Qt::AlignVCenter);
    case Qt::FontRole:
        if (run.technique == m_current && !m_current.isEmpty()) {
            QFont font;
            font.setBold(true);
            return font;
        }
        return {};
    case Qt::BackgroundRole:
    case Qt::ForegroundRole:
        if (column == ResultColumn)
            return resultColors(run, role);
        if (role == Qt::ForegroundRole && kindOf(column) && value(run, column).toULongLong() == 0)
            return m_colors.dimText;
        return {};
    case TechniqueRole:
        return run.technique;
    case DivergenceLineRole:
        return run.divergence ? run.divergence->line : 0;
    case EquivalentRole:
        return isBaseline(run) || run.equivalent();
    case ValueRole:
        return value(run, column);
    default:
        return {};
    }
}

QVariant CompareModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    return columnHeaderData(kColumns, kContext, section, orientation, role, ResultColumn);
}

Qt::ItemFlags CompareModel::flags(const QModelIndex &index) const
{
    return readOnlyCellFlags(index);
}

} // namespace vmwb
