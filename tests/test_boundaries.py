"""The import contracts in pyproject.toml cover every module of kiosk/.

`lint-imports` (in `make lint` and `make test`) checks the imports against the contracts;
these tests check the contracts themselves: a module left out of the layers would be
checked by nothing, and the domain is named twice (its layer, its forbidden libraries).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
CONTRACTS = {
    contract["id"]: contract for contract in PYPROJECT["tool"]["importlinter"]["contracts"]
}


def layer_modules(layer: str) -> set[str]:
    return {name.strip() for name in re.split(r"[:|]", layer) if name.strip()}


def kiosk_modules() -> set[str]:
    modules = set()
    for path in (ROOT / "kiosk").rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        modules.add(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return modules


def test_every_kiosk_module_is_in_a_layer() -> None:
    layers = [layer_modules(layer) for layer in CONTRACTS["layers"]["layers"]]
    named = set().union(*layers)

    def layers_of(module: str) -> int:
        return sum(
            any(module == name or module.startswith(f"{name}.") for name in layer)
            for layer in layers
        )

    # A package that only holds layers (kiosk, kiosk.reports) is in none itself.
    holders = {
        module for module in kiosk_modules() for name in named if name.startswith(f"{module}.")
    }
    unplaced = sorted(m for m in kiosk_modules() - holders if layers_of(m) != 1)
    assert unplaced == [], "add each to one layer of [tool.importlinter] 'layers' in pyproject.toml"


def test_layers_name_only_modules_that_exist() -> None:
    packages = kiosk_modules() | {"screens", "devices", "sync", "central_web"}
    named = set().union(*(layer_modules(layer) for layer in CONTRACTS["layers"]["layers"]))
    assert sorted(named - packages) == []


def test_the_forbidden_libraries_apply_to_the_whole_domain_layer() -> None:
    domain = layer_modules(CONTRACTS["layers"]["layers"][-1])
    assert set(CONTRACTS["domain-libraries"]["source_modules"]) == domain
