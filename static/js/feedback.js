// What the form tells its user: problems next to their items (or the visit times), and one message line.
import { checkAnswers, photoProblems } from "./engine.js";

const TIME_FIELDS = ["started_at", "finished_at"];

// Every problem the browser can see before sending, with the same engine and codes as the server.
export function localProblems(checklist, answers, photoCounts, [startedAt, finishedAt], texts) {
  const problems = [];
  if (!startedAt || !finishedAt) problems.push({ item: "started_at", code: "times_missing", message: "times missing" });
  else if (finishedAt < startedAt) {
    problems.push({ item: "finished_at", code: "finished_before_started", message: "finished_at is before started_at" });
  }
  problems.push(...checkAnswers(checklist, answers), ...photoProblems(checklist, answers, photoCounts));
  return problems.map((problem) => ({ ...problem, text: texts[problem.code] || problem.message }));
}

function errorSlot(form, item) {
  if (TIME_FIELDS.includes(item)) {
    const times = document.getElementById("visit-times");
    return times ? times.querySelector(".item-error") : null;
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

// Put each problem under its item; the first one is scrolled into view.
export function showErrors(form, message, details) {
  for (const slot of form.querySelectorAll(".item-error")) { slot.hidden = true; slot.textContent = ""; }
  let first = null;
  const unplaced = [];
  for (const detail of details) {
    const slot = errorSlot(form, detail.item);
    const text = detail.text || detail.message;
    if (!slot) { unplaced.push(text); continue; }
    slot.textContent = [slot.textContent, text].filter(Boolean).join("; ");
    slot.hidden = false;
    first ||= slot.parentElement;
  }
  showMessage([message, ...unplaced].filter(Boolean).join(" "), "error");
  if (first) first.scrollIntoView({ block: "center" });
}
