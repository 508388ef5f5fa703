"""The installed program's version, as the admin page and the OpenAPI schema show it."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _package_version


def version() -> str:
    try:
        return _package_version("obshtina-kiosk")
    except PackageNotFoundError:
        return "dev"
