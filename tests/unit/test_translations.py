"""Every user-facing string has a Korean translation with the same placeholders."""

import re
from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
SKIP = {".venv", "tests", "migrations", "bench", "instance", "translations", ".git"}


def source_messages() -> set:
    """Messages marked for translation in the code and templates, as babel.cfg maps them."""
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2")]

    def keep(path: str) -> bool:
        parts = Path(path).relative_to(ROOT).parts
        return not any(part in SKIP or part.startswith(".") for part in parts)

    keywords = dict(DEFAULT_KEYWORDS, _l=None)
    found = extract_from_dir(str(ROOT), method_map, keywords=keywords, directory_filter=keep)
    return {message for _, _, message, *_ in found if message}


def korean():
    with open(ROOT / "translations/ko/LC_MESSAGES/messages.po", "rb") as handle:
        return read_po(handle)


def test_every_string_is_translated_to_korean():
    catalog = korean()
    missing = []
    for message in source_messages():
        key = message[0] if isinstance(message, tuple) else message
        entry = catalog.get(key)
        if entry is None or not entry.string or entry.fuzzy:
            missing.append(key)
    assert missing == []


def test_translations_keep_their_placeholders():
    for entry in korean():
        if not entry.id or not entry.string:
            continue
        source = entry.id[0] if isinstance(entry.id, tuple) else entry.id
        target = entry.string[0] if isinstance(entry.string, tuple) else entry.string
        assert set(PLACEHOLDER.findall(source)) == set(PLACEHOLDER.findall(target)), source
