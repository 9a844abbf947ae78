"""Text rules shared by every app: how Vietnamese text is stored and how it is searched.

Pure functions, no Django import.
"""

import unicodedata

# đ/Đ are letters of their own, not d + a combining mark, so NFD does not split them. Data
# converted from legacy encodings often carries the look-alike Icelandic eth (Ð/ð) instead.
_EXTRA_FOLDS = str.maketrans({"đ": "d", "Đ": "d", "ð": "d", "Ð": "d"})


def clean_text(value: str | None) -> str:
    """NFC-normalise, trim, and collapse runs of white space to one space."""
    if value is None:
        return ""
    return " ".join(unicodedata.normalize("NFC", str(value)).split())


def fold(value: str | None) -> str:
    """The search key: lower case, no diacritics, đ→d, single spaces.

    "Nguyễn Văn An", "NGUYEN VAN AN" and the NFD spelling of the same name all fold to
    "nguyen van an".
    """
    text = clean_text(value).translate(_EXTRA_FOLDS)
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.casefold()
