"""Links to the results summaries from pages of other apps (the org tree), shown only to actors
who may open them: the tree also shows the units above an actor's own, which they cannot read."""

from django import template
from django.urls import reverse

from hocso.accounts.scope import scope_for

register = template.Library()


@register.simple_tag(takes_context=True)
def area_results_url(context, unit) -> str:
    """The area results page of `unit`, or "" when the actor does not read its subtree."""
    request = context.get("request")
    if unit is None or request is None or unit.is_school:
        return ""
    if not scope_for(request.user).covers(unit.path):
        return ""
    return reverse("assessment:area_results", args=[unit.pk])
