// The team as the console shows it: who a dialog may be transferred to, and which of an admin's
// actions on an operator the server would refuse (the last active admin), with the reason. The
// server decides; these only keep a refused button from being offered.

import type { OperatorView, Presence } from "../../../protocol/protocol";

/** What colleagues see of an operator: the server's presence, or their status until it says. */
export function presenceOf(o: OperatorView): Presence {
  return o.presence ?? o.status;
}

export const PRESENCE_WORDS: Record<Presence, string> = {
  online: "online",
  away: "away",
  offline: "offline",
  no_console: "no console",
};

/** Who a dialog may go to: another active operator who is available (online, with a console open). */
export function transferTargets(operators: OperatorView[], me: string): OperatorView[] {
  return operators.filter((o) => o.id !== me && o.active && presenceOf(o) === "online");
}

/** Why demoting or deactivating this operator is refused, or null when it is not. */
export function lastAdminReason(operators: OperatorView[], op: OperatorView): string | null {
  if (!op.active || op.role !== "admin") return null;
  const others = operators.some((o) => o.id !== op.id && o.active && o.role === "admin");
  return others ? null : "The workspace's only active admin: make another operator admin first.";
}

/** The team, sorted by name: active operators first, deactivated ones after. */
export function teamOrder(operators: OperatorView[]): OperatorView[] {
  return [...operators].sort((a, b) => Number(!a.active) - Number(!b.active) || a.name.localeCompare(b.name));
}
