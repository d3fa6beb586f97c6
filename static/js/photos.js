// Photos in the browser: shrunk once, before they are kept with the draft and uploaded.
const LONG_SIDE = 1600;
const QUALITY = 0.85;
// The EXIF segment sits near the start of a JPEG, within 64 KiB of it: no need to read a whole photo.
const HEAD_BYTES = 256 * 1024;
const EXIF_MAGIC = [0x45, 0x78, 0x69, 0x66, 0, 0]; // "Exif\0\0"
const ORIENTATION_TAG = 0x0112;

// Return a JPEG no larger than LONG_SIDE; formats the browser cannot decode (HEIC) go as they are.
// A canvas writes no metadata, so a camera JPEG's EXIF segment is carried over: the server reads the
// camera time and GPS from it as evidence of the visit, then strips it from the stored copy.
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
  if (!blob || blob.size >= file.size) return file;
  const exif = exifSegment(new Uint8Array(await file.slice(0, HEAD_BYTES).arrayBuffer()));
  // Right after the start-of-image marker, where the EXIF standard puts it.
  return exif ? new Blob([blob.slice(0, 2), exif, blob.slice(2)], { type: "image/jpeg" }) : blob;
}

// Return a copy of the EXIF segment (APP1) of JPEG bytes with its orientation set to upright, or null.
// The canvas has already turned the pixels upright: the original orientation would turn them again.
export function exifSegment(bytes) {
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) return null;
  let at = 2;
  while (at + 4 <= bytes.length && bytes[at] === 0xff) {
    const marker = bytes[at + 1];
    if (marker === 0xda || marker === 0xd9) return null; // the image data starts: no EXIF before it
    const end = at + 2 + ((bytes[at + 2] << 8) | bytes[at + 3]);
    if (marker === 0xe1 && end <= bytes.length && EXIF_MAGIC.every((byte, i) => bytes[at + 4 + i] === byte)) {
      const segment = bytes.slice(at, end);
      setUpright(segment);
      return segment;
    }
    at = end;
  }
  return null;
}

// Set the orientation entry of the first image directory (IFD0) of an EXIF segment to 1, if it has one.
function setUpright(segment) {
  const tiff = 10; // marker (2), length (2), "Exif\0\0" (6)
  const view = new DataView(segment.buffer, segment.byteOffset, segment.byteLength);
  if (segment.length < tiff + 8) return;
  const little = segment[tiff] === 0x49; // "II": Intel byte order; "MM": Motorola
  const directory = tiff + view.getUint32(tiff + 4, little);
  if (directory + 2 > segment.length) return;
  const entries = view.getUint16(directory, little);
  for (let i = 0; i < entries; i++) {
    const entry = directory + 2 + 12 * i;
    if (entry + 12 > segment.length) return;
    if (view.getUint16(entry, little) === ORIENTATION_TAG) {
      view.setUint16(entry + 8, 1, little); // a SHORT: the first two bytes of the value field
      return;
    }
  }
}
