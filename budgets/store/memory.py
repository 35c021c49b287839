"""A PlanStore in memory, for unit tests: the rules of ``budgets.store``, nothing kept on disk."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from datetime import datetime

from budgets.store.model import (
    AppendingStore,
    ApprovedVersionError,
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
    clean_name,
    sorted_summaries,
    stored_plan_content,
    utc_now,
)


@dataclass
class _MemoryPlan:
    """A plan's versions (record and JSON, version n at index n - 1) and its approvals."""

    key: PlanKey
    versions: list[tuple[VersionInfo, str]] = field(default_factory=list)
    approvals: dict[int, tuple[str, datetime]] = field(default_factory=dict)

    def info(self, version: int) -> VersionInfo:
        if not 1 <= version <= len(self.versions):
            raise VersionNotFoundError(self.key, version, len(self.versions))
        info = self.versions[version - 1][0]
        if version in self.approvals:
            by, at = self.approvals[version]
            return replace(info, status=VersionStatus.APPROVED, approved_by=by, approved_at=at)
        return info


class InMemoryPlanStore(AppendingStore):
    """A PlanStore in a dict, for unit tests: the same rules, nothing kept on disk."""

    def __init__(self, clock: Clock = utc_now) -> None:
        self._clock = clock
        self._plans: dict[tuple[str, int], _MemoryPlan] = {}
        self._lock = threading.Lock()

    def _find(self, key: PlanKey) -> _MemoryPlan:
        stored = self._plans.get((key.match_name, key.fiscal_year))
        if stored is None:
            raise PlanNotFoundError(key)
        return stored

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
            info = VersionInfo(
                key=stored.key,
                version=len(stored.versions) + 1,
                status=request.status,
                author=request.author,
                saved_at=self._clock(),
                comment=request.comment,
                based_on=request.base_version,
                restored_from=request.restored_from,
            )
            stored.versions.append((info, request.plan_json))
            self._plans[match] = stored
            return info

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
                PlanSummary(
                    stored.key,
                    stored.info(len(stored.versions)),
                    max(stored.approvals, default=None),
                )
                for stored in self._plans.values()
            ]
        return sorted_summaries(summaries)

    def history(self, key: PlanKey) -> tuple[VersionInfo, ...]:
        with self._lock:
            stored = self._find(key)
            return tuple(stored.info(n) for n in range(len(stored.versions), 0, -1))

    def approve(self, key: PlanKey, version: int, approver: str) -> VersionInfo:
        approver = clean_name(approver, "Approver")
        with self._lock:
            stored = self._find(key)
            info = stored.info(version)
            if info.is_approved:
                raise ApprovedVersionError(info)
            stored.approvals[version] = (approver, self._clock())
            return stored.info(version)
