// Autosave: each edit marks the draft dirty and is saved a moment later; each save renews the task's lease. A reload
// restores the draft, and closing the tab still sends the last edits (common/keepalive.js).
// Two tabs on one video: each save names the version this tab last saw; a stale tab's save is refused (409 conflict),
// and that tab then stops saving, keeps its work on screen and offers a reload: the live tab's work is kept.
import { api, ApiError } from "../common/api.js";
import { round3 } from "../common/frames.js";
import { sendKeepalive } from "../common/keepalive.js";
import { notify } from "../common/notice.js";
import * as model from "./model.js";
import * as sugg from "./suggestions.js";
import { state, timer } from "./state.js";
import { renderStatus } from "./view.js";

const SAVE_AFTER_MS = 700;
const RETRY_MS = 30_000;

export function draftBody() {
  return { segments: model.toPairs(state.segments), open: state.open, time: round3(state.time), seconds_spent: timer.seconds(),
    suggestions: sugg.toDraft(state), version: state.version };
}

let saveTimer = null;
let saving = null; // the save in flight (a promise), if any

export function changed() {
  state.save.dirty = true;
  if (state.conflict) return;
  clearTimeout(saveTimer);
  saveTimer = setTimeout(saveDraft, SAVE_AFTER_MS);
}

// A submit or reject ends the task: no late save of its draft. Resolves once a save in flight has answered, so the
// submit then names the version that save moved to.
export async function stopAutosave() {
  clearTimeout(saveTimer);
  await saving;
}

// Another tab changed or submitted this video (a 409 conflict): stop saving, keep the work on screen, say what to do.
export function stopForConflict(err) {
  clearTimeout(saveTimer);
  const submitted = !("version" in err.body);
  state.conflict = submitted
    ? "This video was already submitted from another tab or window, so nothing more from this tab is saved. "
      + "Reload to go on with the next video."
    : "This video was changed in another tab or window, and that tab's work is the one kept: nothing more from this "
      + "tab is saved. Reload to go on from the saved work.";
  tellConflict();
  renderStatus();
}

export function tellConflict() {
  notify(state.conflict, { kind: "error", hideAfterMs: 0, action: { label: "Reload", run: () => location.reload() } });
}

function saveDraft() {
  if (!state.task || state.save.inFlight || state.busy || state.conflict) return saving;
  saving = sendDraft().finally(() => { saving = null; });
  return saving;
}

async function sendDraft() {
  // This task's save record: if the task is submitted meanwhile, a late answer must not touch the next one's.
  const save = state.save;
  const task = state.task;
  save.inFlight = true;
  save.dirty = false;
  try {
    const answer = await api(`/api/segment-tasks/${task.task}/draft/`, { method: "PUT", body: draftBody() });
    save.at = new Date().toLocaleTimeString();
    save.failed = false;
    if (save === state.save) state.version = answer.version;
  } catch (err) {
    save.dirty = true;
    if (err instanceof ApiError && err.code === "conflict" && save === state.save) stopForConflict(err);
    else save.failed = true;
  } finally {
    save.inFlight = false;
    if (save === state.save) {
      renderStatus();
      if (save.dirty && !save.failed) changed();
    }
  }
}

export function wireAutosave() {
  document.addEventListener("visibilitychange", () => { if (document.hidden && state.save.dirty) saveDraft(); });
  window.addEventListener("pagehide", () => {
    if (state.task && state.save.dirty && !state.conflict) sendKeepalive(`/api/segment-tasks/${state.task.task}/draft/`, { body: draftBody() });
  });
  // Retry a failed autosave. An idle tab sends nothing, so it does not hold its video past the lease.
  setInterval(() => {
    if (state.task && !state.busy && !state.conflict && (state.save.dirty || state.save.failed)) saveDraft();
  }, RETRY_MS);
}
