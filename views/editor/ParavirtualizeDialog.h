#pragma once

// "What Xen asked of Linux": the snippet as written for real hardware beside its paravirtual
// form, in which every sensitive instruction has become a hypercall or a write to the shared
// info page. Rewritten lines sit level with what replaced them and are highlighted; each
// change says why (hover, or the list below); lines the rewriter cannot handle are listed
// with their line numbers. A second tab has the same as a unified diff, for slides.

#include "pv/Paravirtualizer.h"

#include <QDialog>
#include <vector>

class QLabel;
class QPlainTextEdit;
class QPushButton;
class QSyntaxHighlighter;
class QTabWidget;
class QTreeWidget;

namespace vmwb {

class AlignedSourceView;

class ParavirtualizeDialog : public QDialog
{
    Q_OBJECT

public:
    explicit ParavirtualizeDialog(QWidget *parent = nullptr);
    ~ParavirtualizeDialog() override;

    // Shows `original` (from `fileName`, as the user knows it) beside `result`.
    void setResult(const QString &original, const QString &fileName,
                   const ParavirtualizeResult &result);

    const ParavirtualizeResult &result() const { return m_result; }
    // "popf-if-paravirtual.asm" for "popf-if.asm".
    QString paravirtualName() const;

    // The two sides and what they show, row by row (rows line up across the sides).
    QPlainTextEdit *originalView() const;
    QPlainTextEdit *paravirtualView() const;
    // The 1-based source lines highlighted as rewritten on each side.
    QList<int> highlightedOriginalLines() const;
    QList<int> highlightedParavirtualLines() const;
    // The lines of the original the rewriter refused.
    QList<int> refusedLines() const;
    QTreeWidget *changeList() const { return m_changes; }
    QPlainTextEdit *diffView() const { return m_diff; }
    QTabWidget *tabs() const { return m_tabs; }
    QString heading() const;

    // Writes the paravirtual source to `path` atomically. A failure is reported.
    bool saveTo(const QString &path);

public slots:
    bool saveAs();

signals:
    // The user wants the paravirtual source in the editor, to run it.
    void openAsNewDocument(const QString &source, const QString &displayName);

protected:
    void changeEvent(QEvent *event) override;
    // The dialogs, one function each, so that tests can answer them without a display.
    virtual QString askSaveFileName();
    virtual void reportError(const QString &title, const QString &text);

private:
    void rebuild();
    void showRow(int row);

    QString m_original;
    QString m_fileName;
    ParavirtualizeResult m_result;
    QString m_lastDirectory;

    QLabel *m_heading = nullptr;
    QLabel *m_subheading = nullptr;
    QLabel *m_originalTitle = nullptr;
    QLabel *m_paravirtualTitle = nullptr;
    AlignedSourceView *m_before = nullptr;
    AlignedSourceView *m_after = nullptr;
    QTreeWidget *m_changes = nullptr;
    QPlainTextEdit *m_diff = nullptr;
    QSyntaxHighlighter *m_diffHighlighter = nullptr;
    QTabWidget *m_tabs = nullptr;
    QPushButton *m_open = nullptr;
    QPushButton *m_save = nullptr;
};

} // namespace vmwb
