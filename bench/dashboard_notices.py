"""Appeals and notifications of the dashboard bench, set-based in PostgreSQL, as the services write them.

The branch side appeals a few released visits (one failed item each): recent ones wait for a decision, older ones
were rejected. Notifications follow the services: a release tells the submitter and the branch side, a return the
submitter; an opened action the branch's managers but the one who opened it; a follow-up case every manager; and
the daily reminder every manager of an overdue one, once. Those older than three days have been read.
"""

from __future__ import annotations

from sqlalchemy import text

from inspection.extensions import db

APPEALS = """
INSERT INTO appeals (visit_id, version, branch_id, filed_by_id, filed_at, reason, photo, status, decided_by_id,
                     decided_at, comment, decided_version)
SELECT p.id, 1, p.branch_id, side.id, p.reviewed_at + interval '20 hours', '当时该区域正在保洁，附监控截图为证', NULL,
       CASE WHEN recent THEN 'open' ELSE 'rejected' END, CASE WHEN NOT recent THEN p.other_manager_id END,
       CASE WHEN NOT recent THEN p.reviewed_at + interval '3 days' END,
       CASE WHEN recent THEN '' ELSE '已调阅监控，维持原评分' END, NULL
FROM (SELECT p.*, p.reviewed_at > CAST(:now AS timestamptz) - interval '6 days' AS recent FROM bench_plan AS p
      WHERE p.status = 'released' AND p.kind IN ('inspection', 'mystery_shop')
        AND bench_u(p.id, 71) < CASE WHEN p.reviewed_at > CAST(:now AS timestamptz) - interval '6 days' THEN 0.05
                                     ELSE 0.004 END
        AND p.reviewed_at < CAST(:now AS timestamptz) - interval '20 hours'
        AND EXISTS (SELECT FROM bench_tpl_failed AS f WHERE f.tid = p.tid)) AS p
JOIN user_branches AS scope ON scope.branch_id = p.branch_id
JOIN users AS side ON side.id = scope.user_id AND side.role = 'branch'
ORDER BY p.reviewed_at
"""
APPEAL_ITEMS = """
INSERT INTO appeal_items (appeal_id, item_id, answer, outcome, corrected)
SELECT a.id, f.item_id, f.answer::json, CASE a.status WHEN 'rejected' THEN 'rejected' END, NULL
FROM appeals AS a JOIN bench_plan AS p ON p.id = a.visit_id
JOIN LATERAL (SELECT item_id, answer FROM bench_tpl_failed WHERE tid = p.tid ORDER BY item_id LIMIT 1) AS f ON true
ORDER BY a.id
"""
# (user, kind, params, link, created_at, key): every notice the services would have written.
NOTICES = """
SELECT p.submitter_id, 'visit.released',
       json_build_object('branch_name', b.name, 'checklist_title', c.title, 'score', v.score),
       '/visits/' || v.uuid, p.reviewed_at, NULL
FROM bench_plan AS p JOIN visits AS v ON v.id = p.id JOIN branches AS b ON b.id = p.branch_id
JOIN checklist_versions AS c ON c.version = p.version WHERE p.status = 'released'
UNION ALL
SELECT p.submitter_id, 'visit.returned',
       json_build_object('branch_name', b.name, 'checklist_title', c.title, 'comment', '请补充现场照片并核对计时'),
       '/visits/' || v.uuid || '/correct', p.reviewed_at, NULL
FROM bench_plan AS p JOIN visits AS v ON v.id = p.id JOIN branches AS b ON b.id = p.branch_id
JOIN checklist_versions AS c ON c.version = p.version WHERE p.status = 'returned'
UNION ALL
SELECT scope.user_id, 'visit.appealable',
       json_build_object('branch_name', b.name, 'checklist_title', c.title, 'score', v.score, 'due_date',
                         to_char(CAST(p.reviewed_at AT TIME ZONE :zone AS date) + :appeal_days, 'YYYY-MM-DD')),
       '/visits/' || v.uuid, p.reviewed_at, NULL
FROM bench_plan AS p JOIN visits AS v ON v.id = p.id JOIN branches AS b ON b.id = p.branch_id
JOIN checklist_versions AS c ON c.version = p.version JOIN user_branches AS scope ON scope.branch_id = p.branch_id
WHERE p.status = 'released'
UNION ALL
SELECT p.other_manager_id, 'action.assigned',
       json_build_object('branch_name', b.name, 'title', a.title, 'due_date', to_char(a.due_date, 'YYYY-MM-DD')),
       '/actions/' || a.id, a.created_at, NULL
FROM corrective_actions AS a JOIN bench_plan AS p ON p.id = a.visit_id JOIN branches AS b ON b.id = a.branch_id
UNION ALL
SELECT manager.id, CASE WHEN overdue THEN 'followup.overdue' ELSE 'followup.opened' END,
       json_build_object('branch_name', b.name, 'title', a.title, 'due_date', to_char(a.due_date, 'YYYY-MM-DD')),
       '/actions/' || a.id, CASE WHEN overdue THEN (a.due_date + 1) AT TIME ZONE :zone ELSE a.created_at END,
       CASE WHEN overdue THEN 'overdue:' || a.id END
FROM corrective_actions AS a JOIN branches AS b ON b.id = a.branch_id
JOIN bench_branches AS bb ON bb.id = a.branch_id
JOIN bench_people AS manager ON manager.region_idx = bb.region_idx AND manager.role = 'manager'
CROSS JOIN (VALUES (false), (true)) AS step(overdue)
WHERE a.response_id IS NOT NULL AND (NOT overdue OR (a.status IN ('open', 'in_progress') AND a.due_date < :today))
UNION ALL
SELECT manager.id, 'action.overdue',
       json_build_object('branch_name', b.name, 'title', a.title, 'due_date', to_char(a.due_date, 'YYYY-MM-DD')),
       '/actions/' || a.id, (a.due_date + 1) AT TIME ZONE :zone, 'overdue:' || a.id
FROM corrective_actions AS a JOIN branches AS b ON b.id = a.branch_id
JOIN bench_branches AS bb ON bb.id = a.branch_id
JOIN bench_people AS manager ON manager.region_idx = bb.region_idx AND manager.role = 'manager'
WHERE a.response_id IS NULL AND a.status IN ('open', 'in_progress') AND a.due_date < :today
"""
NOTIFICATIONS = f"""
INSERT INTO notifications (user_id, kind, params, link, created_at, read_at, key, mail_state, mail_attempts,
                           mail_next_at, mail_error, mail_sent_at)
SELECT user_id, kind, params, link, created_at,
       CASE WHEN created_at < CAST(:now AS timestamptz) - interval '3 days' THEN created_at + interval '1 day' END,
       key, 'none', 0, NULL, '', NULL
FROM ({NOTICES}) AS notices(user_id, kind, params, link, created_at, key) ORDER BY created_at
"""


def build_notices(now, today, zone: str, config: dict) -> dict[str, int]:
    """Insert appeals with their items, then every notification; rows per table."""
    values = {"now": now, "today": today, "zone": zone}
    written = {"appeals": db.session.execute(text(APPEALS), values).rowcount}
    written["appeal_items"] = db.session.execute(text(APPEAL_ITEMS)).rowcount
    written["notifications"] = db.session.execute(
        text(NOTIFICATIONS), {**values, "appeal_days": config["APPEAL_DAYS"]}).rowcount
    return written
