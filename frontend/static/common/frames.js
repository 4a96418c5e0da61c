// Frame math of the video tools (timeline and trim). Times are seconds from the video's first frame
// (workers/media/proxy.py, backend/curation/selectors_trim.py): frame k is on screen from k / fps to (k + 1) / fps.

// A small tolerance absorbs float error: 2.0 s at 25 fps is frame 50, not 49.
export const frameAt = (t, fps) => Math.max(0, Math.floor(t * fps + 1e-3));
export const frameStart = (k, fps) => k / fps;
// Seek to the middle of a frame: the browser then shows that frame, never its neighbour.
export const frameMiddle = (k, fps) => (k + 0.5) / fps;
export const clamp = (x, lo, hi) => Math.min(hi, Math.max(lo, x));
export const round3 = (x) => Math.round(x * 1000) / 1000;
export const fmt = (t) => t.toFixed(3);

// Tick spacing for a ruler: the smallest step of `steps` at least `minPx` pixels apart.
export function tickStep(steps, unitPx, minPx) {
  return steps.find((s) => s * unitPx >= minPx) || steps[steps.length - 1];
}
