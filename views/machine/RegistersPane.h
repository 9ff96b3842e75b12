#pragma once

// The real CPU's registers: values the last step changed highlighted, editable while the guest
// is paused.

#include "common/Pane.h"

class QTableView;

namespace vmwb {

class RegisterModel;
class RegisterValueDelegate;

class RegistersPane : public Pane
{
    Q_OBJECT

public:
    explicit RegistersPane(WorkbenchController &controller, QWidget *parent = nullptr);

    RegisterModel &model() const { return *m_model; }
    QTableView &view() const { return *m_view; }

protected:
    void refresh() override;
    void changeEvent(QEvent *event) override;

private:
    void applyColors();
    void applyMetrics();

    RegisterModel *m_model = nullptr;
    RegisterValueDelegate *m_delegate = nullptr;
    QTableView *m_view = nullptr;
};

} // namespace vmwb
