// What every engine page reports back to browse.mjs: console warnings and errors, each atlas
// frame as the engine resolved it (with the pixels it cuts from the sheet), and each
// animation's timeline, stepped 1 ms at a time by the engine's own animation code.
export const report = { engine: '', warnings: [], sheets: [], animations: [] };

for (const level of ['warn', 'error']) {
  const original = console[level].bind(console);
  console[level] = (...args) => { report.warnings.push(args.map(String).join(' ')); original(...args); };
}

let sent = false;
export async function send(extra = {}) {
  if (sent) return;
  sent = true;
  await fetch('/report', { method: 'POST', body: JSON.stringify({ ...report, ...extra }) });
}
addEventListener('error', (e) => send({ error: `${e.message} at ${e.filename}:${e.lineno}` }));
addEventListener('unhandledrejection', (e) => send({ error: String(e.reason?.stack ?? e.reason) }));

/** The project's plan: {characters: [base...], sheets: [base...]}, bases like "assets/hero". */
export async function plan() {
  return (await fetch('/project/engine-plan.json')).json();
}

/** RGBA bytes (base64) of a w×h region of `image`, read back through a 2D canvas. */
export function pixels(image, x, y, w, h) {
  const canvas = document.createElement('canvas');
  canvas.width = w;
  canvas.height = h;
  const context = canvas.getContext('2d', { willReadFrequently: true });
  context.imageSmoothingEnabled = false;
  context.drawImage(image, x, y, w, h, 0, 0, w, h);
  const bytes = context.getImageData(0, 0, w, h).data;
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

/**
 * Plays an animation for `limit` ms in 1 ms steps: `step()` advances the engine by 1 ms,
 * `shown()` names the frame it shows, `playing()` says whether it still plays. Returns the
 * frames shown with the time each appeared, and when the animation stopped (null: never).
 */
export function timeline(step, shown, playing, limit) {
  const changes = [{ t: 0, frame: shown() }];
  let stopped = null;
  for (let t = 1; t <= limit; ++t) {
    step();
    const frame = shown();
    if (frame !== changes[changes.length - 1].frame) changes.push({ t, frame });
    if (stopped === null && !playing()) stopped = t;
  }
  return { changes, stopped };
}
