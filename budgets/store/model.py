"""What the plan store keeps and says: keys, version records, statuses and errors.

``PlanStore`` is the interface every store implements (``budgets.store``
describes the rules they keep); the values here are what it takes and returns,
and the errors carry messages a planner can act on.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Protocol

from pydantic import TypeAdapter, ValidationError

from budgets.access import (
    ASSIGN_ROLES,
    REVIEW,
    SAVE,
    SUBMIT,
    AccessError,
    Role,
    User,
    clean_email,
    person_label,
    require,
    require_rights,
    rights_to_change_data,
)
from budgets.errors import PlanIssue, PlanValidationError
from budgets.files import plan_from_json, plan_to_json
from budgets.plan import Name, Plan

COMMENT_MAX_LENGTH = 2000
FISCAL_YEARS = range(2000, 2101)

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


# --- values -------------------------------------------------------------------


class VersionStatus(StrEnum):
    """Where a version stands in the review: a draft, submitted for review, sent back with
    changes requested, or approved by finance (and then locked)."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    CHANGES_REQUESTED = "changes requested"
    APPROVED = "approved"


class AuditAction(StrEnum):
    """A step the audit log records."""

    SAVED = "saved"
    RESTORED = "restored"
    SUBMITTED = "submitted"
    SENT_BACK = "sent back"
    APPROVED = "approved"
    ROLE_GRANTED = "role granted"
    ROLE_REVOKED = "role revoked"


REVIEW_STATUS = {
    AuditAction.SUBMITTED: VersionStatus.SUBMITTED,
    AuditAction.SENT_BACK: VersionStatus.CHANGES_REQUESTED,
}
"""A version's status after its latest review step, unless it is approved."""
NOTED_STEPS = (AuditAction.SUBMITTED, AuditAction.SENT_BACK, AuditAction.APPROVED)
"""The steps whose note is a version's review note: the latest one's."""


SAVED_STATUSES = (VersionStatus.DRAFT, VersionStatus.SUBMITTED)

_NAME = TypeAdapter(Name)


def clean_name(value: Any, where: str = "Plan name") -> str:
    """A plan's or a person's name, trimmed: 1-80 characters, no control characters.

    Raises:
        PlanValidationError: naming ``where``, the value and the rule broken.
    """
    try:
        return _NAME.validate_python(value)
    except ValidationError as error:
        detail = error.errors(include_url=False)[0]
        problem = "it must be text" if detail["type"] == "string_type" else str(detail["msg"])
        raise PlanValidationError([PlanIssue(where, "name", None, value, problem)]) from None


def _clean_comment(value: Any, where: str = "Comment") -> str:
    if not isinstance(value, str):
        raise PlanValidationError([PlanIssue(where, None, None, value, "it must be text")])
    comment = value.replace("\r\n", "\n").strip()
    if len(comment) > COMMENT_MAX_LENGTH:
        problem = f"it must be at most {COMMENT_MAX_LENGTH} characters (it has {len(comment)})"
        raise PlanValidationError.single(where, problem)
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in comment):
        raise PlanValidationError.single(
            where, "it must not contain control characters other than line breaks"
        )
    return comment


def clean_note(value: Any) -> str:
    """A review note: text of up to 2000 characters, line breaks kept.

    Raises:
        PlanValidationError: naming the note and the rule broken.
    """
    return _clean_comment(value, "Note")


@dataclass(frozen=True)
class Actor:
    """Who an audit row and a version record name: an e-mail address and a name."""

    email: str
    name: str


def actor(user: User) -> Actor:
    """The acting user as records keep them: the address checked, a name of at most 80
    characters (the address itself when the provider gives no name)."""
    email = clean_email(user.email)
    name = " ".join(user.name.split())[:80].strip() or email
    return Actor(email, clean_name(name, "Name"))


def _match_name(name: str) -> str:
    return unicodedata.normalize("NFKC", name).casefold()


@dataclass(frozen=True)
class PlanKey:
    """What identifies a stored plan: its name (trimmed) and fiscal year.

    Raises:
        PlanValidationError: a name that is empty, longer than 80 characters
            or holds control characters; a fiscal year outside 2000-2100.
    """

    name: str
    fiscal_year: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", clean_name(self.name))
        year = self.fiscal_year
        if isinstance(year, bool) or not isinstance(year, int) or year not in FISCAL_YEARS:
            problem = "it must be a whole number from 2000 to 2100"
            raise PlanValidationError(
                [PlanIssue("Fiscal year", "fiscal_year", None, year, problem)]
            )

    @classmethod
    def of(cls, plan: Plan) -> PlanKey:
        return cls(plan.name, plan.fiscal_year)

    @property
    def match_name(self) -> str:
        """The name as compared: NFKC-normalised and case-folded."""
        return _match_name(self.name)

    def __str__(self) -> str:
        return f"plan '{self.name}' (FY{self.fiscal_year})"


@dataclass(frozen=True)
class VersionInfo:
    """One saved version of a plan, without its content.

    Times are timezone-aware UTC. ``status`` is ``approved`` once the version
    has been approved, else where its last review step left it (submitted,
    changes requested), else the status it was saved with. ``based_on`` is
    the version the save started from (None for a plan's first save);
    ``restored_from`` the version a restore copied. ``submitted_by`` and
    ``submitted_at`` name its latest submission; ``review_note`` is the note
    of its latest review step (the submission's, or why it was sent back).
    """

    key: PlanKey
    version: int
    status: VersionStatus
    author: str
    saved_at: datetime
    comment: str
    based_on: int | None = None
    restored_from: int | None = None
    approved_by: str | None = None
    approved_at: datetime | None = None
    author_email: str = ""
    approved_by_email: str | None = None
    submitted_by: str | None = None
    submitted_at: datetime | None = None
    review_note: str = ""

    @property
    def is_approved(self) -> bool:
        return self.status is VersionStatus.APPROVED

    @property
    def awaits_review(self) -> bool:
        return self.status is VersionStatus.SUBMITTED

    @property
    def may_be_submitted(self) -> bool:
        return self.status in (VersionStatus.DRAFT, VersionStatus.CHANGES_REQUESTED)

    def as_row(self) -> dict[str, Any]:
        """The version as one row of a history table."""
        return {
            "version": self.version,
            "status": self.status.value,
            "author": self.author,
            "saved_at": self.saved_at,
            "comment": self.comment,
            "based_on": self.based_on,
            "restored_from": self.restored_from,
            "approved_by": self.approved_by,
            "approved_at": self.approved_at,
            "submitted_by": self.submitted_by,
            "submitted_at": self.submitted_at,
        }


@dataclass(frozen=True)
class AuditEntry:
    """One row of the audit log: who did what, when, to which version (or whose roles)."""

    at: datetime
    action: AuditAction
    actor_email: str
    actor_name: str
    key: PlanKey | None = None
    version: int | None = None
    note: str = ""
    subject: str | None = None  # the e-mail address a role action is about

    def as_row(self) -> dict[str, Any]:
        return {
            "at": self.at,
            "action": self.action.value,
            "by": person_label(self.actor_name, self.actor_email),
            "plan": None if self.key is None else f"{self.key.name} FY{self.key.fiscal_year}",
            "version": self.version,
            "note": self.note,
            "subject": self.subject,
        }  # fmt: skip


@dataclass(frozen=True)
class StoredPlan:
    """A version's record and its content, a frozen Plan."""

    info: VersionInfo
    plan: Plan


@dataclass(frozen=True)
class PlanSummary:
    """A stored plan as listed: its key, its latest version and its latest approved version."""

    key: PlanKey
    latest: VersionInfo
    approved_version: int | None

    def as_row(self) -> dict[str, Any]:
        return {
            "name": self.key.name,
            "fiscal_year": self.key.fiscal_year,
            "version": self.latest.version,
            "status": self.latest.status.value,
            "author": self.latest.author,
            "saved_at": self.latest.saved_at,
            "approved_version": self.approved_version,
        }


def when(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


# --- errors -------------------------------------------------------------------


class PlanStoreError(Exception):
    """Something the plan store refused or could not do; the message is for the planner."""


class PlanNotFoundError(PlanStoreError, LookupError):
    def __init__(self, key: PlanKey) -> None:
        self.key = key
        super().__init__(f"No {key} is stored. To keep it under this name, save it as a new plan.")


class VersionNotFoundError(PlanStoreError, LookupError):
    def __init__(self, key: PlanKey, version: int, latest: int) -> None:
        self.key, self.version, self.latest = key, version, latest
        super().__init__(f"The {key} has no version {version}; its versions are 1 to {latest}.")


class VersionConflictError(PlanStoreError):
    """A save based on a version that is no longer the latest, or a new plan whose name is taken.

    ``latest`` is the version that stands in the way: who saved it and when.
    The refused save changed nothing; the plan that was being saved is still
    the caller's, to compare with ``latest`` and save again on top of it.
    """

    def __init__(self, key: PlanKey, base_version: int | None, latest: VersionInfo) -> None:
        self.key, self.base_version, self.latest = key, base_version, latest
        who = f"{latest.author} on {when(latest.saved_at)}"
        if base_version is None:
            message = (
                f"A {key} already exists: version {latest.version} was saved by {who}. "
                "Your plan is not saved: open the stored plan and save on top of it, "
                "or give yours another name."
            )
        else:
            message = (
                f"Version {latest.version} of the {key} was saved by {who}, after "
                f"version {base_version} that your edits started from. Your edits are not "
                f"saved: reload version {latest.version}, compare it with your edits and "
                "save again."
            )
        super().__init__(message)


class ApprovedVersionError(PlanStoreError):
    """An attempt to change an approved version (approving it again included)."""

    def __init__(self, info: VersionInfo) -> None:
        self.info = info
        super().__init__(
            f"Version {info.version} of the {info.key} was approved by {info.approved_by} on "
            f"{when(info.approved_at or info.saved_at)} and cannot change; "
            "save on top of it to start a new draft."
        )


class ReviewStepError(PlanStoreError):
    """A review step the version is not at: submitting a version that is not the latest or
    already submitted, approving or sending back one that was not submitted."""


def check_review_step(info: VersionInfo, latest: int, action: AuditAction, by: User) -> None:
    """That ``by`` may take ``action`` on ``info`` now.

    Raises:
        AccessError: ``by`` lacks the role (submitting needs a manager's role,
            approving and sending back the finance role).
        ApprovedVersionError: the version is approved.
        ReviewStepError: the version is not at a step ``action`` follows.
    """
    require(by, SUBMIT if action is AuditAction.SUBMITTED else REVIEW)
    if info.is_approved:
        raise ApprovedVersionError(info)
    name = f"Version {info.version} of the {info.key}"
    if action is AuditAction.SUBMITTED:
        if info.awaits_review:
            raise ReviewStepError(
                f"{name} was submitted by {info.submitted_by} on "
                f"{when(info.submitted_at or info.saved_at)} and awaits finance's review."
            )
        if info.version != latest:
            raise ReviewStepError(
                f"{name} is not the latest: version {latest} follows it. Submit the latest "
                "version, or restore this one first."
            )
        return
    if not info.awaits_review:
        verb = "approved" if action is AuditAction.APPROVED else "sent back"
        raise ReviewStepError(
            f"{name} is {'a draft' if info.status is VersionStatus.DRAFT else info.status.value}"
            f", not submitted for review: a version is {verb} once it has been submitted."
        )


def check_review_note(action: AuditAction, note: str) -> str:
    """The note of a review step, checked; sending back needs one.

    Raises:
        PlanValidationError: the note is too long, has control characters, or a
            version is sent back without saying what to change.
    """
    note = clean_note(note)
    if action is AuditAction.SENT_BACK and not note:
        raise PlanValidationError.single(
            "Note", "say what should change: sending a version back needs a note"
        )
    return note


class StatusError(PlanStoreError, ValueError):
    def __init__(self, status: object) -> None:
        self.status = status
        super().__init__(
            f"A version is saved as a draft or submitted, not as {status!r}; "
            "only finance's review approves a version or sends it back."
        )


class StoreUnavailableError(PlanStoreError):
    """The plan database cannot be reached or used."""


class StoredVersionInvalidError(PlanStoreError):
    """A stored version whose content no longer reads as a valid plan (a damaged row, or
    a plan saved before a rule it breaks); ``issues`` are the plan's problems."""

    def __init__(self, info: VersionInfo, where: str, error: PlanValidationError) -> None:
        self.info, self.issues = info, error.issues
        problems = "\n".join(f"- {issue}" for issue in error.issues)
        super().__init__(
            f"Version {info.version} of the {info.key} in the plan database at {where} cannot "
            f"be opened: it does not read as a valid plan.\n{problems}"
        )


def stored_plan_content(info: VersionInfo, plan_json: Any, where: str) -> Plan:
    """A stored version's plan from its JSON.

    Raises:
        StoredVersionInvalidError: the JSON is not text or not a valid plan.
    """
    if not isinstance(plan_json, str | bytes):
        problem = f"the stored content is {type(plan_json).__name__}, not JSON text"
        raise StoredVersionInvalidError(info, where, PlanValidationError.single("Plan", problem))
    try:
        return plan_from_json(plan_json)
    except PlanValidationError as error:
        raise StoredVersionInvalidError(info, where, error) from None


# --- the interface ------------------------------------------------------------


class PlanStore(Protocol):
    """Where plans are kept: every version of every plan, never overwritten, the review
    steps and role changes in an audit log, and who holds which role.

    Every change names who makes it (``by``, a ``User`` with their roles) and is
    refused with ``AccessError`` when they lack the role it needs.
    """

    def save(
        self,
        plan: Plan,
        *,
        base_version: int | None,
        by: User,
        comment: str = "",
        status: VersionStatus = VersionStatus.DRAFT,
    ) -> VersionInfo:
        """Append a version of ``PlanKey.of(plan)`` on top of ``base_version``.

        ``base_version`` is the version the edits started from, None for a new
        plan. Saving needs a manager's role, and each part of the plan that
        differs from the base needs its editor's role (``budgets.access``).
        ``status`` submitted saves and submits for review in one step.

        Raises:
            AccessError: ``by`` may not save, or not change what differs.
            VersionConflictError: a newer version exists, or (``base_version`` None)
                a plan of that name and fiscal year does.
            PlanNotFoundError: ``base_version`` given for a plan not stored.
            VersionNotFoundError: ``base_version`` beyond the latest version.
            StatusError: ``status`` is neither draft nor submitted.
            PlanValidationError: an invalid plan, name or comment.
        """
        ...

    def get(self, key: PlanKey, version: int | None = None) -> StoredPlan:
        """A version of a plan (the latest when ``version`` is None).

        Raises:
            PlanNotFoundError, VersionNotFoundError.
        """
        ...

    def list(self) -> tuple[PlanSummary, ...]:
        """Every stored plan, by name (case-insensitive) then fiscal year."""
        ...

    def history(self, key: PlanKey) -> tuple[VersionInfo, ...]:
        """Every version of a plan, newest first.

        Raises:
            PlanNotFoundError.
        """
        ...

    def submit(self, key: PlanKey, version: int, by: User, note: str = "") -> VersionInfo:
        """Submit the latest version, a draft or sent back, for finance's review.

        Raises:
            AccessError, ApprovedVersionError, ReviewStepError, PlanNotFoundError,
            VersionNotFoundError, PlanValidationError (the note).
        """
        ...

    def send_back(self, key: PlanKey, version: int, by: User, note: str) -> VersionInfo:
        """Send a submitted version back with changes requested; the note says which.

        Raises:
            AccessError, ApprovedVersionError, ReviewStepError, PlanNotFoundError,
            VersionNotFoundError, PlanValidationError (no note, or a bad one).
        """
        ...

    def approve(self, key: PlanKey, version: int, by: User, note: str = "") -> VersionInfo:
        """Approve a submitted version: it is locked for good. Returns its record.

        Raises:
            AccessError, ApprovedVersionError (already approved), ReviewStepError
            (not submitted), PlanNotFoundError, VersionNotFoundError, PlanValidationError.
        """
        ...

    def restore(
        self, key: PlanKey, version: int, *, base_version: int, by: User, comment: str = ""
    ) -> VersionInfo:
        """Save ``version``'s content again, as a new draft on top of ``base_version``.

        The comment defaults to "Restored version N". The parts that differ from
        ``base_version`` need their editors' roles, as a save's do.

        Raises:
            AccessError, VersionConflictError, PlanNotFoundError,
            VersionNotFoundError, PlanValidationError.
        """
        ...

    def audit(self, key: PlanKey | None = None) -> tuple[AuditEntry, ...]:
        """The audit log, newest first: one plan's steps, or every row (role changes too).

        Raises:
            PlanNotFoundError: ``key`` names a plan not stored.
        """
        ...

    def roles_of(self, email: str) -> frozenset[Role]:
        """The roles held by the user at ``email`` (none for an address not known)."""
        ...

    def role_holders(self) -> dict[str, frozenset[Role]]:
        """Every e-mail address holding a role, and its roles, by address."""
        ...

    def set_roles(self, email: str, roles: frozenset[Role], by: User) -> frozenset[Role]:
        """Give ``email`` exactly ``roles`` (none removes them), each change in the audit log.

        Raises:
            AccessError: ``by`` is not an admin, or would remove their own admin role
                (an admin's role is removed by another admin).
        """
        ...

    def name_first_admins(self, emails: tuple[str, ...]) -> bool:
        """Make ``emails`` admins if no one is: how an empty store gets its first admins.

        Returns whether it did. Recorded in the audit log as by "configuration".
        """
        ...


CONFIGURATION = Actor("configuration", "configuration")
"""Who the audit log names for the first admins, named by the app's configuration."""


@dataclass(frozen=True)
class SaveRequest:
    """A save checked and ready to store: the plan as validated JSON, names trimmed, and
    the audit rows it writes with it."""

    key: PlanKey
    plan_json: str
    author: Actor
    comment: str
    status: VersionStatus
    base_version: int | None
    by: User
    restored_from: int | None = None

    def check_rights(self, base_json: str) -> None:
        """That its author may change what differs from the base version (its JSON).

        Raises:
            AccessError: naming each part changed and the role it needs.
        """
        rights = rights_to_change_data(json.loads(base_json), json.loads(self.plan_json))
        require_rights(self.by, rights)

    @property
    def actions(self) -> tuple[AuditAction, ...]:
        """The audit rows of the save: saved (or restored), and submitted if it is."""
        saved = AuditAction.SAVED if self.restored_from is None else AuditAction.RESTORED
        submitted = (AuditAction.SUBMITTED,) if self.status is VersionStatus.SUBMITTED else ()
        return (saved, *submitted)


def save_request(
    plan: Plan,
    base_version: int | None,
    by: User,
    comment: str,
    status: VersionStatus | str,
    restored_from: int | None = None,
) -> SaveRequest:
    """Check a save before any store touches its data.

    Raises:
        AccessError (no manager's role), StatusError, PlanStoreError (a base
        version that is not a version number), PlanValidationError (the plan,
        the name or the comment).
    """
    require(by, SAVE)
    if status not in SAVED_STATUSES:
        raise StatusError(status)
    if base_version is not None and (
        isinstance(base_version, bool) or not isinstance(base_version, int) or base_version < 1
    ):
        raise PlanStoreError(f"A base version is a version number from 1, not {base_version!r}.")
    # A Plan built with model_copy(update=...) skips validation: validate what is kept.
    checked = plan_from_json(plan_to_json(plan))
    return SaveRequest(
        key=PlanKey.of(checked),
        plan_json=plan_to_json(checked),
        author=actor(by),
        comment=_clean_comment(comment),
        status=VersionStatus(status),
        base_version=base_version,
        by=by,
        restored_from=restored_from,
    )


def restore_comment(version: int, comment: str) -> str:
    comment = _clean_comment(comment)
    return comment or f"Restored version {version}"


class AppendingStore(PlanStore):
    """A store whose saves and restores are appends of a checked ``SaveRequest``, and whose
    review steps are rows of its audit log.

    The rights and the rules of each step are the same for every store; each
    store appends a request (``_append``, which checks ``request.check_rights``
    against the base version) and takes a review step (``_review``) its own
    way, the step's state checked inside its own transaction by
    ``check_review_step``.
    """

    def _append(self, request: SaveRequest) -> VersionInfo:
        raise NotImplementedError

    def _review(
        self, key: PlanKey, version: int, by: User, action: AuditAction, note: str
    ) -> VersionInfo:
        raise NotImplementedError

    def save(
        self,
        plan: Plan,
        *,
        base_version: int | None,
        by: User,
        comment: str = "",
        status: VersionStatus = VersionStatus.DRAFT,
    ) -> VersionInfo:
        return self._append(save_request(plan, base_version, by, comment, status))

    def restore(
        self, key: PlanKey, version: int, *, base_version: int, by: User, comment: str = ""
    ) -> VersionInfo:
        old = self.get(key, version)
        request = save_request(
            old.plan,
            base_version,
            by,
            restore_comment(version, comment),
            VersionStatus.DRAFT,
            restored_from=version,
        )
        return self._append(request)

    def submit(self, key: PlanKey, version: int, by: User, note: str = "") -> VersionInfo:
        require(by, SUBMIT)
        return self._review(key, version, by, AuditAction.SUBMITTED, clean_note(note))

    def send_back(self, key: PlanKey, version: int, by: User, note: str) -> VersionInfo:
        require(by, REVIEW)
        action = AuditAction.SENT_BACK
        return self._review(key, version, by, action, check_review_note(action, note))

    def approve(self, key: PlanKey, version: int, by: User, note: str = "") -> VersionInfo:
        require(by, REVIEW)
        return self._review(key, version, by, AuditAction.APPROVED, clean_note(note))


def role_changes(
    held: frozenset[Role], wanted: frozenset[Role], email: str, by: User
) -> tuple[tuple[AuditAction, Role], ...]:
    """The grants and revocations that take ``email`` from ``held`` to ``wanted``.

    Raises:
        AccessError: ``by`` is not an admin, or removes their own admin role.
    """
    require(by, ASSIGN_ROLES)
    if Role.ADMIN in held and Role.ADMIN not in wanted and email == clean_email(by.email):
        raise AccessError(
            "You cannot remove your own admin role: another admin removes it, so the store "
            "always keeps an admin."
        )
    granted = [(AuditAction.ROLE_GRANTED, role) for role in Role if role in wanted - held]
    revoked = [(AuditAction.ROLE_REVOKED, role) for role in Role if role in held - wanted]
    return (*granted, *revoked)


def sorted_summaries(summaries: list[PlanSummary]) -> tuple[PlanSummary, ...]:
    return tuple(sorted(summaries, key=lambda s: (s.key.match_name, s.key.fiscal_year)))
