// The trim tool's one state object and the page it lives on; every other module of the tool reads and writes these.
import * as model from "./model.js";

export const $ = (id) => document.getElementById(id);
export const ctx = JSON.parse($("trim-data").textContent);
export const video = $("player");
export const fps = ctx.fps;
export const origin = ctx.media ? ctx.media.origin : 0; // media time of frame 0's start (see model.js)

const initial = ctx.curation.trimmed
  ? { first: ctx.curation.first_frame, last: ctx.curation.last_frame }
  : { first: ctx.clip_frames[0], last: ctx.clip_frames[1] }; // untrimmed: start from the grid clip's frames

export const state = {
  ctx,
  sel: initial,                               // {first, last}: frame numbers, inclusive
  people: ctx.curation.dominant_people,       // 1, 2, 3 (more than 2) or null
  cameraMoving: ctx.curation.camera_moving,   // true, false or null
  trimmed: ctx.curation.trimmed,              // the server holds a trim
  frame: initial.first,                       // the frame on screen (or being sought)
  window: { first: ctx.window[0], last: ctx.window[1] }, // frames the tool reaches
  view: { start: 0, end: 1 },                 // the zoomed bar's tool times
  playing: false,
  loop: false,
  drag: null,                                 // {edge, box} while a selection edge is dragged
  saving: false,
  savedAt: null,
  saved: "",                                  // snapshot at load or at the last save
  message: "",
  sprite: null,                               // the timeline proxy's film-strip sprite sheet (an Image)
};
state.saved = model.snapshot(state);

export const dirty = () => model.snapshot(state) !== state.saved;
export const toolTime = () => video.currentTime - origin;
export const lo = () => state.window.first;
export const hi = () => state.window.last;
