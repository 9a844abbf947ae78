"""Django admin: every registered model's list and form pages open for a superuser only."""

import pytest
from django.contrib import admin
from django.urls import reverse

from hocso.accounts.models import ApiToken, AuditEntry
from hocso.accounts.services import audit_log, token_create
from hocso.orgs.models import OrgKind, OrgUnit
from hocso.registry.models import Student

from ..factories import StudentFactory

EXPECTED = {
    "orgs.orgunit", "orgs.orgunitmove", "orgs.schoolyear", "accounts.user",
    "accounts.roleassignment", "accounts.auditentry", "accounts.apitoken", "registry.student",
    "registry.guardian", "registry.staff", "registry.schoolclass", "registry.enrollment",
    "registry.room", "registry.equipment", "registry.importjob",
}  # fmt: skip


def _admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_the_registry_models_are_registered():
    registered = {m._meta.label_lower for m in admin.site._registry}
    assert registered >= EXPECTED


def test_every_changelist_opens_and_searches_for_a_superuser(client, users, year):
    StudentFactory(school=OrgUnit.objects.get(code="84000001"))
    audit_log(actor=users.admin_a, action="student.view")
    token_create(user=users.admin_a)
    client.force_login(users.superuser)
    for model in admin.site._registry:
        if model._meta.label_lower not in EXPECTED:
            continue
        assert client.get(_admin_url(model, "changelist")).status_code == 200, model
        assert client.get(_admin_url(model, "changelist") + "?q=84").status_code == 200, model


def test_audit_entries_and_tokens_are_read_only(client, users):
    entry = audit_log(actor=users.admin_a, action="student.view")
    token_create(user=users.admin_a)
    token = ApiToken.objects.get()
    client.force_login(users.superuser)
    assert client.get(_admin_url(AuditEntry, "add")).status_code == 403
    assert client.get(_admin_url(ApiToken, "add")).status_code == 403
    page = client.get(_admin_url(ApiToken, "change", token.pk))
    assert page.status_code == 200
    assert token.key_hash not in page.content.decode()
    assert (
        client.post(_admin_url(AuditEntry, "delete", entry.pk), {"post": "yes"}).status_code == 403
    )
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_adding_a_unit_in_the_admin_computes_its_path(client, users, tree):
    client.force_login(users.superuser)
    response = client.post(
        _admin_url(OrgUnit, "add"),
        {"code": "28433", "name": "Phường 2", "kind": OrgKind.COMMUNE, "school_type": "",
         "ownership": "public", "address": "", "parent": tree.district1.pk},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    assert OrgUnit.objects.get(code="28433").path == "84/842/28433/"


def test_editing_a_student_in_the_admin_keeps_the_search_key(client, users, tree):
    student = StudentFactory(school=tree.school_a)
    client.force_login(users.superuser)
    page = client.get(_admin_url(Student, "change", student.pk))
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(
        {"full_name": "Đặng Văn Mới", "school": tree.school_a.pk, "date_of_birth": "2012-03-14",
         "guardianship_set-TOTAL_FORMS": "0", "guardianship_set-INITIAL_FORMS": "0",
         "enrollments-TOTAL_FORMS": "0", "enrollments-INITIAL_FORMS": "0"}
    )  # fmt: skip
    response = client.post(_admin_url(Student, "change", student.pk), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    student.refresh_from_db()
    assert student.search_name == "dang van moi"


@pytest.mark.parametrize("who", ["province", "admin_a", "outsider"])
def test_admin_is_for_superusers_only(client, users, who):
    client.force_login(getattr(users, who))
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
