// Widgets of the scoring form that keep no state of the form's own: the stopwatch and photo thumbnails.

// Run a timer item's stopwatch from `since` (a Date.now() value), so that a reloaded page carries on counting.
export function startStopwatch(box, since) {
  const button = box.querySelector(".stopwatch-toggle");
  const input = box.querySelector("input");
  button.textContent = button.dataset.stop;
  button.classList.add("running");
  const tick = () => { input.value = Math.max(0, (Date.now() - since) / 1000).toFixed(1); };
  tick();
  box.dataset.running = String(setInterval(tick, 100));
}

// Stop a running stopwatch, leaving its time in the input.
export function stopStopwatch(box) {
  const button = box.querySelector(".stopwatch-toggle");
  clearInterval(Number(box.dataset.running));
  delete box.dataset.running;
  button.textContent = button.dataset.start;
  button.classList.remove("running");
}

// Show a thumbnail under its item, with a button that removes it.
export function showPhoto(form, item, src, alt, onRemove) {
  const figure = document.createElement("figure");
  figure.className = "photo-thumb";
  const img = document.createElement("img");
  img.src = src;
  img.alt = alt;
  const remove = document.createElement("button");
  remove.type = "button";
  remove.className = "photo-remove";
  remove.textContent = "×";
  remove.setAttribute("aria-label", form.dataset.removePhoto || "×");
  remove.addEventListener("click", () => { figure.remove(); onRemove(); });
  figure.append(img, remove);
  form.querySelector(`[data-photos="${item}"]`).append(figure);
}
