// The film strip under the video tools' timelines (timeline and trim): thumbnails from the timeline proxy's sprite
// sheet, and the ruler of seconds over them.
import { el } from "./api.js";
import { tickStep } from "./frames.js";

export const SECOND_STEPS = [0.04, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120];

// Thumb k of the sprite shows the frame at k * interval (workers/media/proxy.py make_sprite). The canvas is redrawn only
// when the range, its size or the sprite's readiness change: a timeline renders on every frame of playback.
export function drawFilmStrip(canvas, { from, to, sprite, meta, width }) {
  const height = canvas.clientHeight;
  const ready = !!(sprite && sprite.complete && sprite.naturalWidth && meta && meta.count);
  const key = `${from}|${to}|${width}|${height}|${ready}`;
  if (canvas.dataset.key === key) return;
  canvas.dataset.key = key;
  const ratio = window.devicePixelRatio || 1;
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round(height * ratio);
  const ctx = canvas.getContext("2d");
  ctx.scale(ratio, ratio);
  ctx.fillStyle = "#1d2330";
  ctx.fillRect(0, 0, width, height);
  if (!ready) return;
  const thumbWidth = (meta.tile_width * height) / meta.tile_height;
  const pps = width / Math.max(1e-6, to - from);
  for (let x = 0; x < width; x += thumbWidth) {
    const k = Math.min(meta.count - 1, Math.floor((from + x / pps) / meta.interval));
    if (k < 0) continue;
    const sx = (k % meta.columns) * meta.tile_width, sy = Math.floor(k / meta.columns) * meta.tile_height;
    ctx.drawImage(sprite, sx, sy, meta.tile_width, meta.tile_height, x, 0, thumbWidth, height);
  }
}

// Ticks every round number of seconds over [from, to] at `pps` pixels per second, at least `minPx` apart.
export function secondTicks(from, to, pps, { minPx = 70, className = "tick" } = {}) {
  const step = tickStep(SECOND_STEPS, pps, minPx);
  const out = [];
  for (let t = Math.ceil(from / step - 1e-9) * step; t <= to + 1e-9; t += step) {
    out.push(el("div", { class: className, style: `left:${(t - from) * pps}px` }, el("span", {}, `${+t.toFixed(2)} s`)));
  }
  return out;
}

// The time under the pointer on a bar drawn for [box.dataset.viewStart, box.dataset.viewEnd] (the tools' draw functions
// set both).
export function timeAt(box, clientX) {
  const rect = box.getBoundingClientRect();
  const from = Number(box.dataset.viewStart), to = Number(box.dataset.viewEnd);
  return from + ((clientX - rect.left) / rect.width) * (to - from);
}
