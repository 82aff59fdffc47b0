// Views the console loads the first time they are shown (settings, reports, the account), so that
// it starts with the code of what every operator uses: the dialogs.
import { useEffect, useState } from "preact/hooks";

/** The module `load` gives, once `open` has been true; null until it has come. */
export function useView<M>(open: boolean, load: () => Promise<M>): M | null {
  const [view, setView] = useState<{ module: M } | null>(null);
  useEffect(() => {
    // A failed load (offline) shows "Loading…" until the view is opened again, which tries again.
    if (open && view === null) load().then((module) => setView({ module }), () => {});
  }, [open]);
  return view?.module ?? null;
}

/** What shows while a view's code comes. */
export function Loading() {
  return (
    <p class="muted loading-view" role="status">
      Loading…
    </p>
  );
}
