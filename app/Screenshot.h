#pragma once

#include <QStringList>

namespace vmwb::app {

// `vmm-workbench --screenshot FILE.png [--technique NAME] [--break-on KINDS] [--run-to LINE]
// [--runs N] [--steps N] [--step-back N] [--theme system|light|dark] [--size WxH]
// [--show-pane NAME] [--show-paravirtualize] [--compare] [--rss-scenario FILE.json]
// [--rss-run-ms N] [--rss-rebalance-ms N] [--rss-page steering|hash] [FILE.asm]`: loads the
// file (or the demo), runs to the line, presses Run N times, steps N times, steps back N
// times, compares the techniques, loads the RSS pane's scenario and runs its simulation
// (pressing Rebalance on the way; any --rss option, like --show-pane rss, shows that pane),
// brings the pane with that object name to the front, renders the main window (or the
// Paravirtualize window) to the PNG and quits. Used for the README's screenshots and for
// visual checks.
bool isScreenshot(const QStringList &arguments);
// Runs it; needs a QApplication. Returns the process exit code.
int takeScreenshot(const QStringList &arguments);

} // namespace vmwb::app
