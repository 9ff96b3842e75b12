#pragma once

// Lines of two versions of a text set side by side: equal lines on one row, and each run of
// removed lines beside the run of lines that replaced it, with empty rows filling the shorter
// side, so that a rewritten line sits level with what it became.

#include <QStringList>
#include <vector>

namespace vmwb {

struct AlignedRow
{
    int before = 0; // 1-based line of the first text on this row, 0 for a filler
    int after = 0;  // 1-based line of the second text on this row, 0 for a filler
    bool changed = false;
};

// By a longest common subsequence of whole lines. Texts too long for that (more than a few
// thousand lines each) are set line by line.
std::vector<AlignedRow> alignLines(const QStringList &before, const QStringList &after);

} // namespace vmwb
