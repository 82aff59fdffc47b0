// The workspace around me: its operators with their live status (for transfers and the team list),
// how it handles chats (the reply-time limit the sidebar sorts by) and, for admins in Settings, its
// sites; what admins add, change and save goes through here.

import { signal } from "@preact/signals";
import type { ChatHandling, GroupChange, GroupId, GroupView, OperatorId, OperatorStatus, OperatorView, Presence, Role, SiteUpdate, SiteView } from "../../../protocol/protocol";
import type { Api } from "../api";

export class WorkspaceStore {
  readonly operators = signal<OperatorView[]>([]);
  /** The workspace's sites, loaded when an admin opens Settings; null until then. */
  readonly sites = signal<SiteView[] | null>(null);
  readonly sitesError = signal<string | null>(null);
  /** The workspace's groups ("Everyone" first), loaded when an admin opens Settings; null until then. */
  readonly groups = signal<GroupView[] | null>(null);
  readonly groupsError = signal<string | null>(null);
  /** How the workspace handles chats, loaded after every (re)connect; null until then. */
  readonly handling = signal<ChatHandling | null>(null);

  constructor(
    private readonly api: Pick<
      Api,
      "sites" | "chatHandling" | "setChatHandling" | "addOperator" | "updateSite" | "groups" | "createGroup" | "updateGroup" | "deleteGroup" | "setMembership" | "deactivate" | "reactivate" | "setRole" | "resetPassword"
    >,
  ) {}

  /** The settings afresh (after every open): a failure keeps what was known. */
  async loadHandling(): Promise<void> {
    try {
      this.handling.value = await this.api.chatHandling();
    } catch {
      // The sidebar goes on with the settings it had; the next open asks again.
    }
  }

  /** Those who may manage settings save them; the server's refusal is thrown for the form to show. */
  async saveHandling(handling: ChatHandling): Promise<ChatHandling> {
    const saved = await this.api.setChatHandling(handling);
    this.handling.value = saved;
    return saved;
  }

  /** An operator's status or presence moved (`operator.status`). */
  setStatus(id: OperatorId, status: OperatorStatus, presence?: Presence): void {
    this.operators.value = this.operators.value.map((o) => (o.id === id ? { ...o, status, presence: presence ?? o.presence } : o));
  }

  /** Admins: Settings loads the groups each time it opens. */
  async loadGroups(): Promise<void> {
    try {
      this.groups.value = (await this.api.groups()).groups;
      this.groupsError.value = null;
    } catch (e) {
      this.groupsError.value = `Could not load the groups: ${e instanceof Error ? e.message : String(e)}`;
    }
  }

  /** Admins; the server's refusal (a taken name …) is thrown for the form to show. */
  async createGroup(change: GroupChange): Promise<GroupView> {
    const created = await this.api.createGroup(change);
    this.groups.value = [...(this.groups.value ?? []), created];
    return created;
  }

  async updateGroup(id: GroupId, change: GroupChange): Promise<GroupView> {
    const saved = await this.api.updateGroup(id, change);
    this.groups.value = (this.groups.value ?? []).map((g) => (g.id === id ? saved : g));
    return saved;
  }

  async deleteGroup(id: GroupId): Promise<void> {
    await this.api.deleteGroup(id);
    this.groups.value = (this.groups.value ?? []).filter((g) => g.id !== id);
    this.operators.value = this.operators.value.map((o) => ({ ...o, groups: o.groups.filter((g) => g !== id) }));
  }

  /** Admins put an operator in groups; the server answers with their new rights. */
  async setMembership(operator: OperatorId, groups: GroupId[]): Promise<OperatorView> {
    const saved = await this.api.setMembership(operator, groups);
    this.updated(saved);
    return saved;
  }

  /** An operator changed (`operator.updated`, or an admin's own change answered): name, role, active. */
  updated(op: OperatorView): void {
    const known = this.operators.value.some((o) => o.id === op.id);
    // `operator.updated` carries no presence: the last `operator.status` still holds.
    this.operators.value = known
      ? this.operators.value.map((o) => (o.id === op.id ? { ...op, presence: op.presence ?? o.presence } : o))
      : [...this.operators.value, op];
    // Their groups may have changed too: each group's members follow.
    const groups = this.groups.value;
    if (groups) {
      this.groups.value = groups.map((g) => {
        const member = g.everyone || op.groups.includes(g.id);
        const members = g.members.filter((m) => m !== op.id);
        return { ...g, members: member ? [...members, op.id] : members };
      });
    }
  }

  /** Admins: each change is thrown when refused (`last_admin` …), for the Team page to show. */
  async deactivate(id: OperatorId): Promise<void> {
    this.updated(await this.api.deactivate(id));
  }

  async reactivate(id: OperatorId): Promise<void> {
    this.updated(await this.api.reactivate(id));
  }

  async setRole(id: OperatorId, role: Role): Promise<void> {
    this.updated(await this.api.setRole(id, role));
  }

  async resetPassword(id: OperatorId, password: string): Promise<void> {
    this.updated(await this.api.resetPassword(id, password));
  }

  /** Admins: Settings loads the sites each time it opens (another admin may have changed them). */
  async loadSites(): Promise<void> {
    try {
      this.sites.value = (await this.api.sites()).sites;
      this.sitesError.value = null;
    } catch (e) {
      this.sitesError.value = `Could not load the sites: ${e instanceof Error ? e.message : String(e)}`;
    }
  }

  /** Admins add an operator; the server's refusal (a taken email …) is thrown for the form to show. */
  async addOperator(operator: { name: string; email: string; password: string; role: Role }): Promise<OperatorView> {
    const added = await this.api.addOperator(operator);
    if (!this.operators.value.some((o) => o.id === added.id)) this.operators.value = [...this.operators.value, added];
    return added;
  }

  /** Admins save a site's form; the server's refusal is thrown for the form to show. */
  async saveSite(key: string, update: SiteUpdate): Promise<SiteView> {
    const saved = await this.api.updateSite(key, update);
    this.sites.value = (this.sites.value ?? []).map((s) => (s.key === saved.key ? saved : s));
    return saved;
  }
}
