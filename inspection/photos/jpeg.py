"""Cut a JPEG down to what draws its pixels: tables, frame and scans, without metadata or anything appended.

What is kept is still the sender's: a crafted file can hide bytes in its tables or its scans that decoders skip.
Such photos are only ever served as image/jpeg with nosniff and a sandboxed policy (web.requests.send_photo).
"""

from __future__ import annotations

import re

SOI, EOI, SOS = 0xD8, 0xD9, 0xDA
# Baseline, extended and progressive Huffman frames: what every browser draws. Arithmetic coding (which
# browsers do not draw), lossless and hierarchical frames are left to the re-encoding path.
FRAMES = {0xC0, 0xC1, 0xC2}
DRAWING = FRAMES | {0xC4, 0xDB, 0xDD}  # + Huffman tables, quantisation tables, restart interval
# Application segments (EXIF, XMP, ICC, Adobe, maker notes) and comments: dropped, but ICC and Adobe change
# how the pixels read, so a file with either is re-encoded instead of being cut.
METADATA = set(range(0xE0, 0xF0)) | {0xFE}
COLOUR = ((0xE2, b"ICC_PROFILE\x00"), (0xEE, b"Adobe"))
# In entropy-coded data a 0xFF byte is followed by 0x00 (a stuffed byte), a restart marker or more 0xFF
# fill: anything else is the marker that ends the scan.
SCAN_END = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")


def stripped(data: bytes) -> bytes | None:
    """Return the JPEG with only the segments that draw it, or None if it is not a plain Huffman JPEG."""
    if data[:2] != b"\xff\xd8":
        return None
    kept, position, frames, scans = [b"\xff\xd8"], 2, 0, 0
    while True:
        if data[position:position + 1] != b"\xff" or position + 2 > len(data):
            return None
        marker = data[position + 1]
        if marker == EOI:
            break
        length = int.from_bytes(data[position + 2:position + 4], "big")
        end = position + 2 + length
        if length < 2 or end > len(data) or not _known(marker, data[position + 4:end]):
            return None
        if marker == SOS:
            found = SCAN_END.search(data, end)
            if found is None:
                return None
            end, scans = found.start(), scans + 1
        if marker not in METADATA:
            kept.append(data[position:end])
            frames += marker in FRAMES
        position = end
    if frames != 1 or scans == 0:
        return None
    kept.append(b"\xff\xd9")  # whatever followed the end of the image is dropped with it
    return b"".join(kept)


def _known(marker: int, body: bytes) -> bool:
    """Say whether a segment may be dropped or kept as it is."""
    if marker in METADATA:
        return not any(marker == code and body.startswith(name) for code, name in COLOUR)
    if marker in FRAMES:
        return body[:1] == b"\x08"  # 8 bits a sample; 12-bit JPEGs are not drawn by browsers
    return marker in DRAWING or marker == SOS
