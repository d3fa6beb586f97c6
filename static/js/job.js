// A job's page: ask for its status every few seconds, move the bar, and fetch the file once it is done.
const page = document.getElementById("job");
const POLL_MS = 1500;

function show(id, visible, href) {
  const element = document.getElementById(id);
  if (!element) return;
  element.hidden = !visible;
  const link = element.querySelector("a");
  if (link && href) link.href = href;
}

function render(state) {
  document.querySelector("#job-state strong").textContent = state.state;
  document.getElementById("job-count").textContent = state.count;
  const bar = document.getElementById("job-progress");
  bar.max = state.total || 1;
  bar.value = state.total ? state.done : Number(state.status === "done");
  show("job-download", Boolean(state.download), state.download);
  show("job-link", Boolean(state.link), state.link);
  show("job-expired", Boolean(state.expired));
  document.getElementById("job-expired").textContent = state.expired || "";
  show("job-message", Boolean(state.message));
  document.getElementById("job-message").textContent = state.message || "";
  show("job-reload", state.status === "queued" || state.status === "running");
}

async function poll() {
  let state;
  try {
    const response = await fetch(page.dataset.statusUrl, { headers: { Accept: "application/json" } });
    if (!response.ok) return;  // signed out, or gone: the reload link stays
    state = await response.json();
  } catch {
    setTimeout(poll, POLL_MS * 4);  // offline for a moment: try again later
    return;
  }
  render(state);
  if (state.status === "queued" || state.status === "running") {
    setTimeout(poll, POLL_MS);
  } else if (state.download) {
    window.location.assign(state.download);  // what was waited for: the browser saves or shows it
  }
}

if (page && (page.dataset.status === "queued" || page.dataset.status === "running")) setTimeout(poll, POLL_MS);
