import { describe, expect, it } from "vitest";
import { MemoryStorage } from "../../../common/storage";
import { THEME_KEY } from "../state/theme";
import { ThemeStore } from "./theme";

describe("ThemeStore", () => {
  it("starts from what this browser kept, and keeps each choice (system: nothing kept)", () => {
    const storage = new MemoryStorage();
    storage.setItem(THEME_KEY, "dark");
    const store = new ThemeStore(storage);
    expect(store.theme.value).toBe("dark");
    store.cycle();
    expect(store.theme.value).toBe("system");
    expect(storage.getItem(THEME_KEY)).toBeNull();
    store.cycle();
    expect([store.theme.value, storage.getItem(THEME_KEY)]).toEqual(["light", "light"]);
    expect(new ThemeStore(storage).theme.value).toBe("light");
  });
});
