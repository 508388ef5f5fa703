"""Our printer profiles (devices/data/profiles.yaml) added to python-escpos' capabilities database.

escpos looks every profile up by name in one dictionary, `escpos.capabilities.CAPABILITIES`,
read from its capabilities.json; its only way to extend it is `ESCPOS_CAPABILITIES_FILE`,
a whole replacement file. So the entries, written as escpos-printer-db writes its own
(`inherits` and what differs), are resolved against their parent and put into that
dictionary once, before the first printer object is made; a name escpos already has is
left as it is.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from typing import Any

import yaml
from escpos import capabilities


def _merged(parent: dict[str, Any], child: dict[str, Any]) -> dict[str, Any]:
    """`child` over `parent`, table by table, as escpos-printer-db resolves `inherits`."""
    out = dict(parent)
    for key, value in child.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merged(out[key], value)
        else:
            out[key] = value
    return out


@cache
def our_profiles() -> dict[str, dict[str, Any]]:
    """Our entries, each resolved against the profile it inherits from."""
    raw = yaml.safe_load(files("devices").joinpath("data/profiles.yaml").read_text("utf-8"))
    known: dict[str, dict[str, Any]] = dict(capabilities.CAPABILITIES["profiles"])
    resolved: dict[str, dict[str, Any]] = {}
    for name, entry in raw.items():
        entry = dict(entry)
        parent = entry.pop("inherits", "default")
        data = _merged(resolved.get(parent) or known[parent], entry)
        # the JSON database keys code pages and fonts by strings, as YAML may not
        data["codePages"] = {str(n): page for n, page in data["codePages"].items()}
        resolved[name] = data
    return resolved


@cache
def register() -> None:
    """Make our profiles known to escpos by name (`Dummy(profile="XP-58")`); once per process."""
    profiles = capabilities.CAPABILITIES["profiles"]
    for name, data in our_profiles().items():
        profiles.setdefault(name, data)


def profile_names() -> list[str]:
    """Every profile escpos can use, ours included."""
    register()
    return sorted(capabilities.CAPABILITIES["profiles"])
