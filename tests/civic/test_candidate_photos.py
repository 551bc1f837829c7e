"""Candidates' photos: a JPEG or PNG is shrunk to 800 pixels a side and re-encoded
without the camera's metadata; anything else, a file too large, a photo after voting
opened or for another election's candidate is refused with its reason."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from PIL import Image

from civic.candidate_photos import MAX_UPLOAD_BYTES, PhotoProblem, prepared_photo
from civic.clock import FixedClock
from civic.elections import ElectionError, Elections, ElectionTerms
from civic.organisation_demo import ensure_demo_organisations
from storage.db import Database
from tests.helpers import make_authority
from tests.photo_support import MAKE, camera_jpeg, small_png

HOUR = timedelta(hours=1)


def test_a_camera_photo_is_shrunk_and_loses_its_metadata() -> None:
    """1600 x 1200 with EXIF in; 800 x 600 JPEG without EXIF out; a PNG with
    transparency becomes a JPEG of its own size."""
    original = Image.open(io.BytesIO(camera_jpeg()))
    assert original.getexif()[MAKE] == "PhoneMaker"
    published = Image.open(io.BytesIO(prepared_photo(camera_jpeg())))
    assert (published.format, published.size) == ("JPEG", (800, 600))
    assert dict(published.getexif()) == {}
    from_png = Image.open(io.BytesIO(prepared_photo(small_png())))
    assert (from_png.format, from_png.size) == ("JPEG", (120, 160))


@pytest.mark.parametrize(
    ("upload", "code"),
    [
        (b"%PDF-1.7 not a picture", "not_an_image"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "not_an_image"),  # a PNG's magic, no PNG
        (b"GIF89a" + b"\x00" * 64, "not_an_image"),
        (b"\xff" * (MAX_UPLOAD_BYTES + 1), "too_large"),
    ],
)
def test_what_is_not_a_photo_is_refused(upload: bytes, code: str) -> None:
    """A PDF, a truncated PNG, a GIF and an oversized file: each refused by its content."""
    with pytest.raises(PhotoProblem) as refused:
        prepared_photo(upload)
    assert refused.value.code == code


async def test_photos_are_set_before_opening_for_the_elections_own_candidates(
    database: Database, clock: FixedClock
) -> None:
    """Set and replaced while scheduled; another election's candidate is refused (and
    not found by the other election); after opening, refused."""
    now = clock.now()
    authority_id = await make_authority(database, now)
    async with database.transaction() as session:
        organisations, _added = await ensure_demo_organisations(session, now)
        rules = Elections(session)
        ids = []
        for title in ("Вибори до громадської ради", "Інші вибори до ради"):
            election = await rules.create(
                authority_id,
                ElectionTerms(
                    title=title,
                    seats=1,
                    max_choices=1,
                    opens_at=now + HOUR,
                    closes_at=now + 2 * HOUR,
                ),
                now,
            )
            candidate = await rules.nominate(election.id, organisations[0].id, "Оксана", "", now)
            ids.append((election.id, candidate.id))
        (election_id, candidate_id), (other_id, other_candidate) = ids
        await rules.set_photo(election_id, candidate_id, small_png(), now)
        replaced = await rules.set_photo(election_id, candidate_id, camera_jpeg(), now)
        assert Image.open(io.BytesIO(replaced.content)).size == (800, 600)
        with pytest.raises(ElectionError) as foreign:
            await rules.set_photo(election_id, other_candidate, small_png(), now)
        assert foreign.value.code == "unknown_candidate"
        assert await rules.photo(other_id, candidate_id) is None
        assert await rules.with_photos(election_id) == {candidate_id}
        with pytest.raises(ElectionError) as late:
            await rules.set_photo(election_id, candidate_id, small_png(), now + HOUR)
        assert late.value.code == "already_open"
