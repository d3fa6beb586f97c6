// Checklist pages: number the lines of the YAML beside it, take the reader from an error to its line, and move
// focus to the errors (or the preview) after a check. Publishing and retiring ask first through their
// data-confirm attribute, which app.js reads on every page.

const source = document.getElementById("source");
const numbers = document.querySelector(".line-numbers");

function errorLines() {
  return new Set((numbers.dataset.errorLines || "").split(",").filter(Boolean).map(Number));
}

function renderNumbers() {
  const count = source.value.split("\n").length;
  if (numbers.childElementCount === count) return;
  const bad = errorLines();
  const spans = [];
  for (let line = 1; line <= count; line += 1) {
    const span = document.createElement("span");
    span.textContent = String(line);
    if (bad.has(line)) span.className = "bad-line";
    spans.push(span);
  }
  numbers.replaceChildren(...spans);
  syncScroll();
}

function syncScroll() {
  numbers.scrollTop = source.scrollTop;
}

function goToLine(line) {
  const lines = source.value.split("\n");
  const index = Math.min(Math.max(line, 1), lines.length) - 1;
  const start = lines.slice(0, index).reduce((sum, text) => sum + text.length + 1, 0);
  source.focus();
  source.setSelectionRange(start, start + lines[index].length);
  const height = parseFloat(getComputedStyle(source).lineHeight) || 20;
  source.scrollTop = Math.max(0, index * height - source.clientHeight / 3);
  syncScroll();
}

if (source && numbers) {
  source.addEventListener("input", renderNumbers);
  source.addEventListener("scroll", syncScroll);
  renderNumbers();
}

document.addEventListener("click", (event) => {
  const link = event.target.closest("a[data-line]");
  if (!link || !source) return;
  event.preventDefault();
  goToLine(Number(link.dataset.line));
});

// After a check the reader continues where its outcome is: the list of errors, else the preview.
const outcome = document.getElementById("problems") || document.getElementById("conflict")
  || document.getElementById("preview");
if (outcome && document.querySelector("[data-checked]")) {
  if (outcome.id === "conflict") outcome.tabIndex = -1;
  outcome.focus();
}
