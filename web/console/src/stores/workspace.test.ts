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

  it("groups: loaded, created, changed, deleted; membership and operator.updated move members and rights", async () => {
    const boris = { ...me, id: "op_boris", name: "Boris" };
    const everyone = { id: "grp_everyone", name: "Everyone", rights: ["see_colleagues_dialogs" as const], everyone: true, members: [me.id, boris.id] };
    const leads = { id: "grp_leads", name: "Leads", rights: ["reassign_dialogs" as const], everyone: false, members: [] };
    let fail = true;
    const store = new WorkspaceStore(
      fakeApi({
        groups: async () => (fail ? Promise.reject(new Error("down")) : { groups: [everyone] }),
        createGroup: async (change) => ({ ...leads, name: change.name ?? "" }),
        updateGroup: async (id, change) => ({ ...leads, id, rights: change.rights ?? [] }),
        deleteGroup: async () => undefined,
        setMembership: async (id, groups) => ({ ...boris, id, groups, rights: ["see_colleagues_dialogs", "reassign_dialogs"] }),
      }),
    );
    store.operators.value = [me, boris];
    await store.loadGroups();
    expect(store.groupsError.value).toBe("Could not load the groups: down");
    fail = false;
    await store.loadGroups();
    expect(store.groups.value).toEqual([everyone]);
    await store.createGroup({ name: "Leads", rights: ["reassign_dialogs"] });
    await store.setMembership("op_boris", ["grp_leads"]);
    expect(store.groups.value?.[1].members).toEqual(["op_boris"]);
    expect(store.operators.value[1].rights).toContain("reassign_dialogs");
    await store.updateGroup("grp_leads", { rights: ["view_reports"] });
    expect(store.groups.value?.[1].rights).toEqual(["view_reports"]);
    store.updated({ ...boris, groups: [] });
    expect(store.groups.value?.map((g) => g.members)).toEqual([[me.id, "op_boris"], ["op_boris"]].map((m, i) => (i === 1 ? [] : m)));
    await store.deleteGroup("grp_leads");
    expect(store.groups.value).toEqual([everyone]);
    expect(store.operators.value.every((o) => o.groups.length === 0)).toBe(true);
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
