// The next page, leased and warmed while the annotator works on this one, so that Submit can put it on screen at once
// (issue 14: the next page on screen < 100 ms after Submit, its first clip playing < 300 ms; measured by
// tests/benchmarks/bench_grid_browser.py). Warm: every poster is fetched (tiny), and the first PRELOADED clips in page
// order get a video element that loads its clip now, which the page's tiles then take over: their first frames are
// decoded before the page is shown, so a tile plays as soon as it is seen. The rest stream when seen (playback.js).
// Fetching a page does not start its submit floor: the server counts from POST …/shown/, sent only once the page is
// really on screen and the page before it is saved (grid.js).
import { clipVideo } from "./playback.js";

// Clips of the page's first rows (the layout keeps page order but for small groups moved up into holes: layout.js).
// Eight: one row at 1440×900, the first clips seen. Each is a download and a decoder competing with the page on
// screen; no other count was measured (docs/benchmarks.md, "Grid in the browser").
export const PRELOADED = 8;

export class UpcomingPage {
  #request;
  #pending = null; // the lease request in flight: a promise of a page or null
  #page = null;
  #videos = new Map(); // item uid -> its preloaded <video>

  // request(after): a promise of the page after `after` (the page-next API's prefetch), rejecting when none waits.
  constructor(request) {
    this.#request = request;
  }

  // Lease the page after `current` and warm it; a failure (nothing waiting, a clarification to read) leaves no page:
  // Submit then asks for one the usual way, which says why.
  fetch(current) {
    this.discard();
    const pending = this.#request(current).catch(() => null);
    this.#pending = pending;
    pending.then((page) => { if (this.#pending === pending) this.#keep(page); });
  }

  // The page to show after `current` with its preloaded videos, waiting for a lease still on its way; null when
  // there is none (or the lease came back as `current` itself: shown again after an expiry, ask again).
  async take(current) {
    if (this.#pending) await this.#pending;
    const page = this.#page, videos = this.#videos;
    this.#pending = null;
    this.#page = null;
    this.#videos = new Map();
    return page && page.items.length && page.page !== current ? { page, videos } : null;
  }

  // A page taken and then taken off the screen again (the submit of the page before it was refused): keep it for the
  // next Submit, warmed again (its videos went with its tiles).
  putBack(page) {
    this.discard();
    this.#keep(page);
  }

  discard() {
    this.#videos.forEach((video) => { video.removeAttribute("src"); video.load(); });
    this.#pending = null;
    this.#page = null;
    this.#videos = new Map();
  }

  #keep(page) {
    this.#page = page;
    if (!page) return;
    for (const it of page.items) { const img = new Image(); img.src = it.poster_url; }
    for (const it of page.items.slice(0, PRELOADED)) {
      if (it.video_url) this.#videos.set(it.item, clipVideo(it, { preload: true }));
    }
  }
}
