"""Every catalogue category and counter group has a pictogram on the screens."""

from __future__ import annotations

from typing import Any

from kiosk.vocabulary import CounterGroup, ServiceCategory

pytest_plugins = ["tests.screens_fixtures"]


def test_every_category_and_counter_group_has_a_pictogram(kiosk_app: Any) -> None:
    # GIVEN Kivy set up by the app; WHEN the pictograms are read
    from screens.pictograms import DRAWINGS, GROUP_PICTOGRAMS

    # THEN each service category has its drawing, and each counter group a category's drawing
    assert set(ServiceCategory) <= set(DRAWINGS)
    assert set(GROUP_PICTOGRAMS) == set(CounterGroup)
    assert all(GROUP_PICTOGRAMS[g] in DRAWINGS for g in CounterGroup)
