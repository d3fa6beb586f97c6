// On every page: the service worker, the outbox badge, sending what waits, and the user's offline pages.
import { SYNC_TAG, changes, sendAll, xhrTransport } from "./outbox.js";
import { deleteVisit, isUnsent, visitsOf } from "./store.js";

const user = document.body.dataset.user || "";
const texts = JSON.parse(document.getElementById("app-texts").textContent);
const RETRY_MS = 30000;
const RECONNECT_WAITS_MS = [0, 2000, 5000];
let sending = null;

async function registerWorker() {
  if (!("serviceWorker" in navigator)) return null;
  return navigator.serviceWorker.register(`/sw.js?v=${document.body.dataset.shell}`, { type: "module", scope: "/" });
}

// Ask the worker (the one writer of that cache) to keep the signed-in user's pages, or nobody's.
async function keepPages(registration) {
  const worker = (await navigator.serviceWorker.ready).active || registration?.active;
  worker?.postMessage({ type: "keep", user, lang: document.documentElement.lang,
    refresh: document.body.dataset.page === "home" && navigator.onLine });
}

export async function refreshBadge() {
  const badge = document.getElementById("outbox-count");
  if (!badge || !user) return 0;
  const count = (await visitsOf(user)).filter(isUnsent).length;
  badge.textContent = String(count);
  badge.hidden = count === 0;
  return count;
}

function showSignIn(show) {
  const banner = document.getElementById("signin-banner");
  if (banner) banner.hidden = !show;
}

// Send what waits, unless a send is already under way; the badge follows.
export function sendNow(onProgress = () => {}) {
  sending ||= (async () => {
    try {
      const result = await sendAll(xhrTransport, onProgress);
      showSignIn(Boolean(result.signIn));
      document.dispatchEvent(new CustomEvent("outbox-changed", { detail: result }));
      return result;
    } catch {
      return { offline: true };
    } finally {
      sending = null;
      await refreshBadge();
    }
  })();
  return sending;
}

// The online event can come before the connection carries requests (a network still joining): try a few times.
async function sendOnReconnect() {
  for (const wait of RECONNECT_WAITS_MS) {
    await new Promise((resolve) => { setTimeout(resolve, wait); });
    if (!navigator.onLine || !(await sendNow()).offline) return;
  }
}

// Ask the browser to send when the connection returns, even with no page open.
export async function askForSync() {
  const registration = await navigator.serviceWorker?.ready;
  if (registration && "sync" in registration) await registration.sync.register(SYNC_TAG).catch(() => {});
}

function warnOnSignOut() {
  const form = document.getElementById("logout-form");
  form?.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!navigator.onLine) { window.alert(texts.signOutOffline); return; } // a session only the server can end
    const unsent = (await visitsOf(user)).filter(isUnsent).length;
    if (unsent && !window.confirm(texts.signOutWarning.replace("%(count)s", unsent))) return;
    // The visits stay, for this user only; the pages go, dropped by the worker (their one writer).
    navigator.serviceWorker?.controller?.postMessage({ type: "keep", user: "" });
    form.submit();
  });
}

async function listDrafts() {
  const box = document.getElementById("drafts");
  if (!box || !user) return;
  const drafts = (await visitsOf(user)).filter((r) => r.state === "draft").sort((a, b) => b.updatedAt - a.updatedAt);
  const list = box.querySelector("ul");
  list.replaceChildren(...drafts.map((draft) => {
    const item = document.createElement("li");
    const link = Object.assign(document.createElement("a"), { href: draft.formUrl, className: "row-link" });
    link.append(Object.assign(document.createElement("strong"), { textContent: draft.title }), ` ${draft.branchName || ""}`);
    const when = Object.assign(document.createElement("span"), { className: "muted small",
      textContent: ` ${new Date(draft.updatedAt).toLocaleString(document.documentElement.lang)}` });
    const discard = Object.assign(document.createElement("button"), { type: "button", className: "link",
      textContent: texts.discard });
    discard.addEventListener("click", async () => {
      if (window.confirm(texts.discardConfirm)) { await deleteVisit(draft.uuid); await listDrafts(); }
    });
    item.append(link, when, " ", discard);
    return item;
  }));
  box.hidden = drafts.length === 0;
}

// Drafts of an older version were kept without their user: they cannot be told apart, so they go.
function forgetUnownedDrafts() {
  for (const key of Object.keys(localStorage)) {
    if (key.startsWith("inspection-draft:") || key.startsWith("inspection-correction:")) localStorage.removeItem(key);
  }
  indexedDB.deleteDatabase("inspection-drafts");
}

// A new version took over: reload, so that this page runs with the scripts the new worker keeps.
function reloadOnUpdate() {
  const updating = Boolean(navigator.serviceWorker?.controller);
  navigator.serviceWorker?.addEventListener("controllerchange", () => { if (updating) location.reload(); });
}

// Irreversible steps ask first: a submit button or form with data-confirm="question" is sent only once the user
// agrees.
export function askBeforeIrreversibleSteps(root = document) {
  // Capture, on the document: asked before any other handler of the form sees the submission.
  root.addEventListener("submit", (event) => {
    const question = event.submitter?.dataset.confirm || event.target.dataset?.confirm;
    if (question && !window.confirm(question)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
}

async function start() {
  forgetUnownedDrafts();
  reloadOnUpdate();
  registerWorker().then(keepPages).catch(() => {});
  if (!user) return;
  // Ask that the browser never evict the drafts and unsent visits to make room.
  navigator.storage?.persist?.().catch(() => {});
  warnOnSignOut();
  // Listened for first: the connection may return while the page is still reading its store below.
  window.addEventListener("online", sendOnReconnect);
  // Sent by the worker or another tab: this page's badge, lists and sign-in banner follow.
  changes.addEventListener("message", async ({ data }) => {
    if (typeof data?.signIn === "boolean") showSignIn(data.signIn);
    await refreshBadge();
    document.dispatchEvent(new CustomEvent("outbox-changed", { detail: {} }));
  });
  setInterval(async () => { if ((await refreshBadge()) > 0 && navigator.onLine) await sendNow(); }, RETRY_MS);
  await listDrafts();
  if ((await refreshBadge()) > 0) {
    await askForSync(); // in case this page is closed before the connection returns
    await sendNow();
  }
}

askBeforeIrreversibleSteps(); // first: it needs no network and no storage
start(); // not awaited: a page that imports this module need not wait for the network
