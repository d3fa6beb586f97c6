"""The app factory, configuration layers and the pages every visitor reaches."""

from __future__ import annotations

import pytest

from inspection import create_app
from inspection.config import from_environment

from . import factories


def test_config_layers_defaults_instance_environment_then_overrides(tmp_path, monkeypatch):
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text("SECRET_KEY = 'from-instance'\nMIN_STAFF_SAMPLE = 5\nCHECKLIST_DIR = 'x'\n")
    monkeypatch.setattr("inspection.PROJECT_DIR", tmp_path)
    monkeypatch.setenv("INSPECTION_MIN_STAFF_SAMPLE", "7")
    monkeypatch.setenv("INSPECTION_CHECKLIST_DIR", "/srv/checklists")
    app = create_app({"CHECKLIST_DIR": "/tests/checklists"})
    assert app.config["SECRET_KEY"] == "from-instance"
    assert app.config["MIN_STAFF_SAMPLE"] == 7
    assert app.config["CHECKLIST_DIR"] == "/tests/checklists"
    assert app.config["MAX_PHOTO_BYTES"] == 25 * 1024 * 1024


def test_production_without_secret_key_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setattr("inspection.PROJECT_DIR", tmp_path)
    monkeypatch.delenv("INSPECTION_SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="INSPECTION_SECRET_KEY is not set"):
        create_app()


def test_environment_values_are_typed_like_their_defaults():
    base = {"MAX_PHOTO_BYTES": 1, "SECRET_KEY": None, "LANGUAGES": ["zh_CN"]}
    environ = {"INSPECTION_MAX_PHOTO_BYTES": "1000", "INSPECTION_SECRET_KEY": "123",
               "INSPECTION_LANGUAGES": '["en"]', "INSPECTION_TEST_DATABASE_URL": "ignored", "OTHER": "x"}
    assert from_environment(environ, base) == {"MAX_PHOTO_BYTES": 1000, "SECRET_KEY": "123", "LANGUAGES": ["en"]}
    with pytest.raises(RuntimeError, match="INSPECTION_MAX_PHOTO_BYTES must be JSON"):
        from_environment({"INSPECTION_MAX_PHOTO_BYTES": "lots"}, base)


def test_postgres_url_gets_the_psycopg_driver(tmp_path, monkeypatch):
    monkeypatch.setattr("inspection.PROJECT_DIR", tmp_path)
    app = create_app({"SECRET_KEY": "x", "DATABASE_URL": "postgresql://u@localhost/db"})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@localhost/db"


def test_health(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


@pytest.mark.parametrize(("language", "title"), [("zh-CN,zh;q=0.9", "登录"), ("en-US,en;q=0.8", "Sign in")])
def test_login_page_speaks_chinese_by_default_and_english_on_request(client, language, title):
    page = client.get("/login", headers={"Accept-Language": language}).get_data(as_text=True)
    assert f"<h1>{title}</h1>" in page


def test_login_page_defaults_to_chinese_without_a_preference(client):
    assert "<h1>登录</h1>" in client.get("/login").get_data(as_text=True)


def test_error_pages_keep_the_layout_and_api_errors_stay_json(client, users):
    factories.login(client, users["inspector"])
    page = client.get("/visits/00000000-0000-4000-8000-000000000000")
    text = page.get_data(as_text=True)
    assert page.status_code == 404 and "没有找到" in text and "返回首页" in text and 'class="topbar"' in text
    forbidden = client.get("/admin/branches")
    assert forbidden.status_code == 403 and "您没有权限执行此操作" in forbidden.get_data(as_text=True)
    for path in ("/api/v1/no-such-thing", "/api/v1/visits/not-a-uuid"):
        response = client.get(path)
        assert (response.status_code, response.is_json) == (404, True) and response.get_json()["error"]
    assert client.get("/performance/?from=0001-01-01").status_code == 400
