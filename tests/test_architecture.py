"""The arrows of docs/architecture.md, read from the source: every import of every module, those inside functions
too (an import deferred into a function still makes the two modules one)."""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import REPO

PACKAGES = ("contentserver", "sync")
LIBRARY_MAY_IMPORT = {"contentserver.db", "contentserver.models", "contentserver.errors"}
# The request's world; only the views may reach for it, and i18n's locale selector, which Flask-Babel calls per request.
REQUEST_STATE = {"current_app", "request", "g", "session"}
MAY_REACH_FOR_THE_REQUEST = ("contentserver.views", "contentserver.hub.views", "contentserver.i18n")


def _modules() -> dict[str, tuple[Path, bool]]:
    """Dotted module name -> (file, whether it is a package's __init__)."""
    found = {}
    for package in PACKAGES:
        for path in (REPO / package).rglob("*.py"):
            parts = list(path.relative_to(REPO).with_suffix("").parts)
            is_package = parts[-1] == "__init__"
            found[".".join(parts[:-1] if is_package else parts)] = (path, is_package)
    return found


MODULES = _modules()


def _targets(module: str, is_package: bool, node: ast.Import | ast.ImportFrom) -> list[str]:
    """The modules (ours or not) an import statement loads, by absolute dotted name."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:
        base = module.split(".")[: None if is_package else -1]
        base = base[: len(base) - (node.level - 1)]
        prefix = ".".join(base + ([node.module] if node.module else []))
    else:
        prefix = node.module or ""
    # `from pkg import name` loads pkg.name when that is a module, else pkg itself
    return [f"{prefix}.{alias.name}" if f"{prefix}.{alias.name}" in MODULES else prefix for alias in node.names]


def _imports() -> dict[str, set[str]]:
    """Module -> every name it imports anywhere in its file (ours resolved to the module, others as written)."""
    graph = {}
    for module, (path, is_package) in MODULES.items():
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names.update(_targets(module, is_package, node))
        graph[module] = names - {module}
    return graph


IMPORTS = _imports()


def _ours(name: str) -> str | None:
    """The module of ours that `name` is or lies in, None for the standard library and third parties."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _inside(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def test_the_walk_sees_imports_inside_functions():
    # contentserver.cli_sync's gc verb imports the lock where it is used; the walk must see it
    assert "contentserver.library.gc" in IMPORTS["contentserver.cli_sync"]
    assert len(MODULES) > 100


def test_every_relative_import_names_a_module_of_ours():
    """(So a moved file whose imports were not updated is caught here too, not only when it is first imported.)"""
    unresolved = []
    for module, (path, is_package) in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.ImportFrom) and node.level:
                unresolved += [(module, name) for name in _targets(module, is_package, node) if name not in MODULES]
    assert unresolved == []


def test_contentserver_never_imports_sync():
    found = [
        (module, name)
        for module, names in IMPORTS.items()
        if _inside(module, "contentserver")
        for name in names
        if _inside(name, "sync")
    ]
    assert found == []


def test_the_library_imports_nothing_above_it():
    found = []
    for module, names in IMPORTS.items():
        if not _inside(module, "contentserver.library"):
            continue
        for name in names:
            ours = _ours(name)
            if ours and not _inside(ours, "contentserver.library") and ours not in LIBRARY_MAY_IMPORT:
                found.append((module, ours))
    assert found == []


WEB_AND_COMMAND_LINE = (
    "contentserver.web",
    "contentserver.views",
    "contentserver.hub.views",
    "contentserver.cli",
    "contentserver.cli_base",
    "contentserver.cli_sync",
    "contentserver.cli_books",
    "contentserver.cli_kolibri",
    "contentserver.cli_poster",
    "contentserver.hub.cli",
)
# contentserver/__init__.py hands out create_app lazily; serving.py is waitress's front of the web app
MAY_IMPORT_THE_WEB = (*WEB_AND_COMMAND_LINE, "contentserver.serving")


def test_nothing_below_the_web_layer_and_the_command_line_imports_them():
    found = [
        (module, ours)
        for module, names in IMPORTS.items()
        if module != "contentserver" and not any(_inside(module, top) for top in MAY_IMPORT_THE_WEB)
        for ours in map(_ours, names)
        if ours and any(_inside(ours, top) for top in WEB_AND_COMMAND_LINE)
    ]
    assert found == []


def test_nothing_below_the_views_reaches_for_the_app_or_the_request():
    found = []
    for module, (path, _is_package) in MODULES.items():
        if any(_inside(module, allowed) for allowed in MAY_REACH_FOR_THE_REQUEST):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.ImportFrom) and node.module == "flask":
                found += [(module, alias.name) for alias in node.names if alias.name in REQUEST_STATE]
            elif isinstance(node, ast.Attribute) and node.attr in REQUEST_STATE and _names_flask(node.value):
                found.append((module, node.attr))
    assert found == []


def _names_flask(node: ast.expr) -> bool:
    return isinstance(node, ast.Name) and node.id == "flask"


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles_between_modules():
    ours = {module: {m for m in map(_ours, names) if m and m != module} for module, names in IMPORTS.items()}
    assert _cycles(ours) == []


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
