// Timeline segment tool (HACS Segments): mark the start and end of every instance of the action in a video.
// State lives in one object (state.js); render() draws it (view.js). Keyboard first (press ? for the map, input.js).
// Work in progress is autosaved to the server (autosave.js), so a reload loses nothing. This module runs the task:
// fetch a video, show it, submit or reject it, and the next.
import { api, ApiError } from "../common/api.js";
import { askToAcknowledge as acknowledge } from "../common/clarify.js";
import { exampleVideo, showGuideline } from "../common/guideline.js";
import { stopAutosave, wireAutosave } from "./autosave.js";
import { wireInput } from "./input.js";
import * as model from "./model.js";
import { follow, wirePlayer } from "./player.js";
import { $, cfg, state, timer, video, ZOOM_SECONDS } from "./state.js";
import * as sugg from "./suggestions.js";
import { flash, render } from "./view.js";

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
  timer.reset(task.draft?.seconds_spent || 0);
  state.sprite = new Image();
  state.sprite.onload = render;
  state.sprite.src = task.sprite_url;
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

async function submit() {
  if (!state.task || state.busy) return;
  if (state.open != null) return flash("Close the open segment with Z (or cancel it with Esc) before submitting.");
  if (!state.segments.length) {
    return flash(sugg.waiting(state).length ? "Accept a suggestion (Tab, then A) or mark a segment with Z — suggestions only count once accepted."
      : "Mark at least one segment, or reject the video (no such action).");
  }
  // Only the segments are annotations; what was done with the suggestions is recorded beside them.
  await finish(`/api/segment-tasks/${state.task.task}/submit/`, { segments: model.toPairs(state.segments),
    seconds_spent: timer.seconds(), suggestions: sugg.decisions(state) });
}

async function reject(reason, note) {
  await finish(`/api/segment-tasks/${state.task.task}/reject/`, { reason, note, seconds_spent: timer.seconds() });
}

async function finish(url, body) {
  state.busy = true;
  stopAutosave();
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
  const g = await showGuideline(cfg.actionClass);
  const examples = g.examples.filter((e) => e.kind === "positive");
  $("examples-head").hidden = !examples.length;
  $("examples").replaceChildren(...examples.map(exampleVideo));
}

async function refreshAccuracy() {
  if (cfg.gold) return;
  const me = await api("/api/segments/me/").catch(() => null);
  // Per block of 10 videos, as the grid's figure (docs/security.md).
  if (me) $("accuracy").textContent = me.f1 != null ? `your segment F1 ${Math.round(me.f1 * 100)}%`
    : "your segment F1: shown after 10 videos";
}

wireInput({ submit, reject });
wirePlayer();
wireAutosave();
window.addEventListener("resize", render);
loadGuideline().catch(() => {});
refreshAccuracy();
load();
