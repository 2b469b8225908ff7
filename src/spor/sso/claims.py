"""From a broker's claims to a Spor role: pure, no Django.

A person has one role per municipality in Spor. When the broker sends several values that
map to roles, the one that sees the most wins (a PPR-leder who is also in the teachers'
group is a leder), so that adding a group at the broker never takes access away.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Broadest first. The values are those of spor.accounts.models.Role.
ROLE_PRECEDENCE = ("leder", "ppr", "socialraadgiver", "sundhedsplejerske", "paedagogisk")


def claim_values(claims: Mapping[str, Any], name: str) -> list[str]:
    """A claim's values as strings: a list, one string, or a space/comma separated string.

    A dotted name reaches into nested objects, as Keycloak sends client roles
    (``resource_access.spor.roles``)."""
    value: Any = claims
    for part in name.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return []
        value = value[part]
    if isinstance(value, str):
        return [v for v in value.replace(",", " ").split() if v]
    if isinstance(value, list | tuple):
        return [str(v) for v in value if isinstance(v, str | int)]
    if isinstance(value, int | bool):
        return [str(value)]
    return []


def belongs_to_municipality(
    claims: Mapping[str, Any], municipality_claim: str, municipality_value: str
) -> bool:
    if not municipality_claim:
        return True
    return municipality_value in claim_values(claims, municipality_claim)


def mapped_role(claims: Mapping[str, Any], role_claim: str, role_map: Mapping[str, str]) -> str:
    """The Spor role the claims give, or "" when none of their values is mapped."""
    roles = {role_map[v] for v in claim_values(claims, role_claim) if v in role_map}
    return next((r for r in ROLE_PRECEDENCE if r in roles), "")
