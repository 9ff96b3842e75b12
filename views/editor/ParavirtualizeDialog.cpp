#include "editor/ParavirtualizeDialog.h"

#include "common/Colors.h"
#include "common/Format.h"
#include "editor/LineAlignment.h"
#include "editor/NasmHighlighter.h"

#include <QDialogButtonBox>
#include <QDir>
#include <QEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QHelpEvent>
#include <QLabel>
#include <QMessageBox>
#include <QPainter>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSaveFile>
#include <QScrollBar>
#include <QSplitter>
#include <QSyntaxHighlighter>
#include <QTabWidget>
#include <QTextBlock>
#include <QToolTip>
#include <QTreeWidget>
#include <QVBoxLayout>
#include <map>

namespace vmwb {

namespace {

enum class RowKind
{
    Same,
    Removed,  // a line of the original that was rewritten (or refused)
    Inserted, // a line of the paravirtual source that replaced it
    Filler,   // nothing on this side: the other side has more lines here
    Refused,  // a line the rewriter could not rewrite
};

QStringList splitLines(const QString &text)
{
    QStringList lines = text.split(QLatin1Char('\n'));
    if (!lines.isEmpty() && lines.back().isEmpty())
        lines.removeLast(); // the final newline ends the last line; it does not start one
    for (QString &line : lines) {
        if (line.endsWith(QLatin1Char('\r')))
            line.chop(1);
    }
    return lines;
}

// The code of a NASM line without its comment, for the list of changes (the sources keep it).
QString codeOf(const QString &line)
{
    QChar quote;
    for (qsizetype i = 0; i < line.size(); ++i) {
        const QChar c = line.at(i);
        if (!quote.isNull()) {
            if (c == quote)
                quote = QChar();
        } else if (c == QLatin1Char('"') || c == QLatin1Char('\'') || c == QLatin1Char('`')) {
            quote = c;
        } else if (c == QLatin1Char(';')) {
            return line.left(i).trimmed();
        }
    }
    return line.trimmed();
}

QString codeOf(const QStringList &lines)
{
    QStringList code;
    for (const QString &line : lines) {
        if (const QString text = codeOf(line); !text.isEmpty())
            code << text;
    }
    return code.join(QStringLiteral("; "));
}

// Colours a unified diff: removed lines, inserted lines and hunk headers.
class DiffHighlighter : public QSyntaxHighlighter
{
public:
    using QSyntaxHighlighter::QSyntaxHighlighter;

    void setColors(const WorkbenchColors &colors)
    {
        m_colors = colors;
        rehighlight();
    }

protected:
    void highlightBlock(const QString &text) override
    {
        QTextCharFormat format;
        if (text.startsWith(QLatin1String("+++")) || text.startsWith(QLatin1String("---"))) {
            format.setFontWeight(QFont::Bold);
        } else if (text.startsWith(QLatin1String("@@"))) {
            format.setForeground(m_colors.dimText);
            format.setFontWeight(QFont::Bold);
        } else if (text.startsWith(QLatin1Char('+'))) {
            format.setBackground(m_colors.inserted);
        } else if (text.startsWith(QLatin1Char('-'))) {
            format.setBackground(m_colors.difference);
        } else {
            return;
        }
        setFormat(0, static_cast<int>(text.size()), format);
    }

private:
    WorkbenchColors m_colors;
};

} // namespace

// One side of the comparison: read-only source with NASM highlighting, a gutter with each
// row's line number (none on filler rows), rows highlighted by kind, and a tool tip per row.
class AlignedSourceView : public QPlainTextEdit
{
public:
    explicit AlignedSourceView(QWidget *parent) : QPlainTextEdit(parent)
    {
        setReadOnly(true);
        setLineWrapMode(QPlainTextEdit::NoWrap);
        setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
        m_highlighter = new NasmHighlighter(document());
        m_gutter = new Gutter(this);
        connect(this, &QPlainTextEdit::updateRequest, this, [this](const QRect &rect, int dy) {
            if (dy != 0)
                m_gutter->scroll(0, dy);
            else
                m_gutter->update(0, rect.y(), m_gutter->width(), rect.height());
        });
        applyFont();
    }

    struct Row
    {
        int line = 0; // 0: a filler
        RowKind kind = RowKind::Same;
        QString toolTip;
    };

    void setRows(const QStringList &texts, std::vector<Row> rows)
    {
        m_rows = std::move(rows);
        setPlainText(texts.join(QLatin1Char('\n')));
        updateGutterWidth();
        applyHighlights();
    }

    const std::vector<Row> &rows() const { return m_rows; }

    void setColors(const WorkbenchColors &colors)
    {
        m_colors = colors;
        m_highlighter->setColors(colors);
        applyHighlights();
    }

    void applyFont()
    {
        QFont font = valueFont().resolve(this->font());
        document()->setDefaultFont(font);
        updateGutterWidth();
    }

    QList<int> linesOfKind(RowKind kind) const
    {
        QList<int> lines;
        for (const Row &row : m_rows) {
            if (row.kind == kind && row.line > 0)
                lines << row.line;
        }
        return lines;
    }

    void showRow(int row)
    {
        const QTextBlock block = document()->findBlockByNumber(row);
        if (!block.isValid())
            return;
        QTextCursor cursor(block);
        cursor.movePosition(QTextCursor::EndOfBlock, QTextCursor::KeepAnchor);
        setTextCursor(cursor);
        centerCursor();
    }

protected:
    bool event(QEvent *event) override
    {
        if (event->type() == QEvent::ToolTip) {
            const auto *help = static_cast<QHelpEvent *>(event);
            showRowToolTip(help->globalPos(), viewport()->mapFromGlobal(help->globalPos()));
            return true;
        }
        return QPlainTextEdit::event(event);
    }

    bool viewportEvent(QEvent *event) override
    {
        if (event->type() == QEvent::ToolTip) {
            const auto *help = static_cast<QHelpEvent *>(event);
            showRowToolTip(help->globalPos(), help->pos());
            return true;
        }
        return QPlainTextEdit::viewportEvent(event);
    }

    void resizeEvent(QResizeEvent *event) override
    {
        QPlainTextEdit::resizeEvent(event);
        const QRect contents = contentsRect();
        m_gutter->setGeometry(
            QRect(contents.left(), contents.top(), gutterWidth(), contents.height()));
    }

    void changeEvent(QEvent *event) override
    {
        QPlainTextEdit::changeEvent(event);
        if (event->type() == QEvent::FontChange)
            applyFont();
    }

private:
    class Gutter : public QWidget
    {
    public:
        explicit Gutter(AlignedSourceView *view) : QWidget(view), m_view(view) {}
        QSize sizeHint() const override { return {m_view->gutterWidth(), 0}; }

    protected:
        void paintEvent(QPaintEvent *event) override { m_view->paintGutter(event); }

    private:
        AlignedSourceView *m_view;
    };

    int gutterWidth() const
    {
        int lines = 1;
        for (const Row &row : m_rows)
            lines = std::max(lines, row.line);
        const QFontMetrics metrics(document()->defaultFont());
        return metrics.horizontalAdvance(
            QString(QString::number(lines).size() + 2, QLatin1Char('0')));
    }

    void updateGutterWidth()
    {
        setViewportMargins(gutterWidth(), 0, 0, 0);
        const QRect contents = contentsRect();
        m_gutter->setGeometry(
            QRect(contents.left(), contents.top(), gutterWidth(), contents.height()));
    }

    void paintGutter(QPaintEvent *event)
    {
        QPainter painter(m_gutter);
        painter.fillRect(event->rect(), palette().color(QPalette::Window));
        painter.setFont(document()->defaultFont());
        const QFontMetrics metrics(document()->defaultFont());
        QTextBlock block = firstVisibleBlock();
        int top = qRound(blockBoundingGeometry(block).translated(contentOffset()).top());
        while (block.isValid() && top <= event->rect().bottom()) {
            const int height = qRound(blockBoundingRect(block).height());
            const auto index = static_cast<std::size_t>(block.blockNumber());
            if (index < m_rows.size() && m_rows[index].line > 0) {
                const Row &row = m_rows[index];
                const bool marked = row.kind != RowKind::Same;
                painter.setPen(marked ? palette().color(QPalette::Text) : m_colors.dimText);
                QFont font = document()->defaultFont();
                font.setBold(marked);
                painter.setFont(font);
                painter.drawText(
                    QRect(0, top, m_gutter->width() - metrics.averageCharWidth(), height),
                    Qt::AlignRight | Qt::AlignVCenter, QString::number(row.line));
            }
            block = block.next();
            top += height;
        }
    }

    void applyHighlights()
    {
        QList<QTextEdit::ExtraSelection> selections;
        QTextBlock block = document()->firstBlock();
        for (const Row &row : m_rows) {
            if (!block.isValid())
                break;
            QTextCharFormat format;
            switch (row.kind) {
            case RowKind::Same:
                break;
            case RowKind::Removed:
                format.setBackground(m_colors.difference);
                break;
            case RowKind::Inserted:
                format.setBackground(m_colors.inserted);
                break;
            case RowKind::Filler:
                format.setBackground(QBrush(m_colors.dimText, Qt::BDiagPattern));
                break;
            case RowKind::Refused: {
                QColor warning = m_colors.warning;
                warning.setAlpha(m_colors.dark ? 110 : 70);
                format.setBackground(warning);
                break;
            }
            }
            if (row.kind != RowKind::Same) {
                format.setProperty(QTextFormat::FullWidthSelection, true);
                QTextEdit::ExtraSelection selection;
                selection.cursor = QTextCursor(block);
                selection.format = format;
                selections << selection;
            }
            block = block.next();
        }
        setExtraSelections(selections);
        m_gutter->update();
    }

    void showRowToolTip(const QPoint &global, const QPoint &local)
    {
        const QTextBlock block = cursorForPosition(local).block();
        const auto index = static_cast<std::size_t>(block.blockNumber());
        if (block.isValid() && index < m_rows.size() && !m_rows[index].toolTip.isEmpty())
            QToolTip::showText(global, m_rows[index].toolTip, this);
        else
            QToolTip::hideText();
    }

    NasmHighlighter *m_highlighter = nullptr;
    Gutter *m_gutter = nullptr;
    std::vector<Row> m_rows;
    WorkbenchColors m_colors = WorkbenchColors::forPalette(QGuiApplication::palette());
};

ParavirtualizeDialog::ParavirtualizeDialog(QWidget *parent) : QDialog(parent)
{
    setObjectName(QStringLiteral("paravirtualizeDialog"));
    setWindowTitle(tr("What Xen asked of Linux"));
    setSizeGripEnabled(true);

    auto *layout = new QVBoxLayout(this);
    m_heading = new QLabel(this);
    m_heading->setObjectName(QStringLiteral("paravirtualizeHeading"));
    QFont headingFont = m_heading->font();
    headingFont.setPointSizeF(headingFont.pointSizeF() * 1.4);
    headingFont.setBold(true);
    m_heading->setFont(headingFont);
    m_subheading = new QLabel(this);
    m_subheading->setObjectName(QStringLiteral("paravirtualizeSummary"));
    m_subheading->setWordWrap(true);
    m_subheading->setTextFormat(Qt::RichText);
    layout->addWidget(m_heading);
    layout->addWidget(m_subheading);

    m_tabs = new QTabWidget(this);
    m_tabs->setObjectName(QStringLiteral("paravirtualizeTabs"));

    // Side by side, with the list of changes under it.
    auto *sideBySide = new QSplitter(Qt::Vertical, m_tabs);
    sideBySide->setChildrenCollapsible(false);
    auto *sources = new QSplitter(Qt::Horizontal, sideBySide);
    sources->setChildrenCollapsible(false);
    const auto column = [sources](QLabel *&title, AlignedSourceView *&view, const QString &name,
                                  const QString &toolTip) {
        auto *box = new QWidget(sources);
        auto *boxLayout = new QVBoxLayout(box);
        boxLayout->setContentsMargins(0, 0, 0, 0);
        boxLayout->setSpacing(2);
        title = new QLabel(box);
        QFont bold = title->font();
        bold.setBold(true);
        title->setFont(bold);
        view = new AlignedSourceView(box);
        view->setObjectName(name);
        view->setToolTip(toolTip);
        title->setBuddy(view);
        boxLayout->addWidget(title);
        boxLayout->addWidget(view, 1);
        sources->addWidget(box);
    };
    column(m_originalTitle, m_before, QStringLiteral("originalSource"),
           tr("The snippet as written for real hardware. Hover a highlighted line to read why "
              "it was rewritten."));
    column(m_paravirtualTitle, m_after, QStringLiteral("paravirtualSource"),
           tr("The paravirtual snippet: what the guest kernel looks like once it asks the "
              "hypervisor instead of executing sensitive instructions."));
    // The two sides scroll together, row for row.
    for (auto [from, to] : {std::pair{m_before, m_after}, std::pair{m_after, m_before}}) {
        connect(from->verticalScrollBar(), &QScrollBar::valueChanged, to->verticalScrollBar(),
                &QScrollBar::setValue);
    }

    m_changes = new QTreeWidget(sideBySide);
    m_changes->setObjectName(QStringLiteral("paravirtualizeChanges"));
    m_changes->setRootIsDecorated(false);
    m_changes->setAlternatingRowColors(true);
    m_changes->setUniformRowHeights(true);
    m_changes->setHeaderLabels({tr("Line"), tr("Original"), tr("Paravirtual"), tr("Why")});
    m_changes->setToolTip(tr("Every rewritten line and every line that cannot be rewritten. "
                             "Select one to show it in both sources."));
    m_changes->header()->setStretchLastSection(true);
    connect(m_changes, &QTreeWidget::currentItemChanged, this, [this](QTreeWidgetItem *item) {
        if (item != nullptr)
            showRow(item->data(0, Qt::UserRole).toInt());
    });
    sideBySide->addWidget(sources);
    sideBySide->addWidget(m_changes);
    sideBySide->setStretchFactor(0, 4);
    sideBySide->setStretchFactor(1, 1);
    m_tabs->addTab(sideBySide, tr("&Side by side"));
    m_tabs->setTabToolTip(0, tr("The original and the paravirtual snippet, line beside line"));

    m_diff = new QPlainTextEdit(m_tabs);
    m_diff->setObjectName(QStringLiteral("unifiedDiff"));
    m_diff->setReadOnly(true);
    m_diff->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_diff->setToolTip(tr("The same change as a unified diff (diff -u), as a patch to the "
                          "guest kernel would show it"));
    m_diffHighlighter = new DiffHighlighter(m_diff->document());
    m_tabs->addTab(m_diff, tr("&Unified diff"));
    m_tabs->setTabToolTip(1, tr("The change as a patch, three lines of context"));
    layout->addWidget(m_tabs, 1);

    auto *buttons = new QDialogButtonBox(this);
    m_open = buttons->addButton(tr("&Open as New Document"), QDialogButtonBox::ActionRole);
    m_open->setObjectName(QStringLiteral("openParavirtual"));
    m_open->setToolTip(tr("Put the paravirtual snippet in the editor as a new, unsaved document, "
                          "to run it under the paravirtual technique"));
    m_save = buttons->addButton(tr("Save &As..."), QDialogButtonBox::ActionRole);
    m_save->setObjectName(QStringLiteral("saveParavirtual"));
    m_save->setToolTip(tr("Save the paravirtual snippet to a file"));
    QPushButton *close = buttons->addButton(QDialogButtonBox::Close);
    close->setToolTip(tr("Close this window; the editor keeps the original"));
    connect(m_open, &QPushButton::clicked, this,
            [this] { emit openAsNewDocument(m_result.source, paravirtualName()); });
    connect(m_save, &QPushButton::clicked, this, &ParavirtualizeDialog::saveAs);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);

    const WorkbenchColors colors = WorkbenchColors::forPalette(palette());
    m_before->setColors(colors);
    m_after->setColors(colors);
    resize(1200, 760);
}

ParavirtualizeDialog::~ParavirtualizeDialog() = default;

QPlainTextEdit *ParavirtualizeDialog::originalView() const
{
    return m_before;
}

QPlainTextEdit *ParavirtualizeDialog::paravirtualView() const
{
    return m_after;
}

QList<int> ParavirtualizeDialog::highlightedOriginalLines() const
{
    return m_before->linesOfKind(RowKind::Removed);
}

QList<int> ParavirtualizeDialog::highlightedParavirtualLines() const
{
    return m_after->linesOfKind(RowKind::Inserted);
}

QList<int> ParavirtualizeDialog::refusedLines() const
{
    return m_before->linesOfKind(RowKind::Refused);
}

QString ParavirtualizeDialog::heading() const
{
    return m_heading->text() + QLatin1Char('\n') + m_subheading->text();
}

QString ParavirtualizeDialog::paravirtualName() const
{
    const QFileInfo info(m_fileName.isEmpty() ? tr("untitled.asm") : m_fileName);
    const QString suffix = info.suffix().isEmpty() ? QStringLiteral("asm") : info.suffix();
    return tr("%1-paravirtual.%2").arg(info.completeBaseName(), suffix);
}

void ParavirtualizeDialog::setResult(const QString &original, const QString &fileName,
                                     const ParavirtualizeResult &result)
{
    m_original = original;
    m_fileName = fileName;
    m_result = result;
    rebuild();
}

void ParavirtualizeDialog::rebuild()
{
    const WorkbenchColors colors = WorkbenchColors::forPalette(palette());
    const QStringList before = splitLines(m_original);
    const QStringList after = splitLines(m_result.source);
    const std::vector<AlignedRow> aligned = alignLines(before, after);

    // What each original line's change or refusal says.
    std::map<int, const RewriteChange *> changeAt;
    for (const RewriteChange &change : m_result.changes)
        changeAt[change.line] = &change;
    std::map<int, const RewriteRefusal *> refusalAt;
    for (const RewriteRefusal &refusal : m_result.refusals)
        refusalAt[refusal.line] = &refusal;
    const auto changeTip = [](const RewriteChange &change) {
        return QStringLiteral("<p><b>%1</b></p><p><tt>%2</tt> &rarr; <tt>%3</tt></p>")
            .arg(tr("Line %1: %2").arg(change.line).arg(change.explanation).toHtmlEscaped(),
                 change.original.trimmed().toHtmlEscaped(),
                 change.replaced.join(QStringLiteral("; ")).trimmed().toHtmlEscaped());
    };

    // A run of changed rows (a hunk) shares the explanations of the changes in it.
    std::vector<QString> hunkTips(aligned.size());
    std::vector<int> firstRowOfLine(static_cast<std::size_t>(before.size()) + 2, -1);
    for (std::size_t start = 0; start < aligned.size();) {
        if (!aligned[start].changed) {
            ++start;
            continue;
        }
        std::size_t end = start;
        QStringList tips;
        while (end < aligned.size() && aligned[end].changed) {
            if (const auto found = changeAt.find(aligned[end].before); found != changeAt.end())
                tips << changeTip(*found->second);
            ++end;
        }
        for (std::size_t r = start; r < end; ++r)
            hunkTips[r] = tips.join(QString());
        start = end;
    }

    QStringList leftTexts;
    QStringList rightTexts;
    std::vector<AlignedSourceView::Row> leftRows;
    std::vector<AlignedSourceView::Row> rightRows;
    for (std::size_t r = 0; r < aligned.size(); ++r) {
        const AlignedRow &row = aligned[r];
        AlignedSourceView::Row left{row.before, RowKind::Same, {}};
        AlignedSourceView::Row right{row.after, RowKind::Same, {}};
        if (row.before > 0 && static_cast<std::size_t>(row.before) < firstRowOfLine.size())
            firstRowOfLine[static_cast<std::size_t>(row.before)] = static_cast<int>(r);
        if (row.changed) {
            left.kind = row.before > 0 ? RowKind::Removed : RowKind::Filler;
            right.kind = row.after > 0 ? RowKind::Inserted : RowKind::Filler;
            left.toolTip = right.toolTip = hunkTips[r];
        }
        if (const auto refused = refusalAt.find(row.before); refused != refusalAt.end()) {
            left.kind = RowKind::Refused;
            left.toolTip =
                QStringLiteral("<p><b>%1</b></p><p>%2</p>")
                    .arg(tr("Line %1 cannot be rewritten").arg(row.before).toHtmlEscaped(),
                         refused->second->why.toHtmlEscaped());
        }
        leftTexts << (row.before > 0 ? before[row.before - 1] : QString());
        rightTexts << (row.after > 0 ? after[row.after - 1] : QString());
        leftRows.push_back(left);
        rightRows.push_back(right);
    }
    m_before->setRows(leftTexts, std::move(leftRows));
    m_after->setRows(rightTexts, std::move(rightRows));

    const QString name = m_fileName.isEmpty() ? tr("untitled.asm") : m_fileName;
    m_originalTitle->setText(tr("Original: %1").arg(name));
    m_paravirtualTitle->setText(tr("Paravirtual: %1").arg(paravirtualName()));

    m_heading->setText(tr("What Xen asked of Linux"));
    QString summary =
        tr("Xen runs the guest kernel deprivileged and asks it to be modified: every sensitive "
           "instruction becomes a hypercall or a write to the shared info page. %n line(s) of "
           "this snippet were rewritten.",
           nullptr, static_cast<int>(m_result.changes.size()))
            .toHtmlEscaped();
    if (!m_result.refusals.empty()) {
        summary += QStringLiteral(" <span style=\"color:%1\"><b>%2</b></span>")
                       .arg(colors.error.name(),
                            tr("%n line(s) cannot be rewritten (listed below); the paravirtual "
                               "snippet is incomplete.",
                               nullptr, static_cast<int>(m_result.refusals.size()))
                                .toHtmlEscaped());
    }
    const auto swatch = [](const QColor &color, const QString &text) {
        return QStringLiteral("<span style=\"white-space:nowrap\"><span style=\"background-color:"
                              "%1\">&nbsp;&nbsp;&nbsp;&nbsp;</span>&nbsp;%2</span>")
            .arg(color.name(), text.toHtmlEscaped());
    };
    summary +=
        QStringLiteral("<br>") + swatch(colors.difference, tr("rewritten in the original")) +
        QStringLiteral(" &nbsp;&nbsp; ") + swatch(colors.inserted, tr("what replaced it")) +
        QStringLiteral(" &nbsp;&nbsp; ") +
        tr("Hover a highlighted line, or pick one in the list, to read why.").toHtmlEscaped();
    m_subheading->setText(summary);

    // The list: changes and refusals in line order.
    m_changes->clear();
    struct Entry
    {
        int line;
        QStringList columns;
        bool refused;
    };
    std::vector<Entry> entries;
    for (const RewriteChange &change : m_result.changes)
        entries.push_back({change.line,
                           {QString::number(change.line), codeOf(change.original),
                            codeOf(change.replaced), change.explanation},
                           false});
    for (const RewriteRefusal &refusal : m_result.refusals)
        entries.push_back({refusal.line,
                           {QString::number(refusal.line), codeOf(refusal.text),
                            tr("(cannot be rewritten)"), refusal.why},
                           true});
    std::stable_sort(entries.begin(), entries.end(),
                     [](const Entry &a, const Entry &b) { return a.line < b.line; });
    const QFont fixed = valueFont().resolve(m_changes->font());
    for (const Entry &entry : entries) {
        auto *item = new QTreeWidgetItem(m_changes, entry.columns);
        const std::size_t line = static_cast<std::size_t>(std::max(0, entry.line));
        item->setData(0, Qt::UserRole, line < firstRowOfLine.size() ? firstRowOfLine[line] : -1);
        item->setTextAlignment(0, Qt::AlignRight | Qt::AlignVCenter);
        item->setFont(1, fixed);
        item->setFont(2, fixed);
        for (int c = 0; c < 4; ++c)
            item->setToolTip(c, entry.columns[c]);
        if (entry.refused) {
            item->setForeground(2, colors.error);
            item->setForeground(3, colors.error);
        }
    }
    // The code columns fit their text up to a quarter of the width each; "Why" gets the rest.
    const int widest = std::max(m_changes->width() / 4, 200);
    for (int c = 0; c < 3; ++c) {
        m_changes->resizeColumnToContents(c);
        m_changes->setColumnWidth(c, std::min(m_changes->columnWidth(c) + 12, widest));
    }
    // Open on the first change rather than on the file's header comment.
    if (QTreeWidgetItem *first = m_changes->topLevelItem(0))
        m_changes->setCurrentItem(first);

    m_diff->document()->setDefaultFont(valueFont().resolve(m_diff->font()));
    m_diff->setPlainText(unifiedDiff(m_original, m_result.source, name, paravirtualName()));
    static_cast<DiffHighlighter *>(m_diffHighlighter)->setColors(colors);
    m_open->setEnabled(!m_result.source.isEmpty());
    m_save->setEnabled(!m_result.source.isEmpty());
}

void ParavirtualizeDialog::showRow(int row)
{
    if (row < 0)
        return;
    m_tabs->setCurrentIndex(0);
    m_before->showRow(row);
    m_after->showRow(row);
}

bool ParavirtualizeDialog::saveAs()
{
    const QString path = askSaveFileName();
    return !path.isEmpty() && saveTo(path);
}

bool ParavirtualizeDialog::saveTo(const QString &path)
{
    const QString title = tr("Could Not Save File");
    const QString shown = QDir::toNativeSeparators(path);
    // As the editor saves: a temporary file renamed over the target once fully written.
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        reportError(title, tr("Could not save “%1”:\n%2").arg(shown, file.errorString()));
        return false;
    }
    const QByteArray bytes = m_result.source.toUtf8();
    if (file.write(bytes) != bytes.size()) {
        const QString error = file.errorString();
        file.cancelWriting();
        reportError(title, tr("Could not write “%1”:\n%2").arg(shown, error));
        return false;
    }
    if (!file.commit()) {
        reportError(title, tr("Could not save “%1”:\n%2").arg(shown, file.errorString()));
        return false;
    }
    m_lastDirectory = QFileInfo(path).absolutePath();
    return true;
}

QString ParavirtualizeDialog::askSaveFileName()
{
    QString directory = m_lastDirectory;
    if (directory.isEmpty())
        directory = m_fileName.isEmpty() || QFileInfo(m_fileName).isRelative()
                        ? QDir::homePath()
                        : QFileInfo(m_fileName).absolutePath();
    return QFileDialog::getSaveFileName(this, tr("Save the Paravirtual Snippet"),
                                        QDir(directory).filePath(paravirtualName()),
                                        tr("NASM sources (*.asm *.s *.nasm);;All files (*)"));
}

void ParavirtualizeDialog::reportError(const QString &title, const QString &text)
{
    QMessageBox::warning(this, title, text);
}

void ParavirtualizeDialog::changeEvent(QEvent *event)
{
    QDialog::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) {
        const WorkbenchColors colors = WorkbenchColors::forPalette(palette());
        m_before->setColors(colors);
        m_after->setColors(colors);
        if (!m_original.isEmpty() || !m_result.source.isEmpty())
            rebuild();
    }
}

} // namespace vmwb
