"""The library's front page (by subject and grade, the newest resources) and its search page
(query, facets as filters, highlighted snippets, pagination).

Thin: everything read goes through resources/selectors.py, scoped by the user; every logged-in
user with a role reaches the pages (learners and guardians included: published resources are
for them too), and sees only what access.resources_visible lets them see.
"""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from hocso.accounts.scope import scope_for

from . import selectors
from .models import Licence, ResourceType

PAGE_SIZE = 20

FACET_LABELS = {
    "subject": _("Môn học"),
    "grade": _("Khối lớp"),
    "type": _("Loại học liệu"),
    "topic": _("Chủ đề"),
    "licence": _("Giấy phép"),
}


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Tìm học liệu"), required=False, max_length=200)
    subject = forms.CharField(label=_("Môn học"), required=False, max_length=10)
    grade = forms.IntegerField(label=_("Khối lớp"), required=False, min_value=1, max_value=12)
    type = forms.ChoiceField(
        label=_("Loại học liệu"),
        required=False,
        choices=[("", _("Tất cả"))] + ResourceType.choices,
    )
    topic = forms.IntegerField(label=_("Chủ đề"), required=False, min_value=1)
    licence = forms.ChoiceField(
        label=_("Giấy phép"), required=False, choices=[("", _("Tất cả"))] + Licence.choices
    )

    def filters(self) -> dict:
        """The valid filters (an invalid one — a grade of 13 — is ignored, not an error page)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            name: data.get(name) or (None if name in ("grade", "topic") else "")
            for name in ("q", "subject", "grade", "type", "topic", "licence")
        }


def _facet_url(request, name: str, value, active: str) -> str:
    """The page's query with facet `name` set to `value`, or removed when it is the active one
    (a second click clears the filter); back to page 1."""
    query = request.GET.copy()
    query.pop("page", None)
    if str(value) == active:
        query.pop(name, None)
    else:
        query[name] = str(value)
    return f"?{query.urlencode()}" if query else "?"


def _can_contribute(user) -> bool:
    return scope_for(user).is_staff_member


@login_required
@require_GET
def home(request):
    """Counts per subject and grade (each links to the search filtered by both) and the newest
    resources the user may see."""
    context = selectors.library_home(actor=request.user)
    for resource in context["recent"]:
        resource.thumbnail = selectors.thumbnail_of(resource)
    context.update(
        {
            "form": SearchForm(),
            "can_contribute": _can_contribute(request.user),
            "section": "home",
        }
    )
    return render(request, "resources/home.html", context)


@login_required
@require_GET
def search(request):
    """Results of the query and filters, ranked; each facet value links to the same search with
    that filter added (or removed) and says how many resources it would show."""
    form = SearchForm(request.GET)
    filters = form.filters()
    results = selectors.resources_search(actor=request.user, **filters)
    facets = selectors.resource_facets(results)
    page_obj = Paginator(selectors.with_files(results), PAGE_SIZE).get_page(request.GET.get("page"))
    q = filters["q"]
    for resource in page_obj.object_list:
        resource.title_html = selectors.highlight(resource.title, q)
        resource.snippet_html = selectors.snippet(resource, q)
        resource.thumbnail = selectors.thumbnail_of(resource)
    active = {name: request.GET.get(name, "") for name in selectors.FACETS}
    facet_groups = [
        {
            "name": name,
            "label": FACET_LABELS[name],
            "active": active[name],
            "values": [
                {
                    **value,
                    "label": _("Khối %(grade)s") % {"grade": value["value"]}
                    if name == "grade"
                    else value["label"],
                    "selected": str(value["value"]) == active[name],
                    "url": _facet_url(request, name, value["value"], active[name]),
                }
                for value in facets[name]
            ],
        }
        for name in selectors.FACETS
    ]
    context = {
        "form": form,
        "q": q,
        "page_obj": page_obj,
        "facet_groups": facet_groups,
        "filtered": bool(q) or any(active.values()),
        "can_contribute": _can_contribute(request.user),
        "section": "search",
    }
    return render(request, "resources/search.html", context)


urlpatterns = [
    path("library/", home, name="home"),
    path("library/search/", search, name="search"),
]
