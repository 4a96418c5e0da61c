// The timeline tool's one state object, its page and its clock; every other module of the tool reads and writes these.
import { ActiveTimer } from "../common/active_timer.js";

export const $ = (id) => document.getElementById(id);
export const root = $("timeline-app");
export const cfg = { project: Number(root.dataset.project), actionClass: Number(root.dataset.class), gold: root.dataset.gold === "1" };
export const video = $("player");
export const ZOOM_SECONDS = 10; // default width of the zoomed window

// Seconds spent on the video shown: active time only (common/active_timer.js), carried on from a restored draft.
export const timer = new ActiveTimer();

export const state = {
  task: null,          // {task, video_url, sprite_url, sprite, duration, fps, marks, draft, …}
  segments: [],        // [{id, start, end, from?}] sorted by start, seconds from the first frame; `from`: suggestion id
  suggestions: null,   // {state, message, method, items: [{id, start, end, score, rank}]} (S-CNN proposals)
  dismissed: {},       // suggestion id -> true
  selectedSuggestion: null,
  open: null,          // start of the segment being marked (after the first `z`)
  selected: null,      // id of the selected segment
  recording: false,    // H is held: the open segment ends where it is released (long_actions.js)
  loop: null,          // id of the segment playback loops over (L), or null
  time: 0,             // playhead, from video.currentTime
  playing: false,
  rate: 1,
  view: { start: 0, end: ZOOM_SECONDS }, // the zoomed window
  past: [], future: [], // undo / redo snapshots
  drag: null,          // {id, edge, before, box} while an edge is dragged
  busy: false,         // a submit or reject is in flight, up to the next video being shown
  version: 0,          // the task version this tab last saw (its payload, then each draft save's answer)
  conflict: null,      // why this tab stopped saving (another tab changed or submitted the video), or null
  message: "",
  save: { dirty: false, inFlight: false, at: null, failed: false },
  sprite: null,        // the task's film-strip sprite sheet (an Image)
};
