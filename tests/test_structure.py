"""The layout rules the tree keeps: SQL only in repositories, the app uses the sandbox's
public surface only, modules stay small, and docs/architecture.md names real paths."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import sandbox
from tests.conftest import ROOT

APP = ROOT / "app"
MAX_LINES = 400
# A query built or sent: ``select(``, ``text(``, ``session.execute``; a method of that
# name (``problem.select(mode)``, ``path.read_text()``, ``def select(``) is not.
SQL = re.compile(r"(?<![\w.])(?<!def )(?:select|text)\(|session\.execute")


def _sources(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.py") if "migrations" not in p.relative_to(root).parts)


def test_sql_appears_only_in_repositories_and_migrations() -> None:
    offenders = [f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
                 for path in _sources(APP) if path.name != "repository.py"
                 for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                 if SQL.search(line)]
    assert offenders == []


def test_the_sql_guard_sees_a_query() -> None:
    assert SQL.search('session.execute(text("SELECT 1"))')
    assert SQL.search("rows = select(Job.id)")
    assert SQL.search("from x import y; q = text('SELECT 1')")
    assert not SQL.search("problem.select(mode)") and not SQL.search("path.read_text()")
    assert not SQL.search("    def select(self, mode: Mode) -> tuple[Case, ...]:")


def _sandbox_imports(path: Path) -> list[str]:
    """Every ``sandbox`` import in a file, as ``module:name`` (``module:*`` for a plain import)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "sandbox":
            found += [f"{node.module}:{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [f"{a.name}:*" for a in node.names if a.name.split(".")[0] == "sandbox"]
    return found


def test_app_imports_only_the_public_sandbox_surface() -> None:
    public = set(sandbox.__all__)
    offenders = [f"{path.relative_to(ROOT)}: {name}" for path in _sources(APP)
                 for name in _sandbox_imports(path)
                 if name.split(":")[0] != "sandbox" or name.split(":")[1] not in public]
    assert offenders == []


def test_the_public_sandbox_surface_exists() -> None:
    assert all(hasattr(sandbox, name) and not name.startswith("_") for name in sandbox.__all__)


def test_no_module_is_over_400_lines() -> None:
    long = {str(p.relative_to(ROOT)): n for root in (APP, ROOT / "sandbox") for p in _sources(root)
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}


def test_every_path_the_architecture_page_names_exists() -> None:
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`((?:app|sandbox|tests|bench|scripts|docs|problems|reference)/[^`\s]*)`",
                           page))
    assert len(named) >= 10, "the page should point at the modules to open"
    # ``app/<domain>/endpoints.py`` and ``app/*/repository.py`` must match at least one path.
    missing = sorted(p for p in named
                     if not any(ROOT.glob(re.sub(r"<\w+>", "*", p).rstrip("/"))))
    assert missing == []
