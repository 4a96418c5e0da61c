// S-CNN suggestions (issue 6): proposals shown on the timelines that the annotator accepts, adjusts or dismisses.
// Pure functions on the timeline's state, like model.js; edits.js and input.js call them and render.
//
// A suggestion is never an annotation. Accepting one (A) makes an ordinary segment of the annotator's own, marked
// with the suggestion it came from (`from`), selected so it can be adjusted at once (S / E, or drag its edges).
// S / E on a selected suggestion accept it with that edge moved to the playhead, and dragging a selected suggestion's
// edge accepts it too: adjusting before or after accepting is the same edit. Dismissing (X) hides it. Deleting a
// segment that came from a suggestion counts as dismissing the suggestion. Every one of these is an undo step.
import { newId, remember, sorted } from "./model.js";

const EPS = 1e-3;

export function items(state) {
  return (state.suggestions && state.suggestions.items) || [];
}

export function isAccepted(state, id) {
  return state.segments.some((s) => s.from === id);
}

// What is shown. S-CNN's NMS compares tIoU, and a short window nested in a longer one has a low tIoU with it, so
// the windows inside a confident stretch survive beside the one that spans it (16-frame windows holding a single
// sampled frame of the action score as high as the whole action). Shown, they would bury the useful suggestion under
// a dozen slivers. So a suggestion at least half of which lies inside a better-ranked suggestion is not shown on its
// own: it goes with that one (dismissed with it, hidden when it is accepted). Likewise a suggestion half inside one
// of the annotator's segments has nothing left to suggest. The stored proposals (and AR@AN) keep them all.
export const INSIDE = 0.5;

const overlap = (a, b) => Math.min(a.end, b.end) - Math.max(a.start, b.start);

export function isNested(state, p) {
  return items(state).some((q) => q.rank < p.rank && overlap(p, q) >= INSIDE * (p.end - p.start));
}

export function isCovered(state, p) {
  return state.segments.some((s) => overlap(p, s) >= INSIDE * (p.end - p.start));
}

// The suggestions still waiting for a decision, by start time (the longer first when two start together).
export function waiting(state) {
  return items(state).filter((p) => !state.dismissed[p.id] && !isAccepted(state, p.id) && !isCovered(state, p)
    && !isNested(state, p))
    .sort((a, b) => a.start - b.start || b.end - a.end || a.id - b.id);
}

export function selected(state) {
  return waiting(state).find((p) => p.id === state.selectedSuggestion) || null;
}

// Tab / Shift+Tab: the next / previous waiting suggestion after the selected one, or after the playhead when none is
// selected; wraps around at the ends.
export function step(state, direction) {
  const list = waiting(state);
  if (!list.length) return null;
  const current = list.findIndex((p) => p.id === state.selectedSuggestion);
  if (current >= 0) return list[(current + direction + list.length) % list.length];
  if (direction > 0) return list.find((p) => p.start >= state.time - EPS) || list[0];
  return [...list].reverse().find((p) => p.start < state.time - EPS) || list[list.length - 1];
}

// A: the suggestion becomes a segment of the annotator's own (selected). Returns it.
export function accept(state, suggestion, { record = true } = {}) {
  if (record) remember(state);
  const segment = { id: newId(), start: suggestion.start, end: suggestion.end, from: suggestion.id };
  state.segments = sorted([...state.segments, segment]);
  state.selected = segment.id;
  state.selectedSuggestion = null;
  return segment;
}

// X: hide the suggestion.
export function dismiss(state, suggestion) {
  remember(state);
  state.dismissed = { ...state.dismissed, [suggestion.id]: true };
  state.selectedSuggestion = null;
}

// What the annotation records on submit: proposal ids accepted (submitted as segments), adjusted (of those, the
// edges differ from the suggestion's) and dismissed.
export function decisions(state) {
  const byId = new Map(items(state).map((p) => [p.id, p]));
  const accepted = [], adjusted = [];
  for (const segment of state.segments) {
    const p = byId.get(segment.from);
    if (!p || accepted.includes(p.id)) continue;
    accepted.push(p.id);
    if (Math.abs(segment.start - p.start) > EPS || Math.abs(segment.end - p.end) > EPS) adjusted.push(p.id);
  }
  const dismissed = Object.keys(state.dismissed).map(Number).filter((id) => byId.has(id) && !accepted.includes(id));
  return { accepted, adjusted, dismissed };
}

// The draft keeps which segment came from which suggestion (aligned with the sorted segment pairs) and the dismissed.
export function toDraft(state) {
  return { origins: sorted(state.segments).map((s) => s.from ?? null), dismissed: Object.keys(state.dismissed).map(Number) };
}

export function fromDraft(draft) {
  const dismissed = {};
  for (const id of (draft && draft.dismissed) || []) dismissed[id] = true;
  return { origins: (draft && draft.origins) || [], dismissed };
}
