"""The protocol's jobs import its services, never the reverse (no import hidden in a function)."""

import ast
from pathlib import Path

PROTOCOL = Path(__file__).resolve().parent.parent


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, wherever the import statement stands, made absolute."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = "continuite.protocol." if node.level else ""
            found.add(base + (node.module or ""))
    return found


def test_the_services_never_import_the_jobs():
    for name in ("rehoming.py", "services.py", "views_closure.py"):
        assert "continuite.protocol.tasks" not in imported_modules(PROTOCOL / name), name
    assert "continuite.protocol.rehoming" in imported_modules(PROTOCOL / "tasks.py")
