// The outbox page: every visit of this user on this device, its state, and what can be done with it.
import { askForSync, refreshBadge, sendNow } from "./app.js";
import { deleteVisit, draftIn, getVisit, isUnsent, photosOf, putVisitWithPhotos, updateVisit, visitsOf } from "./store.js";

const user = document.body.dataset.user;
const texts = JSON.parse(document.getElementById("outbox-texts").textContent);
const list = document.getElementById("outbox-list");
const progress = new Map(); // uuid -> fraction sent
const FILE_FORMAT = "inspection-outbox";

function status(text, kind = "info") {
  const box = document.getElementById("outbox-status");
  box.textContent = text;
  box.className = `form-message ${kind}`;
  box.hidden = !text;
}

const element = (tag, props = {}, ...children) => {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
};

function button(label, action) {
  const node = element("button", { type: "button", className: "link", textContent: label });
  node.addEventListener("click", action);
  return node;
}

function row(record) {
  const when = new Date(record.queuedAt || record.updatedAt).toLocaleString(document.documentElement.lang);
  const state = element("span", { className: `state state-${record.state}`, textContent: texts.states[record.state] });
  const item = element("li", { className: "outbox-item" }, element("strong", { textContent: record.title }),
    ` ${record.branchName || record.branch || ""} `, element("span", { className: "muted small", textContent: `${texts.queued} ${when}` }),
    " ", state);
  item.dataset.uuid = record.uuid;
  item.dataset.state = record.state;
  if (record.state === "sending" && progress.has(record.uuid)) {
    item.append(element("progress", { max: 100, value: 100 * progress.get(record.uuid) }));
  }
  const conflict = record.status === 409 && record.request?.method === "POST";
  const reason = conflict ? texts.conflict : record.reason || (record.state === "attention" ? texts.refused : "");
  if (reason && record.state !== "sent") item.append(element("p", { className: "item-error", textContent: reason }));
  const actions = element("div", { className: "outbox-actions" });
  if (record.state === "sent" && record.sentUrl) actions.append(element("a", { href: record.sentUrl, textContent: texts.open }));
  // A conflict is not fixed by sending again or editing: the same id would conflict again.
  if (record.state === "attention" && !conflict) {
    actions.append(button(texts.retry, () => retry(record)), " ", button(texts.edit, () => edit(record)));
  }
  if (isUnsent(record)) actions.append(" ", button(texts.discard, () => discard(record)));
  item.append(actions);
  return item;
}

async function render() {
  const records = (await visitsOf(user)).filter((r) => r.state !== "draft")
    .sort((a, b) => (b.queuedAt || b.updatedAt) - (a.queuedAt || a.updatedAt));
  list.replaceChildren(...(records.length ? records.map(row) : [element("li", { className: "muted", textContent: texts.nothing })]));
  await refreshBadge();
}

async function retry(record) {
  await updateVisit(record.uuid, ["attention"], { state: "waiting", reason: "" });
  await send();
}

// Back to a draft of its form, to be corrected and submitted again; the same id, so nothing is stored twice.
async function edit(record) {
  if (await draftIn(user, record.slotWas)) { status(texts.slotTaken, "error"); return; }
  const back = await updateVisit(record.uuid, ["attention"], { state: "draft", slot: record.slotWas, request: undefined,
    reason: "", finishedAt: undefined });
  if (back) location.assign(record.formUrl);
  else await render();
}

async function discard(record) {
  if (!window.confirm(texts.discardConfirm)) return;
  await deleteVisit(record.uuid);
  await render();
}

async function send() {
  if (!navigator.onLine) { status(texts.offline); await askForSync(); return; }
  const result = await sendNow((uuid, fraction) => { progress.set(uuid, fraction); render(); });
  if (result.offline) status(texts.offline);
  await render();
}

// -- the escape hatch: unsent visits with their photos in one file, and back -----------------------

function toBase64(buffer) {
  const bytes = new Uint8Array(buffer);
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

function fromBase64(data, type) {
  const text = atob(data);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i += 1) bytes[i] = text.charCodeAt(i);
  return new Blob([bytes], { type });
}

async function exportFile() {
  const visits = [];
  for (const record of (await visitsOf(user)).filter(isUnsent)) {
    const photos = await Promise.all((await photosOf(record.uuid)).map(async (photo) => ({
      id: photo.id, item: photo.item, name: photo.name, type: photo.blob.type, data: toBase64(await photo.blob.arrayBuffer()) })));
    visits.push({ ...record, photos });
  }
  const file = { format: FILE_FORMAT, version: 1, user, exported_at: new Date().toISOString(), visits };
  const today = new Date().toLocaleDateString("sv"); // YYYY-MM-DD on the device's own calendar
  const link = element("a", { download: `unsent-visits-${today}.json`,
    href: URL.createObjectURL(new Blob([JSON.stringify(file)], { type: "application/json" })) });
  document.body.append(link);
  link.click();
  link.remove();
}

// Only a visit this app would send: to this server's visit addresses, under its own id, with whole photos.
function importable(record, photos) {
  const request = record.request;
  if (typeof record.uuid !== "string" || !request || typeof request.visit !== "object" || !request.visit) return false;
  const post = request.method === "POST" && request.url === "/api/v1/visits" && request.visit.id === record.uuid;
  const put = request.method === "PUT" && /^\/api\/v1\/visits\/[0-9a-f-]{36}$/.test(request.url);
  const whole = Array.isArray(photos) && photos.every((p) => ["id", "item", "name", "data"].every((k) => typeof p[k] === "string"));
  return (post || put) && whole;
}

async function importFile(input) {
  const [chosen] = input.files;
  input.value = "";
  let file;
  try { file = JSON.parse(await chosen.text()); } catch { file = null; }
  if (!file || file.format !== FILE_FORMAT || !Array.isArray(file.visits)) { status(texts.badFile, "error"); return; }
  if (String(file.user) !== user) { status(texts.otherUser, "error"); return; }
  if (!file.visits.every(({ photos = [], ...record }) => importable(record, photos))) { status(texts.badFile, "error"); return; }
  let added = 0, known = 0;
  for (const { photos = [], ...record } of file.visits) {
    if (await getVisit(record.uuid)) { known += 1; continue; }
    let blobs;
    try {
      blobs = photos.map((p) => ({ id: p.id, visit: record.uuid, item: p.item, name: p.name, blob: fromBase64(p.data, p.type) }));
    } catch { status(texts.badFile, "error"); return; }
    await putVisitWithPhotos({ ...record, user, state: "waiting", reason: "", slot: undefined }, blobs);
    added += 1;
  }
  status(texts.imported.replace("%(new)s", added).replace("%(known)s", known));
  await render();
  await send();
}

document.getElementById("send-now").addEventListener("click", send);
document.getElementById("export-file").addEventListener("click", exportFile);
document.getElementById("import-file").addEventListener("change", (event) => importFile(event.target));
// The server answered, this page or the worker or another tab asking: "no network" is no longer true.
function followSends() {
  if (document.getElementById("outbox-status").textContent === texts.offline) status("");
  render();
}

document.addEventListener("outbox-changed", followSends);
window.addEventListener("online", render);
await render();
if (!navigator.onLine) status(texts.offline);
