// Qualification (issue 15; HACS trained annotators on the guideline first): the training step shows the guideline
// and its examples; then the qualification set: clips on the grid's tiles (one click flips a clip) and videos to
// segment (videos.js); the answer is the score only, never which items were wrong. State lives in one object;
// render() draws it.
import { api, ApiError, el, keyBelongsToForm } from "../common/api.js";
import { askToAcknowledge } from "../common/clarify.js";
import { exampleVideo, showGuideline } from "../common/guideline.js";
import { notify } from "../common/notice.js";
import { OnScreenPlayback } from "../grid/playback.js";
import { buildVideoCards } from "./videos.js";

const root = document.getElementById("qualify-app");
const cfg = { project: Number(root.dataset.project), actionClass: Number(root.dataset.class) };
const $ = (id) => document.getElementById(id);
const pct = (x) => `${Math.round(x * 1000) / 10} %`;
const playback = new OnScreenPlayback();

const state = {
  step: "training", // training | answering | result
  set: null,        // {status, default_label, items:[{item, action_class, group, video_url, poster_url}], videos:[…]}
  labels: new Map(),
  segments: new Map(), // video uid -> [[start, end], …] marked
  focus: 0,
  result: null,     // {score, passed, attempts_left, pass_mark}
  busy: false,
};

async function load() {
  const [set, guideline] = await Promise.all([
    api(`/api/qualify/${cfg.project}/${cfg.actionClass}/`),
    showGuideline(cfg.actionClass),
  ]);
  state.set = set;
  state.labels = new Map(set.items.map((it) => [it.item, set.default_label]));
  state.segments = new Map(set.videos.map((v) => [v.item, []]));
  $("training-definition").textContent = guideline.definition || "No definition yet.";
  $("training-clarifications").replaceChildren(...guideline.clarifications.map((c) =>
    el("div", { class: "clarification" }, el("b", {}, "Clarification: "), c.text)));
  for (const kind of ["positive", "hard_negative"]) {
    const examples = guideline.examples.filter((e) => e.kind === kind);
    const figure = (e) => el("figure", { class: `example ${kind}` }, exampleVideo(e), el("figcaption", {}, e.note));
    $(`training-${kind}`).replaceChildren(...(examples.length ? examples.map(figure) : [el("p", { class: "muted" }, "none yet")]));
    $(`ex-${kind}`).replaceChildren(...examples.map(figure));
  }
  render();
}

function terms(status, clips, videos) {
  if (!status.required) return "This project asks for no qualification: you can start labelling.";
  if (status.qualified) return "You are qualified for this class.";
  if (status.attempts_left <= 0) return `No attempts left (last score ${pct(status.last_score)}). Ask an admin to reset one.`;
  if (!clips && !videos) return "This class has no qualification set yet. Ask an admin.";
  const last = status.last_score == null ? "" : ` Your last score: ${pct(status.last_score)}.`;
  const what = [clips ? `${clips} clips` : "", videos ? `${videos} videos to segment` : ""].filter(Boolean).join(" and ");
  return `${what} · pass mark ${pct(status.pass_mark)} · ${status.attempts_left} attempt(s) left.${last}`;
}

// A per-project set spans the annotator's classes: each item then names the class it asks about.
const manyClasses = () => new Set([...state.set.items, ...state.set.videos].map((it) => it.action_class)).size > 1;

function render() {
  const { set, step } = state;
  const status = set.status;
  $("terms").textContent = terms(status, set.items.length, set.videos.length);
  $("start").hidden = step !== "training" || !(set.items.length || set.videos.length);
  $("training").hidden = step !== "training";
  $("grid-app").hidden = step !== "answering";
  $("submit").hidden = step !== "answering";
  $("submit").disabled = state.busy;
  $("result").hidden = step !== "result";
  if (step === "answering") renderTiles();
  if (step === "result") renderResult();
}

function renderTiles() {
  if (!$("groups").children.length && !$("videos").children.length) {
    buildTiles();
    buildVideoCards($("videos"), state.set.videos, state.segments, renderStatus, { classNames: manyClasses() });
  }
  document.querySelectorAll(".tile").forEach((tile) => {
    const value = state.labels.get(tile.dataset.item);
    tile.classList.toggle("positive", value === 1);
    tile.classList.toggle("negative", value === -1);
    tile.setAttribute("aria-pressed", value === 1 ? "true" : "false");
    tile.querySelector(".state").textContent = value === 1 ? "✓ yes" : "✗ no";
  });
  renderStatus();
}

function renderStatus() {
  const n = state.set.items.length;
  const negatives = [...state.labels.values()].filter((value) => value === -1).length;
  const count = (k, one, many) => `${k} ${k === 1 ? one : many}`;
  const clips = n ? `${count(n, "clip", "clips")} · ${n - negatives} positive · ${negatives} negative` : "";
  const videos = state.set.videos.length;
  const marked = [...state.segments.values()].reduce((sum, pairs) => sum + pairs.length, 0);
  const segments = videos ? `${count(videos, "video", "videos")} · ${count(marked, "segment", "segments")} marked` : "";
  $("page-status").textContent = [clips, segments].filter(Boolean).join(" · ") + (state.busy ? " · scoring…" : "");
}

function buildTiles() {
  const groups = new Map();
  state.set.items.forEach((it, index) => {
    if (!groups.has(it.group)) groups.set(it.group, el("div", { class: "group" }));
    groups.get(it.group).append(el("div", { class: "tile", tabindex: "-1", role: "gridcell",
      dataset: { item: it.item, index: String(index) }, onclick: () => flip(index) },
    el("video", { poster: it.poster_url, dataset: { src: it.video_url }, muted: true, loop: true, playsinline: true, preload: "none" }),
    manyClasses() ? el("span", { class: "class-name" }, it.action_class) : "",
    el("span", { class: "state" }, "")));
  });
  $("groups").replaceChildren(...groups.values());
  playback.watch(document.querySelectorAll(".tile video"));
}

function renderResult() {
  const r = state.result;
  $("page-status").textContent = "";
  const box = $("result");
  box.className = `card result ${r.passed ? "passed" : "failed"}`;
  const next = r.passed
    ? el("p", {}, "You passed. ", el("a", { class: "button primary", href: `/grid/${cfg.project}/${cfg.actionClass}/` }, "Start labelling"))
    : r.attempts_left > 0
      ? el("p", {}, `Below the pass mark of ${pct(r.pass_mark)}. Read the guideline again and retry: ${r.attempts_left} attempt(s) left. `,
        el("button", { class: "primary", id: "retry", onclick: () => location.reload() }, "Try again"))
      : el("p", {}, `Below the pass mark of ${pct(r.pass_mark)}, and no attempts left. Ask an admin to reset one.`);
  box.replaceChildren(el("h1", {}, r.passed ? "Qualified" : "Not qualified yet"),
    el("p", { class: "score", id: "score" }, pct(r.score)), next, el("p", {}, el("a", { href: "/" }, "Back to your queues")));
}

function flip(index) {
  if (state.step !== "answering" || state.busy) return;
  const item = state.set.items[index].item;
  state.labels.set(item, -state.labels.get(item));
  state.focus = index;
  renderTiles();
}

async function submit() {
  if (state.step !== "answering" || state.busy) return;
  state.busy = true;
  render();
  try {
    state.result = await api(`/api/qualify/${cfg.project}/${cfg.actionClass}/`, { method: "POST",
      body: { labels: Object.fromEntries(state.labels), segments: Object.fromEntries(state.segments) } });
    state.step = "result";
    playback.watch([]);
    $("groups").replaceChildren(); // no clip or video stays on screen next to the score
    $("videos").replaceChildren();
  } catch (err) {
    if (err instanceof ApiError && err.code === "clarification") {
      state.busy = false;
      askToAcknowledge(err.body.clarifications, submit);
      return;
    }
    notify(`Not scored: ${err.message}`, { kind: "error", hideAfterMs: 0 });
  } finally {
    state.busy = false;
  }
  render();
}

function focusTile() {
  const tile = document.querySelector(`.tile[data-index="${state.focus}"]`);
  if (tile) tile.focus();
}

document.addEventListener("keydown", (e) => {
  if (keyBelongsToForm(e) || state.step !== "answering" || e.target.closest?.(".qvideo")) return;
  const n = state.set.items.length;
  const moves = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: 1, ArrowUp: -1 };
  if (e.key in moves) { e.preventDefault(); state.focus = Math.min(n - 1, Math.max(0, state.focus + moves[e.key])); focusTile(); }
  else if (e.key === " ") { e.preventDefault(); flip(state.focus); focusTile(); }
  else if (e.key === "Enter") { e.preventDefault(); if (!e.repeat) submit(); }
});

$("start").addEventListener("click", () => { state.step = "answering"; render(); focusTile(); });
$("submit").addEventListener("click", submit);

load().catch((err) => notify(`Could not load the qualification: ${err.message}`, { kind: "error", hideAfterMs: 0 }));
