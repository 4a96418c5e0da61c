// Pure functions of the lanes view (issue 15 item 2): merging the annotators' lanes, and the decision to store.
// The result lane is edited with the timeline's own model (timeline/model.js): same snapping, same undo.
import { round3 } from "../common/frames.js";
import { fromDraft, toPairs } from "../timeline/model.js";

const EPS = 1e-6;

// Merge: the time that at least half of the lanes mark (a rejection marks nothing), as [start, end] pairs.
// Two lanes: their union; three: what two of three mark. Each lane's own overlaps count once.
export function mergeLanes(lanes) {
  const n = lanes.length;
  if (!n) return [];
  const times = [...new Set(lanes.flatMap((lane) => lane.segments.flat()))].sort((a, b) => a - b);
  const out = [];
  for (let i = 0; i + 1 < times.length; i++) {
    const [a, b] = [times[i], times[i + 1]];
    if (b - a < EPS) continue;
    const mid = (a + b) / 2;
    const marking = lanes.filter((lane) => lane.segments.some(([s, e]) => s <= mid && mid < e)).length;
    if (marking * 2 < n) continue;
    const last = out[out.length - 1];
    if (last && Math.abs(last[1] - a) < EPS) last[1] = b;
    else out.push([a, b]);
  }
  return out.map(([s, e]) => [round3(s), round3(e)]);
}

// The result lane's state from a lane's segments (take) or from merged pairs.
export function resultFrom(pairs) {
  return fromDraft({ segments: pairs }).segments;
}

const samePairs = (x, y) => x.length === y.length && x.every(([s, e], i) => Math.abs(s - y[i][0]) < 5e-4 && Math.abs(e - y[i][1]) < 5e-4);

// What is sent: "taken" while the result is a lane as it is, "merged" while it is the merge untouched, else "edited"
// (with the lane it started from, if any).
export function decisionBody(state) {
  const segments = toPairs(state.segments);
  const lane = state.lanes.find((l) => l.uid === state.takenFrom);
  if (state.origin === "taken" && lane && samePairs(segments, lane.segments)) return { source: "taken", taken: lane.uid, segments };
  if (state.origin === "merged" && samePairs(segments, mergeLanes(state.lanes))) return { source: "merged", segments };
  return { source: "edited", taken: lane ? lane.uid : null, segments };
}
