#pragma once

// The POPF demo's source, as the tests load it.

#include <QFile>
#include <QString>
#include <QStringList>
#include <QtGlobal>

namespace vmwb::test {

inline QString demoSource()
{
    QFile file(QStringLiteral(VMWB_SOURCE_DIR "/exercises/demos/popf-if.asm"));
    if (!file.open(QIODevice::ReadOnly))
        qFatal("cannot read the demo");
    return QString::fromUtf8(file.readAll());
}

// The 1-based number of the first line of `source` that starts with `text` (after its
// indentation); 0 if none does.
inline int lineStartingWith(const QString &source, const QString &text)
{
    const QStringList lines = source.split(QLatin1Char('\n'));
    for (qsizetype i = 0; i < lines.size(); ++i) {
        if (lines.at(i).trimmed().startsWith(text))
            return static_cast<int>(i) + 1;
    }
    return 0;
}

} // namespace vmwb::test
