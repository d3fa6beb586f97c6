"""The states of visits, corrective actions, assignments and appeals, and the one table of moves between them.

Each lifecycle is a table of (state, action) -> next state, with the party who may take the step.
Pure Python: `inspection.access` decides whether a user is that party, and the services apply a step with
a conditional update so that two people acting at once cannot both move the same row.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .problems import BadRequest, Conflict


class VisitStatus(StrEnum):
    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    RETURNED = "returned"
    RELEASED = "released"


class VisitAction(StrEnum):
    SUBMIT = "submit"
    START = "start"
    RELEASE = "release"
    RETURN = "return"
    RESUBMIT = "resubmit"
    AMEND = "amend"  # an upheld appeal corrects a released visit: a new version, still released


class ActionStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    VERIFIED = "verified"


class ActionStep(StrEnum):
    OPEN = "open"
    START = "start"
    CLOSE = "close"
    VERIFY = "verify"
    REOPEN = "reopen"


class AssignmentStatus(StrEnum):
    """Stored states; an assigned visit whose window has ended without one is missed (see plans.models)."""

    ASSIGNED = "assigned"
    DECLINED = "declined"
    DONE = "done"
    CANCELLED = "cancelled"


class AssignmentStep(StrEnum):
    ASSIGN = "assign"
    DECLINE = "decline"
    REASSIGN = "reassign"
    COMPLETE = "complete"
    CANCEL = "cancel"


class CalibrationStatus(StrEnum):
    """A calibration exercise takes evaluators' scores while open; its results are shared once closed."""

    OPEN = "open"
    CLOSED = "closed"


class CalibrationStep(StrEnum):
    OPEN = "open"
    CLOSE = "close"


class AppealStatus(StrEnum):
    OPEN = "open"
    UPHELD = "upheld"
    PARTLY_UPHELD = "partly_upheld"
    REJECTED = "rejected"


class AppealStep(StrEnum):
    FILE = "file"
    UPHOLD = "uphold"  # every item appealed is corrected
    PARTLY_UPHOLD = "partly_uphold"  # some are
    REJECT = "reject"  # none is


class Party(StrEnum):
    """Who may take a step; inspection.access decides whether a user is that party for a given resource."""

    FILLER = "filler"  # may fill in the checklist at the branch
    REVIEWER = "reviewer"  # manages the branch of the visit
    SUBMITTER = "submitter"  # submitted the visit
    MANAGER = "manager"  # manages the branch of the corrective action, assignment or calibration exercise
    ASSIGNEE = "assignee"  # was given the assignment
    SECOND_MANAGER = "second_manager"  # manages the branch and is not the one who closed the action
    BRANCH = "branch"  # the branch side of the visit's branch
    # Manages the branch and did not score the visit appealed; a visit alone names no appeal, so nobody is it.
    APPEAL_DECIDER = "appeal_decider"


@dataclass(frozen=True)
class Transition:
    source: str | None  # None: the step that creates the record
    action: str
    target: str
    party: Party


class Lifecycle:
    """A table of transitions, asked which steps a state allows and where they lead."""

    def __init__(self, noun: str, transitions: tuple[Transition, ...]):
        self.noun = noun
        self.transitions = transitions
        self._table = {(t.source, t.action): t for t in transitions}
        self._parties = {t.action: t.party for t in transitions}

    def knows(self, action: str) -> bool:
        return action in self._parties

    def party(self, action: str) -> Party:
        """Return who may take this step (the same party from every state)."""
        if action not in self._parties:
            raise BadRequest("unknown %(noun)s step '%(step)s'", noun=self.noun, step=action)
        return self._parties[action]

    def allows(self, status: str | None, action: str) -> bool:
        return (status, action) in self._table

    def rule(self, status: str | None, action: str) -> Transition:
        """Return the transition for this step from this state; Conflict if the state does not allow it."""
        self.party(action)
        found = self._table.get((status, action))
        if found is None:
            raise Conflict("this %(noun)s is %(status)s: it cannot be given '%(step)s'", noun=self.noun,
                           status=status, step=action)
        return found

    def actions_from(self, status: str) -> list[str]:
        """Return the steps this state allows, in table order."""
        return [t.action for t in self.transitions if t.source == status]


V, A = VisitStatus, VisitAction
VISITS = Lifecycle("visit", (
    Transition(None, A.SUBMIT, V.SUBMITTED, Party.FILLER),
    Transition(V.SUBMITTED, A.START, V.IN_REVIEW, Party.REVIEWER),
    Transition(V.SUBMITTED, A.RELEASE, V.RELEASED, Party.REVIEWER),
    Transition(V.IN_REVIEW, A.RELEASE, V.RELEASED, Party.REVIEWER),
    Transition(V.SUBMITTED, A.RETURN, V.RETURNED, Party.REVIEWER),
    Transition(V.IN_REVIEW, A.RETURN, V.RETURNED, Party.REVIEWER),
    Transition(V.RETURNED, A.RESUBMIT, V.SUBMITTED, Party.SUBMITTER),
    # Taken only by deciding an appeal (see APPEALS), never from the visit page.
    Transition(V.RELEASED, A.AMEND, V.RELEASED, Party.APPEAL_DECIDER),
))
REVIEW_ACTIONS = (A.START, A.RELEASE, A.RETURN)

S, P = ActionStatus, ActionStep
ACTIONS = Lifecycle("action", (
    Transition(None, P.OPEN, S.OPEN, Party.MANAGER),
    Transition(S.OPEN, P.START, S.IN_PROGRESS, Party.MANAGER),
    Transition(S.OPEN, P.CLOSE, S.DONE, Party.MANAGER),
    Transition(S.IN_PROGRESS, P.CLOSE, S.DONE, Party.MANAGER),
    Transition(S.DONE, P.VERIFY, S.VERIFIED, Party.SECOND_MANAGER),
    Transition(S.DONE, P.REOPEN, S.OPEN, Party.MANAGER),
))

T, G = AssignmentStatus, AssignmentStep
ASSIGNMENTS = Lifecycle("assignment", (
    Transition(None, G.ASSIGN, T.ASSIGNED, Party.MANAGER),
    Transition(T.ASSIGNED, G.DECLINE, T.DECLINED, Party.ASSIGNEE),
    Transition(T.ASSIGNED, G.REASSIGN, T.ASSIGNED, Party.MANAGER),
    Transition(T.DECLINED, G.REASSIGN, T.ASSIGNED, Party.MANAGER),
    Transition(T.ASSIGNED, G.COMPLETE, T.DONE, Party.ASSIGNEE),
    Transition(T.ASSIGNED, G.CANCEL, T.CANCELLED, Party.MANAGER),
    Transition(T.DECLINED, G.CANCEL, T.CANCELLED, Party.MANAGER),
))
C, K = CalibrationStatus, CalibrationStep
CALIBRATIONS = Lifecycle("calibration", (
    Transition(None, K.OPEN, C.OPEN, Party.MANAGER),
    Transition(C.OPEN, K.CLOSE, C.CLOSED, Party.MANAGER),
))

# Planned work that still counts in coverage: declined work waits to be reassigned, cancelled work is gone.
PLANNED_ASSIGNMENTS = (T.ASSIGNED, T.DECLINED, T.DONE)

L, E = AppealStatus, AppealStep
APPEALS = Lifecycle("appeal", (
    Transition(None, E.FILE, L.OPEN, Party.BRANCH),
    Transition(L.OPEN, E.UPHOLD, L.UPHELD, Party.APPEAL_DECIDER),
    Transition(L.OPEN, E.PARTLY_UPHOLD, L.PARTLY_UPHELD, Party.APPEAL_DECIDER),
    Transition(L.OPEN, E.REJECT, L.REJECTED, Party.APPEAL_DECIDER),
))
DECIDED_APPEALS = (L.UPHELD, L.PARTLY_UPHELD, L.REJECTED)
# Appeals that changed the visit: the figures count them as upheld.
UPHELD_APPEALS = (L.UPHELD, L.PARTLY_UPHELD)

# Only released visits count in performance figures: a manager has reviewed them.
COUNTED_VISITS = (V.RELEASED,)
UNFINISHED_ACTIONS = (S.OPEN, S.IN_PROGRESS)
