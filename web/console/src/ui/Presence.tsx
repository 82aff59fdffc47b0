import type { OperatorId } from "../../../protocol/protocol";
import { PRESENCE_WORDS, presenceOf } from "../state/team";
import type { Store } from "../store";

/** A colleague's presence where their name appears: online, away, offline or no console. */
export function PresenceDot({ store, id }: { store: Store; id: OperatorId }) {
  const op = store.workspace.operators.value.find((o) => o.id === id);
  if (!op) return null;
  const p = presenceOf(op);
  return <span class={`status-dot ${p}`} data-testid="presence" data-presence={p} role="img" aria-label={PRESENCE_WORDS[p]} title={PRESENCE_WORDS[p]} />;
}
