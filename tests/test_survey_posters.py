"""Survey posters: A4 pages whose QR code decodes (zbar) to the link's public address, in scope, quickly."""

from __future__ import annotations

import secrets
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from PIL import ImageFile
from sqlalchemy import select

from inspection.extensions import db
from inspection.org.models import Branch, Staff
from inspection.surveys.models import SurveyLink

from . import factories

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
SHIPPED = Path(__file__).resolve().parent.parent / "checklists" / "servqual-survey.yaml"
QUICK_SURVEY = """\
id: quick-survey
title: 满意度快速调查
kind: survey
sections:
  - id: overall
    title: 总体评价
    items:
      - {id: overall, text: 您对本次服务满意吗, type: rating, scale: 5, points: 5}
      - {id: comment, text: 意见和建议, type: text}
"""
HOSTILE = '<img src="http://127.0.0.1:9/x"><link rel=stylesheet href="file:///etc/passwd">'
TOOLS = ("pdfinfo", "pdftotext", "pdftoppm", "pdfimages", "zbarimg")
pytestmark = pytest.mark.skipif(not all(shutil.which(tool) for tool in TOOLS),
                                reason="needs poppler-utils and zbar-tools (scripts/system-deps.sh)")


@pytest.fixture
def surveys(app, tmp_path):
    """Offer the shipped SERVQUAL survey and a one-minute satisfaction survey (and a non-survey checklist)."""
    folder = tmp_path / "checklists"
    folder.mkdir()
    shutil.copy(SHIPPED, folder)
    (folder / "quick-survey.yaml").write_text(QUICK_SURVEY, encoding="utf-8")
    shutil.copy(factories.FIXTURES / "small.yaml", folder)
    app.config["CHECKLIST_DIR"] = str(folder)


@pytest.fixture
def make_link(surveys, users):
    """Return a maker of survey links, as the core's pages would create them."""

    def make(branch: str, staff: str | None = None, checklist: str = "servqual-survey", active: bool = True):
        link = SurveyLink(token=secrets.token_urlsafe(24), checklist_id=checklist, active=active,
                          branch=db.session.scalar(select(Branch).where(Branch.code == branch)),
                          staff=db.session.scalar(select(Staff).where(Staff.code == staff)) if staff else None,
                          created_by=users["admin"])
        db.session.add(link)
        db.session.commit()
        return link

    return make


def signed_in(app, user):
    client = app.test_client()
    factories.login(client, user)
    return client


def poster(client, path: str, **options) -> bytes:
    response = client.get(path, **options)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/pdf"
    return response.data


def pdf_facts(pdf: bytes, folder: Path) -> tuple[int, str, list[str]]:
    """Return the page count (every page A4), the text, and what the QR code of each page decodes to."""
    path = folder / "poster.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", "-l", "-1", str(path)], capture_output=True, text=True, check=True).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    sizes = [line for line in info.splitlines() if line.startswith("Page") and "size:" in line]
    assert len(sizes) == pages and all("595.276 x 841.89 pts (A4)" in line for line in sizes), sizes
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    subprocess.run(["pdftoppm", "-r", "100", "-png", str(path), str(folder / "page")], check=True)
    codes = []
    for image in sorted(folder.glob("page-*.png")):
        decoded = subprocess.run(["zbarimg", "--quiet", "--raw", str(image)], capture_output=True, text=True)
        codes.append(decoded.stdout.strip())
        image.unlink()
    return pages, text, codes


def test_a_branch_poster_is_one_a4_page_whose_code_opens_the_link(app, org, users, make_link, tmp_path):
    link = make_link("E1")
    pdf = poster(signed_in(app, users["manager"]), "/surveys/posters/branch/E1.pdf")
    pages, text, codes = pdf_facts(pdf, tmp_path)
    url = f"http://localhost/s/{link.token}"
    assert pages == 1 and codes == [url]
    for expected in ("Branch E1", "扫码评价我们的服务", "您的意见帮助我们把服务做得更好", "Scan to rate our service",
                     "匿名填写，约 2 分钟", "Anonymous, about 2 minutes", url, "营业厅顾客服务质量调查"):
        assert expected in text, expected
    assert "服务人员" not in text  # a branch poster names nobody
    # WeasyPrint sets this Pillow-wide flag when imported; photos/processing.py keeps truncated uploads refused.
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
    assert len(pdf) < 600_000
    images = subprocess.run(["pdfimages", "-list", str(tmp_path / "poster.pdf")], capture_output=True, text=True,
                            check=True).stdout.splitlines()
    assert len(images) == 2, images  # only the list's header: the code is drawn as vectors, crisp at any size
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "survey-poster.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "100", "-png", "-singlefile", str(ARTIFACTS / "survey-poster.pdf"),
                    str(ARTIFACTS / "survey-poster")], check=True)


def test_the_configured_public_address_is_printed_whatever_host_the_poster_was_asked_at(app, org, users, make_link,
                                                                                           tmp_path):
    link = make_link("E1")
    app.config["PUBLIC_URL"] = "https://survey.example.com/"
    client, inside = app.test_client(), "http://10.0.0.5:8000"  # the app's own address, behind a proxy
    client.post("/login", data={"email": users["admin"].email, "password": factories.PASSWORD}, base_url=inside)
    pdf = poster(client, "/surveys/posters/branch/E1.pdf", base_url=inside)
    _, text, codes = pdf_facts(pdf, tmp_path)
    assert codes == [f"https://survey.example.com/s/{link.token}"]
    assert "10.0.0.5" not in text


def test_one_page_per_survey_of_the_branch_or_the_one_asked_for(app, org, users, make_link, tmp_path):
    servqual, quick = make_link("E1"), make_link("E1", checklist="quick-survey")
    make_link("E1", staff="E1-S1")  # a badge: not the branch's own poster
    make_link("E1", checklist="quick-survey", active=False)  # rotated away
    make_link("E1", checklist="small")  # not a survey checklist
    client = signed_in(app, users["manager"])
    pages, _, codes = pdf_facts(poster(client, "/surveys/posters/branch/E1.pdf"), tmp_path)
    assert pages == 2 and codes == [f"http://localhost/s/{quick.token}", f"http://localhost/s/{servqual.token}"]
    pages, text, codes = pdf_facts(poster(client, "/surveys/posters/branch/E1.pdf?checklist=quick-survey"), tmp_path)
    assert pages == 1 and codes == [f"http://localhost/s/{quick.token}"]
    assert "满意度快速调查" in text and "约 1 分钟" in text and "about 1 minute" in text


def test_a_badge_poster_carries_the_staff_name_and_code(app, org, users, make_link, tmp_path):
    member = db.session.scalar(select(Staff).where(Staff.code == "E1-S2"))
    member.name = "王小明" + HOSTILE  # printed as text; nothing is fetched
    link = make_link("E1", staff="E1-S2")
    make_link("E1")
    pages, text, codes = pdf_facts(poster(signed_in(app, users["manager"]), "/surveys/posters/staff/E1-S2.pdf"),
                                   tmp_path)
    assert pages == 1 and codes == [f"http://localhost/s/{link.token}"]
    assert "服务人员" in text and "王小明" in text and "工号 E1-S2" in text and "Branch E1" in text
    assert "127.0.0.1:9" in text.replace("\n", "")


def test_no_active_link_answers_a_translated_404(app, org, users, make_link):
    make_link("E2", active=False)
    make_link("E2", staff="E2-S1", checklist="small")
    db.session.scalar(select(Staff).where(Staff.code == "E1-S1")).active = False
    make_link("E1", staff="E1-S1")  # a badge of someone who left
    client = signed_in(app, users["manager"])
    for path, message in (("/surveys/posters/branch/E2.pdf", "营业厅 E2 没有启用中的调查链接"),
                          ("/surveys/posters/branch/E2.pdf?checklist=nothing", "营业厅 E2 没有启用中的调查链接"),
                          ("/surveys/posters/staff/E2-S1.pdf", "员工 E2-S1 没有启用中的调查链接"),
                          ("/surveys/posters/staff/E1-S1.pdf", "员工 E1-S1 没有启用中的调查链接"),
                          ("/surveys/posters/branch/NOPE.pdf", "没有营业厅 NOPE"),
                          ("/surveys/posters/staff/NOPE.pdf", "没有员工 NOPE"),
                          ("/surveys/posters/region/East.pdf", "区域“East”没有由您管理的启用中的调查链接")):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.mimetype == "text/html" and message in response.get_data(as_text=True), path


def test_a_region_prints_every_active_link_in_scope_branch_by_branch(app, org, users, make_link, tmp_path):
    closed = Branch(code="E3", name="Branch E3", region="East", address="", active=False)
    db.session.add(closed)
    db.session.flush()
    e2_badge, e1_badge = make_link("E2", staff="E2-S2"), make_link("E1", staff="E1-S1")
    e2, e1 = make_link("E2"), make_link("E1")
    e1_quick = make_link("E1", checklist="quick-survey")
    for hidden in (make_link("W1"), make_link("E3"), make_link("E2", checklist="quick-survey", active=False)):
        assert hidden.token
    expected = [e1_quick, e1, e1_badge, e2, e2_badge]  # per branch: its own surveys, then its badges
    pages, text, codes = pdf_facts(poster(signed_in(app, users["manager"]), "/surveys/posters/region/East.pdf"),
                                   tmp_path)
    assert pages == 5 and codes == [f"http://localhost/s/{link.token}" for link in expected]
    assert "Branch W1" not in text and "Branch E3" not in text
    one_branch = factories.make_user("manager", branches=("E2",))
    _, _, codes = pdf_facts(poster(signed_in(app, one_branch), "/surveys/posters/region/East.pdf"), tmp_path)
    assert codes == [f"http://localhost/s/{e2.token}", f"http://localhost/s/{e2_badge.token}"]
    west = factories.make_user("manager", regions=("West",))
    assert signed_in(app, west).get("/surveys/posters/region/East.pdf").status_code == 404


@pytest.mark.parametrize(("role", "status"), [("anonymous", 302), ("admin", 200), ("manager", 200),
                                              ("other manager", 404), ("inspector", 403), ("shopper", 403)])
def test_who_may_print_posters(app, org, users, make_link, role, status):
    make_link("E1"), make_link("E1", staff="E1-S1")
    if role == "anonymous":
        client = app.test_client()
    else:
        user = factories.make_user("manager", regions=("West",)) if role == "other manager" else users[role]
        client = signed_in(app, user)
    for path in ("/surveys/posters/branch/E1.pdf", "/surveys/posters/staff/E1-S1.pdf",
                 "/surveys/posters/region/East.pdf"):
        response = client.get(path)
        assert response.status_code == status, (path, response.get_data(as_text=True)[:300])
        if status == 302:
            assert urlsplit(response.headers["Location"]).path == "/login"


def test_a_region_of_thirty_posters_prints_as_one_document(app, org, users, make_link, tmp_path):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the PDF does not depend on the database: once is enough")
    for number in range(10):
        branch = Branch(code=f"N{number}", name=f"北区第{number}营业厅", region="North", address="")
        branch.staff = [Staff(code=f"N{number}-S{i}", name=f"员工{number}-{i}", position="clerk") for i in (1, 2)]
        db.session.add(branch)
    db.session.commit()
    links = [make_link(f"N{number}", staff) for number in range(10)
             for staff in (None, f"N{number}-S1", f"N{number}-S2")]
    client = signed_in(app, users["admin"])
    pdf = poster(client, "/surveys/posters/region/North.pdf")
    pages, _, codes = pdf_facts(pdf, tmp_path)
    assert pages == 30 and codes == [f"http://localhost/s/{link.token}" for link in links]
    assert len(pdf) < 2_000_000
