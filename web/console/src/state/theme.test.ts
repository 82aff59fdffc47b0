import { describe, expect, it } from "vitest";
import { nextTheme, parseTheme, themeLabel } from "./theme";

describe("the theme", () => {
  it("follows the system unless light or dark was kept", () => {
    expect([parseTheme(null), parseTheme("light"), parseTheme("dark"), parseTheme("sepia"), parseTheme("")]).toEqual(["system", "light", "dark", "system", "system"]);
  });

  it("switches system, light, dark and round again, and says which it is", () => {
    expect([nextTheme("system"), nextTheme("light"), nextTheme("dark")]).toEqual(["light", "dark", "system"]);
    expect(themeLabel("dark")).toBe("Theme: dark");
  });
});
