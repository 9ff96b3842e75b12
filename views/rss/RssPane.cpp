#include "rss/RssPane.h"

#include "common/Colors.h"
#include "common/Format.h"
#include "common/PaddedItemDelegate.h"
#include "rss/Capture.h"
#include "rss/FlowTableModel.h"
#include "rss/HashWalkthrough.h"
#include "rss/IndirectionTableView.h"
#include "rss/LoadView.h"
#include "rss/ReceiveChart.h"
#include "rss/RssFormat.h"
#include "rss/SteeringDiagram.h"

#include <QCoreApplication>
#include <QDir>
#include <QEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QLocale>
#include <QMenu>
#include <QPushButton>
#include <QSaveFile>
#include <QScrollArea>
#include <QSortFilterProxyModel>
#include <QSpinBox>
#include <QSplitter>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableView>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>
#include <algorithm>
#include <array>
#include <numeric>

namespace vmwb {

namespace {

constexpr auto kContext = "vmwb::RssPane";
constexpr qint64 kTableUpdateMs = 250; // the flow table's refresh while running

// How much simulated time a frame advances, in samples (0: the whole run at once).
struct Speed
{
    const char *title;
    double samplesPerFrame;
};
constexpr std::array<Speed, 5> kSpeeds{{
    {QT_TRANSLATE_NOOP("vmwb::RssPane", "Slow"), 0.25},
    {QT_TRANSLATE_NOOP("vmwb::RssPane", "Normal"), 1},
    {QT_TRANSLATE_NOOP("vmwb::RssPane", "Fast"), 4},
    {QT_TRANSLATE_NOOP("vmwb::RssPane", "Faster"), 16},
    {QT_TRANSLATE_NOOP("vmwb::RssPane", "Whole run at once"), 0},
}};
constexpr int kDefaultSpeed = 1;

struct ModeChoice
{
    rss::SteeringMode mode;
    const char *title;
    const char *toolTip;
};
constexpr std::array<ModeChoice, 3> kModes{{
    {rss::SteeringMode::SingleQueue, QT_TRANSLATE_NOOP("vmwb::RssPane", "Single queue"),
     QT_TRANSLATE_NOOP("vmwb::RssPane", "One receive queue and one core: no scaling at all")},
    {rss::SteeringMode::Rss, QT_TRANSLATE_NOOP("vmwb::RssPane", "RSS (NIC hashes)"),
     QT_TRANSLATE_NOOP("vmwb::RssPane",
                       "The NIC hashes each packet's addresses and ports, the indirection "
                       "table picks a queue, the queue's MSI-X vector interrupts its core")},
    {rss::SteeringMode::Rps, QT_TRANSLATE_NOOP("vmwb::RssPane", "RPS (software)"),
     QT_TRANSLATE_NOOP("vmwb::RssPane",
                       "Receive packet steering: one hardware queue; its core hashes each "
                       "packet in software and hands it to another core's backlog with an IPI")},
}};

struct KeyChoice
{
    const char *name; // NicConfig::keyName
    const char *title;
    const char *toolTip;
};
constexpr std::array<KeyChoice, 3> kKeys{{
    {"microsoft", QT_TRANSLATE_NOOP("vmwb::RssPane", "Microsoft key"),
     QT_TRANSLATE_NOOP("vmwb::RssPane",
                       "The 40-byte key of Microsoft's verification suite (also DPDK's and "
                       "Hyper-V's default)")},
    {"symmetric", QT_TRANSLATE_NOOP("vmwb::RssPane", "Symmetric key"),
     QT_TRANSLATE_NOOP("vmwb::RssPane",
                       "0x6d5a repeated: swapping source and destination gives the same hash, so "
                       "both directions of a connection land on the same core")},
    {"custom", QT_TRANSLATE_NOOP("vmwb::RssPane", "Custom key"),
     QT_TRANSLATE_NOOP("vmwb::RssPane", "A key of your own, in hex")},
}};

struct TrafficChoice
{
    rss::TrafficKind kind;
    const char *title;
};
constexpr std::array<TrafficChoice, 4> kTraffic{{
    {rss::TrafficKind::Uniform, QT_TRANSLATE_NOOP("vmwb::RssPane", "Uniform flows")},
    {rss::TrafficKind::Zipf, QT_TRANSLATE_NOOP("vmwb::RssPane", "Zipf: mice and elephants")},
    {rss::TrafficKind::Elephant, QT_TRANSLATE_NOOP("vmwb::RssPane", "One elephant flow")},
    {rss::TrafficKind::SynFlood, QT_TRANSLATE_NOOP("vmwb::RssPane", "SYN flood")},
}};

QString translate(const char *text)
{
    return QCoreApplication::translate(kContext, text);
}

QString keyHex(const std::vector<std::uint8_t> &key)
{
    QString text;
    for (std::size_t i = 0; i < key.size(); ++i) {
        if (i > 0 && i % 4 == 0)
            text += QLatin1Char(' ');
        text += QStringLiteral("%1").arg(key[i], 2, 16, QLatin1Char('0'));
    }
    return text;
}

// One generated source of traffic: the controls can change its kind and number of flows.
bool hasSimpleTraffic(const rss::Scenario &scenario)
{
    return scenario.traffic.size() == 1 &&
           scenario.traffic.front().kind != rss::TrafficKind::Capture;
}

// The longest hash input the traffic can produce, for the key's minimum length.
std::size_t longestInput(const rss::Scenario &scenario)
{
    std::size_t longest = 12;
    for (const rss::TrafficSpec &spec : scenario.traffic) {
        if (spec.ipv6 || spec.kind == rss::TrafficKind::Capture)
            longest = 36;
    }
    return longest;
}

// The layout of the pane's content inside its scroll area. Word-wrapped labels give it a
// height for width, which would make the scroll area size the content to its preferred height
// rather than let it fill the pane; without it the content fills the pane down to its
// minimum, then scrolls. (The layout still wraps the labels inside.)
class PaneLayout : public QVBoxLayout
{
public:
    using QVBoxLayout::QVBoxLayout;
    bool hasHeightForWidth() const override { return false; }
};

QString mean(double value)
{
    return QLocale().toString(value, 'f', 2);
}

} // namespace

RssPane::RssPane(WorkbenchController &controller, QWidget *parent)
    : Pane(tr("Receive-Side Scaling"), QStringLiteral("rss"), controller, parent)
{
    m_timer = new QTimer(this);
    m_timer->setInterval(1000 / kFramesPerSecond);
    connect(m_timer, &QTimer::timeout, this, &RssPane::advanceFrame);

    auto *content = new QWidget(this);
    auto *layout = new PaneLayout(content);
    layout->setContentsMargins(6, 4, 6, 4);
    layout->setSpacing(4);
    layout->addWidget(createControls());

    m_error = new QLabel(content);
    m_error->setObjectName(QStringLiteral("rssError"));
    m_error->setWordWrap(true);
    m_error->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_error->hide();
    layout->addWidget(m_error);

    m_captionLabel = new QLabel(content);
    m_captionLabel->setObjectName(QStringLiteral("rssCaption"));
    m_captionLabel->setWordWrap(true);
    m_captionLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_captionLabel->setToolTip(tr("What the numbers say, computed from the simulation"));
    layout->addWidget(m_captionLabel);

    // Two pages under the controls and the caption: where the packets go, and one packet's
    // hash with the table of flows to pick it from.
    m_tabs = new QTabWidget(content);
    m_tabs->setObjectName(QStringLiteral("rssTabs"));
    m_tabs->setDocumentMode(true);
    m_pictures = new QSplitter(Qt::Horizontal);
    m_pictures->setObjectName(QStringLiteral("rssSteeringPage"));
    m_pictures->setChildrenCollapsible(false);
    auto *left = new QSplitter(Qt::Vertical, m_pictures);
    left->setChildrenCollapsible(false);
    m_diagram = new SteeringDiagram(left);
    m_diagram->setToolTip(QString());
    m_loads = new LoadView(left);
    left->addWidget(m_diagram);
    left->addWidget(m_loads);
    left->setStretchFactor(0, 3);
    left->setStretchFactor(1, 2);
    m_chart = new ReceiveChart(m_pictures);
    m_pictures->addWidget(left);
    m_pictures->addWidget(m_chart);
    m_pictures->addWidget(createRetaPanel());
    m_pictures->setStretchFactor(0, 5);
    m_pictures->setStretchFactor(1, 5);
    m_pictures->setStretchFactor(2, 3);
    m_tabs->addTab(m_pictures, tr("&Flows \u2192 Queues \u2192 Cores"));
    m_tabs->addTab(createHashPage(), tr("One Packet's &Hash, Bit by Bit"));
    layout->addWidget(m_tabs, 1);
    // Docked small (the bottom row of the default layout) the pane scrolls rather than
    // squeezing its pictures unreadable, and it does not make the window grow.
    auto *scroll = new QScrollArea(this);
    scroll->setObjectName(QStringLiteral("rssScroll"));
    scroll->setWidget(content);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    setWidget(scroll);

    connect(m_diagram, &SteeringDiagram::flowClicked, this, [this](int flow) {
        showFlowHash(flow);
        m_tabs->setCurrentWidget(m_hashPage);
    });
    connect(m_reta, &IndirectionTableView::entryChanged, this, &RssPane::setRetaEntry);
    connect(m_tabs, &QTabWidget::currentChanged, this, [this] { requestRefresh(); });

    m_folders = defaultScenarioFolders();
    populateScenarios();
    applyColors();
    startSimulation(rss::Scenario{}, QString());
    syncControls();
}

RssPane::~RssPane() = default;

QWidget *RssPane::createControls()
{
    auto *box = new QWidget;
    auto *rows = new QVBoxLayout(box);
    rows->setContentsMargins(0, 0, 0, 0);
    rows->setSpacing(4);
    auto *first = new QHBoxLayout;
    auto *second = new QHBoxLayout;
    rows->addLayout(first);
    rows->addLayout(second);
    const auto label = [box](const QString &text, QWidget *buddy, QHBoxLayout *row) {
        auto *l = new QLabel(text, box);
        l->setBuddy(buddy);
        row->addWidget(l);
        row->addWidget(buddy);
    };

    m_scenarioBox = new QComboBox(box);
    m_scenarioBox->setObjectName(QStringLiteral("rssScenario"));
    m_scenarioBox->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_scenarioBox->setMinimumContentsLength(24);
    m_scenarioBox->setToolTip(tr("The scenarios of the exercises (exercises/rss/*.json)"));
    label(tr("&Scenario:"), m_scenarioBox, first);
    m_openButton = new QPushButton(tr("&Open Scenario..."), box);
    m_openButton->setObjectName(QStringLiteral("rssOpenScenario"));
    m_openButton->setToolTip(tr("Open a scenario file (JSON) of your own"));
    first->addWidget(m_openButton);
    first->addSpacing(12);

    m_modeBox = new QComboBox(box);
    m_modeBox->setObjectName(QStringLiteral("rssMode"));
    for (const ModeChoice &mode : kModes) {
        m_modeBox->addItem(translate(mode.title), static_cast<int>(mode.mode));
        m_modeBox->setItemData(m_modeBox->count() - 1, translate(mode.toolTip), Qt::ToolTipRole);
    }
    m_modeBox->setToolTip(tr("Where received packets are steered"));
    label(tr("&Mode:"), m_modeBox, first);

    m_queues = new QSpinBox(box);
    m_queues->setObjectName(QStringLiteral("rssQueues"));
    m_queues->setRange(1, 64);
    m_queues->setKeyboardTracking(false);
    m_queues->setToolTip(tr("Receive queues of the NIC (RSS mode), each with its MSI-X vector"));
    label(tr("&Queues:"), m_queues, first);
    m_cores = new QSpinBox(box);
    m_cores->setObjectName(QStringLiteral("rssCores"));
    m_cores->setRange(1, 64);
    m_cores->setKeyboardTracking(false);
    m_cores->setToolTip(tr("Cores that process packets; queue q interrupts core q mod cores"));
    label(tr("C&ores:"), m_cores, first);
    first->addSpacing(12);

    m_keyBox = new QComboBox(box);
    m_keyBox->setObjectName(QStringLiteral("rssKey"));
    for (const KeyChoice &key : kKeys) {
        m_keyBox->addItem(translate(key.title), QString::fromLatin1(key.name));
        m_keyBox->setItemData(m_keyBox->count() - 1, translate(key.toolTip), Qt::ToolTipRole);
    }
    m_keyBox->setToolTip(tr("The Toeplitz hash's secret key"));
    label(tr("&Key:"), m_keyBox, first);
    m_keyEdit = new QLineEdit(box);
    m_keyEdit->setObjectName(QStringLiteral("rssKeyHex"));
    m_keyEdit->setFont(valueFont());
    m_keyEdit->setPlaceholderText(tr("key bytes in hex, e.g. 6d5a 56da ..."));
    m_keyEdit->setToolTip(tr("The key in hex (spaces, colons and 0x allowed); press Enter to "
                             "use it"));
    first->addWidget(m_keyEdit, 1);

    m_trafficBox = new QComboBox(box);
    m_trafficBox->setObjectName(QStringLiteral("rssTraffic"));
    for (const TrafficChoice &traffic : kTraffic)
        m_trafficBox->addItem(translate(traffic.title), static_cast<int>(traffic.kind));
    label(tr("&Traffic:"), m_trafficBox, second);
    m_flows = new QSpinBox(box);
    m_flows->setObjectName(QStringLiteral("rssFlows"));
    m_flows->setRange(1, 100'000);
    m_flows->setGroupSeparatorShown(true);
    m_flows->setKeyboardTracking(false);
    m_flows->setSpecialValueText(tr("mixed"));
    m_flows->setToolTip(tr("How many flows the generator draws"));
    label(tr("&Flows:"), m_flows, second);
    second->addSpacing(12);

    m_runButton = new QPushButton(tr("&Run"), box);
    m_runButton->setObjectName(QStringLiteral("rssRun"));
    m_runButton->setToolTip(tr("Send the scenario's packets through the NIC, live"));
    m_pauseButton = new QPushButton(tr("&Pause"), box);
    m_pauseButton->setObjectName(QStringLiteral("rssPause"));
    m_restartButton = new QPushButton(tr("Re&start"), box);
    m_restartButton->setObjectName(QStringLiteral("rssRestart"));
    m_restartButton->setToolTip(tr("Start the scenario again from time 0"));
    for (QPushButton *b : {m_runButton, m_pauseButton, m_restartButton})
        second->addWidget(b);
    m_speedBox = new QComboBox(box);
    m_speedBox->setObjectName(QStringLiteral("rssSpeed"));
    for (const Speed &speed : kSpeeds)
        m_speedBox->addItem(translate(speed.title), speed.samplesPerFrame);
    m_speedBox->setCurrentIndex(kDefaultSpeed);
    m_speedBox->setToolTip(tr("How much simulated time each frame shows: Normal is one sample "
                              "per frame, %1 frames a second")
                               .arg(kFramesPerSecond));
    label(tr("Spee&d:"), m_speedBox, second);
    second->addSpacing(12);
    m_time = new QLabel(box);
    m_time->setObjectName(QStringLiteral("rssTime"));
    m_time->setTextInteractionFlags(Qt::TextSelectableByMouse);
    // Cut short rather than widen the pane; the tool tip has it all.
    m_time->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    second->addWidget(m_time, 1);

    m_exportButton = new QToolButton(box);
    m_exportButton->setObjectName(QStringLiteral("rssExport"));
    m_exportButton->setText(tr("&Export"));
    m_exportButton->setToolButtonStyle(Qt::ToolButtonTextOnly);
    m_exportButton->setPopupMode(QToolButton::InstantPopup);
    auto *menu = new QMenu(m_exportButton);
    menu->addAction(tr("Chart as PNG..."), this,
                    [this] { exportWithDialog(QStringLiteral("png")); });
    menu->addAction(tr("Chart as SVG..."), this,
                    [this] { exportWithDialog(QStringLiteral("svg")); });
    menu->addAction(tr("Chart as PDF..."), this,
                    [this] { exportWithDialog(QStringLiteral("pdf")); });
    menu->addAction(tr("Whole Pane as PNG..."), this, &RssPane::exportPane);
    menu->addAction(tr("Samples as CSV..."), this, &RssPane::exportCsv);
    m_exportButton->setMenu(menu);
    m_exportButton->setToolTip(
        tr("Save the chart for slides (PNG, SVG or PDF), the whole pane, or the numbers"));
    second->addWidget(m_exportButton);

    m_keyMessage = new QLabel(box);
    m_keyMessage->setObjectName(QStringLiteral("rssKeyMessage"));
    m_keyMessage->setWordWrap(true);
    m_keyMessage->hide();
    rows->addWidget(m_keyMessage);

    connect(m_scenarioBox, &QComboBox::activated, this, &RssPane::chooseScenario);
    connect(m_openButton, &QPushButton::clicked, this, &RssPane::openScenario);
    connect(m_modeBox, &QComboBox::activated, this, &RssPane::applyControls);
    connect(m_queues, &QSpinBox::valueChanged, this, &RssPane::applyControls);
    connect(m_cores, &QSpinBox::valueChanged, this, &RssPane::applyControls);
    connect(m_keyBox, &QComboBox::activated, this, [this] {
        if (m_keyBox->currentData().toString() == QLatin1String("custom")) {
            m_keyEdit->setEnabled(true);
            m_keyEdit->setFocus();
            m_keyEdit->selectAll();
            return;
        }
        applyControls();
    });
    connect(m_keyEdit, &QLineEdit::returnPressed, this, &RssPane::applyCustomKey);
    connect(m_trafficBox, &QComboBox::activated, this, &RssPane::applyControls);
    connect(m_flows, &QSpinBox::valueChanged, this, &RssPane::applyControls);
    connect(m_runButton, &QPushButton::clicked, this, &RssPane::run);
    connect(m_pauseButton, &QPushButton::clicked, this, &RssPane::pause);
    connect(m_restartButton, &QPushButton::clicked, this, &RssPane::restart);
    return box;
}

QWidget *RssPane::createRetaPanel()
{
    auto *panel = new QWidget;
    auto *layout = new QVBoxLayout(panel);
    layout->setContentsMargins(4, 0, 0, 0);
    m_retaTitle = new QLabel(panel);
    m_retaTitle->setObjectName(QStringLiteral("retaTitle"));
    m_retaTitle->setWordWrap(true);
    layout->addWidget(m_retaTitle);
    m_reta = new IndirectionTableView(panel);
    layout->addWidget(m_reta);
    auto *buttons = new QHBoxLayout;
    m_rebalanceButton = new QPushButton(tr("Re&balance"), panel);
    m_rebalanceButton->setObjectName(QStringLiteral("rssRebalance"));
    m_rebalanceButton->setToolTip(
        tr("Move buckets from the busiest queue to the idlest, as a driver or irqbalance "
           "might, from the packets each bucket took since the table last changed"));
    m_roundRobinButton = new QPushButton(tr("Round &Robin"), panel);
    m_roundRobinButton->setObjectName(QStringLiteral("rssRoundRobin"));
    m_roundRobinButton->setToolTip(tr("Back to the default table: bucket i to queue i mod "
                                      "queues"));
    buttons->addWidget(m_rebalanceButton);
    buttons->addWidget(m_roundRobinButton);
    buttons->addStretch(1);
    layout->addLayout(buttons);
    m_moveList = new QListWidget(panel);
    m_moveList->setObjectName(QStringLiteral("rssMoves"));
    m_moveList->setToolTip(tr("What the last rebalancing moved"));
    m_moveList->setWordWrap(true);
    layout->addWidget(m_moveList, 1);

    connect(m_rebalanceButton, &QPushButton::clicked, this, [this] { rebalance(); });
    connect(m_roundRobinButton, &QPushButton::clicked, this, [this] {
        if (!m_simulation)
            return;
        if (!applyReta(rss::roundRobinReta(m_scenario.nic.retaSize, m_simulation->queueCount())))
            return;
        m_moves.clear();
        showMoves();
        markReta(tr("round robin"));
        requestRefresh();
    });
    return panel;
}

// The hash bit by bit above, the flows to pick from below.
QWidget *RssPane::createHashPage()
{
    m_hashPage = new QSplitter(Qt::Vertical);
    m_hashPage->setObjectName(QStringLiteral("rssHashPage"));
    m_hashPage->setChildrenCollapsible(false);
    m_walkthrough = new HashWalkthrough(m_hashPage);

    m_flowModel = new FlowTableModel(this);
    m_flowProxy = new QSortFilterProxyModel(this);
    m_flowProxy->setSourceModel(m_flowModel);
    m_flowProxy->setSortRole(FlowTableModel::SortRole);
    m_flowProxy->setDynamicSortFilter(true);
    m_flowTable = new QTableView;
    m_flowTable->setObjectName(QStringLiteral("rssFlowTable"));
    m_flowTable->setModel(m_flowProxy);
    m_flowTable->setItemDelegate(new PaddedItemDelegate(m_flowTable));
    m_flowTable->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_flowTable->setSelectionMode(QAbstractItemView::SingleSelection);
    m_flowTable->setSortingEnabled(true);
    m_flowTable->sortByColumn(FlowTableModel::PacketsColumn, Qt::DescendingOrder);
    m_flowTable->setAlternatingRowColors(true);
    m_flowTable->setWordWrap(false);
    m_flowTable->verticalHeader()->hide();
    m_flowTable->horizontalHeader()->setStretchLastSection(false);
    m_flowTable->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    // A new simulation's flows: columns as wide as their contents.
    connect(m_flowModel, &QAbstractItemModel::modelReset, m_flowTable,
            [this] { QTimer::singleShot(0, m_flowTable, [this] { fitFlowColumns(); }); });
    m_flowTable->setToolTip(tr("Click a flow to see its hash bit by bit"));
    m_hashPage->addWidget(m_walkthrough);
    m_hashPage->addWidget(m_flowTable);
    m_hashPage->setStretchFactor(0, 0);
    m_hashPage->setStretchFactor(1, 1);

    const auto pick = [this](const QModelIndex &index) {
        if (!index.isValid())
            return;
        showFlowHash(index.data(FlowTableModel::FlowIndexRole).toInt());
    };
    connect(m_flowTable, &QTableView::clicked, this, pick);
    connect(m_flowTable, &QTableView::activated, this, pick);
    return m_hashPage;
}

// Columns as wide as their contents, the numbers as wide as a long run makes them.
void RssPane::fitFlowColumns()
{
    // The generator names most flows by their addresses and ports: then the Flow column only
    // repeats the Source and Destination columns.
    bool repeats = m_flowModel->rowCount() > 0;
    for (int row = 0; row < m_flowModel->rowCount() && repeats; ++row) {
        const rss::FlowStats *flow = m_flowModel->flowAt(row);
        repeats =
            flow->manySources || flow->label.isEmpty() || flow->label == tupleText(flow->tuple);
    }
    m_flowTable->setColumnHidden(FlowTableModel::FlowColumn, repeats);
    m_flowTable->resizeColumnsToContents();
    const int number = m_flowTable->fontMetrics().horizontalAdvance(QStringLiteral("88,888,888")) +
                       2 * PaddedItemDelegate::kDefaultPadding + 8;
    for (int column : {FlowTableModel::PacketsColumn, FlowTableModel::DropsColumn})
        m_flowTable->setColumnWidth(column, std::max(m_flowTable->columnWidth(column), number));
}

QStringList RssPane::defaultScenarioFolders()
{
    const QString app = QCoreApplication::applicationDirPath();
    return {QStringLiteral(":/vmwb/exercises/rss"), app + QStringLiteral("/exercises/rss"),
            app + QStringLiteral("/../exercises/rss"),
            app + QStringLiteral("/../share/vmm-workbench/exercises/rss"),
            // A build tree inside the source tree (build/bin/..).
            app + QStringLiteral("/../../exercises/rss")};
}

void RssPane::setScenarioFolders(const QStringList &folders)
{
    m_folders = folders;
    populateScenarios();
}

QStringList RssPane::scenarioFiles() const
{
    QStringList files;
    for (int i = 0; i < m_scenarioBox->count(); ++i) {
        const QString path = m_scenarioBox->itemData(i).toString();
        if (!path.isEmpty())
            files << path;
    }
    return files;
}

void RssPane::populateScenarios()
{
    const QString current = m_source;
    m_scenarioBox->clear();
    m_scenarioBox->addItem(tr("Built-in: 1,000 Zipf flows, 8 queues, 8 cores"), QString());
    QStringList seen;
    for (const QString &folder : m_folders) {
        const QDir dir(folder);
        if (!dir.exists())
            continue;
        for (const QFileInfo &file :
             dir.entryInfoList({QStringLiteral("*.json")}, QDir::Files, QDir::Name)) {
            if (seen.contains(file.fileName()))
                continue;
            seen << file.fileName();
            // The scenario's own name where it reads; the file's name where it does not (the
            // error shows when it is chosen).
            QString title = file.completeBaseName();
            QString tip = QDir::toNativeSeparators(file.absoluteFilePath());
            try {
                const rss::Scenario scenario = rss::loadScenario(file.absoluteFilePath());
                if (!scenario.name.isEmpty())
                    title = scenario.name;
                if (!scenario.description.isEmpty())
                    tip += QStringLiteral("\n") + scenario.description;
            } catch (const std::exception &) {
                title += tr(" (cannot be read)");
            }
            m_scenarioBox->addItem(title, file.absoluteFilePath());
            m_scenarioBox->setItemData(m_scenarioBox->count() - 1, tip, Qt::ToolTipRole);
        }
    }
    const int index = m_scenarioBox->findData(current);
    m_scenarioBox->setCurrentIndex(std::max(0, index));
}

void RssPane::chooseScenario(int index)
{
    const QString path = m_scenarioBox->itemData(index).toString();
    if (path.isEmpty())
        setScenario(rss::Scenario{}, QString());
    else
        loadScenarioFile(path);
}

void RssPane::openScenario()
{
    const QString folder = m_source.isEmpty() ? QString() : QFileInfo(m_source).absolutePath();
    const QString path = QFileDialog::getOpenFileName(this, tr("Open RSS Scenario"), folder,
                                                      tr("RSS scenarios (*.json)"));
    if (!path.isEmpty())
        loadScenarioFile(path);
}

bool RssPane::loadScenarioFile(const QString &path)
{
    rss::Scenario scenario;
    try {
        scenario = rss::loadScenario(path);
    } catch (const rss::ScenarioError &error) {
        showError(QString::fromUtf8(error.what()));
        syncControls();
        return false;
    } catch (const std::exception &error) {
        showError(tr("Cannot read %1: %2").arg(path, QString::fromUtf8(error.what())));
        syncControls();
        return false;
    }
    if (!setScenario(scenario, path))
        return false;
    if (m_scenarioBox->findData(path) < 0) {
        m_scenarioBox->addItem(
            scenario.name.isEmpty() ? QFileInfo(path).completeBaseName() : scenario.name, path);
        m_scenarioBox->setItemData(m_scenarioBox->count() - 1, QDir::toNativeSeparators(path),
                                   Qt::ToolTipRole);
    }
    syncControls();
    return true;
}

bool RssPane::setScenario(const rss::Scenario &scenario, const QString &source)
{
    const bool ok = startSimulation(scenario, source);
    syncControls();
    return ok;
}

// A new simulation of `scenario`, or, if it is bad, the error and the old one kept.
bool RssPane::startSimulation(const rss::Scenario &scenario, const QString &source)
{
    const QString name = source.isEmpty() ? tr("the scenario") : source;
    std::unique_ptr<rss::ReceiveSimulation> simulation;
    try {
        rss::validateScenario(scenario, name);
        simulation = std::make_unique<rss::ReceiveSimulation>(scenario);
    } catch (const rss::ScenarioError &error) {
        showError(QString::fromUtf8(error.what()));
        return false;
    } catch (const rss::CaptureError &error) {
        // The capture's error names the capture; say which scenario asked for it.
        showError(tr("%1: %2").arg(name, QString::fromUtf8(error.what())));
        return false;
    } catch (const std::exception &error) {
        showError(tr("Cannot simulate %1: %2").arg(name, QString::fromUtf8(error.what())));
        return false;
    }
    const bool wasRunning = isRunning();
    stopTimer();
    m_scenario = scenario;
    m_source = source;
    m_simulation = std::move(simulation);
    m_targetNs = 0;
    m_flow = -1;
    m_flowPicked = false;
    m_lastMarkNs = std::numeric_limits<std::uint64_t>::max();
    m_moves.clear();
    showMoves();
    m_totals.reset(m_simulation->queueCount(), m_simulation->coreCount());
    m_chart->reset(m_simulation->coreCount(), m_scenario.durationNs, m_scenario.sampleNs);
    m_flowModel->clear();
    clearError();
    if (wasRunning)
        run();
    requestRefresh();
    emit simulationUpdated();
    return true;
}

void RssPane::syncControls()
{
    const QSignalBlocker blockers[] = {QSignalBlocker(m_scenarioBox), QSignalBlocker(m_modeBox),
                                       QSignalBlocker(m_queues),      QSignalBlocker(m_cores),
                                       QSignalBlocker(m_keyBox),      QSignalBlocker(m_trafficBox),
                                       QSignalBlocker(m_flows)};
    m_scenarioBox->setCurrentIndex(std::max(0, m_scenarioBox->findData(m_source)));
    m_modeBox->setCurrentIndex(std::max(0, m_modeBox->findData(static_cast<int>(m_scenario.mode))));
    m_queues->setValue(m_scenario.nic.queues);
    m_queues->setEnabled(m_scenario.mode == rss::SteeringMode::Rss);
    m_cores->setValue(m_scenario.cores.count);
    int key = m_keyBox->findData(m_scenario.nic.keyName);
    if (key < 0)
        key = m_keyBox->findData(QStringLiteral("custom"));
    m_keyBox->setCurrentIndex(key);
    m_keyEdit->setText(keyHex(m_scenario.nic.key));
    m_keyEdit->setCursorPosition(0);
    m_keyEdit->setEnabled(m_scenario.nic.keyName == QLatin1String("custom"));
    const bool simple = hasSimpleTraffic(m_scenario);
    m_trafficBox->setEnabled(simple);
    // A mixed scenario shows "mixed" rather than a kind and a count it does not have.
    m_flows->setMinimum(simple ? 1 : 0);
    if (simple) {
        const rss::TrafficSpec &spec = m_scenario.traffic.front();
        m_trafficBox->setCurrentIndex(
            std::max(0, m_trafficBox->findData(static_cast<int>(spec.kind))));
        m_flows->setValue(spec.flows);
        m_flows->setEnabled(spec.kind == rss::TrafficKind::Uniform ||
                            spec.kind == rss::TrafficKind::Zipf);
        m_trafficBox->setToolTip(tr("The kind of traffic the generator sends"));
    } else {
        m_trafficBox->setCurrentIndex(-1);
        m_trafficBox->setPlaceholderText(tr("mixed"));
        m_flows->setValue(0);
        m_flows->setEnabled(false);
        const QString why =
            tr("The scenario mixes %n source(s) of traffic (or replays a capture); edit its "
               "file to change them",
               nullptr, static_cast<int>(m_scenario.traffic.size()));
        m_trafficBox->setToolTip(why);
        m_flows->setToolTip(why);
    }
    updateButtons();
}

// The controls' values over the current scenario, started afresh.
void RssPane::applyControls()
{
    rss::Scenario scenario = m_scenario;
    scenario.mode = static_cast<rss::SteeringMode>(m_modeBox->currentData().toInt());
    if (m_queues->value() != scenario.nic.queues) {
        scenario.nic.queues = m_queues->value();
        scenario.nic.reta.clear(); // round robin over the new queues
        scenario.nic.queueCores.clear();
    }
    if (m_cores->value() != scenario.cores.count) {
        scenario.cores.count = m_cores->value();
        scenario.nic.queueCores.clear(); // queue q on core q mod cores
    }
    const QString keyName = m_keyBox->currentData().toString();
    if (keyName == QLatin1String("microsoft")) {
        scenario.nic.key = rss::microsoftKey();
        scenario.nic.keyName = keyName;
    } else if (keyName == QLatin1String("symmetric")) {
        scenario.nic.key = rss::symmetricKey(std::max<std::size_t>(40, scenario.nic.key.size()));
        scenario.nic.keyName = keyName;
    }
    if (hasSimpleTraffic(scenario)) {
        rss::TrafficSpec &spec = scenario.traffic.front();
        const auto kind = static_cast<rss::TrafficKind>(m_trafficBox->currentData().toInt());
        if (kind != spec.kind) {
            spec.kind = kind;
            spec.label.clear(); // the label named the old kind
        }
        spec.flows = m_flows->value();
    }
    setScenario(scenario, m_source);
}

void RssPane::applyCustomKey()
{
    const auto key = rss::parseKey(m_keyEdit->text());
    const auto showKeyProblem = [this](const QString &message) {
        m_keyMessage->setText(message);
        m_keyMessage->setVisible(!message.isEmpty());
    };
    if (!key || key->empty()) {
        showKeyProblem(tr("Key: not whole bytes of hex. Write two hex digits per byte, e.g. "
                          "6d5a 56da 255b 0ec2 ...; spaces, colons and 0x are allowed."));
        return;
    }
    const std::size_t needed = longestInput(m_scenario) + 4;
    if (key->size() < needed) {
        showKeyProblem(tr("Key: %n byte(s) is too short. This traffic hashes inputs of up to "
                          "%1 bytes, and the last input bit needs a 32-bit window after it: "
                          "at least %2 bytes.",
                          nullptr, static_cast<int>(key->size()))
                           .arg(longestInput(m_scenario))
                           .arg(needed));
        return;
    }
    rss::Scenario scenario = m_scenario;
    scenario.nic.key = *key;
    scenario.nic.keyName = QStringLiteral("custom");
    if (setScenario(scenario, m_source))
        showKeyProblem({});
}

QString RssPane::keyMessage() const
{
    return m_keyMessage->isHidden() ? QString() : m_keyMessage->text();
}

bool RssPane::isRunning() const
{
    return m_timer->isActive();
}

void RssPane::run()
{
    if (!m_simulation)
        return;
    if (m_simulation->finished())
        restart();
    const double perFrame = m_speedBox->currentData().toDouble();
    if (perFrame <= 0) {
        runToEnd();
        return;
    }
    m_timer->start();
    updateButtons();
}

void RssPane::pause()
{
    stopTimer();
    requestRefresh();
}

void RssPane::stopTimer()
{
    m_timer->stop();
    updateButtons();
}

void RssPane::restart()
{
    startSimulation(m_scenario, m_source);
}

void RssPane::advanceFrame()
{
    if (!m_simulation || m_simulation->finished()) {
        stopTimer();
        return;
    }
    // A tabbed-away pane does not run its simulation.
    if (!isVisible())
        return;
    const double perFrame = m_speedBox->currentData().toDouble();
    if (perFrame <= 0) {
        runToEnd();
        return;
    }
    const auto slice =
        static_cast<std::uint64_t>(perFrame * static_cast<double>(m_scenario.sampleNs));
    m_targetNs = std::max(m_targetNs, m_simulation->now()) + std::max<std::uint64_t>(slice, 1);
    try {
        m_simulation->runUntil(m_targetNs);
    } catch (const std::exception &error) {
        stopTimer();
        showError(tr("The simulation stopped: %1").arg(QString::fromUtf8(error.what())));
    }
    if (m_simulation->finished())
        stopTimer();
    requestRefresh();
    emit simulationUpdated();
}

void RssPane::runTo(std::uint64_t timeNs)
{
    if (!m_simulation)
        return;
    try {
        m_simulation->runUntil(timeNs);
        m_targetNs = std::max(m_targetNs, m_simulation->now());
    } catch (const std::exception &error) {
        showError(tr("The simulation stopped: %1").arg(QString::fromUtf8(error.what())));
    }
    if (m_simulation->finished())
        stopTimer();
    requestRefresh();
    emit simulationUpdated();
}

void RssPane::runToEnd()
{
    if (!m_simulation)
        return;
    try {
        m_simulation->run();
    } catch (const std::exception &error) {
        showError(tr("The simulation stopped: %1").arg(QString::fromUtf8(error.what())));
    }
    stopTimer();
    requestRefresh();
    emit simulationUpdated();
}

rss::Rebalancing RssPane::rebalance()
{
    if (!m_simulation || m_scenario.mode != rss::SteeringMode::Rss)
        return {};
    const std::uint64_t packets =
        std::accumulate(m_simulation->bucketPackets().begin(), m_simulation->bucketPackets().end(),
                        std::uint64_t{0});
    rss::Rebalancing result = rss::rebalanceReta(
        m_simulation->reta(), m_simulation->bucketPackets(), m_simulation->queueCount());
    m_moves.clear();
    const QLocale locale;
    if (packets == 0) {
        m_moves << tr("Nothing to go by yet: run the simulation first, so the buckets take "
                      "packets.");
    } else if (result.moves.empty()) {
        m_moves << tr("No move helps: moving the busiest queue's buckets would only make "
                      "another queue the busiest. A bucket holding one big flow cannot be "
                      "split.");
    } else {
        for (const rss::RetaMove &move : result.moves)
            m_moves << tr("bucket %1: queue %2 \u2192 queue %3 (%4 packets)")
                           .arg(move.bucket)
                           .arg(move.fromQueue)
                           .arg(move.toQueue)
                           .arg(locale.toString(static_cast<qulonglong>(move.packets)));
        if (!applyReta(result.reta))
            return {};
        markReta(
            tr("rebalanced:\n%n bucket(s) moved", nullptr, static_cast<int>(result.moves.size())));
    }
    showMoves();
    requestRefresh();
    emit simulationUpdated();
    return result;
}

// The last rebalancing's moves, or what the list is for.
void RssPane::showMoves()
{
    m_moveList->clear();
    m_moveList->addItems(m_moves);
    if (!m_moves.isEmpty())
        return;
    auto *hint = new QListWidgetItem(
        tr("Let the simulation run, then press Rebalance: the buckets it moves from the busiest "
           "queue to the idlest are listed here, and marked on the plots."),
        m_moveList);
    hint->setFlags(Qt::NoItemFlags);
    QFont italic = m_moveList->font();
    italic.setItalic(true);
    hint->setFont(italic);
}

void RssPane::setRetaEntry(int bucket, int queue)
{
    if (!m_simulation || bucket < 0 || queue < 0 || queue >= m_simulation->queueCount())
        return;
    std::vector<int> reta = m_simulation->reta();
    if (static_cast<std::size_t>(bucket) >= reta.size())
        return;
    reta[static_cast<std::size_t>(bucket)] = queue;
    if (!applyReta(std::move(reta)))
        return;
    markReta(tr("RETA edited"));
    requestRefresh();
    emit simulationUpdated();
}

bool RssPane::applyReta(std::vector<int> reta)
{
    try {
        m_simulation->setReta(std::move(reta));
    } catch (const std::exception &error) {
        showError(
            tr("The indirection table was not changed: %1").arg(QString::fromUtf8(error.what())));
        requestRefresh();
        return false;
    }
    clearError();
    return true;
}

// One mark per moment: several edits before the simulation moves on share one line.
void RssPane::markReta(const QString &label)
{
    const std::uint64_t now = m_simulation->now();
    if (now == m_lastMarkNs || now == 0)
        return;
    m_lastMarkNs = now;
    m_chart->addMark(now, label);
}

void RssPane::showFlowHash(int flow)
{
    m_flow = flow;
    m_flowPicked = true;
    updateFlowHash(true);
}

void RssPane::updateFlowHash(bool force)
{
    if (!m_simulation)
        return;
    const std::vector<rss::FlowStats> &flows = m_simulation->flows();
    if (!m_flowPicked) {
        // The busiest single flow (one with a hash of its own).
        int busiest = -1;
        for (std::size_t i = 0; i < flows.size(); ++i) {
            if (flows[i].manySources)
                continue;
            if (busiest < 0 || flows[i].packets > flows[static_cast<std::size_t>(busiest)].packets)
                busiest = static_cast<int>(i);
        }
        if (busiest != m_flow) {
            m_flow = busiest;
            force = true;
        }
    }
    if (m_flow < 0 || static_cast<std::size_t>(m_flow) >= flows.size() ||
        flows[static_cast<std::size_t>(m_flow)].manySources) {
        if (force)
            m_walkthrough->clearFlow(
                flows.empty() ? tr("This scenario has no flows of its own (a SYN flood's packets "
                                   "each come from a new source).")
                              : tr("Pick a flow in the diagram or the Flows tab."));
        m_reta->setMarkedBucket(-1);
        return;
    }
    const rss::FlowStats &stats = flows[static_cast<std::size_t>(m_flow)];
    HashRoute route;
    route.mode = m_scenario.mode;
    route.retaSize = static_cast<std::size_t>(std::max(1, m_scenario.nic.retaSize));
    route.queue = m_simulation->queueOfHash(stats.hash);
    route.core = m_simulation->coreOfHash(stats.hash);
    route.cores = m_simulation->coreCount();
    m_walkthrough->setRoute(route);
    if (force)
        m_walkthrough->setFlow(flowTitle(stats), stats.tuple, m_scenario.nic.key);
    m_reta->setMarkedBucket(m_scenario.mode == rss::SteeringMode::Rss
                                ? static_cast<int>(rss::retaBucket(stats.hash, route.retaSize))
                                : -1);
}

void RssPane::refresh()
{
    if (!m_simulation)
        return;
    const rss::ReceiveSimulation &simulation = *m_simulation;
    if (simulation.samples().size() < m_totals.samples)
        m_totals.reset(simulation.queueCount(), simulation.coreCount());
    m_totals.update(simulation.samples());
    m_chart->showSamples(simulation.samples());
    m_diagram->setSimulation(simulation, m_totals);
    m_loads->setSimulation(simulation, m_totals);
    // The table of flows only where it can be seen, and a few times a second while running:
    // re-sorting tens of thousands of rows each frame would cost the frame.
    if (m_flowTable->isVisible() &&
        (!isRunning() || !m_tableClock.isValid() || m_tableClock.elapsed() >= kTableUpdateMs)) {
        m_flowModel->setFlows(simulation.flows());
        m_tableClock.start();
    }

    const int queues = simulation.queueCount();
    std::vector<int> queueCores;
    for (int q = 0; q < queues; ++q)
        queueCores.push_back(simulation.coreOfQueue(q));
    m_reta->setTable(simulation.reta(), queues, queueCores);
    m_reta->setLoad(simulation.bucketPackets());
    const bool rss = m_scenario.mode == rss::SteeringMode::Rss;
    m_reta->setEditable(rss);
    m_rebalanceButton->setEnabled(rss);
    m_roundRobinButton->setEnabled(rss);
    m_retaTitle->setText(
        rss ? tr("<b>Indirection table</b>: %1 buckets \u2192 %2 queues. The colour is the "
                 "queue's core, the bar the bucket's packets; hot buckets are framed.")
                  .arg(simulation.reta().size())
                  .arg(queues)
            : tr("<b>Indirection table</b>: not used in this mode (the NIC has one queue)."));
    updateFlowHash(false);
    updateCaption();

    const QLocale locale;
    const rss::Totals totals = simulation.totals();
    m_time->setText(
        tr("t = %1 of %2 ms \u2003 %3 packets offered, %4 processed, %5 dropped")
            .arg(locale.toString(static_cast<double>(simulation.now()) / 1e6, 'f', 1),
                 locale.toString(static_cast<double>(m_scenario.durationNs) / 1e6, 'f', 0),
                 compactNumber(static_cast<double>(totals.offered)),
                 compactNumber(static_cast<double>(totals.processed)),
                 compactNumber(static_cast<double>(totals.drops))));
    m_time->setToolTip(m_time->text());
    updateButtons();
}

// What the numbers say, in the lecture's words.
void RssPane::updateCaption()
{
    const rss::ReceiveSimulation &simulation = *m_simulation;
    const rss::Totals totals = simulation.totals();
    const std::vector<rss::FlowStats> &flows = simulation.flows();
    const QLocale locale;
    const int cores = simulation.coreCount();
    QString text;
    if (totals.offered == 0) {
        text = m_scenario.description.isEmpty()
                   ? tr("%1. Press Run to send its packets through the NIC.").arg(m_scenario.name)
                   : tr("%1: %2 Press Run.").arg(m_scenario.name, m_scenario.description);
        m_caption = text;
        m_captionLabel->setText(text);
        return;
    }
    // The imbalance of the last samples: after a rebalancing it is the new table's.
    const std::vector<rss::Sample> &samples = simulation.samples();
    double imbalance = totals.imbalance;
    {
        double sum = 0;
        int n = 0;
        for (std::size_t i = samples.size() > 10 ? samples.size() - 10 : 0; i < samples.size();
             ++i) {
            if (samples[i].imbalance > 0) {
                sum += samples[i].imbalance;
                ++n;
            }
        }
        if (n > 0)
            imbalance = sum / n;
    }
    std::uint64_t all = 0;
    const rss::FlowStats *top = nullptr;
    const rss::FlowStats *flood = nullptr;
    int active = 0;
    for (const rss::FlowStats &flow : flows) {
        all += flow.packets;
        if (flow.manySources) {
            if (flood == nullptr || flow.packets > flood->packets)
                flood = &flow;
            continue;
        }
        active += flow.packets > 0 ? 1 : 0;
        if (top == nullptr || flow.packets > top->packets)
            top = &flow;
    }
    const double topShare = top != nullptr && all > 0
                                ? static_cast<double>(top->packets) / static_cast<double>(all)
                                : 0;
    const double floodShare = flood != nullptr && all > 0
                                  ? static_cast<double>(flood->packets) / static_cast<double>(all)
                                  : 0;
    const QString imbalanceText = mean(imbalance);

    if (m_scenario.mode == rss::SteeringMode::SingleQueue) {
        text = tr("One queue, one core: core %1 does all the work while %2 other cores idle "
                  "(imbalance %3). Switch to RSS to spread the flows.")
                   .arg(simulation.coreOfQueue(0))
                   .arg(std::max(0, cores - 1))
                   .arg(imbalanceText);
    } else if (floodShare >= 0.5) {
        text = tr("A SYN flood from spoofed sources: every packet is a new flow with a hash of "
                  "its own, so the flood spreads over all %1 cores (imbalance %2). RSS shares "
                  "the attack out as evenly as it shares real work.")
                   .arg(cores)
                   .arg(imbalanceText);
    } else if (topShare >= 0.3 && top != nullptr) {
        text = tr("One flow carries %1 of the packets: it stays on core %2 whatever the number "
                  "of queues; rebalancing can move it, not split it (imbalance %3).")
                   .arg(percentText(topShare))
                   .arg(top->core)
                   .arg(imbalanceText);
    } else if (imbalance <= 1.25) {
        text = tr("Imbalance %1: %2 flows spread evenly over %3 cores.")
                   .arg(imbalanceText, locale.toString(active))
                   .arg(cores);
    } else if (m_scenario.mode == rss::SteeringMode::Rps) {
        const int receiver = simulation.coreOfQueue(0);
        const std::vector<double> load = recentLoad(samples, cores, m_scenario.sampleNs, 5);
        text = tr("RPS: core %1 takes every interrupt and hashes each packet in software (it is "
                  "%2 busy), then wakes the target core with an IPI (%3 so far). The stack work "
                  "spreads (imbalance %4), but the receiving core pays for all of it.")
                   .arg(receiver)
                   .arg(percentText(static_cast<std::size_t>(receiver) < load.size()
                                        ? load[static_cast<std::size_t>(receiver)]
                                        : 0.0))
                   .arg(locale.toString(static_cast<qulonglong>(totals.ipis)))
                   .arg(imbalanceText);
    } else if (top != nullptr && topShare * cores >= 1.5) {
        text = tr("Imbalance %1: the busiest flow alone carries %2 of the packets, on core %3. "
                  "A few elephants make the cores uneven; rebalancing moves buckets but never "
                  "splits a flow.")
                   .arg(imbalanceText, percentText(topShare))
                   .arg(top->core);
    } else {
        text = tr("Imbalance %1: the busiest core processes %1\u00d7 the mean. Press Rebalance "
                  "to move buckets from the busiest queue to the idlest.")
                   .arg(imbalanceText);
    }
    if (totals.drops > 0) {
        // The core dropping now, from the last samples (after a rebalancing it may be another).
        std::vector<std::uint64_t> recent(static_cast<std::size_t>(std::max(cores, 0)), 0);
        for (std::size_t i = samples.size() > 10 ? samples.size() - 10 : 0; i < samples.size();
             ++i) {
            for (std::size_t c = 0; c < recent.size() && c < samples[i].cores.size(); ++c)
                recent[c] += samples[i].cores[c].drops;
        }
        const auto worst = std::max_element(recent.begin(), recent.end());
        const QString dropped =
            tr("%1 packets dropped (%2)")
                .arg(locale.toString(static_cast<qulonglong>(totals.drops)),
                     percentText(static_cast<double>(totals.drops) /
                                 static_cast<double>(std::max<std::uint64_t>(totals.offered, 1))));
        if (worst != recent.end() && *worst > 0)
            text += QLatin1Char(' ') + tr("%1: core %2 cannot keep up.")
                                           .arg(dropped)
                                           .arg(static_cast<int>(worst - recent.begin()));
        else
            text += QLatin1Char(' ') + tr("%1, none of them lately.").arg(dropped);
    }
    m_caption = text;
    m_captionLabel->setText(text);
}

QString RssPane::caption() const
{
    return m_caption;
}

QStringList RssPane::moves() const
{
    return m_moves;
}

void RssPane::updateButtons()
{
    const bool running = isRunning();
    const bool finished = m_simulation && m_simulation->finished();
    m_runButton->setEnabled(m_simulation != nullptr && !running);
    m_runButton->setText(finished ? tr("&Run Again") : tr("&Run"));
    m_pauseButton->setEnabled(running);
    m_restartButton->setEnabled(m_simulation != nullptr);
}

void RssPane::showError(const QString &message)
{
    m_errorText = message;
    m_error->setText(message);
    m_error->setVisible(!message.isEmpty());
}

void RssPane::clearError()
{
    showError({});
}

void RssPane::showPage(Page page)
{
    m_tabs->setCurrentWidget(page == Page::Hash ? static_cast<QWidget *>(m_hashPage)
                                                : static_cast<QWidget *>(m_pictures));
}

bool RssPane::exportChart(const QString &path, QString *error)
{
    if (path.endsWith(QLatin1String(".pdf"), Qt::CaseInsensitive))
        return m_chart->exportPdf(path, error);
    if (path.endsWith(QLatin1String(".svg"), Qt::CaseInsensitive))
        return m_chart->exportSvg(path, error);
    return m_chart->exportPng(path, error);
}

void RssPane::exportWithDialog(const QString &format)
{
    const bool pdf = format == QLatin1String("pdf");
    const bool svg = format == QLatin1String("svg");
    const QString folder = QStandardPaths::writableLocation(QStandardPaths::PicturesLocation);
    QString path =
        QFileDialog::getSaveFileName(this,
                                     pdf   ? tr("Export Chart as PDF")
                                     : svg ? tr("Export Chart as SVG")
                                           : tr("Export Chart as PNG"),
                                     QDir(folder).filePath(QStringLiteral("rss-chart.") + format),
                                     pdf   ? tr("PDF documents (*.pdf)")
                                     : svg ? tr("SVG images (*.svg)")
                                           : tr("PNG images (*.png)"));
    if (path.isEmpty())
        return;
    if (!path.endsWith(QLatin1Char('.') + format, Qt::CaseInsensitive))
        path += QLatin1Char('.') + format;
    QString error;
    if (!exportChart(path, &error))
        showError(error);
    else
        clearError();
}

void RssPane::exportPane()
{
    const QString folder = QStandardPaths::writableLocation(QStandardPaths::PicturesLocation);
    QString path = QFileDialog::getSaveFileName(this, tr("Export Pane as PNG"),
                                                QDir(folder).filePath(QStringLiteral("rss.png")),
                                                tr("PNG images (*.png)"));
    if (path.isEmpty())
        return;
    if (!path.endsWith(QLatin1String(".png"), Qt::CaseInsensitive))
        path += QStringLiteral(".png");
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || !widget()->grab().save(&file, "PNG") ||
        !file.commit()) {
        showError(tr("Cannot write %1: %2").arg(path, file.errorString()));
        return;
    }
    clearError();
}

void RssPane::exportCsv()
{
    if (!m_simulation)
        return;
    QString path = QFileDialog::getSaveFileName(
        this, tr("Export Samples as CSV"),
        QDir(QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation))
            .filePath(QStringLiteral("rss-samples.csv")),
        tr("CSV files (*.csv)"));
    if (path.isEmpty())
        return;
    if (!path.endsWith(QLatin1String(".csv"), Qt::CaseInsensitive))
        path += QStringLiteral(".csv");
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(rss::samplesCsv(*m_simulation)) < 0 ||
        !file.commit()) {
        showError(tr("Cannot write %1: %2").arg(path, file.errorString()));
        return;
    }
    clearError();
}

void RssPane::applyColors()
{
    const WorkbenchColors colors = WorkbenchColors::forPalette(palette());
    m_flowModel->setColors(colors);
    for (QLabel *label : {m_error, m_keyMessage}) {
        QPalette p = label->palette();
        p.setColor(QPalette::WindowText, colors.error);
        label->setPalette(p);
    }
    QFont caption = font();
    caption.setBold(true);
    if (caption.pointSizeF() > 0)
        caption.setPointSizeF(caption.pointSizeF() * 1.15);
    m_captionLabel->setFont(caption);
}

void RssPane::changeEvent(QEvent *event)
{
    Pane::changeEvent(event);
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::FontChange)
        applyColors();
}

} // namespace vmwb
