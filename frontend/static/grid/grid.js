// Clip verification grid (HACS/SLAC): one page of 2-s clips of one class, one click flips a clip's label.
// State lives in one object; render() draws it. Keyboard first: arrows move, Space flips, Enter submits.
// Submit waits until the page has been on screen long enough and never reaches the next page twice
// (common/submit_guard.js); what happened to a submit is said in the page (common/notice.js).
import { ActiveTimer } from "../common/active_timer.js";
import { api, ApiError, el, keyBelongsToForm } from "../common/api.js";
import { askToAcknowledge as acknowledge } from "../common/clarify.js";
import { exampleVideo, showGuideline } from "../common/guideline.js";
import { clearNotice, notify, noticeShown } from "../common/notice.js";
import { SubmitGuard } from "../common/submit_guard.js";
import { arrangeGroups } from "./layout.js";
import { clipVideo, OnScreenPlayback } from "./playback.js";
import { UpcomingPage } from "./upcoming.js";

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
  busy: false,      // a submit in flight with this page on screen
  savingPrevious: false, // this page was shown at Submit, before the page before it was stored
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

const upcoming = new UpcomingPage(requestPage); // the page after this one, leased and warmed (not in gold mode)

// afterSubmit: the page comes up because of a Submit (the guard then ignores a second press of a double Enter);
// previousSaving: before that submit was answered (see pageOnScreen); videos: its preloaded clips (upcoming.js).
function showPage(page, { afterSubmit = false, previousSaving = false, videos = new Map() } = {}) {
  state.page = page;
  state.labels = new Map(page.items.map((it) => [it.item, page.default_label]));
  state.focus = 0;
  state.shownAt = performance.now();
  state.savingPrevious = previousSaving;
  timer.reset();
  state.message = "";
  guard.shown({ minSeconds: page.min_seconds, afterSubmit, previousSaving });
  render(videos);
  focusTile();
  if (!previousSaving) pageOnScreen(page);
}

// The page is on screen and the page before it is saved. The server's submit floor counts from now, not from the
// lease (a prefetched page waited unseen), nor from a Submit whose page may yet come back (restore); and the page
// after it may be leased now (asked while the page before is open, the lease would be that one).
function pageOnScreen(page) {
  state.savingPrevious = false;
  guard.previousSaved();
  if (cfg.gold) return;
  api(`/api/pages/${page.page}/shown/`, { method: "POST" })
    .then(() => { if (state.page === page) guard.confirmed(); })
    .catch(() => {}); // the server then counts from the lease, which is earlier: the guard's count still holds
  upcoming.fetch(page.page);
}

async function load({ afterSubmit = false } = {}) {
  try {
    showPage(await requestPage(), { afterSubmit });
  } catch (err) {
    handleError(err);
  }
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

// Submit puts the prefetched page on screen at once and sends the labels meanwhile (issue 14: the next page < 100 ms
// after Submit). Refused, the sent page comes back as it was, labels and all, and says why; nothing is lost. With no
// page prefetched (gold mode, or none was waiting) the next page is asked for once the labels are stored.
async function submit() {
  if (!state.page || !state.page.items.length) return;
  if (!guard.mayStart()) return; // in flight: ignored; too soon, or the page before still saving: it says so
  const sent = { page: state.page, labels: new Map(state.labels), focus: state.focus, seconds: timer.seconds(),
    guard: guard.snapshot() }; // seconds: active time only, idle and hidden time are not work
  guard.begin();
  clearNotice();
  playback.hold();
  const answer = send(sent).then((result) => ({ result }), (err) => ({ err }));
  let next = null;
  try {
    next = cfg.gold ? null : await upcoming.take(sent.page.page);
    if (next) showPage(next.page, { afterSubmit: true, previousSaving: true, videos: next.videos });
    else { state.busy = true; render(); }
    const { result, err } = await answer;
    if (!err) {
      refreshAccuracy();
      if (next) pageOnScreen(next.page);
      else await load({ afterSubmit: true });
      // A retry of a submit whose answer was lost on the way: the first one was stored.
      if (result.already_submitted) notify(`This page was already saved: your earlier Submit reached the server. ${whatNow()}`);
      // Said briefly (the next page is already on screen), and not over a message that answers a press made since.
      else if (!noticeShown()) notify(savedText(sent.labels), { hideAfterMs: 2500 });
    } else if (err instanceof ApiError && err.code === "conflict") {
      // Stored from another tab: nothing to bring back, go on with the next page.
      if (next) pageOnScreen(next.page);
      else await load({ afterSubmit: true });
      notify(`This page was already submitted from another tab or window, so nothing from this tab was stored; `
        + `the labels saved there are kept. ${whatNow()}`, { kind: "warn", hideAfterMs: 12000 });
    } else {
      if (next) restore(sent, next.page);
      else if (state.page === sent.page) playback.resume(); // refused, the page stays: its clips play again
      submitRefused(err);
    }
  } finally {
    guard.end();
    state.busy = false;
    render();
  }
}

async function send({ page, labels, seconds, guard: { token } }) {
  const body = { labels: Object.fromEntries(labels) };
  if (cfg.gold) return api(ANSWER_API.submit, { method: "POST", body });
  return api(`/api/pages/${page.page}/submit/`, { method: "POST",
    body: { ...body, seconds_spent: seconds, submit_token: token } });
}

// The submit was refused after the next page went up: the sent page comes back as it was (its labels, the focused
// clip, its on-screen count and submit token), and the next page waits, unstarted, for the next Submit.
function restore(sent, next) {
  upcoming.putBack(next);
  state.page = sent.page;
  state.labels = sent.labels;
  state.shownAt = performance.now();
  state.savingPrevious = false;
  timer.reset(sent.seconds);
  guard.restore(sent.guard);
  render();
  state.focus = sent.focus;
  focusTile();
}

function submitRefused(err) {
  if (err instanceof ApiError && err.code === "too_early") {
    guard.waitMore(err.body.retry_after);
    notify(`Not saved: ${err.message}. Your labels are still here; Submit works in ${Math.ceil(guard.remaining())} s.`,
      { kind: "warn", hideAfterMs: 8000 });
  } else {
    notify(`Not saved: ${err.message}. Your labels are still here; press Submit (Enter) to try again.`,
      { kind: "error", hideAfterMs: 0 });
  }
}

function savedText(labels) {
  const values = [...labels.values()], no = values.filter((v) => v === -1).length;
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

// videos: preloaded clips for the tiles of a page drawn now (upcoming.js).
function render(videos = new Map()) {
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
  if (renderedPage !== page.page + state.shownAt) { buildTiles(page, videos); renderedPage = page.page + state.shownAt; }
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
  const saving = state.busy ? " · saving…" : state.savingPrevious ? " · saving the previous page…" : "";
  $("page-status").textContent = `${n} clips · ${n - negatives} positive · ${negatives} negative${saving}`;
}

// A video's clips sit together in a framed group; rows are filled with whole groups, and one longer than a row takes
// full rows and a tail (layout.js). Videos get their source only when on screen (playback.js), but for the preloaded
// first clips of a prefetched page (upcoming.js).
function buildTiles(page, videos) {
  const groups = new Map();
  page.items.forEach((it, index) => {
    if (!groups.has(it.group)) groups.set(it.group, []);
    const tile = el("div", { class: "tile", tabindex: "-1", role: "gridcell", dataset: { item: it.item, index: String(index) },
      onclick: () => flip(index) },
      videos.get(it.item) ?? clipVideo(it),
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
