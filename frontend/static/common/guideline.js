// The guideline panel beside the grid and the timeline: the class's definition, its clarifications and example clips
// (HACS: annotators see positive and hard-negative examples while they label). Each tool lays out the examples.
import { api, el } from "./api.js";

// Fill #definition and #clarifications; answer the guideline for the tool's examples.
export async function showGuideline(actionClass) {
  const g = await api(`/api/classes/${actionClass}/guideline/`);
  document.getElementById("definition").textContent = g.definition || "No definition yet.";
  document.getElementById("clarifications").replaceChildren(...g.clarifications.map((c) =>
    el("div", { class: "clarification" }, el("b", {}, "Clarification: "), c.text)));
  return g;
}

// An example clip loops silently.
export function exampleVideo(example) {
  const video = el("video", { src: example.video_url, poster: example.poster_url, muted: true, autoplay: true, loop: true,
    playsinline: true });
  video.muted = true; // the attribute sets only the default; autoplay needs the property
  return video;
}
