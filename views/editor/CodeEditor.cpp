#include "editor/CodeEditor.h"

#include "editor/NasmHighlighter.h"

#include <QApplication>
#include <QFileInfo>
#include <QFontDatabase>
#include <QKeyEvent>
#include <QMimeData>
#include <QPainter>
#include <QPainterPath>
#include <QScrollBar>
#include <QTextBlock>
#include <QToolTip>
#include <QUrl>
#include <algorithm>
#include <cmath>

namespace vmwb {

namespace {

// A breakpoint is this marker on the line's block: the block carries it along when lines
// above are inserted or removed.
class BreakpointMark : public QTextBlockUserData
{};

bool hasBreakpointMark(const QTextBlock &block)
{
    return dynamic_cast<BreakpointMark *>(block.userData()) != nullptr;
}

constexpr int kTabWidthInSpaces = 4;
constexpr int kMinZoom = -8;
constexpr int kMaxZoom = 40;
constexpr qreal kMinPointSize = 6.0;

QColor mix(const QColor &base, const QColor &over, qreal amount)
{
    auto channel = [amount](int from, int to) {
        return static_cast<int>(std::lround(from + (to - from) * amount));
    };
    return {channel(base.red(), over.red()), channel(base.green(), over.green()),
            channel(base.blue(), over.blue())};
}

// Where the gutter's parts sit, from the left: breakpoint and RIP arrow, line number,
// assembler mark. Everything scales with the font, so zoom and lecture fonts keep the
// proportions and the marks stay large enough to see from the back of a lecture hall.
struct GutterLayout
{
    qreal lineHeight = 0;
    qreal markerX = 0;
    qreal markerWidth = 0;
    qreal numberX = 0;
    qreal numberWidth = 0;
    qreal diagnosticX = 0;
    qreal diagnosticWidth = 0;
    int width = 0;
};

GutterLayout gutterLayout(const QFont &font, int blockCount)
{
    const QFontMetricsF metrics(font);
    int digits = 1;
    for (int n = std::max(1, blockCount); n >= 10; n /= 10)
        ++digits;
    digits = std::max(digits, 3);

    GutterLayout layout;
    layout.lineHeight = metrics.height();
    const qreal padding = std::round(layout.lineHeight / 4);
    layout.markerX = padding;
    layout.markerWidth = layout.lineHeight;
    layout.numberX = layout.markerX + layout.markerWidth + padding / 2;
    layout.numberWidth = metrics.horizontalAdvance(QLatin1Char('9')) * digits;
    layout.diagnosticX = layout.numberX + layout.numberWidth + padding / 2;
    layout.diagnosticWidth = layout.lineHeight;
    layout.width = static_cast<int>(std::ceil(layout.diagnosticX + layout.diagnosticWidth));
    return layout;
}

// An exclamation mark drawn as shapes, so it looks the same in every font.
void drawExclamation(QPainter &painter, const QRectF &box, const QColor &colour)
{
    const qreal w = box.width();
    const qreal stroke = w * 0.16;
    painter.setPen(Qt::NoPen);
    painter.setBrush(colour);
    const qreal x = box.center().x() - stroke / 2;
    painter.drawRoundedRect(QRectF(x, box.top() + w * 0.22, stroke, w * 0.38), stroke / 2,
                            stroke / 2);
    painter.drawEllipse(QRectF(x, box.top() + w * 0.68, stroke, stroke));
}

// A diamond with a "not equal" sign: where a technique first differs from native execution.
void drawDivergenceMark(QPainter &painter, const QRectF &box, const QColor &colour)
{
    QPainterPath diamond;
    diamond.moveTo(box.center().x(), box.top());
    diamond.lineTo(box.right(), box.center().y());
    diamond.lineTo(box.center().x(), box.bottom());
    diamond.lineTo(box.left(), box.center().y());
    diamond.closeSubpath();
    painter.setPen(Qt::NoPen);
    painter.setBrush(colour);
    painter.drawPath(diamond);

    const qreal w = box.width();
    const QPointF c = box.center();
    painter.setPen(QPen(colour.lightness() > 153 ? QColor(0x1b, 0x1f, 0x24) : QColor(Qt::white),
                        w * 0.09, Qt::SolidLine, Qt::RoundCap));
    painter.drawLine(QPointF(c.x() - w * 0.18, c.y() - w * 0.08),
                     QPointF(c.x() + w * 0.18, c.y() - w * 0.08));
    painter.drawLine(QPointF(c.x() - w * 0.18, c.y() + w * 0.08),
                     QPointF(c.x() + w * 0.18, c.y() + w * 0.08));
    painter.drawLine(QPointF(c.x() + w * 0.1, c.y() - w * 0.2),
                     QPointF(c.x() - w * 0.1, c.y() + w * 0.2));
}

// Where a line's code ends: at its comment, or at the end of the line.
qsizetype codeEnd(const QString &text)
{
    QChar quote;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text.at(i);
        if (!quote.isNull()) {
            if (quote == u'`' && c == u'\\')
                ++i;
            else if (c == quote)
                quote = QChar();
        } else if (c == u'\'' || c == u'"' || c == u'`') {
            quote = c;
        } else if (c == u';') {
            return i;
        }
    }
    return text.size();
}

QColor contrastingInk(const QColor &fill)
{
    return fill.lightness() > 153 ? QColor(0x1b, 0x1f, 0x24) : QColor(Qt::white);
}

} // namespace

// The strip left of the text. It only forwards to the editor, which knows the layout.
class CodeEditorGutter : public QWidget
{
public:
    explicit CodeEditorGutter(CodeEditor *editor) : QWidget(editor), m_editor(editor)
    {
        setCursor(Qt::PointingHandCursor);
        setAccessibleName(CodeEditor::tr("Line numbers and breakpoints"));
    }

    QSize sizeHint() const override { return {m_editor->gutterWidth(), 0}; }

protected:
    void paintEvent(QPaintEvent *event) override { m_editor->paintGutter(event); }

    void mousePressEvent(QMouseEvent *event) override
    {
        if (event->button() == Qt::LeftButton) {
            m_editor->gutterPressed(event->position().toPoint());
            event->accept();
            return;
        }
        QWidget::mousePressEvent(event);
    }

    void mouseReleaseEvent(QMouseEvent *event) override
    {
        // The press did the work; the release must not reach the text as a click.
        event->accept();
    }

    bool event(QEvent *event) override
    {
        if (event->type() == QEvent::ToolTip) {
            const auto *help = static_cast<QHelpEvent *>(event);
            const QString tip = m_editor->gutterToolTip(help->pos());
            if (tip.isEmpty())
                QToolTip::hideText();
            else
                QToolTip::showText(help->globalPos(), tip, this);
            return true;
        }
        return QWidget::event(event);
    }

private:
    CodeEditor *m_editor;
};

CodeEditor::CodeEditor(QWidget *parent) : QPlainTextEdit(parent)
{
    setObjectName(QStringLiteral("codeEditor"));
    setAccessibleName(tr("Source editor"));
    setWhatsThis(tr("The guest program in NASM syntax. It is assembled a moment after you stop "
                    "typing; errors are underlined, and hovering a line shows the message. "
                    "Click the gutter or press F9 to set a breakpoint."));
    setLineWrapMode(QPlainTextEdit::NoWrap);
    setTabChangesFocus(false);

    m_highlighter = new NasmHighlighter(document());
    m_gutter = new CodeEditorGutter(this);

    connect(this, &QPlainTextEdit::blockCountChanged, this, &CodeEditor::updateGutterGeometry);
    connect(this, &QPlainTextEdit::updateRequest, this, &CodeEditor::updateGutter);
    connect(this, &QPlainTextEdit::cursorPositionChanged, this, [this] {
        updateExtraSelections();
        m_gutter->update();
    });
    connect(document(), &QTextDocument::contentsChange, this, &CodeEditor::onContentsChange);

    applyFont();
    applyColors();
    updateGutterGeometry();
}

CodeEditor::~CodeEditor() = default;

QWidget *CodeEditor::gutter() const
{
    return m_gutter;
}

// --- lines -------------------------------------------------------------------------------

int CodeEditor::cursorLine() const
{
    return textCursor().blockNumber() + 1;
}

void CodeEditor::goToLine(int line)
{
    const QTextBlock block = document()->findBlockByNumber(line - 1);
    if (!block.isValid())
        return;
    scrollToLine(line);
    setTextCursor(QTextCursor(block));
}

void CodeEditor::scrollToLine(int line)
{
    const QTextBlock block = document()->findBlockByNumber(line - 1);
    if (!block.isValid())
        return;
    const QRectF rect = blockBoundingGeometry(block).translated(contentOffset());
    if (rect.top() >= 0 && rect.bottom() <= viewport()->height())
        return;
    // Without wrapping the scroll bar counts lines. A third of the way down leaves room to see
    // where the guest goes next.
    const int visibleLines = std::max(1, viewport()->height() / fontMetrics().lineSpacing());
    verticalScrollBar()->setValue(line - 1 - visibleLines / 3);
}

// --- breakpoints -------------------------------------------------------------------------

QSet<int> CodeEditor::breakpointLines() const
{
    QSet<int> lines;
    for (QTextBlock block = document()->begin(); block.isValid(); block = block.next()) {
        if (hasBreakpointMark(block))
            lines.insert(block.blockNumber() + 1);
    }
    return lines;
}

bool CodeEditor::hasBreakpoint(int line) const
{
    return hasBreakpointMark(document()->findBlockByNumber(line - 1));
}

void CodeEditor::setBreakpointLines(const QSet<int> &lines)
{
    for (QTextBlock block = document()->begin(); block.isValid(); block = block.next()) {
        const bool wanted = lines.contains(block.blockNumber() + 1);
        if (wanted != hasBreakpointMark(block))
            block.setUserData(wanted ? new BreakpointMark : nullptr);
    }
    emitBreakpointsIfChanged();
}

void CodeEditor::toggleBreakpoint(int line)
{
    QTextBlock block = document()->findBlockByNumber(line - 1);
    if (!block.isValid())
        return;
    block.setUserData(hasBreakpointMark(block) ? nullptr : new BreakpointMark);
    emitBreakpointsIfChanged();
}

void CodeEditor::toggleBreakpointAtCursor()
{
    toggleBreakpoint(cursorLine());
}

void CodeEditor::emitBreakpointsIfChanged()
{
    const QSet<int> lines = breakpointLines();
    m_gutter->update();
    if (lines == m_lastBreakpoints)
        return;
    m_lastBreakpoints = lines;
    emit breakpointsChanged(lines);
}

void CodeEditor::onContentsChange(int position, int removed, int added)
{
    // A line break typed (or lines pasted) at the very start of a breakpoint's line pushes
    // that line's text down; the document leaves the mark on the new line above, so move it
    // to where the text went.
    if (removed == 0 && added > 0) {
        QTextBlock start = document()->findBlock(position);
        QTextBlock moved = document()->findBlock(position + added);
        if (start.position() == position && hasBreakpointMark(start) && moved.isValid() &&
            moved != start && !hasBreakpointMark(moved)) {
            start.setUserData(nullptr);
            moved.setUserData(new BreakpointMark);
        }
    }
    if (removed != 0 || added != 0)
        emitBreakpointsIfChanged();
    // Highlighting changes formats through this signal too; only a change of the text itself
    // makes the comparison's line numbers stale.
    if (m_divergenceLine != 0 && toPlainText() != m_divergenceText)
        clearDivergenceMark();
}

// --- execution line and diagnostics ------------------------------------------------------

void CodeEditor::setExecutionLine(int line)
{
    if (line < 0 || line > blockCount())
        line = 0;
    if (line == m_executionLine)
        return;
    m_executionLine = line;
    updateExtraSelections();
    m_gutter->update();
    if (line != 0)
        scrollToLine(line);
}

void CodeEditor::setDivergenceMark(int line, const QString &toolTip)
{
    if (line < 0 || line > blockCount())
        line = 0;
    m_divergenceLine = line;
    m_divergenceToolTip = line != 0 ? toolTip : QString();
    m_divergenceText = line != 0 ? toPlainText() : QString();
    updateExtraSelections();
    m_gutter->update();
    if (line != 0)
        scrollToLine(line);
}

void CodeEditor::setDiagnostics(const QList<AssemblerDiagnostic> &diagnostics)
{
    m_marks.clear();
    for (const AssemblerDiagnostic &diagnostic : diagnostics) {
        const QTextBlock block = document()->findBlockByNumber(diagnostic.line - 1);
        if (diagnostic.line < 1 || !block.isValid())
            continue;
        m_marks.append({QTextCursor(block), diagnostic});
    }
    updateExtraSelections();
    m_gutter->update();
}

QList<AssemblerDiagnostic> CodeEditor::diagnosticsAt(int line) const
{
    QList<AssemblerDiagnostic> found;
    for (const Mark &mark : m_marks) {
        if (mark.anchor.blockNumber() + 1 == line)
            found.append(mark.diagnostic);
    }
    return found;
}

QList<int> CodeEditor::diagnosticLines() const
{
    QList<int> lines;
    for (const Mark &mark : m_marks) {
        const int line = mark.anchor.blockNumber() + 1;
        if (!lines.contains(line))
            lines.append(line);
    }
    std::sort(lines.begin(), lines.end());
    return lines;
}

QString CodeEditor::diagnosticToolTip(int line) const
{
    QStringList parts;
    for (const AssemblerDiagnostic &diagnostic : diagnosticsAt(line)) {
        const QString message = diagnostic.message.toHtmlEscaped();
        parts << (diagnostic.severity == AssemblerDiagnostic::Severity::Error
                      ? tr("<b>Error:</b> %1").arg(message)
                      : tr("<b>Warning:</b> %1").arg(message));
    }
    if (parts.isEmpty())
        return {};
    // One message a line, unwrapped: NASM's messages are short, and wrapping them into a
    // narrow column breaks option names like -w+number-overflow.
    return QStringLiteral("<p style='white-space:pre'>") + parts.join(QStringLiteral("<br>")) +
           QStringLiteral("</p>");
}

void CodeEditor::updateExtraSelections()
{
    QList<QTextEdit::ExtraSelection> selections;
    auto wholeLine = [](const QTextBlock &block, const QColor &background) {
        QTextEdit::ExtraSelection selection;
        selection.format.setBackground(background);
        selection.format.setProperty(QTextFormat::FullWidthSelection, true);
        selection.cursor = QTextCursor(block);
        return selection;
    };

    const QColor base = palette().color(QPalette::Base);
    if (!isReadOnly()) {
        selections.append(
            wholeLine(textCursor().block(), mix(base, m_colors.text, m_colors.dark ? 0.09 : 0.06)));
    }

    // A faint tint says "this line" from across the room; the wave says "this text".
    QList<QTextEdit::ExtraSelection> underlines;
    for (const Mark &mark : m_marks) {
        const QTextBlock block = mark.anchor.block();
        const bool error = mark.diagnostic.severity == AssemblerDiagnostic::Severity::Error;
        const QColor colour = error ? m_colors.error : m_colors.warning;
        selections.append(wholeLine(block, mix(base, colour, m_colors.dark ? 0.22 : 0.12)));

        const QString text = block.text();
        qsizetype first = 0;
        while (first < text.size() && text.at(first).isSpace())
            ++first;
        // The error is in the code, not in the comment after it.
        qsizetype last = codeEnd(text);
        if (last == first)
            last = text.size(); // a comment-only line: mark what is there
        while (last > first && text.at(last - 1).isSpace())
            --last;
        if (last == first)
            continue;
        QTextEdit::ExtraSelection underline;
        underline.cursor = QTextCursor(block);
        underline.cursor.setPosition(block.position() + static_cast<int>(first));
        underline.cursor.setPosition(block.position() + static_cast<int>(last),
                                     QTextCursor::KeepAnchor);
        underline.format.setUnderlineStyle(QTextCharFormat::WaveUnderline);
        underline.format.setUnderlineColor(colour);
        underline.format.setToolTip(mark.diagnostic.message);
        underlines.append(underline);
    }

    if (m_divergenceLine > 0) {
        const QTextBlock block = document()->findBlockByNumber(m_divergenceLine - 1);
        if (block.isValid()) {
            const QColor colour = m_colors.sensitivity(Sensitivity::SensitiveUnprivileged);
            selections.append(wholeLine(block, mix(base, colour, m_colors.dark ? 0.32 : 0.2)));
        }
    }

    if (m_executionLine > 0) {
        const QTextBlock block = document()->findBlockByNumber(m_executionLine - 1);
        if (block.isValid())
            selections.append(wholeLine(block, m_colors.currentLine));
    }
    selections.append(underlines);
    setExtraSelections(selections);
}

// --- gutter ------------------------------------------------------------------------------

int CodeEditor::gutterWidth() const
{
    return gutterLayout(font(), blockCount()).width;
}

void CodeEditor::updateGutterGeometry()
{
    const int width = gutterWidth();
    setViewportMargins(width, 0, 0, 0);
    const QRect contents = contentsRect();
    m_gutter->setGeometry(QRect(contents.left(), contents.top(), width, contents.height()));
    m_gutter->update();
}

void CodeEditor::updateGutter(const QRect &rect, int dy)
{
    if (dy != 0)
        m_gutter->scroll(0, dy);
    else
        m_gutter->update(0, rect.y(), m_gutter->width(), rect.height());
}

QRect CodeEditor::gutterLineRect(int line) const
{
    const QTextBlock block = document()->findBlockByNumber(line - 1);
    if (!block.isValid())
        return {};
    const QRectF rect = blockBoundingGeometry(block).translated(contentOffset());
    return QRectF(0, rect.top(), m_gutter->width(), rect.height()).toAlignedRect();
}

int CodeEditor::lineAtGutterY(int y) const
{
    for (QTextBlock block = firstVisibleBlock(); block.isValid(); block = block.next()) {
        const QRectF rect = blockBoundingGeometry(block).translated(contentOffset());
        if (rect.top() > y)
            break;
        if (block.isVisible() && y < rect.bottom())
            return block.blockNumber() + 1;
    }
    return 0;
}

void CodeEditor::gutterPressed(const QPoint &position)
{
    if (const int line = lineAtGutterY(position.y()); line > 0)
        toggleBreakpoint(line);
}

QString CodeEditor::gutterToolTip(const QPoint &position) const
{
    const int line = lineAtGutterY(position.y());
    if (line == 0)
        return {};
    QStringList notes;
    const QString divergence = line == m_divergenceLine ? m_divergenceToolTip : QString();
    if (line == m_executionLine)
        notes << tr("The guest's next instruction (RIP) is on line %1.").arg(line);
    notes << (hasBreakpoint(line)
                  ? tr("Line %1 has a breakpoint. Click or press F9 to remove it.").arg(line)
                  : tr("Line %1. Click or press F9 to stop the guest here.").arg(line));
    return diagnosticToolTip(line) + divergence + QStringLiteral("<p style='white-space:pre'>") +
           notes.join(QStringLiteral("<br>")) + QStringLiteral("</p>");
}

void CodeEditor::paintGutter(QPaintEvent *event)
{
    const GutterLayout layout = gutterLayout(font(), blockCount());
    const QColor base = palette().color(QPalette::Base);
    const QColor background = mix(base, m_colors.text, m_colors.dark ? 0.05 : 0.04);

    QPainter painter(m_gutter);
    painter.setRenderHint(QPainter::Antialiasing);
    painter.fillRect(event->rect(), background);
    painter.setFont(font());

    const int cursorBlock = textCursor().blockNumber();
    QTextBlock block = firstVisibleBlock();
    const QPointF offset = contentOffset();
    while (block.isValid()) {
        const QRectF bounds = blockBoundingGeometry(block).translated(offset);
        if (bounds.top() > event->rect().bottom())
            break;
        const int line = block.blockNumber() + 1;
        if (block.isVisible() && bounds.bottom() >= event->rect().top()) {
            // The first visual line of the block; the rest only matters with wrapping.
            const QRectF row(0, bounds.top(), layout.width,
                             std::min(bounds.height(), layout.lineHeight));
            const bool executing = line == m_executionLine;
            if (executing)
                painter.fillRect(QRectF(0, bounds.top(), layout.width, bounds.height()),
                                 m_colors.currentLine);

            const QRectF marker(layout.markerX, row.top(), layout.markerWidth, row.height());
            if (hasBreakpointMark(block)) {
                const qreal d = layout.lineHeight * 0.78;
                const QRectF dot(marker.center().x() - d / 2, marker.center().y() - d / 2, d, d);
                painter.setPen(QPen(m_colors.breakpoint.darker(135), layout.lineHeight / 14));
                painter.setBrush(m_colors.breakpoint);
                painter.drawEllipse(dot);
            }
            if (executing) {
                // A block arrow: readable over a breakpoint dot and on the line's background.
                // Smaller than the breakpoint dot, so that a dot under it still shows.
                const qreal h = layout.lineHeight * 0.56;
                const qreal w = layout.lineHeight * 0.68;
                const qreal left = marker.center().x() - w / 2;
                const qreal mid = marker.center().y();
                const qreal shaft = h * 0.42;
                QPainterPath arrow;
                arrow.moveTo(left, mid - shaft / 2);
                arrow.lineTo(left + w * 0.5, mid - shaft / 2);
                arrow.lineTo(left + w * 0.5, mid - h / 2);
                arrow.lineTo(left + w, mid);
                arrow.lineTo(left + w * 0.5, mid + h / 2);
                arrow.lineTo(left + w * 0.5, mid + shaft / 2);
                arrow.lineTo(left, mid + shaft / 2);
                arrow.closeSubpath();
                const QColor fill =
                    m_colors.dark ? QColor(0xff, 0xd5, 0x4f) : QColor(0xf9, 0xa8, 0x25);
                painter.setPen(
                    QPen(m_colors.dark ? QColor(0x1a, 0x1d, 0x22) : QColor(0x5d, 0x40, 0x00),
                         layout.lineHeight / 14, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
                painter.setBrush(fill);
                painter.drawPath(arrow);
            }

            QFont numberFont = font();
            numberFont.setBold(executing || line - 1 == cursorBlock);
            painter.setFont(numberFont);
            painter.setPen(executing || line - 1 == cursorBlock ? m_colors.text : m_colors.dimText);
            painter.drawText(QRectF(layout.numberX, row.top(), layout.numberWidth, row.height()),
                             Qt::AlignRight | Qt::AlignVCenter, QString::number(line));

            const QList<AssemblerDiagnostic> diagnostics = diagnosticsAt(line);
            if (line == m_divergenceLine && diagnostics.isEmpty()) {
                const qreal d = layout.lineHeight * 0.86;
                const QRectF box(layout.diagnosticX + (layout.diagnosticWidth - d) / 2,
                                 row.center().y() - d / 2, d, d);
                drawDivergenceMark(painter, box,
                                   m_colors.sensitivity(Sensitivity::SensitiveUnprivileged));
            }
            if (!diagnostics.isEmpty()) {
                const bool error = std::any_of(
                    diagnostics.begin(), diagnostics.end(), [](const AssemblerDiagnostic &d) {
                        return d.severity == AssemblerDiagnostic::Severity::Error;
                    });
                const QColor colour = error ? m_colors.error : m_colors.warning;
                // A triangle looks smaller than a circle of the same size.
                const qreal d = layout.lineHeight * (error ? 0.74 : 0.86);
                const QRectF box(layout.diagnosticX + (layout.diagnosticWidth - d) / 2,
                                 row.center().y() - d / 2, d, d);
                painter.setPen(Qt::NoPen);
                painter.setBrush(colour);
                if (error) {
                    painter.drawEllipse(box);
                } else {
                    QPainterPath triangle;
                    triangle.moveTo(box.center().x(), box.top());
                    triangle.lineTo(box.right(), box.bottom());
                    triangle.lineTo(box.left(), box.bottom());
                    triangle.closeSubpath();
                    painter.drawPath(triangle);
                }
                drawExclamation(painter, box, contrastingInk(colour));
            }
        }
        block = block.next();
    }

    // A hairline between gutter and text.
    painter.setPen(QPen(mix(base, m_colors.text, 0.18), 0));
    painter.drawLine(QPointF(layout.width - 0.5, event->rect().top()),
                     QPointF(layout.width - 0.5, event->rect().bottom() + 1));
}

// --- appearance --------------------------------------------------------------------------

void CodeEditor::applyColors()
{
    m_colors = WorkbenchColors::forPalette(palette());
    m_highlighter->setColors(m_colors);
    updateExtraSelections();
    m_gutter->update();
}

void CodeEditor::applyFont()
{
    QFont fixed = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    // Follow the application's font size, so that lecture mode's larger fonts reach the code.
    qreal size = QApplication::font().pointSizeF();
    if (size <= 0)
        size = fixed.pointSizeF();
    fixed.setPointSizeF(std::max(kMinPointSize, size + m_zoom));
    fixed.setStyleHint(QFont::Monospace);
    fixed.setFixedPitch(true);
    setFont(fixed);
}

void CodeEditor::setZoom(int steps)
{
    steps = std::clamp(steps, kMinZoom, kMaxZoom);
    if (steps == m_zoom)
        return;
    m_zoom = steps;
    applyFont();
}

void CodeEditor::zoomIn()
{
    setZoom(m_zoom + 1);
}

void CodeEditor::zoomOut()
{
    setZoom(m_zoom - 1);
}

void CodeEditor::resetZoom()
{
    setZoom(0);
}

// --- events ------------------------------------------------------------------------------

bool CodeEditor::event(QEvent *event)
{
    switch (event->type()) {
    case QEvent::ShortcutOverride: {
        // F9 belongs to the editor while it has focus, even if a window action uses it.
        const auto *key = static_cast<QKeyEvent *>(event);
        if (key->key() == Qt::Key_F9 && key->modifiers() == Qt::NoModifier) {
            event->accept();
            return true;
        }
        break;
    }
    case QEvent::ApplicationFontChange:
        applyFont();
        break;
    default:
        break;
    }
    return QPlainTextEdit::event(event);
}

bool CodeEditor::viewportEvent(QEvent *event)
{
    if (event->type() == QEvent::ToolTip) {
        const auto *help = static_cast<QHelpEvent *>(event);
        const int line = cursorForPosition(help->pos()).blockNumber() + 1;
        QString tip = diagnosticToolTip(line);
        if (line == m_divergenceLine)
            tip += m_divergenceToolTip;
        if (tip.isEmpty())
            QToolTip::hideText();
        else
            QToolTip::showText(help->globalPos(), tip, viewport());
        return true;
    }
    return QPlainTextEdit::viewportEvent(event);
}

void CodeEditor::changeEvent(QEvent *event)
{
    QPlainTextEdit::changeEvent(event);
    switch (event->type()) {
    case QEvent::PaletteChange:
    case QEvent::ApplicationPaletteChange:
    case QEvent::StyleChange:
        applyColors();
        break;
    case QEvent::FontChange:
        setTabStopDistance(QFontMetricsF(font()).horizontalAdvance(QLatin1Char(' ')) *
                           kTabWidthInSpaces);
        updateGutterGeometry();
        break;
    default:
        break;
    }
}

void CodeEditor::resizeEvent(QResizeEvent *event)
{
    QPlainTextEdit::resizeEvent(event);
    updateGutterGeometry();
}

void CodeEditor::keyPressEvent(QKeyEvent *event)
{
    if (event->key() == Qt::Key_F9 && event->modifiers() == Qt::NoModifier) {
        toggleBreakpointAtCursor();
        event->accept();
        return;
    }
    if (event->modifiers() & Qt::ControlModifier) {
        // Ctrl+= as well as Ctrl++: on most layouts + needs Shift.
        if (event->matches(QKeySequence::ZoomIn) || event->key() == Qt::Key_Equal) {
            zoomIn();
            return;
        }
        if (event->matches(QKeySequence::ZoomOut)) {
            zoomOut();
            return;
        }
        if (event->key() == Qt::Key_0) {
            resetZoom();
            return;
        }
    }
    QPlainTextEdit::keyPressEvent(event);
}

void CodeEditor::wheelEvent(QWheelEvent *event)
{
    if (event->modifiers() & Qt::ControlModifier) {
        // One step per notch of a mouse wheel (120 units, QWheelEvent::angleDelta).
        m_wheelDelta += event->angleDelta().y();
        for (; m_wheelDelta >= 120; m_wheelDelta -= 120)
            zoomIn();
        for (; m_wheelDelta <= -120; m_wheelDelta += 120)
            zoomOut();
        event->accept();
        return;
    }
    QPlainTextEdit::wheelEvent(event);
}

QString CodeEditor::droppedSourceFile(const QMimeData *mime)
{
    if (!mime || !mime->hasUrls())
        return {};
    static const QStringList suffixes = {QStringLiteral("asm"), QStringLiteral("inc"),
                                         QStringLiteral("s"), QStringLiteral("nasm")};
    for (const QUrl &url : mime->urls()) {
        if (url.isLocalFile() &&
            suffixes.contains(QFileInfo(url.toLocalFile()).suffix(), Qt::CaseInsensitive))
            return url.toLocalFile();
    }
    return {};
}

void CodeEditor::dragEnterEvent(QDragEnterEvent *event)
{
    if (!droppedSourceFile(event->mimeData()).isEmpty()) {
        event->acceptProposedAction();
        return;
    }
    if (event->mimeData()->hasUrls()) {
        // Other files: never paste their paths into the program.
        event->ignore();
        return;
    }
    QPlainTextEdit::dragEnterEvent(event);
}

void CodeEditor::dragMoveEvent(QDragMoveEvent *event)
{
    if (!droppedSourceFile(event->mimeData()).isEmpty()) {
        event->acceptProposedAction();
        return;
    }
    if (event->mimeData()->hasUrls()) {
        event->ignore();
        return;
    }
    QPlainTextEdit::dragMoveEvent(event);
}

void CodeEditor::dropEvent(QDropEvent *event)
{
    if (const QString path = droppedSourceFile(event->mimeData()); !path.isEmpty()) {
        event->acceptProposedAction();
        emit fileDropped(path);
        return;
    }
    if (event->mimeData()->hasUrls()) {
        event->ignore();
        return;
    }
    QPlainTextEdit::dropEvent(event);
}

} // namespace vmwb
