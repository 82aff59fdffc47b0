import { useState } from "preact/hooks";
import type { GroupView, OperatorView, Right } from "../../../protocol/protocol";
import { MAX_GROUP_NAME_CHARS, RIGHTS } from "../../../protocol/protocol";
import type { Store } from "../store";
import { RIGHT_NAMES } from "../state/rights";
import { Icon } from "./Icons";
import { Outcome } from "./Outcome";

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * Admins' groups: each carries rights, and its members hold them. "Everyone" is every operator;
 * its rights can change, its name and members cannot. Admins hold every right whatever their groups.
 */
export function Groups({ store }: { store: Store }) {
  const groups = store.workspace.groups.value;
  const error = store.workspace.groupsError.value;
  return (
    <section class="settings-section" aria-labelledby="groups-title" data-testid="groups">
      <h3 id="groups-title">Groups and rights</h3>
      <p class="muted">Operators hold the rights of “Everyone” and of each group they belong to. Admins hold every right.</p>
      {groups === null ? (
        error ? (
          <p class="error" role="alert">
            {error}
          </p>
        ) : (
          <p class="muted">Loading the groups…</p>
        )
      ) : (
        groups.map((g) => <GroupCard key={g.id} store={store} group={g} />)
      )}
      <NewGroup store={store} />
    </section>
  );
}

function RightsFields({ chosen, set, legend }: { chosen: Right[]; set(rights: Right[]): void; legend: string }) {
  return (
    <fieldset data-testid="group-rights">
      <legend>{legend}</legend>
      {RIGHTS.map((r) => (
        <label class="inline" key={r}>
          <input
            type="checkbox"
            name={r}
            checked={chosen.includes(r)}
            onChange={(e) => set(e.currentTarget.checked ? RIGHTS.filter((x) => x === r || chosen.includes(x)) : chosen.filter((x) => x !== r))}
          />
          {RIGHT_NAMES[r]}
        </label>
      ))}
    </fieldset>
  );
}

function GroupCard({ store, group }: { store: Store; group: GroupView }) {
  const [name, setName] = useState(group.name);
  const [rights, setRights] = useState<Right[]>(group.rights);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [deleting, setDeleting] = useState(false);
  const [busy, setBusy] = useState(false);
  // A box shows what was just ticked until the server answers (a refusal puts it back).
  const [ticked, setTicked] = useState<Record<string, boolean>>({});
  const operators = [...store.workspace.operators.value].sort((a, b) => a.name.localeCompare(b.name));
  const run = async (what: () => Promise<string | null>) => {
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      setDone(await what());
    } catch (e) {
      setError(message(e));
    } finally {
      setBusy(false);
    }
  };
  const save = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      const saved = await store.workspace.updateGroup(group.id, group.everyone ? { rights } : { name: name.trim(), rights });
      return `Saved “${saved.name}”.`;
    });
  };
  const toggle = (op: OperatorView, member: boolean) => {
    setTicked({ ...ticked, [op.id]: member });
    void run(async () => {
      const groups = member ? [...op.groups, group.id] : op.groups.filter((g) => g !== group.id);
      try {
        await store.workspace.setMembership(op.id, groups);
      } finally {
        setTicked((now) => Object.fromEntries(Object.entries(now).filter(([id]) => id !== op.id)));
      }
      return member ? `${op.name} joined “${group.name}”.` : `${op.name} left “${group.name}”.`;
    });
  };
  return (
    <form class="settings-form group" onSubmit={save} noValidate data-testid="group" data-group={group.id} data-name={group.name} aria-label={`Group ${group.name}`}>
      {group.everyone ? (
        <h4>
          Everyone <span class="muted">— every operator belongs to it</span>
        </h4>
      ) : (
        <div class="fields">
          <label>
            Name
            <input name="group-name" maxLength={MAX_GROUP_NAME_CHARS} value={name} onInput={(e) => setName(e.currentTarget.value)} data-testid="group-name" />
          </label>
        </div>
      )}
      <RightsFields chosen={rights} set={setRights} legend="Rights" />
      {!group.everyone && (
        <fieldset data-testid="group-members">
          <legend>Members</legend>
          {operators.length === 0 && <span class="muted">No operators yet.</span>}
          {operators.map((op) => (
            <label class="inline" key={op.id}>
              <input type="checkbox" name={`member-${op.id}`} disabled={busy} checked={ticked[op.id] ?? op.groups.includes(group.id)} onChange={(e) => toggle(op, e.currentTarget.checked)} data-testid="group-member" data-operator={op.id} />
              {op.name}
              {op.role === "admin" && <span class="muted"> (admin)</span>}
            </label>
          ))}
        </fieldset>
      )}
      <div class="form-bar">
        <button type="submit" class="primary" disabled={busy} data-testid="group-save">
          Save
        </button>
        {!group.everyone &&
          (deleting ? (
            <span class="confirm" role="alert" data-testid="group-confirm">
              <span>Delete “{group.name}”? Its members lose the rights only it gave them.</span>
              <button type="button" class="danger" data-testid="group-confirm-delete" onClick={() => void run(async () => (await store.workspace.deleteGroup(group.id), null))}>
                Delete
              </button>
              <button type="button" onClick={() => setDeleting(false)}>
                Keep
              </button>
            </span>
          ) : (
            <button type="button" class="danger" onClick={() => setDeleting(true)} data-testid="group-delete">
              Delete group
            </button>
          ))}
        <Outcome error={error} done={done} testid={{ error: "group-error", done: "group-saved" }} />
      </div>
    </form>
  );
}

function NewGroup({ store }: { store: Store }) {
  const [name, setName] = useState("");
  const [rights, setRights] = useState<Right[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setDone(null);
    if (!name.trim()) return setError("Give the group a name.");
    setError(null);
    setBusy(true);
    try {
      const created = await store.workspace.createGroup({ name: name.trim(), rights });
      setDone(`“${created.name}” was created. Tick its members above.`);
      setName("");
      setRights([]);
    } catch (err) {
      setError(message(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="settings-form" onSubmit={submit} noValidate aria-labelledby="new-group-title" data-testid="new-group">
      <h4 id="new-group-title">New group</h4>
      <div class="fields">
        <label>
          Name
          <input name="name" autocomplete="off" maxLength={MAX_GROUP_NAME_CHARS} value={name} onInput={(e) => setName(e.currentTarget.value)} data-testid="new-group-name" />
        </label>
      </div>
      <RightsFields chosen={rights} set={setRights} legend="Rights" />
      <div class="form-bar">
        <button type="submit" class="primary" disabled={busy} data-testid="new-group-create">
          <Icon name="plus" />
          Create group
        </button>
        <Outcome error={error} done={done} testid={{ error: "new-group-error", done: "new-group-done" }} />
      </div>
    </form>
  );
}
