"""Imports go the way docs/architecture.md draws them, and no function grows past a screen.

The imports of every module of the `continuite` package are read with `ast`, not by importing
it: top-level imports, imports inside functions (a lazy import hides a dependency as well as a
cycle), `from . import x` and other relative imports resolved to absolute module names,
imports under `if TYPE_CHECKING:` (a type is a dependency too), and modules or models reached by
a constant name (`import_string("continuite.dashboard...")`, `apps.get_model("dashboard", ...)`),
so a rule cannot be dodged by spelling the import as a string. A name held in data (the composer
path a message stores) is a registry, not an import, and is not read.

Direction rules (DESIGN.md, "Dependencies point down"), from the layers of `LAYERS`:
- no pillar (appointments, cases, protocol, outreach) imports `dashboard`, the read side;
- `appointments` and `cases` import neither `protocol` nor `outreach`;
- `service_points`, `notifications`, `accounts` and `core` import no pillar;
- and the foundations keep their order: `service_points` above `accounts` and `notifications`,
  above `core`, which imports no other app.

Cycle rule: the modules of one app import each other without a cycle. An import inside a
function is the usual way a cycle hides (`services` lazily importing `tasks`, which imports
`services`); break it as the design says: tasks import services, never the reverse.

What is excluded, and why:
- `migrations/` directories: a migration is frozen history; it names other apps' migrations in
  its dependencies and may import what the code was when it was written.
- the fixtures of the test directories (`factories.py`, `*_factories.py`, `conftest.py`), as
  importers and as imported: a lower app's test may build the world it runs in with a higher
  app's factories (an agent with a role to log in) without the lower app depending on that app.
  Otherwise the tests obey the direction rules: a test of `core` that drives the pillars' pages
  and forms tests the whole project and belongs in `tests_security/`.
- project-level modules outside the apps (`settings.py`, `urls.py`, `celery.py`,
  `tests_security/`, `tests_browser/`...): they assemble every app, so they import all of them.

Each offence is printed as `file:line module` so the failure says where to look.
"""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import continuite

PACKAGE_ROOT = Path(continuite.__file__).resolve().parent
PACKAGE = "continuite"

# DESIGN.md's layers, lowest first: an app imports its own layer or lower ones, never higher.
LAYERS = (
    ("core",),
    ("accounts", "notifications"),
    ("service_points",),
    ("appointments", "cases"),
    ("protocol", "outreach"),
    ("dashboard",),
)
PILLARS = frozenset({"appointments", "cases", "protocol", "outreach"})
FOUNDATIONS = frozenset({"service_points", "notifications", "accounts", "core"})


def _reason(importer: str, imported: str) -> str:
    if importer in PILLARS and imported == "dashboard":
        return "a pillar never imports the read side"
    if importer in FOUNDATIONS and imported in PILLARS:
        return "a foundation never imports a pillar"
    if importer in ("appointments", "cases") and imported in ("protocol", "outreach"):
        return "protocol and outreach call it, never the reverse"
    return "imports point down the layers, never up"


def forbidden_by(layers: tuple[tuple[str, ...], ...]) -> dict[str, dict[str, str]]:
    """App -> the apps it must never import (those of a higher layer), with the reason."""
    level = {app: index for index, layer in enumerate(layers) for app in layer}
    return {
        importer: {
            imported: _reason(importer, imported)
            for imported in level
            if level[imported] > level[importer]
        }
        for importer in level
    }


FORBIDDEN = forbidden_by(LAYERS)

TEST_FIXTURES = ("factories.py", "conftest.py")  # `campaign_factories.py` is one too

# A function may be this long, from its `def` to its last line, docstring excluded: one screen.
MAX_FUNCTION_LINES = 60


@dataclass(frozen=True)
class Import:
    """One import statement's target, where it is written and whether a function hides it."""

    path: Path
    where: str
    line: int
    source: str
    target: str
    in_function: bool
    by_name: bool = False

    def __str__(self) -> str:
        lazy = " (inside a function)" if self.in_function else ""
        named = " (by name)" if self.by_name else ""
        return f"{self.where}:{self.line} {self.target}{lazy}{named}"


@dataclass(frozen=True)
class Module:
    """A Python file of the package, with its dotted name."""

    path: Path
    name: str
    where: str

    @property
    def is_package(self) -> bool:
        return self.path.name == "__init__.py"


def modules_of(root: Path, package: str) -> list[Module]:
    """Every Python file under `root`, named as `package` would import it."""
    found = []
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        where = str(path.relative_to(root.parent))
        found.append(Module(path=path, name=".".join([package, *parts]), where=where))
    return found


def _absolute_base(module: Module, node: ast.ImportFrom) -> str:
    """The module a `from ... import` statement reads from, relative levels resolved."""
    if not node.level:
        return node.module or ""
    package = module.name if module.is_package else module.name.rpartition(".")[0]
    for _ in range(node.level - 1):
        package = package.rpartition(".")[0]
    return f"{package}.{node.module}" if node.module else package


class _ImportCollector(ast.NodeVisitor):
    """Collects a module's imports, noting those written inside a function."""

    def __init__(self, module: Module, known: set[str]):
        self.module = module
        self.known = known
        self.depth = 0
        self.found: list[Import] = []

    def _inside_function(self, node: ast.AST) -> None:
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _inside_function

    def _add(self, node: ast.stmt | ast.Call, target: str, *, by_name: bool = False) -> None:
        self.found.append(
            Import(
                path=self.module.path,
                where=self.module.where,
                line=node.lineno,
                source=self.module.name,
                target=target,
                in_function=self.depth > 0,
                by_name=by_name,
            )
        )

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(node, alias.name)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = _absolute_base(self.module, node)
        for alias in node.names:
            # `from package import submodule` depends on the submodule, not only the package.
            submodule = f"{base}.{alias.name}"
            self._add(node, submodule if submodule in self.known else base)

    def visit_Call(self, node: ast.Call) -> None:
        # A module or model reached by a constant name is as much a dependency as an import:
        # `import_string("continuite.dashboard.access.scope")`, `apps.get_model("dashboard", "X")`.
        target = self._named_target(node)
        if target:
            self._add(node, target, by_name=True)
        self.generic_visit(node)

    def _named_target(self, node: ast.Call) -> str | None:
        function = node.func
        called = (
            function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", "")
        )
        texts = [
            arg.value
            for arg in node.args
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str)
        ]
        if not texts:
            return None
        if called in ("import_module", "import_string", "__import__"):
            prefixes = [
                ".".join(texts[0].split(".")[:n]) for n in range(texts[0].count(".") + 1, 0, -1)
            ]
            return next((name for name in prefixes if name in self.known), texts[0])
        if called == "get_model":
            package = self.module.name.partition(".")[0]
            return f"{package}.{texts[0].partition('.')[0]}.models"
        return None


def imports_of(modules: list[Module]) -> list[Import]:
    """Every import statement of these modules, targets resolved to absolute names."""
    known = {module.name for module in modules}
    found: dict[Import, None] = {}  # one line per statement and target, in reading order
    for module in modules:
        collector = _ImportCollector(module, known)
        collector.visit(ast.parse(module.path.read_text(encoding="utf-8"), str(module.path)))
        found.update(dict.fromkeys(collector.found))
    return list(found)


def app_of(name: str, package: str, apps: set[str]) -> str | None:
    """The app a dotted module name belongs to, or None outside the apps."""
    parts = name.split(".")
    if len(parts) > 1 and parts[0] == package and parts[1] in apps:
        return parts[1]
    return None


def apps_under(root: Path) -> set[str]:
    """The Django apps of the package: the directories with an `apps.py`."""
    return {path.parent.name for path in root.glob("*/apps.py")}


def _is_excluded(module_name: str, path: Path) -> bool:
    parts = module_name.split(".")
    return "migrations" in parts or ("tests" in parts and path.name.endswith(TEST_FIXTURES))


def _is_test_fixture(module_name: str) -> bool:
    parts = module_name.split(".")
    return "tests" in parts and f"{parts[-1]}.py".endswith(TEST_FIXTURES)


def direction_offences(root: Path, package: str, forbidden: dict) -> list[str]:
    """Each import that goes against the design, as `file:line module: reason`."""
    apps = apps_under(root)
    offences = []
    for found in imports_of(modules_of(root, package)):
        if _is_excluded(found.source, found.path) or _is_test_fixture(found.target):
            continue
        importer = app_of(found.source, package, apps)
        imported = app_of(found.target, package, apps)
        reason = forbidden.get(importer, {}).get(imported)
        if reason:
            offences.append(f"{found} ({importer} -> {imported}: {reason})")
    return offences


def _strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm: the groups of modules that all reach each other."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for neighbour in sorted(graph.get(node, ())):
            if neighbour not in index:
                visit(neighbour)
                low[node] = min(low[node], low[neighbour])
            elif neighbour in on_stack:
                low[node] = min(low[node], index[neighbour])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def cycle_offences(root: Path, package: str) -> list[str]:
    """Each import that closes a cycle between modules of one app, as `file:line module`."""
    apps = apps_under(root)
    edges = [
        found
        for found in imports_of(modules_of(root, package))
        if not _is_excluded(found.source, found.path)
        and found.source != found.target
        and app_of(found.source, package, apps) is not None
        and app_of(found.source, package, apps) == app_of(found.target, package, apps)
        # Importing one's own package (its __init__) is not a cycle worth a rule.
        and not found.source.startswith(found.target + ".")
    ]
    graph: dict[str, set[str]] = {}
    for edge in edges:
        graph.setdefault(edge.source, set()).add(edge.target)
    offences = []
    for group in _strongly_connected(graph):
        if len(group) < 2:
            continue
        members = set(group)
        cycle = ", ".join(group)
        offences.extend(
            f"{edge} (cycle between {cycle})"
            for edge in edges
            if edge.source in members and edge.target in members
        )
    return offences


def _docstring_lines(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    first = node.body[0]
    if (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    ):
        return first.end_lineno - first.lineno + 1
    return 0


def _is_test_or_migration(module_name: str) -> bool:
    return any(
        part in ("migrations", "tests", "conftest") or part.startswith(("tests_", "test_"))
        for part in module_name.split(".")
    )


def function_lengths(root: Path, package: str) -> Iterator[tuple[int, str]]:
    """(lines, `file:line name`) of every function outside migrations and tests.

    A function is measured from its `def` to its last line, its docstring excluded; a nested
    function counts in its parent's length and is measured on its own as well.
    """
    for module in modules_of(root, package):
        if _is_test_or_migration(module.name):
            continue
        tree = ast.parse(module.path.read_text(encoding="utf-8"), str(module.path))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1 - _docstring_lines(node)
                yield lines, f"{module.where}:{node.lineno} {node.name}"


def too_long_functions(root: Path, package: str, limit: int) -> list[str]:
    """The functions longer than `limit` lines, longest first, as `lines file:line name`."""
    lengths = sorted(function_lengths(root, package), key=lambda item: (-item[0], item[1]))
    return [f"{lines:4d} {where}" for lines, where in lengths if lines > limit]


def _report(title: str, offences: list[str]) -> str:
    return f"{title} ({len(offences)}):\n" + "\n".join(f"  {line}" for line in offences)


# --- The project ----------------------------------------------------------------------------


def test_imports_go_the_way_the_design_draws_them():
    offences = direction_offences(PACKAGE_ROOT, PACKAGE, FORBIDDEN)
    assert not offences, _report("Imports against the design", offences)


def test_every_app_has_its_layer():
    # A new app placed nowhere would escape every direction rule.
    assert apps_under(PACKAGE_ROOT) == {app for layer in LAYERS for app in layer}


def test_no_app_has_an_import_cycle_between_its_modules():
    offences = cycle_offences(PACKAGE_ROOT, PACKAGE)
    assert not offences, _report("Imports that close a cycle", offences)


def test_no_function_is_longer_than_sixty_lines():
    offences = too_long_functions(PACKAGE_ROOT, PACKAGE, MAX_FUNCTION_LINES)
    assert not offences, _report(
        f"Functions over {MAX_FUNCTION_LINES} lines, docstring excluded; extract named steps",
        offences,
    )


# --- The checker, on a synthetic package, so the tests above cannot pass vacuously ----------


def _write_package(root: Path, files: dict[str, str]) -> Path:
    package = root / "synthetic"
    for relative, text in files.items():
        path = package / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    for directory in {package, *package.rglob("*")}:
        if directory.is_dir():
            (directory / "__init__.py").touch()
    return package


APPS = {f"{app}/apps.py": "" for app in ("core", "cases", "outreach", "dashboard", "protocol")}


def offences_in(tmp_path: Path, files: dict[str, str]) -> list[str]:
    """The direction offences of a synthetic package holding these files beside the apps."""
    return direction_offences(_write_package(tmp_path, {**APPS, **files}), "synthetic", FORBIDDEN)


def cycles_in(tmp_path: Path, files: dict[str, str]) -> list[str]:
    """The cycle offences of a synthetic package holding these files beside the apps."""
    return cycle_offences(_write_package(tmp_path, {**APPS, **files}), "synthetic")


def test_the_checker_finds_a_pillar_importing_the_read_side_even_inside_a_function(tmp_path):
    assert offences_in(
        tmp_path,
        {
            "dashboard/access.py": "def scope(): ...\n",
            "cases/views.py": """\
                def page():
                    from synthetic.dashboard.access import scope
                    return scope()
                """,
        },
    ) == [
        "synthetic/cases/views.py:2 synthetic.dashboard.access (inside a function) "
        "(cases -> dashboard: a pillar never imports the read side)"
    ]


def test_the_checker_resolves_relative_imports_and_names_the_submodule(tmp_path):
    assert offences_in(
        tmp_path,
        {
            "outreach/phones.py": "",
            "core/helpers.py": "from ..outreach import phones\n",
            "cases/deadlines.py": "from ..protocol.models import Closure\n",
            "protocol/models.py": "class Closure: ...\n",
        },
    ) == [
        "synthetic/cases/deadlines.py:1 synthetic.protocol.models "
        "(cases -> protocol: protocol and outreach call it, never the reverse)",
        "synthetic/core/helpers.py:1 synthetic.outreach.phones "
        "(core -> outreach: a foundation never imports a pillar)",
    ]


def test_the_checker_holds_the_foundations_to_their_layers(tmp_path):
    assert offences_in(
        tmp_path,
        {
            "service_points/apps.py": "",
            "service_points/models.py": "from synthetic.core import models\n",
            "core/models.py": "def scope():\n    from synthetic.service_points.models import X\n",
        },
    ) == [
        "synthetic/core/models.py:2 synthetic.service_points.models (inside a function) "
        "(core -> service_points: imports point down the layers, never up)"
    ]


def test_the_checker_lets_imports_go_down_and_skips_migrations_and_test_fixtures(tmp_path):
    assert offences_in(
        tmp_path,
        {
            "core/calendar.py": "",
            "outreach/ladder.py": "from synthetic.cases import models\nfrom ..core import calendar\n",
            "cases/models.py": "",
            "core/migrations/0002_data.py": "from synthetic.cases.models import *\n",
            "core/tests/factories.py": "from synthetic.outreach.ladder import *\n",
            "core/tests/test_calendar.py": (
                "from synthetic.outreach.tests.factories import PersonFactory\n"
                "import synthetic.outreach.ladder\n"
            ),
        },
    ) == [
        "synthetic/core/tests/test_calendar.py:2 synthetic.outreach.ladder "
        "(core -> outreach: a foundation never imports a pillar)"
    ]


def test_the_checker_finds_modules_and_models_reached_by_name(tmp_path):
    assert offences_in(
        tmp_path,
        {
            "dashboard/access.py": "def scope(): ...\n",
            "protocol/views.py": """\
                from django.apps import apps
                from django.utils.module_loading import import_string

                def page(registry):
                    scope = import_string("synthetic.dashboard.access.scope")
                    snapshot = apps.get_model("dashboard", "Snapshot")
                    return import_string(registry[0]), scope, snapshot
                """,
        },
    ) == [
        "synthetic/protocol/views.py:5 synthetic.dashboard.access (inside a function) (by name) "
        "(protocol -> dashboard: a pillar never imports the read side)",
        "synthetic/protocol/views.py:6 synthetic.dashboard.models (inside a function) (by name) "
        "(protocol -> dashboard: a pillar never imports the read side)",
    ]


def test_the_checker_finds_a_cycle_hidden_by_a_function_level_import(tmp_path):
    assert cycles_in(
        tmp_path,
        {
            "cases/services.py": """\
                def case_close():
                    from . import tasks
                    tasks.notify.delay()
                """,
            "cases/tasks.py": "from .services import case_close\n",
            "cases/views.py": "from .services import case_close\n",
        },
    ) == [
        "synthetic/cases/services.py:2 synthetic.cases.tasks (inside a function) "
        "(cycle between synthetic.cases.services, synthetic.cases.tasks)",
        "synthetic/cases/tasks.py:1 synthetic.cases.services "
        "(cycle between synthetic.cases.services, synthetic.cases.tasks)",
    ]


def test_the_checker_accepts_tasks_importing_services(tmp_path):
    assert (
        cycles_in(
            tmp_path,
            {
                "cases/services.py": "from synthetic.cases import models\n",
                "cases/models.py": "",
                "cases/tasks.py": "from .services import case_close\n",
            },
        )
        == []
    )


def test_the_checker_measures_functions_without_their_docstring(tmp_path):
    body = "\n".join(f"    x{i} = {i}" for i in range(60))
    package = _write_package(
        tmp_path,
        {
            "core/long.py": f'def long():\n    """Docstring."""\n{body}\n    return x0\n',
            "core/short.py": f'def short():\n    """One.\n\n    Two.\n    """\n{body}\n',
            "core/tests/test_long.py": f"def test_long():\n{body}\n{body}\n",
        },
    )
    assert too_long_functions(package, "synthetic", 61) == ["  62 synthetic/core/long.py:1 long"]
    assert too_long_functions(package, "synthetic", 60) == [
        "  62 synthetic/core/long.py:1 long",
        "  61 synthetic/core/short.py:1 short",
    ]
