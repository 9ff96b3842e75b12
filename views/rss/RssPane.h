#pragma once

// The Receive-Side Scaling pane (DESIGN.md section 3): a NIC with receive queues, each bound
// to a core by an MSI-X vector, receiving many flows. The pane owns its own simulation and
// shows it live: one packet's Toeplitz hash bit by bit, where the flows land (flows -> queues
// -> cores), each core's load and each ring's fill, the time series, and the indirection
// table, which the student can edit or rebalance while the simulation runs. A caption says,
// from the numbers, what the lecture says: flows balance across cores, one big flow does not.
//
// The simulation advances on a timer, a slice of simulated time per frame, so the pictures
// move; a hidden pane does not advance.

#include "common/Pane.h"
#include "rss/SampleTotals.h"
#include "rss/Scenario.h"
#include "rss/Simulation.h"

#include <QElapsedTimer>
#include <QStringList>
#include <limits>
#include <memory>
#include <optional>

class QComboBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;
class QSpinBox;
class QSplitter;
class QTabWidget;
class QTableView;
class QTimer;
class QToolButton;
class QSortFilterProxyModel;

namespace vmwb {

class FlowTableModel;
class HashWalkthrough;
class IndirectionTableView;
class LoadView;
class ReceiveChart;
class SteeringDiagram;

class RssPane : public Pane
{
    Q_OBJECT

public:
    // The frames per second at which a running simulation advances and the pictures move.
    static constexpr int kFramesPerSecond = 30;

    explicit RssPane(WorkbenchController &controller, QWidget *parent = nullptr);
    ~RssPane() override;

    // Where the pane looks for the exercises' scenarios (exercises/rss/*.json): the built-in
    // resources, then next to the executable, in an installed tree and in a build tree.
    static QStringList defaultScenarioFolders();
    // Looks for scenarios in `folders` (first one wins for a file name) and lists them.
    void setScenarioFolders(const QStringList &folders);
    QStringList scenarioFiles() const;

    // Loads a scenario file and starts it (paused at time 0). On failure the pane shows
    // the error (naming the file and the field) and keeps the simulation it had.
    bool loadScenarioFile(const QString &path);
    // Starts `scenario` (named `source` in messages); false and an error shown if it is bad.
    bool setScenario(const rss::Scenario &scenario, const QString &source = {});
    const rss::Scenario &scenario() const { return m_scenario; }
    const rss::ReceiveSimulation *simulation() const { return m_simulation.get(); }

    bool isRunning() const;
    // Simulates up to `timeNs` at once and shows the result.
    void runTo(std::uint64_t timeNs);
    void runToEnd();

    // Rebalances the indirection table from the buckets' packets since it last changed and
    // applies it to the running simulation; the moves are listed and marked on the plots.
    rss::Rebalancing rebalance();
    // Sends `bucket` to `queue` from now on, as clicking the table does.
    void setRetaEntry(int bucket, int queue);
    // Shows flow `flow` (an index into the simulation's flows) bit by bit.
    void showFlowHash(int flow);
    int shownFlow() const { return m_flow; }

    // The problem shown (a bad scenario file, capture or key), or empty.
    QString errorText() const { return m_errorText; }
    QString keyMessage() const;
    // What the numbers say, in the lecture's words.
    QString caption() const;
    QStringList moves() const;

    // The pages under the controls.
    enum class Page
    {
        Steering, // flows -> queues -> cores, loads, the time series, the RETA
        Hash,     // one packet's hash bit by bit, and the flows to pick from
    };
    void showPage(Page page);

    // Writes the chart to `path` (PNG, SVG or PDF by its suffix), atomically.
    bool exportChart(const QString &path, QString *error = nullptr);

    HashWalkthrough *walkthrough() const { return m_walkthrough; }
    ReceiveChart *chart() const { return m_chart; }
    SteeringDiagram *diagram() const { return m_diagram; }
    LoadView *loadView() const { return m_loads; }
    IndirectionTableView *retaView() const { return m_reta; }
    FlowTableModel *flowModel() const { return m_flowModel; }
    QTableView *flowTable() const { return m_flowTable; }
    QTabWidget *tabs() const { return m_tabs; }

public slots:
    void run();
    void pause();
    // Starts the scenario again from time 0 (keeping whether it runs).
    void restart();

signals:
    // The simulation advanced, started again or ended (for tests and the window).
    void simulationUpdated();

protected:
    void refresh() override;
    void changeEvent(QEvent *event) override;

private:
    QWidget *createControls();
    QWidget *createRetaPanel();
    QWidget *createHashPage();
    void populateScenarios();
    void fitFlowColumns();
    void chooseScenario(int index);
    void openScenario();
    // Rebuilds the simulation from the controls' values.
    void applyControls();
    void applyCustomKey();
    void syncControls();
    bool startSimulation(const rss::Scenario &scenario, const QString &source);
    void advanceFrame();
    void stopTimer();
    void showError(const QString &message);
    void clearError();
    void updateButtons();
    void updateFlowHash(bool force);
    void updateCaption();
    // Replaces the running simulation's RETA; false (and the error shown) if it refuses it.
    bool applyReta(std::vector<int> reta);
    void markReta(const QString &label);
    void showMoves();
    void exportWithDialog(const QString &format);
    void exportPane();
    void exportCsv();
    void applyColors();

    rss::Scenario m_scenario;
    QString m_source; // the scenario's file, or empty for the built-in default
    std::unique_ptr<rss::ReceiveSimulation> m_simulation;
    SampleTotals m_totals;
    QStringList m_folders;
    QTimer *m_timer = nullptr;
    QElapsedTimer m_tableClock; // since the flow table was last brought up to date
    std::uint64_t m_targetNs = 0;
    int m_flow = -1;           // the flow shown bit by bit
    bool m_flowPicked = false; // picked by the user, not the busiest by default
    std::uint64_t m_lastMarkNs = std::numeric_limits<std::uint64_t>::max();
    QString m_errorText;
    QString m_caption;
    QStringList m_moves;

    QComboBox *m_scenarioBox = nullptr;
    QPushButton *m_openButton = nullptr;
    QComboBox *m_modeBox = nullptr;
    QSpinBox *m_queues = nullptr;
    QSpinBox *m_cores = nullptr;
    QComboBox *m_keyBox = nullptr;
    QLineEdit *m_keyEdit = nullptr;
    QLabel *m_keyMessage = nullptr;
    QComboBox *m_trafficBox = nullptr;
    QSpinBox *m_flows = nullptr;
    QPushButton *m_runButton = nullptr;
    QPushButton *m_pauseButton = nullptr;
    QPushButton *m_restartButton = nullptr;
    QComboBox *m_speedBox = nullptr;
    QLabel *m_time = nullptr;
    QToolButton *m_exportButton = nullptr;
    QLabel *m_error = nullptr;
    QLabel *m_captionLabel = nullptr;
    QSplitter *m_pictures = nullptr;
    SteeringDiagram *m_diagram = nullptr;
    LoadView *m_loads = nullptr;
    ReceiveChart *m_chart = nullptr;
    QLabel *m_retaTitle = nullptr;
    IndirectionTableView *m_reta = nullptr;
    QPushButton *m_rebalanceButton = nullptr;
    QPushButton *m_roundRobinButton = nullptr;
    QListWidget *m_moveList = nullptr;
    QTabWidget *m_tabs = nullptr;
    QSplitter *m_hashPage = nullptr;
    HashWalkthrough *m_walkthrough = nullptr;
    FlowTableModel *m_flowModel = nullptr;
    QSortFilterProxyModel *m_flowProxy = nullptr;
    QTableView *m_flowTable = nullptr;
};

} // namespace vmwb
