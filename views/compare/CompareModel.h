#pragma once

// The comparison of techniques as a table: one row for native execution, then one per
// technique, with the result of the equivalence check (equivalent, or where the technique
// first diverged from native), the events each needed and the modelled cycles they cost,
// against native's. The model holds the comparison it shows, so a test can feed it a
// hand-built one.

#include "common/Colors.h"
#include "run/Compare.h"

#include <QAbstractTableModel>
#include <QString>
#include <optional>

namespace vmwb {

class CompareModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column : int
    {
        TechniqueColumn,
        ResultColumn,
        InstructionsColumn,
        TrapsColumn,
        HypercallsColumn,
        CalloutsColumn,
        VmExitsColumn,
        HolesColumn,
        CyclesColumn,
        OverheadColumn,
        ColumnCount
    };
    enum Role : int
    {
        TechniqueRole = Qt::UserRole + 1, // QString: the registry's id
        DivergenceLineRole,               // int: the first divergence's source line, 0 if none
        EquivalentRole,                   // bool (native counts as equivalent)
        ValueRole,                        // the number behind a numeric cell (qulonglong/double)
    };

    explicit CompareModel(QObject *parent = nullptr);

    void setComparison(const Comparison &comparison);
    void clear();
    const std::optional<Comparison> &comparison() const { return m_comparison; }
    // The run shown in `row`: native's in row 0, then the techniques'; null outside.
    const TechniqueRun *runAt(int row) const;
    // The row of technique `id`, or -1.
    int rowOf(const QString &id) const;
    // The technique loaded in the window: its row is shown in bold.
    void setCurrentTechnique(const QString &id);
    void setColors(const WorkbenchColors &colors);

    // "equivalent", "diverges at line 46: popfq", ... as the Result column shows it.
    static QString resultText(const TechniqueRun &run);
    // The technique's title, translated.
    static QString titleOf(const TechniqueRun &run);
    // "×1.00", "×12.4"
    static QString overheadText(double overhead);
    // What the divergence is, in a few lines of rich text: the instruction, what differs, both
    // values and the explanation. Empty for an equivalent run.
    static QString divergenceToolTip(const TechniqueRun &run);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;
    Qt::ItemFlags flags(const QModelIndex &index) const override;

private:
    QVariant value(const TechniqueRun &run, int column) const;
    QVariant resultColors(const TechniqueRun &run, int role) const;

    std::optional<Comparison> m_comparison;
    QString m_current;
    WorkbenchColors m_colors;
};

} // namespace vmwb
