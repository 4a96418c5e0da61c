// Pure functions of the trim tool: the selection and its edits. No DOM here.
//
// Time base (backend/curation/selectors_trim.py): frame k counts from the video's first frame and is on screen from
// k / fps to (k + 1) / fps of tool time (common/frames.js). The player's media time is origin + tool time (origin 0 for
// the timeline proxy; the first frame's own timestamp for a source file), so the frame on screen is
// frameAt(currentTime - origin).
import { clamp } from "../common/frames.js";

// `[` at frame k: the action starts there; a last frame before it moves along (a selection is never empty).
export function setFirst(sel, k) {
  return { first: k, last: sel.last == null || sel.last < k ? k : sel.last };
}

// `]` at frame k: the action ends there; a first frame after it moves along.
export function setLast(sel, k) {
  return { first: sel.first == null || sel.first > k ? k : sel.first, last: k };
}

// Dragging an edge to tool time t: the start edge snaps to the nearest frame boundary (that frame becomes the
// first), the end edge likewise (the frame before the boundary becomes the last); one frame always stays selected.
export function dragEdge(sel, edge, t, fps, lo, hi) {
  const boundary = Math.round(t * fps);
  if (edge === "start") return { first: clamp(boundary, lo, sel.last), last: sel.last };
  return { first: sel.first, last: clamp(boundary - 1, sel.first, hi) };
}

export function describe(sel, fps) {
  if (sel.first == null || sel.last == null) return null;
  const frames = sel.last - sel.first + 1;
  return { frames, start: sel.first / fps, end: (sel.last + 1) / fps, duration: frames / fps };
}

// What Save stores; two equal snapshots mean nothing is unsaved.
export function snapshot(state) {
  return JSON.stringify([state.sel.first, state.sel.last, state.people, state.cameraMoving]);
}

// `m`: not set or still → moving; moving → still.
export const toggleCamera = (value) => value !== true;
