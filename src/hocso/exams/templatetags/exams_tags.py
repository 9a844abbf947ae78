from datetime import timedelta

from django import template

register = template.Library()


@register.filter
def clock(value: timedelta | None) -> str:
    """A time taken as a stopwatch shows it: "36:26", or "1:02:05" past an hour (whole
    seconds; a raw timedelta would print microseconds)."""
    if value is None:
        return ""
    seconds = max(int(value.total_seconds()), 0)
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{seconds:02d}"
    return f"{minutes}:{seconds:02d}"
