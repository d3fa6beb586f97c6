// What the form tells its user: problems next to their items (or the visit times), and one message line.
import { checkAnswers, photoProblems } from "./engine.js";

// The server's clock slack: a visit may end a little after the server's now, never later.
const CLOCK_SLACK_MS = 15 * 60 * 1000;

// Every problem the browser can see before sending, with the same engine and codes as the server.
export function localProblems(checklist, answers, photoCounts, [startedAt, finishedAt], texts) {
  const problems = [];
  if (!startedAt || !finishedAt) problems.push({ item: "started_at", code: "times_missing", message: "times missing" });
  else if (finishedAt < startedAt) {
    problems.push({ item: "finished_at", code: "finished_before_started", message: "finished_at is before started_at" });
  } else if (Date.parse(finishedAt) > Date.now() + CLOCK_SLACK_MS) {
    problems.push({ item: "finished_at", code: "in_future", message: "finished_at is in the future" });
  }
  problems.push(...checkAnswers(checklist, answers), ...photoProblems(checklist, answers, photoCounts));
  return problems.map((problem) => ({ ...problem, text: texts[problem.code] || problem.message }));
}

// Which of the date and time fields a problem with the visit's times is about.
function timeField(form, { item, code }) {
  if (code === "in_future" || code === "implausible_date") return "visit-date";
  if (code === "times_missing") {
    return ["visit-date", "time-in", "time-out"].find((name) => !form.elements.namedItem(name)?.value) || "time-in";
  }
  return item === "started_at" ? "time-in" : "time-out";
}

function errorSlot(form, detail) {
  const { item } = detail;
  if (item === "started_at" || item === "finished_at") {
    return form.querySelector(`.item-error[data-field="${timeField(form, detail)}"]`);
  }
  const box = item && document.getElementById(`item-${item}`);
  return box ? box.querySelector(".item-error") : null;
}

export function showMessage(text, kind) {
  const box = document.getElementById("form-message");
  box.textContent = text;
  box.className = `form-message ${kind}`;
  box.hidden = !text;
}

// The fields an error slot speaks about: a visit time's own input, or every answer field of an item.
function slotFields(form, slot) {
  if (slot.dataset.field) return [form.elements.namedItem(slot.dataset.field)].filter(Boolean);
  const box = slot.closest(".item");
  return box ? [...box.querySelectorAll("[name^='answer.'], [role=radiogroup]")] : [];
}

function markFields(form, slot, invalid) {
  for (const field of slotFields(form, slot)) {
    if (invalid) {
      field.setAttribute("aria-invalid", "true");
      field.setAttribute("aria-describedby", slot.id);
    } else {
      field.removeAttribute("aria-invalid");
      field.removeAttribute("aria-describedby");
    }
  }
}

// Put each problem under its item, tied to its fields; focus moves to the first one.
export function showErrors(form, message, details) {
  for (const slot of form.querySelectorAll(".item-error")) {
    slot.hidden = true; slot.textContent = ""; markFields(form, slot, false);
  }
  const unplaced = [];
  for (const detail of details) {
    const slot = errorSlot(form, detail);
    const text = detail.text || detail.message;
    if (!slot) { unplaced.push(text); continue; }
    slot.textContent = [slot.textContent, text].filter(Boolean).join("; ");
    slot.hidden = false;
    markFields(form, slot, true);
  }
  showMessage([message, ...unplaced].filter(Boolean).join(" "), "error");
  const first = form.querySelector(".item-error:not([hidden])"); // the first on the page, not in the list
  if (first) focusField(form, first);
}

function focusField(form, slot) {
  const box = slot.closest(".item, #visit-times") || slot.parentElement;
  box.scrollIntoView({ block: "center" });
  const target = slotFields(form, slot).map((f) => (f.matches("[role=radiogroup]") ? f.querySelector("input") : f))
    .find((f) => f && !f.hidden && f.type !== "hidden");
  if (target) target.focus({ preventScroll: true });
  else { box.tabIndex = -1; box.focus({ preventScroll: true }); } // a photo item: its file input is hidden
}
