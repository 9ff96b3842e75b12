#pragma once

// Rewrites a native guest snippet into its paravirtual form, as Xen asked of Linux: every
// sensitive instruction becomes a write to the shared info page or a hypercall (macros of
// xen.inc), and the result is shown as a unified diff against the original.

#include <QString>
#include <QStringList>
#include <vector>

namespace vmwb {

// A line the rewriter cannot rewrite, with the reason in the lecture's words.
struct RewriteRefusal
{
    int line = 0; // 1-based, in the original source
    QString text; // the original line
    QString why;
};

// One rewritten line, for the GUI's side-by-side view.
struct RewriteChange
{
    int line = 0;         // 1-based, in the original source
    QString original;     // the original line
    QStringList replaced; // the lines that replace it in the paravirtual source
    QString explanation;  // e.g. "cli -> mask events with a store to the shared info page"
};

struct ParavirtualizeResult
{
    bool ok() const { return refusals.empty(); }
    QString source;                       // the paravirtual snippet (complete when ok())
    std::vector<RewriteChange> changes;   // in source order
    std::vector<RewriteRefusal> refusals; // empty when everything could be rewritten
};

ParavirtualizeResult paravirtualize(const QString &source);

// A unified diff (as `diff -u`, three lines of context) from `before` to `after`; empty when
// they are equal.
QString unifiedDiff(const QString &before, const QString &after, const QString &beforeName,
                    const QString &afterName);

} // namespace vmwb
