// Submitting a visit: checked here first, then put in the outbox and sent; with no network it waits there.
import { askForSync, refreshBadge } from "./app.js";
import { localProblems, showErrors, showMessage } from "./feedback.js";
import { asSender, currentSession, sendOne, xhrTransport } from "./outbox.js";
import { saveDraftIfStill, updateVisit } from "./store.js";
import { zonedIso } from "./times.js";

const TIME_FIELDS = ["visit-date", "time-in", "time-out"];

function readNotes(form, checklist) {
  const notes = {};
  for (const section of checklist.sections) {
    for (const item of section.items) {
      const note = form.elements.namedItem(`note.${item.id}`);
      if (note && note.value.trim()) notes[item.id] = note.value.trim();
    }
  }
  return notes;
}

function visitTimes(form, draft, prefill) {
  const field = (name) => form.elements.namedItem(name);
  if (!field("visit-date")) return [draft.startedAt, draft.finishedAt || new Date().toISOString()];
  const values = (key) => TIME_FIELDS.map((name) => field(name)[key]).join(" ");
  // The returned visit's times as the server rendered them: left alone, they are sent back as they were.
  if (prefill && values("value") === values("defaultValue")) return [prefill.started_at, prefill.finished_at];
  const date = field("visit-date").value;
  // Typed where the branch is: the app's time zone, whatever the device's own setting.
  return [zonedIso(date, field("time-in").value, form.dataset.timezone),
    zonedIso(date, field("time-out").value, form.dataset.timezone)];
}

function photoCounts(kept, photos) {
  const counts = {};
  for (const photo of [...kept, ...photos.values()]) counts[photo.item] = (counts[photo.item] || 0) + 1;
  return counts;
}

function request(form, checklist, draft, content, kept) {
  if (draft.correctUrl) {
    return { method: "PUT", url: draft.correctUrl,
      visit: { ...content, keep_photos: kept.map(({ item, name }) => ({ item, name })) } };
  }
  return { method: "POST", url: form.dataset.submitUrl,
    visit: { id: draft.uuid, checklist: checklist.id, version: draft.version, branch: draft.branch, ...content,
      ...(draft.assignment ? { assignment: draft.assignment } : {}) } };
}

function progressBar(fraction) {
  const bar = document.getElementById("upload-progress");
  bar.hidden = false;
  bar.value = 100 * fraction;
}

// Send the queued visit at once, as the device's one sender; what cannot go now waits in the outbox.
async function sendQueued(form, record, draft) {
  let who;
  try { who = await currentSession(); } catch { who = undefined; }
  // Nobody signed in, or someone else (another tab): the visit waits for its own user.
  const result = who && who.user === record.user
    ? await asSender(() => sendOne(record, who.csrf, xhrTransport, progressBar)) : { state: "waiting" };
  if (result.state === "sent") { location.assign(result.url); return; }
  if (result.status === 422) { // refused as sent: back to the draft, with each problem beside its item
    const back = await updateVisit(record.uuid, ["attention"],
      { state: "draft", slot: draft.slot, request: undefined, finishedAt: undefined, reason: "" });
    if (back) {
      draft.state = "draft";
      await refreshBadge();
      showErrors(form, form.dataset.problems || "", result.details);
      return;
    }
  }
  await askForSync();
  location.assign(form.dataset.outboxUrl);
}

// Check the visit, move the draft into the outbox in one write, and try to send it.
export async function submitVisit({ form, checklist, draft, prefill, photos, readAnswers, keptPhotos }) {
  const answers = readAnswers();
  const kept = keptPhotos();
  const times = visitTimes(form, draft, prefill);
  const texts = JSON.parse(document.getElementById("problem-texts").textContent);
  const problems = localProblems(checklist, answers, photoCounts(kept, photos), times, texts);
  if (problems.length) { showErrors(form, form.dataset.problems || "", problems); return; }
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  showMessage(form.dataset.sending || "", "info");
  try {
    const content = { started_at: times[0], finished_at: times[1], answers, notes: readNotes(form, checklist) };
    const change = { state: "waiting", request: request(form, checklist, draft, content, kept), finishedAt: times[1],
      queuedAt: Date.now(), slotWas: draft.slot, slot: undefined }; // no longer a draft: the form starts afresh
    await saveDraftIfStill(draft);
    const record = await updateVisit(draft.uuid, ["draft"], change);
    draft.state = "waiting";
    await refreshBadge();
    if (!record) { location.assign(form.dataset.outboxUrl); return; } // already submitted in another tab
    await sendQueued(form, record, draft);
  } finally {
    button.disabled = false;
    document.getElementById("upload-progress").hidden = true;
  }
}
