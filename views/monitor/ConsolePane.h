#pragma once

// The guest's console: every byte the guest writes to port 0xE9 (the debug-console port that
// Bochs and QEMU also provide), shown as Latin-1 text.

#include "common/Pane.h"

#include <QByteArray>
#include <QByteArrayView>

class QPlainTextEdit;

namespace vmwb {

class ConsolePane : public Pane
{
    Q_OBJECT

public:
    explicit ConsolePane(WorkbenchController &controller, QWidget *parent = nullptr);

    // The text as shown (control characters other than newline and tab appear as "\xNN").
    QString text() const;
    QPlainTextEdit *view() const { return m_view; }

    // How console bytes read on screen.
    static QString displayText(QByteArrayView bytes);

protected:
    void refresh() override;
    void changeEvent(QEvent *event) override;

private:
    void showConsole(const QByteArray &console);
    void appendBytes(QByteArrayView bytes);
    void updateAppearance();

    QPlainTextEdit *m_view = nullptr;
    QByteArray m_shown; // the console bytes the view holds
};

} // namespace vmwb
