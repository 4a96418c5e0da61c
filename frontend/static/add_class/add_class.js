// The guided "add a class" flow: class → guideline → videos → mining → examples → first page.
// The server keeps the record (backend/catalog/class_setup.py); this page shows one step at a time and polls the
// worker's progress. Reloading resumes at the first step not done (the URL becomes /class-setups/<id>/).
import { api, ApiError, el } from "../common/api.js";
import { csrfToken } from "../common/csrf.js";

const root = document.getElementById("setup");
const STEPS = ["class", "guideline", "videos", "mining", "examples", "first-page"];
const ROLE_NEXT = { null: "positive", positive: "hard_negative", hard_negative: null };
const ROLE_TEXT = { positive: "positive", hard_negative: "hard negative" };
const state = { setup: null, step: "class", uploading: 0, poll: null };
const startedAt = Date.parse(root.dataset.startedAt);
const $ = (id) => document.getElementById(id);

// A refusal about one input ({name: ["…"]}) is said without the field's API name, and that input gets the focus.
const FIELD_INPUT = { name: "class-name", parent: "class-parent", group: "class-group", definition: "definition" };

function showError(err) {
  for (const input of document.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
  let text = err ? (err instanceof ApiError ? err.message : String(err)) : "";
  const field = err instanceof ApiError && Object.keys(FIELD_INPUT).find((f) => Array.isArray(err.body[f]));
  if (field) {
    text = err.body[field][0];
    $(FIELD_INPUT[field]).setAttribute("aria-invalid", "true");
    $(FIELD_INPUT[field]).focus();
  }
  $("error").textContent = text;
}

function firstOpenStep(setup) {
  if (!setup) return "class";
  if (setup.finished) return "first-page";
  return STEPS.find((s) => s !== "class" && !setup.steps_done.includes(s)) || "first-page";
}

function go(step) {
  state.step = step;
  for (const node of document.querySelectorAll(".step")) node.classList.toggle("current", node.dataset.step === step);
  for (const li of $("steps").children) {
    li.classList.toggle("current", li.dataset.step === step);
    li.classList.toggle("done", Boolean(state.setup && (state.setup.steps_done.includes(li.dataset.step)
      || (li.dataset.step === "first-page" && state.setup.finished))));
  }
  clearInterval(state.poll);
  if (step === "mining") { renderMining(); state.poll = setInterval(refresh, 1500); }
  if (step === "examples") renderExamples();
  if (step === "first-page") renderSummary();
  const focus = document.querySelector(".step.current input, .step.current textarea, .step.current button.primary");
  if (focus) focus.focus();
}

function setSetup(setup) {
  state.setup = setup;
  if (!root.dataset.setup) {
    root.dataset.setup = setup.id;
    history.replaceState(null, "", `/class-setups/${setup.id}/`);  // a reload resumes here
  }
}

async function refresh() {
  try {
    setSetup(await api(`/api/class-setups/${state.setup.id}/`));
    if (state.step === "mining") renderMining();
  } catch (err) { showError(err); }
}

async function act(fn) {
  showError(null);
  try { setSetup(await fn()); go(firstOpenStep(state.setup)); } catch (err) { showError(err); }
}

// --- 1 · class ----------------------------------------------------------------------------------------------------
$("class-create").addEventListener("click", () => act(() => api(`/api/projects/${root.dataset.project}/class-setups/`, {
  method: "POST",
  body: { name: $("class-name").value, parent: $("class-parent").value ? Number($("class-parent").value) : null,
          group: $("class-group").value ? Number($("class-group").value) : null, started_at: root.dataset.startedAt },
})));
$("class-name").addEventListener("keydown", (e) => { if (e.key === "Enter") $("class-create").click(); });

// --- 2 · guideline ------------------------------------------------------------------------------------------------
$("guideline-save").addEventListener("click", () => act(() => api(`/api/class-setups/${state.setup.id}/guideline/`, {
  method: "PUT", body: { definition: $("definition").value },
})));

// --- 3 · videos: one XHR per file, so each has its own progress bar and its own verdict ----------------------------
function upload(file) {
  const bar = el("progress", { max: 1, value: 0 });
  const result = el("span", { class: "result" }, "uploading…");
  const row = el("li", {}, el("span", {}, file.name), bar, result);
  $("uploads").append(row);
  const form = new FormData();
  form.append("file", file);
  form.append("project", state.setup.upload.project);
  form.append("action_class", state.setup.upload.action_class);
  state.uploading += 1;
  $("videos-done").disabled = true;
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/videos/");
    xhr.setRequestHeader("X-CSRFToken", csrfToken());
    xhr.upload.onprogress = (ev) => { if (ev.lengthComputable) bar.value = ev.loaded / ev.total; };
    xhr.onloadend = () => {
      let body = {};
      try { body = JSON.parse(xhr.responseText); } catch { body = { detail: xhr.statusText || "no answer" }; }
      const ok = xhr.status === 201;
      row.classList.add(ok ? "stored" : "refused");
      bar.value = 1;
      result.textContent = ok ? `stored: ${body.duration.toFixed(1)} s` : `refused: ${body.detail || xhr.status}`;
      state.uploading -= 1;
      refresh().then(() => {
        $("videos-done").disabled = state.uploading > 0 || !state.setup.progress.videos;
        resolve();
      });
    };
    xhr.send(form);
  });
}

async function uploadAll(files) {
  for (const file of files) await upload(file);  // one at a time: the ingest probes each file with ffprobe
}

$("files").addEventListener("change", (e) => { uploadAll([...e.target.files]); e.target.value = ""; });
const drop = $("drop");
drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (e) => { e.preventDefault(); drop.classList.remove("over"); uploadAll([...e.dataTransfer.files]); });
$("videos-done").addEventListener("click", () => act(() => api(`/api/class-setups/${state.setup.id}/steps/`, {
  method: "POST", body: { step: "videos" },
})));

// --- 4 · mining ---------------------------------------------------------------------------------------------------
function renderMining() {
  const { progress: p, mining_enabled: mining } = state.setup;
  $("mining-what").textContent = mining
    ? "The worker de-duplicates the videos, splits shots, drops shots without people, scores frames with the two "
      + "classifiers and samples clips. Videos that are duplicates or show nobody are removed."
    : "Mining is off for this project: the worker cuts random 2-s clips from each video.";
  const clipShare = p.clips ? p.clips_ready / p.clips : 0;
  $("mining-progress").value = mining ? Math.min(p.job_progress, 1) * 0.8 + clipShare * 0.2 : clipShare;
  const parts = [`${p.videos} videos`];
  if (mining) parts.push(`${p.jobs_running} being mined`, `${p.videos_removed} removed`);
  if (p.jobs_failed) parts.push(`${p.jobs_failed} failed (see the dashboard)`);
  parts.push(`${p.clips_ready} of ${p.clips} clips ready`);
  if (p.sampling_note) parts.push(p.sampling_note);  // a new class: Random clips until `retrain` includes it
  $("mining-status").textContent = parts.join(" · ");
  $("mining-done").disabled = p.clips_ready === 0;
  const finished = p.clips_ready > 0 && p.clips_ready === p.clips && p.jobs_running === 0;
  $("mining-done").textContent = finished ? "Continue" : "Continue with the clips ready";
}
$("mining-done").addEventListener("click", () => act(() => api(`/api/class-setups/${state.setup.id}/steps/`, {
  method: "POST", body: { step: "mining" },
})));

// --- 5 · examples -------------------------------------------------------------------------------------------------
function renderExamples() {
  const box = $("clips");
  box.replaceChildren(...state.setup.clips.map((clip) => {
    const tile = el("div", { class: `clip ${clip.example || ""}`, dataset: { uid: clip.uid }, tabindex: 0 },
      el("video", { src: clip.video_url, poster: clip.poster_url, muted: true, autoplay: true, loop: true,
                    playsinline: true }),
      el("span", { class: "role" }, ROLE_TEXT[clip.example] || ""));
    tile.querySelector("video").muted = true;
    const flip = () => act(async () => {
      const next = ROLE_NEXT[clip.example ?? null];
      return api(`/api/class-setups/${state.setup.id}/examples/`, { method: "POST", body: { clip: clip.uid, kind: next } });
    }).then(() => { if (state.step === "examples") renderExamples(); });
    tile.addEventListener("click", flip);
    tile.addEventListener("keydown", (e) => { if (e.key === " " || e.key === "Enter") { e.preventDefault(); flip(); } });
    return tile;
  }));
  if (!state.setup.clips.length) box.textContent = "No clip is ready.";
}
$("examples-done").addEventListener("click", () => act(async () => {
  await api(`/api/class-setups/${state.setup.id}/steps/`, { method: "POST", body: { step: "examples" } });
  return api(`/api/class-setups/${state.setup.id}/finish/`, { method: "POST" });
}));

// --- 6 · first page -----------------------------------------------------------------------------------------------
function renderSummary() {
  const { minutes, action_class: cls, progress: p } = state.setup;
  $("summary").textContent = `${cls.name} is ready: ${p.clips_ready} clips wait for the annotator group. `
    + `Added in ${minutes.total} minutes (HAA500 reports 20–60 minutes per class).`;
  $("minutes").replaceChildren(
    el("thead", {}, el("tr", {}, el("th", {}, "Step"), el("th", { class: "num" }, "Minutes"))),
    el("tbody", {}, ...Object.entries(minutes.steps).map(([step, m]) =>
      el("tr", {}, el("td", {}, step), el("td", { class: "num" }, m.toFixed(2))))));
  $("grid-link").href = `${state.setup.grid_url}?mode=gold`;
  $("grid-link").textContent = "Open the first page (gold mode: your answers become golden clips)";
}

// --- the clock and the start --------------------------------------------------------------------------------------
setInterval(() => {
  const end = state.setup && state.setup.finished ? startedAt + state.setup.minutes.total * 60000 : Date.now();
  const s = Math.max(0, Math.round((end - startedAt) / 1000));
  $("clock").textContent = `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}, 1000);

if (root.dataset.setup) {
  api(`/api/class-setups/${root.dataset.setup}/`).then((setup) => {
    state.setup = setup;
    $("definition").value = setup.definition;
    go(firstOpenStep(setup));
  }).catch(showError);
} else {
  go("class");
}
