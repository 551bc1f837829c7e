"""The Babel catalogs: the template follows the code, and uk and en are complete and correct.

The code's source strings are English msgids, extracted with the keywords ``_``, ``N_``
(marked where written, translated where shown) and ``ngettext`` (singular and plural)
from bot/, handlers/ and civic/ into locales/messages.pot; ``make extract`` regenerates
the template and merges it into locales/uk and locales/en.
"""

from __future__ import annotations

import gettext
import io
import string
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path

import pytest
from babel import Locale
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from locales.catalog import DOMAIN, SUPPORTED_LOCALES, translations

ROOT = Path(__file__).parents[1]
LOCALES = ROOT / "locales"
TEMPLATE = LOCALES / f"{DOMAIN}.pot"
SOURCE_DIRS = ("bot", "handlers", "civic")
KEYWORDS: Mapping[str, tuple[int, int] | None] = {"_": None, "N_": None, "ngettext": (1, 2)}

# The gettext plural forms of each catalog, in msgstr[i] order, named by CLDR category.
PLURAL_CATEGORIES = {"uk": ("one", "few", "many"), "en": ("one", "other")}
# Ukrainian: 1 підпис, 2 підписи, 5 підписів; the teens take the "many" form.
UK_FORM_FOR = {1: 0, 2: 1, 5: 2, 11: 2, 21: 0, 22: 1, 25: 2, 111: 2}

# (msgctxt, msgid, msgid_plural): a message as both extraction and catalogs see it.
Key = tuple[str | None, str, str | None]


def _key(message_id: str | tuple[str, ...] | list[str], context: str | None = None) -> Key:
    if isinstance(message_id, str):
        return (context, message_id, None)
    return (context, message_id[0], message_id[1])


def _show(keys: set[Key]) -> str:
    return "\n".join(
        f"  {msgid!r}" + (f" / {plural!r}" if plural else "")
        for _, msgid, plural in sorted(keys, key=lambda k: (k[1], k[2] or ""))
    )


@cache
def _code_keys() -> frozenset[Key]:
    """What ``pybabel extract`` finds in the code now."""
    keys: set[Key] = set()
    for directory in SOURCE_DIRS:
        # The same methods as `make extract` (babel.cfg): Python, and the admin templates.
        found = extract_from_dir(
            ROOT / directory,
            method_map=[("**/templates/**.html", "jinja2.ext:babel_extract"), ("**.py", "python")],
            options_map={"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}},
            keywords=KEYWORDS,
        )
        for _filename, _lineno, message, _comments, context in found:
            keys.add(_key(message, context))
    return frozenset(keys)


@cache
def _read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as source:
        return read_po(source, locale=locale, domain=DOMAIN)


def _catalog(locale: str) -> Catalog:
    return _read(LOCALES / locale / "LC_MESSAGES" / f"{DOMAIN}.po", locale)


def _entries(catalog: Catalog) -> Iterator[Message]:
    """Every message but the header."""
    return (message for message in catalog if message.id)


def _keys(catalog: Catalog) -> set[Key]:
    return {_key(message.id, message.context) for message in _entries(catalog)}


def _forms(message: Message) -> list[str]:
    """The translation, one string per plural form (one string for a plain message)."""
    if message.string is None or isinstance(message.string, str):
        return [message.string or ""]
    return [form or "" for form in message.string]


def _placeholders(text: str) -> set[str]:
    """The ``{name}`` fields of a str.format template, with any conversion and spec."""
    fields: set[str] = set()
    for _literal, name, spec, conversion in string.Formatter().parse(text):
        if name is not None:
            fields.add(
                name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
            )
    return fields


def test_template_matches_the_code() -> None:
    """messages.pot holds exactly the msgids the code passes to _ and ngettext."""
    code, template = set(_code_keys()), _keys(_read(TEMPLATE))
    new, gone = code - template, template - code
    hint = ""
    singular_only = {(ctx, msgid) for ctx, msgid, plural in template if plural is None}
    if any(plural and (ctx, msgid) in singular_only for ctx, msgid, plural in new):
        hint = (
            "\nngettext strings sit in the template without their plural: extraction must "
            "use the keyword spec ngettext:1,2 (a bare `-k ngettext` keeps only the singular)."
        )
    assert code == template, (
        "locales/messages.pot is out of date: run `make extract`, then translate the new "
        f"entries in locales/*/LC_MESSAGES/messages.po.\nNew in the code:\n{_show(new)}\n"
        f"No longer in the code:\n{_show(gone)}{hint}"
    )


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_catalog_has_every_template_message(locale: str) -> None:
    """Each catalog holds exactly the template's msgids, no more and no fewer."""
    template, catalog = _keys(_read(TEMPLATE)), _keys(_catalog(locale))
    missing, extra = template - catalog, catalog - template
    assert catalog == template, (
        f"locales/{locale} is not merged with the template: run `make extract`.\n"
        f"Missing:\n{_show(missing)}\nNot in the template:\n{_show(extra)}"
    )


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_every_message_is_translated(locale: str) -> None:
    """Every msgstr, and every plural form of one, is non-empty."""
    empty = [m.id for m in _entries(_catalog(locale)) if not all(_forms(m))]
    assert not empty, f"untranslated in locales/{locale}: {empty}"


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_no_fuzzy_translations(locale: str) -> None:
    """No entry, header included, is flagged fuzzy (fuzzy ones are left out of the .mo)."""
    catalog = _catalog(locale)
    fuzzy = [m.id for m in _entries(catalog) if m.fuzzy]
    assert not catalog.fuzzy, f"locales/{locale}: the header is flagged fuzzy"
    assert not fuzzy, f"fuzzy in locales/{locale}: {fuzzy}"


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_no_obsolete_entries(locale: str) -> None:
    """Catalogs keep no obsolete (#~) entries."""
    obsolete = list(_catalog(locale).obsolete)
    assert not obsolete, f"obsolete #~ entries in locales/{locale}: {obsolete}"


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_translations_keep_placeholders(locale: str) -> None:
    """Every translation (each plural form) has exactly the {placeholders} of its msgid."""
    problems: list[str] = []
    for message in _entries(_catalog(locale)):
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        expected = set().union(*(_placeholders(text) for text in ids))
        for form in _forms(message):
            try:
                found = _placeholders(form)
            except ValueError as error:  # a stray brace: str.format would raise at run time
                problems.append(f"{form!r}: {error}")
                continue
            if found != expected:
                problems.append(f"{form!r} has {sorted(found)}, needs {sorted(expected)}")
    assert not problems, f"placeholders differ in locales/{locale}:\n" + "\n".join(problems)


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_plural_entries_have_every_form(locale: str) -> None:
    """The header declares the language's number of forms and each plural entry has them all."""
    catalog = _catalog(locale)
    nplurals = len(PLURAL_CATEGORIES[locale])
    assert catalog.num_plurals == nplurals
    wrong = [m.id for m in _entries(catalog) if m.pluralizable and len(_forms(m)) != nplurals]
    assert not wrong, f"plural entries without exactly {nplurals} forms: {wrong}"


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_plural_rule_agrees_with_cldr(locale: str) -> None:
    """The header's Plural-Forms picks the form of Babel's CLDR category for 0 to 1000."""
    rule = gettext.c2py(_catalog(locale).plural_expr)
    cldr = Locale.parse(locale).plural_form
    categories = PLURAL_CATEGORIES[locale]
    wrong = [n for n in range(1001) if rule(n) != categories.index(cldr(n))]
    assert not wrong, f"Plural-Forms of locales/{locale} disagrees with CLDR for n in {wrong}"


def test_ukrainian_plural_forms_in_use() -> None:
    """Loaded Ukrainian ngettext gives form 0 for 1 and 21, 1 for 2 and 22, 2 for 5, 11, 25, 111."""
    catalog, loaded = _catalog("uk"), translations("uk")
    plurals = [m for m in _entries(catalog) if m.pluralizable]
    assert plurals, "expected at least one ngettext entry (e.g. '{n} signature')"
    for message in plurals:
        singular, plural = message.id[0], message.id[1]
        forms = _forms(message)
        for n, form in UK_FORM_FOR.items():
            assert loaded.ngettext(singular, plural, n) == forms[form], (singular, n)


def test_english_plural_forms_in_use() -> None:
    """Loaded English ngettext gives form 0 for 1 and form 1 for 0, 2, 5 and 21."""
    catalog, loaded = _catalog("en"), translations("en")
    for message in (m for m in _entries(catalog) if m.pluralizable):
        singular, plural = message.id[0], message.id[1]
        forms = _forms(message)
        for n, form in {0: 1, 1: 0, 2: 1, 5: 1, 21: 1}.items():
            assert loaded.ngettext(singular, plural, n) == forms[form], (singular, n)


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_catalog_compiles_cleanly(locale: str) -> None:
    """Babel's checks find no error and the catalog compiles to a .mo."""
    catalog = _catalog(locale)
    errors = [(message.id, [str(e) for e in found]) for message, found in catalog.check()]
    assert not errors, f"locales/{locale}: {errors}"
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    assert gettext.GNUTranslations(io.BytesIO(compiled.getvalue())).info()["language"] == locale
