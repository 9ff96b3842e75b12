#pragma once

// The source editor: NASM highlighting, a gutter with line numbers, breakpoints and assembler
// markers, the line RIP is on, and assembler errors underlined where they are. It knows nothing
// of files or of the controller; the Editor pane wires it to both.
//
// Breakpoints live on the text blocks (QTextBlockUserData), so they stay on their lines when
// lines are inserted or deleted above them; a breakpoint line that is deleted or joined to the
// line above loses its breakpoint, and undo does not bring it back.

#include "assembler/Assembler.h"
#include "common/Colors.h"

#include <QList>
#include <QPlainTextEdit>
#include <QSet>
#include <QTextCursor>

namespace vmwb {

class CodeEditorGutter;
class NasmHighlighter;

class CodeEditor : public QPlainTextEdit
{
    Q_OBJECT

public:
    explicit CodeEditor(QWidget *parent = nullptr);
    ~CodeEditor() override;

    NasmHighlighter *highlighter() const { return m_highlighter; }

    // Lines are 1-based throughout, as in the assembler's messages.
    int cursorLine() const;
    void goToLine(int line);

    QSet<int> breakpointLines() const;
    void setBreakpointLines(const QSet<int> &lines);
    bool hasBreakpoint(int line) const;
    void toggleBreakpoint(int line);

    // The line RIP is on; 0 shows none.
    void setExecutionLine(int line);
    int executionLine() const { return m_executionLine; }

    // Marks each diagnostic's line; the marks follow their lines while the text is edited.
    void setDiagnostics(const QList<AssemblerDiagnostic> &diagnostics);
    // The diagnostics now on `line`.
    QList<AssemblerDiagnostic> diagnosticsAt(int line) const;
    // The lines that carry an error or warning mark, in order.
    QList<int> diagnosticLines() const;
    // What hovering `line` shows: its messages, one a line, or empty.
    QString diagnosticToolTip(int line) const;

    // Where a comparison found the first divergence from native execution (0: none): the
    // line is tinted and marked in the gutter, and hovering it shows `toolTip` (rich text).
    // Any edit clears it: the comparison was made of the text as it was.
    void setDivergenceMark(int line, const QString &toolTip);
    void clearDivergenceMark() { setDivergenceMark(0, {}); }
    int divergenceLine() const { return m_divergenceLine; }
    QString divergenceToolTip() const { return m_divergenceToolTip; }

    // Zoom in font steps relative to the application's font size.
    int zoom() const { return m_zoom; }
    void setZoom(int steps);

    // The gutter and where a line sits in it, for tests that click on it.
    QWidget *gutter() const;
    QRect gutterLineRect(int line) const;

public slots:
    void toggleBreakpointAtCursor();
    void zoomIn();
    void zoomOut();
    void resetZoom();

signals:
    void breakpointsChanged(const QSet<int> &lines);
    // A source file was dropped on the editor; the pane decides whether to open it.
    void fileDropped(const QString &path);

protected:
    bool event(QEvent *event) override;
    bool viewportEvent(QEvent *event) override;
    void changeEvent(QEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;
    void wheelEvent(QWheelEvent *event) override;
    void dragEnterEvent(QDragEnterEvent *event) override;
    void dragMoveEvent(QDragMoveEvent *event) override;
    void dropEvent(QDropEvent *event) override;

private:
    friend class CodeEditorGutter;

    struct Mark
    {
        QTextCursor anchor; // at the start of the line; moves with the text
        AssemblerDiagnostic diagnostic;
    };

    int gutterWidth() const;
    void paintGutter(QPaintEvent *event);
    void gutterPressed(const QPoint &position);
    QString gutterToolTip(const QPoint &position) const;
    int lineAtGutterY(int y) const;

    void applyColors();
    void applyFont();
    void updateGutterGeometry();
    void updateGutter(const QRect &rect, int dy);
    void updateExtraSelections();
    void scrollToLine(int line);
    void onContentsChange(int position, int removed, int added);
    void emitBreakpointsIfChanged();
    static QString droppedSourceFile(const QMimeData *mime);

    NasmHighlighter *m_highlighter = nullptr;
    CodeEditorGutter *m_gutter = nullptr;
    WorkbenchColors m_colors;
    QList<Mark> m_marks;
    QSet<int> m_lastBreakpoints;
    int m_executionLine = 0;
    int m_divergenceLine = 0;
    QString m_divergenceToolTip;
    QString m_divergenceText; // the text the divergence mark was placed on
    int m_zoom = 0;
    int m_wheelDelta = 0; // Ctrl+wheel: touchpads send many small steps
};

} // namespace vmwb
