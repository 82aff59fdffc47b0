// What a form's submit came to, the same in every settings form.

/** What a form's submit came to: the server's refusal (announced at once) or what was done. */
export function Outcome({ error, done, testid }: { error: string | null; done: string | null; testid: { error: string; done: string } }) {
  return (
    <>
      {error && (
        <p class="error" role="alert" data-testid={testid.error}>
          {error}
        </p>
      )}
      {done && (
        <p class="saved" role="status" data-testid={testid.done}>
          {done}
        </p>
      )}
    </>
  );
}
