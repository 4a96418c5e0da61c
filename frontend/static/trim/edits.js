// Edits of the trim: the selection's first and last frame, and the clip's metadata. Nothing is stored until Save.
import * as model from "./model.js";
import { seekFrame } from "./player.js";
import { state, video } from "./state.js";
import { render } from "./view.js";

// `[`: the action's first frame is the one on screen.
export function markFirst() {
  video.pause();
  state.sel = model.setFirst(state.sel, state.frame);
  seekFrame(state.frame);
}

// `]`: the action's last frame is the one on screen.
export function markLast() {
  video.pause();
  state.sel = model.setLast(state.sel, state.frame);
  seekFrame(state.frame);
}

// `{` / `}`: show the selection's first / last frame.
export function goTo(edge) {
  video.pause();
  seekFrame(edge === "first" ? state.sel.first : state.sel.last);
}

export function setPeople(n) {
  state.people = n;
  render();
}

export function setCamera(moving) {
  state.cameraMoving = moving;
  render();
}

// `m`: not set or still → moving; moving → still.
export const toggleCamera = () => setCamera(model.toggleCamera(state.cameraMoving));

// Dragging a selection edge to tool time `t`; the frame under the moving edge is shown.
export function dragEdgeTo(edge, t) {
  state.sel = model.dragEdge(state.sel, edge, t, state.ctx.fps, state.window.first, state.window.last);
  const k = edge === "start" ? state.sel.first : state.sel.last;
  if (k !== state.frame) seekFrame(k);
  else render();
}
