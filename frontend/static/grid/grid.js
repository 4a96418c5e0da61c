// Clip verification grid (HACS/SLAC): one page of 2-s clips of one class, one click flips a clip's label.
// State lives in one object; render() draws it. Keyboard first: arrows move, Space flips, Enter submits.
import { ActiveTimer } from "../common/active_timer.js";
import { api, ApiError, el, keyBelongsToForm } from "../common/api.js";
import { askToAcknowledge as acknowledge } from "../common/clarify.js";
import { exampleVideo, showGuideline } from "../common/guideline.js";

const root = document.getElementById("grid-app");
const cfg = { project: Number(root.dataset.project), actionClass: Number(root.dataset.class), gold: root.dataset.gold === "1" };

const timer = new ActiveTimer();
const state = {
  page: null,       // {page, items:[{item, group, video_url, poster_url}], default_label}
  labels: new Map(), // item uid -> 1 | -1
  focus: 0,
  shownAt: 0,       // when the page was shown (ms); identifies the rendering
  next: null,       // prefetched page (or a promise of one)
  busy: false,
  message: "",
};

const $ = (id) => document.getElementById(id);

// --- data ---------------------------------------------------------------------------------------------------

async function requestPage(after) {
  if (cfg.gold) return api("/api/gold/next/", { method: "POST", body: { project: cfg.project, action_class: cfg.actionClass } });
  const body = { project: cfg.project, action_class: cfg.actionClass };
  if (after) body.after = after;
  return api("/api/pages/next/", { method: "POST", body });
}

function prefetch() {
  if (cfg.gold || !state.page) return;
  const after = state.page.page;
  state.next = requestPage(after)
    .then((page) => { warm(page); return page; })
    .catch(() => null); // nothing more waiting: fine, the empty state shows after submit
}

function warm(page) {
  // Posters are tiny: fetch them now so the next page paints at once; videos stream when shown.
  for (const it of page.items) { const img = new Image(); img.src = it.poster_url; }
}

async function showPage(page) {
  state.page = page;
  state.labels = new Map(page.items.map((it) => [it.item, page.default_label]));
  state.focus = 0;
  state.shownAt = performance.now();
  timer.reset();
  state.message = "";
  render();
  focusTile();
  prefetch();
}

async function load() {
  try {
    await showPage(await requestPage());
  } catch (err) {
    handleError(err);
  }
}

function handleError(err) {
  if (err instanceof ApiError && err.body.code === "clarification") return askToAcknowledge(err.body.clarifications);
  state.page = null;
  const empty = err instanceof ApiError && err.body.code === "empty";
  state.message = empty ? "No clips of this class are waiting for you. Thank you!" : `Error: ${err.message}`;
  render();
}

async function submit() {
  if (!state.page || state.busy || !state.page.items.length) return;
  state.busy = true;
  render();
  const labels = Object.fromEntries(state.labels);
  const seconds = timer.seconds(); // active time only: idle and hidden time are not work
  try {
    if (cfg.gold) await api("/api/gold/submit/", { method: "POST", body: { labels } });
    else await api(`/api/pages/${state.page.page}/submit/`, { method: "POST", body: { labels, seconds_spent: seconds } });
    refreshAccuracy();
    const next = cfg.gold ? await requestPage().catch(() => null) : await state.next;
    state.next = null;
    if (next && next.items.length) await showPage(next);
    else await load(); // the prefetch may have raced an expiry or a clarification: ask again
  } catch (err) {
    state.message = `Submit failed: ${err.message}. Your labels are still here; try again.`;
  } finally {
    state.busy = false;
    render();
  }
}

function askToAcknowledge(clarifications) {
  acknowledge(clarifications, async () => { await loadGuideline(); await load(); });
}

async function loadGuideline() {
  const g = await showGuideline(cfg.actionClass);
  for (const kind of ["positive", "hard_negative"]) {
    const examples = g.examples.filter((e) => e.kind === kind);
    $(`ex-${kind}`).replaceChildren(...(examples.length
      ? examples.map((e) => el("figure", { class: `example ${kind}` }, exampleVideo(e), el("figcaption", {}, e.note)))
      : [el("p", { class: "muted" }, "None yet.")]));
  }
}

async function refreshAccuracy() {
  if (cfg.gold) return;
  const me = await api("/api/me/").catch(() => null);
  // The server shows the figure per block of 10 pages (a figure after each page would tell which page held checks).
  if (me) $("accuracy").textContent = me.accuracy != null ? `your accuracy ${Math.round(me.accuracy * 100)}%`
    : "your accuracy: shown after 10 pages";
}

// --- interaction ----------------------------------------------------------------------------------------

function flip(index) {
  const item = state.page.items[index];
  state.labels.set(item.item, -state.labels.get(item.item));
  state.focus = index;
  render();
}

function columns() {
  const tiles = [...document.querySelectorAll(".tile")];
  if (tiles.length < 2) return 1;
  const top = tiles[0].offsetTop;
  const n = tiles.findIndex((t) => t.offsetTop !== top);
  return n === -1 ? tiles.length : n;
}

function moveFocus(delta) {
  if (!state.page) return;
  const n = state.page.items.length;
  state.focus = Math.min(n - 1, Math.max(0, state.focus + delta));
  focusTile();
}

function focusTile() {
  const tile = document.querySelector(`.tile[data-index="${state.focus}"]`);
  if (tile) { tile.focus({ preventScroll: false }); }
}

document.addEventListener("keydown", (e) => {
  if (keyBelongsToForm(e)) return;
  if (!state.page) return;
  const keys = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: columns(), ArrowUp: -columns() };
  if (e.key in keys) { e.preventDefault(); moveFocus(keys[e.key]); }
  else if (e.key === " ") { e.preventDefault(); flip(state.focus); focusTile(); }
  else if (e.key === "Enter") { e.preventDefault(); submit(); }
});

$("submit").addEventListener("click", submit);

// --- rendering --------------------------------------------------------------------------------------------

let renderedPage = null;

function render() {
  const page = state.page;
  $("empty").hidden = !!page || !state.message;
  $("empty").textContent = state.message;
  $("submit").disabled = !page || state.busy || !page.items.length;
  if (!page) { $("groups").replaceChildren(); $("page-status").textContent = ""; renderedPage = null; return; }
  if (renderedPage !== page.page + state.shownAt) { buildTiles(page); renderedPage = page.page + state.shownAt; }
  let negatives = 0;
  document.querySelectorAll(".tile").forEach((tile) => {
    const value = state.labels.get(tile.dataset.item);
    if (value === -1) negatives += 1;
    tile.classList.toggle("positive", value === 1);
    tile.classList.toggle("negative", value === -1);
    tile.setAttribute("aria-pressed", value === 1 ? "true" : "false");
    tile.querySelector(".state").textContent = value === 1 ? "✓ yes" : "✗ no";
  });
  const n = page.items.length;
  $("page-status").textContent = `${n} clips · ${n - negatives} positive · ${negatives} negative` + (state.busy ? " · saving…" : "");
  if (state.message) $("page-status").textContent += ` · ${state.message}`;
}

function buildTiles(page) {
  const groups = new Map();
  page.items.forEach((it, index) => {
    if (!groups.has(it.group)) groups.set(it.group, el("div", { class: "group", role: "row" }));
    const tile = el("div", { class: "tile", tabindex: "-1", role: "gridcell", dataset: { item: it.item, index: String(index) },
      onclick: () => flip(index) },
      el("video", { src: it.video_url, poster: it.poster_url, muted: true, autoplay: true, loop: true, playsinline: true, preload: "auto" }),
      el("span", { class: "state" }, ""));
    groups.get(it.group).append(tile);
  });
  $("groups").replaceChildren(...groups.values());
  document.querySelectorAll(".tile video").forEach((v) => { v.muted = true; v.play().catch(() => {}); });
}

loadGuideline().catch(() => {});
refreshAccuracy();
load();
