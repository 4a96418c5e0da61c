// One class in detail, on demand (issue 14): click a class in "Progress per class" and its figures are fetched
// (/dashboard/classes/<id>/): golden accuracy per annotator as an inline SVG column plot against the gate, labels per
// day, and a table with Send back per annotator. It refreshes with the rest of the dashboard while open.
import { api, el } from "../common/api.js";
import { dataTable } from "./table.js";

const ns = "http://www.w3.org/2000/svg";
const pct = (x) => (x == null ? "—" : `${(x * 100).toFixed(1)}%`);
const $ = (id) => document.getElementById(id);

function mk(tag, attrs, text) {
  const n = document.createElementNS(ns, tag);
  for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, v);
  if (text != null) n.textContent = text;
  return n;
}

function withTitle(node, text) {
  node.append(mk("title", {}, text));
  return node;
}

// Columns: one per annotator (100 fit in 720 px), height = accuracy; hatched grey when no gold answer yet.
function accuracyPlot(svg, data) {
  const w = 720, h = 170, left = 40, right = 8, top = 8, bottom = 22;
  const rows = data.annotators;
  const step = (w - left - right) / Math.max(1, rows.length);
  const y = (v) => top + (1 - v) * (h - top - bottom);
  const nodes = [0, 0.5, 1].flatMap((v) => [
    mk("line", { x1: left, x2: w - right, y1: y(v), y2: y(v), class: "grid" }),
    mk("text", { x: left - 4, y: y(v) + 4, "text-anchor": "end", class: "lbl" }, `${v * 100}%`),
  ]);
  rows.forEach((a, i) => {
    const x = left + i * step + step * 0.1, bw = Math.max(1, step * 0.8);
    const tip = `${a.username}: ${pct(a.accuracy)} (${a.gold_answers} gold answers, ${a.labels} labels)`;
    const bar = a.accuracy == null
      ? mk("rect", { x, y: y(0) - 3, width: bw, height: 3, class: "none", "data-user": a.username })
      : mk("rect", { x, y: y(a.accuracy), width: bw, height: y(0) - y(a.accuracy), class: a.flagged ? "bar flagged" : "bar", "data-user": a.username });
    nodes.push(withTitle(bar, tip));
  });
  const gy = y(data.accuracy_gate);
  nodes.push(mk("line", { x1: left, x2: w - right, y1: gy, y2: gy, class: "gate" }));
  nodes.push(mk("text", { x: w - right, y: gy - 3, "text-anchor": "end", class: "lbl" }, `gate ${pct(data.accuracy_gate)}`));
  nodes.push(mk("text", { x: left, y: h - 6, class: "lbl" }, `${rows.length} annotators (hover a column for its figures)`));
  svg.setAttribute("viewBox", `0 0 ${w} ${h}`);
  svg.replaceChildren(...nodes);
}

function daysPlot(svg, days) {
  const w = 720, h = 70, left = 40, bottom = 16, top = 6;
  const most = Math.max(1, ...days.map((d) => d.labels));
  const step = (w - left) / Math.max(1, days.length);
  const nodes = days.map((d, i) => withTitle(mk("rect", {
    x: left + i * step + step * 0.1, width: Math.max(1, step * 0.8),
    y: top + (1 - d.labels / most) * (h - top - bottom), height: (d.labels / most) * (h - top - bottom), class: "day",
  }), `${d.day}: ${d.labels} labels`));
  nodes.push(mk("text", { x: left - 4, y: top + 8, "text-anchor": "end", class: "lbl" }, String(most)));
  nodes.push(mk("text", { x: left, y: h - 3, class: "lbl" },
    days.length ? `labels per day, ${days[0].day} – ${days[days.length - 1].day}` : "no labels yet"));
  svg.setAttribute("viewBox", `0 0 ${w} ${h}`);
  svg.replaceChildren(...nodes);
}

export function classDetail({ project, onSendBack }) {
  const panel = $("class-detail");
  let open = null; // { class_id, class }
  const table = dataTable({
    table: $("class-annotators"),
    placeholder: "Filter annotators…",
    columns: [{ sort: (a) => a.username }, { sort: (a) => a.accuracy }, { sort: (a) => a.gold_answers }, { sort: (a) => a.labels }, null],
    text: (a) => a.username,
    rowOf: (a) => el("tr", { class: a.flagged ? "flagged" : "", dataset: { user: a.username } },
      el("td", {}, a.username, a.flagged ? el("span", { class: "badge warn" }, "below gate") : ""),
      el("td", { class: "num accuracy" }, pct(a.accuracy)),
      el("td", { class: "num" }, a.gold_answers),
      el("td", { class: "num labels" }, a.labels),
      el("td", {}, a.labels ? el("button", { class: "small", onclick: () => onSendBack(a, open) }, "Send back") : "")),
  });

  async function refresh() {
    if (!open) return;
    const shown = open;
    const data = await api(`/api/projects/${project}/dashboard/classes/${shown.class_id}/`);
    if (open !== shown) return; // another class was opened meanwhile
    $("class-detail-title").textContent = data.class;
    accuracyPlot($("class-plot"), data);
    daysPlot($("class-days"), data.labels_per_day);
    table.setRows(data.annotators);
  }

  $("class-detail-close").addEventListener("click", () => { open = null; panel.hidden = true; });
  return {
    async show(cls) {
      open = { class_id: cls.class_id, class: cls.class };
      panel.hidden = false;
      $("class-detail-title").textContent = `${cls.class} (loading…)`;
      await refresh();
      panel.scrollIntoView({ block: "nearest" });
    },
    refresh,
    get openId() { return open && open.class_id; },
  };
}
