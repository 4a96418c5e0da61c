// Small fetch wrapper: session auth, CSRF header, JSON both ways, errors carried as {status, body}.
import { csrfToken } from "./csrf.js";

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.detail) || `request failed (${status})`);
    this.status = status;
    this.body = body || {};
  }
}

export async function api(path, { method = "GET", body } = {}) {
  const res = await fetch(path, {
    method,
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken(), Accept: "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = { detail: text.slice(0, 200) }; }
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k === "dataset") Object.assign(node.dataset, v);
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    // Through the CSSOM: the Content-Security-Policy (style-src 'self') refuses a style *attribute*, not this.
    else if (k === "style") node.style.cssText = v;
    else if (v === true) node.setAttribute(k, "");
    else if (v !== false && v != null) node.setAttribute(k, v);
  }
  for (const c of children.flat()) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
}

// Keys typed into a form field or an open dialog belong to it, not to the tool's shortcuts. Only an *open* dialog
// counts: right after Escape closes one, Chromium leaves focus on its (now hidden) button until its next focus
// fix-up, and a key pressed in that moment must still reach the tool.
export function keyBelongsToForm(event) {
  const target = event.target;
  return Boolean(target.closest && target.closest("dialog[open], input, textarea, select"));
}
