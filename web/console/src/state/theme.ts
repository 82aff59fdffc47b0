// The console's colour theme: the system's (`prefers-color-scheme`) unless the operator picked
// light or dark, which this browser keeps in local storage.

export type Theme = "system" | "light" | "dark";

/** Where the choice is kept (local storage). */
export const THEME_KEY = "parlor.console.theme";

const THEMES: readonly Theme[] = ["system", "light", "dark"];

/** A stored value as a theme; anything else (nothing stored, an old value) follows the system. */
export function parseTheme(stored: string | null): Theme {
  return THEMES.find((t) => t === stored) ?? "system";
}

/** The theme the switch moves to: system, light, dark, then system again. */
export function nextTheme(t: Theme): Theme {
  return THEMES[(THEMES.indexOf(t) + 1) % THEMES.length];
}

/** What the switch says it shows now. */
export function themeLabel(t: Theme): string {
  return t === "system" ? "Theme: as the system" : t === "light" ? "Theme: light" : "Theme: dark";
}
