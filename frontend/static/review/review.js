// The review queue (issue 15 item 2): clips whose annotators split (decide with P / N), then videos whose annotators'
// segments differ (each opens the lanes view). State in one object; rendering from it.
import { api, el, keyBelongsToForm } from "../common/api.js";
import { notify } from "../common/notice.js";

const state = { clips: [], selected: 0, busy: false, videos: [] };

const percent = (x) => `${Math.round(x * 100)} %`;
const seconds = (x) => `${x.toFixed(2)} s`;

function clipCard(clip, index) {
  const labels = clip.labels.map((l) =>
    el("span", { class: `label-chip ${l.value === 1 ? "pos" : "neg"}` }, `${l.annotator}: ${l.value === 1 ? "positive" : "negative"}`));
  const video = clip.media
    ? el("video", { src: clip.media, poster: clip.poster || false, muted: true, loop: true, autoplay: true, playsinline: true })
    : el("div", { class: "muted" }, "no media");
  return el("article", {
    class: `review-clip${index === state.selected ? " selected" : ""}`,
    dataset: { uid: clip.uid },
    onclick: () => { state.selected = index; render(); },
  },
  video,
  el("div", { class: "meta" },
    el("div", {}, el("b", {}, clip.class), ` · ${clip.video} · ${seconds(clip.start)}–${seconds(clip.end)}`),
    el("div", { class: "muted" }, "agreement ", el("span", { class: "agreement" }, percent(clip.agreement))),
    el("div", { class: "labels" }, labels)),
  el("div", { class: "decide" },
    el("button", { type: "button", class: "pos", title: "Positive (P)", onclick: (e) => { e.stopPropagation(); decide(index, 1); } }, "Positive (P)"),
    el("button", { type: "button", class: "neg", title: "Negative (N)", onclick: (e) => { e.stopPropagation(); decide(index, -1); } }, "Negative (N)")));
}

function videoRow(video) {
  return el("tr", { dataset: { id: String(video.id) } },
    el("td", {}, video.class),
    el("td", {}, video.video),
    el("td", { class: "num" }, String(video.annotators.length)),
    el("td", { class: "num" }, percent(video.agreement)),
    el("td", {}, el("a", { href: `/review/videos/${video.id}/`, class: "open-lanes" }, "Open lanes")));
}

function render() {
  const box = document.getElementById("review-clips");
  box.replaceChildren(...state.clips.map(clipCard));
  document.getElementById("clips-empty").hidden = state.clips.length > 0;
  document.querySelector("#review-videos tbody").replaceChildren(...state.videos.map(videoRow));
  document.getElementById("videos-empty").hidden = state.videos.length > 0;
  document.getElementById("review-status").textContent =
    `${state.clips.length} clip(s), ${state.videos.length} video(s) to review`;
}

async function decide(index, value) {
  const clip = state.clips[index];
  if (!clip || state.busy) return;
  state.busy = true;
  try {
    await api(`/api/review/clips/${clip.uid}/decide/`, { method: "POST", body: { value } });
    state.clips.splice(index, 1);
    state.selected = Math.min(index, Math.max(0, state.clips.length - 1));
    notify(`Decided ${value === 1 ? "positive" : "negative"}: ${clip.class} · ${clip.video}`, { hideAfterMs: 2500 });
    render();
  } catch (error) {
    notify(error.message, { kind: "error" });
  } finally {
    state.busy = false;
  }
}

document.addEventListener("keydown", (event) => {
  if (keyBelongsToForm(event) || event.ctrlKey || event.metaKey || event.altKey) return;
  const key = event.key.toLowerCase();
  if (key === "p") decide(state.selected, 1);
  else if (key === "n") decide(state.selected, -1);
  else if (key === "arrowdown" || key === "j") state.selected = Math.min(state.selected + 1, state.clips.length - 1);
  else if (key === "arrowup" || key === "k") state.selected = Math.max(state.selected - 1, 0);
  else return;
  event.preventDefault();
  render();
});

async function load() {
  try {
    const [clips, videos] = await Promise.all([api("/api/review/clips/"), api("/api/review/videos/")]);
    state.clips = clips.clips;
    state.videos = videos.videos;
    render();
  } catch (error) {
    notify(error.message, { kind: "error", hideAfterMs: 0 });
  }
}

load();
