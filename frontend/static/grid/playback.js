// Only the clips on screen decode and play (issue 14): a page of 200 clips then costs about what the ones in view
// cost. An IntersectionObserver plays a tile's video while any of it is in the viewport; when it leaves, the video
// is paused and its source released (the element shows its poster again and the browser drops its decoder and
// buffers). A video's URL waits in data-src until its tile is first seen, so off-screen clips are never fetched.
import { el } from "../common/api.js";

// A tile's video. preload: load the clip now (the next page's first clips, upcoming.js), so it plays as soon as seen.
export function clipVideo(item, { preload = false } = {}) {
  return el("video", { poster: item.poster_url, dataset: { src: item.video_url }, muted: true, loop: true,
    playsinline: true, preload: preload ? "auto" : "none", src: preload ? item.video_url : null });
}

export class OnScreenPlayback {
  constructor() {
    // threshold 0, no margin: "on screen" means at least one pixel in the viewport, so nothing off it decodes.
    this.observer = new IntersectionObserver((entries) => entries.forEach((entry) => this.#update(entry)),
      { threshold: 0 });
    this.watched = [];
  }

  // The videos of a newly drawn page; those of the page before are released. A video of both (the same page laid
  // out again) is released now and played again by the observer; the others, already off the page, once the new
  // page is painted (releasing ~50 players took ~50 ms of the swap: docs/benchmarks.md).
  watch(videos) {
    this.observer.disconnect();
    const kept = new Set(videos), gone = this.watched.filter((video) => !kept.has(video));
    this.watched.filter((video) => kept.has(video)).forEach(release);
    if (gone.length) requestAnimationFrame(() => setTimeout(() => gone.forEach(release)));
    this.watched = [...videos];
    this.watched.forEach((video) => this.observer.observe(video));
  }

  // Submit pressed: this page is about to go. Its videos stop, so the renderer's main thread (busy presenting every
  // playing clip's frames) takes the submit's answer and draws the next page at once (tests/benchmarks/
  // bench_grid_browser.py). resume() plays them again when the submit was refused and the page stays.
  hold() {
    this.watched.forEach((video) => video.pause());
  }

  resume() {
    this.watch(this.watched);
  }

  #update(entry) {
    const video = entry.target;
    if (entry.isIntersecting) {
      if (!video.dataset.src) return; // a clip without media: its poster (or black) stays
      if (video.getAttribute("src") !== video.dataset.src) video.src = video.dataset.src;
      video.muted = true;
      video.play().catch(() => {}); // a clip that cannot play keeps its poster; the tile still flips
    } else {
      release(video);
    }
  }
}

function release(video) {
  if (!video.hasAttribute("src")) return;
  video.pause();
  video.removeAttribute("src");
  video.load(); // with no source the element lets its media go and shows its poster
}
