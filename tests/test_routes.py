"""Every route of the URL map, called as every kind of user, answers what the access policy says.

The routes come from `app.url_map`; EXPECTED holds one entry per route and method, with the status each
identity must get. A route without an entry fails, and so does any answer that differs from the table:
404 where the resource must not be known to exist for that identity, 403 where the page exists but the
role may not use it, 401 (JSON) for anonymous API calls, 302 to /login for anonymous pages.

One world (organisation, users, visits, photos, actions) is seeded per backend; each case is one request.
Calls that change state work on a resource made for that call alone, so that the answer never depends on
the order in which the cases run.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import re
import secrets
import shutil
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlsplit

import pytest
from flask import g
from sqlalchemy import select
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from inspection import create_app
from inspection.actions.models import CorrectiveAction
from inspection.actions.services import advance
from inspection.api.tokens import create_token
from inspection.appeals.services import file_appeal
from inspection.auth.models import User
from inspection.calibration import services as calibration
from inspection.db import write_transaction
from inspection.extensions import db, media_store
from inspection.jobs import outputs
from inspection.jobs.models import Job, JobKind, JobStatus
from inspection.jobs.queue import EXECUTOR as JOBS_EXECUTOR
from inspection.notifications.services import notify
from inspection.org.models import Branch
from inspection.photos.processing import process
from inspection.photos.storage import thumbnail_name, write_with_files
from inspection.plans.models import Assignment
from inspection.review.services import review
from inspection.surveys.models import SurveyLink
from inspection.visits.models import Visit
from inspection.visits.services import submit_visit

from . import customers, factories
from .conftest import _empty_tables, _test_config

# -- identities -----------------------------------------------------------------------------------

IDENTITIES = (
    "anonymous",
    "admin",
    "manager",  # manager of region East
    "inspector",  # inspector of region East: submits the inspection visits
    "shopper",  # shopper of region East: submits the mystery shops
    "other_shopper",  # another shopper of region East
    "other_region_manager",  # manager of region West
    "other_branch_inspector",  # inspector whose scope is branch W1 only
    "branch_lead",  # the manager of branch E1 (branch side): reads its released visits, never who shopped them
)
SCOPES = {
    "admin": ("admin", (), ()),
    "manager": ("manager", ("East",), ()),
    "inspector": ("inspector", ("East",), ()),
    "shopper": ("shopper", ("East",), ()),
    "other_shopper": ("shopper", ("East",), ()),
    "other_region_manager": ("manager", ("West",), ()),
    "other_branch_inspector": ("inspector", (), ("W1",)),
    "branch_lead": ("branch", (), ("E1",)),
}

# -- the table ------------------------------------------------------------------------------------
# (method, rule) -> {resource: statuses}; the statuses are in the order of IDENTITIES:
#   anon admin mgr insp shop shop2 mgrW inspW1 branch
# The resource names what the rule's parameters point at (see World.resource); "-" where nothing varies.

EXPECTED: dict[tuple[str, str], dict[str, tuple[int, ...]]] = {
    ("GET", "/"): {"-": (302, 200, 200, 200, 200, 200, 200, 200, 200)},
    ("GET", "/healthz"): {"-": (200, 200, 200, 200, 200, 200, 200, 200, 200)},
    ("GET", "/readyz"): {"-": (200, 200, 200, 200, 200, 200, 200, 200, 200)},
    # no INSPECTION_METRICS_TOKEN in tests: unknown to everyone (tests/test_serving.py covers the token)
    ("GET", "/metrics"): {"-": (404, 404, 404, 404, 404, 404, 404, 404, 404)},
    ("GET", "/favicon.ico"): {"-": (200, 200, 200, 200, 200, 200, 200, 200, 200)},
    ("GET", "/login"): {"-": (200, 200, 200, 200, 200, 200, 200, 200, 200)},
    ("POST", "/login"): {"-": (400, 400, 400, 400, 400, 400, 400, 400, 400)},  # empty form: refused, nobody signed in
    ("POST", "/logout"): {"-": (302, 302, 302, 302, 302, 302, 302, 302, 302)},
    ("POST", "/language"): {"-": (302, 302, 302, 302, 302, 302, 302, 302, 302)},
    ("GET", "/account"): {"-": (302, 200, 200, 200, 200, 200, 200, 200, 200)},
    ("POST", "/account"): {"-": (302, 200, 200, 200, 200, 200, 200, 200, 200)},  # wrong current password: form again
    ("POST", "/account/sessions/end"): {"-": (302, 302, 302, 302, 302, 302, 302, 302, 302)},
    # the installable field app: public shell, the signed-in user's outbox and what their device keeps
    ("GET", "/manifest.webmanifest"): {"-": (200, 200, 200, 200, 200, 200, 200, 200, 200)},
    ("GET", "/sw.js"): {"-": (200, 200, 200, 200, 200, 200, 200, 200, 200)},
    ("GET", "/offline"): {"-": (200, 200, 200, 200, 200, 200, 200, 200, 200)},
    ("GET", "/outbox"): {"-": (302, 200, 200, 200, 200, 200, 200, 200, 200)},
    ("GET", "/offline/session"): {"-": (401, 200, 200, 200, 200, 200, 200, 200, 200)},
    ("GET", "/offline/pages"): {"-": (401, 200, 200, 200, 200, 200, 200, 200, 200)},
    # filling in: the catalog holds only "small" (kind inspection)
    ("GET", "/checklists/<checklist_id>"): {"-": (302, 200, 404, 200, 404, 404, 404, 200, 404)},
    ("GET", "/checklists/<checklist_id>/new"): {"-": (302, 200, 404, 200, 404, 404, 404, 404, 404)},  # ?branch=E1
    # visits
    ("GET", "/visits"): {"-": (302, 200, 200, 200, 200, 200, 200, 200, 200)},
    ("GET", "/visits/<uuid:visit_uuid>"): {
        "mystery shop": (302, 200, 200, 404, 200, 404, 404, 404, 404),
        "inspection": (302, 200, 200, 200, 404, 404, 404, 404, 200),
        "W1 inspection": (302, 200, 404, 404, 404, 404, 200, 200, 404),  # the other identities see their own
    },
    ("GET", "/visits/<uuid:visit_uuid>/diff"): {
        "mystery shop": (302, 200, 200, 404, 200, 404, 404, 404, 404),
        "inspection": (302, 200, 200, 200, 404, 404, 404, 404, 200),
    },
    ("GET", "/visits/<uuid:visit_uuid>/correct"): {  # only the submitter of a returned visit
        "returned mystery shop": (302, 404, 404, 404, 200, 404, 404, 404, 404),
        "returned inspection": (302, 404, 404, 200, 404, 404, 404, 404, 404),
    },
    ("POST", "/visits/<uuid:visit_uuid>/review"): {  # action=start on a submitted visit
        "mystery shop": (302, 302, 302, 404, 403, 404, 404, 404, 404),
        "submitted inspection": (302, 302, 302, 403, 404, 404, 404, 404, 404),
    },
    ("POST", "/visits/<uuid:visit_uuid>/actions"): {  # item_id=clean, failed in a released visit
        "released inspection": (302, 302, 302, 403, 404, 404, 404, 404, 403),
    },
    ("GET", "/visits/<uuid:visit_uuid>/scorecard"): {
        "mystery shop": (302, 200, 200, 404, 200, 404, 404, 404, 404),
        "inspection": (302, 200, 200, 200, 404, 404, 404, 404, 200),
    },
    ("GET", "/visits/<uuid:visit_uuid>/scorecard.pdf"): {
        "mystery shop": (302, 200, 200, 404, 200, 404, 404, 404, 404),
        "inspection": (302, 200, 200, 200, 404, 404, 404, 404, 200),
    },
    ("GET", "/photos/<name>"): {
        "mystery shop": (302, 200, 200, 404, 200, 404, 404, 404, 404),
        "mystery shop thumbnail": (302, 200, 200, 404, 200, 404, 404, 404, 404),
        "inspection": (302, 200, 200, 200, 404, 404, 404, 404, 200),
    },
    # appeals: the branch side appeals its released visits; managers of the branch (not the evaluator) decide
    ("GET", "/visits/<uuid:visit_uuid>/appeal"): {
        "released inspection": (302, 403, 403, 403, 404, 404, 404, 404, 200),
        "released mystery shop": (302, 403, 403, 404, 403, 404, 404, 404, 200),
        "mystery shop": (302, 403, 403, 404, 403, 404, 404, 404, 404),  # not released: unknown to the branch
    },
    ("POST", "/visits/<uuid:visit_uuid>/appeal"): {  # items=clean with a reason
        "released inspection": (302, 403, 403, 403, 404, 404, 404, 404, 302),
        "released mystery shop": (302, 403, 403, 404, 403, 404, 404, 404, 302),
    },
    ("GET", "/appeals"): {"-": (302, 200, 200, 403, 403, 403, 200, 403, 200)},
    ("GET", "/appeals/report"): {"-": (302, 200, 200, 403, 403, 403, 200, 403, 403)},
    ("GET", "/appeals/<id:appeal_id>"): {"appeal": (302, 200, 200, 404, 404, 404, 404, 404, 200)},
    ("POST", "/appeals/<id:appeal_id>"): {"appeal": (302, 302, 302, 404, 404, 404, 404, 404, 403)},  # rejected
    ("GET", "/appeals/<id:appeal_id>/photo"): {"appeal with photo": (302, 200, 200, 404, 404, 404, 404, 404, 200)},
    # corrective actions (at branch E1)
    ("GET", "/actions"): {"-": (302, 200, 200, 200, 403, 403, 200, 200, 200)},
    ("GET", "/actions/<id:action_id>"): {"open action": (302, 200, 200, 200, 404, 404, 404, 404, 200),
                                         "follow-up case": (302, 200, 200, 200, 404, 404, 404, 404, 200)},
    ("POST", "/actions/<id:action_id>"): {"open action": (302, 302, 302, 403, 404, 404, 404, 404, 403),  # step=start
                                          "follow-up case": (302, 302, 302, 403, 404, 404, 404, 404, 403)},
    ("GET", "/actions/<id:action_id>/evidence"): {"closed action": (302, 200, 200, 200, 404, 404, 404, 404, 200)},
    # performance and scorecards of branch E1 and staff E1-S1
    ("GET", "/performance/"): {"-": (302, 200, 200, 200, 403, 403, 200, 200, 200)},
    ("GET", "/performance/leaderboard"): {"-": (302, 200, 200, 200, 403, 403, 200, 200, 200)},
    ("GET", "/performance/servqual"): {"-": (302, 200, 200, 200, 403, 403, 200, 200, 200)},
    ("GET", "/performance/staff/<code>"): {"-": (302, 200, 200, 200, 403, 403, 404, 404, 200)},
    ("GET", "/staff/<code>/scorecard"): {"-": (302, 200, 200, 200, 404, 404, 404, 404, 200)},
    ("GET", "/staff/<code>/scorecard.pdf"): {"-": (302, 200, 200, 200, 404, 404, 404, 404, 200)},
    ("GET", "/branches/<code>/scorecard"): {"-": (302, 200, 200, 200, 404, 404, 404, 404, 200)},
    ("GET", "/branches/<code>/scorecard.pdf"): {"-": (302, 200, 200, 200, 404, 404, 404, 404, 200)},
    ("GET", "/exports/<kind>.<fmt>"): {"-": (302, 200, 200, 200, 200, 200, 200, 200, 200)},  # scoped rows for all
    # every branch scorecard of region East in one ZIP: managers and admins; West's manager has no such region
    ("POST", "/scorecards/bulk"): {"-": (302, 302, 302, 403, 403, 403, 400, 403, 403)},
    # a job's page, status and file: its creator's alone (the manager's export here); admins list failed ones
    ("GET", "/jobs/<job_id>"): {"manager's job": (302, 404, 200, 404, 404, 404, 404, 404, 404)},
    ("GET", "/jobs/<job_id>/status"): {"manager's job": (302, 404, 200, 404, 404, 404, 404, 404, 404)},
    ("GET", "/jobs/<job_id>/download"): {"manager's job": (302, 404, 200, 404, 404, 404, 404, 404, 404)},
    ("GET", "/admin/jobs"): {"-": (302, 200, 403, 403, 403, 403, 403, 403, 403)},
    ("POST", "/admin/jobs/<job_id>/retry"): {"failed job": (302, 302, 403, 403, 403, 403, 403, 403, 403)},
    # admin: branches and staff, users, audit log
    ("GET", "/admin/<kind>"): {"-": (302, 200, 403, 403, 403, 403, 403, 403, 403)},
    ("GET", "/admin/<kind>/new"): {"-": (302, 200, 403, 403, 403, 403, 403, 403, 403)},
    ("POST", "/admin/<kind>/new"): {"-": (302, 302, 403, 403, 403, 403, 403, 403, 403)},
    ("GET", "/admin/<kind>/<id:record_id>"): {"-": (302, 200, 403, 403, 403, 403, 403, 403, 403)},
    ("POST", "/admin/<kind>/<id:record_id>"): {"-": (302, 302, 403, 403, 403, 403, 403, 403, 403)},
    ("POST", "/admin/<kind>/<id:record_id>/active"): {"-": (302, 302, 403, 403, 403, 403, 403, 403, 403)},
    ("POST", "/admin/<kind>/import"): {"-": (302, 302, 403, 403, 403, 403, 403, 403, 403)},
    ("GET", "/admin/users"): {"-": (302, 200, 403, 403, 403, 403, 403, 403, 403)},
    ("GET", "/admin/users/new"): {"-": (302, 200, 403, 403, 403, 403, 403, 403, 403)},
    ("POST", "/admin/users/new"): {"-": (302, 200, 403, 403, 403, 403, 403, 403, 403)},  # shows the new password
    ("GET", "/admin/users/<id:user_id>"): {"-": (302, 200, 403, 403, 403, 403, 403, 403, 403)},
    ("POST", "/admin/users/<id:user_id>"): {"-": (302, 302, 403, 403, 403, 403, 403, 403, 403)},
    ("POST", "/admin/users/<id:user_id>/password"): {"-": (302, 200, 403, 403, 403, 403, 403, 403, 403)},
    ("POST", "/admin/users/<id:user_id>/active"): {"-": (302, 302, 403, 403, 403, 403, 403, 403, 403)},  # active=1
    ("GET", "/admin/audit/"): {"-": (302, 200, 403, 403, 403, 403, 403, 403, 403)},
    ("GET", "/admin/audit/audit.csv"): {"-": (302, 200, 403, 403, 403, 403, 403, 403, 403)},
    # checklist management: admins, and managers given the permission (none of the managers here has it)
    ("GET", "/checklist-editor/"): {"-": (302, 200, 403, 403, 403, 403, 403, 403, 403)},
    ("GET", "/checklist-editor/new"): {"-": (302, 200, 403, 403, 403, 403, 403, 403, 403)},
    ("GET", "/checklist-editor/files/<file_name>"): {"-": (302, 200, 403, 403, 403, 403, 403, 403, 403)},
    ("POST", "/checklist-editor/preview"): {"-": (302, 200, 403, 403, 403, 403, 403, 403, 403)},
    ("POST", "/checklist-editor/publish"): {"-": (302, 302, 403, 403, 403, 403, 403, 403, 403)},  # the same text again
    ("POST", "/checklist-editor/files/<file_name>/retire"): {
        "spare checklist": (302, 302, 403, 403, 403, 403, 403, 403, 403)},
    ("POST", "/checklist-editor/retired/<file_name>/restore"): {
        "retired checklist": (302, 302, 403, 403, 403, 403, 403, 403, 403)},
    ("GET", "/checklist-editor/compare/<checklist_id>"): {"-": (302, 200, 403, 403, 403, 403, 403, 403, 403)},
    # assignments: everyone has their own list; one assignment is seen by its assignee and the branch's managers
    ("GET", "/assignments"): {"-": (302, 200, 200, 200, 200, 200, 200, 200, 403)},
    ("GET", "/assignments/<id:assignment_id>"): {"shop assignment": (302, 200, 200, 404, 200, 404, 404, 404, 404)},
    # step=decline: only the assignee declines; a manager who sees it is refused, others do not know it exists
    ("POST", "/assignments/<id:assignment_id>/<step>"): {
        "shop assignment": (302, 403, 403, 404, 302, 404, 404, 404, 404)},
    ("GET", "/assignments/new"): {"-": (302, 200, 200, 403, 403, 403, 200, 403, 403)},
    ("POST", "/assignments/new"): {"-": (302, 200, 200, 403, 403, 403, 200, 403, 403)},  # empty form: shown again
    ("GET", "/assignments/import"): {"-": (302, 200, 200, 403, 403, 403, 200, 403, 403)},
    ("POST", "/assignments/import"): {"-": (302, 200, 200, 403, 403, 403, 200, 403, 403)},  # no rows: shown again
    ("GET", "/plans/new"): {"-": (302, 200, 200, 403, 403, 403, 200, 403, 403)},
    ("POST", "/plans/new"): {"-": (302, 200, 200, 403, 403, 403, 200, 403, 403)},  # empty form: shown again
    ("GET", "/coverage"): {"-": (302, 200, 200, 403, 403, 403, 200, 403, 403)},
    ("GET", "/coverage.csv"): {"-": (302, 200, 200, 403, 403, 403, 200, 403, 403)},
    # notifications: everyone has their own list; one notification belongs to its owner alone (the shopper's here)
    ("GET", "/notifications"): {"-": (302, 200, 200, 200, 200, 200, 200, 200, 200)},
    ("GET", "/notifications/<id:notification_id>"): {
        "shopper's notification": (302, 404, 404, 404, 302, 404, 404, 404, 404)},
    ("POST", "/notifications/read"): {"-": (302, 302, 302, 302, 302, 302, 302, 302, 302)},
    # JSON API (bearer tokens)
    ("GET", "/api/v1/assignments"): {"-": (401, 200, 200, 200, 200, 200, 200, 200, 200)},
    ("POST", "/api/v1/assignments"): {"-": (401, 201, 201, 403, 403, 403, 403, 403, 403)},  # at E1, to the inspector
    ("GET", "/api/v1/coverage"): {"-": (401, 200, 200, 403, 403, 403, 200, 403, 403)},
    ("GET", "/api/v1/openapi.json"): {"-": (200, 200, 200, 200, 200, 200, 200, 200, 200)},
    ("GET", "/api/v1/checklists"): {"-": (401, 200, 200, 200, 200, 200, 200, 200, 200)},
    ("GET", "/api/v1/checklists/<checklist_id>"): {"-": (401, 200, 200, 200, 404, 404, 200, 200, 200)},
    ("GET", "/api/v1/branches"): {"-": (401, 200, 200, 200, 200, 200, 200, 200, 200)},
    ("GET", "/api/v1/branches/<code>/performance"): {"-": (401, 200, 200, 200, 404, 404, 404, 404, 200)},
    ("GET", "/api/v1/staff/<code>/performance"): {"-": (401, 200, 200, 200, 404, 404, 404, 404, 200)},
    # customer survey links (of branch W1, region West) and their public page, answered by anyone
    ("GET", "/surveys"): {"-": (302, 200, 200, 403, 403, 403, 200, 403, 403)},
    ("POST", "/surveys/links"): {"W1 survey link": (302, 302, 404, 403, 403, 403, 302, 403, 403)},  # on already
    ("POST", "/surveys/links/<id:link_id>/rotate"): {"W1 survey link": (302, 302, 404, 403, 403, 403, 302, 403, 403)},
    ("POST", "/surveys/links/<id:link_id>/close"): {"W1 survey link": (302, 302, 404, 403, 403, 403, 302, 403, 403)},
    ("GET", "/s/<token>"): {"W1 survey link": (200, 200, 200, 200, 200, 200, 200, 200, 200)},
    ("POST", "/s/<token>"): {"W1 survey link": (400, 400, 400, 400, 400, 400, 400, 400, 400)},  # no page stamp: refused
    # survey posters: managers of the branch (a region: its branches in their scope) and admins
    ("GET", "/surveys/posters/branch/<code>.pdf"): {"E1 survey link": (302, 200, 200, 403, 403, 403, 404, 403, 403)},
    ("GET", "/surveys/posters/staff/<code>.pdf"): {"E1-S1 badge link": (302, 200, 200, 403, 403, 403, 404, 403, 403)},
    ("GET", "/surveys/posters/region/<region>.pdf"): {"E1 survey link": (302, 200, 200, 403, 403, 403, 404, 403, 403)},
    # calibration exercises at E1 (checklist "small"): the manager sets one up, the inspector and a colleague score it
    # each their own; managers' branches; the branch side takes no part
    ("GET", "/calibrations"): {"-": (302, 200, 200, 200, 200, 200, 200, 200, 403)},
    ("GET", "/calibrations/new"): {"-": (302, 200, 200, 403, 403, 403, 200, 403, 403)},
    ("POST", "/calibrations/new"): {"-": (302, 302, 302, 403, 403, 403, 404, 403, 403)},  # at E1: not West's branch
    ("GET", "/calibrations/trend"): {"-": (302, 200, 200, 403, 403, 403, 200, 403, 403)},
    ("GET", "/calibrations/<id:calibration_id>"): {"open exercise": (302, 200, 200, 200, 404, 404, 404, 404, 404),
                                                  "closed exercise": (302, 200, 200, 200, 404, 404, 404, 404, 404)},
    ("GET", "/calibrations/<id:calibration_id>/score"): {  # only an evaluator, only while it is open
        "open exercise": (302, 403, 403, 200, 404, 404, 404, 404, 404),
        "closed exercise": (302, 403, 403, 403, 404, 404, 404, 404, 404)},
    ("POST", "/calibrations/<id:calibration_id>/score"): {
        "open exercise": (302, 403, 403, 302, 404, 404, 404, 404, 404)},
    ("POST", "/calibrations/<id:calibration_id>/close"): {
        "open exercise": (302, 302, 302, 403, 404, 404, 404, 404, 404)},
    ("GET", "/calibrations/<id:calibration_id>/photos/<name>"): {
        "exercise evidence": (302, 200, 200, 200, 404, 404, 404, 404, 404)},
    ("GET", "/api/v1/calibrations/<calibration_id>"): {  # an evaluator reads the results once it is closed
        "open exercise": (401, 200, 200, 403, 404, 404, 404, 404, 404),
        "closed exercise": (401, 200, 200, 200, 404, 404, 404, 404, 404)},
    # a new inspection at E1: 403 out of scope or not one's kind (README: checked before any photo is read)
    ("POST", "/api/v1/visits"): {"-": (401, 201, 403, 201, 403, 403, 403, 403, 403)},
    ("GET", "/api/v1/visits/<visit_uuid>"): {
        "mystery shop": (401, 200, 200, 404, 200, 404, 404, 404, 404),
        "inspection": (401, 200, 200, 200, 404, 404, 404, 404, 200),
        "W1 inspection": (401, 200, 404, 404, 404, 404, 200, 200, 404),
    },
    ("PUT", "/api/v1/visits/<visit_uuid>"): {  # a correction: only the submitter of a returned visit
        "returned mystery shop": (401, 403, 403, 404, 200, 404, 404, 404, 404),
        "returned inspection": (401, 403, 403, 200, 404, 404, 404, 404, 404),
    },
    ("POST", "/api/v1/visits/<visit_uuid>/review"): {  # {"action": "start"} on a submitted visit
        "mystery shop": (401, 200, 200, 404, 403, 404, 404, 404, 404),
        "submitted inspection": (401, 200, 200, 403, 404, 404, 404, 404, 404),
    },
}

# (method, rule, resource, identity) -> why the app is believed wrong there; the table holds the right value.
KNOWN_BUGS: dict[tuple[str, str, str, str], str] = {}

# -- how each route is called ---------------------------------------------------------------------

INSPECTOR_EMAIL = "inspector@routes.example.com"  # the East inspector of the World, who may be given E1's visits
CSV_IMPORT = b"code,name,region,address\nZZ,Branch ZZ,North,\n"
SURVEY = Path(__file__).resolve().parent.parent / "checklists" / "servqual-survey.yaml"
SMALL_FORM = {"text": factories.SMALL_CHECKLIST, "file": "small.yaml",
              "base": hashlib.sha256(factories.SMALL_CHECKLIST.encode()).hexdigest()}


@dataclass(frozen=True)
class Call:
    """What a case sends besides the path: query, form (or JSON, or a file), and how it affects the world."""

    query: dict = field(default_factory=dict)
    form: dict | Callable[[int], dict] | None = None  # a callable gets a serial number, for unique values
    json: Any = None
    files: dict[str, bytes] | None = None
    fresh: bool = False  # the call changes its resource: make a new one for each call
    signs_out: bool = False  # the call ends the caller's session: it redirects to /login, sign in again after


CALLS: dict[tuple[str, str], Call] = {
    ("POST", "/login"): Call(form={}),
    ("POST", "/logout"): Call(signs_out=True),
    ("POST", "/language"): Call(form={"locale": "zh_CN"}),
    ("POST", "/account"): Call(form={"current": "not-the-password", "new": "Another-pass-2026",
                                     "repeat": "Another-pass-2026"}),
    ("POST", "/account/sessions/end"): Call(signs_out=True),
    ("GET", "/checklists/<checklist_id>/new"): Call(query={"branch": "E1"}),
    ("POST", "/visits/<uuid:visit_uuid>/review"): Call(form={"action": "start"}, fresh=True),
    ("POST", "/visits/<uuid:visit_uuid>/actions"): Call(form={"item_id": "clean"}, fresh=True),
    ("POST", "/actions/<id:action_id>"): Call(form={"step": "start"}, fresh=True),
    ("POST", "/visits/<uuid:visit_uuid>/appeal"): Call(form={"items": "clean", "reason": "地面刚拖过"}, fresh=True),
    ("POST", "/appeals/<id:appeal_id>"): Call(form={"outcome.clean": "rejected", "comment": "照片显示有水渍"},
                                              fresh=True),
    ("GET", "/exports/<kind>.<fmt>"): Call(query={"from": "2026-11-01", "to": "2026-11-30"}),
    ("POST", "/scorecards/bulk"): Call(query={"from": "2026-11-01", "to": "2026-11-30"},
                                       form={"kind": "branch", "region": "East"}),
    ("POST", "/admin/jobs/<job_id>/retry"): Call(fresh=True),
    ("POST", "/admin/<kind>/new"): Call(form=lambda n: {"code": f"N{n}", "name": f"New {n}", "region": "North"}),
    ("POST", "/admin/<kind>/<id:record_id>"): Call(form={"code": "ZZ", "name": "Branch ZZ", "region": "North"}),
    ("POST", "/admin/<kind>/<id:record_id>/active"): Call(form={"active": "1"}),
    ("POST", "/admin/<kind>/import"): Call(files={"file": CSV_IMPORT}),
    ("POST", "/admin/users/new"): Call(form=lambda n: {"email": f"new{n}@example.com", "name": f"New {n}",
                                                       "role": "shopper", "regions": "North", "active": "y"}),
    ("POST", "/admin/users/<id:user_id>/active"): Call(form={"active": "1"}),
    ("POST", "/admin/users/<id:user_id>"): Call(form={"name": "Target User", "role": "inspector", "branches": "ZZ",
                                                      "active": "y"}),
    ("POST", "/api/v1/visits"): Call(json=lambda n: factories.api_visit()),
    ("POST", "/assignments/<id:assignment_id>/<step>"): Call(form={"reason": "busy"}, fresh=True),
    ("POST", "/assignments/import"): Call(files={"file": b"branch,checklist,assignee,window_start,window_end,"
                                                         b"scenario,brief\n"}),
    ("POST", "/api/v1/assignments"): Call(json=lambda n: {
        "branch": "E1", "checklist": "small", "assignee": INSPECTOR_EMAIL, "window_start": "2026-12-01T09:00:00+08:00",
        "window_end": "2026-12-01T12:00:00+08:00"}),
    ("PUT", "/api/v1/visits/<visit_uuid>"): Call(json={"answers": {"clerk": "E1-S1", "clean": True, "greet": 4},
                                                       "notes": {}}, fresh=True),
    ("POST", "/checklist-editor/preview"): Call(form=SMALL_FORM),
    ("POST", "/checklist-editor/publish"): Call(form=SMALL_FORM),
    ("POST", "/checklist-editor/files/<file_name>/retire"): Call(fresh=True),
    ("POST", "/checklist-editor/retired/<file_name>/restore"): Call(fresh=True),
    ("POST", "/api/v1/visits/<visit_uuid>/review"): Call(json={"action": "start"}, fresh=True),
    ("POST", "/surveys/links"): Call(form={"checklist": "servqual-survey", "branch": "W1"}),
    ("POST", "/surveys/links/<id:link_id>/rotate"): Call(fresh=True),
    ("POST", "/surveys/links/<id:link_id>/close"): Call(fresh=True),
    ("POST", "/s/<token>"): Call(form={}),
    ("POST", "/calibrations/new"): Call(form={"title": "校准", "checklist": "small", "branch": "E1",
                                              "evaluators": [INSPECTOR_EMAIL, "admin@routes.example.com"]}),
    ("POST", "/calibrations/<id:calibration_id>/score"): Call(form={"answer.clean": "true", "answer.greet": "3.5"}),
    ("POST", "/calibrations/<id:calibration_id>/close"): Call(fresh=True),
}


def default_parameters(rule: str, world: World) -> dict[str, Any]:
    """Return the value of each URL argument that does not depend on the resource of the case."""
    return {
        "code": "E1" if "/branches/" in rule else "E1-S1",  # a branch code, or a staff code
        "kind": "visits" if rule.startswith("/exports/") else "branches",
        "fmt": "csv",
        "checklist_id": "small",
        "record_id": world.admin_branch_id,  # branch ZZ, made for the admin pages to edit
        "user_id": world.target_user_id,  # a user made for the admin pages to edit
        "step": "decline",
        "file_name": "small.yaml",
    }


# -- the routes -----------------------------------------------------------------------------------

METHODS_IGNORED = {"HEAD", "OPTIONS"}


def url_map_routes(app) -> set[tuple[str, str]]:
    """Return (method, rule) for every route of the app but static files."""
    return {(method, rule.rule) for rule in app.url_map.iter_rules() if rule.endpoint != "static"
            for method in rule.methods - METHODS_IGNORED}


ROUTES = url_map_routes(create_app({"TESTING": True, "SECRET_KEY": "routes", "ENV_NAME": "testing",
                                    "DATABASE_URL": "sqlite://"}))
ARGUMENT = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def _cases():
    for method, rule in sorted(ROUTES | set(EXPECTED), key=lambda key: (key[1], key[0])):
        for resource, row in EXPECTED.get((method, rule), {"-": None}).items():
            for index, identity in enumerate(IDENTITIES):
                expected = None if row is None else row[index]
                bug = KNOWN_BUGS.get((method, rule, resource, identity))
                marks = [pytest.mark.xfail(strict=True, reason=bug)] if bug else []
                label = rule if resource == "-" else f"{rule} ({resource})"
                yield pytest.param(method, rule, resource, identity, expected, marks=marks,
                                   id=f"{method} {label} as {identity}")


CASES = list(_cases())


# -- the world ------------------------------------------------------------------------------------

FAILED = {"clerk": "E1-S1", "clean": False, "greet": 9}  # "greet" is critical: releasing opens an action
PASSED = {"clerk": "E1-S1", "clean": True, "greet": 3.5}


class World:
    """An organisation with one of each resource, signed-in clients and tokens per identity."""

    def __init__(self, app):
        self.app = app
        self.serial = itertools.count(1)
        self.clients: dict[str, Any] = {}
        self.checked: list[tuple[str, str, str, str]] = []
        factories.make_org()
        self.users = {name: factories.make_user(role, regions=regions, branches=branches,
                                                email=f"{name.replace('_', '-')}@routes.example.com")
                      for name, (role, regions, branches) in SCOPES.items()}
        branch = Branch(code="ZZ", name="Branch ZZ", region="North", address="")
        db.session.add(branch)
        db.session.flush()
        self.admin_branch_id = branch.id
        self.target_user_id = factories.make_user("inspector", branches=("ZZ",)).id
        self.tokens = {name: create_token(user)[1] for name, user in self.users.items()}
        db.session.commit()
        self.seeded = {name: self.make(name) for name in (
            "mystery shop", "inspection", "W1 inspection", "returned mystery shop", "returned inspection",
            "closed action")}
        self.seeded["open action"] = self.seeded["inspection"]
        shop = self.seeded["mystery shop"]
        self.seeded["mystery shop thumbnail"] = {**shop, "name": thumbnail_name(shop["name"])}

    # resources: what the URL arguments of a case point at

    def make(self, resource: str) -> dict[str, Any]:
        """Make one resource of this name (at branch E1 unless named) and return the URL arguments naming it."""
        if resource == "mystery shop":  # submitted, by the shopper
            return self._visit("mystery_shop", PASSED, photo=(40, 160, 220))
        if resource == "submitted inspection":
            return self._visit("inspection", PASSED)
        if resource == "W1 inspection":  # by the inspector of W1
            return self._visit("inspection", PASSED, branch="W1")
        if resource == "inspection":  # released, so its failed critical item has an open action
            return self._visit("inspection", FAILED, ["release"], photo=(200, 120, 40))
        if resource in ("released inspection", "open action"):
            return self._visit("inspection", FAILED, ["release"])
        if resource == "released mystery shop":
            return self._visit("mystery_shop", PASSED, ["release"])
        if resource in ("appeal", "appeal with photo"):  # the branch lead's, against a released inspection's item
            made = self._visit("inspection", FAILED, ["release"])
            visit = db.session.scalar(select(Visit).where(Visit.uuid == uuid.UUID(made["visit_uuid"])))
            photo = process(factories.jpeg_bytes(64, 64), 10**7, 10**8) if resource.endswith("photo") else None
            with write_with_files(media_store(), [photo] if photo else []) as files:
                appeal = file_appeal(self.users["branch_lead"], visit, ["clean"], "地面刚拖过", photo, files)
            return {**made, "appeal_id": appeal.id}
        if resource == "returned mystery shop":
            return self._visit("mystery_shop", PASSED, ["return"])
        if resource == "returned inspection":
            return self._visit("inspection", PASSED, ["return"])
        if resource == "shop assignment":  # the shopper's, at E1, due now
            now = datetime.now(timezone.utc)
            assignment = Assignment(branch_id=db.session.scalar(select(Branch.id).where(Branch.code == "E1")),
                                    checklist_id="small-shop", kind="mystery_shop", assignee=self.users["shopper"],
                                    window_start=now - timedelta(hours=1), window_end=now + timedelta(days=2),
                                    created_by_id=self.users["manager"].id)
            db.session.add(assignment)
            db.session.commit()
            return {"assignment_id": assignment.id}
        if resource == "shopper's notification":
            notification = notify(self.users["shopper"], "visit.returned", {"branch_name": "Branch E1"}, link="/visits")
            db.session.commit()
            return {"notification_id": notification.id}
        if resource in ("spare checklist", "retired checklist"):  # a file of its own in the world's folder
            name = f"spare-{next(self.serial)}"
            where = Path(self.app.config["CHECKLIST_DIR"]) / ("retired" if resource.startswith("retired") else "")
            where.mkdir(exist_ok=True)
            (where / f"{name}.yaml").write_text(factories.SMALL_CHECKLIST.replace("id: small", f"id: {name}"),
                                                encoding="utf-8")
            return {"file_name": f"{name}.yaml"}
        if resource in ("E1 survey link", "E1-S1 badge link"):
            self._survey_links()
            return {"code": "E1", "region": "East"} if resource.startswith("E1 ") else {"code": "E1-S1"}
        if resource == "W1 survey link":  # the SERVQUAL survey's link of branch W1
            self._survey_links()
            link = SurveyLink(token=secrets.token_urlsafe(24), checklist_id="servqual-survey",
                              branch=db.session.scalar(select(Branch).where(Branch.code == "W1")),
                              created_by=self.users["admin"])
            db.session.add(link)
            db.session.commit()
            return {"token": link.token, "link_id": link.id}
        if resource == "follow-up case":  # a customer's response at E1 that a manager must call back
            branch = db.session.scalar(select(Branch).where(Branch.code == "E1"))
            link = customers.link(branch, self.users["manager"])
            answered = customers.respond(link, customers.answers((7, 2), (6, 2), overall=1), datetime.now(timezone.utc),
                                         comment="太慢了", contact="13800138000")
            case = customers.follow_up(answered, self.users["manager"], datetime.now(timezone.utc).date())
            db.session.commit()
            return {"action_id": case.id}
        if resource in ("open exercise", "closed exercise", "exercise evidence"):
            return self._exercise(resource)
        if resource in ("manager's job", "failed job"):
            return self._job(resource)
        if resource == "closed action":
            made = self._visit("inspection", FAILED, ["release"])
            action = db.session.get(CorrectiveAction, made["action_id"])
            evidence = process(factories.jpeg_bytes(64, 64, colour=(90, 200, 90)), 10**7, 10**8)
            with write_with_files(media_store(), [evidence]) as files:
                advance(self.users["manager"], action, "close", "已整改", evidence, files)
            return made
        raise AssertionError(f"no resource named {resource!r}")

    def _exercise(self, resource: str) -> dict[str, Any]:
        """Set up a calibration at E1 for the inspector and a colleague (the inspection's photo as its evidence)."""
        colleague = db.session.scalar(select(User).where(User.email == "calibrator@routes.example.com")) or \
            factories.make_user("inspector", regions=("East",), email="calibrator@routes.example.com")
        evidence = self.resource("inspection", fresh=False) if resource == "exercise evidence" else {}
        draft = calibration.Draft(title=resource, checklist_id="small", branch_code="E1",
                                  visit=evidence.get("visit_uuid", ""),
                                  evaluators=[INSPECTOR_EMAIL, colleague.email])
        with write_transaction():
            exercise = calibration.create(self.users["manager"], draft)
            if resource == "closed exercise":
                calibration.close(self.users["manager"], exercise)
        return {"calibration_id": exercise.id, **({"name": evidence["name"]} if evidence else {})}

    def _job(self, resource: str) -> dict[str, Any]:
        """Record a finished job: the manager's export with its file, or a failed send of mail (tried again)."""
        job_id = uuid.uuid4().hex
        if resource == "manager's job":
            job = Job(id=job_id, kind=JobKind.EXPORT, params={}, status=JobStatus.DONE, progress_total=1,
                      created_by_id=self.users["manager"].id, result=f"{job_id}/visits.csv", filename="visits.csv",
                      finished_at=datetime.now(timezone.utc))
            outputs.put(job.result, "\ufeffvisit\n".encode())
        else:
            job = Job(id=job_id, kind=JobKind.MAIL, params={}, status=JobStatus.FAILED, attempts=3,
                      error="OSError: refused", finished_at=datetime.now(timezone.utc))
        with write_transaction():  # ends the session's reads first: jobs on this process's threads write meanwhile
            db.session.add(job)
        return {"job_id": job_id}

    def _survey_links(self) -> None:
        """Offer the shipped SERVQUAL survey, and open its links for branch E1 and staff E1-S1 (once)."""
        folder = Path(self.app.config["CHECKLIST_DIR"])
        if (folder / SURVEY.name).exists():
            return
        shutil.copy(SURVEY, folder)
        branch = db.session.scalar(select(Branch).where(Branch.code == "E1"))
        for serial, staff in enumerate((None, branch.staff[0])):
            db.session.add(SurveyLink(token=f"routes-survey-{serial}", checklist_id="servqual-survey", branch=branch,
                                      staff=staff, created_by=self.users["admin"]))
        db.session.commit()

    def _visit(self, kind: str, answers: dict, steps=(), photo=None, branch: str = "E1") -> dict[str, Any]:
        submitter = self.users["shopper" if kind == "mystery_shop" else "inspector"]
        if branch == "W1":
            submitter, answers = self.users["other_branch_inspector"], {**answers, "clerk": "W1-S1"}
        photos = [("overview", process(factories.jpeg_bytes(64, 64, colour=photo), 10**7, 10**8))] if photo else []
        submission = factories.submission(branch=branch, answers=dict(answers), photos=photos)
        with write_with_files(media_store(), [processed for _, processed in photos]) as files:
            visit, _ = submit_visit(submitter, factories.small_checklist(kind), submission, files)
        for step in steps:
            review(self.users["manager"], visit, step, "请补充")
        db.session.commit()
        made = {"visit_uuid": str(visit.uuid)}
        if photos:
            [stored] = visit.photos
            made["name"] = stored.stored_name
        action_id = db.session.scalar(select(CorrectiveAction.id).where(CorrectiveAction.visit_id == visit.id))
        if action_id is not None:
            made["action_id"] = action_id
        return made

    def resource(self, name: str, fresh: bool) -> dict[str, Any]:
        if name == "-":
            return {}
        if fresh:
            return self.make(name)
        if name not in self.seeded:
            self.seeded[name] = self.make(name)
        return self.seeded[name]

    # clients

    def browser(self, identity: str):
        """Return a client signed in through the login form as the identity (once, until it signs out)."""
        if identity not in self.clients:
            client = self.app.test_client()
            factories.login(client, self.users[identity])
            self.clients[identity] = client
        return self.clients[identity]

    def path(self, rule: str, resource: str = "-", fresh: bool = False) -> str:
        """Fill the rule's arguments: the resource's, else the defaults."""
        values = {**default_parameters(rule, self), **self.resource(resource, fresh)}
        missing = [name for name in ARGUMENT.findall(rule) if name not in values]
        assert not missing, f"{rule}: no value for {missing} (add it to default_parameters or a resource)"
        return ARGUMENT.sub(lambda match: str(values[match.group(1)]), rule)

    def call(self, method: str, rule: str, resource: str, identity: str):
        """Send the case's request; return the path called and the response (closed, data read)."""
        spec = CALLS.get((method, rule), Call())
        path = self.path(rule, resource, spec.fresh)
        headers = {}
        if identity == "anonymous":
            client = self.app.test_client()
        elif rule.startswith("/api/"):  # what an API client does: a bearer token, no cookie
            client, headers = self.app.test_client(), factories.bearer(self.tokens[identity])
        else:
            client = self.browser(identity)
        serial = next(self.serial)
        options: dict[str, Any] = {"query_string": spec.query, "headers": headers}
        if spec.json is not None:
            options["json"] = spec.json(serial) if callable(spec.json) else spec.json
        data = spec.form(serial) if callable(spec.form) else dict(spec.form or {})
        if spec.files:
            data.update({name: (io.BytesIO(content), f"{name}.csv") for name, content in spec.files.items()})
            options["content_type"] = "multipart/form-data"
        if data or spec.form is not None:
            options["data"] = data
        response = client.open(path, method=method, **options)
        response.get_data()
        response.close()
        if spec.signs_out:
            self.clients.pop(identity, None)
        return path, response


@pytest.fixture(scope="module")
def world(database, tmp_path_factory):
    """Seed one world per backend for all the cases of this module; empty the database afterwards."""
    app = create_app(_test_config(database, tmp_path_factory.mktemp("media")))
    checklists = tmp_path_factory.mktemp("checklists")  # a copy: the checklist editor's routes write to it
    shutil.copytree(factories.FIXTURES, checklists, dirs_exist_ok=True)
    app.config["CHECKLIST_DIR"] = str(checklists)

    @app.before_request
    def fresh_g():
        vars(g).clear()  # requests share the app context with the test, as in conftest's app fixture

    with app.app_context():
        try:
            yield World(app)
        finally:
            if JOBS_EXECUTOR in app.extensions:  # the jobs the cases asked for, on this process's threads
                assert app.extensions[JOBS_EXECUTOR].wait(120)
            db.session.remove()
            _empty_tables()
            db.engine.dispose()


# -- the tests ------------------------------------------------------------------------------------

def test_every_route_has_an_entry_in_the_table():
    missing, stale = sorted(ROUTES - set(EXPECTED)), sorted(set(EXPECTED) - ROUTES)
    assert not missing and not stale, f"routes without an entry: {missing}; entries without a route: {stale}"
    for key, rows in EXPECTED.items():
        for resource, row in rows.items():
            assert len(row) == len(IDENTITIES), (key, resource)
    for key in CALLS:
        assert key in EXPECTED, f"CALLS names {key}, which is not in the table"


@pytest.mark.parametrize(("method", "rule", "resource", "identity", "expected"), CASES)
def test_the_route_answers_as_the_policy_says(world, method, rule, resource, identity, expected):
    assert (method, rule) in ROUTES, f"{method} {rule} is in EXPECTED but no longer in the URL map"
    assert expected is not None, f"{method} {rule} is in the URL map without an entry in EXPECTED"
    path, response = world.call(method, rule, resource, identity)
    world.checked.append((method, rule, resource, identity))
    text = response.get_data(as_text=True) if not response.mimetype.startswith(("image/", "application/pdf")) else ""
    assert response.status_code == expected, (
        f"{method} {path} as {identity}: {response.status_code}, the table says {expected}\n{text[:500]}")
    location = urlsplit(response.headers.get("Location", "")).path
    # Anonymous pages send to the sign-in page; a signed-in user is sent there only when signing out.
    to_login = identity == "anonymous" or CALLS.get((method, rule), Call()).signs_out
    if response.status_code == 302:
        assert (location == "/login") is to_login, f"{method} {path} as {identity} redirects to {location}"
    if rule.startswith("/api/") and response.status_code >= 400:
        assert response.is_json and "error" in response.get_json(), f"{method} {path}: not a JSON error"
    if response.status_code == 302 and method != "GET" and not to_login:
        # A refused step is flashed on the page it redirects to: a 302 counts only if that page shows no error.
        page = world.browser(identity).get(response.headers["Location"])
        assert page.status_code == 200 and "flash-error" not in page.get_data(as_text=True), (
            f"{method} {path} as {identity} was refused: {page.get_data(as_text=True)[:800]}")


PROBED_METHODS = ("GET", "POST", "PUT", "DELETE")


def test_a_method_no_route_takes_answers_405(world):
    """Every path of the URL map refuses, before anything else, the methods none of its routes takes."""
    adapter = world.app.url_map.bind("localhost")
    checked = []
    for rule in sorted({rule for _, rule in ROUTES}):
        resource = next((name for (_, other), rows in EXPECTED.items() if other == rule for name in rows), "-")
        path = world.path(rule, resource)
        for method in PROBED_METHODS:
            try:
                adapter.match(path, method)
            except MethodNotAllowed:
                response = world.app.test_client().open(path, method=method)
                response.close()
                json_error = response.is_json and "error" in response.get_json()
                checked.append((method, path, response.status_code, json_error or not path.startswith("/api/")))
            except HTTPException:  # a redirect: another rule takes the path
                continue
    wrong = [case for case in checked if case[2:] != (405, True)]
    print(f"405 checked for {len(checked)} method-path pairs")
    assert checked and not wrong, wrong


def test_every_route_was_checked_as_every_identity(world):
    """Runs after the cases of its backend: count routes × identities (visible with -s or -rP)."""
    expected = {(method, rule, resource, identity) for (method, rule), rows in EXPECTED.items()
                for resource in rows for identity in IDENTITIES}
    routes, requests = len(EXPECTED), len(world.checked)
    message = (f"{world.app.config['DATABASE_URL'].split(':')[0]}: {routes} routes (method + rule), "
               f"{len(expected) // len(IDENTITIES)} route cases × {len(IDENTITIES)} identities = "
               f"{len(expected)} cases; {requests} requests checked")
    print(message)
    assert set(world.checked) == expected, message
