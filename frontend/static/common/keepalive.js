// A request that outlives the page: sent from `pagehide`, so closing the tab still delivers the last edits.
// Fire and forget: the page is going away, nobody is left to read the answer.
import { csrfToken } from "./csrf.js";

export function sendKeepalive(path, { method = "PUT", body }) {
  fetch(path, {
    method, keepalive: true, credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() }, body: JSON.stringify(body),
  }).catch(() => {});
}
