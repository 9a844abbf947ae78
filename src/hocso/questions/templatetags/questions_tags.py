"""Template helpers of the question-bank pages: an item's text as safe HTML."""

from django import template
from django.urls import reverse
from django.utils.safestring import mark_safe

from .. import richtext

register = template.Library()


@register.simple_tag
def item_html(fragment, item=None, version=None):
    """A stored fragment rebuilt from allowed tags (questions/richtext.py), its images pointed
    at the scoped image view of `item`'s `version`; without them, images are left out."""
    files = version.content.get("files", {}) if version is not None else {}

    def image_url(name: str) -> str | None:
        if item is None or name not in files:
            return None
        return reverse("questions:image", args=[item.pk, version.number, name])

    # render() escapes every text and keeps only allowlisted tags and attributes.
    return mark_safe(richtext.render(fragment, image_url))  # noqa: S308


@register.filter
def percent(fraction) -> str:
    from ..content import decimal_text

    return decimal_text(fraction * 100)
