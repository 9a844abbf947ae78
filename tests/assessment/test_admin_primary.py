"""Django admin of the primary (Circular 27) tables: registered, listed and filtered by year and
school for a superuser, and read-only (they change only through the services)."""

import pytest
from django.contrib import admin
from django.urls import reverse

from hocso.assessment.compute_primary import primary_results_compute
from hocso.assessment.models import (
    PrimaryChange,
    PrimarySubjectAssessment,
    PrimaryTraitAssessment,
    PrimaryYearResult,
)

from .primary_setup import make_primary, put_year_end

MODELS = (PrimarySubjectAssessment, PrimaryTraitAssessment, PrimaryChange, PrimaryYearResult)


def admin_url(model, view, *args):
    return reverse(f"admin:assessment_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def p(tree, users, year):
    primary = make_primary(tree, users, year)
    put_year_end(primary.school_class, primary.learners[0])
    primary_results_compute(school_class=primary.school_class)
    return primary


def test_the_primary_models_are_registered():
    assert set(MODELS) <= set(admin.site._registry)


def test_the_changelists_filter_by_year_and_school(client, users, p, tree):
    client.force_login(users.superuser)
    for model in MODELS:
        listed = client.get(admin_url(model, "changelist"))
        assert listed.status_code == 200, model
        here = client.get(
            admin_url(model, "changelist"), {"year__id__exact": p.year.pk, "school": p.school.pk}
        )
        assert here.status_code == 200, model
    page = client.get(admin_url(PrimaryYearResult, "changelist"))
    assert tree.school_b.name in page.content.decode()  # a primary school in the school filter
    assert tree.school_c.name not in page.content.decode()  # an upper secondary one is not
    mine = client.get(admin_url(PrimaryYearResult, "changelist"), {"school": p.school.pk})
    elsewhere = client.get(admin_url(PrimaryYearResult, "changelist"), {"school": tree.school_a.pk})
    assert mine.context["cl"].result_count == 1
    assert elsewhere.context["cl"].result_count == 0


def test_the_year_result_and_the_levels_are_read_only(client, users, p):
    client.force_login(users.superuser)
    result = PrimaryYearResult.objects.get(student=p.learners[0])
    for model in MODELS:
        assert client.get(admin_url(model, "add")).status_code == 403, model
    response = client.post(
        admin_url(PrimaryYearResult, "change", result.pk), {"outcome": "chua_hoan_thanh"}
    )
    assert response.status_code == 403
    assert (
        client.post(admin_url(PrimaryYearResult, "delete", result.pk), {"post": "yes"}).status_code
        == 403
    )
    result.refresh_from_db()
    assert result.outcome == "xuat_sac"
