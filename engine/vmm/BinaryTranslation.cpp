#include "vmm/BinaryTranslation.h"

#include "core/Hex.h"
#include "hw/Paging.h"
#include "hw/Rflags.h"
#include "machine/Operands.h"
#include "vmm/Monitor.h"

#include <QCoreApplication>
#include <QStringList>
#include <algorithm>
#include <vector>

namespace vmwb {

namespace {

using Emulation = TrapAndEmulate::Emulation;
using Then = Emulation::Then;

QString tr(const char *text)
{
    return QCoreApplication::translate("vmwb::BinaryTranslation", text);
}

constexpr std::uint64_t kPageMask = ~(paging::kPageSize4K - 1);
constexpr std::uint8_t kInt3 = 0xCC;

// The sensitive unprivileged instructions the callout emulates, beyond the privileged ones
// trap-and-emulate already does.
bool emulatedHere(Mnemonic mnemonic)
{
    switch (mnemonic) {
    case Mnemonic::Popf:
    case Mnemonic::Pushf:
    case Mnemonic::Sgdt:
    case Mnemonic::Sidt:
    case Mnemonic::Sldt:
    case Mnemonic::Str:
    case Mnemonic::Smsw:
    case Mnemonic::MovFromSeg:
        return true;
    default:
        return false;
    }
}

// A CR8 access: the translator turns it into a load or store of the virtual TPR in memory,
// with no callout (Adams and Agesen 2006: cr8wr costs 35 cycles under the software VMM).
bool onVirtualTpr(const Instruction &instruction)
{
    if (instruction.operands.size() != 2)
        return false;
    if (instruction.mnemonic == Mnemonic::MovToCr)
        return instruction.operands[0].reg.reg == Register::Cr8;
    if (instruction.mnemonic == Mnemonic::MovFromCr)
        return instruction.operands[1].reg.reg == Register::Cr8;
    return false;
}

// A near RET (C3, or C2 with an immediate; SDM Vol. 2B, RET), after any operand-size, REP or
// REX prefixes. The decoder does not name it: it is innocuous.
bool isNearReturn(const Instruction &instruction)
{
    for (unsigned i = 0; i < instruction.length; ++i) {
        const std::uint8_t byte = instruction.bytes[i];
        if (byte == 0x66 || byte == 0xF2 || byte == 0xF3 || (byte & 0xF0) == 0x40)
            continue;
        return byte == 0xC3 || byte == 0xC2;
    }
    return false;
}

QString flagText(bool value)
{
    return value ? QStringLiteral("1") : QStringLiteral("0");
}

Emulation next(QString effect, bool reschedule = false)
{
    Emulation e;
    e.effect = std::move(effect);
    e.reschedule = reschedule;
    return e;
}

Emulation unsupported(QString why)
{
    Emulation e;
    e.then = Then::Unsupported;
    e.effect = std::move(why);
    return e;
}

// Stores a 16-bit value to the destination operand the way SLDT, STR, SMSW and MOV r/m, Sreg
// do: a register takes it zero-extended to its width (SMSW: CR0's low 32 bits), memory two
// bytes.
bool storeDestination(Monitor &monitor, const Instruction &instruction, std::uint64_t value)
{
    if (instruction.operands.empty())
        return false;
    const Operand &destination = instruction.operands.front();
    Machine &machine = monitor.machine();
    if (destination.kind == OperandKind::Register) {
        writeRegister(machine.cpu(), destination.reg,
                      value & widthMask(std::min<unsigned>(destination.reg.widthBits, 32)));
        return true;
    }
    if (destination.kind != OperandKind::Memory)
        return false;
    const std::uint64_t address = effectiveAddress(machine, instruction, destination.mem);
    const auto word = static_cast<std::uint16_t>(value);
    return machine.writeLinear(address, &word, sizeof word);
}

// POPF at the guest's virtual CPL 0 (SDM Vol. 2B, POPF, 64-bit mode): every flag but RF, VIP,
// VIF and VM may change, IF and IOPL included. The virtual CPU takes IF and IOPL; the real
// RFLAGS the rest, while the real IF stays 1 and IOPL 0 for the monitor.
Emulation emulatePopf(Monitor &monitor, const Instruction &instruction)
{
    UnicornCpu &cpu = monitor.machine().cpu();
    const unsigned size = instruction.operandSizeBits == 16 ? 2 : 8;
    const std::uint64_t rsp = cpu.read(Register::Rsp);
    std::uint64_t image = 0;
    if (!monitor.machine().readLinear(rsp, &image, size))
        return unsupported(tr("the stack at %1 is not mapped").arg(hex(rsp)));
    const std::uint64_t width = size == 2 ? 0xFFFF : ~std::uint64_t{0};
    const std::uint64_t changeable =
        rflags::kDefinedMask & ~(rflags::kRF | rflags::kVM | rflags::kVIF | rflags::kVIP) & width;
    VirtualCpu &v = monitor.vcpu();
    const bool oldIf = v.interruptFlag;
    v.interruptFlag = (image & rflags::kIF) != 0;
    v.iopl = rflags::iopl(image);
    std::uint64_t real = (cpu.rflags() & ~changeable) | (image & changeable);
    real = rflags::withIopl(real & ~rflags::kRF, 0) | rflags::kIF | rflags::kReserved1;
    cpu.setRflags(real);
    cpu.write(Register::Rsp, rsp + size);
    return next(tr("popped RFLAGS %1: virtual IF %2 -> %3 (at CPL 3 popf would have left IF "
                   "alone without a trap)")
                    .arg(hex(image), flagText(oldIf), flagText(v.interruptFlag)),
                !oldIf && v.interruptFlag);
}

// PUSHF pushes RFLAGS with RF and VM cleared (SDM Vol. 2B, PUSHF); the guest's IF and IOPL
// are the virtual ones.
Emulation emulatePushf(Monitor &monitor, const Instruction &instruction)
{
    UnicornCpu &cpu = monitor.machine().cpu();
    const VirtualCpu &v = monitor.vcpu();
    const unsigned size = instruction.operandSizeBits == 16 ? 2 : 8;
    std::uint64_t image = cpu.rflags() & ~(rflags::kRF | rflags::kVM);
    image = rflags::withBit(image, rflags::kIF, v.interruptFlag);
    image = rflags::withIopl(image, v.iopl);
    const std::uint64_t rsp = cpu.read(Register::Rsp) - size;
    if (!monitor.machine().writeLinear(rsp, &image, size))
        return unsupported(tr("the stack at %1 is not mapped").arg(hex(rsp)));
    cpu.write(Register::Rsp, rsp);
    return next(tr("pushed RFLAGS %1 with the virtual IF = %2 (at CPL 3 pushf would have "
                   "shown the real IF = 1)")
                    .arg(hex(image & (size == 2 ? 0xFFFF : ~std::uint64_t{0})))
                    .arg(flagText(v.interruptFlag)));
}

Emulation emulateTableStore(Monitor &monitor, const Instruction &instruction)
{
    if (instruction.operands.empty() || instruction.operands[0].kind != OperandKind::Memory)
        return unsupported(tr("unexpected operands"));
    const bool idt = instruction.mnemonic == Mnemonic::Sidt;
    const TableRegister table = idt ? monitor.vcpu().idtr : monitor.vcpu().gdtr;
    Machine &machine = monitor.machine();
    const std::uint64_t address =
        effectiveAddress(machine, instruction, instruction.operands[0].mem);
    const auto limit = static_cast<std::uint16_t>(table.limit);
    if (!machine.writeLinear(address, &limit, 2) ||
        !machine.writeLinear(address + 2, &table.base, 8))
        return unsupported(tr("the operand at %1 is not mapped").arg(hex(address)));
    return next(tr("stored the virtual %1 (base %2, limit %3), not the monitor's")
                    .arg(idt ? QStringLiteral("IDTR") : QStringLiteral("GDTR"), hex(table.base),
                         hex(table.limit)));
}

Emulation emulateSelectorStore(Monitor &monitor, const Instruction &instruction)
{
    const VirtualCpu &v = monitor.vcpu();
    std::uint64_t value = 0;
    QString what;
    switch (instruction.mnemonic) {
    case Mnemonic::Sldt:
        value = v.ldtr;
        what = QStringLiteral("LDTR");
        break;
    case Mnemonic::Str:
        value = v.tr;
        what = QStringLiteral("TR");
        break;
    case Mnemonic::Smsw:
        value = v.cr0;
        what = QStringLiteral("CR0");
        break;
    case Mnemonic::MovFromSeg: {
        if (instruction.operands.size() != 2)
            return unsupported(tr("unexpected operands"));
        const Register segment = instruction.operands[1].reg.reg;
        switch (segment) {
        case Register::Cs:
            value = v.cs;
            what = QStringLiteral("CS");
            break;
        case Register::Ss:
            value = v.ss;
            what = QStringLiteral("SS");
            break;
        case Register::Ds:
            value = v.ds;
            what = QStringLiteral("DS");
            break;
        case Register::Es:
            value = v.es;
            what = QStringLiteral("ES");
            break;
        default:
            value = monitor.machine().cpu().read(segment);
            what = segment == Register::Fs ? QStringLiteral("FS") : QStringLiteral("GS");
            break;
        }
        break;
    }
    default:
        return unsupported(tr("this monitor does not emulate it"));
    }
    if (!storeDestination(monitor, instruction, value))
        return unsupported(tr("unexpected operands"));
    return next(tr("returned the virtual %1 = %2").arg(what, hex(value)));
}

} // namespace

const TechniqueInfo &BinaryTranslation::staticInfo()
{
    static const TechniqueInfo info{
        QStringLiteral("binary-translation"),
        QT_TRANSLATE_NOOP("vmwb::Technique", "Binary translation"),
        QT_TRANSLATE_NOOP("vmwb::Technique",
                          "The guest kernel runs deprivileged at ring 3. The first fetch from "
                          "each code page traps to a translator that replaces every sensitive "
                          "instruction, popf included, by a callout into the monitor."),
        3,
    };
    return info;
}

bool BinaryTranslation::translates(const Instruction &instruction)
{
    if (instruction.sensitivity == Sensitivity::Innocuous)
        return false;
    return emulatedHere(instruction.mnemonic) || emulatesPrivileged(instruction.mnemonic);
}

void BinaryTranslation::start(Monitor &monitor)
{
    TrapAndEmulate::start(monitor);
    m_cache = {};
    m_code.clear();
    monitor.setTranslationCache(&m_cache);
    Machine &machine = monitor.machine();
    machine.guardFetches(0, machine.memory().guestSize());
}

bool BinaryTranslation::watches(const Instruction &instruction) const
{
    // Code the translator did not reach from a page's first entry (an interrupt handler, the
    // target of an indirect jump) shows up here, before it first runs. A near ret in
    // translated code is watched for the cost of finding its translated target.
    if (isNearReturn(instruction)) {
        const TranslatedPage *page = m_cache.page(instruction.address);
        return page && page->valid;
    }
    return translates(instruction) || TrapAndEmulate::watches(instruction);
}

WatchAction BinaryTranslation::onWatched(Monitor &monitor, const Instruction &instruction)
{
    if (isNearReturn(instruction)) {
        // The return address on the stack is a guest address; translated code cannot jump to
        // it but looks up its translation first (Adams and Agesen 2006: call/ret pays 40
        // cycles more under the software VMM than natively). The ret itself runs as it is.
        monitor.record(EventKind::Inline, instruction.address, monitor.cost(Cost::TranslatedReturn),
                       [&] {
                           return tr("ret in translated code: the return address on the stack "
                                     "is the guest's, so the translated code looked up its "
                                     "translation before returning");
                       });
        return WatchAction::Execute;
    }
    if (!translates(instruction))
        return TrapAndEmulate::onWatched(monitor, instruction);
    // Decode-ahead gives the facts only; the patch keeps the text too.
    const auto full = monitor.machine().decodeAt(instruction.address, Decoder::Detail::Full);
    const Instruction &original = full ? *full : instruction;
    TranslatedPage *page = m_cache.page(original.address);
    if (page && page->valid && patch(monitor, *page, original)) {
        monitor.machine().watchAccesses(page->page, true);
        ++page->decoded;
        m_code[page->page].bytes.set(original.address & ~kPageMask);
        monitor.record(EventKind::Translation, original.address,
                       monitor.cost(Cost::TranslatedInstruction), [&] {
                           return tr("%1 was first reached on a path the translator had not "
                                     "followed (an interrupt handler or an indirect jump): "
                                     "translated into a callout now")
                               .arg(original.text);
                       });
        if (Patch *added = m_cache.patchAt(original.address))
            ++added->callouts;
    }
    emulateTrapped(monitor, original, onVirtualTpr(original) ? Entry::Inline : Entry::Callout);
    return WatchAction::Handled;
}

void BinaryTranslation::onException(Monitor &monitor, const CpuException &exception)
{
    if (exception.software && exception.vector == 3) {
        if (Patch *patch = m_cache.patchAt(exception.rip);
            patch && patch->address == exception.rip) {
            const auto original = monitor.machine().decoder().decode(
                std::span<const std::uint8_t>(patch->original.data(), patch->length),
                patch->address);
            if (original) {
                ++patch->callouts;
                emulateTrapped(monitor, *original,
                               onVirtualTpr(*original) ? Entry::Inline : Entry::Callout);
                return;
            }
        }
    }
    TrapAndEmulate::onException(monitor, exception);
}

void BinaryTranslation::onGuardedFetch(Monitor &monitor, std::uint64_t pageAddress)
{
    Machine &machine = monitor.machine();
    TranslatedPage &page = m_cache.add(pageAddress);
    page.patches.clear();
    m_code[page.page] = {};
    // During the fetch RIP is the start of the block being translated. A block that runs on
    // from the page before enters this one in mid-stream: its instructions are then
    // translated as they are first reached (see watches()).
    const std::uint64_t rip = machine.cpu().rip();
    const bool entered = (rip & kPageMask) == page.page;
    page.decoded = entered ? translateFrom(monitor, page, rip) : 0;
    page.valid = true;
    ++page.translations;
    page.translatedAt = machine.retired();
    machine.releaseFetchGuard(page.page);
    // Writes over decoded code are looked for on every translated page, reads of patched
    // bytes only where there are patches.
    machine.watchAccesses(page.page, !page.patches.empty());
    const std::uint64_t cycles =
        monitor.cost(Cost::FetchTrap) + page.decoded * monitor.cost(Cost::TranslatedInstruction);
    monitor.record(EventKind::Translation, rip, cycles, [&] {
        QStringList patched;
        for (const auto &[address, patch] : page.patches)
            patched << patch.originalText;
        const QString again = page.translations > 1 ? tr(" again") : QString();
        if (!entered) {
            return tr("code running on from the page before reached page %1: it is "
                      "executable now%2, and its sensitive instructions are translated as they "
                      "are first reached")
                .arg(hex(page.page), again);
        }
        return tr("the first fetch from page %1 trapped into the translator%2: it decoded %3 "
                  "instruction(s) from %4 and replaced %5 sensitive one(s) by callouts%6")
            .arg(hex(page.page), again)
            .arg(page.decoded)
            .arg(hex(rip))
            .arg(page.patches.size())
            .arg(patched.isEmpty()
                     ? QString()
                     : QStringLiteral(" (%1)").arg(patched.join(QLatin1String(", "))));
    });
}

std::uint32_t BinaryTranslation::translateFrom(Monitor &monitor, TranslatedPage &page,
                                               std::uint64_t entry)
{
    Machine &machine = monitor.machine();
    PageCode &code = m_code[page.page];
    std::bitset<4096> started;
    std::vector<std::uint64_t> work{entry};
    std::uint32_t decoded = 0;
    while (!work.empty()) {
        std::uint64_t address = work.back();
        work.pop_back();
        while ((address & kPageMask) == page.page && !started.test(address & ~kPageMask)) {
            const auto instruction = machine.decodeAt(address, Decoder::Detail::Full);
            // Zero bytes (add [rax], al) are padding or data that a path falls into after an
            // instruction that does not return (the exit port's out): stop there.
            if (!instruction || std::all_of(instruction->bytes.begin(),
                                            instruction->bytes.begin() + instruction->length,
                                            [](std::uint8_t b) { return b == 0; }))
                break;
            started.set(address & ~kPageMask);
            ++decoded;
            for (std::uint64_t at = address;
                 at < instruction->nextAddress() && (at & kPageMask) == page.page; ++at)
                code.bytes.set(at & ~kPageMask);
            if (translates(*instruction))
                patch(monitor, page, *instruction);
            if (instruction->branchTarget && (*instruction->branchTarget & kPageMask) == page.page)
                work.push_back(*instruction->branchTarget);
            if (!instruction->fallsThrough)
                break;
            address = instruction->nextAddress();
        }
    }
    return decoded;
}

bool BinaryTranslation::patch(Monitor &monitor, TranslatedPage &page,
                              const Instruction &instruction)
{
    // A patch never crosses its page: the page after may be translated, or not, on its own.
    if ((instruction.address & kPageMask) != ((instruction.nextAddress() - 1) & kPageMask))
        return false;
    Patch patch;
    patch.address = instruction.address;
    patch.length = instruction.length;
    std::copy_n(instruction.bytes.begin(), instruction.length, patch.original.begin());
    std::fill_n(patch.patched.begin(), instruction.length, kInt3);
    patch.originalText = instruction.text;
    patch.sensitivity = instruction.sensitivity;
    const std::span<const std::uint8_t> bytes(patch.patched.data(), patch.length);
    if (!monitor.machine().writeLinear(patch.address, bytes.data(), bytes.size()))
        return false;
    page.patches[patch.address] = patch;
    return true;
}

void BinaryTranslation::onWatchedAccess(Monitor &monitor, MemoryAccess access,
                                        std::uint64_t address, std::size_t size)
{
    if (access == MemoryAccess::Read) {
        const Patch *patch = m_cache.patchOverlapping(address, size);
        if (!patch)
            return;
        const std::uint64_t rip = monitor.machine().cpu().rip();
        monitor.record(EventKind::Hole, rip, 0, [&] {
            return tr("the guest read %1 byte(s) at %2, over the callout that replaced %3 at %4: "
                      "it sees int3 (0xCC) bytes, not its own code. Patching in place shows; "
                      "VMware's translator wrote its translations to a separate cache instead")
                .arg(size)
                .arg(hex(address), patch->originalText, hex(patch->address));
        });
        return;
    }
    if (access != MemoryAccess::Write)
        return;
    for (std::uint64_t at = address; at < address + size;) {
        const std::uint64_t pageAddress = at & kPageMask;
        const std::uint64_t end =
            std::min<std::uint64_t>(address + size, pageAddress + paging::kPageSize4K);
        TranslatedPage *page = m_cache.page(pageAddress);
        auto code = m_code.find(pageAddress);
        if (page && page->valid && code != m_code.end()) {
            for (std::uint64_t byte = at; byte < end; ++byte) {
                if (!code->second.bytes.test(byte & ~kPageMask))
                    continue;
                // Undone before the next block, outside the hook (see Machine::atNextBlock);
                // the bytes the guest writes meanwhile are kept.
                auto &writes = m_pendingWrites[pageAddress];
                if (writes.empty()) {
                    const std::uint64_t rip = monitor.machine().cpu().rip();
                    monitor.machine().atNextBlock([this, &monitor, pageAddress, address, rip] {
                        if (TranslatedPage *target = m_cache.page(pageAddress))
                            invalidate(monitor, *target, address, rip);
                        m_pendingWrites.erase(pageAddress);
                    });
                }
                writes.emplace_back(at, end);
                break;
            }
            if (auto pending = m_pendingWrites.find(pageAddress); pending != m_pendingWrites.end())
                pending->second.emplace_back(at, end);
        }
        at = end;
    }
}

void BinaryTranslation::invalidate(Monitor &monitor, TranslatedPage &page, std::uint64_t written,
                                   std::uint64_t rip)
{
    Machine &machine = monitor.machine();
    const auto &writes = m_pendingWrites[page.page];
    const auto overwritten = [&writes](std::uint64_t byte) {
        return std::any_of(writes.begin(), writes.end(), [byte](const auto &range) {
            return byte >= range.first && byte < range.second;
        });
    };
    // The original bytes come back, except where the guest's own stores have landed.
    for (const auto &[address, patch] : page.patches) {
        for (unsigned i = 0; i < patch.length; ++i) {
            if (!overwritten(address + i))
                machine.writeLinear(address + i, &patch.original[i], 1);
        }
    }
    page.valid = false;
    ++page.invalidations;
    m_code.erase(page.page);
    machine.unwatchAccesses(page.page);
    machine.guardFetches(page.page, page.page + paging::kPageSize4K);
    monitor.record(EventKind::Invalidation, rip, monitor.cost(Cost::FetchTrap), [&] {
        return tr("the guest wrote to %1, over code the translator had decoded on page %2: its "
                  "%3 callout(s) were undone (the original bytes are back) and the page is "
                  "guarded again, to be translated anew on its next fetch")
            .arg(hex(written), hex(page.page))
            .arg(page.patches.size());
    });
}

TrapAndEmulate::Emulation BinaryTranslation::emulate(Monitor &monitor,
                                                     const Instruction &instruction)
{
    switch (instruction.mnemonic) {
    case Mnemonic::Popf:
        return emulatePopf(monitor, instruction);
    case Mnemonic::Pushf:
        return emulatePushf(monitor, instruction);
    case Mnemonic::Sgdt:
    case Mnemonic::Sidt:
        return emulateTableStore(monitor, instruction);
    case Mnemonic::Sldt:
    case Mnemonic::Str:
    case Mnemonic::Smsw:
    case Mnemonic::MovFromSeg:
        return emulateSelectorStore(monitor, instruction);
    default:
        return TrapAndEmulate::emulate(monitor, instruction);
    }
}

struct BinaryTranslation::SavedState final : TechniqueState
{
    TranslationCache cache;
    std::unordered_map<std::uint64_t, PageCode> code;
    std::unordered_map<std::uint64_t, std::vector<std::pair<std::uint64_t, std::uint64_t>>>
        pendingWrites;

    std::size_t bytes() const override
    {
        std::size_t total = sizeof *this + code.size() * (sizeof(PageCode) + 32);
        for (const auto &[address, page] : cache.pages())
            total += sizeof page + page.patches.size() * (sizeof(Patch) + 64);
        for (const auto &[page, writes] : pendingWrites)
            total += 32 + writes.size() * 16;
        return total;
    }
};

// The patched bytes are in guest memory and the guarded and watched pages on the machine: the
// history saves those. Here: what the translator knows about them.
std::unique_ptr<TechniqueState> BinaryTranslation::saveState() const
{
    auto state = std::make_unique<SavedState>();
    state->cache = m_cache;
    state->code = m_code;
    state->pendingWrites = m_pendingWrites;
    return state;
}

void BinaryTranslation::restoreState(Monitor &monitor, const TechniqueState *saved)
{
    const auto *state = dynamic_cast<const SavedState *>(saved);
    if (!state)
        throw EngineError("a snapshot of another technique");
    m_cache = state->cache;
    m_code = state->code;
    m_pendingWrites = state->pendingWrites;
    monitor.setTranslationCache(&m_cache);
}

} // namespace vmwb
