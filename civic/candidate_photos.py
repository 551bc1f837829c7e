"""Candidates' photos: what an official uploads is checked by its content (a JPEG or PNG
that decodes, of a sensible size), shrunk to at most ``MAX_SIDE`` pixels a side and
re-encoded as JPEG, so that nothing the camera wrote (GPS position, device, time) is
published with it."""

from __future__ import annotations

import io

from PIL import Image, UnidentifiedImageError

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_SIDE = 800
# Decoding a huge image costs memory however small its file: refuse beyond this.
MAX_PIXELS = 40_000_000
ACCEPTED_FORMATS = frozenset({"JPEG", "PNG"})
MEDIA_TYPE = "image/jpeg"


class PhotoProblem(Exception):
    """Why a photo was refused: ``too_large``, ``not_an_image`` or ``too_many_pixels``."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def prepared_photo(upload: bytes) -> bytes:
    """The JPEG to publish for an uploaded photo, or :class:`PhotoProblem`."""
    if len(upload) > MAX_UPLOAD_BYTES:
        raise PhotoProblem("too_large")
    try:
        with Image.open(io.BytesIO(upload)) as probe:
            if probe.format not in ACCEPTED_FORMATS:
                raise PhotoProblem("not_an_image")
            if probe.width * probe.height > MAX_PIXELS:
                raise PhotoProblem("too_many_pixels")
            probe.verify()
        with Image.open(io.BytesIO(upload)) as image:
            picture = image.convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as error:
        raise PhotoProblem("not_an_image") from error
    picture.thumbnail((MAX_SIDE, MAX_SIDE))
    published = io.BytesIO()
    picture.save(published, format="JPEG", quality=85, optimize=True)
    return published.getvalue()
