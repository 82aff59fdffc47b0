// The visitor widget: the loader (widget.js) and the chat app its iframe hosts, built into
// web/dist/widget/; the demo page into web/dist/demo/.
import { defineConfig } from "vite";
import { fileURLToPath } from "node:url";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/widget/",
  build: {
    outDir: fileURLToPath(new URL("../dist/widget", import.meta.url)),
    emptyOutDir: true,
    target: "es2020",
    lib: { entry: fileURLToPath(new URL("src/loader.ts", import.meta.url)), name: "Parlor", formats: ["iife"], fileName: () => "widget.js" },
  },
});
