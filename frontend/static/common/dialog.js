// In-page dialogs in place of the browser's confirm() and prompt() (issue 14): they say what will happen in the page's
// own words and style, name the action on the button ("Send back 12 labels", not "OK"), and are driven by the
// keyboard (Enter confirms, Esc cancels). Built with el(): no inline script or style, so the CSP allows them.
import { el } from "./api.js";

// title, text: what will happen; confirm: the button's words. Resolves true (confirmed) or false (cancelled).
export function confirmInPage({ title, text, confirm, danger = false }) {
  return ask({ title, text, confirm, danger }).then((answer) => answer !== null);
}

// As confirmInPage, with a text field: resolves the text typed (trimmed), or null when cancelled. `required`: an empty
// text is refused in the dialog with `emptyMessage`, which says what to type.
export function promptInPage({ title, text, label, confirm, placeholder = "", required = true,
  emptyMessage = "Type something first." }) {
  return ask({ title, text, confirm, field: { label, placeholder, required, emptyMessage } });
}

function ask({ title, text, confirm, danger = false, field = null }) {
  return new Promise((resolve) => {
    const input = field ? el("textarea", { id: "in-page-dialog-input", rows: "3", placeholder: field.placeholder }) : null;
    const error = el("p", { class: "error", id: "in-page-dialog-error", role: "alert" });
    const cancel = el("button", { type: "button", id: "in-page-dialog-cancel" }, "Cancel");
    const ok = el("button", { type: "submit", class: danger ? "primary danger" : "primary", id: "in-page-dialog-confirm" },
      confirm);
    const form = el("form", { method: "dialog" },
      el("h2", {}, title), el("p", {}, text),
      ...(field ? [el("label", { for: "in-page-dialog-input" }, field.label), input] : []),
      error, el("div", { class: "actions" }, cancel, ok));
    const dialog = el("dialog", { class: "in-page-dialog", id: "in-page-dialog", "aria-label": title }, form);
    let answer = null;
    form.addEventListener("submit", (e) => {
      if (field && field.required && !input.value.trim()) {
        e.preventDefault();
        error.textContent = field.emptyMessage;
        input.focus();
        return;
      }
      answer = field ? input.value.trim() : "";
    });
    if (input) {
      input.addEventListener("keydown", (e) => { // Enter sends, Shift+Enter is a new line
        if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); form.requestSubmit(); }
      });
    }
    cancel.addEventListener("click", () => dialog.close());
    dialog.addEventListener("close", () => { dialog.remove(); resolve(answer); });
    document.body.append(dialog);
    dialog.showModal();
    (input || ok).focus();
  });
}
