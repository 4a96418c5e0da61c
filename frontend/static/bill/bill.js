// The bill's bars take their widths from data-width (per cent): set through the DOM, which the
// Content-Security-Policy allows, where a style attribute in the template would be refused.
for (const bar of document.querySelectorAll(".bar-fill[data-width]")) {
  bar.style.width = `${Number(bar.dataset.width) || 0}%`;
}
