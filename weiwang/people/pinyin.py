"""Pinyin of names for search: full pinyin ("zhangsan") and initials ("zs")."""

from __future__ import annotations

from functools import lru_cache

from pypinyin import Style, lazy_pinyin


@lru_cache(maxsize=20000)
def _syllable(char: str) -> str:
    return lazy_pinyin(char, style=Style.NORMAL, errors="ignore")[0] if char.strip() else ""


def name_pinyin(name: str) -> tuple[str, str]:
    """(full pinyin, initials) in lower case, without spaces."""
    if not name:
        return "", ""
    # Whole-name conversion gets heteronyms right (单 as a surname is "shan").
    syllables = [s.lower() for s in lazy_pinyin(name, style=Style.NORMAL, errors="ignore")]
    return "".join(syllables), "".join(s[0] for s in syllables if s)


@lru_cache(maxsize=2000)
def _surname(surname: str) -> tuple[str, ...]:
    return tuple(lazy_pinyin(surname, errors="ignore"))


def fast_name_pinyin(surname: str, given: str) -> tuple[str, str]:
    """Character-cached variant for bulk synthetic data (surname read as a whole word)."""
    syllables = [*_surname(surname), *(_syllable(c) for c in given)]
    syllables = [s.lower() for s in syllables if s]
    return "".join(syllables), "".join(s[0] for s in syllables)
