#pragma once

// Colours NASM x86-64 source the way the disassembly colours decoded instructions (mnemonics,
// registers and immediates in the token colours), so that a student sees the same words in the
// same colours in the editor and in the Disassembly pane.

#include "common/Colors.h"

#include <QSyntaxHighlighter>
#include <QTextCharFormat>
#include <array>
#include <optional>

namespace vmwb {

class NasmHighlighter : public QSyntaxHighlighter
{
    Q_OBJECT

public:
    // What a piece of a source line is.
    enum class Role : std::uint8_t
    {
        Comment,        // ; to the end of the line
        String,         // '...', "..." and `...` (also character constants)
        Number,         // 0x1f, 1fh, 0b101, 101b, 17q, 42, 1.5e3, $ and $$
        Register,       // rax ... r15b, segment, control, debug and vector registers, rip
        Mnemonic,       // instructions and prefixes (rep, lock)
        Directive,      // bits, section, db ..., times, equ, and %include, %macro, ...
        Label,          // a label's definition: `name:`, `.local:`, `NAME equ ...`
        MacroParameter, // %1, %+1, %{2}, %0
        SizeKeyword,    // byte ... zword, near, far, short, rel, wrt
    };
    static constexpr std::size_t kRoleCount = 9;

    explicit NasmHighlighter(QTextDocument *document);

    // Takes the colours for the widget's palette and highlights the whole document again.
    void setColors(const WorkbenchColors &colors);
    QTextCharFormat format(Role role) const;

    // What a single word is on its own (mnemonic, register, directive, size keyword), if any.
    static std::optional<Role> classifyWord(const QString &word);

protected:
    void highlightBlock(const QString &text) override;

private:
    void setRole(qsizetype start, qsizetype length, Role role);

    std::array<QTextCharFormat, kRoleCount> m_formats;
};

} // namespace vmwb
