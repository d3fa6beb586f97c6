"""Render scorecard HTML to PDF with WeasyPrint, fetching nothing but our own files."""

from __future__ import annotations

import hashlib
import logging
import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import current_app, render_template, url_for
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from ..extensions import media_store
from ..media.store import MediaStore
from ..photos.storage import photo_key, thumbnail_name

# A host in the reserved .invalid domain: these URLs can never reach a network, and the
# fetcher below answers them from our static folder and the media store; every other URL is refused.
INTERNAL = "http://scorecard.invalid"
STATIC_FILES = ("css/print.css",)
TEMPLATE_FILES = ("base.html", "visit.html", "staff.html", "branch.html")
logger = logging.getLogger(__name__)


class ScorecardFetcher(URLFetcher):
    """Serve our print stylesheet and the allowed photo files (read through the media store); refuse the rest."""

    def __init__(self, static_dir: Path, store: MediaStore, allowed_media: set[str]):
        super().__init__(allowed_protocols=("http",), allow_redirects=False)
        self.static_dir, self.store, self.allowed_media = static_dir, store, allowed_media
        self.refused: list[str] = []
        self.missing: list[str] = []

    def fetch(self, url, headers=None):
        kind, name = self._own_file(url)
        if kind is None:
            self.refused.append(url)
            raise ValueError(f"scorecards fetch only their own files, not {url[:100]}")
        data = (self.static_dir / name).read_bytes() if kind == "static" else self.store.get(photo_key(name))
        if data is None:
            self.missing.append(url)
            raise ValueError(f"{name} is missing from the media store")
        mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, data, {"Content-Type": mime})

    def _own_file(self, url: str) -> tuple[str | None, str]:
        """Return ("static" or "media", name) for a file a scorecard may embed, else (None, "")."""
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}" != INTERNAL or parts.query or parts.fragment:
            return None, ""
        path = unquote(parts.path)
        if path.startswith("/static/") and path[len("/static/"):] in STATIC_FILES:
            return "static", path[len("/static/"):]
        if path.startswith("/media/") and path[len("/media/"):] in self.allowed_media:
            return "media", path[len("/media/"):]
        return None, ""


def internal_url(kind: str, name: str) -> str:
    """Return the address a PDF uses for one of our files (kind: static or media)."""
    return f"{INTERNAL}/{kind}/{name}"


def scorecard_static(name: str, pdf: bool) -> str:
    """Return a static file's address for the browser, or for WeasyPrint's restricted fetcher."""
    return internal_url("static", name) if pdf else url_for("static", filename=name)


def scorecard_photo(photo, pdf: bool) -> str:
    """Return a photo thumbnail's address for the browser, or for WeasyPrint's restricted fetcher."""
    name = thumbnail_name(photo.stored_name)
    return internal_url("media", name) if pdf else url_for("visits.photo", name=name)


def template_version() -> str:
    """Return a hash of the scorecard templates and print CSS; cached PDFs carry it."""
    cached = current_app.extensions.get("scorecard_template_version")
    if cached is None:
        digest = hashlib.sha256()
        templates = Path(current_app.template_folder) / "scorecards"
        for path in [*(templates / name for name in TEMPLATE_FILES),
                     *(Path(current_app.static_folder) / name for name in STATIC_FILES),
                     Path(__file__).resolve().parent.parent / "charts.py"]:
            digest.update(path.read_bytes())
        cached = current_app.extensions["scorecard_template_version"] = digest.hexdigest()
    return cached


def warm_up_pdf() -> None:
    """Load the PDF engine, its fonts and the print stylesheet once, so that the first real scorecard does not."""
    html = f'<link rel="stylesheet" href="{internal_url("static", STATIC_FILES[0])}"><p>预热 warm-up</p>'
    fetcher = ScorecardFetcher(Path(current_app.static_folder), media_store(), set())
    HTML(string=html, base_url=INTERNAL + "/", url_fetcher=fetcher).write_pdf()


def render_pdf(template: str, allowed_media: set[str], **context) -> bytes:
    """Render a scorecard template to PDF bytes; only listed media files may be embedded."""
    return render_pdf_reporting(template, allowed_media, **context)[0]


def render_pdf_reporting(template: str, allowed_media: set[str], **context) -> tuple[bytes, list[str]]:
    """Render a scorecard template to PDF bytes, and say which media files were missing from the store."""
    html = render_template(template, pdf=True, **context)
    fetcher = ScorecardFetcher(Path(current_app.static_folder), media_store(), allowed_media)
    pdf = HTML(string=html, base_url=INTERNAL + "/", url_fetcher=fetcher).write_pdf()
    for url in fetcher.refused:
        logger.warning("scorecard refused to fetch %s", url[:200])
    for url in fetcher.missing:
        logger.error("scorecard printed without a missing photo file: %s (run `flask media check`)", url[:200])
    return pdf, fetcher.missing
