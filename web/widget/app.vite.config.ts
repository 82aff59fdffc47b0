// The chat app the widget's iframe hosts: frame.html and its hashed assets, into web/dist/widget/
// beside the loader (built first, by vite.config.ts).
import { defineConfig } from "vite";
import { fileURLToPath } from "node:url";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/widget/",
  publicDir: false,
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: fileURLToPath(new URL("../dist/widget", import.meta.url)),
    emptyOutDir: false,
    target: "es2020",
    modulePreload: { polyfill: false },
    rollupOptions: { input: fileURLToPath(new URL("frame.html", import.meta.url)) },
  },
});
