"""A PlanStore in memory, for unit tests: the rules of ``budgets.store``, nothing kept on disk."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from datetime import datetime

from budgets.access import Role, User, clean_email
from budgets.store.model import (
    CONFIGURATION,
    NOTED_STEPS,
    REVIEW_STATUS,
    Actor,
    AppendingStore,
    AuditAction,
    AuditEntry,
    Clock,
    PlanKey,
    PlanNotFoundError,
    PlanSummary,
    SaveRequest,
    StoredPlan,
    VersionConflictError,
    VersionInfo,
    VersionNotFoundError,
    VersionStatus,
    actor,
    check_review_step,
    role_changes,
    sorted_summaries,
    stored_plan_content,
    utc_now,
)


@dataclass
class _MemoryPlan:
    """A plan's versions (record and JSON, version n at index n - 1) and its audit rows."""

    key: PlanKey
    versions: list[tuple[VersionInfo, str]] = field(default_factory=list)
    audit: list[AuditEntry] = field(default_factory=list)

    def info(self, version: int) -> VersionInfo:
        if not 1 <= version <= len(self.versions):
            raise VersionNotFoundError(self.key, version, len(self.versions))
        info = self.versions[version - 1][0]
        steps = [entry for entry in self.audit if entry.version == version]
        submitted = [entry for entry in steps if entry.action is AuditAction.SUBMITTED]
        if submitted:
            info = replace(
                info, submitted_by=submitted[-1].actor_name, submitted_at=submitted[-1].at
            )
        reviews = [entry for entry in steps if entry.action in REVIEW_STATUS]
        if reviews:
            info = replace(info, status=REVIEW_STATUS[reviews[-1].action])
        noted = [entry for entry in steps if entry.action in NOTED_STEPS]
        if noted:
            info = replace(info, review_note=noted[-1].note)
        approvals = [entry for entry in steps if entry.action is AuditAction.APPROVED]
        if approvals:
            approval = approvals[0]
            info = replace(
                info,
                status=VersionStatus.APPROVED,
                approved_by=approval.actor_name,
                approved_by_email=approval.actor_email,
                approved_at=approval.at,
            )
        return info

    @property
    def approved_version(self) -> int | None:
        approved = [e.version for e in self.audit if e.action is AuditAction.APPROVED]
        return max((v for v in approved if v is not None), default=None)


class InMemoryPlanStore(AppendingStore):
    """A PlanStore in a dict, for unit tests: the same rules, nothing kept on disk."""

    def __init__(self, clock: Clock = utc_now) -> None:
        self._clock = clock
        self._plans: dict[tuple[str, int], _MemoryPlan] = {}
        self._roles: dict[str, set[Role]] = {}
        self._log_rows: list[AuditEntry] = []  # every row, in the order written
        self._lock = threading.Lock()

    def _find(self, key: PlanKey) -> _MemoryPlan:
        stored = self._plans.get((key.match_name, key.fiscal_year))
        if stored is None:
            raise PlanNotFoundError(key)
        return stored

    def _log(self, stored: _MemoryPlan, at: datetime, action: AuditAction, who: Actor,
             version: int, note: str) -> None:  # fmt: skip
        stored.audit.append(AuditEntry(at, action, who.email, who.name, stored.key, version, note))

    def _append(self, request: SaveRequest) -> VersionInfo:
        with self._lock:
            match = (request.key.match_name, request.key.fiscal_year)
            stored = self._plans.get(match)
            if request.base_version is None:
                if stored is not None:
                    raise VersionConflictError(stored.key, None, stored.info(len(stored.versions)))
                stored = _MemoryPlan(request.key)
            elif stored is None:
                raise PlanNotFoundError(request.key)
            else:
                latest = len(stored.versions)
                if request.base_version > latest:
                    raise VersionNotFoundError(stored.key, request.base_version, latest)
                if request.base_version != latest:
                    raise VersionConflictError(
                        stored.key, request.base_version, stored.info(latest)
                    )
                request.check_rights(stored.versions[latest - 1][1])
            now = self._clock()
            number = len(stored.versions) + 1
            info = VersionInfo(
                key=stored.key,
                version=number,
                status=VersionStatus.DRAFT,
                author=request.author.name,
                author_email=request.author.email,
                saved_at=now,
                comment=request.comment,
                based_on=request.base_version,
                restored_from=request.restored_from,
            )
            stored.versions.append((info, request.plan_json))
            for action in request.actions:
                self._log(stored, now, action, request.author, number, request.comment)
            self._plans[match] = stored
            return stored.info(number)

    def _review(
        self, key: PlanKey, version: int, by: User, action: AuditAction, note: str
    ) -> VersionInfo:
        who = actor(by)
        with self._lock:
            stored = self._find(key)
            check_review_step(stored.info(version), len(stored.versions), action, by)
            self._log(stored, self._clock(), action, who, version, note)
            return stored.info(version)

    def get(self, key: PlanKey, version: int | None = None) -> StoredPlan:
        with self._lock:
            stored = self._find(key)
            number = len(stored.versions) if version is None else version
            info = stored.info(number)
            plan_json = stored.versions[number - 1][1]
        return StoredPlan(info, stored_plan_content(info, plan_json, "memory"))

    def list(self) -> tuple[PlanSummary, ...]:
        with self._lock:
            summaries = [
                PlanSummary(stored.key, stored.info(len(stored.versions)), stored.approved_version)
                for stored in self._plans.values()
            ]
        return sorted_summaries(summaries)

    def history(self, key: PlanKey) -> tuple[VersionInfo, ...]:
        with self._lock:
            stored = self._find(key)
            return tuple(stored.info(n) for n in range(len(stored.versions), 0, -1))

    def audit(self, key: PlanKey | None = None) -> tuple[AuditEntry, ...]:
        with self._lock:
            if key is not None:
                return tuple(reversed(self._find(key).audit))
            return tuple(reversed(self._log_rows))

    def roles_of(self, email: str) -> frozenset[Role]:
        with self._lock:
            return frozenset(self._roles.get(email.strip().lower(), ()))

    def role_holders(self) -> dict[str, frozenset[Role]]:
        with self._lock:
            return {
                email: frozenset(roles) for email, roles in sorted(self._roles.items()) if roles
            }

    def _change_roles(self, email: str, changes: tuple[tuple[AuditAction, Role], ...],
                      who: Actor) -> None:  # fmt: skip
        now = self._clock()
        held = self._roles.setdefault(email, set())
        for action, role in changes:
            if action is AuditAction.ROLE_GRANTED:
                held.add(role)
            else:
                held.discard(role)
            self._log_rows.append(
                AuditEntry(now, action, who.email, who.name, note=role.label, subject=email)
            )

    def set_roles(self, email: str, roles: frozenset[Role], by: User) -> frozenset[Role]:
        email, who = clean_email(email), actor(by)
        with self._lock:
            held = frozenset(self._roles.get(email, ()))
            self._change_roles(email, role_changes(held, frozenset(roles), email, by), who)
            return frozenset(self._roles[email])

    def name_first_admins(self, emails: tuple[str, ...]) -> bool:
        addresses = [clean_email(email) for email in emails]
        with self._lock:
            if not addresses or any(Role.ADMIN in roles for roles in self._roles.values()):
                return False
            for email in addresses:
                self._change_roles(email, ((AuditAction.ROLE_GRANTED, Role.ADMIN),), CONFIGURATION)
            return True
