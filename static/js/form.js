// The scoring form: widgets to answers, show_if, live score, stopwatch, photos, the user's own draft.
import { checkAnswers, isRequired, score } from "./engine.js";
import { shrinkPhoto } from "./photos.js";
import { changes } from "./outbox.js";
import { deleteVisit, draftIn, photosOf, putPhoto, removePhoto, saveDraftIfStill } from "./store.js";
import { zonedNow } from "./times.js";
import { startStopwatch, showPhoto, stopStopwatch } from "./widgets.js";
import { submitVisit } from "./submit.js";

const form = document.getElementById("visit-form");
const user = document.body.dataset.user;
const checklist = JSON.parse(document.getElementById("checklist-data").textContent);
const prefillBox = document.getElementById("prefill-data");
const prefill = prefillBox ? JSON.parse(prefillBox.textContent) : null;
const correctUrl = form.dataset.correctUrl;
// One page serves every branch (a device keeps one copy per checklist): the branch is in the address.
const branchCode = form.dataset.branch || new URLSearchParams(location.search).get("branch") || "";
// Opened from an assignment: the visit carries it out, and has a draft of its own.
const assignment = correctUrl ? null : Number(new URLSearchParams(location.search).get("assignment")) || null;
// A correction's draft belongs to one returned version: a later return starts from what the server has.
const slot = correctUrl ? `correct:${form.dataset.visit}:v${form.dataset.visitVersion}`
  : `new:${checklist.id}:${branchCode}${assignment ? `:a${assignment}` : ""}`;
const items = new Map();
for (const section of checklist.sections) for (const item of section.items) items.set(item.id, { section, item });
// The live score shows progress, so an unanswered required item must not block it.
const liveChecklist = { ...checklist, sections: checklist.sections.map((s) => ({
  ...s, items: s.items.map((i) => ({ ...i, required: false })) })) };
const photos = new Map(); // new photo id -> {id, visit, item, blob, name}
let draft = null;
// Resolved once the draft is restored: a photo chosen while the page starts waits for the draft it belongs to.
let draftReady;
const started = new Promise((resolve) => { draftReady = resolve; });

const field = (name) => form.elements.namedItem(name);
const itemBox = (id) => document.getElementById(`item-${id}`);

function readValue(item) {
  const na = field(`na.${item.id}`);
  if (na && na.checked) return "na";
  if (item.type === "servqual") {
    const e = form.querySelector(`[name="answer.${item.id}.expectation"]:checked`);
    const p = form.querySelector(`[name="answer.${item.id}.perception"]:checked`);
    if (!e && !p) return undefined;
    return { expectation: e ? Number(e.value) : null, perception: p ? Number(p.value) : null };
  }
  if (["yes_no", "rating", "choice"].includes(item.type)) {
    const checked = form.querySelector(`[name="answer.${item.id}"]:checked`);
    if (!checked) return undefined;
    if (item.type === "yes_no") return checked.value === "true";
    if (item.type === "rating") return Number(checked.value);
    return item.options.find((o) => String(o.value) === checked.value).value;
  }
  const input = field(`answer.${item.id}`);
  if (!input || input.value.trim() === "") return undefined;
  if (["number", "timer", "deduction"].includes(item.type)) return Number(input.value);
  return input.value;
}

function readAnswers() {
  const answers = {};
  for (const { item } of items.values()) {
    if (item.type === "photo") continue;
    const value = readValue(item);
    if (value !== undefined) answers[item.id] = value;
  }
  return answers;
}

function refresh() {
  const answers = readAnswers();
  const shown = new Set();
  for (const { item } of items.values()) {
    const cond = item.show_if;
    const visible = !cond || (shown.has(cond.item) && answers[cond.item] === cond.equals);
    if (visible) shown.add(item.id);
    itemBox(item.id).hidden = !visible;
    const na = field(`na.${item.id}`);
    itemBox(item.id).classList.toggle("is-na", Boolean(na && na.checked));
  }
  const valid = Object.fromEntries(Object.entries(answers).filter(([id]) => shown.has(id)));
  for (const problem of checkAnswers(liveChecklist, valid)) delete valid[problem.item];
  const result = score(liveChecklist, valid);
  let done = 0, total = 0;
  for (const section of checklist.sections) {
    // Progress counts what must be answered: an optional remark never keeps a form at 22/23. A SERVQUAL
    // statement may be skipped, yet a survey is only done when its statements are rated: they count too.
    const needed = section.items.filter((i) => shown.has(i.id) && (isRequired(i) || i.type === "servqual"));
    const answered = needed.filter((i) => valid[i.id] !== undefined).length;
    done += answered; total += needed.length;
    form.querySelector(`[data-progress="${section.id}"]`).textContent = `${answered}/${needed.length}`;
  }
  showScore(result, done, total);
}

// The score moves as items are answered: say it is provisional until every required item is, and keep the
// verdict (pass/fail) and the rating band apart, since a band may be called "pass" too.
function showScore(result, done, total) {
  const box = document.querySelector(".live-score");
  const texts = box.dataset;
  const complete = done >= total;
  document.getElementById("live-label").textContent = complete ? texts.final : texts.provisional;
  document.getElementById("live-score").textContent = result.score === null ? "—" : result.score.toFixed(1);
  const verdict = document.getElementById("live-verdict");
  const critical = result.critical_failures.length > 0;
  let words = "";
  if (critical) words = texts.critical;
  else if (complete && result.passed !== null) words = result.passed ? texts.pass : texts.fail;
  if (complete && result.rating && !critical) words += ` · ${texts.rating.replace("{band}", result.rating)}`;
  verdict.textContent = words;
  verdict.className = critical || result.passed === false ? "bad" : "ok";
  document.getElementById("live-progress").textContent = complete ? ""
    : texts.progress.replace("{done}", done).replace("{total}", total);
}

// -- the draft: kept on this device for this user only ------------------------------------------

async function saveDraft() {
  // Not restored yet (a tap while the page starts): the restored draft is what counts. Submitted: the outbox
  // has it now, and the form must not write it back.
  if (!draft || draft.state !== "draft") return;
  const fields = {};
  for (const element of form.elements) {
    if (!element.name || element.type === "file") continue;
    if (element.type === "radio") { if (element.checked) fields[element.name] = element.value; }
    else if (element.type === "checkbox") fields[element.name] = element.checked;
    else if (element.value !== "") fields[element.name] = element.value;
  }
  draft.fields = fields;
  draft.state = await saveDraftIfStill(draft);
  document.getElementById("discard-draft").hidden = draft.state !== "draft";
}

// Fill the widgets from answers, for correcting a returned visit.
function applyAnswers({ answers, notes }) {
  const fields = {};
  for (const [id, value] of Object.entries(answers)) {
    if (value === "na") fields[`na.${id}`] = true;
    else if (value && typeof value === "object") {
      fields[`answer.${id}.expectation`] = String(value.expectation);
      fields[`answer.${id}.perception`] = String(value.perception);
    } else fields[`answer.${id}`] = String(value);
  }
  for (const [id, note] of Object.entries(notes)) fields[`note.${id}`] = note;
  return fields;
}

function newDraft() {
  const fields = prefill ? applyAnswers(prefill) : {};
  if (field("visit-date") && !prefill) { // a visit is usually written up as it happens: start from now
    const now = zonedNow(form.dataset.timezone);
    Object.assign(fields, { "visit-date": now.date, "time-in": now.time, "time-out": now.time });
  }
  return { uuid: crypto.randomUUID(), user, slot, state: "draft", checklist: checklist.id, branch: branchCode, assignment,
    version: form.dataset.version, title: checklist.title, branchName: "", formUrl: location.pathname + location.search,
    correctUrl, startedAt: new Date().toISOString(), fields, removed: [], stopwatches: {} };
}

function fillWidgets(fields) {
  for (const [name, value] of Object.entries(fields)) {
    const target = form.querySelector(`[name="${CSS.escape(name)}"][value="${CSS.escape(String(value))}"]`)
      || field(name);
    if (!target) continue;
    if (target.type === "radio") target.checked = true;
    else if (target.type === "checkbox") target.checked = value === true;
    else target.value = value;
    if (name.startsWith("note.") && value) target.hidden = false;
  }
}

async function restoreDraft() {
  const saved = await draftIn(user, slot);
  draft = saved || newDraft();
  fillWidgets(draft.fields);
  document.getElementById("draft-status").hidden = !saved;
  document.getElementById("discard-draft").hidden = !saved;
  for (const [item, since] of Object.entries(draft.stopwatches || {})) {
    const box = itemBox(item)?.querySelector(".stopwatch");
    if (box) startStopwatch(box, since);
  }
  refresh();
  for (const photo of (prefill && prefill.photos) || []) {
    if (!draft.removed.includes(photoKey(photo))) showPhoto(form, photo.item, photo.thumbnail, photo.name, () => keepOut(photo));
  }
  for (const photo of await photosOf(draft.uuid)) addPhoto(photo);
}

// -- widgets ------------------------------------------------------------------------------------

function addPhoto(photo) {
  photos.set(photo.id, photo);
  showPhoto(form, photo.item, URL.createObjectURL(photo.blob), photo.name, async () => {
    photos.delete(photo.id);
    await removePhoto(photo.id);
  });
}

// One picture may stand under two items, so a photo of the returned visit is known by both.
const photoKey = (photo) => `${photo.item}/${photo.name}`;

// A photo of the returned visit that the submitter takes out of the corrected version.
function keepOut(photo) {
  draft.removed = [...draft.removed, photoKey(photo)];
  saveDraft();
}

async function onPhotos(input) {
  await started;
  const item = input.dataset.photoItem;
  for (const file of input.files) {
    const blob = await shrinkPhoto(file);
    const photo = { id: crypto.randomUUID(), visit: draft.uuid, item, blob, name: file.name };
    await putPhoto(photo);
    addPhoto(photo);
  }
  input.value = "";
  await saveDraft();
}

function onStopwatch(box) {
  const item = box.closest(".item").dataset.item;
  const running = { ...draft.stopwatches };
  if (box.dataset.running) { stopStopwatch(box); delete running[item]; }
  else { running[item] = Date.now(); startStopwatch(box, running[item]); }
  draft.stopwatches = running;
  refresh();
  saveDraft();
}

form.addEventListener("click", (event) => {
  const toggle = event.target.closest(".stopwatch-toggle");
  if (toggle) onStopwatch(toggle.closest(".stopwatch"));
  const step = event.target.closest("[data-step]");
  if (step) {
    const input = step.parentElement.querySelector("input");
    input.value = Math.max(0, Number(input.value || 0) + Number(step.dataset.step));
    form.dispatchEvent(new Event("input"));
  }
  const note = event.target.closest(".note-toggle");
  if (note) {
    const area = note.closest(".item").querySelector(".note");
    area.hidden = !area.hidden;
    if (!area.hidden) area.focus();
  }
});
form.addEventListener("change", (event) => {
  if (event.target.dataset.photoItem) onPhotos(event.target);
  else { refresh(); saveDraft(); }
});
form.addEventListener("input", () => { refresh(); saveDraft(); });

document.getElementById("discard-draft").addEventListener("click", async () => {
  if (!window.confirm(form.dataset.discardConfirm)) return;
  await deleteVisit(draft.uuid);
  location.reload();
});

// -- the branch, from what this device keeps of the user's scope ---------------------------------

// Before the draft is restored, so that a saved staff choice finds its option.
async function loadBranch() {
  const response = await fetch("/api/v1/branches", { credentials: "same-origin" }).catch(() => null);
  const branches = response && response.ok ? await response.json() : [];
  const branch = branches.find((b) => b.code === branchCode);
  if (!branch && !correctUrl) throw new Error(form.dataset.noBranch);
  document.getElementById("branch-name").textContent = branch ? branch.name : branchCode;
  for (const select of form.querySelectorAll("select[data-staff]")) {
    for (const member of (branch && branch.staff) || []) {
      const label = `${member.code} ${member.name}${member.position ? ` · ${member.position}` : ""}`;
      select.append(new Option(label, member.code));
    }
  }
  return branch ? branch.name : branchCode;
}

// The scenario and brief of the assignment, from the list this device keeps of the user's open work.
async function loadAssignment() {
  if (!assignment) return;
  const response = await fetch("/api/v1/assignments?status=open", { credentials: "same-origin" }).catch(() => null);
  const found = (response && response.ok ? await response.json() : []).find((a) => a.id === assignment);
  if (!found) return;
  const box = document.getElementById("assignment-brief");
  box.querySelector("[data-scenario]").textContent = found.scenario;
  box.querySelector("[data-brief]").textContent = found.brief;
  box.hidden = !found.scenario && !found.brief;
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  submitVisit({ form, checklist, draft, prefill, photos, readAnswers, keptPhotos }).catch(() => failed());
});

// Submitted in another tab: this copy of the form stops writing the draft.
changes.addEventListener("message", ({ data }) => { if (draft && data.uuid === draft.uuid) draft.state = data.state; });

function failed(text = form.dataset.failed) {
  const message = document.getElementById("form-message");
  message.textContent = text;
  message.className = "form-message error";
  message.hidden = false;
}

function keptPhotos() {
  return ((prefill && prefill.photos) || []).filter((photo) => !draft.removed.includes(photoKey(photo)));
}

try {
  if (field("visit-date")) field("visit-date").max = zonedNow(form.dataset.timezone).date; // no visit ahead of today
  const branchName = await loadBranch();
  await restoreDraft();
  draft.branchName = branchName;
  draftReady();
  await loadAssignment();
} catch (error) {
  failed(error.message === form.dataset.noBranch ? error.message : form.dataset.failed);
  form.querySelector("button[type=submit]").disabled = true;
}
