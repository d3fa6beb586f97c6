"""Helpers of the customer survey tests: the surveys offered, links made as a manager makes them, forms filled in
as a customer's phone sends them, and page stamps served some seconds ago."""

from __future__ import annotations

import re
import secrets
import shutil
import time
from pathlib import Path

from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select

from inspection.auth.models import User
from inspection.catalog.services import get_catalog, refresh_catalog
from inspection.extensions import db
from inspection.surveys import services
from inspection.surveys.models import SurveyLink

from . import factories

SHIPPED = Path(__file__).resolve().parent.parent / "checklists" / "servqual-survey.yaml"
# A one-minute satisfaction survey: a required rating, a yes/no, a choice (20 points in all) and a free text.
QUICK = """\
id: quick-check
title: 满意度快速调查
kind: survey
sections:
  - id: visit
    title: 本次服务
    items:
      - {id: satisfied, text: 您对本次服务满意吗？, type: rating, scale: 5, points: 10, help: 1 = 很不满意，5 = 很满意}
      - {id: solved, text: 您的问题解决了吗？, type: yes_no, points: 5}
      - id: wait
        text: 您等候了多久？
        type: choice
        points: 5
        options:
          - {value: short, label: 5 分钟以内, score: 1}
          - {value: medium, label: 5 到 15 分钟, score: 0.5}
          - {value: long, label: 15 分钟以上, score: 0}
      - {id: said, text: 还想对我们说的, type: text}
"""
STAMP = re.compile(r'name="stamp" value="([^"]+)"')


def offer_surveys(app, folder: Path) -> None:
    """Offer the shipped SERVQUAL survey, the quick survey and the small inspection checklist."""
    folder.mkdir(exist_ok=True)
    shutil.copy(SHIPPED, folder)
    (folder / "quick-check.yaml").write_text(QUICK, encoding="utf-8")
    shutil.copy(factories.FIXTURES / "small.yaml", folder)
    app.config["CHECKLIST_DIR"] = str(folder)
    refresh_catalog()


def enable(user: User, branch: str, checklist: str = "quick-check", staff: str = "") -> SurveyLink:
    """Turn a survey link on as the user, and commit."""
    link, _ = services.enable(user, checklist, branch, staff)
    db.session.commit()
    return link


def link_of(token: str) -> SurveyLink:
    return db.session.scalar(select(SurveyLink).where(SurveyLink.token == token))


def stamp(app, link: SurveyLink, seconds_ago: float = 60) -> str:
    """Return the page stamp the link's page would have been served with some seconds ago."""

    class Earlier(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time() - seconds_ago)

    serializer = URLSafeTimedSerializer(app.secret_key.encode(), salt="survey-stamp", signer=Earlier)
    return serializer.dumps([link.id, secrets.token_urlsafe(9)])


def quick_form(app, link: SurveyLink, satisfied: int = 5, **fields) -> dict:
    """Return the quick survey as a phone sends it: answers, the page stamp, an empty hidden field."""
    form = {"a.satisfied": str(satisfied), "a.solved": "true", "a.wait": "short", "comment": "", "contact": "",
            "website": "", "stamp": stamp(app, link)}
    form.update(fields)
    return form


def servqual_form(app, link: SurveyLink, expectation: int = 6, perception: int = 5, overall: int = 8) -> dict:
    """Return the SERVQUAL survey with every statement rated, as a phone sends it."""
    checklist = get_catalog().checklists["servqual-survey"]
    form = {"a.overall-satisfaction": str(overall), "a.recommend": "true", "website": "", "stamp": stamp(app, link)}
    for _, item in checklist.items():
        if item.type == "servqual":
            form[f"a.{item.id}.e"], form[f"a.{item.id}.p"] = str(expectation), str(perception)
    return form
