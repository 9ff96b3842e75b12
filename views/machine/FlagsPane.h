#pragma once

// RFLAGS bit by bit: what the guest kernel believes next to what the real CPU has, with a
// header saying what "believes" means under the current technique.

#include "common/Pane.h"

class QLabel;
class QTableView;

namespace vmwb {

class FlagsDelegate;
class FlagsModel;

class FlagsPane : public Pane
{
    Q_OBJECT

public:
    explicit FlagsPane(WorkbenchController &controller, QWidget *parent = nullptr);

    FlagsModel &model() const { return *m_model; }
    QTableView &view() const { return *m_view; }
    // The line above the table: the technique and what "guest believes" means for it.
    QString headerText() const;

protected:
    void refresh() override;
    void changeEvent(QEvent *event) override;

private:
    void applyColors();
    void applyMetrics();

    FlagsModel *m_model = nullptr;
    FlagsDelegate *m_delegate = nullptr;
    QTableView *m_view = nullptr;
    QLabel *m_header = nullptr;
};

} // namespace vmwb
