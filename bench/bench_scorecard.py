"""Visit scorecard PDF: 60 items and 10 photos in Chinese, against WeasyPrint on the same HTML."""

import io
import random
import tempfile
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import flask_migrate
from flask import render_template
from PIL import Image
from weasyprint import HTML

from inspection import create_app
from inspection.auth.services import add_user
from inspection.checklists import load_text
from inspection.db import write_transaction
from inspection.extensions import db, media_store
from inspection.org.models import Branch, Staff
from inspection.photos.processing import process
from inspection.photos.storage import write_with_files
from inspection.scorecards.render import INTERNAL, ScorecardFetcher, render_pdf
from inspection.scorecards.services import visit_context, visit_media
from inspection.visits.services import Submission, submit_visit

from timing import best_of, report

TEXTS = ["地面、台面整洁，无杂物、无污渍", "员工统一着装，佩戴工号牌", "顾客走近 5 秒内主动问候",
         "使用标准问候语并微笑", "首问负责，不推诿", "资费解释与公示一致，无误导"]


def checklist_yaml() -> str:
    lines = ["id: bench", "title: 营业厅服务质量检查（基准）", "kind: inspection", "sections:"]
    for s in range(6):
        lines += [f"  - id: s{s}", f"    title: 第 {s + 1} 部分", "    dimension: reliability", "    items:"]
        for i in range(10):
            lines.append(f"      - {{id: s{s}-i{i}, text: '{TEXTS[i % 6]}（第 {i + 1} 项）', type: yes_no, "
                         f"points: 5, photo: optional}}")
    return "\n".join(lines) + "\n"


def photo(seed: int) -> bytes:
    rng = random.Random(seed)
    image = Image.effect_noise((4000, 3000), 30).convert("RGB")
    image.paste((rng.randrange(256), rng.randrange(256), rng.randrange(256)), (400, 400, 3600, 2600))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88)
    return out.getvalue()


def build(folder: Path):
    app = create_app({"SECRET_KEY": "bench", "ENV_NAME": "bench", "PASSWORD_HASH_PROFILE": "CHEAPEST",
                      "DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}", "MEDIA_DIR": str(folder / "media")})
    checklist = load_text(checklist_yaml())
    with app.app_context():
        flask_migrate.upgrade(directory=app.extensions["migrate"].directory)
        with write_transaction():
            branch = Branch(code="B1", name="上海人民广场营业厅", region="华东区")
            branch.staff = [Staff(code="S1", name="张伟")]
            db.session.add(branch)
            user = add_user("i@example.com", "李质检", "admin", "Lanmao-qiuqiu-88")
        answers = {item.id: random.Random(item.id).random() > 0.2 for _, item in checklist.items()}
        photos = [(f"s{n % 6}-i{n}", process(photo(n), 30 * 1024 * 1024, 60_000_000)) for n in range(10)]
        finished = datetime.now(timezone.utc)
        submission = Submission(uuid=uuid.uuid4(), checklist_id="bench", branch_code="B1",
                                started_at=finished - timedelta(minutes=40), finished_at=finished,
                                answers=answers, notes={"s0-i1": "等候区地面有少量纸屑，已提醒保洁"}, photos=photos)
        with write_with_files(media_store()) as files:
            visit, _ = submit_visit(user, checklist, submission, files)
        visit_id = visit.id
        db.session.remove()
    return app, visit_id


def main() -> None:
    from inspection.visits.models import Visit

    with tempfile.TemporaryDirectory() as folder:
        app, visit_id = build(Path(folder))
        with app.app_context(), app.test_request_context():
            visit = db.session.get(Visit, visit_id)
            media = visit_media(visit)
            pdf = render_pdf("scorecards/visit.html", media, **visit_context(visit))
            html = render_template("scorecards/visit.html", pdf=True, **visit_context(visit))

            def floor():
                fetcher = ScorecardFetcher(Path(app.static_folder), media_store(), media)
                return HTML(string=html, base_url=INTERNAL + "/", url_fetcher=fetcher).write_pdf()

            floor()
            baseline = best_of(floor, repeat=3)
            ours = best_of(lambda: render_pdf("scorecards/visit.html", media, **visit_context(visit)), repeat=3)
            report("visit scorecard PDF (60 items, 10 photos)", ours, baseline, "WeasyPrint on the same HTML")
            print(f"PDF size: {len(pdf) / 1024:.0f} KB, {pdf.count(b'/Subtype /Image')} images; "
                  f"targets: <= 1.3x, < 1000 ms, < 2048 KB")
