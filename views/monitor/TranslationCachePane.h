#pragma once

// The Translation cache pane: what the binary translator has done to the guest's code. The
// code pages it translated on their first fetch (and invalidated when the guest wrote to
// them), and, for the page picked, each sensitive instruction it replaced in place: the
// original bytes and instruction beside the int3 callout that now stands there. Under every
// other technique it says how to see this.

#include "common/Pane.h"

class QLabel;
class QPushButton;
class QSplitter;
class QStackedWidget;
class QTableView;

namespace vmwb {

class TranslationCacheModel;
class TranslationPatchDelegate;
class TranslationPatchModel;

class TranslationCachePane : public Pane
{
    Q_OBJECT

public:
    explicit TranslationCachePane(WorkbenchController &controller, QWidget *parent = nullptr);

    TranslationCacheModel *pageModel() const { return m_pageModel; }
    TranslationPatchModel *patchModel() const { return m_patchModel; }
    QTableView *pageTable() const { return m_pages; }
    QTableView *patchTable() const { return m_patches; }
    // Whether the explanation for other techniques is showing instead of the tables.
    bool showsPlaceholder() const;
    QString summary() const;

signals:
    // The user activated (double-clicked, or pressed Enter on) a patch.
    void lineActivated(int line);
    void addressActivated(quint64 address);

protected:
    void refresh() override;
    void changeEvent(QEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;

private:
    void showPatchesOfSelectedPage();
    void updateSummary();
    void applyColors();
    void fitColumns();
    void balanceSplitter();

    TranslationCacheModel *m_pageModel = nullptr;
    TranslationPatchModel *m_patchModel = nullptr;
    TranslationPatchDelegate *m_delegate = nullptr;
    QStackedWidget *m_stack = nullptr;
    QLabel *m_placeholder = nullptr;
    QPushButton *m_chooseTechnique = nullptr;
    QLabel *m_summary = nullptr;
    QSplitter *m_splitter = nullptr; // pages beside patches when wide, above them when tall
    QTableView *m_pages = nullptr;
    int m_pagesContentWidth = 0; // what the page table's columns need
    QLabel *m_patchTitle = nullptr;
    QTableView *m_patches = nullptr;
    QLabel *m_legend = nullptr;
};

} // namespace vmwb
