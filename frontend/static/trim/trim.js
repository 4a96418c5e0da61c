// Trim tool (HAA500): set the exact first and last frame of an atomic action in a clip's video, and the clip's number
// of dominant people and moving camera. State lives in one object (state.js); render() draws it (view.js). Keyboard
// first (? shows the keys, input.js). Nothing is stored until Save (Enter); leaving with unsaved changes asks first.
import { api, ApiError } from "../common/api.js";
import { wireInput } from "./input.js";
import * as model from "./model.js";
import { fitSelection, seekFrame, wirePlayer } from "./player.js";
import { $, ctx, dirty, state, video } from "./state.js";
import { flash, render } from "./view.js";

async function save() {
  if (state.saving) return;
  state.saving = true;
  render();
  const body = { first_frame: state.sel.first, last_frame: state.sel.last, dominant_people: state.people,
    camera_moving: state.cameraMoving };
  const sent = model.snapshot(state);
  try {
    const curation = await api(ctx.api, { method: "PUT", body });
    state.saved = sent;
    state.trimmed = curation.trimmed;
    state.savedAt = new Date().toLocaleTimeString();
    const missing = [state.people == null && "dominant people", state.cameraMoving == null && "camera"].filter(Boolean);
    state.message = missing.length ? `Saved. Not set yet: ${missing.join(", ")}.` : "";
  } catch (err) {
    const detail = err instanceof ApiError ? Object.values(err.body).flat().join(" ") || err.message : err.message;
    flash(`Not saved: ${detail}`);
  } finally {
    state.saving = false;
    render();
  }
}

// Staff: the next clip of this class without a trim (the curation back end's list).
async function nextClip() {
  if (!ctx.next_api) return;
  try {
    const page = await api(ctx.next_api);
    const next = page.results.find((c) => c.uid !== ctx.clip.uid);
    if (!next) return flash("No clip of this class is left to trim.");
    window.location.assign(`/trim/${next.uid}/`); // unsaved changes: the browser asks first (beforeunload)
  } catch (err) {
    flash(`Could not find the next clip: ${err.message}`);
  }
}

wireInput({ save, nextClip });
wirePlayer();
window.addEventListener("beforeunload", (e) => {
  if (!dirty()) return;
  e.preventDefault();
  e.returnValue = ""; // the browser shows its own "leave site?" question
});
window.addEventListener("resize", render);

fitSelection();
if (ctx.media) {
  if (ctx.media.sprite) {
    state.sprite = new Image();
    state.sprite.onload = render;
    state.sprite.src = ctx.media.sprite.url;
  }
  video.src = ctx.media.url;
  video.addEventListener("loadedmetadata", () => seekFrame(state.frame), { once: true });
} else {
  $("no-media").hidden = false;
  video.hidden = true;
}
render();
