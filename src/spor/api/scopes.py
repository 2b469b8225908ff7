"""What a token may do. A token carries a list of these; a request needs the scope its
endpoint names. ``cpr`` adds the full CPR number to children's records (and logs it)."""

from __future__ import annotations

REGISTRY_READ = "registry:read"
SCREENING_READ = "screening:read"
CONCERNS_READ = "concerns:read"
CONCERNS_WRITE = "concerns:write"
CASES_READ = "cases:read"
CASES_WRITE = "cases:write"
CATALOGUE_READ = "catalogue:read"
MEASUREMENT_READ = "measurement:read"
EVALUATION_READ = "evaluation:read"
CPR = "cpr"

SCOPES: dict[str, str] = {
    REGISTRY_READ: "Læse institutioner, grupper og børn (uden CPR-nummer)",
    SCREENING_READ: "Læse trivselsrunder og børns fælles trivselsvurderinger",
    CONCERNS_READ: "Læse bekymringer",
    CONCERNS_WRITE: "Oprette og ændre bekymringer",
    CASES_READ: "Læse forløb og iværksatte indsatser",
    CASES_WRITE: "Ændre iværksatte indsatser (datoer, status og timer)",
    CATALOGUE_READ: "Læse indsatsviften",
    MEASUREMENT_READ: "Læse SDQ-resultater (scorer, ikke spørgsmålenes ordlyd)",
    EVALUATION_READ: "Læse evalueringens samlede tal (uden børn)",
    CPR: "Se børns fulde CPR-nummer (hvert opslag logges)",
}

# A PPR-leder logged in to the screens may use the API with every scope but the full CPR
# number, which the screens show only behind a button.
SESSION_SCOPES = frozenset(SCOPES) - {CPR}
