#pragma once

// Helpers for tests that run guest snippets: assemble a source and run it under a technique.

#include "assembler/Assembler.h"
#include "run/Report.h"
#include "run/Session.h"
#include "trace/CostModel.h"
#include "vmm/Technique.h"

#include <QJsonObject>
#include <QString>
#include <QTest>
#include <memory>

namespace vmwb::test {

inline const CostPresets &presets()
{
    static const CostPresets instance;
    return instance;
}

inline const TechniqueRegistry &techniques()
{
    static const TechniqueRegistry instance = TechniqueRegistry::builtIn();
    return instance;
}

// Assembles `source` (which may %include "workbench.inc"); fails the test on errors.
inline AssembledProgram assemble(const QString &source,
                                 const QString &name = QStringLiteral("test.asm"))
{
    static const Assembler assembler;
    AssemblerResult result = assembler.assemble(source, name);
    if (!result.ok()) {
        QString errors;
        for (const auto &e : result.errors)
            errors += e.toString() + QLatin1Char('\n');
        qFatal("snippet does not assemble:\n%s", qPrintable(errors));
    }
    return std::move(*result.program);
}

inline std::unique_ptr<Session> start(const QString &source, const QString &technique,
                                      SessionOptions options = {})
{
    options.technique = technique;
    return std::make_unique<Session>(assemble(source), options, techniques(), presets());
}

// Runs `source` to its end under `technique`.
inline std::unique_ptr<Session> run(const QString &source, const QString &technique,
                                    SessionOptions options = {})
{
    auto session = start(source, technique, options);
    session->run();
    return session;
}

inline std::uint64_t reg(const Session &session, Register r)
{
    return session.machine().cpu().read(r);
}

// `body` (which loads the IDT with `lidt [idt_descriptor]`) followed by a timer handler that
// counts ticks in the qword `ticks`, and an IDT whose only gate is the timer's (vector 32).
inline QString withTickCounter(const QString &body)
{
    return QStringLiteral("%include \"workbench.inc\"\n"
                          "%1\n"
                          "tick:\n"
                          "    inc qword [ticks]\n"
                          "    iretq\n"
                          "align 16\n"
                          "idt:\n"
                          "%rep 32\n"
                          "    IDT_NO_GATE\n"
                          "%endrep\n"
                          "    IDT_INTERRUPT_GATE tick\n"
                          "idt_end:\n"
                          "idt_descriptor: dw idt_end - idt - 1\n"
                          "    dq idt\n"
                          "ticks: dq 0\n")
        .arg(body);
}

inline QString native()
{
    return QStringLiteral("native");
}
inline QString trapAndEmulate()
{
    return QStringLiteral("trap-and-emulate");
}

} // namespace vmwb::test
