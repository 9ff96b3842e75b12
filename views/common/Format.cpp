#include "common/Format.h"

#include <QFontDatabase>
#include <QStringList>

namespace vmwb {

QString groupedHex(quint64 value, int digits)
{
    const QString plain = QStringLiteral("%1").arg(value, digits, 16, QLatin1Char('0'));
    QString grouped = QStringLiteral("0x");
    for (qsizetype i = 0; i < plain.size(); ++i) {
        if (i > 0 && (plain.size() - i) % 4 == 0)
            grouped += QLatin1Char('_');
        grouped += plain.at(i);
    }
    return grouped;
}

QFont valueFont()
{
    QFont font;
    font.setFamilies(QFontDatabase::systemFont(QFontDatabase::FixedFont).families());
    font.setStyleHint(QFont::TypeWriter);
    return font;
}

} // namespace vmwb
