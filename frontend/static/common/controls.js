// Controls the video tools share: the keyboard-help dialog, and buttons that hand the keyboard back after a click.

// `?` opens the help dialog and, pressed inside it, closes it again. Answers the toggle for the tool's own `?` key.
export function helpDialog(dialog) {
  const toggle = () => { if (dialog.open) dialog.close(); else dialog.showModal(); };
  dialog.addEventListener("keydown", (e) => { if (e.key === "?") { e.preventDefault(); toggle(); } });
  return toggle;
}

// A clicked button keeps no focus: Space and Enter stay the tool's keys, not a repeat of the last click.
export function releaseFocusAfterClick(selector) {
  for (const button of document.querySelectorAll(selector)) button.addEventListener("mouseup", () => button.blur());
}
