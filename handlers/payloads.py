"""Button payloads: one typed codec per route, so no handler splits strings.

A payload class names its route's prefix and types its fields::

    @dataclass(frozen=True)
    class OpenPetition(Payload, prefix="pv"):
        petition_id: Id

``OpenPetition(5).pack()`` is ``"pv:5"``; ``OpenPetition.parse("5")`` is the instance again,
and ``parse`` answers None for anything the codec would not have written (a missing or extra
field, a number out of bounds, a sign, a non-ASCII digit, an unknown choice). Fields are
bounded integers (``Id``, ``Index``), ``bool`` or a ``StrEnum``: each has a longest encoding,
so a class whose longest payload would exceed ``MAX_PAYLOAD_BYTES`` (Telegram's
``callback_data`` limit, the strictest of our channels) is refused when it is defined, and
an oversized payload cannot be built at all.

Every payload is untrusted input: any channel can deliver a forged one (on Viber a typed
text can imitate a button). Parsing only makes it well-formed; whether this citizen may see
or change what an id names is decided by the civic rules the handler calls.
"""

from __future__ import annotations

import enum
import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Self, get_args, get_origin, get_type_hints

MAX_PAYLOAD_BYTES = 64  # Telegram's callback_data limit; the strictest of our channels
SEPARATOR = ":"
MAX_ID = 2**63 - 1  # BIGINT on PostgreSQL: no row can have a larger id
MAX_INDEX = 9_999  # the last position or page a button can name

_PREFIX = re.compile(r"[a-z][a-z0-9_]{0,15}")
_DECIMAL = re.compile(r"0|[1-9][0-9]*")


@dataclass(frozen=True, slots=True)
class Bounded:
    """``Annotated`` metadata: an integer field from ``minimum`` to ``maximum``."""

    minimum: int
    maximum: int


# A row's id (from 1), and a position or page number (from 0).
Id = Annotated[int, Bounded(1, MAX_ID)]
Index = Annotated[int, Bounded(0, MAX_INDEX)]


@dataclass(frozen=True, slots=True)
class _Field:
    name: str
    longest: int
    encode: Callable[[Any], str]
    decode: Callable[[str], Any]  # raises ValueError for anything it would not encode


def _integer_field(name: str, bounds: Bounded) -> _Field:
    def decode(raw: str) -> int:
        if len(raw) > len(str(bounds.maximum)) or not _DECIMAL.fullmatch(raw):
            raise ValueError(raw)
        value = int(raw)
        if not bounds.minimum <= value <= bounds.maximum:
            raise ValueError(raw)
        return value

    def encode(value: int) -> str:
        if not bounds.minimum <= value <= bounds.maximum:
            raise ValueError(f"{name}={value} is out of {bounds.minimum}..{bounds.maximum}")
        return str(value)

    return _Field(name, len(str(bounds.maximum)), encode, decode)


def _bool_field(name: str) -> _Field:
    def decode(raw: str) -> bool:
        if raw not in ("0", "1"):
            raise ValueError(raw)
        return raw == "1"

    return _Field(name, 1, lambda value: "1" if value else "0", decode)


def _choice_field(name: str, choices: type[enum.StrEnum]) -> _Field:
    values = {member.value: member for member in choices}
    for value in values:
        if not value or SEPARATOR in value:
            raise TypeError(f"{choices.__name__} value {value!r} cannot be a payload field")

    def decode(raw: str) -> enum.StrEnum:
        return values[raw]  # KeyError is a LookupError, turned into None by parse

    longest = max(len(value.encode()) for value in values)
    return _Field(name, longest, lambda member: str(member.value), decode)


def _field_for(name: str, hint: Any) -> _Field:
    if get_origin(hint) is Annotated:
        base, *metadata = get_args(hint)
        bounds = [item for item in metadata if isinstance(item, Bounded)]
        if base is int and len(bounds) == 1:
            return _integer_field(name, bounds[0])
    elif hint is bool:
        return _bool_field(name)
    elif isinstance(hint, type) and issubclass(hint, enum.StrEnum):
        return _choice_field(name, hint)
    raise TypeError(
        f"payload field {name!r} must be Id, Index, another Annotated[int, Bounded(...)], "
        f"bool or a StrEnum, not {hint!r}"
    )


class Payload:
    """Base of the typed payloads; subclasses are frozen dataclasses with a ``prefix``."""

    prefix: ClassVar[str]
    _fields: ClassVar[tuple[_Field, ...]]

    def __init_subclass__(cls, *, prefix: str, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not _PREFIX.fullmatch(prefix):
            raise TypeError(f"payload prefix {prefix!r} must match {_PREFIX.pattern}")
        hints = get_type_hints(cls, include_extras=True)
        own = [name for name in inspect.get_annotations(cls) if name in hints]
        fields = tuple(
            _field_for(name, hints[name]) for name in own if get_origin(hints[name]) is not ClassVar
        )
        longest = len(prefix.encode()) + sum(len(SEPARATOR) + f.longest for f in fields)
        if longest > MAX_PAYLOAD_BYTES:
            raise TypeError(
                f"payload {cls.__name__} ({prefix!r}) can be {longest} bytes long, "
                f"over the {MAX_PAYLOAD_BYTES} a messenger takes"
            )
        cls.prefix = prefix
        cls._fields = fields

    def pack(self) -> str:
        """The payload as a button carries it: ``prefix:field:field``."""
        parts = [self.prefix]
        parts += [field.encode(getattr(self, field.name)) for field in self._fields]
        return SEPARATOR.join(parts)

    @classmethod
    def parse(cls, arguments: str | None) -> Self | None:
        """The payload from what followed ``prefix:`` (None when nothing did); None when
        the text is anything ``pack`` would not have written."""
        raw = [] if arguments is None else arguments.split(SEPARATOR)
        if len(raw) != len(cls._fields):
            return None
        try:
            pairs = zip(cls._fields, raw, strict=True)
            values = {field.name: field.decode(part) for field, part in pairs}
        except (ValueError, LookupError):
            return None
        return cls(**values)

    @classmethod
    def longest(cls) -> int:
        """The byte length of this route's longest possible payload."""
        return len(cls.prefix.encode()) + sum(len(SEPARATOR) + f.longest for f in cls._fields)

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return tuple(field.name for field in cls._fields)


def split_prefix(payload: str) -> tuple[str, str | None]:
    """``"pv:5"`` → ``("pv", "5")``; ``"menu"`` → ``("menu", None)``."""
    prefix, separator, rest = payload.partition(SEPARATOR)
    return prefix, (rest if separator else None)
