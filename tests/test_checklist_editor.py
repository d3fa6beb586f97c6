"""Checklist management in the browser: who may, checking with line numbers, preview and sample score,
publishing (and its conflicts), retiring and restoring, comparing versions, and hostile input."""

from __future__ import annotations

import hashlib
import io
import re
from html import unescape

import pytest
from sqlalchemy import select

from inspection.audit.models import AuditEvent
from inspection.catalog.models import ChecklistVersion
from inspection.catalog.services import get_catalog
from inspection.checklist_editor import files, services
from inspection.checklist_editor.source import MAX_BYTES
from inspection.checklists import load_text, score
from inspection.db import write_transaction
from inspection.extensions import db, media_store
from inspection.photos.storage import write_with_files
from inspection.problems import Conflict, Forbidden
from inspection.visits.services import submit_visit

from . import factories

SMALL = factories.SMALL_CHECKLIST
SMALL_DIGEST = hashlib.sha256(SMALL.encode("utf-8")).hexdigest()
# The small checklist with the greeting worth more, no longer critical, and a new choice item.
CHANGED = SMALL.replace("{id: greet, text: 问候, type: timer, limit: 5, points: 5, critical: true}",
                        "{id: greet, text: 主动问候, type: timer, limit: 5, points: 10}") + \
    "      - id: queue\n        text: 排队\n        type: choice\n        points: 4\n" \
    "        options: [{value: short, label: 短, score: 1}, {value: long, label: 长, score: 0}]\n"


@pytest.fixture
def folder(app, tmp_path):
    """Serve a checklist folder of the test's own, holding the small checklist."""
    path = tmp_path / "checklists"
    path.mkdir()
    (path / "small.yaml").write_text(SMALL, encoding="utf-8")
    app.config["CHECKLIST_DIR"] = str(path)
    return path


@pytest.fixture
def admin(app, client, users, folder):
    """An administrator's browser, in English so that messages read as the tests spell them."""
    users["admin"].locale = "en"
    db.session.commit()
    factories.login(client, users["admin"])
    return client


@pytest.fixture
def checklist_manager(users):
    """A manager given the permission to manage checklists."""
    manager = factories.make_user("manager", regions=("East",))
    manager.manages_checklists = True
    db.session.commit()
    return manager


def _problems(page: str) -> list[tuple[str, str]]:
    """Return (line, text) for each problem the editor lists."""
    found = re.findall(r'<li id="problem-\d+">(?:<a href="#source" data-line="(\d+)">[^<]*</a>: )?(.*?)</li>',
                       page, re.S)
    return [(line, unescape(text.strip())) for line, text in found]


def _edit_form(client, name: str = "small.yaml") -> dict:
    """Open the editor on a file and return its form fields, as the browser would send them back."""
    page = client.get(f"/checklist-editor/files/{name}").get_data(as_text=True)
    base = re.search(r'name="base" value="([0-9a-f]*)"', page).group(1)
    return {"file": name, "base": base}


def _folder_names(path) -> list[str]:
    return sorted(str(item.relative_to(path)) for item in path.rglob("*"))


# -- who may ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("role", "status"), [("admin", 200), ("manager", 403), ("inspector", 403),
                                              ("shopper", 403)])
def test_only_admins_and_managers_given_the_permission_manage_checklists(app, users, folder, role, status):
    client = app.test_client()
    factories.login(client, users[role])
    for path in ("/checklist-editor/", "/checklist-editor/new", "/checklist-editor/files/small.yaml",
                 "/checklist-editor/compare/small"):
        assert client.get(path).status_code == status, path
    assert client.post("/checklist-editor/preview", data={"text": SMALL}).status_code == status
    home = client.get("/").get_data(as_text=True)
    assert ('href="/checklist-editor/"' in home) is (status == 200)


def test_a_manager_given_the_permission_publishes(app, client, folder, checklist_manager):
    factories.login(client, checklist_manager)
    assert 'href="/checklist-editor/"' in client.get("/").get_data(as_text=True)
    response = client.post("/checklist-editor/publish", data={"text": CHANGED, **_edit_form(client)})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert (folder / "small.yaml").read_text(encoding="utf-8") == CHANGED


def test_the_permission_is_refused_in_the_service_too(app, users, folder):
    with pytest.raises(Forbidden):
        services.publish(users["manager"], services.Source(CHANGED, "small.yaml", SMALL_DIGEST))
    assert (folder / "small.yaml").read_text(encoding="utf-8") == SMALL


def test_an_admin_gives_a_manager_the_permission_in_the_user_form(app, client, users, folder):
    factories.login(client, users["admin"])
    manager, inspector = users["manager"], users["inspector"]
    form = client.get(f"/admin/users/{manager.id}").get_data(as_text=True)
    assert 'name="manages_checklists"' in form and 'aria-describedby="manages-checklists-help"' in form
    for user, role, status in ((manager, "manager", 302), (inspector, "inspector", 200)):
        response = client.post(f"/admin/users/{user.id}", data={
            "name": user.name, "role": role, "regions": "East", "active": "y", "manages_checklists": "y"})
        assert response.status_code == status
    # The permission is a manager's: asked for another role, it is refused in words, not dropped in silence.
    assert "只有经理可以被授予管理检查表的权限" in response.get_data(as_text=True)
    db.session.expire_all()
    assert manager.manages_checklists is True
    assert inspector.manages_checklists is False
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user_update",
                                                       AuditEvent.target == manager.email))
    assert event.details["manages_checklists"] == [False, True]
    manager_client = app.test_client()
    factories.login(manager_client, manager)
    assert manager_client.get("/checklist-editor/").status_code == 200


def test_the_command_line_gives_and_takes_the_permission(runner, users):
    email = users["manager"].email
    assert runner.invoke(args=["user", "set", email, "--manages-checklists"]).exit_code == 0
    db.session.expire_all()
    assert users["manager"].manages_checklists is True
    assert runner.invoke(args=["user", "set", email, "--name", "Renamed"]).exit_code == 0
    db.session.expire_all()
    assert users["manager"].manages_checklists is True  # another change keeps it
    assert runner.invoke(args=["user", "set", email, "--no-manages-checklists"]).exit_code == 0
    db.session.expire_all()
    assert users["manager"].manages_checklists is False


# -- the list -----------------------------------------------------------------------------------

def test_the_list_shows_checklists_and_the_files_that_failed_with_their_errors(admin, folder):
    (folder / "broken.yaml").write_text("id: broken\ntitle: [\n", encoding="utf-8")
    (folder / "retired").mkdir()
    (folder / "retired" / "old.yaml").write_text(SMALL.replace("id: small", "id: old"), encoding="utf-8")
    page = unescape(admin.get("/checklist-editor/").get_data(as_text=True))
    version = load_text(SMALL).version
    for text in ("small", "小检查表", "5", version[:12], "broken.yaml", "broken.yaml:3: invalid YAML", "old.yaml",
                 "/checklist-editor/files/broken.yaml", "/checklist-editor/retired/old.yaml/restore"):
        assert text in page, text
    assert page.count("data-confirm=") == 2  # retiring the checklist, retiring the broken file


# -- checking and previewing ------------------------------------------------------------------

def test_a_broken_checklist_lists_each_error_with_its_line_tied_to_the_text(admin):
    broken = SMALL.replace("points: 5, photo", "points: lots, photo")
    broken = broken.replace("title: 大厅", "title: 大厅\n    colour: red")
    response = admin.post("/checklist-editor/preview", data={"text": broken, **_edit_form(admin)})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    problems = _problems(page)
    assert [line for line, _ in problems] == ["8", "11"]
    assert "colour" in problems[0][1] and "points" in problems[1][1]
    described = re.search(r'<textarea id="source"[^>]*aria-describedby="([^"]*)"', page, re.S).group(1).split()
    assert described == ["source-help", "problems-title", "problem-1", "problem-2"]
    assert 'aria-invalid="true"' in page and 'id="problems" class="editor-problems" tabindex="-1"' in page
    assert unescape(page.split('aria-invalid="true">\n', 1)[1].split("</textarea>")[0]) == broken
    assert 'id="preview"' not in page  # nothing to preview until it is fixed


def test_a_valid_checklist_is_previewed_with_the_form_and_the_engines_sample_score(admin):
    response = admin.post("/checklist-editor/preview", data={"text": CHANGED, "worst": "greet",
                                                             **_edit_form(admin)})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and not _problems(page)
    checklist = load_text(CHANGED)
    # The engine's own result for every item at its best and the greeting at its worst.
    answers = {"clerk": "S001", "clean": True, "greet": 10, "note": "…", "queue": "short"}
    expected = score(checklist, answers).to_dict()
    assert expected["score"] == 47.37
    assert re.search(r"data-score>\s*47.37\s*<", page)
    assert "<td class=\"num\">9.0 / 19.0</td>" in page
    assert '<option value="greet" selected>' in page
    for item in ("clerk", "clean", "greet", "note", "overview", "queue"):  # the visit form's own widgets
        assert f'data-item="{item}"' in page
    assert '<fieldset class="checklist-preview" disabled>' in page
    assert checklist.version[:12] in page
    assert "js/checklist-editor.js" in page


def test_the_sample_sets_the_first_scored_item_at_its_worst_by_default(admin):
    page = admin.post("/checklist-editor/preview", data={"text": SMALL, **_edit_form(admin)}).get_data(as_text=True)
    assert '<option value="clean" selected>' in page
    expected = score(load_text(SMALL), {"clerk": "S001", "clean": False, "greet": 2.5, "note": "…"}).to_dict()
    assert re.search(rf"data-score>\s*{expected['score']}\s*<", page)


def test_an_upload_replaces_the_text_and_is_checked_the_same_way(admin):
    upload = (io.BytesIO(CHANGED.replace("\n", "\r\n").encode("utf-8")), "small.yaml")
    response = admin.post("/checklist-editor/preview", data={"text": "ignored", "upload": upload,
                                                             **_edit_form(admin)},
                          content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and not _problems(page)
    assert "排队" in page and "ignored" not in page and "\r" not in page


# -- publishing -----------------------------------------------------------------------------------

def test_publishing_writes_the_file_and_the_catalog_offers_the_new_version(app, admin, users, folder, org):
    old = load_text(SMALL)
    response = admin.post("/checklist-editor/publish", data={"text": CHANGED, **_edit_form(admin)})
    assert response.status_code == 302
    assert (folder / "small.yaml").read_text(encoding="utf-8") == CHANGED
    assert _folder_names(folder) == ["small.yaml"]  # no temporary file left behind
    new = load_text(CHANGED)
    assert "small" in unescape(admin.get("/checklist-editor/").get_data(as_text=True))
    form = admin.get("/checklists/small/new?branch=E1").get_data(as_text=True)
    assert f'data-version="{new.version}"' in form and 'data-item="queue"' in form
    stored = set(db.session.scalars(select(ChecklistVersion.version).where(ChecklistVersion.checklist_id == "small")))
    assert {old.version, new.version} <= stored
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "checklist_publish"))
    assert event.target == "small" and event.actor == users["admin"].email
    assert event.details == {"file": "small.yaml", "version": new.version, "previous": old.version}


def test_publishing_the_same_text_writes_nothing(admin, folder):
    before = (folder / "small.yaml").stat().st_mtime_ns
    response = admin.post("/checklist-editor/publish", data={"text": SMALL, **_edit_form(admin)})
    assert response.status_code == 302
    assert (folder / "small.yaml").stat().st_mtime_ns == before
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "checklist_publish")) is None


def test_a_file_changed_since_the_editor_opened_is_not_overwritten(admin, folder):
    opened = _edit_form(admin)
    someone_else = SMALL.replace("title: 小检查表", "title: 别人改的")
    (folder / "small.yaml").write_text(someone_else, encoding="utf-8")
    preview = admin.post("/checklist-editor/preview", data={"text": CHANGED, **opened}).get_data(as_text=True)
    assert 'class="warning"' in preview  # warned before trying
    response = admin.post("/checklist-editor/publish", data={"text": CHANGED, **opened})
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "small.yaml" in page and 'id="conflict"' in page
    assert "排队" in unescape(page)  # the text is kept to merge by hand
    assert (folder / "small.yaml").read_text(encoding="utf-8") == someone_else
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "checklist_publish")) is None


def test_a_file_retired_since_the_editor_opened_is_a_conflict(admin, folder):
    opened = _edit_form(admin)
    (folder / "retired").mkdir()
    (folder / "small.yaml").rename(folder / "retired" / "small.yaml")
    response = admin.post("/checklist-editor/publish", data={"text": CHANGED, **opened})
    assert response.status_code == 409
    assert not (folder / "small.yaml").exists()


def test_a_new_id_creates_a_new_file(admin, folder):
    text = SMALL.replace("id: small", "id: lobby-check").replace("小检查表", "大堂检查")
    new_page = admin.get("/checklist-editor/new").get_data(as_text=True)
    assert 'name="file" value=""' in new_page and "id: new-checklist" in new_page
    response = admin.post("/checklist-editor/publish", data={"text": text, "file": "", "base": ""})
    assert response.status_code == 302
    assert (folder / "lobby-check.yaml").read_text(encoding="utf-8") == text
    assert (folder / "small.yaml").read_text(encoding="utf-8") == SMALL
    assert set(get_catalog().checklists) == {"small", "lobby-check"}


@pytest.mark.parametrize(("setup", "text", "message"), [
    (None, SMALL, "The id “small” is already used by small.yaml"),  # a new checklist with an existing id
    ("other.yml", SMALL.replace("id: small", "id: other"), "The id “other” is already used by other.yml"),
    ("retired/other.yaml", SMALL.replace("id: small", "id: other"), "A retired checklist has the id “other”"),
])
def test_a_new_checklist_may_not_take_an_id_in_use(admin, folder, setup, text, message):
    if setup:
        (folder / setup).parent.mkdir(exist_ok=True)
        (folder / setup).write_text("broken: [", encoding="utf-8")
    before = _folder_names(folder)
    response = admin.post("/checklist-editor/publish", data={"text": text, "file": "", "base": ""})
    assert response.status_code == 422
    assert [("2", message)] == [
        (line, problem[: len(message)]) for line, problem in _problems(response.get_data(as_text=True))]
    assert _folder_names(folder) == before


def test_an_edit_may_not_change_the_id(admin, folder):
    response = admin.post("/checklist-editor/publish",
                          data={"text": SMALL.replace("id: small", "id: renamed"), **_edit_form(admin)})
    assert response.status_code == 422
    [(line, text)] = _problems(response.get_data(as_text=True))
    assert line == "2" and "“small”" in text
    assert _folder_names(folder) == ["small.yaml"]


def test_a_broken_file_is_opened_with_its_errors_and_fixed_in_the_browser(admin, folder):
    (folder / "broken.yaml").write_text(SMALL.replace("id: small", "id: fixed").replace("limit: 5, ", ""),
                                        encoding="utf-8")
    page = admin.get("/checklist-editor/files/broken.yaml").get_data(as_text=True)
    assert [line for line, _ in _problems(page)] == ["11"]
    fixed = SMALL.replace("id: small", "id: fixed")
    response = admin.post("/checklist-editor/publish", data={"text": fixed, **_edit_form(admin, "broken.yaml")})
    assert response.status_code == 302
    assert (folder / "broken.yaml").read_text(encoding="utf-8") == fixed
    assert "fixed" in get_catalog().checklists


def test_a_failed_write_leaves_the_old_file_whole_and_records_nothing(app, users, folder, monkeypatch):
    def broken_replace(source, target):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "replace", broken_replace)
    with pytest.raises(OSError):
        with write_transaction():
            services.publish(users["admin"], services.Source(CHANGED, "small.yaml", SMALL_DIGEST))
    assert (folder / "small.yaml").read_text(encoding="utf-8") == SMALL
    assert _folder_names(folder) == ["small.yaml"]
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "checklist_publish")) is None


def test_an_unwritable_folder_is_said_in_words_and_the_text_kept(admin, folder, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(files.tempfile, "NamedTemporaryFile", refuse)
    response = admin.post("/checklist-editor/publish", data={"text": CHANGED, **_edit_form(admin)})
    page = unescape(response.get_data(as_text=True))
    assert response.status_code == 503
    assert "could not be changed (Permission denied)" in page and "排队" in page
    monkeypatch.setattr(files.os, "replace", refuse)
    response = admin.post("/checklist-editor/files/small.yaml/retire")
    assert "Permission denied" in admin.get(response.headers["Location"]).get_data(as_text=True)
    assert [name for name in _folder_names(folder) if name != "retired"] == ["small.yaml"]


def test_a_nul_character_typed_in_the_text_is_refused_before_any_work(admin, folder):
    response = admin.post("/checklist-editor/publish", data={"text": SMALL + "\x00", **_edit_form(admin)})
    assert response.status_code == 400
    assert (folder / "small.yaml").read_text(encoding="utf-8") == SMALL


def test_two_publishers_from_one_version_one_wins(app, users, folder):
    admin = users["admin"]
    with write_transaction():
        services.publish(admin, services.Source(CHANGED, "small.yaml", SMALL_DIGEST))
    with pytest.raises(Conflict):
        with write_transaction():
            services.publish(admin, services.Source(SMALL.replace("问候", "你好"), "small.yaml", SMALL_DIGEST))
    assert (folder / "small.yaml").read_text(encoding="utf-8") == CHANGED


# -- hostile input --------------------------------------------------------------------------------

HOSTILE = [
    ("broken YAML", "id: small\ntitle: [\n", "3", "The YAML cannot be read"),
    ("YAML bomb", "a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b, *b]\n", "1", "&a"),
    ("a custom tag", "id: !!python/object:os.system small\n", "1", "python/object"),
    ("an id with path characters", SMALL.replace("id: small", "id: ../../etc/passwd"), "2", "../../etc/passwd"),
    ("deep nesting", "a: " + "[" * 5000 + "]" * 5000 + "\n", "1", "20"),
    ("two documents", SMALL + "---\n" + SMALL, "14", "---"),
    ("an empty text", "", None, None),
]


@pytest.mark.parametrize(("text", "line", "words"), [case[1:] for case in HOSTILE], ids=[case[0] for case in HOSTILE])
def test_hostile_text_is_refused_with_its_line_and_nothing_is_written(admin, folder, text, line, words):
    before = _folder_names(folder)
    for action, status in (("preview", 200), ("publish", 422)):
        response = admin.post(f"/checklist-editor/{action}", data={"text": text, "file": "", "base": ""})
        assert response.status_code == status
        problems = _problems(response.get_data(as_text=True))
        assert problems, response.get_data(as_text=True)[:2000]
        if line:
            assert problems[0][0] == line and words in problems[0][1], problems
    assert _folder_names(folder) == before


def test_a_huge_text_is_refused_naming_the_limit(admin, folder):
    huge = SMALL + "# " + "长" * (MAX_BYTES // 3) + "\n"
    response = admin.post("/checklist-editor/publish", data={"text": huge, **_edit_form(admin)},
                          content_type="multipart/form-data")
    assert response.status_code == 422
    [(line, text)] = _problems(response.get_data(as_text=True))
    assert str(MAX_BYTES // 1024) in text
    # Beyond what Werkzeug reads into memory for a form field: refused before any view, in words all the same.
    boundary = "editor-test-boundary"
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="text"\r\n\r\n{"x" * 600_000}\r\n'
            f"--{boundary}--\r\n").encode()
    response = admin.post("/checklist-editor/publish", data=body,
                          content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 413
    assert str(MAX_BYTES // 1024) in response.get_data(as_text=True)
    assert (folder / "small.yaml").read_text(encoding="utf-8") == SMALL


@pytest.mark.parametrize(("content", "words"), [
    ("小检查表".encode("gbk"), "UTF-8"),
    (b"id: small\n" + b"\xff" * 10, "UTF-8"),
    (b"", None),
    (SMALL.encode() + b"\x00\n", "NUL"),
    (b"x" * (MAX_BYTES + 10), str(MAX_BYTES // 1024)),
])
def test_a_hostile_upload_is_refused_naming_what_is_wrong(admin, folder, content, words):
    data = {"text": SMALL, "upload": (io.BytesIO(content), "upload.yaml"), **_edit_form(admin)}
    response = admin.post("/checklist-editor/publish", data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    problems = _problems(response.get_data(as_text=True))
    assert problems and (words is None or words in problems[0][1]), problems
    assert (folder / "small.yaml").read_text(encoding="utf-8") == SMALL


def test_file_names_from_the_request_never_reach_outside_the_folder(admin, folder):
    for name in ("..%2F..%2Fsecret.yaml", "..", "retired", "missing.yaml"):
        assert admin.get(f"/checklist-editor/files/{name}").status_code == 404
        assert admin.post(f"/checklist-editor/files/{name}/retire").status_code == 404
    response = admin.post("/checklist-editor/publish", data={"text": CHANGED, "file": "../small.yaml",
                                                             "base": SMALL_DIGEST})
    assert response.status_code == 409
    assert _folder_names(folder) == ["small.yaml"]


# -- retiring and restoring -----------------------------------------------------------------------

def test_a_retired_checklist_is_no_longer_offered_and_old_visits_keep_their_version(app, admin, users, org, folder):
    checklist = get_catalog().checklists["small"]
    with write_with_files(media_store()) as stored:
        visit, _ = submit_visit(users["inspector"], checklist, factories.submission(), stored)
    db.session.commit()
    response = admin.post("/checklist-editor/files/small.yaml/retire")
    assert response.status_code == 302
    assert "flash-info" in admin.get("/checklist-editor/").get_data(as_text=True)
    assert _folder_names(folder) == ["retired", "retired/small.yaml"]
    assert admin.get("/checklists/small/new?branch=E1").status_code == 404
    assert admin.get(f"/visits/{visit.uuid}").status_code == 200
    assert visit.checklist_version == checklist.version
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "checklist_retire"))
    assert event.target == "small" and event.details["version"] == checklist.version

    response = admin.post("/checklist-editor/retired/small.yaml/restore")
    assert response.status_code == 302
    assert _folder_names(folder) == ["retired", "small.yaml"]
    assert admin.get("/checklists/small/new?branch=E1").status_code == 200
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "checklist_restore")) is not None


def test_a_restore_that_would_clash_is_refused(admin, folder):
    (folder / "retired").mkdir()
    (folder / "retired" / "old-small.yaml").write_text(SMALL, encoding="utf-8")
    response = admin.post("/checklist-editor/retired/old-small.yaml/restore")
    assert response.status_code == 302
    page = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "flash-error" in page and "small.yaml" in page
    assert _folder_names(folder) == ["retired", "retired/old-small.yaml", "small.yaml"]


# -- comparing versions -----------------------------------------------------------------------------

def test_compare_shows_what_changed_between_two_stored_versions(admin, folder):
    old = load_text(SMALL)
    assert admin.post("/checklist-editor/publish", data={"text": CHANGED, **_edit_form(admin)}).status_code == 302
    new = load_text(CHANGED)
    page = unescape(admin.get("/checklist-editor/compare/small").get_data(as_text=True))
    assert f'<option value="{old.version}" selected>' in page and f'<option value="{new.version}" selected>' in page
    assert "1 items added, 0 removed, 1 changed." in page
    added = page.split('<li class="added">')[1].split("</li>")[0]
    assert '<span class="mono">queue</span> 排队' in added
    greet = page.split('<li class="changed">')[1].split("</li>")[0]
    for text in ("greet", "问候", "主动问候", "Points (weight)", '<td class="before">5</td>',
                 '<td class="after">10</td>', "Critical"):
        assert text in greet, text
    third = CHANGED.replace("label: 长", "label: 很长")
    assert admin.post("/checklist-editor/publish", data={"text": third, **_edit_form(admin)}).status_code == 302
    page = unescape(admin.get(f"/checklist-editor/compare/small?old={new.version}").get_data(as_text=True))
    assert "0 items added, 0 removed, 1 changed." in page
    assert "short = 短 (1); long = 长 (0)" in page and "short = 短 (1); long = 很长 (0)" in page
    swapped = unescape(admin.get(f"/checklist-editor/compare/small?old={new.version}&new={old.version}")
                       .get_data(as_text=True))
    assert "0 items added, 1 removed, 1 changed." in swapped
    assert admin.get("/checklist-editor/compare/small?old=" + "0" * 64).status_code == 404
    assert admin.get("/checklist-editor/compare/nothing-here").status_code == 404


def test_compare_names_every_kind_of_item_change():
    from inspection.checklist_editor.compare import compare

    old = load_text(SMALL)
    new = load_text(CHANGED.replace("      - {id: clean, text: 整洁, type: yes_no, points: 5, photo: optional}\n", ""))
    diff = compare(old, new)
    assert [item.id for _, item in diff.items_added] == ["queue"]
    assert [item.id for _, item in diff.items_removed] == ["clean"]
    [greet] = diff.items_changed
    assert {(change.field, change.old, change.new) for change in greet.changes} == {
        ("text", "问候", "主动问候"), ("points", 5.0, 10.0), ("critical", True, False)}
    moved = load_text(SMALL.replace("      - {id: note, text: 备注, type: text}\n", "") +
                      "  - id: more\n    title: 更多\n    items:\n      - {id: note, text: 备注, type: text}\n")
    diff = compare(old, moved)
    assert [section.id for section in diff.sections_added] == ["more"]
    assert [(change.field, change.old, change.new) for change in diff.items_changed[0].changes] == [
        ("section", "大厅", "更多")]
    assert compare(old, load_text(SMALL)).empty


# -- the sample answers -------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["branch-inspection", "mystery-shop", "call-qc", "servqual-survey"])
def test_the_best_sample_of_each_shipped_checklist_scores_full_marks(name):
    from inspection.checklist_editor.sample import default_worst, sample_answers
    from inspection.checklists import load_file

    checklist = load_file(factories.FIXTURES.parent.parent / "checklists" / f"{name}.yaml")
    best = score(checklist, sample_answers(checklist, None))
    assert best.score in (100, None) and not best.critical_failures
    worst = default_worst(checklist)
    if worst is not None:
        assert score(checklist, sample_answers(checklist, worst)).items[worst].earned == 0
