#pragma once

// The guest stack around RSP, with the interrupt frames the CPU pushed labelled: the lecture's
// picture of what an interrupt delivery leaves behind.

#include "common/Pane.h"

class QLabel;
class QTableView;

namespace vmwb {

class StackModel;

class StackPane : public Pane
{
    Q_OBJECT

public:
    explicit StackPane(WorkbenchController &controller, QWidget *parent = nullptr);

    StackModel *model() const { return m_model; }
    QTableView *table() const { return m_table; }

protected:
    void refresh() override;
    void changeEvent(QEvent *event) override;

private:
    void updateColors();
    void updateFonts();

    StackModel *m_model = nullptr;
    QTableView *m_table = nullptr;
    QLabel *m_caption = nullptr;
};

} // namespace vmwb
