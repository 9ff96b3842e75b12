#pragma once

// The guest code as the CPU sees it, following RIP: tokens coloured by kind, a badge for each
// instruction's sensitivity class, and a legend saying what the badges mean. Under binary
// translation, once the translator has translated a page, a second bytes column shows what
// guest memory holds now, the int3 callouts beside the original bytes they replaced.

#include "common/Pane.h"

class QLabel;
class QTableView;

namespace vmwb {

class DisassemblyDelegate;
class DisassemblyModel;

class DisassemblyPane : public Pane
{
    Q_OBJECT

public:
    explicit DisassemblyPane(WorkbenchController &controller, QWidget *parent = nullptr);

    DisassemblyModel &model() const { return *m_model; }
    QTableView &view() const { return *m_view; }
    // Selects the instruction at `address` and scrolls it into view (e.g. a patch picked in
    // the Translation cache pane). False if no row holds that address.
    bool showAddress(quint64 address);

signals:
    // The user double-clicked (or pressed Enter on) a row that came from this source line.
    void lineActivated(int line);
    // The Translated column appeared (binary translation translated a page) or went away:
    // the window may give the pane room for it.
    void translatedColumnShown(bool shown);

protected:
    void refresh() override;
    void changeEvent(QEvent *event) override;
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void applyColors();
    void updateLegend();
    void fitColumns();
    void fitBytesColumns();
    void showTranslation();
    void followRip();

    DisassemblyModel *m_model = nullptr;
    DisassemblyDelegate *m_delegate = nullptr;
    QTableView *m_view = nullptr;
    QLabel *m_legend = nullptr;
    int m_bytesContentWidth = 0; // what the bytes column would need to show every byte
    bool m_programStale = true;
};

} // namespace vmwb
