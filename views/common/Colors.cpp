#include "common/Colors.h"

namespace vmwb {

WorkbenchColors WorkbenchColors::forPalette(const QPalette &palette)
{
    WorkbenchColors c;
    c.dark = palette.color(QPalette::Window).lightness() < 128;
    c.text = palette.color(QPalette::Text);
    if (c.dark) {
        c.dimText = QColor(0x9a, 0xa4, 0xb1);
        c.changed = QColor(0x6b, 0x55, 0x10);
        c.currentLine = QColor(0x1f, 0x4a, 0x7a);
        c.breakpoint = QColor(0xe0, 0x4f, 0x4f);
        c.error = QColor(0xff, 0x6b, 0x6b);
        c.warning = QColor(0xe5, 0xb4, 0x3c);
        c.difference = QColor(0x7a, 0x2e, 0x2e);
        c.inserted = QColor(0x1e, 0x5a, 0x32);
        c.flagRead = QColor(0x5a, 0xa9, 0xff);
        c.flagWritten = QColor(0xff, 0x9f, 0x43);
        c.directive = QColor(0xc7, 0x92, 0xea);
    } else {
        c.dimText = QColor(0x5f, 0x6b, 0x7a);
        c.changed = QColor(0xff, 0xe8, 0x8a);
        c.currentLine = QColor(0xcf, 0xe4, 0xff);
        c.breakpoint = QColor(0xc6, 0x28, 0x28);
        c.error = QColor(0xd3, 0x2f, 0x2f);
        c.warning = QColor(0xb2, 0x6a, 0x00);
        c.difference = QColor(0xff, 0xcd, 0xd2);
        c.inserted = QColor(0xc8, 0xf0, 0xd0);
        c.flagRead = QColor(0x15, 0x65, 0xc0);
        c.flagWritten = QColor(0xd8, 0x43, 0x15);
        c.directive = QColor(0x6a, 0x1b, 0x9a);
    }
    return c;
}

QColor WorkbenchColors::token(TokenKind kind) const
{
    switch (kind) {
    case TokenKind::Mnemonic:
    case TokenKind::Prefix:
        return dark ? QColor(0x82, 0xaa, 0xff) : QColor(0x0d, 0x47, 0xa1);
    case TokenKind::Register:
        return dark ? QColor(0xc3, 0xe8, 0x8d) : QColor(0x2e, 0x7d, 0x32);
    case TokenKind::Immediate:
    case TokenKind::Displacement:
        return dark ? QColor(0xf7, 0x8c, 0x6c) : QColor(0xad, 0x14, 0x57);
    case TokenKind::AddressAbsolute:
    case TokenKind::AddressRelative:
        return dark ? QColor(0xff, 0xcb, 0x6b) : QColor(0x8d, 0x5a, 0x00);
    case TokenKind::TypeCast:
    case TokenKind::Decorator:
        return dimText;
    default:
        return text;
    }
}

QColor WorkbenchColors::sensitivity(Sensitivity value) const
{
    switch (value) {
    case Sensitivity::Privileged:
        return dark ? QColor(0x1e, 0x6f, 0xd9) : QColor(0x1e, 0x63, 0xc2);
    case Sensitivity::SensitiveUnprivileged:
        return dark ? QColor(0xd9, 0x48, 0x1e) : QColor(0xc6, 0x28, 0x28);
    case Sensitivity::Innocuous:
        break;
    }
    return dark ? QColor(0x4a, 0x52, 0x5e) : QColor(0xc7, 0xcd, 0xd6);
}

QColor WorkbenchColors::event(EventKind kind) const
{
    switch (kind) {
    case EventKind::Trap:
        return sensitivity(Sensitivity::Privileged);
    case EventKind::Hole:
        return sensitivity(Sensitivity::SensitiveUnprivileged);
    case EventKind::InterruptDelivered:
        return dark ? QColor(0x43, 0xa0, 0x47) : QColor(0x2e, 0x7d, 0x32);
    case EventKind::InterruptPending:
        return dark ? QColor(0xe5, 0xb4, 0x3c) : QColor(0xb2, 0x6a, 0x00);
    case EventKind::InterruptLost:
        return dark ? QColor(0xc3, 0x7b, 0xe0) : QColor(0x8e, 0x24, 0xaa);
    case EventKind::GuestFault:
        return error;
    case EventKind::Hypercall:
        return dark ? QColor(0x26, 0xa6, 0x9a) : QColor(0x00, 0x79, 0x6b);
    case EventKind::Callout:
        return dark ? QColor(0x5c, 0x9c, 0xe6) : QColor(0x15, 0x65, 0xc0);
    case EventKind::VmExit:
        return dark ? QColor(0xf0, 0x8a, 0x4b) : QColor(0xbf, 0x36, 0x0c);
    case EventKind::Translation:
    case EventKind::Invalidation:
        return dark ? QColor(0x9e, 0x9e, 0xc8) : QColor(0x5c, 0x5c, 0x8a);
    default:
        return dimText;
    }
}

} // namespace vmwb
