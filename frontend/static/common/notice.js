// The tools' in-page message (never alert()): what happened and what to do about it, with at most one action button
// (e.g. Reload). One message at a time; a new one replaces the last. The page holds an empty <div id="notice">
// (made here on a page that has none).
import { el } from "./api.js";

let hideTimer = null;

// kind: "info" | "warn" | "error". hideAfterMs: 0 keeps it until replaced or cleared (a message that needs an action).
export function notify(text, { kind = "info", action = null, hideAfterMs = 6000 } = {}) {
  const box = document.getElementById("notice") || document.body.appendChild(
    el("div", { id: "notice", class: "notice", role: "status", "aria-live": "polite", hidden: true })); // a page without one
  clearTimeout(hideTimer);
  const parts = [el("span", { class: "notice-text" }, text)];
  if (action) parts.push(el("button", { class: "primary small", type: "button", onclick: action.run }, action.label));
  if (!action) parts.push(el("button", { class: "link notice-close", type: "button", title: "Dismiss",
    "aria-label": "Dismiss", onclick: clearNotice }, "×"));
  box.replaceChildren(...parts);
  box.dataset.kind = kind;
  box.hidden = false;
  if (hideAfterMs) hideTimer = setTimeout(clearNotice, hideAfterMs);
}

export function clearNotice() {
  const box = document.getElementById("notice");
  if (!box) return;
  clearTimeout(hideTimer);
  box.hidden = true;
  box.replaceChildren();
  delete box.dataset.kind;
}

// Is a message up? A tool that reports a background result (the grid's "Page saved") leaves a newer one in place.
export function noticeShown() {
  const box = document.getElementById("notice");
  return Boolean(box && !box.hidden);
}
