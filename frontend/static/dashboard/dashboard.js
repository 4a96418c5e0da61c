// Admin dashboard: polls the dashboard API every 5 s and draws sortable, filterable, paginated tables (table.js), an
// accuracy plot of the annotators on the table's page, progress bars, and one class in detail on demand (class_plot.js).
import { api, el } from "../common/api.js";
import { confirmInPage, promptInPage } from "../common/dialog.js";
import { notify } from "../common/notice.js";
import { classDetail } from "./class_plot.js";
import { dataTable } from "./table.js";

const root = document.getElementById("dashboard");
const project = root.dataset.project;
const $ = (id) => document.getElementById(id);
const pct = (x) => (x == null ? "—" : `${(x * 100).toFixed(1)}%`);
const num = (x, d = 1) => (x == null ? "—" : x.toFixed(d));
let data = null;
const detail = classDetail({ project, onSendBack: (a, cls) => sendBack(a, cls) });

async function refresh() {
  try {
    data = await api(`/api/projects/${project}/dashboard/`);
    render();
    await detail.refresh();
    $("updated").textContent = `updated ${new Date().toLocaleTimeString()}`;
  } catch (err) {
    $("updated").textContent = `refresh failed: ${err.message}`;
  }
}

const annotatorTable = dataTable({
  table: $("annotators"),
  placeholder: "Filter annotators (name, or a class below the gate)…",
  columns: [
    { sort: (a) => a.username }, { sort: (a) => a.accuracy }, { sort: (a) => a.gold_answers }, { sort: (a) => a.labels },
    { sort: (a) => a.seconds_per_clip }, { sort: (a) => a.clips_per_hour }, { sort: (a) => a.flagged_classes.length },
  ],
  text: (a) => [a.username, ...a.flagged_classes.map((c) => c.class), a.flagged ? "below gate" : "", a.too_fast ? "too fast" : ""].join(" "),
  rowOf: (a) => el("tr", { class: a.flagged ? "flagged" : "", dataset: { user: a.username } },
    el("td", {}, a.username, a.flagged ? el("span", { class: "badge warn" }, "below gate") : "",
      a.too_fast ? el("span", { class: "badge warn too-fast", title: `median ${num(a.median_seconds_per_clip, 2)} s per clip` }, "too fast") : ""),
    el("td", { class: "num accuracy" }, pct(a.accuracy)),
    el("td", { class: "num" }, a.gold_answers),
    el("td", { class: "num" }, a.labels),
    el("td", { class: "num", title: `median ${num(a.median_seconds_per_clip, 2)} s` }, num(a.seconds_per_clip)),
    el("td", { class: "num" }, num(a.clips_per_hour, 0)),
    el("td", {}, ...a.flagged_classes.map((c) => el("div", { class: "flagged-class" },
      `${c.class}: ${pct(c.accuracy)} (${c.gold_answers}) `,
      el("button", { class: "small", onclick: () => sendBack(a, c) }, "Send back"))))),
  onRender: drawPlot, // the plot shows the annotators on the table's page, in its order
});

const progressTable = dataTable({
  table: $("progress"),
  placeholder: "Filter classes…",
  columns: [
    { sort: (p) => p.class }, { sort: (p) => (p.sampled ? p.consensus / p.sampled : null) }, { sort: (p) => p.ready },
    { sort: (p) => p.gold }, { sort: (p) => p.consensus }, null,
  ],
  text: (p) => p.class,
  rowOf: (p) => el("tr", { class: detail.openId === p.class_id ? "open" : "", dataset: { class: p.class } },
    el("td", {}, el("button", { class: "link class-open", title: "accuracy per annotator and labels per day", onclick: () => openClass(p) }, p.class)),
    el("td", {}, progressBar(p)),
    el("td", { class: "num" }, `${p.ready} / ${p.sampled}`),
    el("td", { class: "num" }, p.gold),
    el("td", { class: "num consensus" }, `${p.consensus} (${p.positive})`),
    el("td", {}, el("button", { class: "small", onclick: () => clarify(p) }, "Clarify…"), " ",
      el("a", { class: "button small", href: `/grid/${project}/${p.class_id}/?mode=gold` }, "Gold mode"), " ",
      el("a", { class: "button small", href: `/grid/${project}/${p.class_id}/?mode=qualification` }, "Qualification set"))),
});

async function openClass(p) {
  await detail.show(p);
  progressTable.setRows(data.progress); // mark the open row
}

function render() {
  $("gate").textContent = pct(data.project.accuracy_gate);
  $("agreement").textContent = pct(data.agreement_rate);
  $("consensus-count").textContent = data.consensus_clips;
  $("label-sources").textContent = Object.entries(data.label_sources).map(([source, n]) => `${source} ${n}`).join(" · ");
  $("fast-floor").textContent = `${data.project.fast_seconds_per_clip} s`;
  $("fast-min").textContent = data.project.fast_min_labels;
  annotatorTable.setRows(data.annotators);
  progressTable.setRows(data.progress);
}

function progressBar(p) {
  const total = Math.max(1, p.sampled);
  const parts = [["once", p.once, "1×"], ["twice", p.twice, "2×"], ["thrice", p.thrice, "3×"]];
  const bar = el("div", { class: "stack", title: `${p.sampled} sampled, ${p.consensus} with consensus` },
    ...parts.map(([cls, n, label]) => el("span", { class: `seg ${cls}`, style: `width:${(100 * n) / total}%` }, n ? `${label} ${n}` : "")));
  const done = el("div", { class: "done" }, el("span", { style: `width:${(100 * p.consensus) / total}%` }));
  return el("div", {}, bar, done);
}

function drawPlot(rows) {
  const svg = $("accuracy-plot");
  if (!data) return;
  const w = 720, barH = 22, gap = 8, left = 120, h = Math.max(40, rows.length * (barH + gap) + 24);
  svg.setAttribute("viewBox", `0 0 ${w} ${h}`);
  const ns = "http://www.w3.org/2000/svg";
  const mk = (tag, attrs, text) => { const n = document.createElementNS(ns, tag); for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, v); if (text != null) n.textContent = text; return n; };
  const scale = (x) => left + x * (w - left - 110);
  const nodes = [];
  rows.forEach((a, i) => {
    const y = 10 + i * (barH + gap);
    nodes.push(mk("text", { x: left - 8, y: y + barH * 0.7, "text-anchor": "end", class: "lbl" }, a.username));
    nodes.push(mk("rect", { x: left, y, width: scale(1) - left, height: barH, class: "track" }));
    if (a.accuracy != null) nodes.push(mk("rect", { x: left, y, width: scale(a.accuracy) - left, height: barH, class: a.flagged ? "bar flagged" : "bar" }));
    nodes.push(mk("text", { x: scale(1) + 6, y: y + barH * 0.7, class: "lbl" }, a.accuracy == null ? "no gold yet" : pct(a.accuracy)));
  });
  const gx = scale(data.project.accuracy_gate);
  nodes.push(mk("line", { x1: gx, x2: gx, y1: 4, y2: h - 14, class: "gate" }));
  nodes.push(mk("text", { x: gx, y: h - 2, "text-anchor": "middle", class: "lbl" }, `gate ${pct(data.project.accuracy_gate)}`));
  svg.replaceChildren(...nodes);
}

// In-page dialogs and notices, never the browser's pop-ups (common/dialog.js, issue 14).
async function sendBack(annotator, cls) {
  const yes = await confirmInPage({ title: "Send labels back?", danger: true, confirm: "Send back",
    text: `${annotator.username}'s labels of "${cls.class}" are set aside and their clips go back to the queue `
      + "for others to label again. Their other classes are not touched." });
  if (!yes) return;
  try {
    const res = await api(`/api/annotators/${annotator.id}/send-back/`, { method: "POST", body: { action_class: cls.class_id } });
    notify(`${res.labels_sent_back} labels of ${annotator.username} sent back; their clips are in the queue again.`);
  } catch (err) {
    notify(`Nothing was sent back: ${err.message}.`, { kind: "error", hideAfterMs: 0 });
  }
  refresh();
}

async function clarify(p) {
  const text = await promptInPage({ title: `Clarify "${p.class}"`, confirm: "Send to annotators",
    text: "Annotators of this class must read and acknowledge it before their next page.",
    label: "Clarification", placeholder: "e.g. A throw counts only when the ball leaves the hand.",
    emptyMessage: "Type the clarification first (or Cancel)." });
  if (text === null) return;
  // One that changes the guideline withdraws the class's qualifications (where the project requires them).
  // Asked only where annotators qualify: elsewhere the answer would change nothing.
  const changes = data.project.qualification_required && await confirmInPage({
    title: "Does this change the guideline?", confirm: "Yes: qualify again",
    text: "If it does, annotators of the class must pass its qualification set again before more real work." });
  try {
    await api(`/api/classes/${p.class_id}/clarifications/`, { method: "POST", body: { text, changes_guideline: changes } });
    notify(`Clarification sent: annotators of "${p.class}" see it before their next page.`);
  } catch (err) {
    notify(`Not sent: ${err.message}.`, { kind: "error", hideAfterMs: 0 });
  }
  refresh();
}

refresh();
setInterval(refresh, 5000);
