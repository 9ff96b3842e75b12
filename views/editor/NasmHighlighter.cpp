#include "editor/NasmHighlighter.h"

#include <QHash>
#include <QRegularExpression>
#include <QStringList>

namespace vmwb {

namespace {

using Role = NasmHighlighter::Role;

// Instructions a guest snippet is likely to use: the general-purpose and system instructions
// (every special Mnemonic of the decoder among them), virtualization extensions and the
// common SSE/AVX moves and logic. buildKeywords() adds the jcc, setcc and cmovcc families and
// the sized string instructions (lodsb ... scasq).
constexpr const char *kMnemonics =
    // Data movement and arithmetic.
    "mov movzx movsx movsxd movbe xchg xadd cmpxchg cmpxchg8b cmpxchg16b lea push pop pusha "
    "pushad popa popad pushf pushfw pushfd pushfq popf popfw popfd popfq add adc adcx adox sub "
    "sbb inc dec neg cmp test mul imul div idiv mulx and or xor not andn shl shr sal sar rol "
    "ror rcl rcr shld shrd shlx shrx sarx rorx bt bts btr btc bsf bsr bswap popcnt lzcnt tzcnt "
    "bextr blsi blsmsk blsr bzhi pdep pext crc32 cbw cwde cdqe cwd cdq cqo lahf sahf clc stc "
    "cmc cld std nop xlat xlatb daa das aaa aas aam aad bound arpl enter leave lds les lfs lgs "
    "lss pause lfence sfence mfence prefetch prefetchw prefetchnta prefetcht0 prefetcht1 "
    "prefetcht2 clflush clflushopt clwb rdrand rdseed rdpid "
    // Control flow.
    "jmp call ret retn retf retq loop loope loopne loopz loopnz jcxz jecxz jrcxz int int1 int3 "
    "into iret iretw iretd iretq syscall sysret sysretq sysenter sysexit ud0 ud1 ud2 hlt "
    // String instructions (the bare forms take explicit operands).
    "lods stos movs cmps scas ins outs "
    // System: the instructions the trap-and-emulate monitor cares about.
    "cli sti lgdt lidt lldt ltr sgdt sidt sldt str smsw lmsw clts lar lsl verr verw in out "
    "rdmsr wrmsr rdtsc rdtscp rdpmc cpuid invlpg invlpga invpcid invd wbinvd swapgs xsetbv "
    "xgetbv monitor mwait rsm stac clac rdfsbase rdgsbase wrfsbase wrgsbase rdpkru wrpkru xsave "
    "xsaveopt xrstor fxsave fxrstor ldmxcsr stmxcsr "
    // Virtualization extensions (VT-x and AMD-V).
    "vmcall vmlaunch vmresume vmxon vmxoff vmread vmwrite vmptrld vmptrst vmclear vmfunc invept "
    "invvpid vmmcall vmrun vmload vmsave stgi clgi skinit "
    // Transactions.
    "xbegin xend xabort xtest "
    // x87 basics.
    "fld fst fstp fild fist fistp fadd fsub fmul fdiv fxch finit fninit fwait wait emms "
    // SSE and AVX moves and logic.
    "movd movq movdqa movdqu movaps movups movapd movupd movss movnti movntdq addps addpd addss "
    "addsd subps subpd subss subsd mulps mulpd mulss mulsd divps divpd divss divsd andps andpd "
    "orps orpd xorps xorpd pxor por pand pandn paddb paddw paddd paddq psubb psubw psubd psubq "
    "pcmpeqb pcmpeqw pcmpeqd pmovmskb pshufb pshufd punpcklbw punpckhbw cvtsi2sd cvtsi2ss "
    "cvtsd2si cvtss2si vmovdqa vmovdqu vmovaps vmovups vpxor vpor vpand vzeroupper vzeroall "
    // Prefixes.
    "rep repe repz repne repnz lock o16 o32 o64 a16 a32 a64 bnd xacquire xrelease ";

// SDM Vol. 1, Appendix B: the condition codes of jcc, setcc and cmovcc, with their aliases.
constexpr const char *kConditions =
    "o no b c nae ae nb nc e z ne nz be na a nbe s ns p pe np po l nge ge nl le ng g nle ";

constexpr const char *kDirectives =
    "bits use16 use32 use64 default org section segment global extern common static required "
    "absolute cpu float align alignb sectalign times equ incbin db dw dd dq dt do dy dz resb "
    "resw resd resq rest reso resy resz struc endstruc istruc iend at map warning ";

constexpr const char *kSizeKeywords =
    "byte word dword qword tword oword yword zword near far short strict nosplit rel abs wrt "
    "seg ";

QStringList registerNames()
{
    QStringList names;
    // General-purpose registers, every width (SDM Vol. 1, 3.7.2.1).
    const char *legacy[][4] = {
        {"rax", "eax", "ax", "al"},  {"rbx", "ebx", "bx", "bl"},  {"rcx", "ecx", "cx", "cl"},
        {"rdx", "edx", "dx", "dl"},  {"rsi", "esi", "si", "sil"}, {"rdi", "edi", "di", "dil"},
        {"rbp", "ebp", "bp", "bpl"}, {"rsp", "esp", "sp", "spl"},
    };
    for (const auto &widths : legacy) {
        for (const char *name : widths)
            names << QLatin1String(name);
    }
    names << QStringLiteral("ah") << QStringLiteral("bh") << QStringLiteral("ch")
          << QStringLiteral("dh");
    for (int n = 8; n <= 15; ++n) {
        const QString r = QStringLiteral("r%1").arg(n);
        names << r << r + u'd' << r + u'w' << r + u'b' << r + u'l';
    }
    names << QStringLiteral("cs") << QStringLiteral("ds") << QStringLiteral("es")
          << QStringLiteral("fs") << QStringLiteral("gs") << QStringLiteral("ss")
          << QStringLiteral("rip") << QStringLiteral("eip") << QStringLiteral("ip")
          << QStringLiteral("st");
    for (int n = 0; n <= 15; ++n) {
        names << QStringLiteral("cr%1").arg(n) << QStringLiteral("dr%1").arg(n);
    }
    for (int n = 0; n <= 31; ++n) {
        names << QStringLiteral("xmm%1").arg(n) << QStringLiteral("ymm%1").arg(n)
              << QStringLiteral("zmm%1").arg(n);
    }
    for (int n = 0; n <= 7; ++n) {
        names << QStringLiteral("k%1").arg(n) << QStringLiteral("mm%1").arg(n)
              << QStringLiteral("st%1").arg(n);
    }
    return names;
}

QStringList words(const char *list)
{
    return QString::fromLatin1(list).split(u' ', Qt::SkipEmptyParts);
}

QHash<QString, Role> buildKeywords()
{
    QHash<QString, Role> table;
    for (const QString &word : words(kMnemonics))
        table.insert(word, Role::Mnemonic);
    for (const QString &condition : words(kConditions)) {
        table.insert(u'j' + condition, Role::Mnemonic);
        table.insert(QStringLiteral("set") + condition, Role::Mnemonic);
        table.insert(QStringLiteral("cmov") + condition, Role::Mnemonic);
    }
    for (const char *base : {"lods", "stos", "movs", "cmps", "scas", "ins", "outs"}) {
        for (const char *suffix : {"b", "w", "d", "q"})
            table.insert(QLatin1String(base) + QLatin1String(suffix), Role::Mnemonic);
    }
    for (const QString &word : words(kDirectives))
        table.insert(word, Role::Directive);
    for (const QString &word : words(kSizeKeywords))
        table.insert(word, Role::SizeKeyword);
    for (const QString &name : registerNames())
        table.insert(name, Role::Register);
    return table;
}

const QHash<QString, Role> &keywords()
{
    static const QHash<QString, Role> table = buildKeywords();
    return table;
}

// NASM manual 3.1: identifiers are letters, digits, _ $ # @ ~ . ?; they start with a letter,
// `.`, `_` or `?` (`@` too in practice, for `..@` labels).
bool isIdentifierStart(QChar c)
{
    return c.isLetter() || c == u'_' || c == u'.' || c == u'?' || c == u'@';
}

bool isIdentifierChar(QChar c)
{
    return c.isLetterOrNumber() || c == u'_' || c == u'$' || c == u'#' || c == u'@' || c == u'~' ||
           c == u'.' || c == u'?';
}

qsizetype skipSpaces(const QString &text, qsizetype i)
{
    while (i < text.size() && text.at(i).isSpace())
        ++i;
    return i;
}

qsizetype identifierEnd(const QString &text, qsizetype i)
{
    while (i < text.size() && isIdentifierChar(text.at(i)))
        ++i;
    return i;
}

// NASM manual 3.4.1: numeric constants, with `_` allowed as a digit separator.
bool isNumber(const QString &token)
{
    static const QRegularExpression number(
        QStringLiteral("^(?:\\$[0-9][0-9a-f_]*"
                       "|0[xh][0-9a-f_]+(?:\\.[0-9a-f_]*)?(?:p[+-]?[0-9]+)?"
                       "|[0-9][0-9a-f_]*h"
                       "|0[by][01_]+|[01][01_]*[by]"
                       "|0[qo][0-7_]+|[0-7][0-7_]*[qo]"
                       "|0[dt][0-9_]+|[0-9][0-9_]*[dt]?"
                       "|[0-9][0-9_]*\\.[0-9_]*(?:e[+-]?[0-9]+)?"
                       "|[0-9][0-9_]*e[+-]?[0-9]+)$"),
        QRegularExpression::CaseInsensitiveOption);
    return number.match(token).hasMatch();
}

// The end of a string that opens at `start`; backquoted strings know backslash escapes.
qsizetype stringEnd(const QString &text, qsizetype start)
{
    const QChar quote = text.at(start);
    qsizetype i = start + 1;
    while (i < text.size()) {
        const QChar c = text.at(i);
        if (quote == u'`' && c == u'\\') {
            i += 2;
            continue;
        }
        ++i;
        if (c == quote)
            return i;
    }
    return text.size(); // unterminated: NASM reports it; colour to the end of the line
}

// Words after which the first word of a line is a name being defined (`SPIN equ 2000`,
// `ticks dq 0`) even without a colon.
bool definesName(const QString &nextWord)
{
    const auto role = NasmHighlighter::classifyWord(nextWord);
    return role == Role::Mnemonic || role == Role::Directive;
}

} // namespace

NasmHighlighter::NasmHighlighter(QTextDocument *document) : QSyntaxHighlighter(document)
{
    setColors(WorkbenchColors::forPalette(QPalette()));
}

void NasmHighlighter::setColors(const WorkbenchColors &colors)
{
    auto coloured = [](const QColor &colour, bool bold = false) {
        QTextCharFormat format;
        format.setForeground(colour);
        if (bold)
            format.setFontWeight(QFont::Bold);
        return format;
    };

    auto set = [this](Role role, const QTextCharFormat &format) {
        m_formats[static_cast<std::size_t>(role)] = format;
    };
    set(Role::Comment, coloured(colors.dimText));
    set(Role::String, coloured(colors.token(TokenKind::AddressAbsolute)));
    set(Role::Number, coloured(colors.token(TokenKind::Immediate)));
    set(Role::Register, coloured(colors.token(TokenKind::Register)));
    set(Role::Mnemonic, coloured(colors.token(TokenKind::Mnemonic)));
    set(Role::Directive, coloured(colors.directive));
    set(Role::Label, coloured(colors.text, true));
    set(Role::MacroParameter, coloured(colors.directive, true));
    set(Role::SizeKeyword, coloured(colors.token(TokenKind::TypeCast)));
    rehighlight();
}

QTextCharFormat NasmHighlighter::format(Role role) const
{
    return m_formats[static_cast<std::size_t>(role)];
}

std::optional<NasmHighlighter::Role> NasmHighlighter::classifyWord(const QString &word)
{
    const auto it = keywords().constFind(word.toLower());
    if (it == keywords().constEnd())
        return std::nullopt;
    return it.value();
}

void NasmHighlighter::setRole(qsizetype start, qsizetype length, Role role)
{
    setFormat(static_cast<int>(start), static_cast<int>(length), format(role));
}

void NasmHighlighter::highlightBlock(const QString &text)
{
    const qsizetype n = text.size();
    bool firstToken = true;
    qsizetype i = 0;
    while (i < n) {
        const QChar c = text.at(i);
        const QChar next = i + 1 < n ? text.at(i + 1) : QChar();
        if (c.isSpace()) {
            ++i;
            continue;
        }
        const bool atLineStart = firstToken;
        firstToken = false;

        if (c == u';') {
            setRole(i, n - i, Role::Comment);
            return;
        }
        if (c == u'\'' || c == u'"' || c == u'`') {
            const qsizetype end = stringEnd(text, i);
            setRole(i, end - i, Role::String);
            i = end;
            continue;
        }
        if (c == u'%') {
            qsizetype end = i + 1;
            if (next.isDigit() ||
                ((next == u'+' || next == u'-') && i + 2 < n && text.at(i + 2).isDigit())) {
                end = i + 2;
                while (end < n && text.at(end).isDigit())
                    ++end;
                setRole(i, end - i, Role::MacroParameter);
            } else if (next == u'{') {
                end = text.indexOf(u'}', i);
                end = end < 0 ? n : end + 1;
                setRole(i, end - i, Role::MacroParameter);
            } else if (next == u'%' || next == u'$') {
                // Macro-local (%%name) and context-local (%$name) labels.
                end = identifierEnd(text, i + 2);
                const qsizetype after = skipSpaces(text, end);
                if (atLineStart && after < n && text.at(after) == u':')
                    setRole(i, after + 1 - i, Role::Label);
            } else if (isIdentifierStart(next) || next == u'!') {
                end = identifierEnd(text, i + 2);
                setRole(i, end - i, Role::Directive);
            }
            i = end;
            continue;
        }
        if (c.isDigit() || (c == u'$' && next.isDigit())) {
            qsizetype end = i + 1;
            while (end < n) {
                const QChar d = text.at(end);
                const QChar previous = text.at(end - 1).toLower();
                const bool exponentSign = (d == u'+' || d == u'-') &&
                                          (previous == u'e' || previous == u'p') &&
                                          text.mid(i, end - i).contains(u'.');
                if (!(d.isLetterOrNumber() || d == u'_' || d == u'.' || exponentSign))
                    break;
                ++end;
            }
            if (isNumber(text.mid(i, end - i)))
                setRole(i, end - i, Role::Number);
            i = end;
            continue;
        }
        if (c == u'$' && !isIdentifierStart(next)) {
            // $ is the current position, $$ the start of the section.
            const qsizetype end = next == u'$' ? i + 2 : i + 1;
            setRole(i, end - i, Role::Number);
            i = end;
            continue;
        }
        if (isIdentifierStart(c) || c == u'$') {
            // A leading $ only marks a name that would otherwise be a keyword.
            const bool escaped = c == u'$';
            const qsizetype start = escaped ? i + 1 : i;
            const qsizetype end = identifierEnd(text, start);
            const QString word = text.mid(start, end - start);
            const qsizetype after = skipSpaces(text, end);
            if (atLineStart && after < n && text.at(after) == u':') {
                setRole(i, after + 1 - i, Role::Label);
                i = after + 1;
                continue;
            }
            const auto role = escaped ? std::nullopt : classifyWord(word);
            if (role) {
                setRole(i, end - i, *role);
            } else if (atLineStart && after < n && isIdentifierStart(text.at(after))) {
                const QString nextWord = text.mid(after, identifierEnd(text, after) - after);
                if (definesName(nextWord))
                    setRole(i, end - i, Role::Label);
            }
            i = end;
            continue;
        }
        ++i; // punctuation: brackets, commas, operators
    }
}

} // namespace vmwb
