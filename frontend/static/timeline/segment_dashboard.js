// The dashboard's "Segment accuracy (gold videos)" section: polls the segment dashboard API every 5 s.
// Kept apart from dashboard/dashboard.js (the clip tool's) so the two evolve without touching each other.
import { api, el } from "../common/api.js";
import { confirmInPage } from "../common/dialog.js";
import { notify } from "../common/notice.js";

const root = document.getElementById("segment-section");
const project = root.dataset.project;
const $ = (id) => document.getElementById(id);
const pct = (x) => (x == null ? "—" : `${(x * 100).toFixed(1)}%`);
const num = (x, d = 1) => (x == null ? "—" : x.toFixed(d));
const seg = (s) => `${s[0].toFixed(2)}–${s[1].toFixed(2)}`;
let data = null;

async function refresh() {
  try {
    data = await api(`/api/projects/${project}/segments/dashboard/`);
    render();
  } catch (err) {
    $("segment-gate").textContent = `refresh failed: ${err.message}`;
  }
}

function render() {
  $("segment-gate").textContent = `F1 ${pct(data.project.accuracy_gate)} with at least ${data.project.min_gold_for_gate} gold videos`;
  $("segment-per-video").textContent = data.settings.annotators_per_video;
  $("segment-agreement").textContent = data.agreement.videos ? `${pct(data.agreement.mean_f1)} over ${data.agreement.videos} videos` : "—";
  $("segment-annotators").querySelector("tbody").replaceChildren(...data.annotators.map((a) =>
    el("tr", { class: a.flagged ? "flagged" : "", dataset: { user: a.username } },
      el("td", {}, a.username, a.flagged ? el("span", { class: "badge warn" }, "below gate") : ""),
      el("td", { class: "num f1" }, pct(a.f1)),
      el("td", { class: "num" }, pct(a.precision)),
      el("td", { class: "num" }, pct(a.recall)),
      el("td", { class: "num" }, pct(a.mean_tiou)),
      el("td", { class: "num" }, a.gold_videos),
      el("td", { class: "num" }, a.videos),
      el("td", { class: "num" }, a.rejected),
      el("td", { class: "num" }, num(a.seconds_per_video)),
      el("td", {}, ...a.per_class.map((c) => el("div", { class: c.flagged ? "flagged-class" : "" },
        `${c.class}: ${pct(c.f1)} (${c.gold_videos}) `,
        el("button", { class: "small", onclick: () => sendBack(a, c) }, "Send back")))))));
  $("segment-progress").querySelector("tbody").replaceChildren(...data.progress.map((p) =>
    el("tr", { dataset: { class: p.class } },
      el("td", {}, p.class),
      el("td", { class: "num" }, p.videos),
      el("td", {}, mediaBar(p)),
      el("td", { class: "num seg-done" }, p.done),
      el("td", { class: "num" }, p.rejected),
      el("td", { class: "num" }, p.gold),
      el("td", { class: "num" }, p.leased),
      el("td", {},
        p.not_queued ? el("button", { class: "small", onclick: () => enqueue(p) }, `Send ${p.not_queued} videos`) : "", " ",
        el("a", { class: "button small", href: `/timeline/${project}/${p.class_id}/?mode=gold` }, "Gold mode")))));
  $("segment-pick").querySelector("tbody").replaceChildren(...(data.to_pick.length ? data.to_pick.map((v) =>
    el("tr", {},
      el("td", {}, v.video), el("td", {}, v.class), el("td", { class: "num" }, pct(v.agreement)),
      el("td", {}, ...v.annotations.map((a) => el("div", { class: a.id === v.final ? "final" : "" },
        `${a.annotator}: ${a.rejected ? `rejected (${a.rejected})` : a.segments.map(seg).join(", ")} `,
        a.id === v.final ? el("b", {}, "exported") : el("button", { class: "small", onclick: () => pick(v, a) }, "Pick"))))))
    : [el("tr", {}, el("td", { colspan: "4", class: "muted" }, "No video has two annotations yet."))]));
}

function mediaBar(p) {
  const total = Math.max(1, p.videos);
  // Under the bar: how many videos have their S-CNN suggestions (none without a frame classifier, said so).
  const suggestions = [`suggestions ${p.suggestions_ready}/${p.videos}${data.settings.suggestions ? "" : " (hidden: switched off)"}`];
  if (p.suggestions_no_classifier) suggestions.push(`${p.suggestions_no_classifier} without a classifier`);
  if (p.suggestions_failed) suggestions.push(`${p.suggestions_failed} failed`);
  return el("div", {},
    el("div", { class: "done", title: `${p.media_ready} of ${p.videos} ready${p.media_failed ? `, ${p.media_failed} failed` : ""}` },
      el("span", { style: `width:${(100 * p.media_ready) / total}%` })),
    el("div", { class: "muted suggestions-ready", style: "font-size:12px" }, suggestions.join(" · ")));
}

async function enqueue(p) {
  await api(`/api/projects/${project}/segments/enqueue/`, { method: "POST", body: { action_class: p.class_id } });
  refresh();
}

// In-page dialogs and notices, never the browser's pop-ups (common/dialog.js, issue 14).
async function sendBack(annotator, cls) {
  const yes = await confirmInPage({ title: "Send segments back?", danger: true, confirm: "Send back",
    text: `${annotator.username}'s segments of "${cls.class}" are set aside and their videos go back to the queue.` });
  if (!yes) return;
  try {
    const res = await api(`/api/annotators/${annotator.id}/segments/send-back/`, { method: "POST", body: { action_class: cls.class_id } });
    notify(`${res.annotations_sent_back} annotations of ${annotator.username} sent back; their videos are in the queue again.`);
  } catch (err) {
    notify(`Nothing was sent back: ${err.message}.`, { kind: "error", hideAfterMs: 0 });
  }
  refresh();
}

async function pick(video, annotation) {
  await api(`/api/segment-videos/${video.segment_video}/final/`, { method: "POST", body: { annotation: annotation.id } });
  refresh();
}

refresh();
setInterval(refresh, 5000);
