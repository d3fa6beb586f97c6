// The device's own store: drafts, unsent visits and their photos, each belonging to one signed-in user.
// It is not a cache: a new version of the app never clears it.
const NAME = "inspection";
const STATES_UNSENT = ["waiting", "sending", "attention"];
export const isUnsent = (record) => STATES_UNSENT.includes(record.state);

let opened = null;

function open() {
  opened ||= new Promise((resolve, reject) => {
    const request = indexedDB.open(NAME, 1);
    request.onupgradeneeded = () => {
      const visits = request.result.createObjectStore("visits", { keyPath: "uuid" });
      visits.createIndex("user", "user");
      // Only a draft has a slot (its checklist and branch, or the visit it corrects): one draft per slot.
      visits.createIndex("slot", ["user", "slot"], { unique: true });
      request.result.createObjectStore("photos", { keyPath: "id" }).createIndex("visit", "visit");
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  return opened;
}

// Run `work` in one transaction over `stores`; resolve with what it returned (a request's result) once committed.
async function run(stores, mode, work) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(stores, mode);
    const result = work(...stores.map((name) => tx.objectStore(name)));
    tx.oncomplete = () => resolve(result instanceof IDBRequest ? result.result : result);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}

export const getVisit = (uuid) => run(["visits"], "readonly", (visits) => visits.get(uuid));
export const visitsOf = (user) => run(["visits"], "readonly", (visits) => visits.index("user").getAll(user));
export const draftIn = (user, slot) => run(["visits"], "readonly", (visits) => visits.index("slot").get([user, slot]));

// Read and write in one transaction: `decide(current)` returns the record to store, or null to leave it.
// Every change of state goes through here, so a stale copy (another tab, a sender's old list) never wins.
function writeIf(uuid, decide, alsoPhotos) {
  const stores = alsoPhotos ? ["visits", "photos"] : ["visits"];
  return run(stores, "readwrite", (visits, photos) => {
    const outcome = { record: null, current: null };
    const request = visits.get(uuid);
    request.onsuccess = () => {
      outcome.current = request.result || null;
      const next = decide(outcome.current);
      if (!next) return;
      outcome.record = { ...next, updatedAt: Date.now() };
      visits.put(outcome.record);
      if (alsoPhotos) deletePhotosOf(photos, uuid);
    };
    return outcome;
  });
}

// Change a stored visit only while it is in one of `states`; resolve with the new record, or null.
export async function updateVisit(uuid, states, change) {
  const outcome = await writeIf(uuid, (current) => (current && states.includes(current.state) ? { ...current, ...change } : null));
  return outcome.record;
}

// Save a draft unless its visit has left the drafts (submitted in this or another tab); resolve with its state.
export async function saveDraftIfStill(record) {
  const outcome = await writeIf(record.uuid, (current) => (!current || current.state === "draft" ? record : null));
  return outcome.record ? "draft" : outcome.current?.state;
}
export const photosOf = (uuid) => run(["photos"], "readonly", (photos) => photos.index("visit").getAll(uuid));
export const putPhoto = (photo) => run(["photos"], "readwrite", (photos) => photos.put(photo));
export const removePhoto = (id) => run(["photos"], "readwrite", (photos) => photos.delete(id));

// Store a visit with all its photos at once: an import is whole or not at all.
export const putVisitWithPhotos = (record, list) => run(["visits", "photos"], "readwrite", (visits, photos) => {
  visits.put({ ...record, updatedAt: Date.now() });
  for (const photo of list) photos.put(photo);
});

function deletePhotosOf(photos, uuid) {
  const request = photos.index("visit").openKeyCursor(IDBKeyRange.only(uuid));
  request.onsuccess = () => {
    const cursor = request.result;
    if (cursor) { photos.delete(cursor.primaryKey); cursor.continue(); }
  };
}

// Forget a visit and its photos (a discarded draft).
export const deleteVisit = (uuid) => run(["visits", "photos"], "readwrite", (visits, photos) => {
  visits.delete(uuid);
  deletePhotosOf(photos, uuid);
});

// Keep the record of a delivered visit for the outbox's list, without its photos; only a visit being sent.
export async function markSent(uuid, change) {
  const outcome = await writeIf(uuid, (current) => (current?.state === "sending" ? { ...current, ...change } : null), true);
  return outcome.record;
}
