#include "common/TechniquePlaceholder.h"

#include "controller/WorkbenchController.h"

#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

namespace vmwb {

TechniquePlaceholder::TechniquePlaceholder(WorkbenchController &controller,
                                           const QString &technique, const QString &name,
                                           const QString &buttonText, const QString &buttonName,
                                           const QString &buttonToolTip, QWidget *parent)
    : QWidget(parent)
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(16, 16, 16, 16);
    m_label = new QLabel(this);
    m_label->setObjectName(name + QStringLiteral("Placeholder"));
    m_label->setWordWrap(true);
    m_label->setTextFormat(Qt::RichText);
    m_label->setAlignment(Qt::AlignCenter);
    m_button = new QPushButton(buttonText, this);
    m_button->setObjectName(buttonName);
    m_button->setToolTip(buttonToolTip);
    layout->addStretch(1);
    layout->addWidget(m_label);
    layout->addWidget(m_button, 0, Qt::AlignHCenter);
    layout->addStretch(1);
    connect(m_button, &QPushButton::clicked, this,
            [&controller, technique] { controller.setTechnique(technique); });
}

} // namespace vmwb
