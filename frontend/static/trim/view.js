// Rendering the trim tool from state: the transport, the selection's facts, the metadata buttons and the two bars.
import { fmt } from "../common/frames.js";
import * as model from "./model.js";
import { clock, drawBar } from "./render.js";
import { $, dirty, fps, hi, lo, state } from "./state.js";

function pressed(selector, test) {
  for (const node of document.querySelectorAll(selector)) node.setAttribute("aria-pressed", String(test(node)));
}

export function render() {
  const d = model.describe(state.sel, fps);
  $("clock").textContent = clock(state);
  $("play").textContent = state.playing ? "❚❚ Pause" : "▶ Play";
  $("loop").setAttribute("aria-pressed", String(state.loop));
  $("first-frame").textContent = String(state.sel.first);
  $("last-frame").textContent = String(state.sel.last);
  $("frame-count").textContent = `${d.frames}`;
  $("duration").textContent = `${fmt(d.duration)} s`;
  $("span").textContent = `${fmt(d.start)} – ${fmt(d.end)} s`;
  const badge = $("trimmed-badge");
  badge.textContent = state.trimmed ? "trimmed" : "not trimmed yet";
  badge.classList.toggle("warn", !state.trimmed);
  badge.classList.toggle("ok", state.trimmed);
  pressed("[data-people]", (b) => Number(b.dataset.people) === state.people);
  pressed("[data-camera]", (b) => state.cameraMoving != null && String(state.cameraMoving) === b.dataset.camera);
  $("save").disabled = state.saving;
  const saved = $("saved");
  saved.textContent = state.saving ? "saving…" : dirty() ? "unsaved changes" : state.savedAt ? `saved ${state.savedAt}` : "";
  saved.dataset.state = state.saving ? "saving" : dirty() ? "dirty" : state.savedAt ? "saved" : "";
  $("status").textContent = state.message;
  $("window-note").textContent = `frames ${lo()}–${hi()} · ${fmt(lo() / fps)}–${fmt((hi() + 1) / fps)} s · the grey band is the grid clip`;
  drawBar($("window"), state, { from: lo() / fps, to: (hi() + 1) / fps, zoomed: false, sprite: state.sprite });
  drawBar($("zoom"), state, { from: state.view.start, to: state.view.end, zoomed: true, sprite: state.sprite });
}

export function flash(message) {
  state.message = message;
  render();
  clearTimeout(flash.timer);
  flash.timer = setTimeout(() => { state.message = ""; render(); }, 5000);
}
