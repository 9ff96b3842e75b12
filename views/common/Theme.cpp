#include "common/Theme.h"

#include <QApplication>
#include <QPainter>
#include <QProxyStyle>
#include <QStyle>
#include <QStyleFactory>
#include <QStyleOption>

namespace vmwb {

namespace {

// Fusion, with check boxes outlined in the text's colour where Fusion's own outline (the window
// colour, darkened) vanishes against a dark window.
class WorkbenchStyle : public QProxyStyle
{
public:
    WorkbenchStyle() : QProxyStyle(QStyleFactory::create(QStringLiteral("Fusion"))) {}

    void drawPrimitive(PrimitiveElement element, const QStyleOption *option, QPainter *painter,
                       const QWidget *widget) const override
    {
        QProxyStyle::drawPrimitive(element, option, painter, widget);
        if (element != PE_IndicatorCheckBox || option->palette.window().color().lightness() > 128)
            return;
        QColor outline = option->palette.color(QPalette::PlaceholderText);
        if (!(option->state & State_Enabled))
            outline.setAlpha(110);
        painter->save();
        painter->setRenderHint(QPainter::Antialiasing, false);
        painter->setPen(outline);
        painter->setBrush(Qt::NoBrush);
        painter->drawRect(option->rect.adjusted(0, 0, -1, -1));
        painter->restore();
    }
};

} // namespace

QString themeKey(Theme theme)
{
    switch (theme) {
    case Theme::Light:
        return QStringLiteral("light");
    case Theme::Dark:
        return QStringLiteral("dark");
    case Theme::System:
        break;
    }
    return QStringLiteral("system");
}

Theme themeFromKey(const QString &key)
{
    if (key == QLatin1String("light"))
        return Theme::Light;
    if (key == QLatin1String("dark"))
        return Theme::Dark;
    return Theme::System;
}

QPalette lightPalette()
{
    // Light, Midlight, Mid, Dark and Shadow derive from the button and window colours.
    QPalette p(QColor(0xe9, 0xeb, 0xee), QColor(0xf3, 0xf4, 0xf6));
    p.setColor(QPalette::Window, QColor(0xf3, 0xf4, 0xf6));
    p.setColor(QPalette::WindowText, QColor(0x1b, 0x1f, 0x24));
    p.setColor(QPalette::Base, Qt::white);
    p.setColor(QPalette::AlternateBase, QColor(0xf6, 0xf8, 0xfa));
    p.setColor(QPalette::ToolTipBase, QColor(0xff, 0xfd, 0xe7));
    p.setColor(QPalette::ToolTipText, QColor(0x1b, 0x1f, 0x24));
    p.setColor(QPalette::PlaceholderText, QColor(0x6e, 0x77, 0x81));
    p.setColor(QPalette::Text, QColor(0x1b, 0x1f, 0x24));
    p.setColor(QPalette::Button, QColor(0xe9, 0xeb, 0xee));
    p.setColor(QPalette::ButtonText, QColor(0x1b, 0x1f, 0x24));
    p.setColor(QPalette::BrightText, Qt::red);
    p.setColor(QPalette::Highlight, QColor(0x1e, 0x63, 0xc2));
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::Link, QColor(0x1e, 0x63, 0xc2));
    p.setColor(QPalette::Disabled, QPalette::Text, QColor(0x9a, 0xa0, 0xa6));
    p.setColor(QPalette::Disabled, QPalette::ButtonText, QColor(0x9a, 0xa0, 0xa6));
    p.setColor(QPalette::Disabled, QPalette::WindowText, QColor(0x9a, 0xa0, 0xa6));
    return p;
}

QPalette darkPalette()
{
    QPalette p(QColor(0x2e, 0x33, 0x3b), QColor(0x23, 0x27, 0x2e));
    p.setColor(QPalette::Window, QColor(0x23, 0x27, 0x2e));
    p.setColor(QPalette::WindowText, QColor(0xe6, 0xe8, 0xeb));
    p.setColor(QPalette::Base, QColor(0x1a, 0x1d, 0x22));
    p.setColor(QPalette::AlternateBase, QColor(0x22, 0x26, 0x2c));
    p.setColor(QPalette::ToolTipBase, QColor(0x2e, 0x33, 0x3b));
    p.setColor(QPalette::ToolTipText, QColor(0xe6, 0xe8, 0xeb));
    p.setColor(QPalette::PlaceholderText, QColor(0x8b, 0x93, 0x9c));
    p.setColor(QPalette::Text, QColor(0xe6, 0xe8, 0xeb));
    p.setColor(QPalette::Button, QColor(0x2e, 0x33, 0x3b));
    p.setColor(QPalette::ButtonText, QColor(0xe6, 0xe8, 0xeb));
    p.setColor(QPalette::BrightText, QColor(0xff, 0x6b, 0x6b));
    p.setColor(QPalette::Highlight, QColor(0x3d, 0x7e, 0xd8));
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::Link, QColor(0x7a, 0xb7, 0xff));
    p.setColor(QPalette::Disabled, QPalette::Text, QColor(0x6b, 0x72, 0x7b));
    p.setColor(QPalette::Disabled, QPalette::ButtonText, QColor(0x6b, 0x72, 0x7b));
    p.setColor(QPalette::Disabled, QPalette::WindowText, QColor(0x6b, 0x72, 0x7b));
    return p;
}

void applyTheme(Theme theme)
{
    // Fusion draws the same everywhere and follows the palette completely.
    QApplication::setStyle(new WorkbenchStyle);
    switch (theme) {
    case Theme::System:
        QApplication::setPalette(QApplication::style()->standardPalette());
        break;
    case Theme::Light:
        QApplication::setPalette(lightPalette());
        break;
    case Theme::Dark:
        QApplication::setPalette(darkPalette());
        break;
    }
}

} // namespace vmwb
