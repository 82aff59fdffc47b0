// Browser end-to-end tests: real Chromium (Debian's, driven by playwright-core) against the real
// local gateway binary. `npm run e2e`, after `npm run build` and `cargo build -p parlor-local`.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["e2e/**/*.e2e.ts"],
    environment: "node",
    // Two cores: one file at a time, each with its own gateway and browser.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
