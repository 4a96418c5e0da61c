// Admin dashboard, issue 15 item 1: every qualification attempt of the project (score, result, whether it still
// counts) with a reset button. Refreshes with the rest of the dashboard (every 5 s).
import { api, el } from "../common/api.js";

const root = document.getElementById("dashboard");
const project = root.dataset.project;
const $ = (id) => document.getElementById(id);
const pct = (x) => `${Math.round(x * 1000) / 10} %`;

function counts(a) {
  if (a.reset_at) return el("span", { class: "muted" }, `reset by ${a.reset_by || "an admin"}`);
  if (!a.current) return el("span", { class: "muted" }, "guideline changed since");
  return "yes";
}

async function reset(a) {
  const what = a.passed ? "withdraw this pass" : "give this attempt back";
  if (!confirm(`Reset ${a.annotator}'s attempt at "${a.class}" (${pct(a.score)})? This will ${what}.`)) return;
  await api(`/api/qualification-attempts/${a.id}/reset/`, { method: "POST" });
  refresh();
}

async function refresh() {
  let attempts;
  try {
    attempts = await api(`/api/projects/${project}/qualification-attempts/`);
  } catch {
    return; // the dashboard's own refresh says when the server is unreachable
  }
  $("qualification-empty").hidden = attempts.length > 0;
  $("qualification-attempts").querySelector("tbody").replaceChildren(...attempts.map((a) =>
    el("tr", { dataset: { attempt: String(a.id), user: a.annotator }, class: a.current ? "" : "muted" },
      el("td", {}, a.annotator),
      el("td", {}, a.class),
      el("td", {}, new Date(a.created_at).toLocaleString()),
      el("td", { class: "num score" }, `${pct(a.score)} (${a.correct}/${a.total})`),
      el("td", { class: "result" }, a.passed ? el("span", { class: "badge ok" }, "passed") : el("span", { class: "badge warn" }, "failed")),
      el("td", { class: "counts" }, counts(a)),
      el("td", {}, a.reset_at ? "" : el("button", { class: "small reset", onclick: () => reset(a) }, "Reset")))));
}

refresh();
setInterval(refresh, 5000);
