"""The work around the bench's visits, set-based in PostgreSQL: plans, actions, customers, appeals, notifications.

As the app makes it: most inspections and mystery shops carry out an assignment (done, late when the visit fell
outside its window), some assignments are missed, declined or cancelled and next month's are planned; a released
visit's failed critical items open corrective actions that age through open, in progress, done and verified;
customers answer through branch and badge links and a poor score opens a follow-up case; the branch side appeals a
few visits; and each step notifies whom the services notify, read after a few days.
"""

from __future__ import annotations

from sqlalchemy import text

from inspection.extensions import db

DONE_ASSIGNMENTS = """
INSERT INTO assignments (branch_id, checklist_id, kind, assignee_id, window_start, window_end, scenario, brief, status,
                         decline_reason, visit_id, late, created_by_id, created_at)
SELECT branch_id, checklist_id, kind, submitter_id, window_start, window_start + interval '14 days',
       CASE kind WHEN 'mystery_shop' THEN '咨询宽带办理' ELSE '' END, '', 'done', '', id,
       started_at < window_start OR finished_at > window_start + interval '14 days', reviewer_id,
       window_start - interval '20 days'
FROM (SELECT p.*, (date_trunc('day', p.finished_at AT TIME ZONE :zone)
                   - make_interval(days => CASE WHEN bench_u(p.id, 21) < 0.08 THEN 15 + floor(bench_u(p.id, 22) * 5)
                                                ELSE floor(bench_u(p.id, 22) * 12) END::int)) AT TIME ZONE :zone
             AS window_start
      FROM bench_plan AS p WHERE p.kind IN ('inspection', 'mystery_shop') AND bench_u(p.id, 20) < 0.7) AS done
ORDER BY window_start
"""
# Work with no visit: missed, declined or cancelled over the two years, and planned from ten days ago onwards.
OTHER_ASSIGNMENTS = """
INSERT INTO assignments (branch_id, checklist_id, kind, assignee_id, window_start, window_end, scenario, brief, status,
                         decline_reason, visit_id, late, created_by_id, created_at)
SELECT b.id, t.checklist_id, w.kind, person.id, w.window_start, w.window_start + interval '14 days',
       CASE w.kind WHEN 'mystery_shop' THEN '咨询宽带办理' ELSE '' END, '', w.status,
       CASE w.status WHEN 'declined' THEN '当天另有安排，无法前往' ELSE '' END, NULL, NULL, manager.id,
       w.window_start - interval '20 days'
FROM (SELECT n, floor(bench_u(n, 31) * :branches)::int AS branch_idx,
             CASE WHEN bench_u(n, 32) < 0.6 THEN 'inspection' ELSE 'mystery_shop' END AS kind, window_start,
             CASE WHEN window_start + interval '14 days' > CAST(:now AS timestamptz)
                    THEN CASE WHEN bench_u(n, 33) < 0.05 THEN 'declined' ELSE 'assigned' END
                  WHEN bench_u(n, 33) < 0.5 THEN 'assigned' WHEN bench_u(n, 33) < 0.67 THEN 'declined'
                  ELSE 'cancelled' END AS status, bench_u(n, 34) AS u_person
      FROM (SELECT n, (date_trunc('day', CAST(:now AS timestamptz) AT TIME ZONE :zone)
                       + make_interval(days => CASE WHEN n <= :past THEN -floor(bench_u(n, 35) * 730)
                                                    ELSE floor(bench_u(n, 35) * 40) - 10 END::int)) AT TIME ZONE :zone
                   AS window_start
            FROM generate_series(1, CAST(:past AS int) + CAST(:future AS int)) AS n) AS days) AS w
JOIN bench_branches AS b ON b.idx = w.branch_idx
JOIN (SELECT DISTINCT kind, checklist_id FROM bench_templates) AS t ON t.kind = w.kind
JOIN bench_people AS person ON person.region_idx = b.region_idx
 AND person.role = CASE w.kind WHEN 'inspection' THEN 'inspector' ELSE 'shopper' END
 AND person.idx = floor(w.u_person * CASE w.kind WHEN 'inspection' THEN :inspectors ELSE :shoppers END)::int
JOIN bench_people AS manager ON manager.region_idx = b.region_idx AND manager.role = 'manager' AND manager.idx = 0
ORDER BY w.window_start
"""
# A state by age: (closed after, verified after) in days; older actions are mostly verified, recent ones open.
ACTION_STATE = """
CASE WHEN {age} > interval '30 days' THEN CASE WHEN {u} < 0.93 THEN 'verified' ELSE 'done' END
     WHEN {age} > interval '7 days' THEN CASE WHEN {u} < 0.6 THEN 'done' WHEN {u} < 0.8 THEN 'in_progress'
                                            ELSE 'open' END
     ELSE CASE WHEN {u} < 0.7 THEN 'open' ELSE 'in_progress' END END
"""
ACTIONS = f"""
INSERT INTO corrective_actions (visit_id, item_id, response_id, title, branch_id, staff_id, due_date, status, critical,
                                created_by_id, created_at, closing_note, closing_photo, closed_by_id, closed_at,
                                verified_by_id, verified_at)
SELECT visit_id, item_id, NULL, title, branch_id, staff_id, due_date, state, true, reviewer_id, reviewed_at,
       CASE WHEN state IN ('done', 'verified') THEN '已按要求整改，附整改后照片' ELSE '' END,
       CASE WHEN state IN ('done', 'verified') THEN md5('fix' || visit_id || item_id) || '.jpg' END,
       CASE WHEN state IN ('done', 'verified') THEN reviewer_id END,
       CASE WHEN state IN ('done', 'verified') THEN reviewed_at + interval '3 days' END,
       CASE WHEN state = 'verified' THEN other_manager_id END,
       CASE WHEN state = 'verified' THEN reviewed_at + interval '5 days' END
FROM (SELECT p.id AS visit_id, f.item_id, f.title, p.branch_id, p.reviewer_id, p.other_manager_id, p.reviewed_at,
             CASE f.slot WHEN 0 THEN p.staff0 WHEN 1 THEN p.staff1 END AS staff_id,
             CAST(p.reviewed_at AT TIME ZONE :zone AS date) + :due_days AS due_date,
             {ACTION_STATE.format(age="CAST(:now AS timestamptz) - p.reviewed_at", u="bench_u(p.id, 41)")} AS state
      FROM bench_plan AS p JOIN bench_tpl_failed AS f ON f.tid = p.tid AND f.critical
      WHERE p.status = 'released') AS opened
ORDER BY reviewed_at, visit_id, item_id
"""
LINKS = """
INSERT INTO survey_links (token, checklist_id, branch_id, staff_id, active, created_by_id, created_at)
SELECT md5('link' || s.id) || md5('badge' || s.id), 'servqual-survey', b.id, s.id, true, manager.id,
       CAST(:now AS timestamptz) - interval '760 days'
FROM bench_branches AS b JOIN bench_staff AS s ON s.branch_idx = b.idx
JOIN bench_people AS manager ON manager.region_idx = b.region_idx AND manager.role = 'manager' AND manager.idx = 0
UNION ALL
SELECT md5('link' || b.idx) || md5('branch' || b.idx), 'servqual-survey', b.id, NULL, true, manager.id,
       CAST(:now AS timestamptz) - interval '760 days'
FROM bench_branches AS b
JOIN bench_people AS manager ON manager.region_idx = b.region_idx AND manager.role = 'manager' AND manager.idx = 0
"""
RESPONSES = """
INSERT INTO survey_responses (uuid, link_id, branch_id, staff_id, checklist_id, checklist_version, submitted_at,
                              answers, result, score, servqual_gap, comment, consent, contact, stamp_digest)
SELECT CAST(md5('response' || r.n) AS uuid), l.id, l.branch_id, l.staff_id, t.checklist_id, t.version, r.submitted_at,
       t.answers::json, t.result::json, t.score, t.servqual_gap,
       CASE WHEN r.u_comment < 0.05 THEN '排队时间太长' ELSE '' END,
       r.u_comment < 0.03, CASE WHEN r.u_comment < 0.03 THEN '138' || lpad((r.n % 100000000)::text, 8, '0') END,
       md5('stamp' || r.n) || md5('spent' || r.n)
FROM (SELECT n, floor(bench_u(n, 51) * :branches)::int AS branch_idx, bench_u(n, 52) AS u_badge,
             bench_u(n, 57) AS u_staff, bench_u(n, 53) AS u_comment, floor(bench_u(n, 54) * :per_band)::int AS k,
             least((date_trunc('day', CAST(:now AS timestamptz) AT TIME ZONE :zone)
                    - make_interval(days => floor(730 * bench_u(n, 55))::int)
                    + interval '9 hours' + bench_u(n, 56) * interval '10 hours') AT TIME ZONE :zone,
                   CAST(:now AS timestamptz) - interval '5 minutes') AS submitted_at
      FROM generate_series(1, :responses) AS n) AS r
JOIN bench_branches AS b ON b.idx = r.branch_idx
JOIN bench_staff AS s ON s.branch_idx = b.idx AND s.idx = floor(r.u_staff * b.n_staff)::int
JOIN survey_links AS l ON l.branch_id = b.id
 AND l.staff_id IS NOT DISTINCT FROM CASE WHEN r.u_badge < 0.6 THEN s.id END
JOIN bench_templates AS t ON t.kind = 'survey' AND t.band = b.band AND t.k = r.k
ORDER BY r.submitted_at
"""
FOLLOW_UPS = f"""
INSERT INTO corrective_actions (visit_id, item_id, response_id, title, branch_id, staff_id, due_date, status, critical,
                                created_by_id, created_at, closing_note, closing_photo, closed_by_id, closed_at,
                                verified_by_id, verified_at)
SELECT NULL, NULL, id, replace(:title, '%(score).0f', round(score)::int::text), branch_id, staff_id,
       CAST(submitted_at AT TIME ZONE :zone AS date) + :follow_up_days, state, false, created_by_id, submitted_at,
       CASE WHEN state IN ('done', 'verified') THEN '已致电顾客致歉并说明改进措施' ELSE '' END, NULL,
       CASE WHEN state IN ('done', 'verified') THEN created_by_id END,
       CASE WHEN state IN ('done', 'verified') THEN submitted_at + interval '2 days' END,
       CASE WHEN state = 'verified' THEN other_id END,
       CASE WHEN state = 'verified' THEN submitted_at + interval '4 days' END
FROM (SELECT r.id, r.branch_id, r.staff_id, r.score, r.submitted_at, l.created_by_id, other.id AS other_id,
             {ACTION_STATE.format(age="CAST(:now AS timestamptz) - r.submitted_at", u="bench_u(r.id, 61)")} AS state
      FROM survey_responses AS r JOIN survey_links AS l ON l.id = r.link_id
      JOIN bench_branches AS b ON b.id = r.branch_id
      JOIN bench_people AS other ON other.region_idx = b.region_idx AND other.role = 'manager' AND other.idx = 1
      WHERE r.score < :below OR (r.comment <> '' AND r.consent)) AS cases
ORDER BY submitted_at
"""


def build_work(now, zone: str, sizes: dict, config: dict, title: str) -> dict[str, int]:
    """Insert assignments, actions, survey links and responses with their follow-up cases; rows per table."""
    values = {"now": now, "zone": zone, **sizes}
    written = {"assignments": db.session.execute(text(DONE_ASSIGNMENTS), values).rowcount}
    planned = written["assignments"]
    extra = {"past": planned * 6 // 100, "future": max(50, planned // 24)}  # a month of planned work ahead
    written["assignments"] += db.session.execute(text(OTHER_ASSIGNMENTS), {**values, **extra}).rowcount
    written["corrective_actions"] = db.session.execute(
        text(ACTIONS), {**values, "due_days": config["ACTION_DUE_DAYS"]}).rowcount
    written["survey_links"] = db.session.execute(text(LINKS), values).rowcount
    written["survey_responses"] = db.session.execute(text(RESPONSES), values).rowcount
    written["corrective_actions"] += db.session.execute(text(FOLLOW_UPS), {
        **values, "title": title, "below": config["SURVEY_FOLLOW_UP_BELOW"],
        "follow_up_days": config["SURVEY_FOLLOW_UP_DAYS"]}).rowcount
    return written
