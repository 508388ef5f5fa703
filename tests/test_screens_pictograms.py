"""Every catalogue category, counter group and rating reason has a pictogram on the screens."""

from __future__ import annotations

from typing import Any

import pytest

from kiosk.feedback import reasons_for
from kiosk.vocabulary import CounterGroup, FeedbackReason, ServiceCategory
from tests.screens_touch import shown

pytest_plugins = ["tests.screens_fixtures"]


def test_every_category_and_counter_group_has_a_pictogram(kiosk_app: Any) -> None:
    # GIVEN Kivy set up by the app; WHEN the pictograms are read
    from screens.pictograms import DRAWINGS, GROUP_PICTOGRAMS

    # THEN each service category has its drawing, and each counter group a category's drawing
    assert set(ServiceCategory) <= set(DRAWINGS)
    assert set(GROUP_PICTOGRAMS) == set(CounterGroup)
    assert all(GROUP_PICTOGRAMS[g] in DRAWINGS for g in CounterGroup)


def test_every_rating_reason_has_a_drawing_of_its_own(kiosk_app: Any) -> None:
    from screens.pictograms import DRAWINGS

    # GIVEN the reasons a visitor may give; THEN each has a drawing, none another's
    assert set(FeedbackReason) <= set(DRAWINGS)
    assert len({DRAWINGS[r] for r in FeedbackReason}) == len(FeedbackReason)


@pytest.mark.parametrize("score", [2, 5], ids=["what-went-wrong", "what-went-well"])
def test_each_reason_chip_shows_its_pictogram_chosen_or_not(app: Any, score: int) -> None:
    from kivy.graphics import Ellipse, Line

    from screens import headless, scenes

    # GIVEN the reasons after a face
    scenes.show(app, "rating", language="bg")
    rating = app.root.manager.current_screen
    rating.rate(score)
    headless.pump(4)
    chips = list(reversed(rating.ids.reasons.children))
    assert [c.value for c in chips] == list(reasons_for(score))
    for chip in chips:
        # WHEN it is chosen, or not
        for selected in (False, True):
            chip.selected = selected
            headless.pump(2)
            # THEN its reason's drawing is there, drawn, and a tick beside it once chosen
            pictogram = chip.ids.pictogram
            assert pictogram.name == chip.value and shown(pictogram)
            assert any(isinstance(i, Line | Ellipse) for i in pictogram.canvas.children)
            assert shown(chip.ids.tick) is selected
        chip.selected = False
