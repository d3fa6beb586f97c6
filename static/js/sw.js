// The service worker: the app shell from a versioned cache, the signed-in user's pages when there is no
// network, and the outbox sent in the background. Drafts and unsent visits live in IndexedDB, never here.
import { OWNER_KEY, SYNC_TAG, USER_CACHE, sendAll } from "/static/js/outbox.js";

const VERSION = new URL(self.location).searchParams.get("v") || "dev";
const SHELL = `shell-${VERSION}`;
const NETWORK_WAIT_MS = 6000;
const REFRESH_MS = 5 * 60 * 1000;
const SHELL_URLS = [
  "/offline", "/manifest.webmanifest", "/static/css/app.css", "/static/js/app.js", "/static/js/engine.js",
  "/static/js/feedback.js", "/static/js/form.js", "/static/js/outbox.js", "/static/js/outbox-page.js",
  "/static/js/photos.js", "/static/js/store.js", "/static/js/submit.js", "/static/js/times.js",
  "/static/js/widgets.js",
  "/static/icons/icon-192.png", "/static/icons/icon-512.png",
];

self.addEventListener("install", (event) => {
  // Past the browser's HTTP cache: a new version must not be filled with the old files.
  const requests = SHELL_URLS.map((url) => new Request(url, { cache: "reload" }));
  event.waitUntil(caches.open(SHELL).then((cache) => cache.addAll(requests)).then(() => self.skipWaiting()));
});

// Only older shells go: the user's pages are refreshed by the pages themselves, the outbox is not a cache.
self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) if (name.startsWith("shell-") && name !== SHELL) await caches.delete(name);
    await self.clients.claim();
  })());
});

// A form page serves every branch: the branch is in its address, so it is found whatever the query.
const isFormPage = (url) => /^\/checklists\/[^/]+\/new$/.test(url.pathname);
// A returned visit's correction form is kept once opened online, so that its draft can be finished offline.
const isCorrection = (url) => /^\/visits\/[0-9a-f-]{36}\/correct$/.test(url.pathname);

async function fromNetwork(request) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), NETWORK_WAIT_MS); // a weak signal must not hang the page
  try {
    return await fetch(request, { signal: controller.signal });
  } finally {
    clearTimeout(timer);
  }
}

async function kept(request) {
  const url = new URL(request.url);
  const key = isFormPage(url) ? url.pathname : request.url; // looked up by address, as the pages were kept
  const cache = await caches.open(USER_CACHE);
  // Vary (Cookie, Accept-Encoding) is ignored: this cache holds one user's pages, whatever they were sent as.
  return (await cache.match(key, { ignoreVary: true })) || (await caches.match(key, { ignoreVary: true }));
}

// Put a newer copy in place of every older one (a put keeps other variants of a Vary header).
async function replace(cache, key, response) {
  await cache.delete(key, { ignoreVary: true });
  await cache.put(key, response);
}

// Pages: the network first, so that what is shown is current; what the user keeps when there is none.
async function page(request) {
  try {
    const response = await fromNetwork(request);
    const cache = await caches.open(USER_CACHE);
    const key = isFormPage(new URL(request.url)) ? new URL(request.url).pathname : request;
    const keeps = (isCorrection(new URL(request.url)) && (await cache.match(OWNER_KEY)))
      || (await cache.match(key, { ignoreVary: true }));
    if (response.ok && !response.redirected && keeps) await replace(cache, key, response.clone());
    return response;
  } catch {
    return (await kept(request)) || (await caches.match("/offline"));
  }
}

// The shell: from its cache, so a form opens with no network and fetches nothing. Pages name styles and icons
// with a ?v= of their content (inspection/web/assets.py); the cache of this version holds that very content.
async function shell(request) {
  return (await caches.match(request, { ignoreVary: true, ignoreSearch: true })) || fetch(request);
}

async function data(request) {
  try {
    const response = await fromNetwork(request);
    const cache = await caches.open(USER_CACHE);
    if (response.ok && (await cache.match(request, { ignoreVary: true }))) await replace(cache, request, response.clone());
    return response;
  } catch {
    const found = await kept(request);
    if (found) return found;
    throw new Error("offline");
  }
}

self.addEventListener("fetch", (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (request.mode === "navigate") event.respondWith(page(request));
  else if (url.pathname.startsWith("/static/") || url.pathname === "/manifest.webmanifest") event.respondWith(shell(request));
  else if (url.pathname === "/api/v1/branches" || url.pathname === "/api/v1/assignments") event.respondWith(data(request));
});

// Keep the signed-in user's pages and data; another user's, or a signed-out device's, are dropped first.
async function keepPages(user, lang, refresh) {
  const owner = await (await caches.open(USER_CACHE)).match(OWNER_KEY, { ignoreVary: true });
  let kept = owner ? await owner.json() : null;
  if (!kept || kept.user !== user) { await caches.delete(USER_CACHE); kept = null; } // start clean, owned
  // Pages kept by an older version of the app go with it: they would run with this version's scripts.
  // So do pages in another language than the one the user reads now.
  const stale = refresh && Date.now() - kept?.at > REFRESH_MS;
  const current = kept && kept.version === VERSION && kept.lang === lang && !stale;
  if (!user || current) return;
  const listing = await (await fetch("/offline/pages", { cache: "no-store" })).json();
  if (listing.user !== user) return; // signed out or in as someone else meanwhile: the next page says who
  const responses = await Promise.all(listing.urls.map((url) => fetch(url, { cache: "no-store" })));
  if (responses.some((response) => !response.ok || response.redirected)) return;
  const cache = await caches.open(USER_CACHE);
  await Promise.all(listing.urls.map((url, index) => replace(cache, url, responses[index])));
  await cache.put(OWNER_KEY, new Response(JSON.stringify({ user, lang, version: VERSION, at: Date.now() })));
}

// One keeping at a time, in the order pages asked: pages come and go, the worker stays.
let keeping = Promise.resolve();
self.addEventListener("message", (event) => {
  if (event.data?.type !== "keep") return;
  keeping = keeping.then(() => keepPages(event.data.user, event.data.lang, event.data.refresh)).catch(() => {});
  event.waitUntil(keeping);
});

self.addEventListener("sync", (event) => {
  if (event.tag === SYNC_TAG) event.waitUntil(sendAll());
});
