// Pure functions for long actions (issue 14): a new segment between two times, extend from the previous segment,
// split at the playhead, snapping an edge to the nearest cut or segment edge, and the cut (or edge) to jump to.
// No DOM here; long_actions.js calls these and then renders. Every edit is one undo step (model.js remember).
import { frameAt } from "../common/frames.js";
import { newId, remember, snap, snapshot, sorted } from "./model.js";

// How far an edge reaches for a cut or another segment's edge when snapping. Half a second: marking at 1× from the
// keyboard lands a few hundred milliseconds late (reaction time), and shots and actions of a long video rarely sit
// closer together than that, so the nearest target in reach is the one meant.
export const SNAP_SECONDS = 0.5;

const EPS = 1e-6;

// A new segment from `start` to `end` (either order, snapped to frames), selected. `before`: the state the undo step
// returns to (a recording began earlier than it ends). Returns a message when nothing was done, else "".
export function addSegment(state, start, end, fps, before = snapshot(state)) {
  const a = snap(Math.min(start, end), fps);
  const b = snap(Math.max(start, end), fps);
  if (b - a < 1 / fps - EPS) return "A segment needs at least one frame.";
  remember(state, before);
  const segment = { id: newId(), start: a, end: b };
  state.segments = sorted([...state.segments, segment]);
  state.selected = segment.id;
  return "";
}

// The segment under time t (frame-snapped): the selected one if it holds t, else the first that does.
export function segmentAt(state, t) {
  const holds = (s) => s.start <= t + EPS && t < s.end - EPS;
  return state.segments.find((s) => s.id === state.selected && holds(s)) || state.segments.find(holds) || null;
}

// Extend: a new segment from the end of the last segment ending before the playhead, to the playhead.
export function extend(state, fps, at = state.time) {
  const t = snap(at, fps);
  const inside = segmentAt(state, t);
  if (inside) return "The playhead is inside a segment: move it past the segment's end (or press E to move that end).";
  const previous = state.segments.filter((s) => s.end <= t + EPS).sort((a, b) => b.end - a.end)[0];
  if (!previous) return "No segment ends before the playhead: mark one with Z or hold H.";
  return addSegment(state, previous.end, t, fps);
}

// Split the segment under the playhead in two there; the piece after the playhead is selected. A segment accepted from
// a suggestion keeps its origin on the first piece.
export function split(state, fps, at = state.time) {
  const t = snap(at, fps);
  const target = segmentAt(state, t);
  if (!target) return "No segment under the playhead to split.";
  if (t - target.start < 1 / fps - EPS) return "The playhead is on the segment's first frame: nothing to split off.";
  remember(state);
  const second = { id: newId(), start: t, end: target.end };
  state.segments = sorted([...state.segments.filter((s) => s.id !== target.id), { ...target, end: t }, second]);
  state.selected = second.id;
  return "";
}

// What an edge can snap to: the shot cuts and the edges of the other segments.
export function snapTargets(state, excludeId = null) {
  const edges = state.segments.filter((s) => s.id !== excludeId).flatMap((s) => [s.start, s.end]);
  return [...(state.task.cuts || []), ...edges];
}

// The target nearest t within SNAP_SECONDS (frame-snapped), or null.
export function nearestTarget(t, targets, fps) {
  let best = null;
  for (const target of targets) {
    const d = Math.abs(target - t);
    if (d <= SNAP_SECONDS + EPS && (best == null || d < Math.abs(best - t))) best = target;
  }
  return best == null ? null : snap(best, fps);
}

// A time snapped to the nearest target in reach, else left as it is.
export const snapped = (state, t, excludeId = null) => nearestTarget(t, snapTargets(state, excludeId), state.task.fps) ?? t;

// `N`: which edge of the segment (the one nearer the playhead) snaps, and where to. {edge, to} or a message.
export function edgeSnap(state, segment) {
  const edge = Math.abs(state.time - segment.start) <= Math.abs(state.time - segment.end) ? "start" : "end";
  const to = nearestTarget(segment[edge], snapTargets(state, segment.id), state.task.fps);
  if (to == null) return `No shot cut or segment edge within ${SNAP_SECONDS} s of the segment's ${edge}.`;
  if (Math.abs(to - segment[edge]) < EPS) return `The segment's ${edge} is already on a cut or segment edge.`;
  return { edge, to };
}

// `{` / `}`: the shot cut before / after the playhead's frame; without cuts, the segment edge before / after it.
export function cutNeighbour(state, direction) {
  const fps = state.task.fps;
  const cuts = state.task.cuts || [];
  const points = (cuts.length ? cuts : state.segments.flatMap((s) => [s.start, s.end])).slice().sort((a, b) => a - b);
  const here = frameAt(state.time, fps);
  if (direction < 0) return [...points].reverse().find((t) => frameAt(t, fps) < here) ?? null;
  return points.find((t) => frameAt(t, fps) > here) ?? null;
}
