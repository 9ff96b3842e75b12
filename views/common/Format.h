#pragma once

// How the panes write values: grouped hex and the fixed-pitch font.

#include <QFont>
#include <QString>

namespace vmwb {

// "0x0000_0000_0010_0000": a value in groups of four hex digits, which a class can read off a
// projector, and which NASM accepts as it stands when a student copies it into the source.
QString groupedHex(quint64 value, int digits = 16);

// The font the panes show values in: the system's fixed-pitch family at the size the
// widget would have anyway (only the family is set, so lecture mode's larger fonts still apply).
QFont valueFont();

} // namespace vmwb
