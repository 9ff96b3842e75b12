#include "editor/LineAlignment.h"

#include <algorithm>

namespace vmwb {

namespace {

// Above this many cells the table of common lengths would take too much memory for a snippet.
constexpr qsizetype kMaxCells = 16'000'000;

// Pairs each removed line with an inserted one, in order; the longer run gets fillers.
void appendHunk(std::vector<AlignedRow> &rows, const std::vector<int> &removed,
                const std::vector<int> &inserted)
{
    const std::size_t count = std::max(removed.size(), inserted.size());
    for (std::size_t k = 0; k < count; ++k) {
        AlignedRow row;
        row.before = k < removed.size() ? removed[k] : 0;
        row.after = k < inserted.size() ? inserted[k] : 0;
        row.changed = true;
        rows.push_back(row);
    }
}

} // namespace

std::vector<AlignedRow> alignLines(const QStringList &before, const QStringList &after)
{
    const qsizetype n = before.size();
    const qsizetype m = after.size();
    std::vector<AlignedRow> rows;
    if ((n + 1) * (m + 1) > kMaxCells) {
        for (qsizetype i = 0; i < std::max(n, m); ++i) {
            AlignedRow row;
            row.before = i < n ? static_cast<int>(i + 1) : 0;
            row.after = i < m ? static_cast<int>(i + 1) : 0;
            row.changed = i >= n || i >= m || before[i] != after[i];
            rows.push_back(row);
        }
        return rows;
    }
    // common[i][j]: length of the longest common subsequence of before[i..] and after[j..].
    const auto width = static_cast<std::size_t>(m + 1);
    std::vector<int> common(static_cast<std::size_t>(n + 1) * width, 0);
    const auto at = [&](qsizetype i, qsizetype j) -> int & {
        return common[static_cast<std::size_t>(i) * width + static_cast<std::size_t>(j)];
    };
    for (qsizetype i = n - 1; i >= 0; --i) {
        for (qsizetype j = m - 1; j >= 0; --j)
            at(i, j) =
                before[i] == after[j] ? at(i + 1, j + 1) + 1 : std::max(at(i + 1, j), at(i, j + 1));
    }
    std::vector<int> removed;
    std::vector<int> inserted;
    qsizetype i = 0;
    qsizetype j = 0;
    while (i < n || j < m) {
        if (i < n && j < m && before[i] == after[j]) {
            appendHunk(rows, removed, inserted);
            removed.clear();
            inserted.clear();
            rows.push_back({static_cast<int>(i + 1), static_cast<int>(j + 1), false});
            ++i;
            ++j;
        } else if (j >= m || (i < n && at(i + 1, j) >= at(i, j + 1))) {
            removed.push_back(static_cast<int>(++i));
        } else {
            inserted.push_back(static_cast<int>(++j));
        }
    }
    appendHunk(rows, removed, inserted);
    return rows;
}

} // namespace vmwb
