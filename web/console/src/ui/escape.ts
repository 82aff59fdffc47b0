// Escape closes what opened last: each open panel, pop-up or viewer registers while it shows, and
// one key listener closes the newest. Side panels stay open when Escape is pressed in a field
// (where it only leaves the field's own pop-ups), so typing never folds the visitor card away.

import { useEffect, useLayoutEffect, useRef } from "preact/hooks";
import { typingIn } from "../state/keys";

interface Closable {
  close(): void;
  /** Also closed by an Escape pressed in a text field. */
  fromFields: boolean;
}

const open: Closable[] = [];

function onKey(e: KeyboardEvent): void {
  if (e.key !== "Escape" || e.defaultPrevented) return;
  const inField = typingIn(e.target as HTMLElement | null);
  for (let i = open.length - 1; i >= 0; i--) {
    if (inField && !open[i].fromFields) continue;
    e.preventDefault();
    open[i].close();
    return;
  }
}

/** While `active`, an Escape (the newest such one) calls `close`. */
export function useEscape(active: boolean, close: () => void, fromFields = true): void {
  const latest = useRef(close);
  latest.current = close;
  // Registered as the DOM changes, not after the next paint: an Escape pressed the moment a panel
  // shows must close that panel, not the one before it.
  useLayoutEffect(() => {
    if (!active) return;
    const entry: Closable = { close: () => latest.current(), fromFields };
    if (open.length === 0) addEventListener("keydown", onKey);
    open.push(entry);
    return () => {
      open.splice(open.indexOf(entry), 1);
      if (open.length === 0) removeEventListener("keydown", onKey);
    };
  }, [active, fromFields]);
}

/**
 * A modal `<dialog>` that shows while mounted: opened with `showModal`, closed by Escape (through
 * `useEscape`, so the newest closes first) or `onClose`, and the focus handed back to what had it.
 * Put the returned ref on the dialog.
 */
export function useModal(onClose: () => void) {
  const ref = useRef<HTMLDialogElement>(null);
  useEscape(true, onClose);
  useEffect(() => {
    const opener = document.activeElement as HTMLElement | null;
    ref.current?.showModal();
    return () => {
      ref.current?.close();
      setTimeout(() => opener?.isConnected && opener.focus());
    };
  }, []);
  return ref;
}
