// Keys for long actions (issue 14): hold H to record a segment while the video plays, C to continue from the previous
// segment to the playhead, K to split the segment under the playhead, N to snap an edge to the nearest cut or
// segment edge; with Shift, H, C, K and Z snap the times they mark. Loop and cut jumps are playback (player.js).
// The pure edits are in spans.js; each one is an undo step and triggers an autosave (edits.js edit).
import { changed } from "./autosave.js";
import { edit } from "./edits.js";
import * as model from "./model.js";
import * as spans from "./spans.js";
import { state, video } from "./state.js";
import { flash, render } from "./view.js";

const at = (event) => (event && event.shiftKey ? spans.snapped(state, state.time) : state.time);

// --- H held: record ------------------------------------------------------------------------------------------------

let recording = null; // {before, startedPlayback} while H is held

// Keydown of H: the segment opens at the playhead (drawn like an open Z segment) and the video plays if it was paused.
// The key's auto-repeat is ignored: one hold, one segment.
export function recordStart(event) {
  if (event.repeat || recording) return;
  if (state.open != null) return flash("A segment is open: close it with Z (or cancel it with Esc) before recording.");
  recording = { before: model.snapshot(state), startedPlayback: video.paused };
  state.open = model.snap(at(event), state.task.fps);
  state.selected = null;
  state.recording = true;
  if (video.paused) video.play().catch(() => {});
  render();
}

// Keyup of H (or the window losing focus while it is held): the segment ends at the playhead, as one undo step from
// before the keydown. A video the hold started is paused again. Nothing happens if the open segment went meanwhile
// (Esc, undo).
export function recordEnd(event) {
  if (!recording) return;
  const { before, startedPlayback } = recording;
  recording = null;
  state.recording = false;
  if (startedPlayback) video.pause();
  state.time = video.currentTime;
  const start = state.open;
  if (start == null) return render();
  state.open = null;
  edit(() => {
    const message = spans.addSegment(state, start, at(event), state.task.fps, before);
    return message && `${message} Hold H a little longer.`;
  });
}

export const isRecording = () => recording != null;

// --- C, K, N -------------------------------------------------------------------------------------------------------

// C: a new segment from the end of the previous one to the playhead (Shift: the playhead snapped).
export const extend = (event) => edit(() => spans.extend(state, state.task.fps, at(event)));

// K: split the segment under the playhead there (Shift: at the cut or edge nearest the playhead).
export const split = (event) => edit(() => spans.split(state, state.task.fps, at(event)));

// N: snap the selected segment's edge nearer the playhead to the nearest cut or other segment's edge in reach.
export function snapEdge() {
  const segment = state.segments.find((s) => s.id === state.selected);
  if (!segment) return flash("Select a segment first (click it, or [ and ]).");
  const target = spans.edgeSnap(state, segment);
  if (typeof target === "string") return flash(target);
  model.remember(state);
  state.segments = model.moveEdge(state.segments, segment.id, target.edge, target.to, state.task.fps, state.task.duration);
  changed();
  render();
}
