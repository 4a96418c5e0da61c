// A sortable, filterable, paginated table over rows held in memory (issue 14: 200 classes, 100 annotators).
// The dashboard polls one bounded JSON answer; this redraws the table from it keeping the admin's sort, filter and
// page, so a refresh never jumps. Click a header to sort (again: reverse), type in the box to filter.
import { el } from "../common/api.js";

const compare = (a, b) => {
  if (a == null && b == null) return 0;
  if (a == null) return 1; // no figure yet: last, whichever the direction
  if (b == null) return -1;
  return typeof a === "string" ? a.localeCompare(b, undefined, { numeric: true }) : a - b;
};

// columns: one per <th> of the table's head, in order: { sort: (row) => value } or null (not sortable).
// text: (row) => the words the filter matches. rowOf: (row) => <tr>. onRender: called with the rows on screen.
export function dataTable({ table, columns, text, rowOf, pageSize = 25, placeholder = "Filter…", onRender = () => {} }) {
  const state = { rows: [], sort: null, dir: 1, filter: "", page: 0 };
  const name = table.id;
  const filter = el("input", { type: "search", class: "table-filter", id: `${name}-filter`, placeholder,
    "aria-label": placeholder, oninput: () => { state.filter = filter.value.trim().toLowerCase(); state.page = 0; render(); } });
  const info = el("span", { class: "muted info" });
  const prev = el("button", { class: "small prev", type: "button", onclick: () => { state.page -= 1; render(); } }, "‹ Previous");
  const next = el("button", { class: "small next", type: "button", onclick: () => { state.page += 1; render(); } }, "Next ›");
  const pager = el("div", { class: "pager", id: `${name}-pager` }, prev, info, next);
  table.before(filter);
  table.after(pager);
  const heads = [...table.querySelectorAll("thead th")];
  heads.forEach((th, i) => {
    if (!columns[i]) return;
    th.classList.add("sortable");
    th.tabIndex = 0;
    const sortBy = () => {
      state.dir = state.sort === i ? -state.dir : 1;
      state.sort = i;
      state.page = 0;
      render();
    };
    th.addEventListener("click", sortBy);
    th.addEventListener("keydown", (e) => { if (e.key === "Enter") sortBy(); });
  });

  function shown() {
    let rows = state.filter ? state.rows.filter((r) => text(r).toLowerCase().includes(state.filter)) : state.rows;
    if (state.sort != null) {
      const key = columns[state.sort].sort;
      rows = [...rows].sort((a, b) => {
        const ka = key(a), kb = key(b);
        if (ka == null || kb == null) return compare(ka, kb);
        return state.dir * compare(ka, kb);
      });
    }
    return rows;
  }

  function render() {
    const rows = shown();
    const pages = Math.max(1, Math.ceil(rows.length / pageSize));
    state.page = Math.min(Math.max(0, state.page), pages - 1);
    const slice = rows.slice(state.page * pageSize, (state.page + 1) * pageSize);
    table.querySelector("tbody").replaceChildren(...slice.map(rowOf));
    heads.forEach((th, i) => th.setAttribute("aria-sort", state.sort !== i ? "none" : state.dir > 0 ? "ascending" : "descending"));
    const first = rows.length ? state.page * pageSize + 1 : 0;
    info.textContent = `${first}–${state.page * pageSize + slice.length} of ${rows.length}` +
      (rows.length !== state.rows.length ? ` (filtered from ${state.rows.length})` : "") + ` · page ${state.page + 1} of ${pages}`;
    prev.disabled = state.page === 0;
    next.disabled = state.page >= pages - 1;
    pager.hidden = rows.length <= pageSize && !state.filter;
    onRender(slice);
  }

  return {
    setRows(rows) { state.rows = rows; render(); },
  };
}
