// Read a JPEG on stdin; print the EXIF segment the field app would carry over (base64), or nothing.
import { exifSegment } from "../../static/js/photos.js";

const chunks = [];
process.stdin.on("data", (chunk) => chunks.push(chunk));
process.stdin.on("end", () => {
  const segment = exifSegment(new Uint8Array(Buffer.concat(chunks)));
  process.stdout.write(segment ? Buffer.from(segment).toString("base64") : "");
});
