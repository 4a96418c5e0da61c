// Clip verification grid (HACS/SLAC): one page of 2-s clips of one class, one click flips a clip's label.
// State lives in one object; render() draws it. Keyboard first: arrows move, Space flips, Enter submits.
// Submit waits until the page has been on screen long enough and never reaches the next page twice
// (common/submit_guard.js); what happened to a submit is said in the page (common/notice.js).
import { ActiveTimer } from "../common/active_timer.js";
import { api, ApiError, el, keyBelongsToForm } from "../common/api.js";
import { askToAcknowledge as acknowledge } from "../common/clarify.js";
import { exampleVideo, showGuideline } from "../common/guideline.js";
import { clearNotice, notify } from "../common/notice.js";
import { SubmitGuard } from "../common/submit_guard.js";
import { arrangeGroups } from "./layout.js";
import { OnScreenPlayback } from "./playback.js";

const root = document.getElementById("grid-app");
const cfg = { project: Number(root.dataset.project), actionClass: Number(root.dataset.class), gold: root.dataset.gold === "1" };
// An admin's answer mode (cfg.gold): the golden set, or the qualification set (issue 15); same grid, its own API.
const ANSWER_API = { gold: { next: "/api/gold/next/", submit: "/api/gold/submit/" },
  qualification: { next: "/api/qualification-items/next/", submit: "/api/qualification-items/" } }[root.dataset.answerSet || "gold"];

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
const guard = new SubmitGuard({ button: $("submit"), what: "page", lookAt: "every clip" });
const playback = new OnScreenPlayback();

// --- data ---------------------------------------------------------------------------------------------------

async function requestPage(after) {
  if (cfg.gold) return api(ANSWER_API.next, { method: "POST", body: { project: cfg.project, action_class: cfg.actionClass } });
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

// afterSubmit: the page comes up because of a Submit (the guard then ignores a second press of a double Enter).
async function showPage(page, { afterSubmit = false } = {}) {
  state.page = page;
  state.labels = new Map(page.items.map((it) => [it.item, page.default_label]));
  state.focus = 0;
  state.shownAt = performance.now();
  timer.reset();
  state.message = "";
  guard.shown({ minSeconds: page.min_seconds, afterSubmit });
  render();
  focusTile();
  // The submit floor counts from when the page is on screen, not from when it was fetched (a prefetched page).
  if (!cfg.gold) {
    api(`/api/pages/${page.page}/shown/`, { method: "POST" })
      .then(() => { if (state.page === page) guard.confirmed(); })
      .catch(() => {}); // the server then counts from the lease, which is earlier: the guard's count still holds
  }
  prefetch();
}

async function load({ afterSubmit = false } = {}) {
  try {
    await showPage(await requestPage(), { afterSubmit });
  } catch (err) {
    handleError(err);
  }
}

// After a submit (stored, or refused because another tab stored it): the prefetched page, or ask again.
async function nextPage() {
  const current = state.page;
  const next = cfg.gold ? await requestPage().catch(() => null) : await state.next;
  state.next = null;
  if (next && next.items.length && (cfg.gold || next.page !== current.page)) await showPage(next, { afterSubmit: true });
  else await load({ afterSubmit: true }); // the prefetch may have raced an expiry or a clarification: ask again
}

function handleError(err) {
  if (err instanceof ApiError && err.body.code === "clarification") return askToAcknowledge(err.body.clarifications);
  // A guideline change withdrew the qualification (issue 15): qualify again before more work.
  if (err instanceof ApiError && err.body.code === "qualification") { location.assign(err.body.qualify_url); return; }
  state.page = null;
  const empty = err instanceof ApiError && err.body.code === "empty";
  state.message = empty ? "No clips of this class are waiting for you. Thank you!"
    : `Could not load a page: ${err.message}. Reload this page to try again.`;
  render();
}

async function submit() {
  if (!state.page || !state.page.items.length) return;
  if (!guard.mayStart()) return; // in flight: ignored; too soon: it says how long is left
  guard.begin();
  state.busy = true;
  clearNotice();
  render();
  playback.hold();
  const labels = Object.fromEntries(state.labels);
  const seconds = timer.seconds(); // active time only: idle and hidden time are not work
  try {
    let result = {};
    if (cfg.gold) await api(ANSWER_API.submit, { method: "POST", body: { labels } });
    else {
      result = await api(`/api/pages/${state.page.page}/submit/`, { method: "POST",
        body: { labels, seconds_spent: seconds, submit_token: guard.token } });
    }
    refreshAccuracy();
    await nextPage();
    if (result.already_submitted) {
      // A retry of a submit whose answer was lost on the way: the first one was stored.
      notify(`This page was already saved: your earlier Submit reached the server. ${whatNow()}`);
    } else {
      notify(savedText(labels), { hideAfterMs: 2500 }); // said, briefly: the next page is already on screen
    }
  } catch (err) {
    const page = state.page;
    await submitRefused(err);
    if (state.page === page) playback.resume(); // refused, the page stays: its clips play again
  } finally {
    guard.end();
    state.busy = false;
    render();
  }
}

async function submitRefused(err) {
  if (err instanceof ApiError && err.code === "too_early") {
    guard.waitMore(err.body.retry_after);
    notify(`Not saved: ${err.message}. Your labels are still here; Submit works in ${Math.ceil(guard.remaining())} s.`,
      { kind: "warn", hideAfterMs: 8000 });
  } else if (err instanceof ApiError && err.code === "conflict") {
    await nextPage();
    notify(`This page was already submitted from another tab or window, so nothing from this tab was stored; `
      + `the labels saved there are kept. ${whatNow()}`, { kind: "warn", hideAfterMs: 12000 });
  } else {
    notify(`Not saved: ${err.message}. Your labels are still here; press Submit (Enter) to try again.`,
      { kind: "error", hideAfterMs: 0 });
  }
}

function savedText(labels) {
  const values = Object.values(labels), no = values.filter((v) => v === -1).length;
  return `Page saved: ${values.length} clips (${no} marked no). ${whatNow()}`;
}

function whatNow() {
  return state.page ? "Here is the next page." : "";
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

// Up and down go to the nearest tile (by its centre) in the row above or below. Groups wrap as units, so rows hold
// different numbers of tiles and "n tiles on" would land anywhere.
function verticalNeighbour(index, direction) {
  const tiles = [...document.querySelectorAll(".tile")];
  const rects = tiles.map((tile) => tile.getBoundingClientRect());
  const here = rects[tiles.findIndex((t) => Number(t.dataset.index) === index)];
  const ahead = rects.map((r, i) => ({ r, i }))
    .filter(({ r }) => (direction > 0 ? r.top >= here.bottom - 1 : r.bottom <= here.top + 1));
  if (!ahead.length) return index;
  const tops = ahead.map(({ r }) => r.top);
  const rowTop = direction > 0 ? Math.min(...tops) : Math.max(...tops);
  const offset = (r) => Math.abs(r.left + r.width / 2 - (here.left + here.width / 2));
  const row = ahead.filter(({ r }) => Math.abs(r.top - rowTop) < 2);
  return Number(tiles[row.reduce((best, c) => (offset(c.r) < offset(best.r) ? c : best)).i].dataset.index);
}

// Left and right follow the tiles as shown (layout.js may put a later video's group first).
function moveFocus(delta) {
  if (!state.page) return;
  const tiles = [...document.querySelectorAll(".tile")];
  const at = tiles.findIndex((t) => Number(t.dataset.index) === state.focus);
  state.focus = Number(tiles[Math.min(tiles.length - 1, Math.max(0, at + delta))].dataset.index);
  focusTile();
}

function moveFocusVertically(direction) {
  if (!state.page) return;
  state.focus = verticalNeighbour(state.focus, direction);
  focusTile();
}

function focusTile() {
  const tile = document.querySelector(`.tile[data-index="${state.focus}"]`);
  if (tile) { tile.focus({ preventScroll: false }); }
}

document.addEventListener("keydown", (e) => {
  if (keyBelongsToForm(e)) return;
  if (!state.page) return;
  const keys = { ArrowRight: 1, ArrowLeft: -1 };
  const rows = { ArrowDown: 1, ArrowUp: -1 };
  if (e.key in keys) { e.preventDefault(); moveFocus(keys[e.key]); }
  else if (e.key in rows) { e.preventDefault(); moveFocusVertically(rows[e.key]); }
  else if (e.key === " ") { e.preventDefault(); flip(state.focus); focusTile(); }
  else if (e.key === "Enter") { e.preventDefault(); if (!e.repeat) submit(); } // a held Enter is one press
});

$("submit").addEventListener("click", submit);

// --- rendering --------------------------------------------------------------------------------------------

let renderedPage = null;

function render() {
  const page = state.page;
  $("empty").hidden = !!page || !state.message;
  // an empty state always has the way back: the queues, where another class may be waiting
  $("empty").replaceChildren(el("p", {}, state.message),
    el("a", { class: "button primary", href: "/", id: "back-to-queues" }, "Back to your queues"));
  $("submit").disabled = !page || state.busy || !page.items.length;
  if (!page) {
    $("groups").replaceChildren(); pageGroups = []; playback.watch([]); $("page-status").textContent = ""; renderedPage = null;
    return;
  }
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
}

// A video's clips sit together in a framed group; rows are filled with whole groups, and one longer than a row takes
// full rows and a tail (layout.js). Videos get their source only when on screen (playback.js).
function buildTiles(page) {
  const groups = new Map();
  page.items.forEach((it, index) => {
    if (!groups.has(it.group)) groups.set(it.group, []);
    const tile = el("div", { class: "tile", tabindex: "-1", role: "gridcell", dataset: { item: it.item, index: String(index) },
      onclick: () => flip(index) },
      el("video", { poster: it.poster_url, dataset: { src: it.video_url }, muted: true, loop: true, playsinline: true,
        preload: "none" }),
      el("span", { class: "state" }, ""));
    groups.get(it.group).push(tile);
  });
  pageGroups = [...groups.values()];
  $("groups").replaceChildren();
  arrangeGroups($("groups"), pageGroups);
  state.focus = Number(document.querySelector(".tile").dataset.index); // the first tile shown
  playback.watch(document.querySelectorAll(".tile video"));
  watchLayout();
}

// A new width (window resized, or a new tile size): lay the rows out again. Moving a video in the page pauses it, so
// playback starts over.
let pageGroups = [];
let laidOut = "";
const relayout = new ResizeObserver(() => {
  const tile = document.querySelector(".tile");
  if (!pageGroups.length || !tile) return;
  const now = `${$("groups").clientWidth}x${tile.getBoundingClientRect().width}`;
  if (now === laidOut) return;
  laidOut = now;
  arrangeGroups($("groups"), pageGroups);
  playback.watch(document.querySelectorAll(".tile video"));
});

function watchLayout() {
  relayout.disconnect();
  laidOut = `${$("groups").clientWidth}x${pageGroups.length ? pageGroups[0][0].getBoundingClientRect().width : 0}`;
  relayout.observe($("groups"));
  if (pageGroups.length) relayout.observe(pageGroups[0][0]);
}

loadGuideline().catch(() => {});
refreshAccuracy();
load();
