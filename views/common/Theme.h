#pragma once

// The window's theme: the system's own palette, or a light or dark one. Lecturers switch to
// whichever reads better on their projector.

#include <QPalette>
#include <QString>

namespace vmwb {

enum class Theme
{
    System,
    Light,
    Dark
};

QString themeKey(Theme theme); // "system", "light", "dark": how settings store it
Theme themeFromKey(const QString &key);

// Applies the theme to the running application (style and palette).
void applyTheme(Theme theme);
QPalette lightPalette();
QPalette darkPalette();

} // namespace vmwb
