// Rendering the timeline tool from state: the transport, the two timelines, the segment list and the status line.
import { el } from "../common/api.js";
import { $, root, state } from "./state.js";
import { clock, drawTimeline, segmentRows, suggestionBar } from "./render.js";

export function renderStatus() {
  const s = state.save;
  const saved = $("saved");
  saved.textContent = !state.task ? "" : state.conflict ? "not saved: changed in another tab"
    : s.failed ? "autosave failed — retrying" : s.inFlight ? "saving…"
    : s.dirty ? "unsaved changes" : s.at ? `saved ${s.at}` : "";
  saved.dataset.state = state.conflict ? "conflict" : s.failed ? "failed" : s.inFlight ? "saving" : s.dirty ? "dirty" : s.at ? "saved" : "";
  $("status").textContent = state.message;
}

export function flash(message) {
  state.message = message;
  render();
  clearTimeout(flash.timer);
  flash.timer = setTimeout(() => { state.message = ""; renderStatus(); }, 4000);
}

let renderedList = null;

export function render() {
  const task = state.task;
  root.classList.toggle("empty", !task);
  $("empty").hidden = !!task;
  // an empty state always has the way back: the queues, where another class may be waiting
  $("empty").replaceChildren(...(task || !state.message ? [] : [el("p", {}, state.message),
    el("a", { class: "button primary", href: "/", id: "back-to-queues" }, "Back to your queues")]));
  for (const id of ["submit", "reject"]) $(id).disabled = !task || state.busy || !!state.conflict;
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
  $("mark").textContent = state.recording ? "● Recording: release H" : state.open == null ? "Start segment (Z)" : "End segment (Z)";
  $("mark").classList.toggle("recording", state.recording);
  suggestionBar(state);
  drawTimeline($("overview"), state, { from: 0, to: task.duration, zoomed: false, sprite: state.sprite });
  drawTimeline($("zoom"), state, { from: state.view.start, to: state.view.end, zoomed: true, sprite: state.sprite });
  // The list changes only with the segments: rebuilding it on every frame of playback would swallow clicks.
  const listKey = JSON.stringify([state.segments, state.selected]);
  if (listKey !== renderedList) {
    renderedList = listKey;
    $("segment-list").querySelector("tbody").replaceChildren(...segmentRows(state));
  }
  $("segment-count").textContent = `${state.segments.length} segment${state.segments.length === 1 ? "" : "s"}`;
}
