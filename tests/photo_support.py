"""Pictures made in the test: a phone's JPEG with EXIF, and a small transparent PNG."""

from __future__ import annotations

import io

from PIL import Image

MAKE = 0x010F  # the EXIF tag of the camera's maker


def camera_jpeg(width: int = 1600, height: int = 1200) -> bytes:
    """A JPEG as a phone writes it, with the camera's maker in its EXIF."""
    exif = Image.Exif()
    exif[MAKE] = "PhoneMaker"
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "#3366aa").save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def small_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", (120, 160), (10, 200, 30, 128)).save(buffer, format="PNG")
    return buffer.getvalue()
