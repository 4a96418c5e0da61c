// Active working time: seconds in which the page was visible and the person had used mouse or keyboard within the
// last IDLE_LIMIT seconds. Watching clips loop counts (a verifier looks before clicking); a coffee break does not.
const IDLE_LIMIT_MS = 30_000;
const TICK_MS = 1000;

export class ActiveTimer {
  constructor() {
    this.activeMs = 0;
    this.lastInput = performance.now();
    const touch = () => { this.lastInput = performance.now(); };
    for (const type of ["mousemove", "mousedown", "keydown", "wheel", "touchstart", "scroll"]) {
      window.addEventListener(type, touch, { passive: true, capture: true });
    }
    setInterval(() => {
      const now = performance.now();
      if (!document.hidden && now - this.lastInput <= IDLE_LIMIT_MS) this.activeMs += TICK_MS;
    }, TICK_MS);
  }

  reset() { this.activeMs = 0; this.lastInput = performance.now(); }

  seconds() { return this.activeMs / 1000; }
}
