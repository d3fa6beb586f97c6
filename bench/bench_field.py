"""Field app: photo processing per 12 MP JPEG, and form page throughput against a bare view."""

import io
import tempfile
import time
from pathlib import Path

import flask_migrate
from PIL import Image

from inspection import create_app
from inspection.auth.services import add_user
from inspection.db import write_transaction
from inspection.extensions import db
from inspection.org.models import Branch, Staff
from inspection.photos.processing import make_thumbnail, process

from timing import best_of, report


def camera_jpeg() -> bytes:
    """A 4000x3000 JPEG with real detail (a fractal), about what a phone camera produces."""
    detail = Image.effect_mandelbrot((4000, 3000), (-2.2, -1.2, 1.0, 1.2), 60)
    noise = Image.effect_noise((4000, 3000), 24)  # sensor noise makes the file as large as a camera's
    image = Image.merge("RGB", (detail, noise, Image.linear_gradient("L").resize((4000, 3000))))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def naive(data: bytes) -> bytes:
    """The baseline: decode every pixel, then resize and save."""
    image = Image.open(io.BytesIO(data)).convert("RGB")
    image = image.resize((1600, 1200), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=82)
    return out.getvalue()


def bench_photos() -> None:
    data = camera_jpeg()
    print(f"12 MP test JPEG: {len(data) / 1e6:.1f} MB")
    floor = best_of(lambda: naive(data), repeat=5)
    ours = best_of(lambda: process(data, 25 * 1024 * 1024, 50_000_000), repeat=5)
    report("photo: ours (draft, thumb, strip)", ours, floor, "naive decode+shrink")


def _stored_thumbnail_before(jpeg: bytes) -> bytes:
    """The baseline: Image.thumbnail's default (halve by reduce, then bilinear) on a copy, as before."""
    image = Image.open(io.BytesIO(jpeg)).convert("RGB")
    thumb = image.copy()
    thumb.thumbnail((320, 320), Image.Resampling.BILINEAR)
    out = io.BytesIO()
    thumb.save(out, "JPEG", quality=82)
    return out.getvalue()


def bench_thumbnail() -> None:
    out = io.BytesIO()
    Image.open(io.BytesIO(camera_jpeg())).resize((1600, 1200)).save(out, "JPEG", quality=85)
    browser = out.getvalue()  # what the offline app uploads: already 1600 px
    floor = best_of(lambda: _stored_thumbnail_before(browser), repeat=9)
    ours = best_of(lambda: make_thumbnail(browser), repeat=9)
    report("thumbnail of a 1600 px JPEG", ours, floor, "copy + Image.thumbnail")
    ours = best_of(lambda: process(browser, 25 * 1024 * 1024, 50_000_000), repeat=9)
    print(f"photo: ours, a 1600 px upload (check, strip, thumbnail, hash): {ours * 1000:.1f} ms")


def form_app(folder: Path):
    app = create_app({"SECRET_KEY": "bench", "ENV_NAME": "bench", "PASSWORD_HASH_PROFILE": "CHEAPEST",
                      "WTF_CSRF_ENABLED": False,
                      "DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}", "MEDIA_DIR": str(folder / "media")})

    @app.get("/bench/bare")
    def bare():
        return "ok"

    with app.app_context():
        flask_migrate.upgrade(directory=app.extensions["migrate"].directory)
        with write_transaction():
            branch = Branch(code="B1", name="营业厅", region="R")
            branch.staff = [Staff(code=f"S{i}", name=f"员工{i}") for i in range(8)]
            db.session.add(branch)
            db.session.flush()
            add_user("i@example.com", "I", "inspector", "Lanmao-qiuqiu-88", regions=("R",))
        db.session.remove()
    return app


def bench_form() -> None:
    with tempfile.TemporaryDirectory() as folder:
        app = form_app(Path(folder))
        client = app.test_client()
        client.post("/login", data={"email": "i@example.com", "password": "Lanmao-qiuqiu-88"})
        form = "/checklists/branch-inspection/new?branch=B1"
        assert client.get(form).status_code == 200
        count = 200
        floor = best_of(lambda: client.get("/bench/bare"), repeat=3, number=count)
        ours = best_of(lambda: client.get(form), repeat=3, number=count)
        report("form page (26 items), per request", ours, floor, "bare Flask view")
        size = len(client.get(form).data)
        print(f"form page HTML: {size / 1024:.1f} KB; {1 / ours:.0f} pages/s on one core")
        start = time.perf_counter()
        for _ in range(count):
            client.get(form)
        print(f"  ({count} requests in {time.perf_counter() - start:.2f} s)")


def main() -> None:
    bench_photos()
    bench_thumbnail()
    bench_form()
