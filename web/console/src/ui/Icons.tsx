// The console's icons: inline SVG line drawings on a 24-unit grid, drawn in the text's colour.
// They replace emoji and symbol glyphs, which show as empty boxes where no emoji font is installed
// (a stock Debian Chromium has none). Decorative unless given a label: the button around an icon
// carries its name.

const PATHS = {
  attach: "M16.5 6.5v10a4.5 4.5 0 0 1-9 0V5a3 3 0 0 1 6 0v10.5a1.5 1.5 0 0 1-3 0V6.5",
  back: "M15 5l-7 7 7 7",
  bolt: "M13 2L4.5 13.5H11L10 22l8.5-11.5H12z",
  chart: "M5 20V11M11 20V5M17 20v-6M3 20h18",
  chat: "M4 4h16v11H9l-5 4z",
  check: "M5 12.5l4.5 4.5L19 7.5",
  checks: "M2 12.5l4.5 4.5L16 7.5M11 16l1 1 9.5-9.5",
  clock: "M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18zM12 7v5l3.5 2",
  close: "M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18zM8 12.5l3 3 5-6",
  failed: "M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18zM9 9l6 6M15 9l-6 6",
  files: "M14 3H6v18h12V7zM14 3v4h4M9 12h6M9 16h6",
  keyboard: "M3 6h18v12H3zM7 10h.01M11 10h.01M15 10h.01M7 14h10",
  moon: "M20 14.5A8.5 8.5 0 1 1 9.5 4 6.5 6.5 0 0 0 20 14.5z",
  next: "M9 5l7 7-7 7",
  pause: "M9 5v14M15 5v14",
  play: "M7 5l12 7-12 7z",
  plus: "M12 5v14M5 12h14",
  reopen: "M4 12a8 8 0 1 0 2.5-5.8M4 4v4h4",
  reply: "M9 14L4 9l5-5M4 9h10a6 6 0 0 1 6 6v4",
  settings: "M4 6h9M17 6h3M15 4v4M4 12h3M11 12h9M9 10v4M4 18h11M19 18h1M17 16v4",
  smile: "M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18zM8 14s1.5 2 4 2 4-2 4-2M9 9.5h.01M15 9.5h.01",
  sun: "M12 8a4 4 0 1 0 0 8 4 4 0 0 0 0-8zM12 2v2M12 20v2M4.9 4.9l1.4 1.4M17.7 17.7l1.4 1.4M2 12h2M20 12h2M4.9 19.1l1.4-1.4M17.7 6.3l1.4-1.4",
  system: "M3 4h18v12H3zM8 20h8M12 16v4",
  transfer: "M4 12h15M13 6l6 6-6 6",
  trash: "M4 7h16M10 11v6M14 11v6M6 7l1 13h10l1-13M9 7V4h6v3",
  unread: "M3 6h18v12H3zM3 7l9 6 9-6",
  user: "M12 4a4 4 0 1 0 0 8 4 4 0 0 0 0-8zM4 21a8 8 0 0 1 16 0",
  x: "M6 6l12 12M18 6L6 18",
} as const;

export type IconName = keyof typeof PATHS;

/** One icon, `size` pixels square; with `label` it is an image of that name, else decorative. */
export function Icon({ name, label, size = 16 }: { name: IconName; label?: string; size?: number }) {
  return (
    <svg
      class="icon"
      viewBox="0 0 24 24"
      width={size}
      height={size}
      fill="none"
      stroke="currentColor"
      stroke-width="2"
      stroke-linecap="round"
      stroke-linejoin="round"
      data-icon={name}
      {...(label ? { role: "img", "aria-label": label } : { "aria-hidden": "true" })}
    >
      <path d={PATHS[name]} />
    </svg>
  );
}

/**
 * Text that may name files as the server writes them for a list ("📎 receipt.png", "📎 3 files"):
 * each paper clip drawn as the icon, since not every machine has an emoji font.
 */
export function WithFiles({ text }: { text: string }) {
  const [first, ...rest] = text.split("📎 ");
  return (
    <>
      {first}
      {rest.map((part, i) => (
        <span key={i} class="file-name">
          <Icon name="attach" label="File:" size={12} />
          {part}
        </span>
      ))}
    </>
  );
}
