"""Dependencies go one way: rules engine <- back office <- Rasa adapters (actions, components)
and the staff dashboard.

Read from the source (every import statement, also those inside functions), so that a
shortcut such as the engine importing the database, or an action importing Rasa's own
server code, fails here and not in a review.
"""

import ast
from pathlib import Path

import pytest

from tests.common import ROOT

RASA = ("rasa", "rasa_sdk")
# Each package and the top-level modules its code must never import.
FORBIDDEN = {
    "bot/rules": ("bot.backoffice", "bot.staff", "actions", "components", "scripts", "sqlalchemy", "alembic", *RASA),
    # The languages' words: below the rules engine, which fills them in (only its YAML reader is shared).
    "bot/language": (
        *("bot.rules.advice", "bot.rules.knowledge", "bot.rules.dates", "bot.rules.entities", "bot.backoffice"),
        *("bot.staff", "actions", "components", "scripts", "sqlalchemy", "alembic", *RASA),
    ),
    "bot/backoffice": ("bot.staff", "actions", "components", "scripts", *RASA),
    # The dashboard reads the tracker store's tables itself: it runs without Rasa.
    "bot/staff": ("actions", "components", "scripts", *RASA),
    "actions": ("components", "scripts", "rasa"),  # rasa-sdk only: the action server runs without Rasa
    "components": ("actions", "scripts"),
}


def imported_modules(path: Path):
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module


def is_within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_package_imports_a_layer_above_it(package):
    files = sorted((ROOT / package).rglob("*.py"))
    assert files, package
    breaches = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path in files
        for module in imported_modules(path)
        if any(is_within(module, banned) for banned in FORBIDDEN[package])
    ]
    assert breaches == []


def test_the_check_sees_imports_inside_functions(tmp_path):
    """The rule test itself: a late import is an import too."""
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from bot.backoffice.db import make_engine\n    import rasa_sdk.events\n")
    assert list(imported_modules(sample)) == ["bot.backoffice.db", "rasa_sdk.events"]
    assert is_within("rasa_sdk.events", "rasa_sdk") and not is_within("rasa_sdk", "rasa")
