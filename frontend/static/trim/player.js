// Playback and navigation: the frame on screen, frame steps, the selection's loop, and the zoomed view that follows.
import { clamp, frameAt, frameMiddle, frameStart } from "../common/frames.js";
import * as model from "./model.js";
import { $, ctx, fps, hi, lo, origin, state, toolTime, video } from "./state.js";
import { render } from "./view.js";

const WIDEN_SECONDS = 5;

export function seekFrame(k) {
  state.frame = clamp(Math.round(k), lo(), hi());
  if (ctx.media) video.currentTime = origin + frameMiddle(state.frame, fps);
  follow();
  render();
}

export function step(n) {
  video.pause();
  seekFrame(state.frame + n);
}

export function togglePlay() {
  if (!ctx.media) return;
  if (!video.paused) { video.pause(); return; }
  if (state.frame >= hi()) seekFrame(state.loop ? state.sel.first : lo());
  video.play().catch(() => {});
}

export function toggleLoop() {
  state.loop = !state.loop;
  if (state.loop) {
    seekFrame(state.sel.first);
    video.play().catch(() => {});
  } else {
    video.pause();
  }
  render();
}

// While playing: follow the frames on screen; a loop jumps back to the first frame after the last one, and playback
// stops at the end of the window. requestVideoFrameCallback reports each frame as it is shown (exact), else rAF.
function onFrame(mediaTime) {
  if (video.paused || video.seeking) return;
  const k = frameAt(mediaTime - origin, fps);
  if (state.loop && (k > state.sel.last || k < state.sel.first)) {
    video.currentTime = origin + frameStart(state.sel.first, fps) + 0.001;
    state.frame = state.sel.first;
  } else if (k >= hi()) {
    video.pause();
    state.frame = hi();
  } else {
    state.frame = k;
  }
  follow();
  render();
}

function watchFrames() {
  if (video.requestVideoFrameCallback) {
    const next = (now, meta) => { if (!video.paused) { onFrame(meta.mediaTime); video.requestVideoFrameCallback(next); } };
    video.requestVideoFrameCallback(next);
  } else {
    const tick = () => { if (!video.paused) { onFrame(video.currentTime); requestAnimationFrame(tick); } };
    requestAnimationFrame(tick);
  }
}

// --- the zoomed view -------------------------------------------------------------------------------------------------

export function setView(start, width) {
  const from = lo() / fps, to = (hi() + 1) / fps;
  const w = clamp(width, Math.min(to - from, 12 / fps), to - from);
  const s = clamp(start, from, to - w);
  state.view = { start: s, end: s + w };
}

// Keep the current frame inside the zoomed view: turn the page when it leaves it.
function follow() {
  const t = frameMiddle(state.frame, fps), width = state.view.end - state.view.start;
  if (t < state.view.start || t > state.view.end) setView(t > state.view.end ? t - width * 0.1 : t - width * 0.9, width);
}

// Centre the zoomed view on the current frame.
export function centre() {
  const width = state.view.end - state.view.start;
  setView(frameMiddle(state.frame, fps) - width / 2, width);
  render();
}

export function zoom(factor) {
  const width = (state.view.end - state.view.start) * factor;
  setView(frameMiddle(state.frame, fps) - width / 2, width);
  render();
}

// The zoomed view pans with the wheel: `delta` in wheel units, 1000 of them one view's width.
export function pan(delta) {
  const width = state.view.end - state.view.start;
  setView(state.view.start + (delta * width) / 1000, width);
  render();
}

export function fitSelection() {
  const d = model.describe(state.sel, fps);
  const pad = Math.max(0.5, d.duration * 0.25);
  setView(d.start - pad, d.duration + 2 * pad);
  render();
}

export function widen() {
  const pad = Math.round(WIDEN_SECONDS * fps);
  state.window = { first: Math.max(0, lo() - pad), last: Math.min(ctx.frame_count - 1, hi() + pad) };
  setView(state.view.start, state.view.end - state.view.start);
  render();
}

// The player's own events keep the frame on screen in state.
export function wirePlayer() {
  video.addEventListener("play", () => { state.playing = true; watchFrames(); render(); });
  video.addEventListener("pause", () => {
    state.playing = false;
    // Paused between frames after playing: settle on the frame shown, so the number on screen is the frame stored.
    if (!video.seeking && !state.drag) seekFrame(frameAt(toolTime(), fps));
    render();
  });
  video.addEventListener("seeked", () => {
    if (video.paused) state.frame = clamp(frameAt(toolTime(), fps), lo(), hi());
    render();
  });
  video.addEventListener("error", () => {
    // e.g. MPEG-TS, which browsers do not play: the timeline proxy (H.264 MP4) plays everywhere.
    $("no-media").textContent = "This browser cannot play the video's source file. Send the video to segment annotation "
      + "(dashboard) so that its web proxy is made, then reload this page.";
    $("no-media").hidden = false;
    video.hidden = true;
  });
}
