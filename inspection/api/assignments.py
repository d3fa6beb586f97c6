"""The API's assignments and coverage: what a new assignment is sent as, and how both are answered."""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict

from ..coverage.services import Row
from ..plans.models import Assignment
from ..plans.services import Draft, assignable_checklist, assignee_by_email, branch_by_code


class AssignmentPayload(BaseModel):
    model_config = ConfigDict(extra="forbid")

    branch: str
    checklist: str
    assignee: str  # e-mail address
    window_start: AwareDatetime
    window_end: AwareDatetime
    scenario: str = ""
    brief: str = ""

    def draft(self) -> Draft:
        return Draft(branch=branch_by_code(self.branch), checklist=assignable_checklist(self.checklist),
                     assignee=assignee_by_email(self.assignee), window_start=self.window_start,
                     window_end=self.window_end, scenario=self.scenario, brief=self.brief)


def assignment_json(assignment: Assignment, now: datetime) -> dict:
    return {"id": assignment.id, "status": assignment.state(now), "late": assignment.late,
            "branch": assignment.branch.code, "branch_name": assignment.branch.name,
            "checklist": assignment.checklist_id, "kind": assignment.kind, "assignee": assignment.assignee.email,
            "window_start": assignment.window_start.isoformat(), "window_end": assignment.window_end.isoformat(),
            "scenario": assignment.scenario, "brief": assignment.brief, "plan": assignment.plan_id}


def coverage_json(row: Row) -> dict:
    return {"branch": row.code, "name": row.name, "region": row.region, "planned": row.planned, "done": row.done,
            "late": row.late, "missed": row.missed, "open": row.open}
