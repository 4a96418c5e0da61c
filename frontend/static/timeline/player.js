// Playback and navigation: the playhead, frame steps, the zoomed window that follows it, speed, jumps between segments.
import { clamp, frameAt, frameMiddle } from "../common/frames.js";
import * as model from "./model.js";
import { cutNeighbour, segmentAt } from "./spans.js";
import { state, video } from "./state.js";
import { flash, render } from "./view.js";

export function seek(t, { exact = false } = {}) {
  const fps = state.task.fps;
  const time = clamp(t, 0, Math.max(0, state.task.duration - 1 / fps));
  // Land in the middle of the target frame, so the browser shows that frame and not its neighbour.
  video.currentTime = exact ? time : frameMiddle(frameAt(time, fps), fps);
  state.time = video.currentTime;
  follow();
  render();
}

export function stepFrames(n) {
  video.pause();
  seek((frameAt(state.time, state.task.fps) + n) / state.task.fps);
}

// Keep the playhead inside the zoomed window: turn the page when it leaves it.
export function follow(center = false) {
  if (!state.task) return; // a seek still landing after the last video was submitted
  const width = state.view.end - state.view.start;
  const t = state.time;
  if (!center && t >= state.view.start && t <= state.view.end) return;
  const start = center ? t - width / 2 : t > state.view.end ? t - width * 0.1 : t - width * 0.9;
  setView(start, width);
}

export function setView(start, width) {
  const duration = state.task.duration;
  const w = clamp(width, Math.min(duration, 10 / state.task.fps), duration);
  const s = clamp(start, 0, Math.max(0, duration - w));
  state.view = { start: s, end: s + w };
}

export function zoom(factor) {
  const width = (state.view.end - state.view.start) * factor;
  setView(state.time - width / 2, width);
  render();
}

// The zoomed window pans with the wheel: `delta` in wheel units, 1000 of them one window's width.
export function pan(delta) {
  const width = state.view.end - state.view.start;
  setView(state.view.start + (delta * width) / 1000, width);
  render();
}

export function togglePlay() {
  if (video.paused) video.play().catch(() => {}); else video.pause();
}

const RATES = [0.25, 0.5, 1, 1.5, 2];

export function setRate(rate) {
  state.rate = rate;
  video.defaultPlaybackRate = rate;
  video.playbackRate = rate;
  render();
}

// `<` / `>`: one step slower / faster.
export function stepRate(direction) {
  const i = RATES.indexOf(state.rate) + direction;
  setRate(RATES[clamp(i, 0, RATES.length - 1)]);
}

export function jump(direction) {
  const target = model.neighbour(state, direction);
  if (!target) return flash(direction < 0 ? "No segment before the playhead." : "No segment after the playhead.");
  video.pause();
  state.selected = target.id;
  state.selectedSuggestion = null;
  seek(target.start);
}

// `{` / `}`: to the shot cut before / after the playhead; a video without cuts has the segment edges instead.
export function jumpCut(direction) {
  const target = cutNeighbour(state, direction);
  const what = state.task.cuts?.length ? "shot cut" : "segment edge (this video has no shot cuts)";
  if (target == null) return flash(`No ${what} ${direction < 0 ? "before" : "after"} the playhead.`);
  video.pause();
  seek(target);
}

// `L`: loop the selected segment (or the one under the playhead): playback goes back to its start at its end. Again: off.
export function toggleLoop() {
  if (state.loop != null) { state.loop = null; flash("Loop off."); return; }
  const segment = state.segments.find((s) => s.id === state.selected) || segmentAt(state, state.time);
  if (!segment) return flash("Select a segment to loop (click it, or [ and ]).");
  state.loop = segment.id;
  state.selected = segment.id;
  if (state.time < segment.start || state.time >= segment.end) seek(segment.start);
  video.play().catch(() => {});
  render();
}

// While a loop is on, playback past the segment's end (or the video's end) goes back to its start. The loop follows
// the segment through edits and ends with it (deleted, undone).
function keepInLoop() {
  if (state.loop == null || state.drag || (video.paused && !video.ended)) return; // paused: the user's own seeks stand
  const segment = state.segments.find((s) => s.id === state.loop);
  if (!segment) { state.loop = null; return; }
  if (video.currentTime >= segment.end || video.ended) {
    video.currentTime = frameMiddle(frameAt(segment.start, state.task.fps), state.task.fps);
    if (video.ended || video.paused) video.play().catch(() => {});
  }
}

// The player's own events keep the playhead in state: while playing, on every animation frame.
export function wirePlayer() {
  video.addEventListener("play", () => { state.playing = true; tick(); render(); });
  video.addEventListener("pause", () => { state.playing = false; render(); });
  video.addEventListener("ended", keepInLoop);
  video.addEventListener("seeked", () => { state.time = video.currentTime; follow(); render(); });
  video.addEventListener("timeupdate", () => { if (!state.drag) { keepInLoop(); state.time = video.currentTime; follow(); render(); } });
  video.addEventListener("loadedmetadata", render);
}

function tick() {
  if (!state.playing) return;
  keepInLoop();
  state.time = video.currentTime;
  follow();
  render();
  requestAnimationFrame(tick);
}
