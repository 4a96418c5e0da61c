// Edits of the segments and decisions on the suggestions. Each one is an undo step (model.js) and triggers an autosave.
import * as model from "./model.js";
import { snapped } from "./spans.js";
import * as sugg from "./suggestions.js";
import { changed } from "./autosave.js";
import { seek, setView } from "./player.js";
import { state, video } from "./state.js";
import { flash, render } from "./view.js";

// Run an edit of model.js; a message it answers means nothing was done and why.
export function edit(fn) {
  const message = fn();
  if (typeof message === "string" && message) return flash(message);
  changed();
  render();
}

// `z`: open a segment at the playhead, or close the open one there. Shift+Z: at the cut or segment edge nearest the
// playhead, if one is in reach (spans.js SNAP_SECONDS).
export const toggleMark = (snapping = false) =>
  edit(() => model.toggleMark(state, state.task.fps, snapping ? snapped(state, state.time) : state.time));

// Esc: cancel the open segment, else clear the selection.
export function escape() {
  if (model.cancelOpen(state)) changed();
  else { state.selected = null; state.selectedSuggestion = null; }
  render();
}

export function undo() { if (model.undo(state)) changed(); render(); }
export function redo() { if (model.redo(state)) changed(); render(); }

export function select(segment) {
  state.selected = segment ? segment.id : null;
  state.selectedSuggestion = null;
  render();
}

// The segment list's "Go": select the segment and show its first frame.
export function goToSegment(segment) {
  video.pause();
  state.selected = segment.id;
  seek(segment.start);
}

// S / E: move the selected segment's start / end to the playhead.
export function setEdge(edge) {
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

export function deleteSegment(segment) {
  if (segment) state.selected = segment.id;
  if (!model.removeSelected(state)) return flash("Select a segment to delete (click it, or [ and ]).");
  changed();
  render();
}

// --- suggestions (S-CNN proposals): Tab / Shift+Tab select, A accept, X dismiss -------------------------------------

export function selectSuggestion(suggestion, { seekTo = true } = {}) {
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

export function stepSuggestion(direction) {
  const next = sugg.step(state, direction);
  if (!next) return flash(sugg.items(state).length ? "No suggestions left: every one is accepted or dismissed." : "There are no suggestions for this video.");
  selectSuggestion(next);
}

export function acceptSuggestion() {
  const chosen = sugg.selected(state);
  if (!chosen) return flash("Select a suggestion first (Tab).");
  sugg.accept(state, chosen);
  changed();
  render();
}

export function dismissSuggestion() {
  const chosen = sugg.selected(state);
  if (!chosen) return flash("Select a suggestion first (Tab).");
  sugg.dismiss(state, chosen);
  changed();
  // Straight on to the next one: triage is Tab / A / X without looking for the mouse.
  const next = sugg.step(state, 1);
  if (next) selectSuggestion(next); else render();
}
