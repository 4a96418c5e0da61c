// Drawing the trim tool's two bars from state: the window around the clip, and the zoomed part of it with frame ticks.
import { el } from "../common/api.js";
import { drawFilmStrip, secondTicks } from "../common/filmstrip.js";
import { fmt, tickStep } from "../common/frames.js";

const FRAME_STEPS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500];
const FRAME_TICKS_FROM_PX = 5; // one tick per frame once a frame is this wide

export function clock(state) {
  const fps = state.ctx.fps;
  return `frame ${state.frame} / ${state.ctx.frame_count - 1} · ${fmt(state.frame / fps)} s`;
}

// One bar for tool times [from, to]: ruler, the grid clip's span, the selection (with drag handles when zoomed), the
// current frame, and on the window bar the zoomed part as a box.
export function drawBar(box, state, { from, to, zoomed, sprite }) {
  const fps = state.ctx.fps;
  const width = box.clientWidth;
  const pps = width / Math.max(1e-6, to - from);
  const x = (t) => (t - from) * pps;
  const nodes = zoomed ? frameRuler(from, to, pps, fps) : secondRuler(from, to, pps, "top");
  if (zoomed) nodes.push(...secondRuler(from, to, pps, "bottom"));
  const [clipFirst, clipLast] = state.ctx.clip_frames;
  nodes.push(el("div", { class: "clip-span", title: `the grid clip: frames ${clipFirst}–${clipLast}`,
    style: `left:${x(clipFirst / fps)}px;width:${Math.max(1, ((clipLast + 1 - clipFirst) / fps) * pps)}px` }));
  const sel = state.sel;
  if (sel.first != null) {
    const left = x(sel.first / fps), right = x((sel.last + 1) / fps);
    const node = el("div", { class: `selection${state.loop ? " looping" : ""}`, dataset: { first: String(sel.first), last: String(sel.last) },
      title: `frames ${sel.first}–${sel.last}`, style: `left:${left}px;width:${Math.max(2, right - left)}px` });
    if (zoomed) {
      node.append(el("span", { class: "handle start", dataset: { edge: "start" }, title: "drag to move the first frame" }),
        el("span", { class: "handle end", dataset: { edge: "end" }, title: "drag to move the last frame" }));
    }
    nodes.push(node);
  }
  if (!zoomed) {
    nodes.push(el("div", { class: "view-box", style: `left:${x(state.view.start)}px;width:${(state.view.end - state.view.start) * pps}px` }));
  }
  // The current frame: a cell as wide as the frame when there is room, and a line at its middle.
  const frameWidth = pps / fps;
  if (zoomed && frameWidth >= FRAME_TICKS_FROM_PX) {
    nodes.push(el("div", { class: "frame-cell", style: `left:${x(state.frame / fps)}px;width:${frameWidth}px` }));
  }
  nodes.push(el("div", { class: "playhead", style: `left:${x((state.frame + 0.5) / fps)}px` }));
  box.querySelector(".layer").replaceChildren(...nodes);
  box.dataset.viewStart = String(from);
  box.dataset.viewEnd = String(to);
  drawFilmStrip(box.querySelector("canvas"), { from, to, sprite, meta: state.ctx.media && state.ctx.media.sprite, width });
}

function secondRuler(from, to, pps, where) {
  return secondTicks(from, to, pps, { minPx: where === "top" ? 70 : 90, className: `tick seconds ${where}` });
}

// Frame numbers along the top; a short tick per frame when frames are wide enough to tell apart.
function frameRuler(from, to, pps, fps) {
  const ppf = pps / fps;
  const label = tickStep(FRAME_STEPS, ppf, 44);
  const out = [];
  const first = Math.max(0, Math.ceil(from * fps - 1e-6)), last = Math.floor(to * fps + 1e-6);
  for (let k = first; k <= last; k++) {
    const labelled = k % label === 0;
    if (!labelled && ppf < FRAME_TICKS_FROM_PX) continue;
    out.push(el("div", { class: `tick frame${labelled ? " labelled" : ""}`, style: `left:${(k / fps - from) * pps}px` },
      labelled ? el("span", {}, String(k)) : ""));
  }
  return out;
}
