// Keyboard and pointer: the keymap (the help dialog lists it, `?`), clicks and drags on the timelines, the wheel, and
// the buttons that do what a key does. The task's own actions (submit, reject) come from timeline.js.
import { keyBelongsToForm } from "../common/api.js";
import { helpDialog, releaseFocusAfterClick } from "../common/controls.js";
import { timeAt } from "../common/filmstrip.js";
import { frameAt, frameMiddle } from "../common/frames.js";
import * as model from "./model.js";
import * as sugg from "./suggestions.js";
import { changed } from "./autosave.js";
import * as edits from "./edits.js";
import * as long from "./long_actions.js";
import { follow, jump, jumpCut, pan, seek, setRate, stepFrames, stepRate, toggleLoop, togglePlay, zoom } from "./player.js";
import { $, state, video } from "./state.js";
import { render } from "./view.js";

// --- pointer: seek, select, drag edges ------------------------------------------------------------------------------

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
  if (segmentNode) return edits.select(state.segments.find((s) => s.id === Number(segmentNode.dataset.id)));
  if (suggestionNode) {
    const chosen = sugg.items(state).find((p) => p.id === Number(suggestionNode.dataset.suggestion));
    return edits.selectSuggestion(chosen, { seekTo: false });
  }
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
  video.currentTime = frameMiddle(frameAt(drag.edge === "start" ? moved.start : moved.end, state.task.fps), state.task.fps);
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

// --- the reject dialog (its form calls reject) -----------------------------------------------------------------

function openReject() {
  if (!state.task) return;
  video.pause();
  $("reject-form").reset();
  $("reject-dialog").showModal();
}

// --- wiring --------------------------------------------------------------------------------------------------------

export function wireInput({ submit, reject }) {
  const toggleHelp = helpDialog($("help-dialog"));
  const keys = {
    " ": togglePlay,
    z: (e) => edits.toggleMark(e.shiftKey),
    Escape: edits.escape,
    Delete: () => edits.deleteSegment(),
    Backspace: () => edits.deleteSegment(),
    ",": () => stepFrames(-1),
    ".": () => stepFrames(1),
    "<": () => stepRate(-1),
    ">": () => stepRate(1),
    ArrowLeft: (e) => seek(state.time - (e.shiftKey ? 5 : 1)),
    ArrowRight: (e) => seek(state.time + (e.shiftKey ? 5 : 1)),
    "[": () => jump(-1),
    "]": () => jump(1),
    s: () => edits.setEdge("start"),
    e: () => edits.setEdge("end"),
    "+": () => zoom(0.5),
    "=": () => zoom(0.5),
    "-": () => zoom(2),
    r: openReject,
    "?": toggleHelp,
    Tab: (e) => edits.stepSuggestion(e.shiftKey ? -1 : 1),
    a: edits.acceptSuggestion,
    x: edits.dismissSuggestion,
    // long actions (long_actions.js, player.js); Shift with H, C, K, Z snaps to the nearest cut or segment edge
    h: long.recordStart,
    c: long.extend,
    k: long.split,
    n: long.snapEdge,
    l: toggleLoop,
    "{": () => jumpCut(-1),
    "}": () => jumpCut(1),
  };
  document.addEventListener("keydown", (e) => {
    if (keyBelongsToForm(e)) return;
    if (!state.task || state.busy) return;
    const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
    const ctrl = e.ctrlKey || e.metaKey;
    if (ctrl && key === "z") { e.preventDefault(); if (e.shiftKey) edits.redo(); else edits.undo(); return; }
    if (ctrl && key === "y") { e.preventDefault(); edits.redo(); return; }
    if (ctrl && e.key === "Enter") { e.preventDefault(); if (!e.repeat) submit(); return; } // held: one press
    if (ctrl || e.altKey) return;
    const action = keys[e.key] || keys[key];
    if (!action) return;
    e.preventDefault();
    action(e);
  });
  // The end of a hold of H, wherever the focus went meanwhile; a window left while H is held ends it there too.
  document.addEventListener("keyup", (e) => { if (e.key.toLowerCase() === "h") long.recordEnd(e); });
  window.addEventListener("blur", () => long.recordEnd(null));

  for (const id of ["overview", "zoom"]) $(id).addEventListener("pointerdown", (e) => onPointerDown(e, $(id)));
  $("zoom").addEventListener("wheel", (e) => {
    if (!state.task) return;
    e.preventDefault();
    if (e.ctrlKey || e.altKey) return zoom(e.deltaY > 0 ? 1.25 : 0.8);
    pan(e.deltaY + e.deltaX);
  }, { passive: false });
  // The segment list's buttons (view.js draws them): Go and Delete.
  $("segment-list").addEventListener("click", (e) => {
    const button = e.target.closest("button[data-action]");
    const segment = button && state.segments.find((s) => s.id === Number(button.dataset.id));
    if (!segment) return;
    if (button.dataset.action === "go") edits.goToSegment(segment); else edits.deleteSegment(segment);
  });

  const clicks = {
    submit, reject: openReject, "help-button": toggleHelp, play: togglePlay,
    "frame-back": () => stepFrames(-1), "frame-forward": () => stepFrames(1),
    "prev-segment": () => jump(-1), "next-segment": () => jump(1),
    mark: edits.toggleMark, delete: () => edits.deleteSegment(), undo: edits.undo, redo: edits.redo,
    "zoom-in": () => zoom(0.5), "zoom-out": () => zoom(2),
    "suggestion-prev": () => edits.stepSuggestion(-1), "suggestion-next": () => edits.stepSuggestion(1),
    "suggestion-accept": edits.acceptSuggestion, "suggestion-dismiss": edits.dismissSuggestion,
  };
  for (const [id, action] of Object.entries(clicks)) $(id).addEventListener("click", () => action());
  $("rate").addEventListener("change", (e) => { setRate(Number(e.target.value)); e.target.blur(); });
  releaseFocusAfterClick(".transport button, .timeline-head button, .topbar button, .suggestion-bar button");

  $("reject-form").addEventListener("submit", (e) => {
    const data = new FormData(e.target);
    if (e.submitter && e.submitter.value === "cancel") return;
    const reason = data.get("reason");
    if (!reason) { e.preventDefault(); return; }
    reject(reason, String(data.get("note") || ""));
  });
}
