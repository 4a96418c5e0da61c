// Small fetch wrapper: session auth, CSRF header, JSON both ways, errors carried as {status, body}.
// The one place an answer becomes an error: an ApiError has the HTTP status (0: the server was not reached), the
// JSON body, the body's `code` (e.g. "too_early", "conflict") and a message meant for the person.
import { csrfToken } from "./csrf.js";

export class ApiError extends Error {
  constructor(status, body) {
    super(messageOf(status, body));
    this.status = status;
    this.body = body || {};
    this.code = this.body.code || null;
  }
}

// DRF answers {detail} for most refusals and {field: [message, …]} for a bad input: name the first either way.
function messageOf(status, body) {
  if (status === 0) return "the server could not be reached (check the connection)";
  if (body && typeof body.detail === "string" && body.detail) return body.detail;
  const field = body && typeof body === "object" && Object.entries(body).find(([, v]) => Array.isArray(v) && v.length);
  if (field) return `${field[0]}: ${field[1][0]}`;
  return `the server answered ${status}`;
}

export async function api(path, { method = "GET", body } = {}) {
  let res;
  try {
    res = await fetch(path, {
      method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken(), Accept: "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, null); // offline, or the answer was lost on the way: the request may or may not have run
  }
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
