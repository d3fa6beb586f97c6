"""The organisation of the dashboard bench, and the scored answer sets its visits are made of.

Branches, staff and people go in through the app's own services; visits are generated in SQL (dashboard_visits)
from a few thousand answer sets that the real engine scored here, with placeholders where staff codes go.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass

from sqlalchemy import text

from inspection.auth.services import add_user
from inspection.catalog.services import freeze, get_catalog
from inspection.checklists import Checklist, score
from inspection.demo.services import fake_answers
from inspection.extensions import db
from inspection.org.models import Branch, Staff

PASSWORD = "Lanmao-qiuqiu-88"
# (code prefix, region): 30 branches each, 10 staff per branch.
REGIONS = (("SH", "上海区"), ("JS", "江苏区"), ("ZJ", "浙江区"), ("GD", "广东区"), ("FJ", "福建区"),
           ("BJ", "北京区"), ("TJ", "天津区"), ("SC", "四川区"), ("HB", "湖北区"), ("SD", "山东区"))
BRANCHES_PER_REGION, STAFF_PER_BRANCH = 30, 10
INSPECTORS_PER_REGION, SHOPPERS_PER_REGION = 6, 12
# Quality bands: an answer set of band b meets each standard with probability 0.70 + 0.04 b (as inspection.demo).
BANDS, TEMPLATES_PER_BAND = 8, 24
SLOTS = ("@0@", "@1@")  # staff placeholders: the first and second staff member a visit names


@dataclass(frozen=True)
class People:
    """Who the SQL generator picks from, by region: the region's managers, inspectors and shoppers."""

    admin: int
    managers: dict[int, list[int]]
    inspectors: dict[int, list[int]]
    shoppers: dict[int, list[int]]
    branch_side: dict[str, int]  # branch code: its branch-side user


def build_org() -> People:
    """Insert branches, staff and users, with the bench's helper tables naming them by index. Flush only."""
    rng = random.Random(7)
    branches = []
    for region_index, (prefix, region) in enumerate(REGIONS):
        for number in range(BRANCHES_PER_REGION):
            branch = Branch(code=f"{prefix}{number + 1:03d}", name=f"{region[:2]}第{number + 1}营业厅", region=region,
                            address=f"{region[:2]}市中心路 {number + 1} 号")
            branch.staff = [Staff(code=f"{branch.code}-{s:02d}", name=f"员工{branch.code[-3:]}{s:02d}",
                                  position=("营业员", "大堂经理", "值班长")[s % 3]) for s in range(STAFF_PER_BRANCH)]
            branches.append((region_index, branch))
    db.session.add_all([branch for _, branch in branches])
    db.session.flush()
    people = _people(branches)
    _helper_tables(branches, rng)
    return people


def _people(branches: list[tuple[int, Branch]]) -> People:
    admin = add_user("admin@bench.example", "管理员", "admin", PASSWORD)
    managers, inspectors, shoppers = {}, {}, {}
    for index, (prefix, region) in enumerate(REGIONS):
        code = prefix.lower()
        managers[index] = [add_user(f"manager{m}.{code}@bench.example", f"{region}经理{m}", "manager", PASSWORD,
                                    regions=(region,)).id for m in range(2)]
        inspectors[index] = [add_user(f"inspector{n}.{code}@bench.example", f"{region}质检{n}", "inspector",
                                      PASSWORD, regions=(region,)).id for n in range(INSPECTORS_PER_REGION)]
        shoppers[index] = [add_user(f"shopper{n}.{code}@bench.example", f"{region}暗访{n}", "shopper", PASSWORD,
                                    regions=(region,)).id for n in range(SHOPPERS_PER_REGION)]
    side = {branch.code: add_user(f"lead.{branch.code.lower()}@bench.example", f"{branch.name}店长", "branch",
                                  PASSWORD, branch_codes=(branch.code,)).id for _, branch in branches}
    return People(admin.id, managers, inspectors, shoppers, side)


def _helper_tables(branches: list[tuple[int, Branch]], rng: random.Random) -> None:
    """Write bench_branches (quality band) and bench_staff (index in the branch, quality offset)."""
    db.session.execute(text("CREATE UNLOGGED TABLE bench_branches (idx int PRIMARY KEY, id int, region_idx int, "
                            "band int, n_staff int)"))
    db.session.execute(text("CREATE UNLOGGED TABLE bench_staff (branch_idx int, idx int, id int, code text, "
                            "band_offset int, PRIMARY KEY (branch_idx, idx))"))
    branch_rows, staff_rows = [], []
    for index, (region_index, branch) in enumerate(branches):
        branch_rows.append({"idx": index, "id": branch.id, "region_idx": region_index,
                            "band": rng.choice((1, 2, 3, 4, 4, 5, 5, 6, 6, 7)), "n_staff": len(branch.staff)})
        staff_rows += [{"branch_idx": index, "idx": s, "id": member.id, "code": member.code,
                        "band_offset": rng.choice((-2, -1, 0, 0, 0, 1))} for s, member in enumerate(branch.staff)]
    db.session.execute(text("INSERT INTO bench_branches VALUES (:idx, :id, :region_idx, :band, :n_staff)"),
                       branch_rows)
    db.session.execute(text("INSERT INTO bench_staff VALUES (:branch_idx, :idx, :id, :code, :band_offset)"),
                       staff_rows)


def people_table(people: People) -> None:
    """Write bench_people: (region, role, index) -> user id, for the generator's picks."""
    db.session.execute(text("CREATE UNLOGGED TABLE bench_people (region_idx int, role text, idx int, id int, "
                            "PRIMARY KEY (region_idx, role, idx))"))
    rows = [{"region": region, "role": role, "idx": index, "id": user_id}
            for role, by_region in (("manager", people.managers), ("inspector", people.inspectors),
                                    ("shopper", people.shoppers))
            for region, ids in by_region.items() for index, user_id in enumerate(ids)]
    db.session.execute(text("INSERT INTO bench_people VALUES (:region, :role, :idx, :id)"), rows)


def checklists() -> list[Checklist]:
    """Return the app's checklists (checklists/), frozen as the app freezes those it offers."""
    found = sorted(get_catalog().checklists.values(), key=lambda checklist: checklist.id)
    for checklist in found:
        freeze(checklist)
    return found


def build_templates(found: list[Checklist]) -> int:
    """Score answer sets per checklist and quality band with the engine; store them for the SQL generator."""
    rng = random.Random(11)
    for statement in TEMPLATE_TABLES:
        db.session.execute(text(statement))
    rows: dict[str, list[dict]] = {"bench_templates": [], "bench_tpl_staff": [], "bench_tpl_dims": [],
                                   "bench_tpl_failed": []}
    tid = 0
    for checklist in found:
        for band in range(BANDS):
            for number in range(TEMPLATES_PER_BAND):
                answers = fake_answers(checklist, list(SLOTS), 0.70 + 0.04 * band, rng)
                _template_rows(rows, tid, checklist, band, number, answers)
                tid += 1
    for table, values in rows.items():
        columns = list(values[0])
        db.session.execute(text(f"INSERT INTO {table} ({', '.join(columns)}) "
                                f"VALUES ({', '.join(':' + name for name in columns)})"), values)
    return tid


def _template_rows(rows: dict, tid: int, checklist: Checklist, band: int, number: int, answers: dict) -> None:
    result = score(checklist, answers)
    stored = result.to_dict()
    rows["bench_templates"].append({
        "tid": tid, "checklist_id": checklist.id, "kind": checklist.kind, "version": checklist.version, "band": band,
        "k": number, "score": result.score, "passed": result.passed, "rating": result.rating,
        "result": json.dumps(stored, ensure_ascii=False), "answers": json.dumps(answers, ensure_ascii=False),
        "critical_failures": len(result.critical_failures), "servqual_gap": result.servqual_gap})
    sections: dict[str, list[str]] = {}
    for section in checklist.sections:  # as visits.content._staff_sections attributes them
        for item in section.items:
            if item.type == "staff" and result.items[item.id].status != "excluded":
                sections.setdefault(answers[item.id], []).append(section.id)
    rows["bench_tpl_staff"] += [{"tid": tid, "slot": SLOTS.index(code), "sections": json.dumps(sections[code]),
                                 "earned": tally.earned, "possible": tally.possible}
                                for code, tally in result.staff.items()]
    rows["bench_tpl_dims"] += [{"tid": tid, "dimension": name, "earned": dim.earned, "possible": dim.possible,
                                "expectation": dim.expectation, "perception": dim.perception}
                               for name, dim in result.dimensions.items()]
    owners = {section: SLOTS.index(code) for code, names in sections.items() if code in SLOTS for section in names}
    for section in checklist.sections:
        for item in section.items:
            outcome = stored["items"][item.id]
            if outcome["status"] == "scored" and outcome["earned"] < outcome["possible"]:
                rows["bench_tpl_failed"].append({
                    "tid": tid, "item_id": item.id, "title": item.text, "slot": owners.get(section.id),
                    "critical": item.id in result.critical_failures, "answer": json.dumps(answers.get(item.id))})


TEMPLATE_TABLES = (
    "CREATE UNLOGGED TABLE bench_templates (tid int PRIMARY KEY, checklist_id text, kind text, version text, "
    "band int, k int, score float8, passed bool, rating text, result text, answers text, critical_failures int, "
    "servqual_gap float8, UNIQUE (kind, band, k))",
    "CREATE UNLOGGED TABLE bench_tpl_staff (tid int, slot int, sections text, earned float8, possible float8)",
    "CREATE UNLOGGED TABLE bench_tpl_dims (tid int, dimension text, earned float8, possible float8, "
    "expectation float8, perception float8)",
    "CREATE UNLOGGED TABLE bench_tpl_failed (tid int, item_id text, title text, slot int, critical bool, "
    "answer text)",
)
HELPER_TABLES = ("bench_branches", "bench_staff", "bench_people", "bench_templates", "bench_tpl_staff",
                 "bench_tpl_dims", "bench_tpl_failed", "bench_plan")
