"""Every ``SPOR_*`` variable Spor reads from the environment is in the settings table of
docs/deployment.md (issue 19): a setting added in src/ without a line there fails here."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "spor"
TABLE = ROOT / "docs" / "deployment.md"
NAME = re.compile(r"SPOR_[A-Z0-9_]+")


def _settings_only(tree: ast.AST) -> set[str]:
    """Names only asked of Django's settings (``getattr(settings, "SPOR_X")``): not variables."""
    found = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "getattr"
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
        ):
            found.add(str(node.args[1].value))
    return found


def environment_names() -> set[str]:
    """``SPOR_*`` string literals in src/ (a prefix such as ``SPOR_OIDC_CLIENT_SECRET_``
    included), less Django setting names asked by ``getattr``; comments and docs not."""
    literals: set[str] = set()
    asked: set[str] = set()
    for path in SRC.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        asked |= _settings_only(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                literals.add(node.value)
    env_reads = set()
    for path in SRC.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        env_reads |= set(
            re.findall(r"""(?:env|env_bool|environ\.get|getenv)\(\s*["'](SPOR_\w+)""", text)
        )
    return ({n for n in literals if NAME.fullmatch(n)} - asked) | env_reads


def documented() -> list[str]:
    return [
        line
        for line in TABLE.read_text(encoding="utf-8").splitlines()
        if line.startswith("| `SPOR_")
    ]


def missing_from_table(names: set[str]) -> list[str]:
    rows = "\n".join(documented())
    return sorted(n for n in names if f"`{n}" not in rows)


def test_every_spor_variable_read_in_src_is_in_the_settings_table() -> None:
    names = environment_names()
    assert {"SPOR_ENV", "SPOR_DEBUG", "SPOR_PG_BIN", "SPOR_OIDC_CLIENT_SECRET_"} <= names
    missing = missing_from_table(names)
    assert not missing, f"not in docs/deployment.md's table 'Every setting': {missing}"


def test_the_scan_reports_a_name_the_table_lacks_and_skips_django_setting_names() -> None:
    assert missing_from_table({"SPOR_NOT_A_SETTING", "SPOR_ENV"}) == ["SPOR_NOT_A_SETTING"]
    names = environment_names()
    assert "SPOR_DATABASE_APP_ROLE" not in names  # getattr(settings, …): not a variable
    assert "SPOR_WORKER_JOBS" not in names  # a Django setting, named only in messages


def test_the_readme_layout_names_every_package() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    layout = readme[readme.index("## Layout") :]
    packages = sorted(p.parent.name for p in SRC.glob("*/__init__.py"))
    assert "tenancy" in packages and "lib" in packages
    missing = [name for name in packages if f"  {name}/" not in layout]
    assert not missing, f"README.md's layout lacks {missing}"
