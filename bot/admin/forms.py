"""Reading a POSTed form, with files, within limits.

aiohttp's ``request.post()`` reads a whole body up to the application's
``client_max_size`` (1 MiB, right for webhooks); an answer to an information request may
carry several files of up to 20 MiB, so multipart bodies are read part by part here, each
file bounded as it arrives.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from aiohttp import BodyPartReader, web

from civic.information_requests import MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS

MAX_FIELD_BYTES = 256 * 1024
MAX_FIELDS = 100


@dataclass(frozen=True)
class UploadedFile:
    filename: str
    media_type: str
    content: bytes


@dataclass
class Form:
    fields: dict[str, list[str]] = field(default_factory=dict)
    files: dict[str, list[UploadedFile]] = field(default_factory=dict)

    def get(self, name: str, default: str = "") -> str:
        values = self.fields.get(name)
        return values[0] if values else default

    def all(self, name: str) -> list[str]:
        return self.fields.get(name, [])


class FormTooLarge(Exception):
    pass


# Where the guard leaves the form it read and checked for the handler.
FORM = web.RequestKey("admin_form", Form)


def posted(request: web.Request) -> Form:
    """The POSTed form the guard read and whose CSRF token it checked."""
    form = request.get(FORM)
    if not isinstance(form, Form):
        raise web.HTTPBadRequest()
    return form


async def read_form(request: web.Request) -> Form:
    form = Form()
    if request.content_type != "multipart/form-data":
        posted = await request.post()
        for name, value in posted.items():
            if isinstance(value, str):
                form.fields.setdefault(name, []).append(value)
        return form
    reader = await request.multipart()
    count = 0
    while True:
        part = await reader.next()
        if part is None:
            break
        if not isinstance(part, BodyPartReader):
            raise FormTooLarge("nested multipart")
        count += 1
        if count > MAX_FIELDS + MAX_ATTACHMENTS:
            raise FormTooLarge("too many parts")
        name = part.name or ""
        if part.filename is None:
            raw = await _read_limited(part, MAX_FIELD_BYTES)
            form.fields.setdefault(name, []).append(raw.decode("utf-8", errors="replace"))
            continue
        content = await _read_limited(part, MAX_ATTACHMENT_BYTES)
        if not part.filename and not content:
            continue  # a file input left empty
        media_type = part.headers.get("Content-Type", "application/octet-stream")
        form.files.setdefault(name, []).append(UploadedFile(part.filename, media_type, content))
    return form


async def _read_limited(part: BodyPartReader, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while chunk := await part.read_chunk(64 * 1024):
        size += len(chunk)
        if size > limit:
            raise FormTooLarge(part.name or "")
        chunks.append(chunk)
    return b"".join(chunks)
