// The admin's curation list: curatable clips with their curation, filtered (class, human-centric range, trimmed,
// split) through the curation back end's list API, each row opening the trim tool. Filters live in the address, so a
// reload or a shared link shows the same list.
import { api, ApiError, el } from "../common/api.js";

const root = document.getElementById("curation-app");
const $ = (id) => document.getElementById(id);
const form = $("filters");
const FIELDS = ["class", "min_human_centric", "max_human_centric", "trimmed", "split"];
const PAGE_SIZE = 50;

const state = { page: 1, count: 0, rows: [], cursor: -1, error: "" };

function filtersFromAddress() {
  const params = new URLSearchParams(window.location.search);
  for (const name of FIELDS) form.elements[name].value = params.get(name) || "";
  state.page = Math.max(1, Number(params.get("page")) || 1);
}

function query() {
  const params = new URLSearchParams();
  for (const name of FIELDS) {
    const value = form.elements[name].value.trim();
    if (value) params.set(name, value);
  }
  if (state.page > 1) params.set("page", String(state.page));
  return params;
}

let latest = 0; // only the answer to the latest request is shown (an earlier, slower one must not overwrite it)

async function load() {
  const params = query();
  history.replaceState(null, "", `${window.location.pathname}${params.size ? `?${params}` : ""}`);
  params.set("page_size", String(PAGE_SIZE));
  const mine = ++latest;
  try {
    const data = await api(`/api/projects/${root.dataset.project}/curation/clips/?${params}`);
    if (mine !== latest) return;
    Object.assign(state, { rows: data.results, count: data.count, error: "", cursor: -1 });
  } catch (err) {
    if (mine !== latest) return;
    const detail = err instanceof ApiError ? Object.entries(err.body).map(([k, v]) => `${k}: ${[v].flat().join(" ")}`).join("; ") : err.message;
    Object.assign(state, { rows: [], count: 0, error: detail, cursor: -1 });
  }
  render();
}

const percent = (x) => `${Math.round(x * 100)}%`;
const people = (n) => (n == null ? "–" : n === 3 ? ">2" : String(n));
const camera = (b) => (b == null ? "–" : b ? "moving" : "still");

function humanCentric(c) {
  if (c.human_centric != null) return percent(c.human_centric);
  return c.human_centric_state === "none" ? "–" : c.human_centric_state;
}

function row(clip, index) {
  const c = clip.curation;
  const frames = c.trimmed ? `${c.first_frame}–${c.last_frame}` : "not trimmed";
  return el("tr", { dataset: { uid: clip.uid, trimmed: String(c.trimmed) }, class: index === state.cursor ? "cursor" : "" },
    el("td", {}, clip.poster_url ? el("img", { src: clip.poster_url, alt: "", loading: "lazy", class: "poster",
      onerror: (e) => e.target.classList.add("missing") }) : ""),
    el("td", {}, clip.action_class.name),
    el("td", {}, clip.video.external_id),
    el("td", { class: "num" }, `${clip.start.toFixed(2)}–${clip.end.toFixed(2)}`),
    el("td", { class: "num hc" }, humanCentric(c)),
    el("td", { class: `num frames${c.trimmed ? "" : " muted"}` }, frames),
    el("td", { class: "num" }, c.trimmed ? (c.end_time - c.start_time).toFixed(3) : "–"),
    el("td", { class: "num people" }, people(c.dominant_people)),
    el("td", { class: "camera" }, camera(c.camera_moving)),
    el("td", { class: "split" }, c.split || "–"),
    el("td", {}, el("a", { class: "button small primary trim-link", href: `/trim/${clip.uid}/` }, c.trimmed ? "Re-trim" : "Trim")));
}

// The segments card (rendered by the server) follows the class filter too.
function filterSegments() {
  const cls = form.elements.class.value;
  for (const tr of document.querySelectorAll("#segments tbody tr")) tr.hidden = !!cls && tr.dataset.class !== cls;
}

function render() {
  filterSegments();
  $("clip-count").textContent = `${state.count} clip${state.count === 1 ? "" : "s"}`;
  root.dataset.query = window.location.search; // what the list shows (tests wait for it)
  $("list-error").textContent = state.error;
  $("clips").querySelector("tbody").replaceChildren(...state.rows.map(row));
  const pages = Math.max(1, Math.ceil(state.count / PAGE_SIZE));
  $("page-info").textContent = `page ${state.page} of ${pages}`;
  $("prev-page").disabled = state.page <= 1;
  $("next-page").disabled = state.page >= pages;
}

function moveCursor(delta) {
  if (!state.rows.length) return;
  state.cursor = Math.max(0, Math.min(state.rows.length - 1, state.cursor + delta));
  render();
  $("clips").querySelectorAll("tbody tr")[state.cursor].scrollIntoView({ block: "nearest" });
}

form.addEventListener("submit", (e) => { e.preventDefault(); state.page = 1; load(); });
form.addEventListener("change", () => { state.page = 1; load(); });
$("clear-filters").addEventListener("click", () => { form.reset(); for (const name of FIELDS) form.elements[name].value = ""; state.page = 1; load(); });
$("prev-page").addEventListener("click", () => { state.page -= 1; load(); });
$("next-page").addEventListener("click", () => { state.page += 1; load(); });
document.addEventListener("keydown", (e) => {
  if (e.target.closest && e.target.closest("input, select, textarea, button, a")) return;
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  if (e.key === "j") moveCursor(1);
  else if (e.key === "k") moveCursor(-1);
  else if (e.key === "Enter" && state.cursor >= 0) window.location.assign(`/trim/${state.rows[state.cursor].uid}/`);
});

filtersFromAddress();
load();
