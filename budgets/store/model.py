"""What the plan store keeps and says: keys, version records, statuses and errors.

``PlanStore`` is the interface every store implements (``budgets.store``
describes the rules they keep); the values here are what it takes and returns,
and the errors carry messages a planner can act on.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Protocol

from pydantic import TypeAdapter, ValidationError

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
    """Where a version stands: a draft, submitted for approval, or approved by finance."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"


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


def _clean_comment(value: Any) -> str:
    if not isinstance(value, str):
        raise PlanValidationError([PlanIssue("Comment", None, None, value, "it must be text")])
    comment = value.replace("\r\n", "\n").strip()
    if len(comment) > COMMENT_MAX_LENGTH:
        problem = (
            f"a comment must be at most {COMMENT_MAX_LENGTH} characters (it has {len(comment)})"
        )
        raise PlanValidationError.single("Comment", problem)
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in comment):
        raise PlanValidationError.single(
            "Comment", "a comment must not contain control characters other than line breaks"
        )
    return comment


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

    ``saved_at`` and ``approved_at`` are timezone-aware UTC times. ``status``
    is ``approved`` once the version has been approved, else the status it
    was saved with. ``based_on`` is the version the save started from (None
    for a plan's first save); ``restored_from`` the version a restore copied.
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

    @property
    def is_approved(self) -> bool:
        return self.status is VersionStatus.APPROVED

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
        }


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


class StatusError(PlanStoreError, ValueError):
    def __init__(self, status: object) -> None:
        self.status = status
        super().__init__(
            f"A version is saved as a draft or submitted, not as {status!r}; "
            "only approving a saved version makes it approved."
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
    """Where plans are kept: every version of every plan, never overwritten."""

    def save(
        self,
        plan: Plan,
        *,
        base_version: int | None,
        author: str,
        comment: str = "",
        status: VersionStatus = VersionStatus.DRAFT,
    ) -> VersionInfo:
        """Append a version of ``PlanKey.of(plan)`` on top of ``base_version``.

        ``base_version`` is the version the edits started from, None for a new
        plan. Returns the new version's record.

        Raises:
            VersionConflictError: a newer version exists, or (``base_version`` None)
                a plan of that name and fiscal year does.
            PlanNotFoundError: ``base_version`` given for a plan not stored.
            VersionNotFoundError: ``base_version`` beyond the latest version.
            StatusError: ``status`` is ``approved`` (only ``approve`` does that).
            PlanValidationError: an invalid plan, author or comment.
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

    def approve(self, key: PlanKey, version: int, approver: str) -> VersionInfo:
        """Record that ``approver`` approved ``version``; return its record, now approved.

        Raises:
            ApprovedVersionError: the version is already approved.
            PlanNotFoundError, VersionNotFoundError, PlanValidationError (approver's name).
        """
        ...

    def restore(
        self, key: PlanKey, version: int, *, base_version: int, author: str, comment: str = ""
    ) -> VersionInfo:
        """Save ``version``'s content again, as a new draft on top of ``base_version``.

        The comment defaults to "Restored version N".

        Raises:
            VersionConflictError: ``base_version`` is no longer the latest.
            PlanNotFoundError, VersionNotFoundError, PlanValidationError.
        """
        ...


@dataclass(frozen=True)
class SaveRequest:
    """A save checked and ready to store: the plan as validated JSON, names trimmed."""

    key: PlanKey
    plan_json: str
    author: str
    comment: str
    status: VersionStatus
    base_version: int | None
    restored_from: int | None = None


def save_request(
    plan: Plan,
    base_version: int | None,
    author: str,
    comment: str,
    status: VersionStatus | str,
    restored_from: int | None = None,
) -> SaveRequest:
    """Check a save before any store touches its data.

    Raises:
        StatusError, PlanStoreError (a base version that is not a version
        number), PlanValidationError (the plan, the author or the comment).
    """
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
        author=clean_name(author, "Author"),
        comment=_clean_comment(comment),
        status=VersionStatus(status),
        base_version=base_version,
        restored_from=restored_from,
    )


def restore_comment(version: int, comment: str) -> str:
    comment = _clean_comment(comment)
    return comment or f"Restored version {version}"


def restore_request(
    old: StoredPlan, base_version: int, author: str, comment: str = ""
) -> SaveRequest:
    """The save that restores ``old``: its content again, a draft on top of ``base_version``."""
    version = old.info.version
    return save_request(
        old.plan,
        base_version,
        author,
        restore_comment(version, comment),
        VersionStatus.DRAFT,
        restored_from=version,
    )


class AppendingStore(PlanStore):
    """A store whose saves and restores are appends of a checked ``SaveRequest``.

    ``save`` and ``restore`` are the same for every store; each store
    appends a request its own way (``_append``).
    """

    def _append(self, request: SaveRequest) -> VersionInfo:
        raise NotImplementedError

    def save(
        self,
        plan: Plan,
        *,
        base_version: int | None,
        author: str,
        comment: str = "",
        status: VersionStatus = VersionStatus.DRAFT,
    ) -> VersionInfo:
        return self._append(save_request(plan, base_version, author, comment, status))

    def restore(
        self, key: PlanKey, version: int, *, base_version: int, author: str, comment: str = ""
    ) -> VersionInfo:
        return self._append(restore_request(self.get(key, version), base_version, author, comment))


def sorted_summaries(summaries: list[PlanSummary]) -> tuple[PlanSummary, ...]:
    return tuple(sorted(summaries, key=lambda s: (s.key.match_name, s.key.fiscal_year)))
