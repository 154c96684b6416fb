"""The house's floors (docs/ARCHITECTURE.md, "Floors"): dependencies run one way."""

from __future__ import annotations

import ast
from collections import defaultdict

from service.settings import ROOT

SERVICE = ROOT / "service"
TOP_FLOOR = {"app", "cli", "runtime", "__main__"}


def _imports() -> dict[str, set[tuple[str, str]]]:
    """Each room of service/ (a package, or a top-level module) -> (file, room) it imports."""
    found: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for path in SERVICE.rglob("*.py"):
        room = path.relative_to(SERVICE).parts[0].removesuffix(".py")
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                parts = name.split(".")
                if parts[0] == "service" and len(parts) > 1 and parts[1] != room:
                    found[room].add((str(path.relative_to(ROOT)), parts[1]))
    return found


def test_no_two_rooms_import_each_other():
    imports = _imports()
    rooms = {room: {target for _, target in targets} for room, targets in imports.items()}
    both_ways = sorted({tuple(sorted((a, b))) for a in rooms for b in rooms[a] if a in rooms.get(b, set())})
    assert both_ways == [], both_ways


def _arrows_into(targets: set[str], exempt: set[str]) -> list[tuple[str, str]]:
    """The imports of `targets` by rooms other than `exempt`: (file, room imported)."""
    return sorted(
        (path, target)
        for room, arrows in _imports().items()
        if room not in exempt
        for path, target in arrows
        if target in targets
    )


def test_nothing_below_the_top_floor_imports_it():
    assert _arrows_into(TOP_FLOOR, TOP_FLOOR) == []


def test_no_domain_imports_the_pages():
    assert _arrows_into({"pages"}, TOP_FLOOR | {"pages"}) == []


def test_the_import_reader_sees_the_imports_it_checks():
    # the checks above would pass vacuously on a reader that found nothing
    imports = _imports()
    assert ("service/app.py", "proofs") in imports["app"]
    assert ("service/proofs/methods/manual.py", "core") in imports["proofs"]


def test_no_function_of_the_service_is_longer_than_a_screen():
    long = []
    for path in SERVICE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.end_lineno - node.lineno >= 60:
                long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}")
    assert long == [], long


def test_no_file_of_the_service_or_its_scripts_is_longer_than_500_lines():
    sources = [*SERVICE.rglob("*.py"), *(ROOT / "front" / "src").rglob("*.js")]
    long = [f"{path.relative_to(ROOT)}: {n}" for path in sources if (n := len(path.read_text().splitlines())) > 500]
    assert long == [], long


def test_the_pages_call_services_never_repositories_or_controllers():
    reached = sorted(
        (str(path.relative_to(ROOT)), node.module)
        for path in (SERVICE / "pages").rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.ImportFrom)
        and node.module
        and node.module.startswith("service.")
        and node.module.rsplit(".", 1)[-1] in ("repository", "controller", "sites_controller")
    )
    # `from service.x import repository` names the module in the import's names
    reached += sorted(
        (str(path.relative_to(ROOT)), f"{node.module}.{alias.name}")
        for path in (SERVICE / "pages").rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("service.")
        for alias in node.names
        if alias.name in ("repository", "controller", "sites_controller")
    )
    assert reached == [], reached
