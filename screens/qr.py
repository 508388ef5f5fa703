"""A QR code as a Kivy texture, made with the qrcode package (black on white, crisp edges)."""

from __future__ import annotations

import io
from functools import lru_cache

from kivy.core.image import Image as CoreImage
from kivy.graphics.texture import Texture


@lru_cache(maxsize=64)
def qr_png(data: str) -> bytes:
    # imported on the first service page that shows a link, not at the app's start (50 ms)
    import qrcode

    image = qrcode.make(data, box_size=8, border=2)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def qr_texture(data: str) -> Texture:
    texture = CoreImage(io.BytesIO(qr_png(data)), ext="png").texture
    texture.mag_filter = "nearest"  # scaled up without blurring the modules
    return texture
