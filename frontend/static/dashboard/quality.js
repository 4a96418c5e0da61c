// Admin dashboard, issue 15: segment agreement per annotator and class (where people differ), and gold candidates
// (clips decided unanimously by qualified annotators) with confirm / dismiss.
import { api, el } from "../common/api.js";
import { notify } from "../common/notice.js";

const root = document.getElementById("dashboard");
const project = root.dataset.project;
const $ = (id) => document.getElementById(id);
const num = (x, d = 2) => (x == null ? "—" : x.toFixed(d));
const ns = "http://www.w3.org/2000/svg";

// A small inline bar (0..1) for the weighted agreement: one for the reference, one for the others.
function bars(values) {
  const w = 120, h = 8 * values.length + 2;
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", `0 0 ${w} ${h}`);
  svg.setAttribute("width", w);
  svg.setAttribute("height", h);
  values.forEach(([x, cls, title], i) => {
    const track = document.createElementNS(ns, "rect");
    for (const [k, v] of Object.entries({ x: 0, y: 1 + 8 * i, width: w, height: 6, class: "track" })) track.setAttribute(k, v);
    svg.append(track);
    if (x == null) return;
    const bar = document.createElementNS(ns, "rect");
    for (const [k, v] of Object.entries({ x: 0, y: 1 + 8 * i, width: w * x, height: 6, class: `bar ${cls}` })) bar.setAttribute(k, v);
    const t = document.createElementNS(ns, "title");
    t.textContent = `${title}: ${num(x, 3)}`;
    bar.append(t);
    svg.append(bar);
  });
  return svg;
}

function summaryCells(s, tolerances) {
  return [
    el("td", { class: "num" }, s.videos),
    el("td", { class: "num" }, `${num(s.start_abs_median)} / ${num(s.start_abs_p90)}`),
    el("td", { class: "num" }, `${num(s.end_abs_median)} / ${num(s.end_abs_p90)}`),
    ...tolerances.map((t) => el("td", { class: "num" }, num(s.boundary_f1[t], 3))),
    el("td", { class: "num" }, num(s.weighted_agreement, 3)),
  ];
}

async function refreshAgreement() {
  const data = await api(`/api/projects/${project}/segment-agreement/`);
  const tols = data.tolerances;
  $("agreement-annotators").querySelector("tbody").replaceChildren(...data.annotators.flatMap((a) => [
    el("tr", { dataset: { user: a.annotator, class: a.class } },
      el("td", { rowspan: 2 }, a.annotator), el("td", { rowspan: 2 }, a.class), el("td", {}, "reference"),
      ...summaryCells(a.vs_reference, tols),
      el("td", { rowspan: 2 }, bars([[a.vs_reference.weighted_agreement, "ref", "vs reference"],
        [a.vs_others.weighted_agreement, "others", "vs others"]]))),
    el("tr", {}, el("td", {}, "others"), ...summaryCells(a.vs_others, tols)),
  ]));
  $("agreement-pairs").querySelector("tbody").replaceChildren(...data.pairs.map((p) =>
    el("tr", {}, el("td", {}, `${p.a} · ${p.b}`), el("td", {}, p.class),
      el("td", { class: "num" }, `${num(p.start_mean_signed)} / ${num(p.end_mean_signed)}`),
      ...summaryCells(p, tols))));
  $("agreement-empty").hidden = data.annotators.length > 0;
}

async function refreshCandidates() {
  const data = await api(`/api/projects/${project}/gold-candidates/`);
  $("gold-candidates").querySelector("tbody").replaceChildren(...data.candidates.map((c) =>
    el("tr", { dataset: { clip: c.clip_uid } },
      el("td", {}, c.class), el("td", {}, c.video), el("td", { class: "num" }, `${num(c.start, 1)}–${num(c.end, 1)} s`),
      el("td", {}, c.value === 1 ? "positive" : "negative"), el("td", {}, c.annotators.join(", ")),
      el("td", {},
        el("button", { class: "small confirm", onclick: () => decide(c, "confirm") }, "Confirm as gold"), " ",
        el("button", { class: "small dismiss", onclick: () => decide(c, "dismiss") }, "Dismiss")))));
  $("gold-candidates-empty").hidden = data.candidates.length > 0;
}

async function decide(candidate, action) {
  try {
    await api(`/api/clips/${candidate.clip_uid}/gold-candidate/${action}/`, { method: "POST", body: {} });
  } catch (err) {
    notify(`Not done: ${err.message}.`, { kind: "error", hideAfterMs: 0 });
  }
  refreshCandidates();
}

async function refresh() {
  try {
    await Promise.all([refreshAgreement(), refreshCandidates()]);
  } catch (err) {
    $("gold-candidates-empty").textContent = `refresh failed: ${err.message}`;
  }
}

refresh();
setInterval(refresh, 30000); // heavier than the 5-s figures: every video's annotations are matched again
