#pragma once

// The command line: the same binary without a window runs snippets and benchmarks and prints
// JSON, for graders and tests. Exit codes: 0 the command ran (the guest ran to an end), 2 bad
// input (the message on stderr names the file and line), 3 an internal error.

#include <QStringList>

namespace vmwb::app {

enum ExitCode : int
{
    kOk = 0,
    kBadInput = 2,
    kInternalError = 3
};

// Whether the arguments ask for a command (no window).
bool isCommand(const QStringList &arguments);
// Runs the command; `arguments` includes the program name.
int runCommand(const QStringList &arguments);
// Whether a window can be opened (a display server, or a Qt platform chosen explicitly).
bool hasDisplay();

} // namespace vmwb::app
