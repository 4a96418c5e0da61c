// The one active-time rule of every tool (issue 10): time counts while the page is visible and the person used mouse
// or keyboard within the last IDLE_LIMIT_MS. Watching clips loop counts (a verifier looks before clicking); a coffee
// break does not. Every number a tool sends as seconds spent comes from here, so the labelling bill compares grid,
// timeline and trim seconds counted the same way.
export const IDLE_LIMIT_MS = 30_000;
const INPUT_EVENTS = ["mousemove", "mousedown", "pointerdown", "keydown", "wheel", "touchstart", "scroll"];

export class ActiveTimer {
  #activeMs = 0;
  #countedTo;  // performance.now() up to which #activeMs is counted
  #lastInput;  // performance.now() of the last input; opening the page is the first
  #visible = !document.hidden;

  constructor() {
    this.#countedTo = this.#lastInput = performance.now();
    const touch = () => { this.#advance(); this.#lastInput = performance.now(); };
    for (const type of INPUT_EVENTS) window.addEventListener(type, touch, { passive: true, capture: true });
    document.addEventListener("visibilitychange", () => { this.#advance(); this.#visible = !document.hidden; });
  }

  // Count the time since the last call: all of it that lies within IDLE_LIMIT_MS of the last input, if visible.
  // Exact to the millisecond, with no ticking timer to drift or to be throttled in a background tab.
  #advance() {
    const now = performance.now();
    if (this.#visible) this.#activeMs += Math.max(0, Math.min(now, this.#lastInput + IDLE_LIMIT_MS) - this.#countedTo);
    this.#countedTo = now;
  }

  // Start counting a new page or video; `priorSeconds` carries on a count restored from a draft.
  reset(priorSeconds = 0) {
    this.#advance();
    this.#activeMs = priorSeconds * 1000;
  }

  seconds() {
    this.#advance();
    return this.#activeMs / 1000;
  }
}
