// Drawing the timelines from state: the overview of the whole video and the zoomed window under it.
// Every call redraws from state (a few dozen elements), except the thumbnail canvases, which are cached by view.
import { el } from "../common/api.js";
import { drawFilmStrip, secondTicks } from "../common/filmstrip.js";
import { fmt, frameAt } from "../common/frames.js";
import { decisions, selected, waiting } from "./suggestions.js";

export function clock(state) {
  const fps = state.task.fps;
  const k = frameAt(state.time, fps);
  return `${fmt(k / fps)} s · frame ${k} / ${Math.max(0, Math.round(state.task.duration * fps) - 1)}`;
}

// One timeline: thumbs canvas + marks + segments + playhead, for the time range [from, to] of `box`'s width.
export function drawTimeline(box, state, { from, to, zoomed, sprite }) {
  const width = box.clientWidth;
  const pps = width / Math.max(1e-6, to - from);
  const x = (t) => (t - from) * pps;
  const layer = box.querySelector(".layer");
  const nodes = [];
  if (zoomed) nodes.push(...secondTicks(from, to, pps));
  for (const mark of state.task.marks) {
    if (mark.end < from || mark.start > to) continue;
    nodes.push(el("div", { class: `mark ${mark.value === 1 ? "pos" : "neg"}`, title: `grid clip: ${mark.value === 1 ? "positive" : "negative"}`,
      style: `left:${x(mark.start)}px;width:${Math.max(2, (mark.end - mark.start) * pps)}px` }));
  }
  // Suggestions under the segments: outlined and hatched, with their score; the selected one has handles (zoomed).
  // The selected one last, so its handles lie on top of its neighbours.
  const shown = waiting(state).sort((a, b) => (a.id === state.selectedSuggestion) - (b.id === state.selectedSuggestion));
  for (const p of shown) {
    if (p.end < from || p.start > to) continue;
    const chosen = p.id === state.selectedSuggestion;
    const node = el("div", { class: `suggestion${chosen ? " selected" : ""}`,
      dataset: { suggestion: String(p.id), start: fmt(p.start), end: fmt(p.end), score: String(p.score) },
      title: `suggestion ${fmt(p.start)}–${fmt(p.end)} s, score ${p.score.toFixed(2)}: A accept · X dismiss · Tab next`,
      style: `left:${x(p.start)}px;width:${Math.max(2, (p.end - p.start) * pps)}px` },
    zoomed ? el("span", { class: "score" }, p.score.toFixed(2)) : "");
    if (zoomed && chosen) {
      node.append(el("span", { class: "handle start", dataset: { edge: "start", suggestion: String(p.id) }, title: "drag to accept with this start" }),
        el("span", { class: "handle end", dataset: { edge: "end", suggestion: String(p.id) }, title: "drag to accept with this end" }));
    }
    nodes.push(node);
  }
  state.segments.forEach((s, index) => {
    if (s.end < from || s.start > to) return;
    const selected = s.id === state.selected;
    const looping = s.id === state.loop;
    const node = el("div", { class: `segment${selected ? " selected" : ""}${looping ? " looping" : ""}`, dataset: { id: String(s.id), index: String(index), start: fmt(s.start), end: fmt(s.end) },
      title: `${fmt(s.start)}–${fmt(s.end)} s${looping ? " (looping: L stops)" : ""}`, style: `left:${x(s.start)}px;width:${Math.max(2, (s.end - s.start) * pps)}px` },
      zoomed ? el("span", { class: "label" }, `${index + 1}${looping ? " ⟲ loop" : ""}`) : "");
    if (zoomed && selected) {
      node.append(el("span", { class: "handle start", dataset: { edge: "start", id: String(s.id) }, title: "drag to move the start" }),
        el("span", { class: "handle end", dataset: { edge: "end", id: String(s.id) }, title: "drag to move the end" }));
    }
    nodes.push(node);
  });
  if (state.open != null) {
    const a = Math.min(state.open, state.time), b = Math.max(state.open, state.time);
    // The edge at the playhead is still open: drawn dashed until `z` closes it.
    nodes.push(el("div", { class: `segment open ${state.time >= state.open ? "open-end" : "open-start"}`, dataset: { start: fmt(state.open) },
      style: `left:${x(a)}px;width:${Math.max(2, (b - a) * pps)}px` }));
  }
  // Shot cuts (mining's shots): thin ticks the edges snap to (Shift, N) and { } jump between.
  for (const cut of state.task.cuts || []) {
    if (cut >= from && cut <= to) nodes.push(el("div", { class: "cut", dataset: { t: fmt(cut) }, title: `shot cut ${fmt(cut)} s`, style: `left:${x(cut)}px` }));
  }
  if (!zoomed) {
    nodes.push(el("div", { class: "window", style: `left:${x(state.view.start)}px;width:${(state.view.end - state.view.start) * pps}px` }));
  }
  nodes.push(el("div", { class: "playhead", style: `left:${x(state.time)}px` }));
  layer.replaceChildren(...nodes);
  box.dataset.viewStart = String(from);
  box.dataset.viewEnd = String(to);
  drawFilmStrip(box.querySelector("canvas"), { from, to, sprite, meta: state.task.sprite, width });
}

// The segment list; its Go and Delete buttons name their segment (input.js handles the clicks).
export function segmentRows(state) {
  return state.segments.map((s, index) => el("tr", { class: s.id === state.selected ? "selected" : "", dataset: { start: fmt(s.start), end: fmt(s.end), from: s.from != null ? String(s.from) : "" } },
    el("td", { class: "num" }, index + 1, s.from != null ? el("span", { class: "from-suggestion", title: "accepted from a suggestion" }, " ✦") : ""),
    el("td", { class: "num" }, fmt(s.start)),
    el("td", { class: "num" }, fmt(s.end)),
    el("td", { class: "num" }, fmt(s.end - s.start)),
    el("td", {}, el("button", { class: "small", dataset: { action: "go", id: String(s.id) } }, "Go"), " ",
      el("button", { class: "small", dataset: { action: "delete", id: String(s.id) } }, "Delete"))));
}

// The bar above the timelines: what the suggestions are (or why there are none) and the decisions so far.
export function suggestionBar(state) {
  const $ = (id) => document.getElementById(id);
  const s = state.suggestions;
  const bar = $("suggestion-bar");
  bar.hidden = !s || s.state === "off";
  if (bar.hidden) return;
  bar.dataset.state = s.state;
  const left = waiting(state);
  const chosen = selected(state);
  const counts = decisions(state);
  let text = s.message;
  if (s.state === "ready" && s.items.length) {
    text = `${left.length} waiting · ${counts.accepted.length} accepted · ${counts.dismissed.length} dismissed`;
    if (chosen) text += ` · selected ${chosen.start.toFixed(2)}–${chosen.end.toFixed(2)} s, score ${chosen.score.toFixed(2)}`;
  }
  $("suggestion-status").textContent = text;
  for (const id of ["suggestion-prev", "suggestion-next"]) $(id).disabled = !left.length;
  for (const id of ["suggestion-accept", "suggestion-dismiss"]) $(id).disabled = !chosen;
}
