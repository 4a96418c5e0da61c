// Pure functions on the timeline's state: frame snapping, segment edits and the undo/redo history.
// No DOM here; edits.js calls these and then renders. Frame math: common/frames.js.
import { clamp, frameAt, frameStart, round3 } from "../common/frames.js";

// A time snapped to the start of its frame, in whole milliseconds (what is stored and exported).
export const snap = (t, fps) => round3(frameStart(frameAt(t, fps), fps));

let nextId = 1;
export const newId = () => nextId++;

export function sorted(segments) {
  return [...segments].sort((a, b) => a.start - b.start || a.end - b.end || a.id - b.id);
}

export function snapshot(state) {
  return { segments: state.segments.map((s) => ({ ...s })), open: state.open, dismissed: { ...(state.dismissed || {}) } };
}

// Record the state before an edit: the edit becomes one undo step, and the redo branch is dropped.
export function remember(state, before = snapshot(state)) {
  state.past.push(before);
  if (state.past.length > 200) state.past.shift();
  state.future = [];
}

export function undo(state) {
  if (!state.past.length) return false;
  state.future.push(snapshot(state));
  Object.assign(state, state.past.pop());
  if (!state.segments.some((s) => s.id === state.selected)) state.selected = null;
  return true;
}

export function redo(state) {
  if (!state.future.length) return false;
  state.past.push(snapshot(state));
  Object.assign(state, state.future.pop());
  if (!state.segments.some((s) => s.id === state.selected)) state.selected = null;
  return true;
}

// `z`: the first press opens a segment at the playhead, the second closes it there (either direction works). `at`: the
// time to use instead of the playhead's (Shift+Z: snapped to a cut or segment edge, spans.js).
// Returns a message when nothing could be done, else "".
export function toggleMark(state, fps, at = state.time) {
  const t = snap(at, fps);
  if (state.open == null) {
    remember(state);
    state.open = t;
    state.selected = null;
    return "";
  }
  const start = Math.min(state.open, t);
  const end = Math.max(state.open, t);
  if (end - start < 1 / fps - 1e-6) return "A segment needs at least one frame: move the playhead, then press Z.";
  remember(state);
  const segment = { id: newId(), start, end };
  state.segments = sorted([...state.segments, segment]);
  state.open = null;
  state.selected = segment.id;
  return "";
}

export function cancelOpen(state) {
  if (state.open == null) return false;
  remember(state);
  state.open = null;
  return true;
}

export function removeSelected(state) {
  if (state.selected == null) return false;
  remember(state);
  const removed = state.segments.find((s) => s.id === state.selected);
  // A deleted segment that came from a suggestion dismisses the suggestion (it does not come back).
  if (removed && removed.from != null) state.dismissed = { ...(state.dismissed || {}), [removed.from]: true };
  state.segments = state.segments.filter((s) => s.id !== state.selected);
  state.selected = null;
  return true;
}

// Move one edge of a segment to time t (snapped), keeping at least one frame inside the segment.
export function moveEdge(segments, id, edge, t, fps, duration) {
  const one = 1 / fps;
  return sorted(segments.map((s) => {
    if (s.id !== id) return s;
    if (edge === "start") return { ...s, start: round3(clamp(snap(t, fps), 0, s.end - one)) };
    return { ...s, end: round3(clamp(snap(t, fps), s.start + one, duration)) };
  }));
}

// `[` / `]`: the segment before / after the playhead (by start time).
export function neighbour(state, direction) {
  const list = sorted(state.segments);
  const eps = 1e-3;
  if (direction < 0) return [...list].reverse().find((s) => s.start < state.time - eps) || null;
  return list.find((s) => s.start > state.time + eps) || null;
}

// `origins[i]`: the suggestion segment i came from, or null (suggestions.js toDraft).
export function fromDraft(draft, origins = []) {
  const segments = (draft.segments || []).map(([start, end], i) => {
    const from = origins[i];
    return from != null ? { id: newId(), start, end, from } : { id: newId(), start, end };
  });
  return { segments: sorted(segments), open: draft.open ?? null };
}

export function toPairs(segments) {
  return sorted(segments).map((s) => [s.start, s.end]);
}
