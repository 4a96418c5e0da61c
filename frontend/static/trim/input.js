// Keyboard and pointer: the keymap (the help dialog lists it, `?`), clicks and drags on the two bars, the wheel, and
// the buttons that do what a key does. Save and Next come from trim.js.
import { keyBelongsToForm } from "../common/api.js";
import { helpDialog, releaseFocusAfterClick } from "../common/controls.js";
import { timeAt } from "../common/filmstrip.js";
import { frameAt } from "../common/frames.js";
import * as edits from "./edits.js";
import { centre, fitSelection, pan, seekFrame, step, toggleLoop, togglePlay, widen, zoom } from "./player.js";
import { $, fps, state, video } from "./state.js";
import { render } from "./view.js";

// --- pointer: go to a frame, drag the selection's edges ------------------------------------------------------------

function onPointerDown(event, box) {
  if (event.button !== 0) return;
  const handle = event.target.closest(".handle");
  video.pause();
  if (handle) {
    event.preventDefault();
    state.drag = { edge: handle.dataset.edge, box };
    window.addEventListener("pointermove", onDragMove);
    window.addEventListener("pointerup", onDragEnd, { once: true });
    return;
  }
  seekFrame(frameAt(timeAt(box, event.clientX), fps));
  if (box.id === "window") centre();
}

function onDragMove(event) {
  if (state.drag) edits.dragEdgeTo(state.drag.edge, timeAt(state.drag.box, event.clientX));
}

function onDragEnd() {
  window.removeEventListener("pointermove", onDragMove);
  state.drag = null;
  render();
}

// --- wiring --------------------------------------------------------------------------------------------------------

export function wireInput({ save, nextClip }) {
  const toggleHelp = helpDialog($("help-dialog"));
  const keys = {
    " ": togglePlay,
    ",": () => step(-1),
    ".": () => step(1),
    "<": () => step(-10),
    ">": () => step(10),
    ArrowLeft: (e) => step(-Math.round((e.shiftKey ? 5 : 1) * fps)),
    ArrowRight: (e) => step(Math.round((e.shiftKey ? 5 : 1) * fps)),
    "[": edits.markFirst,
    "]": edits.markLast,
    "{": () => edits.goTo("first"),
    "}": () => edits.goTo("last"),
    l: toggleLoop,
    1: () => edits.setPeople(1),
    2: () => edits.setPeople(2),
    3: () => edits.setPeople(3),
    m: edits.toggleCamera,
    Enter: save,
    "+": () => zoom(0.5),
    "=": () => zoom(0.5),
    "-": () => zoom(2),
    z: fitSelection,
    w: widen,
    n: nextClip,
    "?": toggleHelp,
  };
  document.addEventListener("keydown", (e) => {
    if (keyBelongsToForm(e)) return;
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const action = keys[e.key] || keys[e.key.length === 1 ? e.key.toLowerCase() : e.key];
    if (!action) return;
    e.preventDefault();
    action(e);
  });

  for (const id of ["window", "zoom"]) $(id).addEventListener("pointerdown", (e) => onPointerDown(e, $(id)));
  $("zoom").addEventListener("wheel", (e) => {
    e.preventDefault();
    if (e.ctrlKey || e.altKey) return zoom(e.deltaY > 0 ? 1.25 : 0.8);
    pan(e.deltaY + e.deltaX);
  }, { passive: false });

  const clicks = {
    save, "help-button": toggleHelp, play: togglePlay, loop: toggleLoop,
    "frame-back": () => step(-1), "frame-forward": () => step(1),
    "set-first": edits.markFirst, "set-last": edits.markLast,
    "go-first": () => edits.goTo("first"), "go-last": () => edits.goTo("last"),
    "zoom-in": () => zoom(0.5), "zoom-out": () => zoom(2), "zoom-fit": fitSelection, widen,
    "next-clip": nextClip, // staff only: the button is there when the list is
  };
  for (const [id, action] of Object.entries(clicks)) if ($(id)) $(id).addEventListener("click", () => action());
  for (const button of document.querySelectorAll("[data-people]")) {
    button.addEventListener("click", () => edits.setPeople(Number(button.dataset.people)));
  }
  for (const button of document.querySelectorAll("[data-camera]")) {
    button.addEventListener("click", () => edits.setCamera(button.dataset.camera === "true"));
  }
  releaseFocusAfterClick("#trim-app button, .topbar button");
}
