// The qualification set's videos (issue 15): the annotator plays each one and marks where the action starts and
// ends, as on the timeline, with the keys it uses ([ and ] at the playhead). Only the marks leave the page; the known
// segments never reach it, and the answer is scored with the clips (the score only).
import { el } from "../common/api.js";

const secs = (t) => `${t.toFixed(2)} s`;

// One card per video; `marks` is a Map uid -> [[start, end], …] that this module keeps; `changed` re-renders.
export function buildVideoCards(container, videos, marks, changed, { classNames = false } = {}) {
  const hint = el("p", { class: "hint" }, "Play each video and mark every time the action happens: where it starts ",
    el("kbd", {}, "["), " and where it ends ", el("kbd", {}, "]"), ". Leave a video empty if the action does not happen in it.");
  container.replaceChildren(...(videos.length ? [hint] : []), ...videos.map((v) => card(v, marks, changed, classNames)));
}

function card(v, marks, changed, classNames) {
  const video = el("video", { src: v.video_url, controls: true, preload: "metadata", muted: true, playsinline: true });
  const list = el("ol", { class: "marks" });
  const open = el("span", { class: "open muted" }, "");
  let start = null;
  const draw = () => {
    const pairs = marks.get(v.item);
    list.replaceChildren(...pairs.map(([s, e], i) => el("li", {}, `${secs(s)} – ${secs(e)} `,
      el("button", { class: "small link remove", onclick: () => { pairs.splice(i, 1); draw(); } }, "remove"))));
    open.textContent = start == null ? (pairs.length ? "" : "no action marked: submit as is if it does not happen")
      : `started at ${secs(start)}: mark the end`;
    changed();
  };
  const markStart = () => { start = video.currentTime; draw(); };
  const markEnd = () => {
    const end = Math.min(video.currentTime, v.duration || video.currentTime);
    if (start == null || end <= start) return;
    marks.get(v.item).push([start, end]);
    marks.get(v.item).sort((a, b) => a[0] - b[0]);
    start = null;
    draw();
  };
  const box = el("section", { class: "card qvideo", tabindex: "0", dataset: { item: v.item },
    onkeydown: (e) => {
      if (e.key === "[") { e.preventDefault(); markStart(); }
      else if (e.key === "]") { e.preventDefault(); markEnd(); }
    } },
  classNames ? el("h3", {}, v.action_class) : "",
  video,
  el("p", {}, el("button", { class: "mark-start", onclick: markStart }, "Action starts here ["), " ",
    el("button", { class: "mark-end", onclick: markEnd }, "Action ends here ]"), " ", open),
  list);
  draw();
  return box;
}
