#include "monitor/ConsolePane.h"

#include "common/Colors.h"
#include "controller/WorkbenchController.h"

#include <QEvent>
#include <QFontDatabase>
#include <QPlainTextEdit>
#include <QScrollBar>
#include <QTextCharFormat>
#include <QTextCursor>

namespace vmwb {

namespace {

// A guest can print forever; the view keeps the newest lines.
constexpr int kMaxLines = 20000;

// Newline and tab lay out as they should; every other control character (C0, DEL, C1) would
// be invisible or garble the view, so it is shown as an escape.
bool isControl(unsigned char byte)
{
    if (byte == '\n' || byte == '\t')
        return false;
    return byte < 0x20 || (byte >= 0x7f && byte < 0xa0);
}

QString escape(unsigned char byte)
{
    return QStringLiteral("\\x%1").arg(byte, 2, 16, QLatin1Char('0'));
}

} // namespace

ConsolePane::ConsolePane(WorkbenchController &controller, QWidget *parent)
    : Pane(tr("Console"), QStringLiteral("console"), controller, parent)
{
    m_view = new QPlainTextEdit(this);
    m_view->setObjectName(QStringLiteral("consoleText"));
    m_view->setReadOnly(true);
    m_view->setUndoRedoEnabled(false);
    m_view->setLineWrapMode(QPlainTextEdit::WidgetWidth);
    m_view->setMaximumBlockCount(kMaxLines);
    m_view->document()->setDocumentMargin(8);
    m_view->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    m_view->setPlaceholderText(tr("Bytes the guest writes to port 0xE9 appear here."));
    m_view->setToolTip(tr("What the guest wrote to its console (port 0xE9), as Latin-1 text. "
                          "Control characters other than newline and tab show as \\xNN."));
    setWidget(m_view);
    updateAppearance();

    connect(&controller, &WorkbenchController::stateChanged, this, [this] { requestRefresh(); });
}

QString ConsolePane::text() const
{
    return m_view->toPlainText();
}

QString ConsolePane::displayText(QByteArrayView bytes)
{
    QString text;
    text.reserve(bytes.size());
    for (const char c : bytes) {
        const auto byte = static_cast<unsigned char>(c);
        if (isControl(byte))
            text += escape(byte);
        else
            text += QChar(static_cast<char16_t>(byte)); // Latin-1: the byte is the code point
    }
    return text;
}

void ConsolePane::refresh()
{
    showConsole(controller().snapshot().console);
}

void ConsolePane::showConsole(const QByteArray &console)
{
    QScrollBar *scroll = m_view->verticalScrollBar();
    const bool atBottom = scroll->value() >= scroll->maximum();
    if (console.startsWith(m_shown)) {
        // The usual case while the guest runs: only the new bytes go in, so nothing flickers.
        if (console.size() == m_shown.size())
            return;
        appendBytes(QByteArrayView(console).sliced(m_shown.size()));
    } else {
        m_view->clear();
        appendBytes(console);
    }
    m_shown = console;
    if (atBottom)
        scroll->setValue(scroll->maximum());
}

void ConsolePane::appendBytes(QByteArrayView bytes)
{
    const WorkbenchColors colors = WorkbenchColors::forPalette(m_view->palette());
    QTextCharFormat plain;
    QTextCharFormat escaped;
    escaped.setForeground(colors.dimText);

    QTextCursor cursor(m_view->document());
    cursor.movePosition(QTextCursor::End);
    cursor.beginEditBlock();
    qsizetype start = 0;
    for (qsizetype i = 0; i <= bytes.size(); ++i) {
        const bool end = i == bytes.size();
        if (!end && !isControl(static_cast<unsigned char>(bytes[i])))
            continue;
        if (i > start)
            cursor.insertText(QString::fromLatin1(bytes.sliced(start, i - start)), plain);
        if (!end)
            cursor.insertText(escape(static_cast<unsigned char>(bytes[i])), escaped);
        start = i + 1;
    }
    cursor.endEditBlock();
}

void ConsolePane::updateAppearance()
{
    QFont fixed = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    fixed.setPointSizeF(font().pointSizeF());
    m_view->setFont(fixed);
}

void ConsolePane::changeEvent(QEvent *event)
{
    Pane::changeEvent(event);
    if (event->type() == QEvent::FontChange) {
        updateAppearance();
    } else if (event->type() == QEvent::PaletteChange) {
        // The escapes' colour comes from the palette: lay the text out again.
        m_shown.clear();
        m_view->clear();
        requestRefresh();
    }
}

} // namespace vmwb
