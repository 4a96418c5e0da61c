// Timeline segment tool (HACS Segments): mark the start and end of every instance of the action in a video.
// State lives in one object (state.js); render() draws it (view.js). Keyboard first (press ? for the map, input.js).
// Work in progress is autosaved to the server (autosave.js), so a reload loses nothing. This module runs the task:
// fetch a video, show it, submit or reject it, and the next. Submit waits until the video has been on screen long
// enough and never reaches the next video twice (common/submit_guard.js); what happened is said in the page.
import { api, ApiError } from "../common/api.js";
import { askToAcknowledge as acknowledge } from "../common/clarify.js";
import { exampleVideo, showGuideline } from "../common/guideline.js";
import { clearNotice, notify } from "../common/notice.js";
import { SubmitGuard } from "../common/submit_guard.js";
import { changed, stopAutosave, stopForConflict, tellConflict, wireAutosave } from "./autosave.js";
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

const guard = new SubmitGuard({ button: $("submit"), what: "video", lookAt: "the video" });

// afterSubmit: the next video comes up because of a Submit or Reject (a second press must not submit it).
async function load({ afterSubmit = false } = {}) {
  try {
    show(await requestTask(), { afterSubmit });
  } catch (err) {
    handleError(err);
  }
}

function show(task, { afterSubmit = false } = {}) {
  const kept = sugg.fromDraft(task.draft?.suggestions);
  const restored = model.fromDraft(task.draft || {}, kept.origins);
  Object.assign(state, { task, ...restored, selected: null, past: [], future: [], drag: null, message: "", loop: null,
    busy: false, version: task.version ?? 0, conflict: null,
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
  // The server's floor counts from the lease, which is no later than now: counting from now is never too early.
  guard.shown({ minSeconds: task.min_seconds, afterSubmit });
  render();
}

function handleError(err) {
  if (err instanceof ApiError && err.body.code === "clarification") return askToAcknowledge(err.body.clarifications);
  // A guideline change withdrew the qualification (issue 15): qualify again before more work.
  if (err instanceof ApiError && err.body.code === "qualification") { location.assign(err.body.qualify_url); return; }
  state.task = null;
  state.busy = false;
  state.message = err instanceof ApiError && err.status === 404
    ? (cfg.gold ? "No videos of this class are left to make gold." : "No videos of this class are waiting for you. Thank you!")
    : `Could not load a video: ${err.message}. Reload this page to try again.`;
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
  if (state.conflict) return tellConflict();
  if (!guard.mayStart()) return; // too soon: it says how long is left
  if (state.open != null) return flash("Close the open segment with Z (or cancel it with Esc) before submitting.");
  if (!state.segments.length) {
    return flash(sugg.waiting(state).length ? "Accept a suggestion (Tab, then A) or mark a segment with Z — suggestions only count once accepted."
      : "Mark at least one segment, or reject the video (no such action).");
  }
  // Only the segments are annotations; what was done with the suggestions is recorded beside them.
  await finish("submit", { segments: model.toPairs(state.segments), seconds_spent: timer.seconds(),
    suggestions: sugg.decisions(state) });
}

async function reject(reason, note) {
  if (!state.task || state.busy) return;
  if (state.conflict) return tellConflict();
  // No wait here: a reason must be chosen in a dialog first (no double press reaches it), and the server's reject
  // floor is lower than the submit floor (an unplayable video is seen at once); a too-early reject is answered below.
  await finish("reject", { reason, note, seconds_spent: timer.seconds() });
}

// Submit or reject the task shown; the next video comes up once it is stored (state.busy until then).
async function finish(action, body) {
  state.busy = true;
  guard.begin();
  clearTimeout(pollTimer);
  clearNotice();
  render();
  await stopAutosave(); // a save in flight moves the version on: the submit must name the new one
  const task = state.task;
  if (state.conflict) return refused(); // that save found another tab's work
  try {
    const result = await api(`/api/segment-tasks/${task.task}/${action}/`, { method: "POST",
      body: { ...body, version: state.version, submit_token: guard.token } });
    refreshAccuracy();
    await load({ afterSubmit: true });
    if (result.already_submitted) {
      // A retry of a submit whose answer was lost on the way: the first one was stored.
      notify(`This video was already saved: your earlier ${action === "reject" ? "Reject" : "Submit"} reached the `
        + `server. ${state.task ? "Here is the next video." : ""}`);
    } else {
      const what = action === "reject" ? "Video rejected" : `Video saved: ${body.segments.length} segment(s)`;
      notify(`${what}. ${state.task ? "Here is the next video." : ""}`, { hideAfterMs: 2500 });
    }
  } catch (err) {
    if (err instanceof ApiError && err.code === "conflict" && !("version" in err.body)) {
      await load({ afterSubmit: true }); // submitted from another tab: nothing is left to do here, go on
      notify("This video was already submitted from another tab or window, so nothing from this tab was stored; "
        + `the work saved there is kept. ${state.task ? "Here is the next video." : ""}`,
      { kind: "warn", hideAfterMs: 12000 });
      return;
    }
    refused();
    if (err instanceof ApiError && err.code === "too_early") {
      guard.waitMore(err.body.retry_after);
      notify(`Not saved: ${err.message}. Your segments are still here; ${action === "reject" ? "Reject" : "Submit"} `
        + `works in ${Math.ceil(guard.remaining())} s.`, { kind: "warn", hideAfterMs: 8000 });
    } else if (err instanceof ApiError && err.code === "conflict" && "version" in err.body) {
      stopForConflict(err); // changed in another tab: keep this tab's work on screen, offer a reload
    } else {
      notify(`Not saved: ${err.message}. Your segments are still here; `
        + `${action === "reject" ? "reject the video again" : "press Submit (Ctrl+Enter)"} to try again.`,
        { kind: "error", hideAfterMs: 0 });
    }
  }
}

// The task stays on screen after a refused submit: editable again, autosave on again (a dirty draft is retried).
function refused() {
  state.busy = false;
  guard.end();
  if (state.save.dirty) changed();
  render();
}

function askToAcknowledge(clarifications) {
  acknowledge(clarifications, async () => { await loadGuideline(); await load(); }, { what: "video" });
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
