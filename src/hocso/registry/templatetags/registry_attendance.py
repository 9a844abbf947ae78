"""Attendance on pages whose views belong to others (the class page, the learner's page): who may
take the roll call, and a learner's absences this school year."""

from django import template
from django.utils import timezone

from hocso.orgs.selectors import current_school_year

from .. import attendance

register = template.Library()


@register.simple_tag(takes_context=True)
def attendance_can_record(context, school_class) -> bool:
    """Whether the requesting user may take the class's roll call."""
    request = context.get("request")
    if request is None or school_class is None:
        return False
    return attendance.can_record(request.user, school_class)


@register.simple_tag
def learner_absences_this_year(student):
    """The learner's absences in the current school year (None when there is no school year).

    Only used on the learner's page, whose view found `student` through the scoped selector."""
    year = current_school_year(on=timezone.localdate())
    if student is None or year is None:
        return None
    return attendance.learner_absences(student, year)
