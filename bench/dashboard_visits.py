"""Visits of the dashboard bench, set-based in PostgreSQL: each one a scored answer set of dashboard_world.

bench_plan draws every visit (branch, day, kind, staff, answer set, state, people) from a hash of its number, so
the same size always makes the same world. Rows go in in visit order (bench_plan is written in it and is joined
to small tables only), as the app would have inserted them over time. They are the rows the app writes: the
visit with its result, staff results (counted once released), SERVQUAL dimensions, its trail of events, and for
the most recent visits the answers and first revision that the visit page reads.
"""

from __future__ import annotations

from sqlalchemy import text

from inspection.extensions import db
from inspection.visits import rollup

# A uniform number in [0, 1) from (n, salt): the same on every run, and in any order of evaluation.
UNIFORM = """
CREATE FUNCTION bench_u(n bigint, salt bigint) RETURNS float8 LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT ((hashint8extended(n, salt) >> 11) & 9007199254740991)::float8 / 9007199254740992.0 $$
"""
# What each visit is: where, when, which answer set, who submitted and who reviewed it, and its state.
PLAN = """
CREATE UNLOGGED TABLE bench_plan AS
WITH raw AS (
  SELECT n, floor(bench_u(n, 1) * :branches)::int AS branch_idx,
         floor(:days * power(bench_u(n, 2), 1.15))::int AS age_days,
         bench_u(n, 3) AS u_time, bench_u(n, 4) AS u_kind, bench_u(n, 5) AS u_staff, bench_u(n, 6) AS u_tpl,
         bench_u(n, 7) AS u_other, bench_u(n, 8) AS u_state, bench_u(n, 9) AS u_person, bench_u(n, 10) AS u_review
  FROM generate_series(1, :visits) AS n
), placed AS (
  SELECT r.*, b.id AS branch_id, b.region_idx, b.band, b.n_staff,
         CASE WHEN u_kind < 0.33 THEN 'inspection' WHEN u_kind < 0.61 THEN 'call_qc'
              WHEN u_kind < 0.78 THEN 'mystery_shop' ELSE 'survey' END AS kind,
         least((date_trunc('day', CAST(:now AS timestamptz) AT TIME ZONE :zone) - make_interval(days => age_days)
                + interval '9 hours' + u_time * interval '9 hours') AT TIME ZONE :zone,
               CAST(:now AS timestamptz) - interval '20 minutes') AS finished_at,
         floor(u_staff * b.n_staff)::int AS s0
  FROM raw AS r JOIN bench_branches AS b ON b.idx = r.branch_idx
), chosen AS (
  SELECT p.*, st0.id AS staff0, st0.code AS code0, st1.id AS staff1, st1.code AS code1, t.tid, t.checklist_id,
         t.version,
         CASE WHEN p.finished_at > CAST(:now AS timestamptz) - interval '2 days' THEN 'submitted'
              WHEN p.finished_at > CAST(:now AS timestamptz) - interval '7 days'
                THEN CASE WHEN u_state < 0.5 THEN 'in_review' ELSE 'released' END
              WHEN u_state < 0.01 THEN 'returned' ELSE 'released' END AS status
  FROM placed AS p
  JOIN bench_staff AS st0 ON st0.branch_idx = p.branch_idx AND st0.idx = p.s0
  JOIN bench_staff AS st1 ON st1.branch_idx = p.branch_idx
   AND st1.idx = (p.s0 + 1 + floor(p.u_other * (p.n_staff - 1))::int) % p.n_staff
  JOIN bench_templates AS t ON t.kind = p.kind AND t.k = floor(p.u_tpl * :per_band)::int
   AND t.band = greatest(0, least(:bands - 1, p.band + st0.band_offset))
)
SELECT row_number() OVER (ORDER BY c.finished_at, c.n) AS id, c.branch_id, c.branch_idx, c.region_idx, c.kind,
       c.checklist_id, c.version, c.tid, c.staff0, c.code0, c.staff1, c.code1, c.status,
       c.finished_at - (15 + 35 * c.u_time) * interval '1 minute' AS started_at, c.finished_at,
       least(c.finished_at + (1 + 29 * c.u_person) * interval '1 minute', CAST(:now AS timestamptz)) AS submitted_at,
       least(c.finished_at + interval '2 hours' + c.u_review * interval '4 days',
             CAST(:now AS timestamptz) - interval '1 minute') AS reviewed_at,
       submitter.id AS submitter_id, reviewer.id AS reviewer_id, other.id AS other_manager_id
FROM chosen AS c
JOIN bench_people AS submitter ON submitter.region_idx = c.region_idx
 AND submitter.role = CASE WHEN c.kind IN ('inspection', 'call_qc') THEN 'inspector' ELSE 'shopper' END
 AND submitter.idx = floor(c.u_person * CASE WHEN c.kind IN ('inspection', 'call_qc') THEN :inspectors
                                            ELSE :shoppers END)::int
JOIN bench_people AS reviewer ON reviewer.region_idx = c.region_idx AND reviewer.role = 'manager'
 AND reviewer.idx = CASE WHEN c.u_review < 0.8 THEN 0 ELSE 1 END
JOIN bench_people AS other ON other.region_idx = c.region_idx AND other.role = 'manager' AND other.idx <> reviewer.idx
"""
# The staff codes of the answer set's placeholders, in a stored result or answers.
NAMED = "replace(replace({column}, '\"@0@\"', to_json(p.code0)::text), '\"@1@\"', to_json(p.code1)::text)::json"
VISITS = f"""
INSERT INTO visits (id, uuid, checklist_id, kind, checklist_version, branch_id, submitter_id, started_at, finished_at,
                    submitted_at, status, version, score, passed, rating, result, critical_failures, servqual_gap,
                    content_sha256, trust, integrity)
SELECT p.id, CAST(md5('visit' || p.id) AS uuid), p.checklist_id, p.kind, p.version, p.branch_id, p.submitter_id,
       p.started_at, p.finished_at, p.submitted_at, p.status, 1, t.score, t.passed, t.rating,
       {NAMED.format(column="t.result")}, t.critical_failures, t.servqual_gap,
       md5('content' || p.id) || md5('sent' || p.id), 100.0, '[]'::json
FROM bench_plan AS p JOIN bench_templates AS t USING (tid)
"""
STAFF_RESULTS = """
INSERT INTO staff_results (visit_id, staff_id, finished_at, branch_id, counted, sections, earned, possible)
SELECT p.id, CASE s.slot WHEN 0 THEN p.staff0 ELSE p.staff1 END, p.finished_at, p.branch_id, p.status = 'released',
       s.sections::json, s.earned, s.possible
FROM bench_plan AS p JOIN bench_tpl_staff AS s USING (tid)
"""
DIMENSIONS = """
INSERT INTO visit_dimensions (visit_id, dimension, earned, possible, expectation, perception)
SELECT p.id, d.dimension, d.earned, d.possible, d.expectation, d.perception
FROM bench_plan AS p JOIN bench_tpl_dims AS d USING (tid)
"""
EVENTS = """
INSERT INTO visit_events (visit_id, actor_id, action, from_status, to_status, version, comment, item_comments, at)
SELECT * FROM (
  SELECT id, submitter_id, 'submit', NULL, 'submitted', 1, '', '{}'::json, submitted_at FROM bench_plan
  UNION ALL
  SELECT id, reviewer_id, CASE status WHEN 'in_review' THEN 'start' WHEN 'released' THEN 'release' ELSE 'return' END,
         'submitted', status, 1, CASE status WHEN 'returned' THEN '请补充现场照片并核对计时' ELSE '' END, '{}'::json,
         greatest(reviewed_at, submitted_at)
  FROM bench_plan WHERE status <> 'submitted'
) AS steps ORDER BY 9, 1
"""
ANSWERS = f"""
INSERT INTO answers (visit_id, item_id, value, note)
SELECT p.id, a.key, a.value, '' FROM bench_plan AS p JOIN bench_templates AS t USING (tid)
CROSS JOIN LATERAL json_each({NAMED.format(column="t.answers")}) AS a
WHERE p.id > :cut
"""
REVISIONS = f"""
INSERT INTO visit_revisions (visit_id, version, started_at, finished_at, answers, notes, photos, result,
                             content_sha256, created_by_id, created_at)
SELECT p.id, 1, p.started_at, p.finished_at, {NAMED.format(column="t.answers")}, '{{}}'::json, '[]'::json,
       {NAMED.format(column="t.result")}, md5('content' || p.id) || md5('sent' || p.id), p.submitter_id,
       p.submitted_at
FROM bench_plan AS p JOIN bench_templates AS t USING (tid) WHERE p.id > :cut
"""


def build_visits(visits: int, now, zone: str, sizes: dict) -> dict[str, int]:
    """Plan and insert the visits and the rows that come with them; return rows written per table."""
    db.session.execute(text(UNIFORM))
    db.session.execute(text(PLAN), {"visits": visits, "now": now, "zone": zone, "days": 730, **sizes})
    db.session.execute(text("ALTER TABLE bench_plan ADD PRIMARY KEY (id)"))
    db.session.execute(text("ANALYZE bench_plan"))
    written = {}
    for table, statement in (("visits", VISITS), ("staff_results", STAFF_RESULTS), ("visit_dimensions", DIMENSIONS),
                             ("visit_events", EVENTS)):
        written[table] = db.session.execute(text(statement)).rowcount
    written["staff_months"] = rollup.rebuild()  # as releasing each visit would have kept them
    cut = visits - max(2000, visits // 50)  # the most recent 2%: what a reviewer opens from the inbox
    written["answers"] = db.session.execute(text(ANSWERS), {"cut": cut}).rowcount
    written["visit_revisions"] = db.session.execute(text(REVISIONS), {"cut": cut}).rowcount
    db.session.execute(text("SELECT setval(pg_get_serial_sequence('visits', 'id'), :last)"), {"last": visits})
    return written
