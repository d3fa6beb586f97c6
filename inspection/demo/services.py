"""A realistic demo organisation with a few months of scored visits."""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from ..appeals.decisions import ItemDecision, decide
from ..appeals.services import file_appeal
from ..auth.models import User
from ..auth.services import add_user
from ..calibration import services as calibration
from ..catalog.services import frozen_checklist
from ..checklists import Checklist, Item, photo_problems, visible_items
from ..extensions import db
from ..integrity.services import assess_with_linked
from ..lifecycle import VisitStatus
from ..org.models import Branch, Staff
from ..photos.storage import PendingFiles
from ..plans import planning
from ..plans.generate import month_starts
from ..plans.services import Draft, assign
from ..review.services import review
from ..visits.models import Visit
from ..visits.services import Submission, presence, submit_visit
from .photos import Camera

DEMO_PASSWORD = "demo-pass-2026"
DEMO_USERS = (
    # (email, name, role, regions, branches); the branch side's manager reads one branch's released visits.
    ("admin@example.com", "系统管理员", "admin", (), ()),
    ("manager@example.com", "王经理", "manager", ("华东区",), ()),
    ("inspector@example.com", "李质检", "inspector", ("华东区", "华南区", "华北区"), ()),
    ("shopper@example.com", "陈暗访", "shopper", ("华东区", "华南区", "华北区"), ()),
    ("branch@example.com", "周店长", "branch", (), ("SH01",)),
)
# Code, name, region, address, latitude, longitude.
BRANCHES = (
    ("SH01", "上海人民广场营业厅", "华东区", "上海市黄浦区人民大道 100 号", 31.2304, 121.4737),
    ("SH02", "上海徐家汇营业厅", "华东区", "上海市徐汇区漕溪北路 18 号", 31.1955, 121.4365),
    ("HZ01", "杭州武林营业厅", "华东区", "杭州市下城区武林广场 1 号", 30.2741, 120.1620),
    ("NJ01", "南京新街口营业厅", "华东区", "南京市秦淮区中山南路 8 号", 32.0418, 118.7843),
    ("GZ01", "广州天河营业厅", "华南区", "广州市天河区天河路 208 号", 23.1375, 113.3255),
    ("SZ01", "深圳福田营业厅", "华南区", "深圳市福田区深南中路 3018 号", 22.5417, 114.0556),
    ("XM01", "厦门中山路营业厅", "华南区", "厦门市思明区中山路 66 号", 24.4563, 118.0795),
    ("BJ01", "北京西单营业厅", "华北区", "北京市西城区西单北大街 120 号", 39.9110, 116.3740),
    ("BJ02", "北京望京营业厅", "华北区", "北京市朝阳区望京街 9 号", 39.9968, 116.4706),
    ("TJ01", "天津滨江道营业厅", "华北区", "天津市和平区滨江道 200 号", 39.1200, 117.1990),
)
SURNAMES = "张王李赵刘陈杨黄周吴徐孙马朱胡郭何林罗高"
GIVEN = ("伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "洋", "艳", "军", "杰", "娟", "涛", "明", "超", "霞", "平")
POSITIONS = ("营业员", "营业员", "营业员", "大堂经理", "值班长", "客户经理")
SHORT_VISITS = 0.03  # a share of visits over in a few minutes: evidence integrity points them out
SUBMITTER_BY_KIND = {"inspection": "inspector@example.com", "call_qc": "inspector@example.com",
                     "mystery_shop": "shopper@example.com", "survey": "shopper@example.com"}


def demo_loaded() -> bool:
    """Tell whether the demo organisation is already there."""
    return db.session.scalar(select(User.id).where(User.email == DEMO_USERS[0][0])) is not None


def load_demo(checklists: dict[str, Checklist], files: PendingFiles, months: int = 4, seed: int = 2026,
              passwords: dict[str, str] | None = None) -> int:
    """Create branches, staff, users and visits with photos; return how many visits. Flush only."""
    rng = random.Random(seed)
    camera = Camera(random.Random(seed + 1))  # a stream of its own, so that photos leave the answers as they were
    branches = _branches()
    staff = _staff(branches, rng)
    passwords = passwords or {}
    users = {email: add_user(email, name, role, passwords.get(email, DEMO_PASSWORD), codes, regions)
             for email, name, role, regions, codes in DEMO_USERS}
    # Each branch has a steady "quality" so that dashboards show real differences.
    quality = {branch.code: rng.uniform(0.72, 0.97) for branch in branches}
    end = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
    count = 0
    for day in range(months * 30, 0, -1):
        for branch in branches:
            for checklist in checklists.values():
                if rng.random() < _daily_rate(checklist.kind):
                    when = end - timedelta(days=day, hours=rng.randint(0, 8))
                    visit = _submit(users, checklist, branch, staff[branch.code], quality[branch.code], when,
                                    (rng, camera, files))
                    _review(users, visit, day, rng)
                    count += 1
    _plan(users, checklists, branches[0], end)
    if "branch-inspection" in checklists:
        _calibrate(users, checklists["branch-inspection"], branches[0], staff[branches[0].code], rng)
    _appeals(users)
    return count


def _calibrate(users: dict, checklist: Checklist, branch: Branch, members: list[Staff], rng: random.Random) -> None:
    """Close a calibration of the branch inspection: three evaluators of one walk-through, the third out of line."""
    manager = users["manager@example.com"]
    evaluators = [users[email] for email in ("inspector@example.com", "manager@example.com", "admin@example.com")]
    exercise = calibration.create(manager, calibration.Draft(
        title="大厅巡检评分校准", checklist_id=checklist.id, branch_code=branch.code,
        target="同一天上午 10 点的大厅巡检，三人各自评分", evaluators=[person.email for person in evaluators]))
    seen = fake_answers(checklist, [member.code for member in members], 0.85, rng)
    for person, care in zip(evaluators, (0.97, 0.93, 0.6), strict=True):
        answers = dict(seen)
        for _, item in checklist.items():  # a careless evaluator sees some standards the other way round
            judged = item.type == "yes_no" and item.points and item.show_if is None
            if judged and isinstance(answers.get(item.id), bool) and rng.random() > care:
                answers[item.id] = not answers[item.id]
        calibration.submit(person, exercise, answers)
    calibration.close(manager, exercise)


def _plan(users: dict, checklists: dict[str, Checklist], branch: Branch, now: datetime) -> None:
    """Plan next month's visits in 华东区, and give the inspector and the shopper a visit due this week."""
    manager, zone = users["manager@example.com"], current_app.config["TIMEZONE"]
    wanted = {"mystery_shop": 2, "inspection": 1}
    counts = {c.id: wanted[c.kind] for c in checklists.values() if c.kind in wanted}
    today = now.astimezone(ZoneInfo(zone)).date()
    _, following = month_starts(today, 1)
    request = planning.PlanRequest(name="华东区 下月计划", region="华东区", first_month=following, months=1,
                                   counts=counts, scenario="咨询宽带办理")
    planning.create(manager, request, planning.preview(manager, request, presence, zone).digest, presence, zone)
    for checklist in checklists.values():
        person = users[SUBMITTER_BY_KIND[checklist.kind]]
        if checklist.kind in wanted:
            assign(manager, Draft(branch=branch, checklist=checklist, assignee=person,
                                  window_start=now - timedelta(hours=2), window_end=now + timedelta(days=3),
                                  scenario="咨询宽带办理" if checklist.kind == "mystery_shop" else "",
                                  brief="到店后先观察排队情况，再咨询 300M 宽带套餐。"))


def _appeals(users: dict) -> None:
    """Have SH01's branch manager appeal a failed yes/no item of two recent inspections; the first is upheld."""
    recent = db.session.scalars(select(Visit).join(Branch, Visit.branch_id == Branch.id).where(
        Branch.code == "SH01", Visit.kind == "inspection", Visit.status == VisitStatus.RELEASED)
        .order_by(Visit.finished_at.desc()).limit(10)).all()
    failed = [(visit, item_id) for visit in recent for item_id, outcome in visit.result["items"].items()
              if outcome["status"] == "scored" and outcome["earned"] < outcome["possible"]
              and frozen_checklist(visit.checklist_version).item(item_id).type == "yes_no"]
    chosen = list({visit.id: (visit, item_id) for visit, item_id in failed}.values())[:2]
    for number, (visit, item_id) in enumerate(chosen):
        appeal = file_appeal(users["branch@example.com"], visit, [item_id], "当时该区域正在保洁，附监控截图为证")
        if number == 0:
            decide(users["manager@example.com"], appeal, {item_id: ItemDecision(True, "true")}, "已调阅监控，申诉属实")


def _daily_rate(kind: str) -> float:
    return {"inspection": 0.12, "mystery_shop": 0.06, "call_qc": 0.1, "survey": 0.08}[kind]


def _branches() -> list[Branch]:
    branches = [Branch(code=code, name=name, region=region, address=address, latitude=latitude, longitude=longitude)
                for code, name, region, address, latitude, longitude in BRANCHES]
    db.session.add_all(branches)
    db.session.flush()
    return branches


def _staff(branches: list[Branch], rng: random.Random) -> dict[str, list[Staff]]:
    by_branch: dict[str, list[Staff]] = {}
    number = 1
    for branch in branches:
        members = []
        for _ in range(6):
            name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(("", *GIVEN))
            members.append(Staff(code=f"S{number:03d}", name=name, branch=branch, position=rng.choice(POSITIONS)))
            number += 1
        by_branch[branch.code] = members
        db.session.add_all(members)
    db.session.flush()
    return by_branch


def _submit(users, checklist, branch, members, quality, finished_at, context) -> None:
    rng, camera, files = context
    answers = fake_answers(checklist, [member.code for member in members], quality, rng)
    needed = photo_problems(checklist, answers, {})
    notes = {}
    failed = [item.id for _, item in checklist.items() if answers.get(item.id) is False]
    if failed:
        notes[failed[0]] = rng.choice(("现场已提醒当班员工整改", "已拍照留存，要求当日整改", "值班长已确认"))
    visit_uuid, minutes = uuid.UUID(int=rng.getrandbits(128), version=4), rng.randint(15, 50)
    if camera.rng.random() < SHORT_VISITS:
        minutes = camera.rng.randint(2, 4)
    started_at = finished_at - timedelta(minutes=minutes)
    submission = Submission(
        uuid=visit_uuid, checklist_id=checklist.id, branch_code=branch.code, started_at=started_at,
        finished_at=finished_at, answers=answers, notes=notes,
        photos=[(problem.item, camera.photo(branch, started_at, finished_at)) for problem in needed],
    )
    visit, _ = submit_visit(users[SUBMITTER_BY_KIND[checklist.kind]], checklist, submission, files)
    assess_with_linked(visit)
    return visit


def _review(users, visit, age_days: int, rng: random.Random) -> None:
    """Release what is older than a week (a few go back with a question); start on recent ones."""
    manager = users["manager@example.com"]
    reviewer = manager if visit.branch.region in manager.regions else users["admin@example.com"]
    if age_days > 7 and rng.random() < 0.04:
        review(reviewer, visit, "return", "请补充现场照片并核对计时")
    elif age_days > 7:
        review(reviewer, visit, "release")
    elif age_days > 2:
        review(reviewer, visit, "start")


def fake_answers(checklist: Checklist, staff_codes: list[str], quality: float, rng: random.Random) -> dict:
    """Return plausible answers: a better branch (quality near 1) meets more standards."""
    answers: dict = {}
    for _, item in checklist.items():
        if item.id not in visible_items(checklist, answers):
            continue
        if item.na and rng.random() < 0.1:
            answers[item.id] = "na"
        elif item.type != "photo":
            answers[item.id] = _fake_value(item, staff_codes, quality, rng)
    return answers


def _fake_value(item: Item, staff_codes: list[str], quality: float, rng: random.Random):
    good = rng.random() < quality
    if item.type == "yes_no":
        return good if item.points else rng.random() < 0.3
    if item.type == "rating":
        top = item.rating_scale
        return rng.randint(max(1, top - 1), top) if good else rng.randint(1, max(1, top - 2))
    if item.type == "choice":
        ranked = sorted(item.options, key=lambda option: option.score, reverse=True)
        return (ranked[0] if good else rng.choice(ranked)).value
    if item.type == "number":
        return _fake_number(item, good, rng)
    if item.type == "timer":
        limit = item.limit
        return round(rng.uniform(0.3, 0.95) * limit if good else rng.uniform(1.05, 2.5) * limit, 1)
    if item.type == "deduction":
        return 0 if good else rng.randint(1, 2)
    if item.type == "servqual":
        expectation = rng.randint(5, 7)
        return {"expectation": expectation, "perception": max(1, expectation - (0 if good else rng.randint(1, 3)))}
    if item.type == "staff":
        return rng.choice(staff_codes)
    return rng.choice(("整体情况良好。", "员工态度热情，个别细节需改进。", "高峰期等候较久。"))


def _fake_number(item: Item, good: bool, rng: random.Random) -> float:
    bounds = item.pass_
    if bounds is None:
        return rng.randint(0, 10)
    low = bounds.min if bounds.min is not None else 0
    high = bounds.max if bounds.max is not None else low + 5
    if good:
        return rng.randint(int(low), int(high))
    if bounds.max is None:
        return int(low) - 1  # only a lower bound: too few fails it
    return int(high) + rng.randint(1, 4)
