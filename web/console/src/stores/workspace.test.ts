import { describe, expect, it } from "vitest";
import { signal } from "@preact/signals";
import type { SiteView } from "../../../protocol/protocol";
import { QuickRepliesStore } from "./quick-replies";
import { WorkspaceStore } from "./workspace";
import { fakeApi, me } from "./testing";

const site: SiteView = { key: "site_1", name: "Shop", allowed_origins: [], settings: { color: "#000000", position: "right", greeting: "", show_operator_names: true } };

describe("the workspace and quick replies stores", () => {
  it("loads the sites, saves one, adds an operator once, moves a status", async () => {
    let fail = true;
    const boris = { ...me, id: "op_boris", name: "Boris" };
    const store = new WorkspaceStore(
      fakeApi({
        sites: async () => (fail ? Promise.reject(new Error("down")) : { sites: [site] }),
        updateSite: async (key, update) => ({ ...site, key, settings: { ...site.settings, ...update } }),
        addOperator: async () => boris,
      }),
    );
    await store.loadSites();
    expect(store.sitesError.value).toBe("Could not load the sites: down");
    fail = false;
    await store.loadSites();
    expect([store.sites.value, store.sitesError.value]).toEqual([[site], null]);
    await store.saveSite("site_1", { ...site.settings, color: "#0a7d3b" });
    expect(store.sites.value?.[0].settings.color).toBe("#0a7d3b");
    await store.addOperator({ name: "Boris", email: "b@parlor.test", password: "12345678", role: "operator" });
    await store.addOperator({ name: "Boris", email: "b@parlor.test", password: "12345678", role: "operator" });
    expect(store.operators.value).toEqual([boris]);
    store.setStatus("op_boris", "away");
    expect(store.operators.value[0].status).toBe("away");
  });

  it("quick replies: saved and deleted on the server; a refusal is a notice", async () => {
    const notice = signal<string | null>(null);
    let fail = false;
    const store = new QuickRepliesStore(
      fakeApi({
        addQuickReply: async (title, text) => (fail ? Promise.reject(new Error("full")) : { id: "q1", title, text, created_at: 1 }),
        deleteQuickReply: async () => (fail ? Promise.reject(new Error("gone")) : undefined),
      }),
      notice,
    );
    expect(await store.save("Hi", "Hello")).toBe(true);
    fail = true;
    expect(await store.save("Bye", "Bye")).toBe(false);
    expect(notice.value).toBe("Could not save the quick reply: full");
    await store.remove("q1");
    expect(notice.value).toBe("Could not delete the quick reply: gone");
    fail = false;
    await store.remove("q1");
    expect(store.replies.value).toEqual([]);
  });
});
