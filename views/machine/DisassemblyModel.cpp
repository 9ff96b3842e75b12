#include "machine/DisassemblyModel.h"

#include "common/TableColumns.h"
#include "decode/Sensitivity.h"
#include "machine/RegisterModel.h"

#include <QCoreApplication>
#include <QFont>
#include <QGuiApplication>
#include <QLocale>
#include <QStringList>
#include <QtEndian>
#include <algorithm>
#include <array>
#include <utility>

namespace vmwb {

namespace {

// Texts marked with QT_TRANSLATE_NOOP in this file's context.
QString translated(const char *text)
{
    return QCoreApplication::translate("vmwb::DisassemblyModel", text);
}

QString sensitivityText(const char *text)
{
    return QCoreApplication::translate("vmwb::Sensitivity", text);
}

struct ClassInfo
{
    Sensitivity sensitivity;
    const char *badge;   // QT_TRANSLATE_NOOP("vmwb::DisassemblyModel", ...)
    const char *name;    // QT_TRANSLATE_NOOP("vmwb::DisassemblyModel", ...)
    const char *meaning; // QT_TRANSLATE_NOOP("vmwb::DisassemblyModel", ...)
};

// Popek and Goldberg (CACM 17(7), 1974) and Robin and Irvine (USENIX Security 2000).
constexpr std::array<ClassInfo, 3> kClasses{{
    {Sensitivity::Innocuous, "", QT_TRANSLATE_NOOP("vmwb::DisassemblyModel", "innocuous"),
     QT_TRANSLATE_NOOP("vmwb::DisassemblyModel",
                       "Same effect at every privilege level: the guest runs it directly.")},
    {Sensitivity::Privileged, QT_TRANSLATE_NOOP("vmwb::DisassemblyModel", "P"),
     QT_TRANSLATE_NOOP("vmwb::DisassemblyModel", "privileged"),
     QT_TRANSLATE_NOOP("vmwb::DisassemblyModel",
                       "Faults when the deprivileged guest kernel runs it, so the monitor gets "
                       "control and emulates it.")},
    {Sensitivity::SensitiveUnprivileged, QT_TRANSLATE_NOOP("vmwb::DisassemblyModel", "S"),
     QT_TRANSLATE_NOOP("vmwb::DisassemblyModel", "sensitive, unprivileged"),
     QT_TRANSLATE_NOOP("vmwb::DisassemblyModel",
                       "Reads or changes privileged state but does not fault at CPL 3: the "
                       "monitor never sees it, a hole in trap-and-emulate.")},
}};

constexpr bool classesInOrder()
{
    for (std::size_t i = 0; i < kClasses.size(); ++i) {
        if (static_cast<std::size_t>(kClasses[i].sensitivity) != i)
            return false;
    }
    return true;
}
static_assert(classesInOrder(), "kClasses must list every Sensitivity in order");

const ClassInfo &classInfo(Sensitivity sensitivity)
{
    return kClasses[static_cast<std::size_t>(sensitivity)];
}

constexpr std::array<ColumnHeader, DisassemblyModel::ColumnCount> kColumns{{
    {QT_TRANSLATE_NOOP("vmwb::DisassemblyModel", "Address"),
     QT_TRANSLATE_NOOP("vmwb::DisassemblyModel", "The guest address of the instruction")},
    {QT_TRANSLATE_NOOP("vmwb::DisassemblyModel", "Bytes"),
     QT_TRANSLATE_NOOP("vmwb::DisassemblyModel", "The machine code, as the CPU fetches it")},
    {QT_TRANSLATE_NOOP("vmwb::DisassemblyModel", "Translated"),
     QT_TRANSLATE_NOOP("vmwb::DisassemblyModel",
                       "What guest memory holds now on the pages the binary translator has "
                       "translated: cc (int3) where it replaced a sensitive instruction by a "
                       "callout into the monitor, the original bytes everywhere else. Empty on "
                       "pages it has not translated.")},
    {QT_TRANSLATE_NOOP("vmwb::DisassemblyModel", "Class"),
     QT_TRANSLATE_NOOP("vmwb::DisassemblyModel",
                       "P: privileged, traps at CPL 3. S: sensitive but unprivileged, does not "
                       "trap. Empty: innocuous.")},
    {QT_TRANSLATE_NOOP("vmwb::DisassemblyModel", "Instruction"),
     QT_TRANSLATE_NOOP("vmwb::DisassemblyModel",
                       "The instruction as the decoder reads the bytes back (Intel syntax)")},
    {QT_TRANSLATE_NOOP("vmwb::DisassemblyModel", "Line"),
     QT_TRANSLATE_NOOP("vmwb::DisassemblyModel",
                       "The source line it was assembled from; double-click to go there")},
}};

// A row's bytes column shows this many bytes; the tooltip has them all.
constexpr qsizetype kBytesShown = 8;
// Strings in data directives are cut after this many characters.
constexpr qsizetype kStringShown = 20;

bool isPrintable(char c)
{
    return c >= 0x20 && c < 0x7f && c != '"';
}

// A data directive as NASM would write it: a string, one number, or the first bytes.
QString dataText(const QByteArray &bytes)
{
    qsizetype textEnd = bytes.size();
    while (textEnd > 0 && bytes.at(textEnd - 1) == 0)
        --textEnd;
    bool printable = textEnd >= 2;
    for (qsizetype i = 0; i < textEnd && printable; ++i)
        printable = isPrintable(bytes.at(i));
    if (printable) {
        QString text = QString::fromLatin1(bytes.left(std::min(textEnd, kStringShown)));
        if (textEnd > kStringShown)
            text += QChar(0x2026); // ellipsis
        QString result = QStringLiteral("db \"%1\"").arg(text);
        for (qsizetype i = textEnd; i < bytes.size(); ++i)
            result += QStringLiteral(", 0");
        return result;
    }
    const auto *data = reinterpret_cast<const uchar *>(bytes.constData());
    switch (bytes.size()) {
    case 1:
        return QStringLiteral("db 0x%1").arg(data[0], 2, 16, QLatin1Char('0'));
    case 2:
        return QStringLiteral("dw 0x%1").arg(qFromLittleEndian<quint16>(data), 4, 16,
                                             QLatin1Char('0'));
    case 4:
        return QStringLiteral("dd 0x%1").arg(qFromLittleEndian<quint32>(data), 8, 16,
                                             QLatin1Char('0'));
    case 8:
        return QStringLiteral("dq %1").arg(groupedHex(qFromLittleEndian<quint64>(data)));
    default:
        break;
    }
    QStringList values;
    for (qsizetype i = 0; i < std::min(bytes.size(), kBytesShown); ++i)
        values << QStringLiteral("0x%1").arg(data[i], 2, 16, QLatin1Char('0'));
    QString result = QStringLiteral("db ") + values.join(QStringLiteral(", "));
    if (bytes.size() > kBytesShown)
        result += QStringLiteral(", ") + QChar(0x2026);
    return result;
}

} // namespace

DisassemblyModel::DisassemblyModel(QObject *parent)
    : QAbstractTableModel(parent), m_colors(WorkbenchColors::forPalette(QGuiApplication::palette()))
{}

QString DisassemblyModel::badgeText(Sensitivity sensitivity)
{
    const char *badge = classInfo(sensitivity).badge;
    return *badge ? translated(badge) : QString();
}

QString DisassemblyModel::className(Sensitivity sensitivity)
{
    return translated(classInfo(sensitivity).name);
}

QString DisassemblyModel::classMeaning(Sensitivity sensitivity)
{
    return translated(classInfo(sensitivity).meaning);
}

void DisassemblyModel::setProgram(const ProgramView &program)
{
    beginResetModel();
    m_lines = program.disassembly;
    m_rowOfAddress.clear();
    quint64 highest = 0;
    for (std::size_t i = 0; i < m_lines.size(); ++i) {
        m_rowOfAddress.insert(m_lines[i].address, static_cast<int>(i));
        highest = std::max<quint64>(highest, m_lines[i].address);
    }
    // Enough whole groups of four digits for the highest address, at least eight.
    int digits = 8;
    while (digits < 16 && (highest >> (4 * digits)) != 0)
        digits += 4;
    m_addressDigits = digits;
    m_currentRow = m_current ? rowOfAddress(*m_current) : -1;
    endResetModel();
}

void DisassemblyModel::setCurrentAddress(quint64 rip)
{
    m_current = rip;
    const int row = rowOfAddress(rip);
    if (row == m_currentRow)
        return;
    const int previous = m_currentRow;
    m_currentRow = row;
    emitRowChanged(previous);
    emitRowChanged(row);
}

void DisassemblyModel::clearCurrentAddress()
{
    m_current.reset();
    const int previous = m_currentRow;
    m_currentRow = -1;
    emitRowChanged(previous);
}

void DisassemblyModel::setBreakpointAddresses(const QSet<quint64> &addresses)
{
    if (addresses == m_breakpoints)
        return;
    const QSet<quint64> changed = (addresses - m_breakpoints) + (m_breakpoints - addresses);
    m_breakpoints = addresses;
    for (quint64 address : changed)
        emitRowChanged(rowOfAddress(address));
}

void DisassemblyModel::setColors(const WorkbenchColors &colors)
{
    m_colors = colors;
    if (!m_lines.empty())
        emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
}

void DisassemblyModel::setTranslationCache(std::shared_ptr<const TranslationCache> cache)
{
    if (cache == m_translationCache)
        return;
    m_translationCache = std::move(cache);
    if (!m_lines.empty())
        emit dataChanged(index(0, TranslatedColumn), index(rowCount() - 1, TranslatedColumn));
}

bool DisassemblyModel::hasTranslatedPages() const
{
    return m_translationCache && !m_translationCache->pages().empty();
}

void DisassemblyModel::emitRowChanged(int row)
{
    if (row >= 0 && row < rowCount())
        emit dataChanged(index(row, 0), index(row, ColumnCount - 1));
}

int DisassemblyModel::rowOfAddress(quint64 address) const
{
    if (const auto found = m_rowOfAddress.constFind(address); found != m_rowOfAddress.cend())
        return found.value();
    // RIP can sit inside a line only if the guest jumped into the middle of one.
    for (std::size_t i = 0; i < m_lines.size(); ++i) {
        const DisassemblyLine &line = m_lines[i];
        if (address > line.address &&
            address < line.address + static_cast<quint64>(line.bytes.size()))
            return static_cast<int>(i);
    }
    return -1;
}

int DisassemblyModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_lines.size());
}

int DisassemblyModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString DisassemblyModel::bytesText(const QByteArray &bytes, qsizetype limit) const
{
    QString text = QString::fromLatin1(bytes.left(limit).toHex(' '));
    if (bytes.size() > limit)
        text += QStringLiteral(" ") + QChar(0x2026);
    return text;
}

DisassemblyModel::Translation DisassemblyModel::translation(const DisassemblyLine &line) const
{
    if (!m_translationCache)
        return Translation::None;
    const TranslatedPage *page = m_translationCache->page(line.address);
    if (page == nullptr)
        return Translation::NotTranslated;
    if (!page->valid)
        return Translation::Invalidated;
    const auto size = static_cast<std::size_t>(line.bytes.size());
    return m_translationCache->patchOverlapping(line.address, size) ? Translation::Patched
                                                                    : Translation::Unchanged;
}

QByteArray DisassemblyModel::translatedBytes(const DisassemblyLine &line) const
{
    QByteArray bytes = line.bytes;
    if (!m_translationCache)
        return bytes;
    for (qsizetype i = 0; i < bytes.size(); ++i) {
        const quint64 address = line.address + static_cast<quint64>(i);
        if (const Patch *patch = m_translationCache->patchAt(address))
            bytes[i] = static_cast<char>(patch->patched[address - patch->address]);
    }
    return bytes;
}

QString DisassemblyModel::translatedToolTip(const DisassemblyLine &line) const
{
    switch (translation(line)) {
    case Translation::None:
        return {};
    case Translation::NotTranslated:
        return tr("Not translated yet: the translator decodes a page on the guest's first fetch "
                  "from it.");
    case Translation::Invalidated:
        return tr("Invalidated: the guest wrote to this page, so the original bytes are back. "
                  "It is guarded again, to be translated on its next fetch.");
    case Translation::Unchanged:
        if (line.isData)
            return tr("Translated page: the translator leaves data as it is.");
        return tr("Translated: these bytes run unchanged, directly on the CPU.");
    case Translation::Patched:
        break;
    }
    const Patch &patch = *m_translationCache->patchOverlapping(
        line.address, static_cast<std::size_t>(line.bytes.size()));
    const auto patchBytes = [&patch](const std::array<std::uint8_t, 15> &bytes) {
        const auto length = std::min<std::size_t>(patch.length, bytes.size());
        return QString::fromLatin1(
            QByteArray(reinterpret_cast<const char *>(bytes.data()), static_cast<qsizetype>(length))
                .toHex(' '));
    };
    QString original = patch.originalText;
    if (original.isEmpty() && line.instruction)
        original = line.instruction->text;
    const auto row = [](const QString &label, const QString &text) {
        return QStringLiteral("<tr><td><b>%1</b></td><td><tt>%2</tt></td></tr>")
            .arg(label.toHtmlEscaped(), text.toHtmlEscaped());
    };
    QString html =
        QStringLiteral("<p>%1</p>")
            .arg(tr("Callout: the translator replaced <tt>%1</tt> by int3, which calls out to "
                    "the monitor; the monitor emulates the original instruction.")
                     .arg(original.toHtmlEscaped()));
    html += QStringLiteral("<table>");
    html += row(tr("Original bytes:"), patchBytes(patch.original));
    html += row(tr("Patched bytes:"), patchBytes(patch.patched));
    html +=
        row(tr("Callouts so far:"), QLocale().toString(static_cast<qulonglong>(patch.callouts)));
    html += QStringLiteral("</table>");
    return html;
}

QVariant DisassemblyModel::displayText(const DisassemblyLine &line, int column) const
{
    switch (column) {
    case AddressColumn:
        return groupedHex(line.address, m_addressDigits);
    case BytesColumn:
        return bytesText(line.bytes, kBytesShown);
    case TranslatedColumn:
        switch (translation(line)) {
        case Translation::Unchanged:
        case Translation::Patched:
            return bytesText(translatedBytes(line), kBytesShown);
        default:
            return QString();
        }
    case ClassColumn:
        if (line.isData)
            return tr("data");
        if (!line.instruction)
            return QString();
        return badgeText(line.instruction->sensitivity);
    case InstructionColumn:
        if (line.isData)
            return dataText(line.bytes);
        if (!line.instruction)
            return tr("(not an instruction)");
        return line.instruction->text;
    case LineColumn:
        return line.line > 0 ? QVariant(line.line) : QVariant();
    default:
        return {};
    }
}

QString DisassemblyModel::instructionToolTip(const DisassemblyLine &line) const
{
    if (line.isData) {
        return tr("Data defined on line %1: %n byte(s), not meant to be executed.", nullptr,
                  static_cast<int>(line.bytes.size()))
            .arg(line.line);
    }
    if (!line.instruction) {
        return tr("These bytes are not a valid x86-64 instruction: executing them raises #UD.");
    }
    const Instruction &instruction = *line.instruction;
    const SensitivityRule &rule = sensitivityRule(instruction.mnemonic);
    const auto paragraph = [](const QString &label, const QString &text) {
        return QStringLiteral("<p><b>%1</b> %2</p>")
            .arg(label.toHtmlEscaped(), text.toHtmlEscaped());
    };
    QString html = QStringLiteral("<p><b><tt>%1</tt></b> &mdash; %2</p>")
                       .arg(instruction.text.toHtmlEscaped(),
                            className(instruction.sensitivity).toHtmlEscaped());
    html += QStringLiteral("<p>%1</p>").arg(classMeaning(instruction.sensitivity).toHtmlEscaped());
    html += paragraph(tr("Group:"), sensitivityText(rule.group));
    html += paragraph(tr("At CPL 0:"), sensitivityText(rule.atCpl0));
    html += paragraph(tr("At CPL 3:"), sensitivityText(rule.atCpl3));
    html += QStringLiteral("<p><i>%1</i></p>")
                .arg(tr("Source: %1").arg(sensitivityText(rule.source)).toHtmlEscaped());
    return html;
}

QVariant DisassemblyModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid())
        return {};
    Q_ASSERT(checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid));
    const int row = index.row();
    const int column = index.column();
    const DisassemblyLine &line = m_lines[static_cast<std::size_t>(row)];
    switch (role) {
    case Qt::DisplayRole:
        return displayText(line, column);
    case Qt::ToolTipRole:
        switch (column) {
        case ClassColumn:
        case InstructionColumn:
            return instructionToolTip(line);
        case BytesColumn:
            return tr("%n byte(s): %1", nullptr, static_cast<int>(line.bytes.size()))
                .arg(bytesText(line.bytes, line.bytes.size()));
        case TranslatedColumn:
            return translatedToolTip(line);
        case AddressColumn:
            if (row == m_currentRow)
                return tr("RIP is here: this instruction executes next.");
            if (m_breakpoints.contains(line.address))
                return tr("A breakpoint stops the run here.");
            return {};
        case LineColumn:
            if (line.line <= 0)
                return {};
            return tr("Double-click to show line %1 in the editor.").arg(line.line);
        default:
            return {};
        }
    case Qt::BackgroundRole:
        if (row == m_currentRow)
            return m_colors.currentLine;
        return {};
    case Qt::ForegroundRole:
        if (column == AddressColumn && m_breakpoints.contains(line.address))
            return m_colors.breakpoint;
        if (column == InstructionColumn && line.instruction && !line.isData)
            return m_colors.text;
        // The colour the Translation cache pane gives rewritten bytes.
        if (column == TranslatedColumn && translation(line) == Translation::Patched)
            return m_colors.flagWritten;
        return m_colors.dimText;
    case Qt::FontRole:
        if (column == TranslatedColumn && translation(line) == Translation::Patched) {
            QFont font;
            font.setBold(true);
            return font;
        }
        if (line.isData && (column == ClassColumn || column == InstructionColumn)) {
            QFont font;
            font.setItalic(true);
            return font;
        }
        return {};
    case Qt::TextAlignmentRole:
        if (column == ClassColumn)
            return QVariant::fromValue(Qt::Alignment(Qt::AlignCenter));
        return QVariant::fromValue(Qt::Alignment(Qt::AlignVCenter | Qt::AlignLeft));
    case TokensRole:
        if (line.instruction && !line.isData)
            return QVariant::fromValue(line.instruction->tokens);
        return QVariant::fromValue(std::vector<Token>{});
    case SensitivityRole:
        if (line.instruction && !line.isData)
            return static_cast<int>(line.instruction->sensitivity);
        return {};
    case AddressRole:
        return static_cast<quint64>(line.address);
    case SourceLineRole:
        return line.line;
    case CurrentRole:
        return row == m_currentRow;
    case BreakpointRole:
        return m_breakpoints.contains(line.address);
    case DataRole:
        return line.isData;
    case TranslationRole:
        return static_cast<int>(translation(line));
    default:
        return {};
    }
}

QVariant DisassemblyModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    return columnHeaderData(kColumns, "vmwb::DisassemblyModel", section, orientation, role);
}

Qt::ItemFlags DisassemblyModel::flags(const QModelIndex &index) const
{
    return readOnlyCellFlags(index);
}

} // namespace vmwb
