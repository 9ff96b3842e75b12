#pragma once

// The Compare pane: the snippet run natively and under every technique, side by side. A table
// gives each technique's result of the equivalence check (equivalent, or the first instruction
// after which the guest could tell it was not on real hardware), its events and its modelled
// cycles against native's; a chart shows where the cycles go; the details say, for the
// selected technique, what differs and why. Clicking a technique loads its run in the window.
// The comparison runs off the GUI thread.

#include "common/Pane.h"
#include "compare/TechniqueComparer.h" // the comparison as a meta type, for the slots

#include <QString>
#include <optional>

class QCheckBox;
class QGroupBox;
class QLabel;
class QPushButton;
class QSplitter;
class QTableView;

namespace vmwb {

class CompareChart;
class CompareModel;

class ComparePane : public Pane
{
    Q_OBJECT

public:
    explicit ComparePane(WorkbenchController &controller, QWidget *parent = nullptr);

    CompareModel *model() const { return m_model; }
    CompareChart *chart() const { return m_chart; }
    QTableView *table() const { return m_table; }
    QPushButton *compareButton() const { return m_compareButton; }
    QCheckBox *logarithmicBox() const { return m_logarithmic; }
    bool isComparing() const;
    // The line under the button: what the pane is doing or found.
    QString statusText() const;
    // The source the comparison shown was made of.
    const QString &comparedSource() const { return m_comparedSource; }
    // The technique whose details show, or empty.
    QString selectedTechnique() const;
    // The details' text by key: "heading", "instruction", "what", "native", "technique",
    // "explanation" (the value label's object name is the key + "Value").
    QString detailText(const QString &key) const;

public slots:
    // Compares `source` (named `fileName` in messages) with the controller's timer and budget,
    // in the background; the result replaces the one shown.
    void compare(const QString &source, const QString &fileName);
    // Shows a comparison made of `source` (what compare() does when it is done).
    void showComparison(const vmwb::Comparison &comparison, const QString &source);
    // Selects the technique's row: its details show and its divergence is marked.
    void selectTechnique(const QString &id);
    // Loads the technique's run in the window (the controller switches to it).
    void loadRun(const QString &id);

signals:
    // The Compare button was pressed: the window answers with compare() and the editor's text.
    void compareRequested();
    // The selected technique's first divergence is on `line` of the compared source (0: none,
    // or nothing selected); `toolTip` says what differs and why.
    void divergenceSelected(int line, const QString &toolTip);
    // A comparison compare() started is shown (`ok`) or could not be made (the status says
    // why).
    void comparisonFinished(bool ok);

protected:
    void refresh() override;
    void changeEvent(QEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;

private:
    QWidget *createDetails();
    QLabel *addDetailRow(const QString &key, const QString &title, const QString &toolTip);
    void showDetails();
    void setStatus(const QString &text, bool problem = false);
    void selectAfterComparing();
    void applyColors();
    void fitColumns();
    void fitTableHeight();
    int tableWidth() const;
    void arrange(bool again);
    int selectedRow() const;

    CompareModel *m_model = nullptr;
    CompareChart *m_chart = nullptr;
    TechniqueComparer *m_comparer = nullptr;
    QPushButton *m_compareButton = nullptr;
    QCheckBox *m_logarithmic = nullptr;
    QLabel *m_status = nullptr;
    QSplitter *m_splitter = nullptr;
    QSplitter *m_left = nullptr;
    QTableView *m_table = nullptr;
    QGroupBox *m_details = nullptr;
    QLabel *m_heading = nullptr;
    QPushButton *m_loadButton = nullptr;
    QString m_statusText;
    bool m_statusProblem = false;
    QString m_comparedSource;
    QString m_pendingSource; // what the running comparison was asked for
    std::optional<Qt::Orientation> m_arranged;
    bool m_arrangedForComparison = false;
};

} // namespace vmwb
