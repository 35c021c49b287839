"""Who may do what: the planner's roles, the rights they give, and the check every change makes.

Three people plan together and one keeps the door:

* the **marketing manager** edits the marketing plan (channels, spend, cost
  drivers, response curves) and applies the allocator's split;
* the **e-commerce manager** edits the P&L budget (drivers, fixed costs) and
  the targets;
* **finance** reviews: approves a submitted version or sends it back with
  changes requested;
* the **admin** assigns roles by e-mail address.

Both managers save versions, change the plan's settings and submit a version
for review; everyone with a role reads every page and downloads the workbook.
A user may hold several roles. The rights are checked where a change is made
(the session's edits, the plan store), not only by what a screen offers, and
a refusal names the role the action needs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from budgets.plan import Plan

EMAIL_MAX_LENGTH = 254


class Role(StrEnum):
    """A role a user holds, as the store keeps it."""

    MARKETING = "marketing"
    ECOMMERCE = "ecommerce"
    FINANCE = "finance"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.MARKETING: "marketing manager",
    Role.ECOMMERCE: "e-commerce manager",
    Role.FINANCE: "finance",
    Role.ADMIN: "admin",
}
EVERY_ROLE = frozenset(Role)


@dataclass(frozen=True)
class Right:
    """Something a user may do, and the roles any one of which allows it."""

    what: str  # completes "... needs the X role": "Editing the marketing plan"
    roles: frozenset[Role]

    def needs(self) -> str:
        """The roles it needs, in words: 'the marketing manager role'."""
        labels = [role.label for role in Role if role in self.roles]
        if len(labels) == 1:
            return f"the {labels[0]} role"
        return "the " + ", the ".join(labels[:-1]) + f" or the {labels[-1]} role"

    @property
    def rule(self) -> str:
        """The right as a sentence: 'Editing the targets needs the e-commerce manager role.'"""
        return f"{self.what} needs {self.needs()}."


PREPARERS = frozenset({Role.MARKETING, Role.ECOMMERCE})
EDIT_MARKETING = Right("Editing the marketing plan", frozenset({Role.MARKETING}))
EDIT_PNL = Right("Editing the P&L budget", frozenset({Role.ECOMMERCE}))
EDIT_TARGETS = Right("Editing the targets", frozenset({Role.ECOMMERCE}))
EDIT_SETTINGS = Right("Changing the plan's settings", PREPARERS)
SAVE = Right("Saving a version", PREPARERS)
SUBMIT = Right("Submitting a version for review", PREPARERS)
REVIEW = Right("Approving or sending back a version", frozenset({Role.FINANCE}))
ASSIGN_ROLES = Right("Assigning roles", frozenset({Role.ADMIN}))


def clean_email(value: object) -> str:
    """An e-mail address as the store keys it: trimmed and lower-cased.

    Raises:
        AccessError: not text, empty, longer than 254 characters, with spaces
            or control characters, or without one '@' between a name and a domain.
    """
    if not isinstance(value, str):
        raise AccessError(f"An e-mail address is text, not {value!r}.")
    email = value.strip().lower()
    local, at, domain = email.partition("@")
    if (
        not at
        or not local
        or not domain
        or "@" in domain
        or len(email) > EMAIL_MAX_LENGTH
        or any(ch.isspace() or not ch.isprintable() for ch in email)
    ):
        raise AccessError(f"'{value}' is not an e-mail address (such as ana@example.com).")
    return email


@dataclass(frozen=True)
class User:
    """Who acts: an e-mail address (the identity), a name to show, the roles held."""

    email: str
    name: str
    roles: frozenset[Role] = frozenset()

    @property
    def label(self) -> str:
        return person_label(self.name, self.email)

    def may(self, right: Right) -> bool:
        return bool(self.roles & right.roles)

    def roles_text(self) -> str:
        return roles_text(self.roles)


def roles_text(roles: Iterable[Role]) -> str:
    """Roles in words, in the order of ``Role``: 'marketing manager, finance', or 'no role'."""
    held = set(roles)
    return ", ".join(role.label for role in Role if role in held) or "no role"


def person_label(name: str, email: str) -> str:
    """'Ana Ortiz (ana@example.com)'; the name alone without an address, the address alone
    when it is the name."""
    if not email or email == name:
        return name or email
    return f"{name} ({email})" if name else email


class AccessError(PermissionError):
    """An action the acting user may not take; the message says which role it needs."""


def refusal(user: User, right: Right) -> str:
    """Why ``user`` may not do it: 'Editing the P&L budget needs the e-commerce manager
    role; ana@example.com holds: marketing manager.'"""
    return f"{right.what} needs {right.needs()}; {user.label} holds: {user.roles_text()}."


def require(user: User, right: Right) -> None:
    """Raises:
    AccessError: ``user`` holds none of the roles ``right`` needs."""
    if not user.may(right):
        raise AccessError(refusal(user, right))


PART_RIGHTS = {"marketing": EDIT_MARKETING, "pnl": EDIT_PNL, "targets": EDIT_TARGETS}
SETTINGS = ("name", "fiscal_year", "first_month", "currency")


def _rights_of_parts(changed: Iterable[str]) -> tuple[Right, ...]:
    parts = set(changed)
    needed = [right for part, right in PART_RIGHTS.items() if part in parts]
    if parts & set(SETTINGS):
        needed.append(EDIT_SETTINGS)
    return tuple(needed)


def rights_to_change(old: Plan, new: Plan) -> tuple[Right, ...]:
    """The rights an edit from ``old`` to ``new`` needs, by the parts of the plan it changes."""
    parts = (*PART_RIGHTS, *SETTINGS)
    return _rights_of_parts(part for part in parts if getattr(old, part) != getattr(new, part))


def rights_to_change_data(old: Mapping[str, Any], new: Mapping[str, Any]) -> tuple[Right, ...]:
    """``rights_to_change`` for two plans as their JSON data (as the store keeps them)."""
    parts = (*PART_RIGHTS, *SETTINGS)
    return _rights_of_parts(part for part in parts if old.get(part) != new.get(part))


def require_rights(user: User, rights: Iterable[Right]) -> None:
    """Raises:
    AccessError: ``user`` lacks one of ``rights``; the message names each and its role."""
    refused = [right for right in rights if not user.may(right)]
    if refused:
        needs = "; ".join(f"{right.what} needs {right.needs()}" for right in refused)
        raise AccessError(f"{needs}. {user.label} holds: {user.roles_text()}.")


def require_change(user: User, old: Plan, new: Plan) -> None:
    """Raises:
    AccessError: the edit changes a part of the plan ``user`` may not edit; the
        message names each part and the role it needs."""
    require_rights(user, rights_to_change(old, new))


def roles_from(values: Iterable[str]) -> frozenset[Role]:
    """Roles from their stored names; names this release does not know are ignored."""
    known = {role.value: role for role in Role}
    return frozenset(known[value] for value in values if value in known)
