import { describe, expect, it } from "vitest";
import type { OperatorView } from "../../../protocol/protocol";
import { lastAdminReason, presenceOf, teamOrder, transferTargets } from "./team";
import { endedMessage, workspaceLabels } from "./session";

const op = (id: string, over: Partial<OperatorView> = {}): OperatorView => ({
  id,
  name: id,
  email: `${id}@parlor.test`,
  role: "operator",
  status: "online",
  groups: [],
  rights: ["see_colleagues_dialogs"],
  active: true,
  ...over,
});

describe("the team", () => {
  it("offers transfers to other active operators who are online", () => {
    const team = [op("mia"), op("anna"), op("boris", { active: false }), op("carl", { status: "away" })];
    expect(transferTargets(team, "mia").map((o) => o.id)).toEqual(["anna"]);
  });

  it("offers transfers only to operators with a console open: online by status is not enough", () => {
    const team = [op("anna", { presence: "online" }), op("dan", { presence: "no_console" }), op("eve", { status: "away", presence: "away" })];
    expect(transferTargets(team, "mia").map((o) => o.id)).toEqual(["anna"]);
    expect(presenceOf(op("dan", { presence: "no_console" }))).toBe("no_console");
    expect(presenceOf(op("fay", { status: "offline" })), "until the server says").toBe("offline");
  });

  it("keeps the last active admin's demotion and deactivation from being offered", () => {
    const ada = op("ada", { role: "admin" });
    const bea = op("bea", { role: "admin" });
    expect(lastAdminReason([ada, bea], ada)).toBeNull();
    expect(lastAdminReason([ada, { ...bea, active: false }], ada)).toContain("only active admin");
    expect(lastAdminReason([ada, op("carl")], ada)).toContain("make another operator admin first");
    expect(lastAdminReason([ada], op("carl")), "not an admin").toBeNull();
    expect(lastAdminReason([ada, { ...bea, active: false }], { ...bea, active: false }), "a deactivated admin").toBeNull();
  });

  it("lists active operators by name, then the deactivated", () => {
    const team = [op("Carl"), op("Anna", { active: false }), op("Boris")];
    expect(teamOrder(team).map((o) => o.id)).toEqual(["Boris", "Carl", "Anna"]);
  });
});

describe("the sign-in page", () => {
  it("says why the session ended in plain words", () => {
    expect(endedMessage("this operator is deactivated")).toContain("deactivated");
    expect(endedMessage("the token has expired")).toContain("expired");
    expect(endedMessage("this session was signed out; sign in again")).toContain("You were signed out");
  });

  it("tells workspaces of one name apart", () => {
    const labels = workspaceLabels([
      { id: "ws_aaaaaa111111", name: "Acme" },
      { id: "ws_bbbbbb222222", name: "Demo workspace" },
      { id: "ws_cccccc333333", name: "Demo workspace" },
    ]);
    expect(labels.map((l) => l.label)).toEqual(["Acme", "Demo workspace (222222)", "Demo workspace (333333)"]);
  });
});
