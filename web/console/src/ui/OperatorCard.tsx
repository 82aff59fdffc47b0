import { useEffect, useState } from "preact/hooks";
import type { OperatorCard as Card, OperatorId } from "../../../protocol/protocol";
import type { Store } from "../store";
import { average, duration } from "../state/reports";
import { PRESENCE_WORDS, presenceOf } from "../state/team";
import { useModal } from "./escape";
import { Icon } from "./Icons";

/**
 * An operator's name that opens their card (seed 001: "click on the operator's avatar to see the
 * details"): status, load and, for one's own card or with the right to view reports, today's figures.
 */
export function OperatorLink({ store, id, name }: { store: Store; id: OperatorId; name: string }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" class="link operator-link" data-testid="operator-link" data-operator={id} aria-haspopup="dialog" title={`${name}: status, load and today's figures`} onClick={() => setOpen(true)}>
        <Icon name="user" size={14} />
        {name}
      </button>
      {open && <OperatorCard store={store} id={id} name={name} onClose={() => setOpen(false)} />}
    </>
  );
}

function OperatorCard({ store, id, name, onClose }: { store: Store; id: OperatorId; name: string; onClose(): void }) {
  const ref = useModal(onClose);
  const [card, setCard] = useState<Card | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    store.api.operatorCard(id).then(setCard, (e: Error) => setError(e.message));
  }, [store, id]);
  const today = card?.today;
  return (
    <dialog ref={ref} class="operator-details" aria-labelledby="operator-card-title" data-testid="operator-details" onCancel={(e) => (e.preventDefault(), onClose())}>
      <div class="popup-head">
        <h2 id="operator-card-title">{name}</h2>
        <button type="button" class="icon-button" aria-label="Close" onClick={onClose}>
          <Icon name="x" />
        </button>
      </div>
      {error && <p role="alert">{error}</p>}
      {card && (
        <dl>
          <dt>Status</dt>
          <dd data-testid="card-status">
            <span class={`status-dot ${presenceOf(card.operator)}`} aria-hidden="true" />{" "}
            {card.operator.active ? PRESENCE_WORDS[presenceOf(card.operator)] : "deactivated"}
          </dd>
          <dt>Open dialogs in their charge</dt>
          <dd data-testid="card-load">{card.load}</dd>
          {today && (
            <>
              <dt>Closed today</dt>
              <dd data-testid="card-closed">{today.closed}</dd>
              <dt>Average first response today</dt>
              <dd>{duration(average(today.first_response_ms, today.first_responses))}</dd>
              <dt>Missed today</dt>
              <dd data-testid="card-missed">{today.missed}</dd>
              <dt>Online today</dt>
              <dd>{duration(today.online_ms)}</dd>
            </>
          )}
        </dl>
      )}
    </dialog>
  );
}
