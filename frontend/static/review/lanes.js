// The lanes view (issue 15 item 2): the video, one read-only lane per annotator, and the reviewer's result lane.
// Take a lane (its button or keys 1-9), merge (M), or edit the result with the timeline's keys: Z marks a segment's
// start and end at the playhead, S / E move the selected segment's start / end to the playhead, Delete removes it,
// Ctrl+Z undoes. Save stores the decision beside the annotations (quality/api_review_videos.py).
import { api, el, keyBelongsToForm } from "../common/api.js";
import { clamp, fmt } from "../common/frames.js";
import { notify } from "../common/notice.js";
import { moveEdge, remember, removeSelected, toggleMark, undo } from "../timeline/model.js";
import { decisionBody, mergeLanes, resultFrom } from "./lanes_model.js";

const root = document.getElementById("lanes-app");
const player = document.getElementById("player");
const FPS = 25; // edits snap to 1/25 s: the proxy's rate is not needed to settle a decision
const state = {
  id: Number(root.dataset.video), duration: 1, lanes: [], segments: [], selected: null, open: null,
  past: [], future: [], time: 0, origin: null, takenFrom: null, saved: false,
};

const pct = (t) => `${(100 * clamp(t, 0, state.duration)) / state.duration}%`;

function block(start, end, cls, attrs = {}) {
  return el("div", { class: `lane-seg ${cls}`, title: `${fmt(start)}–${fmt(end)} s`,
    style: `left:${pct(start)};width:${pct(end - start)}`, ...attrs });
}

function track(children) {
  const box = el("div", { class: "lane-track", onclick: (e) => seekFromClick(e) }, children);
  box.append(el("div", { class: "lane-playhead", style: `left:${pct(state.time)}` }));
  return box;
}

function seekFromClick(event) {
  const box = event.currentTarget.getBoundingClientRect();
  player.currentTime = state.time = clamp(((event.clientX - box.left) / box.width) * state.duration, 0, state.duration);
  render();
}

function laneRow(lane, index) {
  const segments = lane.segments.map(([s, e]) => block(s, e, "annotator"));
  const rejected = lane.status === "rejected" ? el("span", { class: "muted" }, " (rejected: no such action)") : "";
  return el("div", { class: "lane", dataset: { annotator: lane.annotator } },
    el("div", { class: "lane-head" }, el("b", {}, `${index + 1}. ${lane.annotator}`), rejected,
      el("button", { type: "button", class: "take small", dataset: { uid: lane.uid }, title: `Take this annotation (${index + 1})`,
        onclick: () => take(index) }, "Take this annotation")),
    track(segments));
}

function resultRow() {
  const segments = state.segments.map((s) => block(s.start, s.end, `result${s.id === state.selected ? " selected" : ""}`, {
    dataset: { id: String(s.id) },
    onclick: (e) => { e.stopPropagation(); state.selected = s.id; render(); },
  }));
  if (state.open != null) segments.push(block(Math.min(state.open, state.time), Math.max(state.open, state.time), "result open"));
  const body = decisionBody(state);
  return el("div", { class: "lane result-lane" },
    el("div", { class: "lane-head" }, el("b", {}, "Result (editable)"),
      el("span", { class: "muted", id: "result-source" }, ` ${body.source} · ${body.segments.length} segment(s)`)),
    track(segments));
}

function render() {
  document.getElementById("lanes").replaceChildren(...state.lanes.map(laneRow), resultRow());
  document.getElementById("clock").textContent = `${fmt(state.time)} s`;
}

function take(index) {
  const lane = state.lanes[index];
  if (!lane) return;
  state.segments = resultFrom(lane.segments);
  Object.assign(state, { origin: "taken", takenFrom: lane.uid, selected: null, open: null, past: [], future: [] });
  render();
}

function merge() {
  state.segments = resultFrom(mergeLanes(state.lanes));
  Object.assign(state, { origin: "merged", takenFrom: null, selected: null, open: null, past: [], future: [] });
  render();
}

async function save() {
  if (state.saved) return;
  const body = decisionBody(state);
  try {
    await api(`/api/review/videos/${state.id}/decide/`, { method: "POST", body });
    state.saved = true;
    notify(`Decision stored (${body.source}, ${body.segments.length} segment(s)); the annotators' segments are kept.`, {
      hideAfterMs: 0, action: { label: "Back to the queue", run: () => { window.location.href = "/review/"; } },
    });
    document.getElementById("saved").hidden = false;
  } catch (error) {
    notify(error.message, { kind: "error" });
  }
}

function edit(fn) {
  const message = fn();
  if (typeof message === "string" && message) notify(message, { kind: "warn" });
  render();
}

document.getElementById("merge").addEventListener("click", merge);
document.getElementById("save").addEventListener("click", save);
document.getElementById("play").addEventListener("click", () => (player.paused ? player.play() : player.pause()));
player.addEventListener("timeupdate", () => { state.time = player.currentTime; render(); });

document.addEventListener("keydown", (event) => {
  if (keyBelongsToForm(event) || event.altKey || event.metaKey) return;
  const key = event.key.toLowerCase();
  if (event.ctrlKey && key === "z") edit(() => undo(state));
  else if (event.ctrlKey) return;
  else if (/^[1-9]$/.test(key)) take(Number(key) - 1);
  else if (key === "m") merge();
  else if (key === "z") edit(() => toggleMark(state, FPS));
  else if ((key === "s" || key === "e") && state.selected != null) {
    edit(() => {
      remember(state);
      state.segments = moveEdge(state.segments, state.selected, key === "s" ? "start" : "end", state.time, FPS, state.duration);
    });
  } else if (key === "delete" || key === "backspace") edit(() => removeSelected(state));
  else if (key === " ") { if (player.paused) player.play(); else player.pause(); }
  else return;
  event.preventDefault();
});

async function load() {
  try {
    const data = await api(`/api/review/videos/${state.id}/`);
    state.duration = Math.max(0.001, data.duration);
    state.lanes = data.lanes;
    if (data.media) player.src = data.media;
    render();
  } catch (error) {
    notify(error.message, { kind: "error", hideAfterMs: 0 });
  }
}

load();
