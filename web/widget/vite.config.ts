// The visitor widget's loader (widget.js, an IIFE a customer's page embeds) into web/dist/widget/.
// `app.vite.config.ts` then adds the iframe's chat app (frame.html and its assets) beside it.
import { defineConfig } from "vite";
import { fileURLToPath } from "node:url";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/widget/",
  publicDir: false,
  build: {
    outDir: fileURLToPath(new URL("../dist/widget", import.meta.url)),
    emptyOutDir: true,
    target: "es2020",
    lib: { entry: fileURLToPath(new URL("src/loader.ts", import.meta.url)), name: "Parlor", formats: ["iife"], fileName: () => "widget.js" },
  },
});
