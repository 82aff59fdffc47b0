// Unit tests of the web apps' state logic (no browser): `npm test`.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["common/**/*.test.ts", "console/**/*.test.ts", "widget/**/*.test.ts"],
    environment: "node",
  },
});
