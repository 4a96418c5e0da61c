// Dashboard section: mining progress bars per video, polled every 3 s while anything runs.
import { api, el } from "../common/api.js";
import { confirmInPage } from "../common/dialog.js";

const project = document.getElementById("dashboard").dataset.project;
const $ = (id) => document.getElementById(id);

async function refresh() {
  let data;
  try { data = await api(`/api/projects/${project}/mining/`); } catch { return; }
  const stages = Object.entries(data.stages).map(([s, n]) => `${s}: ${n}`).join(" · ");
  $("mining-stages").textContent = stages ? `Videos per stage — ${stages}` : "No video has been mined yet.";
  $("mining-jobs").hidden = !data.jobs.length;
  $("mining-jobs").querySelector("tbody").replaceChildren(...data.jobs.map((j) =>
    el("tr", { class: j.state === "failed" ? "flagged" : "", dataset: { video: j.video } },
      el("td", {}, j.video), el("td", {}, j.class),
      el("td", {}, `${j.stage} (${j.state})${j.strategy ? ` · ${j.strategy}` : ""}`),
      el("td", {}, el("progress", { max: "100", value: String(Math.round(j.progress * 100)) }),
        ` ${Math.round(j.progress * 100)}%`),
      el("td", {}, j.message || ""))));  // why removed, or why Random sampling (e.g. a class added after training)
  $("mining-classifiers").textContent = data.classifiers.length
    ? data.classifiers.map((c) => `${c.kind} v${c.version} (validation accuracy ${(c.val_accuracy * 100).toFixed(1)}%)`).join(", ")
    : "none trained yet (Random sampling until then)";
  const pct = (x) => (x == null ? "—" : `${(x * 100).toFixed(1)}%`);
  $("learning-rounds").hidden = !data.rounds.length;
  $("learning-empty").hidden = Boolean(data.rounds.length);
  $("learning-rounds").querySelector("tbody").replaceChildren(...data.rounds.map((r) =>
    el("tr", {}, el("td", {}, r.round), el("td", { class: "num" }, pct(r.youtube_accuracy)),
      el("td", { class: "num" }, pct(r.web_accuracy)), el("td", { class: "num" }, r.training_clips),
      el("td", { class: "num" }, r.videos_resampled), el("td", { class: "num" }, r.sampled),
      el("td", { class: "num" }, pct(r.positive_rate)), el("td", { class: "num" }, pct(r.disagreement_rate)),
      el("td", { class: "num" }, `${r.labels_spent_before} + ${r.labels}`))));
  const running = data.jobs.some((j) => j.state === "queued" || j.state === "running");
  setTimeout(refresh, running ? 3000 : 10000);
}

// Asks first, stating how many videos it queues (issue 14): the number is read again at the click, not the last poll's.
$("mine-start").addEventListener("click", async () => {
  let count;
  try { count = (await api(`/api/projects/${project}/mining/`)).to_mine; } catch (err) {
    $("mine-status").textContent = `Could not count the videos to mine: ${err.message}.`;
    return;
  }
  if (!count) {
    $("mine-status").textContent = "Nothing to mine: every video is mined or removed. Upload videos first.";
    return;
  }
  const videos = count === 1 ? "1 video" : `${count} videos`;
  const yes = await confirmInPage({ title: `Mine ${videos}?`, confirm: `Mine ${videos}`,
    text: `${videos} not mined yet go through the pipeline (features, de-dup, shots, people, scores, sampling) on the `
      + "workers. Their progress shows below; new clips reach the queues as each video finishes." });
  if (!yes) return;
  try {
    const res = await api(`/api/projects/${project}/mining/`, { method: "POST", body: {} });
    $("mine-status").textContent = `${res.queued} video(s) queued`;
  } catch (err) {
    $("mine-status").textContent = `Not started: ${err.message}.`;
  }
  refresh();
});

refresh();
