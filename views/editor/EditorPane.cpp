#include "editor/EditorPane.h"

#include "common/Colors.h"
#include "controller/WorkbenchController.h"
#include "editor/CodeEditor.h"

#include <QAction>
#include <QCheckBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QSaveFile>
#include <QSettings>
#include <QShortcut>
#include <QStandardPaths>
#include <QStringDecoder>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>
#include <algorithm>

namespace vmwb {

namespace {

const QString kRecentFilesKey = QStringLiteral("editor/recentFiles");
// Guest snippets are a few kilobytes; anything this large is not one.
constexpr qint64 kMaxSourceBytes = 4 * 1024 * 1024;

QString nativePath(const QString &path)
{
    return QDir::toNativeSeparators(path);
}

// The program's size: from the load address to the end of the last byte a line produced.
std::uint64_t programBytes(const ProgramView &program)
{
    std::uint64_t end = program.loadAddress;
    for (const LineMapping &mapping : program.lines)
        end = std::max(end, mapping.address + mapping.size);
    return end - program.loadAddress;
}

} // namespace

EditorPane::EditorPane(WorkbenchController &controller, QWidget *parent)
    : Pane(tr("Editor"), QStringLiteral("editor"), controller, parent)
{
    setToolTip(tr("The guest program's source"));

    auto *body = new QWidget(this);
    auto *layout = new QVBoxLayout(body);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);

    m_editor = new CodeEditor(body);
    layout->addWidget(m_editor, 1);
    buildFindBar(body);
    layout->addWidget(m_findBar);

    m_status = new QLabel(body);
    m_status->setObjectName(QStringLiteral("assemblerStatus"));
    m_status->setContentsMargins(6, 3, 6, 3);
    // The label shows an elided copy of the text, so it never widens the dock.
    m_status->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    m_status->setToolTip(tr("What the assembler said about the text"));
    m_status->installEventFilter(this);
    layout->addWidget(m_status);
    setWidget(body);
    setFocusProxy(m_editor);

    m_assembleTimer = new QTimer(this);
    m_assembleTimer->setSingleShot(true);
    m_assembleTimer->setInterval(kAssembleDelayMs);
    connect(m_assembleTimer, &QTimer::timeout, this, &EditorPane::assembleNow);

    connect(m_editor->document(), &QTextDocument::contentsChange, this,
            [this](int, int removed, int added) {
                if (removed == 0 && added == 0)
                    return;
                scheduleAssembly();
                // The loaded program's line numbers no longer fit the text.
                m_editor->setExecutionLine(0);
            });
    connect(m_editor->document(), &QTextDocument::modificationChanged, this,
            &EditorPane::titleChanged);
    connect(m_editor, &CodeEditor::breakpointsChanged, this,
            [this](const QSet<int> &lines) { this->controller().setBreakpointLines(lines); });
    connect(m_editor, &CodeEditor::fileDropped, this, [this](const QString &path) {
        if (maybeSave())
            openFile(path);
    });
    m_editor->installEventFilter(this);

    connect(&controller, &WorkbenchController::diagnosticsChanged, this, [this] {
        m_diagnosticsStale = true;
        requestRefresh();
    });
    connect(&controller, &WorkbenchController::programChanged, this, [this] { requestRefresh(); });
    connect(&controller, &WorkbenchController::stateChanged, this, [this] { requestRefresh(); });
    connect(&controller, &WorkbenchController::runningChanged, this, [this] { requestRefresh(); });

    // Pane-wide shortcuts: they work wherever the focus is inside the pane.
    auto addShortcut = [this](const QString &text, const QList<QKeySequence> &keys, auto slot) {
        auto *action = new QAction(text, this);
        action->setShortcuts(keys);
        action->setShortcutContext(Qt::WidgetWithChildrenShortcut);
        connect(action, &QAction::triggered, this, slot);
        this->addAction(action);
    };
    addShortcut(tr("Find"), QKeySequence::keyBindings(QKeySequence::Find),
                &EditorPane::showFindBar);
    QList<QKeySequence> next{QKeySequence(Qt::Key_F3)};
    for (const QKeySequence &key : QKeySequence::keyBindings(QKeySequence::FindNext)) {
        if (!next.contains(key))
            next << key;
    }
    addShortcut(tr("Find Next"), next, [this] {
        if (m_findText->text().isEmpty())
            showFindBar();
        else
            findNext();
    });
    QList<QKeySequence> previous{QKeySequence(Qt::SHIFT | Qt::Key_F3)};
    for (const QKeySequence &key : QKeySequence::keyBindings(QKeySequence::FindPrevious)) {
        if (!previous.contains(key))
            previous << key;
    }
    addShortcut(tr("Find Previous"), previous, [this] {
        if (m_findText->text().isEmpty())
            showFindBar();
        else
            findPrevious();
    });

    m_displayName = tr("untitled.asm");
    updateStatus();
}

EditorPane::~EditorPane() = default;

void EditorPane::buildFindBar(QWidget *parent)
{
    m_findBar = new QWidget(parent);
    m_findBar->setObjectName(QStringLiteral("findBar"));
    auto *layout = new QHBoxLayout(m_findBar);
    layout->setContentsMargins(6, 4, 6, 4);

    auto *label = new QLabel(tr("Find:"), m_findBar);
    m_findText = new QLineEdit(m_findBar);
    m_findText->setObjectName(QStringLiteral("findText"));
    m_findText->setPlaceholderText(tr("Text to find"));
    m_findText->setToolTip(
        tr("Text to find: Enter finds the next match, Shift+Enter the previous one, "
           "Escape closes the find bar"));
    m_findText->setClearButtonEnabled(true);
    m_findText->installEventFilter(this);
    label->setBuddy(m_findText);

    m_findPrevious = new QToolButton(m_findBar);
    m_findPrevious->setText(tr("Previous"));
    m_findPrevious->setToolTip(tr("Find the previous match (Shift+F3)"));
    m_findNext = new QToolButton(m_findBar);
    m_findNext->setText(tr("Next"));
    m_findNext->setToolTip(tr("Find the next match (F3)"));
    m_matchCase = new QCheckBox(tr("Match case"), m_findBar);
    m_matchCase->setToolTip(tr("Only find text with the same upper and lower case letters"));
    m_findStatus = new QLabel(m_findBar);
    m_findStatus->setObjectName(QStringLiteral("findStatus"));
    m_findStatus->setToolTip(tr("The result of the last search"));
    updateFindStatusWidth();
    setFindStatus(QString(), false);
    m_closeFind = new QToolButton(m_findBar);
    m_closeFind->setText(tr("Close"));
    m_closeFind->setToolTip(tr("Close the find bar (Escape)"));

    layout->addWidget(label);
    layout->addWidget(m_findText, 1);
    layout->addWidget(m_findPrevious);
    layout->addWidget(m_findNext);
    layout->addWidget(m_matchCase);
    layout->addWidget(m_findStatus);
    layout->addWidget(m_closeFind);

    connect(m_findPrevious, &QToolButton::clicked, this, &EditorPane::findPrevious);
    connect(m_findNext, &QToolButton::clicked, this, &EditorPane::findNext);
    connect(m_closeFind, &QToolButton::clicked, this, &EditorPane::hideFindBar);
    connect(m_matchCase, &QCheckBox::toggled, this, [this] { m_findStatus->clear(); });
    // Search as you type, from where the current match starts.
    connect(m_findText, &QLineEdit::textEdited, this, [this] {
        QTextCursor cursor = m_editor->textCursor();
        cursor.setPosition(cursor.selectionStart());
        m_editor->setTextCursor(cursor);
        find(false);
    });
    auto *escape = new QShortcut(QKeySequence(Qt::Key_Escape), m_findBar);
    escape->setContext(Qt::WidgetWithChildrenShortcut);
    connect(escape, &QShortcut::activated, this, &EditorPane::hideFindBar);

    m_findBar->hide();
}

// --- document and file state -------------------------------------------------------------

bool EditorPane::isModified() const
{
    return m_editor->document()->isModified();
}

QString EditorPane::title() const
{
    return isModified() ? m_displayName + u'*' : m_displayName;
}

void EditorPane::setFileName(const QString &fileName, const QString &displayName)
{
    m_fileName = fileName;
    m_displayName = displayName;
    emit titleChanged();
}

void EditorPane::loadText(const QString &text, const QString &fileName, const QString &displayName)
{
    m_assembleTimer->stop();
    m_editor->setDiagnostics({});
    m_editor->setExecutionLine(0);
    m_editor->setPlainText(text);
    m_editor->document()->setModified(false);
    setFileName(fileName, displayName);
    assembleNow();
}

void EditorPane::newDocument()
{
    loadText(QString(), QString(), tr("untitled.asm"));
}

void EditorPane::setSourceText(const QString &text, const QString &displayName)
{
    loadText(text, QString(), displayName);
}

void EditorPane::openUnsaved(const QString &text, const QString &displayName)
{
    loadText(text, QString(), displayName);
    m_editor->document()->setModified(true);
}

bool EditorPane::open()
{
    const QString path = askOpenFileName();
    return !path.isEmpty() && openFile(path);
}

bool EditorPane::openFile(const QString &path)
{
    const QFileInfo info(path);
    const QString title = tr("Could Not Open File");
    if (info.isDir()) {
        reportError(title, tr("“%1” is a folder, not a source file.").arg(nativePath(path)));
        return false;
    }
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        reportError(title,
                    tr("Could not open “%1”:\n%2").arg(nativePath(path), file.errorString()));
        if (!info.exists())
            removeRecentFile(info.absoluteFilePath());
        return false;
    }
    if (file.size() > kMaxSourceBytes) {
        reportError(title, tr("“%1” is too large to be a guest program (%2 bytes).")
                               .arg(nativePath(path))
                               .arg(file.size()));
        return false;
    }
    const QByteArray bytes = file.readAll();
    if (bytes.contains('\0')) {
        reportError(title, tr("“%1” is not a text file.").arg(nativePath(path)));
        return false;
    }
    QStringDecoder utf8(QStringDecoder::Utf8);
    QString text = utf8(bytes);
    if (utf8.hasError())
        text = QString::fromLatin1(bytes); // older sources; shown as they are, saved as UTF-8
    text.replace(QLatin1String("\r\n"), QLatin1String("\n"));
    loadText(text, info.absoluteFilePath(), info.fileName());
    addRecentFile(info.absoluteFilePath());
    return true;
}

bool EditorPane::save()
{
    if (m_fileName.isEmpty())
        return saveAs();
    return saveTo(m_fileName);
}

bool EditorPane::saveAs()
{
    const QString path = askSaveFileName();
    return !path.isEmpty() && saveTo(path);
}

bool EditorPane::saveTo(const QString &path)
{
    const QString title = tr("Could Not Save File");
    const QString keep = tr("Your text is still in the editor; save it somewhere else.");
    // QSaveFile writes a temporary file next to the target and renames it over the target only
    // when everything is written: a full disk or a crash never leaves half a file.
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        reportError(
            title,
            tr("Could not save “%1”:\n%2\n\n%3").arg(nativePath(path), file.errorString(), keep));
        return false;
    }
    const QByteArray bytes = m_editor->toPlainText().toUtf8();
    if (file.write(bytes) != bytes.size()) {
        const QString error = file.errorString();
        file.cancelWriting();
        reportError(title,
                    tr("Could not write “%1”:\n%2\n\n%3").arg(nativePath(path), error, keep));
        return false;
    }
    if (!file.commit()) {
        reportError(
            title,
            tr("Could not save “%1”:\n%2\n\n%3").arg(nativePath(path), file.errorString(), keep));
        return false;
    }

    const QFileInfo info(path);
    const bool renamed = info.fileName() != m_displayName;
    m_editor->document()->setModified(false);
    setFileName(info.absoluteFilePath(), info.fileName());
    addRecentFile(info.absoluteFilePath());
    if (renamed)
        assembleNow(); // the assembler's messages name the file
    return true;
}

bool EditorPane::maybeSave()
{
    if (!isModified())
        return true;
    switch (askToSaveChanges()) {
    case QMessageBox::Save:
        return save();
    case QMessageBox::Discard:
        return true;
    default:
        return false;
    }
}

QString EditorPane::dialogDirectory() const
{
    if (!m_fileName.isEmpty())
        return QFileInfo(m_fileName).absolutePath();
    const QStringList recent = recentFiles();
    if (!recent.isEmpty())
        return QFileInfo(recent.front()).absolutePath();
    return QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation);
}

void EditorPane::reportError(const QString &title, const QString &text)
{
    QMessageBox::warning(this, title, text);
}

QMessageBox::StandardButton EditorPane::askToSaveChanges()
{
    QMessageBox box(QMessageBox::Warning, tr("Unsaved Changes"),
                    tr("“%1” has changes that are not saved.").arg(m_displayName),
                    QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, this);
    box.setInformativeText(tr("Do you want to save them first?"));
    box.setDefaultButton(QMessageBox::Save);
    box.setEscapeButton(QMessageBox::Cancel);
    return static_cast<QMessageBox::StandardButton>(box.exec());
}

QString EditorPane::askOpenFileName()
{
    return QFileDialog::getOpenFileName(this, tr("Open Source"), dialogDirectory(),
                                        tr("NASM sources (*.asm *.inc *.s);;All files (*)"));
}

QString EditorPane::askSaveFileName()
{
    QFileDialog dialog(this, tr("Save Source As"));
    dialog.setAcceptMode(QFileDialog::AcceptSave);
    dialog.setNameFilters(
        tr("NASM sources (*.asm *.inc *.s);;All files (*)").split(QStringLiteral(";;")));
    dialog.setDefaultSuffix(QStringLiteral("asm"));
    dialog.selectFile(m_fileName.isEmpty() ? QDir(dialogDirectory()).filePath(m_displayName)
                                           : m_fileName);
    if (dialog.exec() != QDialog::Accepted)
        return {};
    return dialog.selectedFiles().value(0);
}

// --- recent files ------------------------------------------------------------------------

QStringList EditorPane::recentFiles() const
{
    QStringList files;
    for (const QString &path : QSettings().value(kRecentFilesKey).toStringList()) {
        if (files.size() < kMaxRecentFiles && QFileInfo::exists(path) && !files.contains(path))
            files << path;
    }
    return files;
}

void EditorPane::addRecentFile(const QString &path)
{
    QStringList files = recentFiles();
    files.removeAll(path);
    files.prepend(path);
    while (files.size() > kMaxRecentFiles)
        files.removeLast();
    QSettings().setValue(kRecentFilesKey, files);
    emit recentFilesChanged();
}

void EditorPane::removeRecentFile(const QString &path)
{
    QSettings settings;
    QStringList files = settings.value(kRecentFilesKey).toStringList();
    if (files.removeAll(path) == 0)
        return;
    settings.setValue(kRecentFilesKey, files);
    emit recentFilesChanged();
}

void EditorPane::clearRecentFiles()
{
    QSettings().remove(kRecentFilesKey);
    emit recentFilesChanged();
}

// --- assembling and showing the controller's state ---------------------------------------

void EditorPane::scheduleAssembly()
{
    m_assembleTimer->start();
}

void EditorPane::assembleNow()
{
    m_assembleTimer->stop();
    const QString text = m_editor->toPlainText();
    if (m_sentOnce && text == m_sentText && m_displayName == m_sentName) {
        // Edited and changed back (undo): the loaded program fits the text again.
        updateExecutionLine();
        return;
    }
    m_sentOnce = true;
    m_sentText = text;
    m_sentName = m_displayName;
    controller().setSource(text, m_displayName);
    updateStatus();
}

void EditorPane::refresh()
{
    // While a newer version is being assembled, its diagnostics are on their way.
    if (m_diagnosticsStale && !controller().isAssembling()) {
        applyDiagnostics();
        m_diagnosticsStale = false;
    }
    updateExecutionLine();
    updateStatus();
}

void EditorPane::applyDiagnostics()
{
    QList<AssemblerDiagnostic> ours;
    for (const AssemblerDiagnostic &diagnostic : controller().diagnostics()) {
        if (diagnostic.line > 0 && diagnostic.file == m_sentName)
            ours.append(diagnostic);
    }
    m_editor->setDiagnostics(ours);
}

void EditorPane::updateExecutionLine()
{
    // While the guest runs, RIP moves too fast to follow: the arrow would only flicker. And
    // once the text differs from the loaded program, its line numbers no longer fit.
    const MachineSnapshot &snapshot = controller().snapshot();
    int line = 0;
    if (snapshot.valid && !controller().isRunning() &&
        controller().program().source == m_editor->toPlainText())
        line = snapshot.line;
    m_editor->setExecutionLine(line);
}

void EditorPane::updateStatus()
{
    const WorkbenchColors colors = WorkbenchColors::forPalette(palette());
    QColor colour = colors.dimText;
    QString text;
    if (controller().isAssembling()) {
        text = tr("Assembling…");
    } else if (m_sentOnce) {
        const QList<AssemblerDiagnostic> &diagnostics = controller().diagnostics();
        const auto errorCount =
            std::count_if(diagnostics.begin(), diagnostics.end(), [](const AssemblerDiagnostic &d) {
                return d.severity == AssemblerDiagnostic::Severity::Error;
            });
        const int errors = static_cast<int>(errorCount);
        const int warnings = static_cast<int>(diagnostics.size()) - errors;
        auto where = [this](const AssemblerDiagnostic &d) {
            if (d.line <= 0)
                return d.message;
            if (d.file == m_sentName)
                return tr("line %1: %2").arg(d.line).arg(d.message);
            return tr("%1, line %2: %3").arg(d.file).arg(d.line).arg(d.message);
        };
        if (errors > 0) {
            const auto first = std::find_if(
                diagnostics.begin(), diagnostics.end(), [](const AssemblerDiagnostic &d) {
                    return d.severity == AssemblerDiagnostic::Severity::Error;
                });
            text = tr("%n error(s)", nullptr, errors) + QStringLiteral(" — ") + where(*first);
            colour = colors.error;
        } else if (controller().program().source == m_sentText) {
            const auto bytes = static_cast<int>(programBytes(controller().program()));
            text = tr("Assembled: %n byte(s)", nullptr, bytes);
            if (warnings > 0) {
                text += QStringLiteral(" — ") + tr("%n warning(s)", nullptr, warnings) +
                        QStringLiteral(": ") + where(diagnostics.front());
                colour = colors.warning;
            }
        }
    }
    m_statusText = text;
    if (m_status->palette().color(QPalette::WindowText) != colour) {
        QPalette palette = m_status->palette();
        palette.setColor(QPalette::WindowText, colour);
        m_status->setPalette(palette);
    }
    m_status->setToolTip(text.isEmpty() ? tr("What the assembler said about the text") : text);
    m_status->setText(m_status->fontMetrics().elidedText(
        text, Qt::ElideRight, std::max(0, m_status->contentsRect().width())));
}

// --- find --------------------------------------------------------------------------------

void EditorPane::updateFindStatusWidth()
{
    // Room for the longest result, so that the bar does not jump when one appears.
    const QFontMetrics metrics = m_findStatus->fontMetrics();
    m_findStatus->setMinimumWidth(std::max(metrics.horizontalAdvance(tr("Wrapped around")),
                                           metrics.horizontalAdvance(tr("Not found"))) +
                                  metrics.averageCharWidth());
}

void EditorPane::showFindBar()
{
    const QString selected = m_editor->textCursor().selectedText();
    if (!selected.isEmpty() && !selected.contains(QChar::ParagraphSeparator))
        m_findText->setText(selected);
    m_findStatus->clear();
    m_findBar->show();
    m_findText->setFocus(Qt::ShortcutFocusReason);
    m_findText->selectAll();
}

void EditorPane::hideFindBar()
{
    m_findBar->hide();
    m_findStatus->clear();
    m_editor->setFocus(Qt::OtherFocusReason);
}

bool EditorPane::findNext()
{
    return find(false);
}

bool EditorPane::findPrevious()
{
    return find(true);
}

bool EditorPane::find(bool backward)
{
    const QString needle = m_findText->text();
    m_findStatus->clear();
    if (needle.isEmpty())
        return false;
    QTextDocument::FindFlags flags;
    if (backward)
        flags |= QTextDocument::FindBackward;
    if (m_matchCase->isChecked())
        flags |= QTextDocument::FindCaseSensitively;
    if (m_editor->find(needle, flags))
        return true;

    // Wrap around: search again from the other end.
    const QTextCursor before = m_editor->textCursor();
    QTextCursor from(m_editor->document());
    from.movePosition(backward ? QTextCursor::End : QTextCursor::Start);
    m_editor->setTextCursor(from);
    if (m_editor->find(needle, flags)) {
        setFindStatus(tr("Wrapped around"), false);
        return true;
    }
    m_editor->setTextCursor(before);
    setFindStatus(tr("Not found"), true);
    return false;
}

void EditorPane::setFindStatus(const QString &text, bool failed)
{
    m_findFailed = failed;
    m_findStatus->setText(text);
    const WorkbenchColors colors = WorkbenchColors::forPalette(palette());
    QPalette palette = m_findStatus->palette();
    palette.setColor(QPalette::WindowText, failed ? colors.error : colors.dimText);
    m_findStatus->setPalette(palette);
}

// --- events ------------------------------------------------------------------------------

void EditorPane::changeEvent(QEvent *event)
{
    Pane::changeEvent(event);
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::FontChange) {
        updateStatus();
        updateFindStatusWidth();
        setFindStatus(m_findStatus->text(), m_findFailed);
    }
}

bool EditorPane::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_status && event->type() == QEvent::Resize) {
        m_status->setText(m_status->fontMetrics().elidedText(
            m_statusText, Qt::ElideRight, std::max(0, m_status->contentsRect().width())));
    } else if (event->type() == QEvent::KeyPress) {
        const auto *key = static_cast<QKeyEvent *>(event);
        if (watched == m_findText &&
            (key->key() == Qt::Key_Return || key->key() == Qt::Key_Enter)) {
            if (key->modifiers() & Qt::ShiftModifier)
                findPrevious();
            else
                findNext();
            return true;
        }
        if (watched == m_editor && key->key() == Qt::Key_Escape && m_findBar->isVisible()) {
            hideFindBar();
            return true;
        }
    }
    return Pane::eventFilter(watched, event);
}

} // namespace vmwb
