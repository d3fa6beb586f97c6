// Widgets of the scoring form that keep no state of the form's own: the stopwatch and photo thumbnails.

// Start or stop a timer item's stopwatch; `changed` is called when it stops with a time.
export function toggleStopwatch(box, changed) {
  const button = box.querySelector(".stopwatch-toggle");
  const input = box.querySelector("input");
  if (box.dataset.running) {
    clearInterval(Number(box.dataset.running));
    delete box.dataset.running;
    button.textContent = button.dataset.start;
    button.classList.remove("running");
    changed();
    return;
  }
  const started = performance.now();
  button.textContent = button.dataset.stop;
  button.classList.add("running");
  box.dataset.running = String(setInterval(() => {
    input.value = ((performance.now() - started) / 1000).toFixed(1);
  }, 100));
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
  remove.addEventListener("click", () => { figure.remove(); onRemove(); });
  figure.append(img, remove);
  form.querySelector(`[data-photos="${item}"]`).append(figure);
}
