// The clarification gate both tools share: show the admin's new clarifications in the page's #clarify-dialog, and
// continue (`then`) once the annotator has acknowledged every one of them. Closed without that (Esc), the dialog
// leaves a notice with a button to open it again: the next page waits for it, and the screen says so, not blank.
import { api, el } from "./api.js";
import { clearNotice, notify } from "./notice.js";

export function askToAcknowledge(clarifications, then, { what = "page" } = {}) {
  const dialog = document.getElementById("clarify-dialog");
  let acknowledged = false;
  document.getElementById("clarify-text").replaceChildren(
    ...clarifications.map((c) => el("p", { class: "clarification" }, c.text)));
  const open = () => { clearNotice(); dialog.showModal(); };
  dialog.onclose = () => {
    if (acknowledged) return;
    const these = clarifications.length === 1 ? "the new clarification" : `the ${clarifications.length} new clarifications`;
    notify(`Your next ${what} comes once you have read ${these} for this class.`,
      { kind: "warn", hideAfterMs: 0, action: { label: "Read it now", run: open } });
  };
  open();
  document.getElementById("clarify-ack").onclick = async () => {
    for (const c of clarifications) await api(`/api/clarifications/${c.id}/ack/`, { method: "POST" });
    acknowledged = true;
    dialog.close();
    await then();
  };
}
