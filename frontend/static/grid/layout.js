// Rows that fill (issue 14): a video's clips stay together in one framed group, and groups wrap as units, so a group
// that does not fit the rest of a row would leave a hole there. The page's groups come in a random order (gold
// secrecy); this keeps that order except that each group goes into the first row with room for it (first fit), so
// small groups fill the holes larger ones leave. A group longer than a row is cut into full rows and a tail, drawn as
// one frame (grid.css: .continues / .continued), and the row of its tail is open to the groups that follow.
// Only group sizes and the page's geometry decide the order, nothing about the clips.
import { el } from "../common/api.js";

// pieces: [{ width, whole }] in page order (whole: a full row of a long group, whose tail must come next).
// Returns the pieces' indices in display order.
export function packPieces(pieces, rowWidth) {
  const rows = [];
  pieces.forEach((piece, i) => {
    if (piece.whole) { rows.push({ room: 0, pieces: [i] }); return; }
    const follows = i > 0 && pieces[i - 1].whole; // a long group's tail: the row right under its head
    const row = follows ? null : rows.find((r) => r.room >= piece.width);
    if (row) { row.pieces.push(i); row.room -= piece.width; }
    else rows.push({ room: rowWidth - piece.width, pieces: [i] });
  });
  return rows.flatMap((r) => r.pieces);
}

function frame(video, tiles, { continues = false, continued = false } = {}) {
  const cls = ["group", continues ? "continues" : "", continued ? "continued" : ""].filter(Boolean).join(" ");
  return el("div", { class: cls, role: "row", dataset: { video: String(video) } }, ...tiles);
}

// Lays the page's groups (arrays of tile elements, in page order) out in `container`.
export function arrangeGroups(container, groups) {
  if (!groups.length) { container.replaceChildren(); return; }
  if (!container.firstElementChild) container.append(frame(0, groups[0])); // something to measure
  const outer = getComputedStyle(container), inner = getComputedStyle(container.firstElementChild);
  const between = parseFloat(outer.columnGap) || 0;
  const within = parseFloat(inner.columnGap) || 0;
  const padding = (parseFloat(inner.paddingLeft) || 0) + (parseFloat(inner.paddingRight) || 0);
  const tileWidth = groups[0][0].getBoundingClientRect().width;
  const span = (k) => k * tileWidth + (k - 1) * within + padding;
  const rowWidth = container.clientWidth;
  let perRow = 1;
  while (span(perRow + 1) <= rowWidth) perRow += 1;
  const pieces = groups.flatMap((tiles, video) => {
    const parts = [];
    for (let i = 0; i < tiles.length; i += perRow) parts.push(tiles.slice(i, i + perRow));
    return parts.map((part, i) => ({ video, part, whole: i < parts.length - 1, continued: i > 0,
      // +0.5 px a piece: sub-pixel widths must never fit on paper and not on screen
      width: span(part.length) + between + 0.5 }));
  });
  const order = packPieces(pieces, rowWidth + between);
  container.replaceChildren(...order.map((i) => {
    const p = pieces[i];
    return frame(p.video, p.part, { continues: p.whole, continued: p.continued });
  }));
}
