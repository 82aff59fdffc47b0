// What the sign-in page says when the server ended the session, from the server's reason; and the
// workspaces to choose from when an address signs in to several.

import type { WorkspaceChoice } from "../../../protocol/protocol";

/** The sign-in page's words for why the session ended on the server. */
export function endedMessage(reason: string): string {
  if (/deactivated/i.test(reason)) return "Your account was deactivated. An admin of your workspace can reactivate it.";
  if (/expired/i.test(reason)) return "Your session expired. Sign in again.";
  return "You were signed out: on another device, by a password change, or by an admin. Sign in again.";
}

/** Each workspace as a button shows it: its name, and the end of its id where two share a name. */
export function workspaceLabels(choices: WorkspaceChoice[]): { id: string; label: string }[] {
  return choices.map((w) => {
    const twins = choices.filter((o) => o.name === w.name).length > 1;
    return { id: w.id, label: twins ? `${w.name} (${w.id.slice(-6)})` : w.name };
  });
}
