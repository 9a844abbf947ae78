"""An item's content between `interchange.ItemData` and the JSON an `ItemVersion` stores, and
the normalized forms used to compare items: the duplicate hash and the search text.

Pure functions, no Django import.
"""

import hashlib
import html
import re
import unicodedata
from dataclasses import fields, is_dataclass, replace
from decimal import Decimal
from enum import Enum

import nh3

from hocso.core.text import clean_text, fold

from .interchange import (
    Choice,
    ItemData,
    ItemType,
    NumericAnswer,
    Pair,
    Statement,
    TextAnswer,
)

_TAG = re.compile(r"<[^>]*>")

# ItemData fields that are not the version's content: the item's identity and tags (columns of
# Item), its stem and points (columns of ItemVersion), the images (MediaFile rows) and where a
# file had it.
_NOT_CONTENT = {
    "type", "stem", "name", "identifier", "category", "points", "tags", "files", "source",
}  # fmt: skip
CONTENT_FIELDS = tuple(f.name for f in fields(ItemData) if f.name not in _NOT_CONTENT)


# Item text is HTML written by teachers or read from other tools' files: only formatting,
# tables, lists and images survive (nh3's safe defaults — no scripts, event handlers, styles or
# javascript: links), so a page can show it as it is.
def safe_html(text: str) -> str:
    return nh3.clean(text) if text else text


def sanitized(data: ItemData) -> ItemData:
    """`data` with every HTML field cleaned (the answers a learner types — short-text variants —
    are plain text and left alone)."""
    return replace(
        data,
        stem=safe_html(data.stem),
        choices=[replace(c, text=safe_html(c.text), feedback=safe_html(c.feedback))
                 for c in data.choices],
        statements=[replace(s, text=safe_html(s.text), feedback=safe_html(s.feedback))
                    for s in data.statements],
        text_answers=[replace(a, feedback=safe_html(a.feedback)) for a in data.text_answers],
        numeric_answers=[replace(a, feedback=safe_html(a.feedback))
                         for a in data.numeric_answers],
        pairs=[replace(p, left=safe_html(p.left), right=safe_html(p.right)) for p in data.pairs],
        order=[safe_html(o) for o in data.order],
        feedback_true=safe_html(data.feedback_true),
        feedback_false=safe_html(data.feedback_false),
        general_feedback=safe_html(data.general_feedback),
        rubric=safe_html(data.rubric),
    )  # fmt: skip


def nfc(value):
    """`value` (an ItemData, or any part of one) with every text in Unicode NFC, so the same
    words typed on different keyboards are stored, compared and hashed alike. Only the
    normalization form changes: HTML and white space are kept as written. What is already NFC
    (nearly everything) is returned as it is, not copied."""
    if isinstance(value, Enum | bytes):
        return value
    if isinstance(value, str):
        return (
            value
            if unicodedata.is_normalized("NFC", value)
            else unicodedata.normalize("NFC", value)
        )
    if isinstance(value, list | tuple):
        parts = [nfc(v) for v in value]
        if all(new is old for new, old in zip(parts, value, strict=True)):
            return value
        return parts if isinstance(value, list) else tuple(parts)
    if isinstance(value, dict):
        pairs = [(nfc(k), nfc(v)) for k, v in value.items()]
        if all(nk is k and nv is v for (nk, nv), (k, v) in zip(pairs, value.items(), strict=True)):
            return value
        return dict(pairs)
    if is_dataclass(value) and not isinstance(value, type):
        changed = {}
        for f in fields(value):
            old = getattr(value, f.name)
            new = nfc(old)
            if new is not old:
                changed[f.name] = new
        return replace(value, **changed) if changed else value
    return value


def decimal_text(value) -> str:
    """A Decimal as canonical text: "1", "0.5", "-0.25" ("1.0" and "1" are the same number)."""
    number = Decimal(value).normalize()
    return format(number, "f") if number else "0"


def _choice(c: Choice) -> dict:
    return {
        "text": c.text,
        "fraction": decimal_text(c.fraction),
        "feedback": c.feedback,
        "pinned": c.pinned,
    }


def _statement(s: Statement) -> dict:
    return {"text": s.text, "is_true": s.is_true, "feedback": s.feedback}


def _text_answer(a: TextAnswer) -> dict:
    return {"text": a.text, "fraction": decimal_text(a.fraction), "feedback": a.feedback}


def _numeric_answer(a: NumericAnswer) -> dict:
    return {
        "value": decimal_text(a.value),
        "tolerance": decimal_text(a.tolerance),
        "fraction": decimal_text(a.fraction),
        "feedback": a.feedback,
    }


def content_from_data(item: ItemData) -> dict:
    """The JSON-ready content of a version: every type-specific field of the item, Decimals as
    canonical text, so two equal items give equal dicts."""
    return {
        "choices": [_choice(c) for c in item.choices],
        "statements": [_statement(s) for s in item.statements],
        "text_answers": [_text_answer(a) for a in item.text_answers],
        "case_sensitive": item.case_sensitive,
        "numeric_answers": [_numeric_answer(a) for a in item.numeric_answers],
        "pairs": [{"left": p.left, "right": p.right} for p in item.pairs],
        "order": list(item.order),
        "correct": item.correct,
        "feedback_true": item.feedback_true,
        "feedback_false": item.feedback_false,
        "general_feedback": item.general_feedback,
        "rubric": item.rubric,
    }


def data_from_content(*, type: str, stem: str, points, content: dict) -> ItemData:
    """The ItemData of a stored version (identity, tags and files are the caller's to add)."""
    return ItemData(
        type=ItemType(type),
        stem=stem,
        points=Decimal(points),
        choices=[
            Choice(
                text=c["text"],
                fraction=Decimal(c["fraction"]),
                feedback=c.get("feedback", ""),
                pinned=c.get("pinned", False),
            )
            for c in content.get("choices", [])
        ],
        statements=[
            Statement(text=s["text"], is_true=s["is_true"], feedback=s.get("feedback", ""))
            for s in content.get("statements", [])
        ],
        text_answers=[
            TextAnswer(
                text=a["text"], fraction=Decimal(a["fraction"]), feedback=a.get("feedback", "")
            )
            for a in content.get("text_answers", [])
        ],
        case_sensitive=content.get("case_sensitive", False),
        numeric_answers=[
            NumericAnswer(
                value=Decimal(a["value"]),
                tolerance=Decimal(a["tolerance"]),
                fraction=Decimal(a["fraction"]),
                feedback=a.get("feedback", ""),
            )
            for a in content.get("numeric_answers", [])
        ],
        pairs=[Pair(left=p["left"], right=p["right"]) for p in content.get("pairs", [])],
        order=list(content.get("order", [])),
        correct=content.get("correct"),
        feedback_true=content.get("feedback_true", ""),
        feedback_false=content.get("feedback_false", ""),
        general_feedback=content.get("general_feedback", ""),
        rubric=content.get("rubric", ""),
    )


def plain_text(fragment: str) -> str:
    """The text of an HTML fragment: tags dropped, entities decoded, NFC, single spaces."""
    return clean_text(html.unescape(_TAG.sub(" ", fragment or "")))


def answer_texts(item: ItemData) -> list[str]:
    """The texts a learner chooses among or must produce, in item order."""
    return [
        *(c.text for c in item.choices),
        *(s.text for s in item.statements),
        *(a.text for a in item.text_answers),
        *(decimal_text(a.value) for a in item.numeric_answers),
        *(f"{p.left} {p.right}" for p in item.pairs),
        *item.order,
    ]


def stem_hash(item: ItemData) -> str:
    """SHA-256 of the item's type, stem and answer texts after normalization (tags removed,
    case and diacritics folded, spaces collapsed).

    The answers are part of it on purpose: stems such as "Chọn đáp án đúng." are common, and
    two items with that stem and different options are different questions, not duplicates.
    """
    parts = [str(item.type), fold(plain_text(item.stem))]
    parts += [fold(plain_text(text)) for text in answer_texts(item)]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def search_text(item: ItemData) -> str:
    """What a search matches: the folded name, stem and answers, one string."""
    texts = [item.name, item.stem, *answer_texts(item)]
    return " ".join(t for t in (fold(plain_text(text)) for text in texts) if t)
