"""The catalogue's fixed vocabularies, declared once: the labels, pictograms, the catalogue's
checks and the config's `counter_groups` are all keyed on these."""

from __future__ import annotations

from enum import StrEnum


class ServiceCategory(StrEnum):
    """The topic a service is listed under on the touchscreen."""

    CIVIL_STATUS = "civil_status"
    LOCAL_TAXES = "local_taxes"
    CONSTRUCTION = "construction"
    PROPERTY = "property"
    SOCIAL = "social"
    AGRICULTURE = "agriculture"
    TRADE_TOURISM = "trade_tourism"
    GENERAL = "general"


class CounterGroup(StrEnum):
    """The group of counters that serves a service; a ticket category names the groups it takes."""

    GRAO = "grao"
    TAXES = "taxes"
    CONSTRUCTION = "construction"
    PROPERTY = "property"
    SOCIAL = "social"
    AGRICULTURE = "agriculture"
    TRADE = "trade"
    GENERAL = "general"


class Speed(StrEnum):
    """How fast a service is done, each speed with its own fee and deadline."""

    REGULAR = "regular"
    FAST = "fast"
    EXPRESS = "express"
