// The new-dialog melody, made with Web Audio (no sound files to fetch): three short notes,
// repeated while a dialog rings.

let ctx: AudioContext | null = null;

export function playMelody(): void {
  try {
    ctx ??= new AudioContext();
    if (ctx.state === "suspended") void ctx.resume();
    const start = ctx.currentTime;
    [659.25, 783.99, 1046.5].forEach((freq, i) => {
      const osc = ctx!.createOscillator();
      const gain = ctx!.createGain();
      osc.type = "sine";
      osc.frequency.value = freq;
      const t = start + i * 0.16;
      gain.gain.setValueAtTime(0.0001, t);
      gain.gain.exponentialRampToValueAtTime(0.2, t + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, t + 0.15);
      osc.connect(gain).connect(ctx!.destination);
      osc.start(t);
      osc.stop(t + 0.16);
    });
  } catch {
    // No audio (a locked-down browser): the green row and the notification still tell.
  }
}

/** A browser notification with the message text, when the operator allowed them. */
export function notify(title: string, body: string): void {
  if (typeof Notification === "undefined" || Notification.permission !== "granted") return;
  try {
    new Notification(title, { body, tag: title });
  } catch {
    // Some browsers only notify from a service worker; the sidebar still shows it.
  }
}

/** Plays the melody every few seconds while `ringing` holds, from the moment it does. */
export function ringWhile(ringing: { subscribe(fn: (on: boolean) => void): () => void }, play: () => void = playMelody): () => void {
  let melody: ReturnType<typeof setInterval> | null = null;
  return ringing.subscribe((on) => {
    if (on && !melody) {
      play();
      melody = setInterval(play, 3000);
    } else if (!on && melody) {
      clearInterval(melody);
      melody = null;
    }
  });
}
