// The operator's colour theme, kept in this browser's local storage (web/common/storage.ts falls
// back to memory where storage is refused). The UI puts it on <html data-theme>, which the CSS reads.

import { signal } from "@preact/signals";
import { nextTheme, parseTheme, THEME_KEY, type Theme } from "../state/theme";

export class ThemeStore {
  readonly theme = signal<Theme>("system");

  constructor(private readonly storage: Storage) {
    this.theme.value = parseTheme(storage.getItem(THEME_KEY));
  }

  set(t: Theme): void {
    this.theme.value = t;
    if (t === "system") this.storage.removeItem(THEME_KEY);
    else this.storage.setItem(THEME_KEY, t);
  }

  /** The switch in the header: system, light, dark, round again. */
  cycle(): void {
    this.set(nextTheme(this.theme.value));
  }
}
