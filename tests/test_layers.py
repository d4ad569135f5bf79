"""The layers of CONTRIBUTING.md hold: no import runs upward, nor a foreign-key string.

Every module of every app is read as text (imports inside functions and under
TYPE_CHECKING count too), so a new arrow against the order fails here with its file and
line.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Lowest first; an app may import itself and those before it. config sits on top of all.
LAYERS = ["accounts", "core", "products", "backlog", "sprints", "changelog", "demo", "config"]


def _modules() -> list[Path]:
    return sorted(
        path
        for app in LAYERS
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts
    )


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.append((node.lineno, node.module))
    return found


def _layer(module: str) -> int | None:
    top = module.split(".")[0]
    return LAYERS.index(top) if top in LAYERS else None


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_import_runs_upward(path: Path) -> None:
    own = LAYERS.index(path.relative_to(ROOT).parts[0])
    upward = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for line, module in _imports(path)
        if (layer := _layer(module)) is not None and layer > own
    ]
    assert upward == []


FOREIGN_KEY_STRING = re.compile(r"""(?:ForeignKey|OneToOneField|ManyToManyField)\(\s*["'](\w+)\.""")


@pytest.mark.parametrize(
    "path", [p for p in _modules() if "models" in p.parts or p.name == "models.py"], ids=str
)
def test_no_foreign_key_names_a_higher_app(path: Path) -> None:
    own = LAYERS.index(path.relative_to(ROOT).parts[0])
    upward = [
        match[1]
        for match in FOREIGN_KEY_STRING.finditer(path.read_text())
        if match[1] in LAYERS and LAYERS.index(match[1]) > own
    ]
    assert upward == []


def test_the_layers_are_the_installed_apps_in_order() -> None:
    from django.conf import settings

    ours = [app for app in settings.INSTALLED_APPS if app in LAYERS]
    assert ours == LAYERS[:-1]


@pytest.mark.parametrize(
    "needle",
    ["on_record", '_meta.get_field("sprint")', "REFUSALS", "apps.get_model("],
)
def test_no_workaround_of_the_layers_is_left(needle: str) -> None:
    hits = [
        f"{path.relative_to(ROOT)}"
        for path in _modules()
        if needle in path.read_text() and path.name != "test_layers.py"
    ]
    assert hits == []
