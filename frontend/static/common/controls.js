// Controls the video tools share: the keyboard-help dialog, and buttons that hand the keyboard back after a click.

// `?` opens the help dialog and, pressed inside it, closes it again. Answers the toggle for the tool's own `?` key.
// It opens at its title: showModal() focuses the first focusable element, the Close button at the bottom of a list
// taller than the screen, and scrolled the title out of sight (issue 14); the title is autofocus and the list starts
// at its top.
export function helpDialog(dialog) {
  const toggle = () => {
    if (dialog.open) { dialog.close(); return; }
    dialog.showModal();
    dialog.scrollTop = 0;
  };
  // stopped here: once closed, the dialog no longer holds the key, and the tool's own `?` would open it again
  dialog.addEventListener("keydown", (e) => { if (e.key === "?") { e.preventDefault(); e.stopPropagation(); toggle(); } });
  return toggle;
}

// A clicked button keeps no focus: Space and Enter stay the tool's keys, not a repeat of the last click.
export function releaseFocusAfterClick(selector) {
  for (const button of document.querySelectorAll(selector)) button.addEventListener("mouseup", () => button.blur());
}
