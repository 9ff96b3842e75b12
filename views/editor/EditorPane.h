#pragma once

// The Editor pane: the guest's source, its file, and the find bar. It hands the text to the
// controller a moment after the student stops typing, and shows what comes back: assembler
// errors on their lines, the line RIP is on, and breakpoints.

#include "common/Pane.h"

#include <QMessageBox>
#include <QStringList>

class QCheckBox;
class QLabel;
class QLineEdit;
class QTimer;
class QToolButton;

namespace vmwb {

class CodeEditor;

class EditorPane : public Pane
{
    Q_OBJECT

public:
    explicit EditorPane(WorkbenchController &controller, QWidget *parent = nullptr);
    ~EditorPane() override;

    CodeEditor *editor() const { return m_editor; }

    // The file being edited; empty for a new document or built-in text.
    QString fileName() const { return m_fileName; }
    // The name the user knows it by ("popf-if.asm", "untitled.asm"); also what the assembler's
    // messages name.
    QString displayName() const { return m_displayName; }
    bool isModified() const;
    // For the window title: "popf-if.asm*" when modified.
    QString title() const;

    // Most recent first; files that no longer exist are left out.
    QStringList recentFiles() const;
    static constexpr int kMaxRecentFiles = 10;

    // Writes the text to `path` atomically and makes it the document's file. A failure is
    // reported and leaves the text and the file as they were.
    bool saveTo(const QString &path);

    // How long the text must stay unchanged before it is assembled.
    static constexpr int kAssembleDelayMs = 400;

public slots:
    // These replace the text without asking: call maybeSave() first. A file that cannot be
    // read is reported (naming it) and leaves the document as it was.
    void newDocument();
    bool open(); // false if the dialog was cancelled or the file could not be read
    bool openFile(const QString &path);
    // Text without a file (the built-in demo); not modified afterwards.
    void setSourceText(const QString &text, const QString &displayName);
    // A new document holding `text` that has never been saved (e.g. the paravirtual form of
    // the snippet): modified, so that closing it asks, and Save asks for a file name.
    void openUnsaved(const QString &text, const QString &displayName);

    bool save();
    bool saveAs();
    // Offers to save unsaved changes: true to go on (saved or discarded), false on Cancel.
    bool maybeSave();

    void clearRecentFiles();

    void showFindBar();
    void hideFindBar();
    bool findNext();
    bool findPrevious();

signals:
    void titleChanged();
    void recentFilesChanged();

protected:
    void refresh() override;
    void changeEvent(QEvent *event) override;
    bool eventFilter(QObject *watched, QEvent *event) override;

    // The dialogs, one function each, so that tests can answer them without a display.
    virtual void reportError(const QString &title, const QString &text);
    // Save, Discard or Cancel.
    virtual QMessageBox::StandardButton askToSaveChanges();
    // Empty when the user cancels.
    virtual QString askOpenFileName();
    virtual QString askSaveFileName();

private:
    void buildFindBar(QWidget *parent);
    void updateFindStatusWidth();
    void loadText(const QString &text, const QString &fileName, const QString &displayName);
    void setFileName(const QString &fileName, const QString &displayName);
    void addRecentFile(const QString &path);
    void removeRecentFile(const QString &path);
    void scheduleAssembly();
    void assembleNow();
    void applyDiagnostics();
    void updateExecutionLine();
    void updateStatus();
    bool find(bool backward);
    void setFindStatus(const QString &text, bool failed);
    QString dialogDirectory() const;

    CodeEditor *m_editor = nullptr;
    QTimer *m_assembleTimer = nullptr;
    QWidget *m_findBar = nullptr;
    QLineEdit *m_findText = nullptr;
    QCheckBox *m_matchCase = nullptr;
    QToolButton *m_findPrevious = nullptr;
    QToolButton *m_findNext = nullptr;
    QToolButton *m_closeFind = nullptr;
    QLabel *m_findStatus = nullptr;
    bool m_findFailed = false;
    QLabel *m_status = nullptr;

    QString m_fileName;
    QString m_displayName;
    QString m_sentText; // what the controller was last asked to assemble, and under which name
    QString m_sentName;
    bool m_sentOnce = false;
    QString m_statusText; // in full; the label shows it elided
    bool m_diagnosticsStale = true;
};

} // namespace vmwb
