"""Physical sizes on the lobby screen: millimetres per pixel, a capital's visual angle, a finger's target.

The kiosk's diagonal and the visitor's viewing distance are settings (`ui.diagonal_in`,
`ui.viewing_distance_mm`); from them a pixel has a size in millimetres, and a text size
an angle at the eye. EN 301 549 5.1.4 asks that in the enlargement mode a capital letter
subtends at least 0.7°; normal text is held to 0.7° divided by the enlargement, so every
label reaches 0.7° when enlarged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from screens.theme import LARGE_TEXT_SCALE

MM_PER_INCH = 25.4
#: EN 301 549 5.1.4: a capital in the enlargement mode subtends at least this angle.
LARGE_CAPITAL_DEG = 0.7
#: The stated floor for normal text: what larger text enlarges to 0.7°.
NORMAL_CAPITAL_DEG = LARGE_CAPITAL_DEG / LARGE_TEXT_SCALE
#: WCAG 2.5.8 asks 24 CSS px; a kiosk for elderly visitors keeps every target above 9 mm.
MIN_TARGET_MM = 9.0


@dataclass(frozen=True)
class Screen:
    """A screen of `width` × `height` pixels and `diagonal_in` inches, seen from `distance_mm`."""

    width: int
    height: int
    diagonal_in: float
    distance_mm: float

    @property
    def mm_per_px(self) -> float:
        return self.diagonal_in * MM_PER_INCH / math.hypot(self.width, self.height)

    def px(self, mm: float) -> float:
        return mm / self.mm_per_px

    def mm_for_angle(self, degrees: float) -> float:
        """The height that subtends this angle at the viewing distance."""
        return 2 * self.distance_mm * math.tan(math.radians(degrees) / 2)

    def min_capital_px(self, *, large_text: bool) -> float:
        degrees = LARGE_CAPITAL_DEG if large_text else NORMAL_CAPITAL_DEG
        return self.px(self.mm_for_angle(degrees))

    @property
    def min_target_px(self) -> float:
        return self.px(MIN_TARGET_MM)
