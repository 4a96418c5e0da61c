// Trim tool (HAA500): set the exact first and last frame of an atomic action in a clip's video, and the clip's number
// of dominant people and moving camera. State lives in one object; render() draws it. Keyboard first (? shows the
// keys). Nothing is stored until Save (Enter); leaving with unsaved changes asks first.
import { api, ApiError, keyBelongsToForm } from "../common/api.js";
import * as model from "./model.js";
import { clock, drawBar } from "./render.js";

const $ = (id) => document.getElementById(id);
const ctx = JSON.parse($("trim-data").textContent);
const video = $("player");
const fps = ctx.fps;
const origin = ctx.media ? ctx.media.origin : 0; // media time of frame 0's start (see model.js)
const WIDEN_SECONDS = 5;

const initial = ctx.curation.trimmed
  ? { first: ctx.curation.first_frame, last: ctx.curation.last_frame }
  : { first: ctx.clip_frames[0], last: ctx.clip_frames[1] }; // untrimmed: start from the grid clip's frames

const state = {
  ctx,
  sel: initial,                               // {first, last}: frame numbers, inclusive
  people: ctx.curation.dominant_people,       // 1, 2, 3 (more than 2) or null
  cameraMoving: ctx.curation.camera_moving,   // true, false or null
  trimmed: ctx.curation.trimmed,              // the server holds a trim
  frame: initial.first,                       // the frame on screen (or being sought)
  window: { first: ctx.window[0], last: ctx.window[1] }, // frames the tool reaches
  view: { start: 0, end: 1 },                 // the zoomed bar's tool times
  playing: false,
  loop: false,
  drag: null,                                 // {edge, box} while a selection edge is dragged
  saving: false,
  savedAt: null,
  saved: "",                                  // snapshot at load or at the last save
  message: "",
};
state.saved = model.snapshot(state);
let sprite = null;

const dirty = () => model.snapshot(state) !== state.saved;
const toolTime = () => video.currentTime - origin;
const lo = () => state.window.first;
const hi = () => state.window.last;

// --- player --------------------------------------------------------------------------------------------------------

function seekFrame(k) {
  state.frame = model.clamp(Math.round(k), lo(), hi());
  if (ctx.media) video.currentTime = origin + model.frameMiddle(state.frame, fps);
  follow();
  render();
}

function step(n) {
  video.pause();
  seekFrame(state.frame + n);
}

function togglePlay() {
  if (!ctx.media) return;
  if (!video.paused) { video.pause(); return; }
  if (state.frame >= hi()) seekFrame(state.loop ? state.sel.first : lo());
  video.play().catch(() => {});
}

function toggleLoop() {
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
  const k = model.frameAt(mediaTime - origin, fps);
  if (state.loop && (k > state.sel.last || k < state.sel.first)) {
    video.currentTime = origin + model.frameStart(state.sel.first, fps) + 0.001;
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

function setView(start, width) {
  const from = lo() / fps, to = (hi() + 1) / fps;
  const w = model.clamp(width, Math.min(to - from, 12 / fps), to - from);
  const s = model.clamp(start, from, to - w);
  state.view = { start: s, end: s + w };
}

// Keep the current frame inside the zoomed view: turn the page when it leaves it.
function follow() {
  const t = model.frameMiddle(state.frame, fps), width = state.view.end - state.view.start;
  if (t < state.view.start || t > state.view.end) setView(t > state.view.end ? t - width * 0.1 : t - width * 0.9, width);
}

function zoom(factor) {
  const width = (state.view.end - state.view.start) * factor;
  setView(model.frameMiddle(state.frame, fps) - width / 2, width);
  render();
}

function fitSelection() {
  const d = model.describe(state.sel, fps);
  const pad = Math.max(0.5, d.duration * 0.25);
  setView(d.start - pad, d.duration + 2 * pad);
  render();
}

function widen() {
  const pad = Math.round(WIDEN_SECONDS * fps);
  state.window = { first: Math.max(0, lo() - pad), last: Math.min(ctx.frame_count - 1, hi() + pad) };
  setView(state.view.start, state.view.end - state.view.start);
  render();
}

// --- edits ---------------------------------------------------------------------------------------------------------

function edit(fn) {
  fn();
  render();
}

function markFirst() {
  video.pause();
  edit(() => { state.sel = model.setFirst(state.sel, state.frame); });
  seekFrame(state.frame);
}

function markLast() {
  video.pause();
  edit(() => { state.sel = model.setLast(state.sel, state.frame); });
  seekFrame(state.frame);
}

function goTo(edge) {
  video.pause();
  seekFrame(edge === "first" ? state.sel.first : state.sel.last);
}

const setPeople = (n) => edit(() => { state.people = n; });
const toggleCamera = () => edit(() => { state.cameraMoving = model.toggleCamera(state.cameraMoving); });

function flash(message) {
  state.message = message;
  render();
  clearTimeout(flash.timer);
  flash.timer = setTimeout(() => { state.message = ""; render(); }, 5000);
}

async function save() {
  if (state.saving) return;
  state.saving = true;
  render();
  const body = { first_frame: state.sel.first, last_frame: state.sel.last, dominant_people: state.people,
    camera_moving: state.cameraMoving };
  const sent = model.snapshot(state);
  try {
    const curation = await api(ctx.api, { method: "PUT", body });
    state.saved = sent;
    state.trimmed = curation.trimmed;
    state.savedAt = new Date().toLocaleTimeString();
    const missing = [state.people == null && "dominant people", state.cameraMoving == null && "camera"].filter(Boolean);
    state.message = missing.length ? `Saved. Not set yet: ${missing.join(", ")}.` : "";
  } catch (err) {
    const detail = err instanceof ApiError ? Object.values(err.body).flat().join(" ") || err.message : err.message;
    flash(`Not saved: ${detail}`);
  } finally {
    state.saving = false;
    render();
  }
}

// Staff: the next clip of this class without a trim (the curation back end's list).
async function nextClip() {
  if (!ctx.next_api) return;
  try {
    const page = await api(ctx.next_api);
    const next = page.results.find((c) => c.uid !== ctx.clip.uid);
    if (!next) return flash("No clip of this class is left to trim.");
    window.location.assign(`/trim/${next.uid}/`); // unsaved changes: the browser asks first (beforeunload)
  } catch (err) {
    flash(`Could not find the next clip: ${err.message}`);
  }
}

// --- pointer: go to a frame, drag the selection's edges ---------------------------------------------------------------

function timeAt(box, clientX) {
  const rect = box.getBoundingClientRect();
  const from = Number(box.dataset.viewStart), to = Number(box.dataset.viewEnd);
  return from + ((clientX - rect.left) / rect.width) * (to - from);
}

function onPointerDown(event, box) {
  if (event.button !== 0) return;
  const handle = event.target.closest(".handle");
  video.pause();
  if (handle) {
    event.preventDefault();
    state.drag = { edge: handle.dataset.edge, box };
    window.addEventListener("pointermove", onDragMove);
    window.addEventListener("pointerup", onDragEnd, { once: true });
    return;
  }
  seekFrame(model.frameAt(timeAt(box, event.clientX), fps));
  if (box.id === "window") {
    const width = state.view.end - state.view.start;
    setView(model.frameMiddle(state.frame, fps) - width / 2, width);
    render();
  }
}

function onDragMove(event) {
  const drag = state.drag;
  if (!drag) return;
  state.sel = model.dragEdge(state.sel, drag.edge, timeAt(drag.box, event.clientX), fps, lo(), hi());
  const k = drag.edge === "start" ? state.sel.first : state.sel.last;
  if (k !== state.frame) seekFrame(k); // show the frame under the moving edge
  else render();
}

function onDragEnd() {
  window.removeEventListener("pointermove", onDragMove);
  state.drag = null;
  render();
}

// --- keyboard ------------------------------------------------------------------------------------------------------

const KEYS = {
  " ": togglePlay,
  ",": () => step(-1),
  ".": () => step(1),
  "<": () => step(-10),
  ">": () => step(10),
  ArrowLeft: (e) => step(-Math.round((e.shiftKey ? 5 : 1) * fps)),
  ArrowRight: (e) => step(Math.round((e.shiftKey ? 5 : 1) * fps)),
  "[": markFirst,
  "]": markLast,
  "{": () => goTo("first"),
  "}": () => goTo("last"),
  l: toggleLoop,
  1: () => setPeople(1),
  2: () => setPeople(2),
  3: () => setPeople(3),
  m: toggleCamera,
  Enter: save,
  "+": () => zoom(0.5),
  "=": () => zoom(0.5),
  "-": () => zoom(2),
  z: fitSelection,
  w: widen,
  n: nextClip,
  "?": toggleHelp,
};

document.addEventListener("keydown", (e) => {
  if (keyBelongsToForm(e)) return;
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  const action = KEYS[e.key] || KEYS[e.key.length === 1 ? e.key.toLowerCase() : e.key];
  if (!action) return;
  e.preventDefault();
  action(e);
});

function toggleHelp() {
  const dialog = $("help-dialog");
  if (dialog.open) dialog.close(); else dialog.showModal();
}
$("help-dialog").addEventListener("keydown", (e) => { if (e.key === "?") { e.preventDefault(); toggleHelp(); } });

// --- wiring --------------------------------------------------------------------------------------------------------

for (const id of ["window", "zoom"]) $(id).addEventListener("pointerdown", (e) => onPointerDown(e, $(id)));
$("zoom").addEventListener("wheel", (e) => {
  e.preventDefault();
  if (e.ctrlKey || e.altKey) return zoom(e.deltaY > 0 ? 1.25 : 0.8);
  const width = state.view.end - state.view.start;
  setView(state.view.start + ((e.deltaY + e.deltaX) * width) / 1000, width);
  render();
}, { passive: false });
$("save").addEventListener("click", save);
$("help-button").addEventListener("click", toggleHelp);
$("play").addEventListener("click", togglePlay);
$("loop").addEventListener("click", toggleLoop);
$("frame-back").addEventListener("click", () => step(-1));
$("frame-forward").addEventListener("click", () => step(1));
$("set-first").addEventListener("click", markFirst);
$("set-last").addEventListener("click", markLast);
$("go-first").addEventListener("click", () => goTo("first"));
$("go-last").addEventListener("click", () => goTo("last"));
$("zoom-in").addEventListener("click", () => zoom(0.5));
$("zoom-out").addEventListener("click", () => zoom(2));
$("zoom-fit").addEventListener("click", fitSelection);
$("widen").addEventListener("click", widen);
if ($("next-clip")) $("next-clip").addEventListener("click", nextClip);
for (const button of document.querySelectorAll("[data-people]")) {
  button.addEventListener("click", () => setPeople(Number(button.dataset.people)));
}
for (const button of document.querySelectorAll("[data-camera]")) {
  button.addEventListener("click", () => edit(() => { state.cameraMoving = button.dataset.camera === "true"; }));
}
// A clicked button keeps no focus: Space and Enter stay the tool's keys, not a repeat of the last click.
for (const button of document.querySelectorAll("#trim-app button, .topbar button")) {
  button.addEventListener("mouseup", () => button.blur());
}

video.addEventListener("play", () => { state.playing = true; watchFrames(); render(); });
video.addEventListener("pause", () => {
  state.playing = false;
  // Paused between frames after playing: settle on the frame shown, so the number on screen is the frame stored.
  if (!video.seeking && !state.drag) seekFrame(model.frameAt(toolTime(), fps));
  render();
});
video.addEventListener("seeked", () => {
  if (video.paused) state.frame = model.clamp(model.frameAt(toolTime(), fps), lo(), hi());
  render();
});
video.addEventListener("error", () => {
  // e.g. MPEG-TS, which browsers do not play: the timeline proxy (H.264 MP4) plays everywhere.
  $("no-media").textContent = "This browser cannot play the video's source file. Send the video to segment annotation "
    + "(dashboard) so that its web proxy is made, then reload this page.";
  $("no-media").hidden = false;
  video.hidden = true;
});
window.addEventListener("beforeunload", (e) => {
  if (!dirty()) return;
  e.preventDefault();
  e.returnValue = ""; // the browser shows its own "leave site?" question
});
window.addEventListener("resize", render);

// --- rendering -----------------------------------------------------------------------------------------------------

function pressed(selector, test) {
  for (const node of document.querySelectorAll(selector)) node.setAttribute("aria-pressed", String(test(node)));
}

function render() {
  const d = model.describe(state.sel, fps);
  $("clock").textContent = clock(state);
  $("play").textContent = state.playing ? "❚❚ Pause" : "▶ Play";
  $("loop").setAttribute("aria-pressed", String(state.loop));
  $("first-frame").textContent = String(state.sel.first);
  $("last-frame").textContent = String(state.sel.last);
  $("frame-count").textContent = `${d.frames}`;
  $("duration").textContent = `${model.fmt(d.duration)} s`;
  $("span").textContent = `${model.fmt(d.start)} – ${model.fmt(d.end)} s`;
  const badge = $("trimmed-badge");
  badge.textContent = state.trimmed ? "trimmed" : "not trimmed yet";
  badge.classList.toggle("warn", !state.trimmed);
  badge.classList.toggle("ok", state.trimmed);
  pressed("[data-people]", (b) => Number(b.dataset.people) === state.people);
  pressed("[data-camera]", (b) => state.cameraMoving != null && String(state.cameraMoving) === b.dataset.camera);
  $("save").disabled = state.saving;
  const saved = $("saved");
  saved.textContent = state.saving ? "saving…" : dirty() ? "unsaved changes" : state.savedAt ? `saved ${state.savedAt}` : "";
  saved.dataset.state = state.saving ? "saving" : dirty() ? "dirty" : state.savedAt ? "saved" : "";
  $("status").textContent = state.message;
  $("window-note").textContent = `frames ${lo()}–${hi()} · ${model.fmt(lo() / fps)}–${model.fmt((hi() + 1) / fps)} s · the grey band is the grid clip`;
  drawBar($("window"), state, { from: lo() / fps, to: (hi() + 1) / fps, zoomed: false, sprite });
  drawBar($("zoom"), state, { from: state.view.start, to: state.view.end, zoomed: true, sprite });
}

// --- start ---------------------------------------------------------------------------------------------------------

fitSelection();
if (ctx.media) {
  if (ctx.media.sprite) {
    sprite = new Image();
    sprite.onload = render;
    sprite.src = ctx.media.sprite.url;
  }
  video.src = ctx.media.url;
  video.addEventListener("loadedmetadata", () => seekFrame(state.frame), { once: true });
} else {
  $("no-media").hidden = false;
  video.hidden = true;
}
render();
