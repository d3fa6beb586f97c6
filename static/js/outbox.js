// Send the visits waiting on this device, from a page or from the service worker; no page is needed.
// Each visit goes with its own id, so sending again after a lost answer stores nothing twice.
import { deleteVisit, markSent, photosOf, updateVisit, visitsOf } from "./store.js";

export const SYNC_TAG = "outbox";
// The signed-in user's pages and data, for working offline; emptied when someone else signs in.
export const USER_CACHE = "user-pages";
export const OWNER_KEY = "/offline/owner";
// Every change of a visit's state is told to the pages and the worker, wherever it was sent from.
export const changes = new BroadcastChannel("inspection-outbox");
const SENT_KEPT_MS = 7 * 24 * 3600 * 1000;
const IDLE_MS = 60 * 1000; // an upload with no progress for this long is given up, to be tried again
const FETCH_MS = 10 * 60 * 1000;

// Who is signed in and the token requests must carry; null when nobody is (the session ended).
export async function currentSession() {
  const response = await fetch("/offline/session", { cache: "no-store", credentials: "same-origin" });
  if (response.status === 401) return null;
  if (!response.ok) throw new Error(`session check answered ${response.status}`);
  return response.json();
}

function body(record, photos) {
  const form = new FormData();
  form.append("visit", JSON.stringify(record.request.visit));
  for (const photo of photos) form.append(`photo.${photo.item}`, photo.blob, photo.name);
  return form;
}

// The way to send from the worker: fetch, bounded in time.
export async function fetchTransport(request, form, csrf) {
  const response = await fetch(request.url, { method: request.method, body: form, credentials: "same-origin",
    headers: { "X-CSRFToken": csrf, Accept: "application/json" }, signal: AbortSignal.timeout(FETCH_MS) });
  return { status: response.status, text: await response.text(), redirected: response.redirected };
}

// A page's way to send: XMLHttpRequest, which reports upload progress (fetch does not).
export function xhrTransport(request, form, csrf, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    let idle;
    const arm = () => { clearTimeout(idle); idle = setTimeout(() => xhr.abort(), IDLE_MS); };
    xhr.open(request.method, request.url);
    xhr.setRequestHeader("X-CSRFToken", csrf);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.addEventListener("progress", (e) => { arm(); if (e.lengthComputable) onProgress(e.loaded / e.total); });
    xhr.addEventListener("progress", arm);
    xhr.addEventListener("load", () => {
      clearTimeout(idle);
      resolve({ status: xhr.status, text: xhr.responseText, redirected: new URL(xhr.responseURL).pathname !== request.url });
    });
    for (const failure of ["error", "abort", "timeout"]) {
      xhr.addEventListener(failure, () => { clearTimeout(idle); reject(new Error(failure)); });
    }
    arm();
    xhr.send(form);
  });
}

function parse(text) {
  try { return JSON.parse(text || "{}"); } catch { return {}; }
}

// The id the server answers with: the new visit's own, or the corrected visit's in the address.
const expectedId = (request) => (request.method === "POST" ? request.visit.id : request.url.split("/").pop());

async function settle(uuid, change) {
  const record = await updateVisit(uuid, ["sending"], change);
  if (record) changes.postMessage({ uuid, state: record.state });
  return record;
}

// Send one visit; return its new state. Refusals keep the visit, with the server's reason.
export async function sendOne(record, csrf, transport = fetchTransport, onProgress = () => {}) {
  const sending = await updateVisit(record.uuid, ["waiting", "sending"], { state: "sending" });
  if (!sending) return { state: "gone" }; // discarded, or sent by someone else, meanwhile
  changes.postMessage({ uuid: record.uuid, state: "sending" });
  let reply;
  try {
    reply = await transport(sending.request, body(sending, await photosOf(sending.uuid)), csrf, onProgress);
  } catch {
    await settle(record.uuid, { state: "waiting", reason: "" });
    return { state: "waiting", offline: true };
  }
  const answer = parse(reply.text);
  const attempts = (sending.attempts || 0) + 1;
  const ok = reply.status === 200 || reply.status === 201;
  // Only the server's own answer about this visit means it is stored (not a portal's page, not a redirect).
  if (ok && !reply.redirected && answer.id === expectedId(sending.request) && typeof answer.url === "string") {
    await markSent(record.uuid, { state: "sent", sentAt: Date.now(), sentUrl: answer.url, reason: "", attempts });
    changes.postMessage({ uuid: record.uuid, state: "sent" });
    return { state: "sent", url: answer.url };
  }
  // Signed out, a stale token, a busy server or a stranger's answer: nothing is wrong with the visit, so it waits.
  const waits = ok || reply.status === 401 || reply.status === 429 || reply.status >= 500 || answer.code === "csrf";
  const state = waits ? "waiting" : "attention";
  const reason = answer.details?.length ? answer.details.map((d) => d.text || d.message).join("; ")
    : answer.text || answer.error || "";
  await settle(record.uuid, { state, reason: waits ? "" : reason, status: reply.status, attempts });
  return { state, status: reply.status, reason, details: answer.details || [], signIn: reply.status === 401,
    staleToken: answer.code === "csrf", offline: ok };
}

// Run `work` as the one sender on this device: tabs and the worker take turns.
export function asSender(work) {
  const locks = (typeof navigator !== "undefined" && navigator.locks) || null;
  return locks ? locks.request("inspection-outbox", work) : work();
}

async function sendAllLocked(transport, onProgress) {
  let who = await currentSession(); // throws when offline: nothing is touched
  if (!who) return { signIn: true, sent: 0 };
  let sent = 0;
  let signIn = false;
  for (const record of await visitsOf(who.user)) {
    if (record.state === "sent" && Date.now() - record.sentAt > SENT_KEPT_MS) await deleteVisit(record.uuid);
    // "sending" here was left by a sender that stopped (a closed tab): this one holds the lock now.
    if (record.state !== "waiting" && record.state !== "sending") continue;
    let result = await sendOne(record, who.csrf, transport, (p) => onProgress(record.uuid, p));
    if (result.staleToken) { // the session changed since the token was read: once more with the new one
      who = await currentSession();
      if (!who) return { signIn: true, sent };
      result = await sendOne(record, who.csrf, transport, (p) => onProgress(record.uuid, p));
    }
    if (result.state === "sent") sent += 1;
    if (result.offline) break;
    if (result.signIn) { signIn = true; break; }
  }
  return { signIn, sent, user: who.user };
}

// Send every waiting visit of the signed-in user, one sender at a time across tabs and the worker.
export function sendAll(transport = fetchTransport, onProgress = () => {}) {
  return asSender(async () => {
    const result = await sendAllLocked(transport, onProgress);
    // Every page hears whether a sign-in is needed: the worker sends with no page of its own to show it.
    changes.postMessage({ signIn: result.signIn });
    return result;
  });
}
