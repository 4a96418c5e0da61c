// The clarification gate both tools share: show the admin's new clarifications in the page's #clarify-dialog, and
// continue (`then`) once the annotator has acknowledged every one of them.
import { api, el } from "./api.js";

export function askToAcknowledge(clarifications, then) {
  const dialog = document.getElementById("clarify-dialog");
  document.getElementById("clarify-text").replaceChildren(
    ...clarifications.map((c) => el("p", { class: "clarification" }, c.text)));
  dialog.showModal();
  document.getElementById("clarify-ack").onclick = async () => {
    for (const c of clarifications) await api(`/api/clarifications/${c.id}/ack/`, { method: "POST" });
    dialog.close();
    await then();
  };
}
