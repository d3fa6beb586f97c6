"""PDF scorecards: content, photos, safety of the fetcher, caching, access, CLI, period figures."""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from pypdf import PdfReader

from inspection.extensions import db, media_store
from inspection.performance.context import staff_context
from inspection.photos.processing import process
from inspection.photos.storage import write_with_files
from inspection.review.services import review
from inspection.scorecards import render, services
from inspection.scorecards.render import INTERNAL, ScorecardFetcher
from inspection.statistics import mean_interval
from inspection.visits.services import submit_visit

from . import factories
from .conftest import BOTH_STORAGES

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
HOSTILE = ('<img src="http://127.0.0.1:9/x"> <link rel=stylesheet href="file:///etc/passwd"> '
           "</style><script>alert(1)</script>")


@pytest.fixture
def visit(app, org, users):
    """A small-checklist visit with a hostile note, a failed critical item and two photos."""
    app.config["CHECKLIST_DIR"] = str(factories.FIXTURES)
    photos = [("overview", process(factories.jpeg_bytes(1200, 900), 10**7, 10**8)),
              ("clean", process(factories.jpeg_bytes(900, 1200, colour=(20, 90, 160)), 10**7, 10**8))]
    sub = factories.submission(answers={"clerk": "E1-S1", "clean": True, "greet": 8.5, "note": "整体良好"},
                               notes={"clean": HOSTILE}, photos=photos)
    with write_with_files(media_store()) as files:
        created, _ = submit_visit(users["inspector"], factories.small_checklist(), sub, files)
    return created


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def image_count(pdf: bytes) -> int:
    """Count the distinct embedded images (pages may share one resource dictionary)."""
    images = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        objects = (page.get("/Resources") or {}).get("/XObject") or {}
        images.update(ref.idnum for ref in objects.values() if ref.get_object().get("/Subtype") == "/Image")
    return len(images)


@BOTH_STORAGES
def test_visit_scorecard_pdf_has_the_chinese_text_scores_notes_and_photos(app, visit):
    pdf = services.visit_pdf(visit)
    text = pdf_text(pdf)
    for expected in ("小检查表", "Branch E1", "关键项不达标", "问候", "8.5 秒（标准 5 秒）", "50.0", "未通过",
                     "整体良好", "E1-S1 Staff E1-1", str(visit.uuid), visit.checklist_version[:12]):
        assert expected in text, expected
    assert image_count(pdf) == 2
    if shutil.which("pdftoppm"):
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / "scorecard.pdf").write_bytes(pdf)
        subprocess.run(["pdftoppm", "-r", "100", "-png", "-f", "1", "-l", "1", "-singlefile",
                        str(ARTIFACTS / "scorecard.pdf"), str(ARTIFACTS / "scorecard-page1")], check=True)
        assert (ARTIFACTS / "scorecard-page1.png").stat().st_size > 10_000


def test_user_text_prints_as_text_and_nothing_is_fetched(app, visit, monkeypatch):
    asked: list[str] = []
    original = ScorecardFetcher.fetch

    def recording_fetch(self, url, headers=None):
        asked.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(ScorecardFetcher, "fetch", recording_fetch)
    pdf = render.render_pdf("scorecards/visit.html", services.visit_media(visit), **services.visit_context(visit))
    # Lines wrap wherever the PDF breaks them, so compare without white space.
    flat = "".join(pdf_text(pdf).split())
    assert "".join(HOSTILE.split()) in flat
    assert asked and all(url.startswith(INTERNAL + "/") for url in asked)
    assert {url.rsplit("/", 1)[1] for url in asked if "/media/" in url} == services.visit_media(visit)


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:9/x", "https://example.com/a.png", "file:///etc/passwd",
    f"{INTERNAL}/static/css/app.css", f"{INTERNAL}/static/../../etc/passwd",
    f"{INTERNAL}/media/{'0' * 32}-thumb.jpg", f"{INTERNAL}/media/..%2F..%2Fetc%2Fpasswd",
    "http://scorecard.invalid.evil.com/static/css/print.css", f"{INTERNAL}/static/css/print.css?x=1",
])
def test_the_fetcher_refuses_everything_but_our_files(tmp_path, url):
    fetcher = ScorecardFetcher(tmp_path, tmp_path, allowed_media={"a" * 32 + "-thumb.jpg"})
    with pytest.raises(ValueError, match="scorecards fetch only their own files"):
        fetcher.fetch(url)
    assert fetcher.refused == [url]


@BOTH_STORAGES
def test_visit_pdfs_are_cached_by_visit_and_template_version(app, visit, monkeypatch):
    calls = []
    real = services.render_pdf_reporting
    monkeypatch.setattr(services, "render_pdf_reporting", lambda *a, **k: calls.append(1) or real(*a, **k))
    first = services.visit_pdf(visit)
    assert services.visit_pdf(visit) == first and len(calls) == 1
    visit.version += 1
    services.visit_pdf(visit)
    assert len(calls) == 2
    monkeypatch.setattr(services, "template_version", lambda: "f" * 64)
    services.visit_pdf(visit)
    assert len(calls) == 3
    cached = list(media_store().objects("scorecards/"))
    assert len(cached) == 1  # stale copies are removed


def test_visit_scorecard_routes_follow_visit_access(app, client, users, visit):
    factories.login(client, users["manager"])
    preview = client.get(f"/visits/{visit.uuid}/scorecard")
    assert preview.status_code == 200
    assert "&lt;img src=&#34;http://127.0.0.1:9/x&#34;&gt;" in preview.get_data(as_text=True)
    download = client.get(f"/visits/{visit.uuid}/scorecard.pdf")
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert download.data.startswith(b"%PDF")
    client.post("/logout")
    factories.login(client, users["shopper"])
    assert client.get(f"/visits/{visit.uuid}/scorecard.pdf").status_code == 404


def _attributed_visits(users, clerk: str, results: list[bool], start: datetime, release: bool = True):
    """Submit (and release, so that they count) visits attributing the hall section to a clerk."""
    for index, clean in enumerate(results):
        moment = start + timedelta(days=index * 20)
        sub = factories.submission(answers={"clerk": clerk, "clean": clean, "greet": 2},
                                   started_at=moment - timedelta(minutes=10), finished_at=moment)
        visit, _ = submit_visit(users["inspector"], factories.small_checklist(), sub)
        if release:
            review(users["manager"], visit, "release")


def test_staff_scorecard_figures_and_minimum_sample(app, client, users, org):
    app.config["CHECKLIST_DIR"] = str(factories.FIXTURES)
    start = datetime(2026, 8, 3, 10, tzinfo=timezone.utc)
    _attributed_visits(users, "E1-S1", [True, False], start)  # 10/10 and 5/10
    db.session.commit()
    staff = org.branches["E1"].staff[0]
    context = staff_context(staff, date(2026, 8, 1), date(2026, 9, 30))
    report = context["report"]
    assert (report.total.count, report.total.earned, report.total.possible) == (2, 15.0, 20.0)
    assert report.total.score == 75.0 and report.ranked is False
    assert [month for month in report.months] == ["2026-08"]
    [weakest] = report.weakest()
    assert (weakest.text, weakest.tally.earned, weakest.tally.possible) == ("整洁", 5.0, 10.0)
    factories.login(client, users["manager"])
    page = client.get(f"/staff/{staff.code}/scorecard?from=2026-08-01&to=2026-09-30").get_data(as_text=True)
    assert "本期仅有 2 次检查记入该员工，少于 3 次" in page
    pdf = client.get(f"/staff/{staff.code}/scorecard.pdf?from=2026-08-01&to=2026-09-30")
    assert "员工成绩单" in pdf_text(pdf.data) and "75.0" in pdf_text(pdf.data)
    two = mean_interval([100.0, 50.0])  # 75 ± t(0.95, 1) · 25 = 75 ± 157.8: wide, as two visits are; cut to 0–100
    assert f"75.0 ± {two.margin:.1f} · 90% 置信区间 0.0–100.0" in pdf_text(pdf.data)
    assert client.get(f"/staff/{staff.code}/scorecard?from=2026-09-30&to=2026-08-01").status_code == 400


def test_branch_scorecard_ranks_only_staff_with_the_minimum_sample(app, client, users, org):
    app.config["CHECKLIST_DIR"] = str(factories.FIXTURES)
    start = datetime(2026, 8, 3, 10, tzinfo=timezone.utc)
    _attributed_visits(users, "E1-S1", [True, True, False], start)
    _attributed_visits(users, "E1-S2", [True], start)
    _attributed_visits(users, "E1-S2", [False, False, False], start, release=False)  # not yet counted
    db.session.commit()
    context = services.branch_context(org.branches["E1"], date(2026, 8, 1), date(2026, 10, 31))
    assert [(row.staff.code, row.tally.count) for row in context["ranked"]] == [("E1-S1", 3)]
    assert [(row.staff.code, row.tally.count, row.shrunk) for row in context["unranked"]] == [("E1-S2", 1, None)]
    assert context["report"].mean_score == pytest.approx((100 + 100 + 50 + 100) / 4)
    assert context["sections"] == {"小检查表": [("大厅", pytest.approx(87.5))]}
    factories.login(client, users["shopper"])
    assert client.get("/branches/E1/scorecard").status_code == 404
    client.post("/logout")
    factories.login(client, users["manager"])
    assert client.get("/branches/W1/scorecard").status_code == 404
    text = pdf_text(client.get("/branches/E1/scorecard.pdf?from=2026-08-01&to=2026-10-31").data)
    assert "营业厅成绩单" in text and "不排名：少于 3 次" in text
    page = client.get("/branches/E1/scorecard?from=2026-08-01&to=2026-10-31").get_data(as_text=True)
    assert "<tr><th>检查记录</th><td>4</td></tr>" in page
    branch = mean_interval([100.0, 100.0, 50.0, 100.0])
    shown = f"{branch.mean:.1f} ± {branch.margin:.1f} (4 次走访) · 90% 置信区间 {branch.low:.1f}–100.0"
    assert shown in text
    staff = mean_interval([100.0, 100.0, 50.0])  # E1-S1, ranked: its score, interval and ranking estimate
    [ranked] = context["ranked"]
    assert f"{staff.low:.1f}–100.0" in text and f"{ranked.shrunk:.1f}" in text
    assert "排名估计值" in text and "经验贝叶斯" in text and "走访次数太少，无法给出区间" in text


def test_scorecard_commands_write_pdfs(app, runner, visit, tmp_path):
    out = tmp_path / "v.pdf"
    result = runner.invoke(args=["scorecard", "visit", str(visit.uuid), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF")
    for kind, code in (("staff", "E1-S1"), ("branch", "E1")):
        path = tmp_path / f"{kind}.pdf"
        result = runner.invoke(args=["scorecard", kind, code, "--from", "2026-01-01", "--to", "2026-12-31",
                                     "-o", str(path)])
        assert result.exit_code == 0, result.output
        assert path.read_bytes().startswith(b"%PDF")
    missing = runner.invoke(args=["scorecard", "branch", "ZZ", "--from", "2026-01-01", "--to", "2026-12-31",
                                  "-o", str(tmp_path / "x.pdf")])
    assert missing.exit_code != 0 and "no branch ZZ" in missing.output
