// Nothing stored unseen (issue 11), the client's half: one guard per tool around its Submit.
//  - A page or video may be submitted `min_seconds` (the server's floor, from its payload) after it was put on screen;
//    until then Submit shows a countdown, and a press (button, Enter, Ctrl+Enter) says how long is left.
//  - A page that came up because of a Submit waits SETTLE_MS at least, whatever the floor: the second press of a
//    double Enter or double click lands there and must not submit a page nobody has seen.
//  - A press while a submit is in flight does nothing (the tool shows it is saving: status line, Submit disabled).
//    A tool that shows the next page before the server has answered (the grid) says so (`previousSaving`): Submit
//    on that page waits for the answer, so pages are stored in order and a refused one can come back (restore()).
//  - Each page shown gets its own submit token: a retry of the same submit sends it again, so the server can tell a
//    retry (answered "already submitted") from another tab's submit (409 conflict).
import { notify } from "./notice.js";

export const SETTLE_MS = 1000;

export function newSubmitToken() {
  const bytes = crypto.getRandomValues(new Uint8Array(16)); // randomUUID needs a secure context; this does not
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export class SubmitGuard {
  #button;
  #label;
  #title;
  #what;
  #lookAt;
  #shownAt = 0;
  #readyAt = 0;
  #minMs = 0;
  #ticker = null;
  #afterSubmit = false;
  #previousSaving = false;

  // what: "page" | "video"; lookAt: what a person should look at first ("every clip").
  constructor({ button, what, lookAt }) {
    this.#button = button;
    this.#label = button.textContent;
    this.#title = button.title;
    this.#what = what;
    this.#lookAt = lookAt;
    this.inFlight = false;
    this.token = "";
  }

  // A new page or video is on screen. afterSubmit: it came up because of a Submit (see SETTLE_MS); previousSaving:
  // that submit has not been answered yet (previousSaved() says when it has).
  shown({ minSeconds = 0, afterSubmit = false, previousSaving = false } = {}) {
    const now = performance.now();
    this.#shownAt = now;
    this.#minMs = Math.max(0, Number(minSeconds) || 0) * 1000;
    this.#afterSubmit = afterSubmit;
    this.#previousSaving = previousSaving;
    this.#readyAt = now + Math.max(this.#minMs, afterSubmit ? SETTLE_MS : 0);
    this.inFlight = false;
    this.token = newSubmitToken();
    this.#paint();
  }

  previousSaved() {
    this.#previousSaving = false;
  }

  // What restore() needs to bring a page back as it was: its count (it was on screen all along) and its token (a
  // submit of it again is a retry of the same one).
  snapshot() {
    return { shownAt: this.#shownAt, readyAt: this.#readyAt, minMs: this.#minMs, afterSubmit: this.#afterSubmit,
      token: this.token };
  }

  // The page of `saved` is on screen again: its submit was refused after the next page had been shown.
  restore(saved) {
    this.#shownAt = saved.shownAt;
    this.#readyAt = saved.readyAt;
    this.#minMs = saved.minMs;
    this.#afterSubmit = saved.afterSubmit;
    this.#previousSaving = false;
    this.token = saved.token;
    this.inFlight = false;
    this.#paint();
  }

  // The server recorded the page as shown just now: its floor counts from here, so count from here too.
  confirmed() {
    this.#readyAt = Math.max(this.#readyAt, performance.now() + this.#minMs);
    this.#paint();
  }

  // The server refused a submit as too early: wait as long as it says.
  waitMore(seconds) {
    // (+0.2 s: the server rounds its answer to 0.1 s)
    this.#readyAt = Math.max(this.#readyAt, performance.now() + (Math.max(0.5, Number(seconds) || 0) + 0.2) * 1000);
    this.#paint();
  }

  remaining() {
    return Math.max(0, (this.#readyAt - performance.now()) / 1000);
  }

  // May a submit start now? If it is too soon, say so (a press is never met with silence).
  mayStart() {
    if (this.inFlight) return false;
    const left = this.remaining();
    if (left > 0) {
      const onScreen = Math.max(0, (performance.now() - this.#shownAt) / 1000);
      // Right after a submit this is most likely the second press of a double one: say where the last one is.
      const where = this.#previousSaving ? "is being saved" : "was saved";
      const saved = this.#afterSubmit && onScreen < 3 ? ` The previous ${this.#what} ${where}.` : "";
      notify(`Not submitted: this ${this.#what} has been on screen for only ${onScreen.toFixed(1)} s. `
        + `Look at ${this.#lookAt} first; Submit works in ${Math.ceil(left)} s.${saved}`, { kind: "warn", hideAfterMs: 4000 });
      return false;
    }
    if (this.#previousSaving) {
      notify(`Not submitted yet: the previous ${this.#what} is still being saved. Press Submit again in a moment.`,
        { kind: "warn", hideAfterMs: 4000 });
      return false;
    }
    return true;
  }

  begin() { this.inFlight = true; }

  end() { this.inFlight = false; }

  #paint() {
    clearInterval(this.#ticker);
    const tick = () => {
      const left = this.remaining();
      const waiting = left > 0;
      this.#button.classList.toggle("waiting", waiting);
      this.#button.setAttribute("aria-disabled", waiting ? "true" : "false");
      this.#button.textContent = waiting ? `${this.#label} · ${Math.ceil(left)} s` : this.#label;
      this.#button.title = waiting ? `Look at ${this.#lookAt} first: Submit works in ${Math.ceil(left)} s` : this.#title;
      if (!waiting) clearInterval(this.#ticker);
    };
    tick();
    if (this.remaining() > 0) this.#ticker = setInterval(tick, 200);
  }
}
