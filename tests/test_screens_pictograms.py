"""Every catalogue category, counter group and rating reason has a pictogram on the screens."""

from __future__ import annotations

import colorsys
from itertools import combinations
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


def _hue_apart(a: float, b: float) -> float:
    """Degrees between two hues on the colour wheel."""
    return min(abs(a - b), 360 - abs(a - b))


@pytest.mark.parametrize("high_contrast", [False, True], ids=["normal", "high-contrast"])
@pytest.mark.parametrize("language", ["bg", "en"])
def test_no_two_faces_alike_in_drawing_word_or_colour(
    app: Any, language: str, high_contrast: bool
) -> None:
    from kivy.graphics import Color

    from screens import headless, scenes
    from screens.pictograms import DRAWINGS
    from screens.theme import contrast_ratio, theme_for

    # GIVEN the five faces as a visitor finds them
    scenes.show(app, "rating", language=language)
    app.high_contrast = high_contrast
    headless.pump(2)
    faces = list(reversed(app.root.manager.current_screen.ids.faces.children))
    assert [f.face for f in faces] == [1, 2, 3, 4, 5]
    # WHEN their drawings, words and colours are read
    shapes = [DRAWINGS[f.icon] for f in faces]
    words = [f.text for f in faces]
    colours = [
        next(c.rgba for c in f.canvas.before.children if isinstance(c, Color)) for f in faces
    ]
    # THEN no two share what the eye tells at a glance: the mouth's way (down, straight,
    # up; not only how far it bends), an open mouth, brows, laughing eyes
    features = [
        ((s.mouth > 0) - (s.mouth < 0), s.open_mouth, s.brows, s.smiling_eyes) for s in shapes
    ]
    assert len(set(features)) == 5, features
    # AND no two share a word
    assert len(set(words)) == 5 and all(w.strip() for w in words), words
    # AND no two a hue (20° apart at least), each standing out from the screen behind it as a
    # drawn part must (3:1, WCAG 1.4.11), with the same helper as the words' contrast
    hues = [colorsys.rgb_to_hsv(*c[:3])[0] * 360 for c in colours]
    close = [
        (i + 1, j + 1) for i, j in combinations(range(5), 2) if _hue_apart(hues[i], hues[j]) < 20
    ]
    assert not close, hues
    background = theme_for(high_contrast=high_contrast).background
    assert all(contrast_ratio(c, background) >= 3 for c in colours), colours


@pytest.mark.parametrize("size", [(1080, 1920), (1920, 1080)], ids=["portrait", "landscape"])
def test_the_faces_are_drawn_large_and_all_in_view(app: Any, size: tuple[int, int]) -> None:
    from screens import headless, scenes

    # GIVEN the faces with larger text, the speech bar below, as a kiosk that reads aloud has it
    headless.resize(*size)
    app.can_read_aloud = True
    try:
        scenes.show(app, "rating", language="bg")
        app.large_text = True
        headless.pump(4)
        rating = app.root.manager.current_screen
        faces = list(reversed(rating.ids.faces.children))
        bar_top = app.root.speech_bar.top
        for face in faces:
            drawing = next(c for c in face.children if c.__class__.__name__ == "Pictogram")
            # THEN each face is drawn large (upright, five columns side by side left it 166 px
            # of a fifth of the width, in bars of empty colour), and none is cut off
            assert min(drawing.width, drawing.height) >= 200, (face.text, drawing.size)
            assert face.to_window(face.x, face.y)[1] >= bar_top - 1, face.text
    finally:
        app.can_read_aloud = False
