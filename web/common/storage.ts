// The widget's storage. Its iframe is a third-party frame on customers' sites, and browsers that
// block third-party storage (Chromium's incognito windows, Brave, "block third-party cookies")
// throw on the first touch of `localStorage` there. The chat must still work: it then keeps its
// token and outbox in memory, for as long as the page is open.

/** Storage kept in memory: what a frame gets when the browser denies it its own. */
export class MemoryStorage implements Storage {
  private items = new Map<string, string>();
  get length(): number {
    return this.items.size;
  }
  clear(): void {
    this.items.clear();
  }
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  key(index: number): string | null {
    return [...this.items.keys()][index] ?? null;
  }
  removeItem(key: string): void {
    this.items.delete(key);
  }
  setItem(key: string, value: string): void {
    this.items.set(key, String(value));
  }
}

/** `localStorage` when the browser lets this document use it, else storage in memory. */
export function localOrMemory(probe: () => Storage = () => window.localStorage): Storage {
  try {
    const storage = probe();
    const key = "parlor:probe";
    storage.setItem(key, "1");
    storage.removeItem(key);
    return storage;
  } catch {
    return new MemoryStorage();
  }
}
