// Photos in the browser: shrink before upload, and keep them in IndexedDB with the draft.
const LONG_SIDE = 1600;
const QUALITY = 0.85;

// Return a JPEG no larger than LONG_SIDE; formats the browser cannot decode (HEIC) go as they are.
export async function shrinkPhoto(file) {
  let bitmap;
  try {
    bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
  } catch {
    return file;
  }
  const scale = Math.min(1, LONG_SIDE / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", QUALITY));
  return blob && blob.size < file.size ? blob : file;
}

function open() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open("inspection-drafts", 1);
    request.onupgradeneeded = () => {
      request.result.createObjectStore("photos", { keyPath: "id" }).createIndex("draftKey", "draftKey");
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function run(mode, work) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const tx = db.transaction("photos", mode);
    const result = work(tx.objectStore("photos"));
    tx.oncomplete = () => resolve(result.result ?? result);
    tx.onerror = () => reject(tx.error);
  });
}

export const putPhoto = (photo) => run("readwrite", (store) => store.put(photo));
export const removePhoto = (id) => run("readwrite", (store) => store.delete(id));
export const loadPhotos = (draftKey) => run("readonly", (store) => store.index("draftKey").getAll(draftKey));

export function deletePhotos(draftKey) {
  return run("readwrite", (store) => {
    const request = store.index("draftKey").openKeyCursor(IDBKeyRange.only(draftKey));
    request.onsuccess = () => {
      const cursor = request.result;
      if (cursor) { store.delete(cursor.primaryKey); cursor.continue(); }
    };
    return {};
  });
}
