// The scoring form: widgets to answers, show_if, live score, stopwatch, photos, drafts, submission.
import { checkAnswers, score } from "./engine.js";
import { localProblems, showErrors, showMessage } from "./feedback.js";
import { deletePhotos, loadPhotos, putPhoto, removePhoto, shrinkPhoto } from "./photos.js";
import { zonedIso } from "./times.js";
import { showPhoto, toggleStopwatch } from "./widgets.js";

const form = document.getElementById("visit-form");
const checklist = JSON.parse(document.getElementById("checklist-data").textContent);
const prefillBox = document.getElementById("prefill-data");
const prefill = prefillBox ? JSON.parse(prefillBox.textContent) : null;
const version = form.dataset.version;
const correctUrl = form.dataset.correctUrl;
// A correction's draft belongs to one returned version: a later return starts from what the server has.
const draftKey = correctUrl ? `inspection-correction:${form.dataset.visit}:v${form.dataset.visitVersion}`
  : `inspection-draft:${checklist.id}:${form.dataset.branch}`;
const items = new Map();
for (const section of checklist.sections) for (const item of section.items) items.set(item.id, { section, item });
// The live score shows progress, so an unanswered required item must not block it.
const liveChecklist = { ...checklist, sections: checklist.sections.map((s) => ({
  ...s, items: s.items.map((i) => ({ ...i, required: false })) })) };
const problemTexts = JSON.parse(document.getElementById("problem-texts").textContent);
const photos = new Map(); // new photo id -> {id, item, blob, name}
let draft = { uuid: crypto.randomUUID(), version, startedAt: new Date().toISOString(), fields: {}, removed: [] };

const field = (name) => form.elements.namedItem(name);
const itemBox = (id) => document.getElementById(`item-${id}`);
const TIME_FIELDS = ["visit-date", "time-in", "time-out"];
const timeValues = (key) => TIME_FIELDS.map((name) => field(name)?.[key] ?? "").join(" ");

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

function readNotes() {
  const notes = {};
  for (const { item } of items.values()) {
    const note = field(`note.${item.id}`);
    if (note && note.value.trim()) notes[item.id] = note.value.trim();
  }
  return notes;
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
    const visible = section.items.filter((i) => shown.has(i.id) && i.type !== "photo");
    const answered = visible.filter((i) => valid[i.id] !== undefined).length;
    done += answered; total += visible.length;
    form.querySelector(`[data-progress="${section.id}"]`).textContent = `${answered}/${visible.length}`;
  }
  // A band only means something once everything is answered; until then show how far along we are.
  const status = done < total ? ` ${done}/${total}` : ` ${result.rating || ""}`;
  document.getElementById("live-score").textContent = result.score === null ? "—" : result.score.toFixed(1);
  document.getElementById("live-rating").textContent = result.critical_failures.length ? ` ⚠${status}` : status;
}

// -- drafts -----------------------------------------------------------------------------------

function saveDraft() {
  const fields = {};
  for (const element of form.elements) {
    if (!element.name || element.type === "file") continue;
    if (element.type === "radio") { if (element.checked) fields[element.name] = element.value; }
    else if (element.type === "checkbox") fields[element.name] = element.checked;
    else if (element.value !== "") fields[element.name] = element.value;
  }
  draft.fields = fields;
  localStorage.setItem(draftKey, JSON.stringify(draft));
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

async function restoreDraft() {
  const saved = JSON.parse(localStorage.getItem(draftKey) || "null")
    || (prefill && { ...draft, fields: applyAnswers(prefill) });
  if (saved) {
    draft = { removed: [], ...saved };
    for (const [name, value] of Object.entries(saved.fields)) {
      const target = form.querySelector(`[name="${CSS.escape(name)}"][value="${CSS.escape(String(value))}"]`)
        || field(name);
      if (!target) continue;
      if (target.type === "radio") target.checked = true;
      else if (target.type === "checkbox") target.checked = value === true;
      else target.value = value;
      if (name.startsWith("note.") && value) target.hidden = false;
    }
    document.getElementById("draft-status").hidden = !localStorage.getItem(draftKey);
  }
  refresh();
  for (const photo of (prefill && prefill.photos) || []) {
    if (!draft.removed.includes(photoKey(photo))) showPhoto(form, photo.item, photo.thumbnail, photo.name, () => keepOut(photo));
  }
  for (const photo of await loadPhotos(draftKey)) addPhoto(photo);
}

// -- widgets ----------------------------------------------------------------------------------

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
  const item = input.dataset.photoItem;
  for (const file of input.files) {
    const blob = await shrinkPhoto(file);
    const photo = { id: crypto.randomUUID(), draftKey, item, blob, name: file.name };
    await putPhoto(photo);
    addPhoto(photo);
  }
  input.value = "";
}

form.addEventListener("click", (event) => {
  const toggle = event.target.closest(".stopwatch-toggle");
  if (toggle) toggleStopwatch(toggle.closest(".stopwatch"), () => form.dispatchEvent(new Event("input")));
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

// -- submission -------------------------------------------------------------------------------

function visitTimes() {
  if (!field("visit-date")) return [draft.startedAt, draft.finishedAt || new Date().toISOString()];
  // The returned visit's times as the server rendered them: left alone, they are sent back as they were.
  if (correctUrl && timeValues("value") === timeValues("defaultValue")) return [prefill.started_at, prefill.finished_at];
  const date = field("visit-date").value;
  // Typed where the branch is: the app's time zone, whatever the device's own setting.
  return [zonedIso(date, field("time-in").value, form.dataset.timezone),
    zonedIso(date, field("time-out").value, form.dataset.timezone)];
}

function keptPhotos() {
  return ((prefill && prefill.photos) || []).filter((photo) => !draft.removed.includes(photoKey(photo)));
}

function photoCounts() {
  const counts = {};
  for (const photo of [...keptPhotos(), ...photos.values()]) counts[photo.item] = (counts[photo.item] || 0) + 1;
  return counts;
}

function send(body) {
  const progress = document.getElementById("upload-progress");
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(correctUrl ? "PUT" : "POST", correctUrl || form.dataset.submitUrl);
    xhr.setRequestHeader("X-CSRFToken", form.dataset.csrf);
    xhr.upload.addEventListener("progress", (e) => {
      if (e.lengthComputable) { progress.hidden = false; progress.value = (100 * e.loaded) / e.total; }
    });
    xhr.addEventListener("load", () => resolve(xhr));
    xhr.addEventListener("error", () => reject(new Error("network")));
    xhr.send(body);
  });
}

function requestBody(startedAt, finishedAt, answers) {
  const content = { started_at: startedAt, finished_at: finishedAt, answers, notes: readNotes() };
  const visit = correctUrl ? { ...content, keep_photos: keptPhotos().map(({ item, name }) => ({ item, name })) }
    : { id: draft.uuid, checklist: checklist.id, version: draft.version, branch: form.dataset.branch, ...content };
  const body = new FormData();
  body.append("visit", JSON.stringify(visit));
  for (const photo of photos.values()) body.append(`photo.${photo.item}`, photo.blob, photo.name);
  return body;
}

async function submit() {
  const answers = readAnswers();
  const problems = localProblems(checklist, answers, photoCounts(), visitTimes(), problemTexts);
  if (problems.length) { showErrors(form, form.dataset.problems || "", problems); return; }
  // An inspection ends when first sent: a resend after a lost answer must be the same visit, not a conflict.
  if (!field("visit-date") && !draft.finishedAt) { draft.finishedAt = new Date().toISOString(); saveDraft(); }
  showMessage(form.dataset.sending || "", "info");
  const xhr = await send(requestBody(...visitTimes(), answers));
  const reply = JSON.parse(xhr.responseText || "{}");
  if (xhr.status === 200 || xhr.status === 201) {
    localStorage.removeItem(draftKey);
    await deletePhotos(draftKey);
    window.location.assign(reply.url);
    return;
  }
  delete draft.finishedAt; // refused, so nothing was stored: the next send is a new attempt
  saveDraft();
  showErrors(form, reply.text || reply.error || "", reply.details || []);
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    await submit();
  } catch {
    showMessage(form.dataset.offline || "", "error");
  } finally {
    button.disabled = false;
    document.getElementById("upload-progress").hidden = true;
  }
});

await restoreDraft();
refresh();
