// The admin's import page: the file goes up with XHR (so its upload shows on the bar), the server answers 202 and a
// job, and the page polls /api/jobs/<id>/ until the job is done (its counts) or failed (the refusal, every bad line
// or path in a scrollable list). The export links are plain downloads.
import { api, ApiError, el } from "../common/api.js";
import { csrfToken } from "../common/csrf.js";

const root = document.getElementById("imports-app");
const $ = (id) => document.getElementById(id);
const form = $("import-form");
const POLL_MS = 1000;

const state = { busy: false, job: null };

function showOptionsFor(kind) {
  for (const node of form.querySelectorAll("[data-kind]")) {
    node.hidden = node.dataset.kind !== kind;
    for (const input of node.querySelectorAll("input, select")) input.disabled = node.hidden;
  }
  $("parent-label").hidden = !$("import-create-classes").checked;
}

function setProgress(stage, fraction, { bar = true } = {}) {
  $("import-status").hidden = false;
  $("import-stage").textContent = stage;
  $("import-progress").hidden = !bar; // a refusal has no progress to show: the list below says it all
  $("import-percent").hidden = !bar;
  const percent = Math.round(Math.max(0, Math.min(1, fraction)) * 100);
  $("import-progress").value = percent;
  $("import-percent").textContent = `${percent}%`;
}

function finish() {
  state.busy = false;
  $("import-start").disabled = false;
}

// A refusal names its problems "line 3: …; line 7: … — nothing was imported": one list item each.
function problemsOf(message) {
  const text = message.replace(/\s+—\s+nothing was imported\.?$/, "");
  return text.split(/;\s+/).filter((part) => part.trim());
}

const REFUSED = "The file was refused — nothing was imported. Fix these and upload it again:";

function showRefusal(message, title = REFUSED) {
  $("import-refused").hidden = false;
  $("import-refused-title").textContent = title;
  $("import-problems").replaceChildren(...problemsOf(message).map((part) => el("li", {}, part)));
}

function showDone(message) {
  $("import-done").hidden = false;
  $("import-done").replaceChildren(el("b", {}, "Imported. "), message);
}

async function poll(jobId) {
  let job;
  try {
    job = await api(`/api/jobs/${jobId}/`);
  } catch (err) {
    if (err instanceof ApiError && err.status === 0) { setTimeout(() => poll(jobId), POLL_MS * 3); return; }
    showRefusal(`${err.message}; reload the page to see how the import went`, "The import's progress could not be read:");
    finish();
    return;
  }
  if (job.state === "done") {
    setProgress("Done", 1);
    showDone(job.message);
    finish();
  } else if (job.state === "failed") {
    setProgress(job.stage === "refused" ? "Refused" : "Failed", job.progress, { bar: false });
    showRefusal(job.message, job.stage === "refused" ? REFUSED : "The import failed — nothing was imported:");
    finish();
  } else {
    setProgress(job.state === "queued" ? "Queued (waiting for a worker)" : `Importing: ${job.stage}`, job.progress);
    setTimeout(() => poll(jobId), POLL_MS);
  }
}

function upload() {
  const data = new FormData(form);
  for (const name of ["gold", "update_durations", "create_classes"]) {
    if (data.has(name)) data.set(name, "true"); // a ticked box sends "on"; say it plainly
  }
  const xhr = new XMLHttpRequest();
  xhr.open("POST", `/api/projects/${root.dataset.project}/imports/`);
  xhr.setRequestHeader("X-CSRFToken", csrfToken());
  xhr.setRequestHeader("Accept", "application/json");
  xhr.upload.onprogress = (ev) => {
    if (ev.lengthComputable) setProgress("Uploading", ev.loaded / ev.total);
  };
  xhr.onerror = () => {
    setProgress("Not started", 0, { bar: false });
    showRefusal(new ApiError(0, null).message, "The upload did not reach the server:");
    finish();
  };
  xhr.onload = () => {
    let body = null;
    try { body = JSON.parse(xhr.responseText); } catch { body = { detail: xhr.responseText.slice(0, 200) }; }
    if (xhr.status !== 202) {
      setProgress("Not started", 0, { bar: false });
      showRefusal(new ApiError(xhr.status, body).message, "The import did not start — nothing was imported:");
      finish();
      return;
    }
    state.job = body.job;
    setProgress("Queued (waiting for a worker)", 0);
    poll(body.job);
  };
  xhr.send(data);
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  if (state.busy) return;
  state.busy = true;
  $("import-start").disabled = true;
  $("import-done").hidden = true;
  $("import-refused").hidden = true;
  setProgress("Uploading", 0);
  upload();
});
$("import-kind").addEventListener("change", (event) => showOptionsFor(event.target.value));
$("import-create-classes").addEventListener("change", () => showOptionsFor($("import-kind").value));
showOptionsFor($("import-kind").value);

// Export links carry the chosen subset (all layouts) and default fps (the toolkit layouts, which need a frame rate).
function updateExportLinks() {
  const subset = $("export-subset").value;
  const fps = $("export-default-fps").value.trim();
  for (const link of document.querySelectorAll("a[data-export]")) {
    const url = new URL(link.getAttribute("href"), location.href);
    if (subset) url.searchParams.set("subset", subset); else url.searchParams.delete("subset");
    if (fps && link.dataset.fps) url.searchParams.set("default_fps", fps); else url.searchParams.delete("default_fps");
    link.setAttribute("href", `${url.pathname}${url.search}`);
  }
}
$("export-options").addEventListener("input", updateExportLinks);
$("export-options").addEventListener("submit", (event) => event.preventDefault());
