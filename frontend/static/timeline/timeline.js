// Timeline segment tool (HACS Segments): mark the start and end of every instance of the action in a video.
// State lives in one object; render() draws it. Keyboard first (press ? for the map). Work in progress is autosaved
// to the server, so a reload loses nothing.
import { api, ApiError, el, keyBelongsToForm } from "../common/api.js";
import { askToAcknowledge as acknowledge } from "../common/clarify.js";
import * as model from "./model.js";
import { clock, drawTimeline, segmentRows, suggestionBar } from "./render.js";
import * as sugg from "./suggestions.js";

const root = document.getElementById("timeline-app");
const cfg = { project: Number(root.dataset.project), actionClass: Number(root.dataset.class), gold: root.dataset.gold === "1" };
const $ = (id) => document.getElementById(id);
const video = $("player");
const ZOOM_SECONDS = 10; // default width of the zoomed window
const RATES = [0.25, 0.5, 1, 1.5, 2];

const state = {
  task: null,          // {task, video_url, sprite_url, sprite, duration, fps, marks, draft, …}
  segments: [],        // [{id, start, end, from?}] sorted by start, seconds from the first frame; `from`: suggestion id
  suggestions: null,   // {state, message, method, items: [{id, start, end, score, rank}]} (S-CNN proposals)
  dismissed: {},       // suggestion id -> true
  selectedSuggestion: null,
  open: null,          // start of the segment being marked (after the first `z`)
  selected: null,      // id of the selected segment
  time: 0,             // playhead, from video.currentTime
  playing: false,
  rate: 1,
  view: { start: 0, end: ZOOM_SECONDS }, // the zoomed window
  past: [], future: [], // undo / redo snapshots
  drag: null,          // {id, edge, before} while an edge is dragged
  busy: false,
  message: "",
  save: { dirty: false, inFlight: false, at: null, failed: false },
  clock: { shownAt: 0, hiddenMs: 0, hiddenSince: null, prior: 0 }, // seconds spent on this video
};
let sprite = null;

// --- data ---------------------------------------------------------------------------------------------------------

async function requestTask() {
  return api("/api/segment-tasks/next/", { method: "POST",
    body: { project: cfg.project, action_class: cfg.actionClass, mode: cfg.gold ? "gold" : "annotate" } });
}

async function load() {
  try {
    show(await requestTask());
  } catch (err) {
    handleError(err);
  }
}

function show(task) {
  const kept = sugg.fromDraft(task.draft?.suggestions);
  const restored = model.fromDraft(task.draft || {}, kept.origins);
  Object.assign(state, { task, ...restored, selected: null, past: [], future: [], drag: null, message: "",
    time: Math.min(task.draft?.time || 0, task.duration), playing: false,
    suggestions: task.suggestions || null, dismissed: kept.dismissed, selectedSuggestion: null });
  pollSuggestions();
  state.view = { start: 0, end: Math.min(task.duration, ZOOM_SECONDS) };
  follow(true);
  state.save = { dirty: false, inFlight: false, at: task.draft?.seconds_spent != null ? "earlier (draft restored)" : null, failed: false };
  state.clock = { shownAt: performance.now(), hiddenMs: 0, hiddenSince: null, prior: task.draft?.seconds_spent || 0 };
  sprite = new Image();
  sprite.onload = render;
  sprite.src = task.sprite_url;
  video.defaultPlaybackRate = state.rate; // loading a new source resets playbackRate to this
  video.src = task.video_url;
  video.addEventListener("loadedmetadata", () => { if (state.time) video.currentTime = state.time; }, { once: true });
  render();
}

function handleError(err) {
  if (err instanceof ApiError && err.body.code === "clarification") return askToAcknowledge(err.body.clarifications);
  state.task = null;
  state.message = err instanceof ApiError && err.status === 404
    ? (cfg.gold ? "No videos of this class are left to make gold." : "No videos of this class are waiting for you. Thank you!")
    : `Error: ${err.message}`;
  video.removeAttribute("src");
  video.load();
  render();
}

function secondsSpent() {
  const c = state.clock;
  const hidden = c.hiddenMs + (c.hiddenSince != null ? performance.now() - c.hiddenSince : 0);
  return Math.max(0, c.prior + (performance.now() - c.shownAt - hidden) / 1000);
}

function draftBody() {
  return { segments: model.toPairs(state.segments), open: state.open, time: model.round3(state.time), seconds_spent: secondsSpent(),
    suggestions: sugg.toDraft(state) };
}

// Suggestions still being computed when the video was served: ask again every few seconds until they are there.
let pollTimer = null;
function pollSuggestions() {
  clearTimeout(pollTimer);
  if (!state.task || !state.suggestions || state.suggestions.state !== "pending") return;
  const uid = state.task.task;
  pollTimer = setTimeout(async () => {
    const answer = await api(`/api/segment-tasks/${uid}/suggestions/`).catch(() => null);
    if (!state.task || state.task.task !== uid) return;
    if (answer) { state.suggestions = answer; render(); }
    pollSuggestions();
  }, 3000);
}

// Autosave: each edit marks the draft dirty and is saved a moment later; each save renews the lease.
let saveTimer = null;
function changed() {
  state.save.dirty = true;
  clearTimeout(saveTimer);
  saveTimer = setTimeout(saveDraft, 700);
}

async function saveDraft() {
  if (!state.task || state.save.inFlight || state.busy) return;
  // This task's save record: if the task is submitted meanwhile, a late answer must not touch the next one's.
  const save = state.save;
  save.inFlight = true;
  save.dirty = false;
  try {
    await api(`/api/segment-tasks/${state.task.task}/draft/`, { method: "PUT", body: draftBody() });
    save.at = new Date().toLocaleTimeString();
    save.failed = false;
  } catch {
    save.failed = true;
    save.dirty = true;
  } finally {
    save.inFlight = false;
    if (save === state.save) {
      renderStatus();
      if (save.dirty && !save.failed) changed();
    }
  }
}

async function submit() {
  if (!state.task || state.busy) return;
  if (state.open != null) return flash("Close the open segment with Z (or cancel it with Esc) before submitting.");
  if (!state.segments.length) {
    return flash(sugg.waiting(state).length ? "Accept a suggestion (Tab, then A) or mark a segment with Z — suggestions only count once accepted."
      : "Mark at least one segment, or reject the video (no such action).");
  }
  // Only the segments are annotations; what was done with the suggestions is recorded beside them.
  await finish(`/api/segment-tasks/${state.task.task}/submit/`, { segments: model.toPairs(state.segments), seconds_spent: secondsSpent(),
    suggestions: sugg.decisions(state) });
}

async function reject(reason, note) {
  await finish(`/api/segment-tasks/${state.task.task}/reject/`, { reason, note, seconds_spent: secondsSpent() });
}

async function finish(url, body) {
  state.busy = true;
  clearTimeout(saveTimer);
  clearTimeout(pollTimer);
  render();
  try {
    await api(url, { method: "POST", body });
    refreshAccuracy();
    state.busy = false;
    await load();
  } catch (err) {
    state.busy = false;
    flash(`Not saved: ${err.message}. Your segments are still here; try again.`);
  }
}

function askToAcknowledge(clarifications) {
  acknowledge(clarifications, async () => { await loadGuideline(); await load(); });
}

async function loadGuideline() {
  const g = await api(`/api/classes/${cfg.actionClass}/guideline/`);
  $("definition").textContent = g.definition || "No definition yet.";
  $("clarifications").replaceChildren(...g.clarifications.map((c) =>
    el("div", { class: "clarification" }, el("b", {}, "Clarification: "), c.text)));
  const examples = g.examples.filter((e) => e.kind === "positive");
  $("examples-head").hidden = !examples.length;
  $("examples").replaceChildren(...examples.map((e) =>
    el("video", { src: e.video_url, poster: e.poster_url, muted: true, autoplay: true, loop: true, playsinline: true })));
  document.querySelectorAll("#examples video").forEach((v) => { v.muted = true; });
}

async function refreshAccuracy() {
  if (cfg.gold) return;
  const me = await api("/api/segments/me/").catch(() => null);
  $("accuracy").textContent = me && me.f1 != null ? `your segment F1 ${Math.round(me.f1 * 100)}%` : "";
}

// --- playback and navigation -------------------------------------------------------------------------------------------

function seek(t, { exact = false } = {}) {
  const fps = state.task.fps;
  const time = model.clamp(t, 0, Math.max(0, state.task.duration - 1 / fps));
  // Land in the middle of the target frame, so the browser shows that frame and not its neighbour.
  video.currentTime = exact ? time : model.frameMiddle(model.frameOf(time, fps), fps);
  state.time = video.currentTime;
  follow();
  render();
}

function stepFrames(n) {
  video.pause();
  seek((model.frameOf(state.time, state.task.fps) + n) / state.task.fps);
}

// Keep the playhead inside the zoomed window: turn the page when it leaves it.
function follow(center = false) {
  if (!state.task) return; // a seek still landing after the last video was submitted
  const width = state.view.end - state.view.start;
  const t = state.time;
  if (!center && t >= state.view.start && t <= state.view.end) return;
  const start = center ? t - width / 2 : t > state.view.end ? t - width * 0.1 : t - width * 0.9;
  setView(start, width);
}

function setView(start, width) {
  const duration = state.task.duration;
  const w = model.clamp(width, Math.min(duration, 10 / state.task.fps), duration);
  const s = model.clamp(start, 0, Math.max(0, duration - w));
  state.view = { start: s, end: s + w };
}

function zoom(factor) {
  const width = (state.view.end - state.view.start) * factor;
  setView(state.time - width / 2, width);
  render();
}

function togglePlay() {
  if (video.paused) video.play().catch(() => {}); else video.pause();
}

function setRate(rate) {
  state.rate = rate;
  video.defaultPlaybackRate = rate;
  video.playbackRate = rate;
  render();
}

function jump(direction) {
  const target = model.neighbour(state, direction);
  if (!target) return flash(direction < 0 ? "No segment before the playhead." : "No segment after the playhead.");
  video.pause();
  state.selected = target.id;
  state.selectedSuggestion = null;
  seek(target.start);
}

function select(segment) {
  state.selected = segment ? segment.id : null;
  state.selectedSuggestion = null;
  render();
}

// --- suggestions (S-CNN proposals): Tab / Shift+Tab select, A accept, X dismiss ---------------------------------------

function selectSuggestion(suggestion, { seekTo = true } = {}) {
  state.selectedSuggestion = suggestion ? suggestion.id : null;
  state.selected = null;
  if (!suggestion) return render();
  video.pause();
  if (seekTo) {
    seek(suggestion.start);
    // Show the whole suggestion in the zoomed timeline when it fits, else its start.
    const width = state.view.end - state.view.start;
    const length = suggestion.end - suggestion.start;
    setView(length < width * 0.8 ? suggestion.start - (width - length) / 2 : suggestion.start - width * 0.1, width);
  }
  render();
}

function stepSuggestion(direction) {
  const next = sugg.step(state, direction);
  if (!next) return flash(sugg.items(state).length ? "No suggestions left: every one is accepted or dismissed." : "There are no suggestions for this video.");
  selectSuggestion(next);
}

function acceptSuggestion() {
  const chosen = sugg.selected(state);
  if (!chosen) return flash("Select a suggestion first (Tab).");
  sugg.accept(state, chosen);
  changed();
  render();
}

function dismissSuggestion() {
  const chosen = sugg.selected(state);
  if (!chosen) return flash("Select a suggestion first (Tab).");
  sugg.dismiss(state, chosen);
  changed();
  // Straight on to the next one: triage is Tab / A / X without looking for the mouse.
  const next = sugg.step(state, 1);
  if (next) selectSuggestion(next); else render();
}

// --- edits (each one is an undo step and triggers an autosave) -----------------------------------------------------------

function edit(fn) {
  const message = fn();
  if (typeof message === "string" && message) return flash(message);
  changed();
  render();
}

function setEdge(edge) {
  const chosen = state.selected == null ? sugg.selected(state) : null;
  if (chosen) {
    // S / E on a suggestion: accept it with that edge at the playhead, as one undo step.
    model.remember(state);
    sugg.accept(state, chosen, { record: false });
  } else if (state.selected == null) {
    return flash("Select a segment first (click it, or [ and ]).");
  } else {
    model.remember(state);
  }
  state.segments = model.moveEdge(state.segments, state.selected, edge, state.time, state.task.fps, state.task.duration);
  changed();
  render();
}

function deleteSegment(segment) {
  if (segment) state.selected = segment.id;
  if (!model.removeSelected(state)) return flash("Select a segment to delete (click it, or [ and ]).");
  changed();
  render();
}

function flash(message) {
  state.message = message;
  render();
  clearTimeout(flash.timer);
  flash.timer = setTimeout(() => { state.message = ""; renderStatus(); }, 4000);
}

// --- pointer: seek, select, drag edges -------------------------------------------------------------------------------------

function timeAt(box, clientX) {
  const rect = box.getBoundingClientRect();
  const from = Number(box.dataset.viewStart), to = Number(box.dataset.viewEnd);
  return from + ((clientX - rect.left) / rect.width) * (to - from);
}

function onPointerDown(event, box) {
  if (!state.task || event.button !== 0) return;
  const handle = event.target.closest(".handle");
  const segmentNode = event.target.closest(".segment:not(.open)");
  const suggestionNode = event.target.closest(".suggestion");
  if (handle) {
    event.preventDefault();
    video.pause();
    const before = model.snapshot(state);
    let id = Number(handle.dataset.id);
    if (handle.dataset.suggestion) {
      // Dragging a suggestion's edge accepts it: the drag then moves the new segment's edge (one undo step in all).
      const chosen = sugg.items(state).find((p) => p.id === Number(handle.dataset.suggestion));
      id = sugg.accept(state, chosen, { record: false }).id;
    }
    state.drag = { id, edge: handle.dataset.edge, before, box };
    window.addEventListener("pointermove", onDragMove);
    window.addEventListener("pointerup", onDragEnd, { once: true });
    return;
  }
  if (segmentNode) return select(state.segments.find((s) => s.id === Number(segmentNode.dataset.id)));
  if (suggestionNode) return selectSuggestion(sugg.items(state).find((p) => p.id === Number(suggestionNode.dataset.suggestion)), { seekTo: false });
  seek(timeAt(box, event.clientX));
  if (box.id === "overview") { follow(true); render(); } // the zoomed window comes to where the overview was clicked
}

function onDragMove(event) {
  const drag = state.drag;
  if (!drag) return;
  const t = timeAt(drag.box, event.clientX);
  state.segments = model.moveEdge(state.segments, drag.id, drag.edge, t, state.task.fps, state.task.duration);
  const moved = state.segments.find((s) => s.id === drag.id);
  // Show the frame under the edge while it moves.
  video.currentTime = model.frameMiddle(model.frameOf(drag.edge === "start" ? moved.start : moved.end, state.task.fps), state.task.fps);
  state.time = video.currentTime;
  render();
}

function onDragEnd() {
  window.removeEventListener("pointermove", onDragMove);
  const drag = state.drag;
  state.drag = null;
  if (!drag) return;
  model.remember(state, drag.before);
  changed();
  render();
}

// --- keyboard --------------------------------------------------------------------------------------------------------------

const KEYS = {
  " ": togglePlay,
  z: () => edit(() => model.toggleMark(state, state.task.fps)),
  Escape: () => { if (model.cancelOpen(state)) changed(); else { state.selected = null; state.selectedSuggestion = null; } render(); },
  Delete: () => deleteSegment(),
  Backspace: () => deleteSegment(),
  ",": () => stepFrames(-1),
  ".": () => stepFrames(1),
  "<": () => setRate(RATES[Math.max(0, RATES.indexOf(state.rate) - 1)]),
  ">": () => setRate(RATES[Math.min(RATES.length - 1, RATES.indexOf(state.rate) + 1)]),
  ArrowLeft: (e) => seek(state.time - (e.shiftKey ? 5 : 1)),
  ArrowRight: (e) => seek(state.time + (e.shiftKey ? 5 : 1)),
  "[": () => jump(-1),
  "]": () => jump(1),
  s: () => setEdge("start"),
  e: () => setEdge("end"),
  "+": () => zoom(0.5),
  "=": () => zoom(0.5),
  "-": () => zoom(2),
  r: () => openReject(),
  "?": () => toggleHelp(),
  Tab: (e) => stepSuggestion(e.shiftKey ? -1 : 1),
  a: () => acceptSuggestion(),
  x: () => dismissSuggestion(),
};

document.addEventListener("keydown", (e) => {
  if (keyBelongsToForm(e)) return;
  if (!state.task || state.busy) return;
  const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
  const ctrl = e.ctrlKey || e.metaKey;
  if (ctrl && key === "z") { e.preventDefault(); if (e.shiftKey ? model.redo(state) : model.undo(state)) changed(); render(); return; }
  if (ctrl && key === "y") { e.preventDefault(); if (model.redo(state)) changed(); render(); return; }
  if (ctrl && e.key === "Enter") { e.preventDefault(); submit(); return; }
  if (ctrl || e.altKey) return;
  const action = KEYS[e.key] || KEYS[key];
  if (!action) return;
  e.preventDefault();
  action(e);
});

// --- dialogs ---------------------------------------------------------------------------------------------------------------

function openReject() {
  if (!state.task) return;
  video.pause();
  $("reject-form").reset();
  $("reject-dialog").showModal();
}

$("reject-form").addEventListener("submit", (e) => {
  const data = new FormData(e.target);
  if (e.submitter && e.submitter.value === "cancel") return;
  const reason = data.get("reason");
  if (!reason) { e.preventDefault(); return; }
  reject(reason, String(data.get("note") || ""));
});

function toggleHelp() {
  const dialog = $("help-dialog");
  if (dialog.open) dialog.close(); else dialog.showModal();
}
$("help-dialog").addEventListener("keydown", (e) => { if (e.key === "?") { e.preventDefault(); toggleHelp(); } });

// --- wiring ------------------------------------------------------------------------------------------------------------------

for (const id of ["overview", "zoom"]) $(id).addEventListener("pointerdown", (e) => onPointerDown(e, $(id)));
$("zoom").addEventListener("wheel", (e) => {
  if (!state.task) return;
  e.preventDefault();
  if (e.ctrlKey || e.altKey) return zoom(e.deltaY > 0 ? 1.25 : 0.8);
  const width = state.view.end - state.view.start;
  setView(state.view.start + (e.deltaY + e.deltaX) * width / 1000, width);
  render();
}, { passive: false });
$("submit").addEventListener("click", submit);
$("reject").addEventListener("click", openReject);
$("help-button").addEventListener("click", toggleHelp);
$("play").addEventListener("click", togglePlay);
$("frame-back").addEventListener("click", () => stepFrames(-1));
$("frame-forward").addEventListener("click", () => stepFrames(1));
$("prev-segment").addEventListener("click", () => jump(-1));
$("next-segment").addEventListener("click", () => jump(1));
$("mark").addEventListener("click", () => edit(() => model.toggleMark(state, state.task.fps)));
$("delete").addEventListener("click", () => deleteSegment());
$("undo").addEventListener("click", () => { if (model.undo(state)) changed(); render(); });
$("redo").addEventListener("click", () => { if (model.redo(state)) changed(); render(); });
$("zoom-in").addEventListener("click", () => zoom(0.5));
$("zoom-out").addEventListener("click", () => zoom(2));
$("suggestion-prev").addEventListener("click", () => stepSuggestion(-1));
$("suggestion-next").addEventListener("click", () => stepSuggestion(1));
$("suggestion-accept").addEventListener("click", acceptSuggestion);
$("suggestion-dismiss").addEventListener("click", dismissSuggestion);
$("rate").addEventListener("change", (e) => { setRate(Number(e.target.value)); e.target.blur(); });
// A clicked button keeps no focus: Space and Enter stay the tool's keys, not a repeat of the last click.
for (const button of document.querySelectorAll(".transport button, .timeline-head button, .topbar button, .suggestion-bar button")) {
  button.addEventListener("mouseup", () => button.blur());
}

video.addEventListener("play", () => { state.playing = true; tick(); render(); });
video.addEventListener("pause", () => { state.playing = false; render(); });
video.addEventListener("seeked", () => { state.time = video.currentTime; follow(); render(); });
video.addEventListener("timeupdate", () => { if (!state.drag) { state.time = video.currentTime; follow(); render(); } });
video.addEventListener("loadedmetadata", render);

function tick() {
  if (!state.playing) return;
  state.time = video.currentTime;
  follow();
  render();
  requestAnimationFrame(tick);
}

document.addEventListener("visibilitychange", () => {
  const c = state.clock;
  if (document.hidden) { c.hiddenSince = performance.now(); if (state.save.dirty) saveDraft(); }
  else if (c.hiddenSince != null) { c.hiddenMs += performance.now() - c.hiddenSince; c.hiddenSince = null; }
});
window.addEventListener("pagehide", () => {
  // keepalive: the request outlives the page, so closing the tab still saves the last edits.
  if (!state.task || !state.save.dirty) return;
  const token = (document.cookie.match(/(?:^|; )csrftoken=([^;]+)/) || [])[1] || "";
  fetch(`/api/segment-tasks/${state.task.task}/draft/`, { method: "PUT", keepalive: true, credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": decodeURIComponent(token) }, body: JSON.stringify(draftBody()) });
});
// Retry a failed autosave. An idle tab sends nothing, so it does not hold its video past the lease.
setInterval(() => { if (state.task && !state.busy && (state.save.dirty || state.save.failed)) saveDraft(); }, 30_000);
window.addEventListener("resize", render);

// --- rendering ---------------------------------------------------------------------------------------------------------------

function renderStatus() {
  const s = state.save;
  const saved = $("saved");
  saved.textContent = !state.task ? "" : s.failed ? "autosave failed — retrying" : s.inFlight ? "saving…"
    : s.dirty ? "unsaved changes" : s.at ? `saved ${s.at}` : "";
  saved.dataset.state = s.failed ? "failed" : s.inFlight ? "saving" : s.dirty ? "dirty" : s.at ? "saved" : "";
  $("status").textContent = state.message;
}

let renderedList = null;


function render() {
  const task = state.task;
  root.classList.toggle("empty", !task);
  $("empty").hidden = !!task;
  $("empty").textContent = state.message;
  for (const id of ["submit", "reject"]) $(id).disabled = !task || state.busy;
  renderStatus();
  if (!task) {
    $("segment-list").querySelector("tbody").replaceChildren();
    renderedList = null;
    $("suggestion-bar").hidden = true;
    return;
  }
  $("clock").textContent = clock(state);
  $("play").textContent = state.playing ? "❚❚ Pause" : "▶ Play";
  $("rate").value = String(state.rate);
  $("undo").disabled = !state.past.length;
  $("redo").disabled = !state.future.length;
  $("delete").disabled = state.selected == null;
  $("mark").textContent = state.open == null ? "Start segment (Z)" : "End segment (Z)";
  suggestionBar(state);
  drawTimeline($("overview"), state, { from: 0, to: task.duration, zoomed: false, sprite });
  drawTimeline($("zoom"), state, { from: state.view.start, to: state.view.end, zoomed: true, sprite });
  // The list changes only with the segments: rebuilding it on every frame of playback would swallow clicks.
  const listKey = JSON.stringify([state.segments, state.selected]);
  if (listKey !== renderedList) {
    renderedList = listKey;
    $("segment-list").querySelector("tbody").replaceChildren(...segmentRows(state,
      (s) => { video.pause(); state.selected = s.id; seek(s.start); }, (s) => deleteSegment(s)));
  }
  $("segment-count").textContent = `${state.segments.length} segment${state.segments.length === 1 ? "" : "s"}`;
}

loadGuideline().catch(() => {});
refreshAccuracy();
load();
