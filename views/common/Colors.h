#pragma once

// The workbench's colours, one set for light and one for dark palettes, so that every pane
// marks the same things the same way and stays readable on a projector.

#include "decode/Instruction.h"
#include "trace/Event.h"

#include <QColor>
#include <QPalette>

namespace vmwb {

struct WorkbenchColors
{
    bool dark = false;
    QColor text;
    QColor dimText;     // addresses, bytes, secondary columns
    QColor changed;     // background of a value the last step changed
    QColor currentLine; // background of the line RIP is on
    QColor breakpoint;  // breakpoint marks
    QColor error;       // assembler errors
    QColor warning;     // assembler warnings
    QColor difference;  // background where the guest's belief differs from the real CPU;
                        // also of lines a rewrite removes
    QColor inserted;    // background of lines a rewrite puts in their place
    QColor flagRead;    // a flag the current instruction reads
    QColor flagWritten; // a flag the current instruction writes
    QColor directive;   // assembler directives in the editor (db, times, %include)

    static WorkbenchColors forPalette(const QPalette &palette);

    QColor token(TokenKind kind) const;
    QColor sensitivity(Sensitivity sensitivity) const; // badge background
    QColor event(EventKind kind) const;                // event kind marks
};

} // namespace vmwb
