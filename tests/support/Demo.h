#pragma once

// The POPF demo's source, as the tests load it.

#include <QFile>
#include <QString>
#include <QtGlobal>

namespace vmwb::test {

inline QString demoSource()
{
    QFile file(QStringLiteral(VMWB_SOURCE_DIR "/exercises/demos/popf-if.asm"));
    if (!file.open(QIODevice::ReadOnly))
        qFatal("cannot read the demo");
    return QString::fromUtf8(file.readAll());
}

} // namespace vmwb::test
