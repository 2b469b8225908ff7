"""Which Spor role and profession a job function (stillingsbetegnelse) gives, and which
organisation unit types are institutions or groups. Pure: no Django. The PPR-leder adds
or overrides job functions per municipality (``JobFunctionMapping``); these are the
defaults when the municipality has said nothing."""

from __future__ import annotations

from spor.orgsync.parsing import fold

# Role and profession values as in spor.accounts.models.Role / Profession.
LEAD, PPR, EDUCATOR, HEALTH, SOCIAL = (
    "leder",
    "ppr",
    "paedagogisk",
    "sundhedsplejerske",
    "socialraadgiver",
)

# Job function as written → (role, profession).
DEFAULT_JOB_FUNCTION_NAMES: dict[str, tuple[str, str]] = {
    "PPR-leder": (LEAD, "leder"),
    "Leder af PPR": (LEAD, "leder"),
    "Psykolog": (PPR, "psykolog"),
    "Skolepsykolog": (PPR, "psykolog"),
    "Tale-hørekonsulent": (PPR, "tale_hoere"),
    "Talepædagog": (PPR, "tale_hoere"),
    "Logopæd": (PPR, "tale_hoere"),
    "Pædagogisk konsulent": (PPR, "paed_konsulent"),
    "Fysioterapeut": (PPR, "fysioterapeut"),
    "Ergoterapeut": (PPR, "fysioterapeut"),
    "Lærer": (EDUCATOR, "laerer"),
    "Folkeskolelærer": (EDUCATOR, "laerer"),
    "Børnehaveklasseleder": (EDUCATOR, "laerer"),
    "Pædagog": (EDUCATOR, "paedagog"),
    "Pædagogmedhjælper": (EDUCATOR, "paedagog"),
    "Pædagogisk assistent": (EDUCATOR, "paedagog"),
    "Dagplejer": (EDUCATOR, "paedagog"),
    "Sundhedsplejerske": (HEALTH, "sundhedsplejerske"),
    "Socialrådgiver": (SOCIAL, "socialraadgiver"),
}
DEFAULT_JOB_FUNCTIONS = {fold(name): value for name, value in DEFAULT_JOB_FUNCTION_NAMES.items()}

# When a person has several current engagements, the role that sees most wins.
ROLE_ORDER = [LEAD, PPR, SOCIAL, HEALTH, EDUCATOR]

# Unit types (folded) that are institutions, with the registry's Institution.Kind value.
INSTITUTION_TYPES = {
    "skole": "skole",
    "folkeskole": "skole",
    "specialskole": "specialtilbud",
    "specialtilbud": "specialtilbud",
    "daginstitution": "integreret",
    "integreret": "integreret",
    "integreretinstitution": "integreret",
    "aldersintegreret": "integreret",
    "vuggestue": "vuggestue",
    "boernehave": "boernehave",
    "dagpleje": "dagpleje",
    "sfo": "sfo",
    "fritidsordning": "sfo",
}
# Unit types that are a class or a room: matched to a group of the institution above.
GROUP_TYPES = {"klasse", "stue", "gruppe", "boernegruppe"}


def institution_kind(unit_type: str) -> str | None:
    return INSTITUTION_TYPES.get(fold(unit_type))


def is_group_type(unit_type: str) -> bool:
    return fold(unit_type) in GROUP_TYPES


def strongest(roles: list[tuple[str, str]]) -> tuple[str, str]:
    """The (role, profession) that sees most, of several."""
    return min(roles, key=lambda rp: ROLE_ORDER.index(rp[0]) if rp[0] in ROLE_ORDER else 99)
