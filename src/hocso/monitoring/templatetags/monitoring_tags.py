"""Template tags of the monitoring centre.

`{% load monitoring_tags %}{% alerts_unread as n %}` → how many open alerts of the signed-in
user's inbox are unread (0 for anonymous users, learners and guardians, without a query); pass a
user to count someone else's: `{% alerts_unread some_user as n %}`. Counted once per request
(cached on the user object). Use it for a badge:
`{% if n %}<span class="badge text-bg-danger">{{ n }}</span>{% endif %}`.

`{{ alert.severity|severity_badge }}` → the Bootstrap classes of a severity badge.
"""

from django import template

from hocso.accounts.scope import scope_for

register = template.Library()

SEVERITY_BADGES = {
    "critical": "text-bg-danger",
    "warning": "text-bg-warning",
    "info": "text-bg-info",
}


@register.simple_tag(takes_context=True)
def alerts_unread(context, user=None) -> int:
    if user is None:
        request = context.get("request")
        user = getattr(request, "user", None) if request is not None else context.get("user")
    if user is None or not user.is_authenticated or not scope_for(user).is_staff_member:
        return 0
    cached = getattr(user, "_hocso_alerts_unread", None)
    if cached is None:
        from hocso.monitoring.alerts import unread_count

        cached = unread_count(user)
        user._hocso_alerts_unread = cached
    return cached


@register.filter
def severity_badge(severity: str) -> str:
    return SEVERITY_BADGES.get(severity, "text-bg-secondary")
