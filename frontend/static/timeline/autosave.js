// Autosave: each edit marks the draft dirty and is saved a moment later; each save renews the task's lease. A reload
// restores the draft, and closing the tab still sends the last edits (common/keepalive.js).
import { api } from "../common/api.js";
import { round3 } from "../common/frames.js";
import { sendKeepalive } from "../common/keepalive.js";
import * as model from "./model.js";
import * as sugg from "./suggestions.js";
import { state, timer } from "./state.js";
import { renderStatus } from "./view.js";

const SAVE_AFTER_MS = 700;
const RETRY_MS = 30_000;

export function draftBody() {
  return { segments: model.toPairs(state.segments), open: state.open, time: round3(state.time), seconds_spent: timer.seconds(),
    suggestions: sugg.toDraft(state) };
}

let saveTimer = null;

export function changed() {
  state.save.dirty = true;
  clearTimeout(saveTimer);
  saveTimer = setTimeout(saveDraft, SAVE_AFTER_MS);
}

// A submit or reject ends the task: no late save of its draft.
export function stopAutosave() {
  clearTimeout(saveTimer);
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

export function wireAutosave() {
  document.addEventListener("visibilitychange", () => { if (document.hidden && state.save.dirty) saveDraft(); });
  window.addEventListener("pagehide", () => {
    if (state.task && state.save.dirty) sendKeepalive(`/api/segment-tasks/${state.task.task}/draft/`, { body: draftBody() });
  });
  // Retry a failed autosave. An idle tab sends nothing, so it does not hold its video past the lease.
  setInterval(() => { if (state.task && !state.busy && (state.save.dirty || state.save.failed)) saveDraft(); }, RETRY_MS);
}
