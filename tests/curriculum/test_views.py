"""The curriculum pages: every staff role reads the plan of a grade; only a province officer (or a
superuser) edits it, through a confirmation step, and every edit is validated and audited."""

import pytest
from django.urls import reverse

from hocso.accounts.models import AuditEntry
from hocso.curriculum.models import AssessmentMode, GradeSubject, Subject
from hocso.curriculum.selectors import grade_subject_get

INDEX = reverse("curriculum:index")


def _edit_url(grade, code):
    return reverse("curriculum:grade_subject_edit", args=[grade, code])


def _data(row, **changes):
    """The edit form as the page would post it, with the row's current values."""
    data = {"name": row.name, "periods_per_year": row.periods_per_year}
    if row.grade >= 6:
        data["assessment_mode"] = row.assessment_mode
    if row.grade >= 10:
        data["elective_group"] = row.elective_group
    flags = ["is_compulsory"] + (
        ["has_periodic_tests", "has_midterm_tests"] if row.grade <= 5 else []
    )
    for flag in flags:
        if getattr(row, flag):
            data[flag] = "on"
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def _field_errors(response, field):
    return [str(e) for e in response.context["form"].errors.get(field, [])]


# --- reading ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", [INDEX, "/curriculum/8/CN/", "/curriculum/8/add/", "/curriculum/subjects/add/"]
)
def test_anonymous_visitor_is_sent_to_the_login_page(client, seeded, path):
    response = client.get(path)

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("who", ["province", "district2", "admin_a", "teacher_a", "superuser"])
def test_every_staff_role_reads_the_plan_of_grade_6_by_default(client, seeded, users, who):
    client.force_login(getattr(users, who))

    response = client.get(INDEX)

    assert response.status_code == 200
    assert response.context["grade"] == 6
    page = response.content.decode()
    assert "Khoa học tự nhiên" in page
    assert [r.subject.code for r in response.context["rows"]] == [
        r.subject.code for r in GradeSubject.objects.filter(grade=6)
    ]


@pytest.mark.parametrize("who", ["student_a", "guardian_a", "outsider"])
def test_learners_guardians_and_users_without_a_role_may_not_read_the_plan(
    client, seeded, users, who
):
    client.force_login(getattr(users, who))

    assert client.get(INDEX).status_code == 403


def test_the_plan_shows_periods_and_regular_assessments_required_per_subject(client, seeded, users):
    client.force_login(users.teacher_a)

    response = client.get(INDEX, {"grade": 8})

    rows = {r.subject.code: r for r in response.context["rows"]}
    assert (rows["TOAN"].periods_per_year, rows["TOAN"].regular_assessments_required) == (140, 4)
    assert (rows["CN"].periods_per_year, rows["CN"].regular_assessments_required) == (52, 3)
    assert rows["GDTC"].mode_label == "Nhận xét"
    assert rows["GDTC"].mode_title == str(AssessmentMode.COMMENT.label)
    assert rows["TOAN"].mode_label == "Điểm số"
    page = response.content.decode()
    assert "ĐĐGtx/học kì" in page
    assert "KT định kì" not in page


def test_the_grade_1_page_shows_the_primary_test_flags(client, seeded, users):
    client.force_login(users.teacher_a)

    response = client.get(INDEX, {"grade": 1})

    page = response.content.decode()
    assert response.context["is_primary"]
    assert "KT định kì" in page and "KT giữa kì" in page
    assert "ĐĐGtx/học kì" not in page
    rows = {r.subject.code: r for r in response.context["rows"]}
    assert rows["TV"].has_periodic_tests and not rows["TV"].has_midterm_tests
    assert not rows["DD"].has_periodic_tests
    assert rows["NN1"].kind == "Tự chọn"
    assert {r.mode_label for r in rows.values()} == {"Mức hoàn thành"}


@pytest.mark.parametrize("value", ["abc", "0", "13", ""])
def test_an_unknown_grade_shows_grade_6(client, seeded, users, value):
    client.force_login(users.teacher_a)

    assert client.get(INDEX, {"grade": value}).context["grade"] == 6


def test_upper_secondary_electives_are_marked_as_such(client, seeded, users):
    client.force_login(users.teacher_a)

    rows = {r.subject.code: r for r in client.get(INDEX, {"grade": 11}).context["rows"]}

    assert rows["VL"].kind == "Lựa chọn"
    assert rows["TOAN"].kind == "Bắt buộc"


@pytest.mark.parametrize(("who", "sees_edit"), [("province", True), ("superuser", True),
                                               ("teacher_a", False), ("admin_a", False),
                                               ("district2", False)])  # fmt: skip
def test_edit_links_only_for_those_who_may_edit(client, seeded, users, who, sees_edit):
    client.force_login(getattr(users, who))

    page = client.get(INDEX, {"grade": 8}).content.decode()

    assert (_edit_url(8, "CN") in page) is sees_edit
    assert (reverse("curriculum:grade_subject_add", args=[8]) in page) is sees_edit


def test_the_navigation_links_to_the_plan_for_staff_only(client, seeded, users):
    client.force_login(users.teacher_a)
    assert f'href="{INDEX}"' in client.get(reverse("home")).content.decode()

    client.force_login(users.student_a)
    assert f'href="{INDEX}"' not in client.get(reverse("home")).content.decode()


# --- who may edit ----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["teacher_a", "admin_a", "district2", "student_a"])
def test_anyone_but_an_officer_gets_403_on_the_edit_page_and_nothing_changes(
    client, seeded, users, who
):
    client.force_login(getattr(users, who))
    row = grade_subject_get(8, "CN")
    url = _edit_url(8, "CN")

    assert client.get(url).status_code == 403
    assert client.post(url, _data(row, periods_per_year=71)).status_code == 403
    token_guess = {"confirm": "0" * 16, **_data(row, periods_per_year=71)}
    assert client.post(url, token_guess).status_code == 403

    assert grade_subject_get(8, "CN").periods_per_year == 52
    assert not AuditEntry.objects.filter(action__startswith="grade_subject.").exists()


@pytest.mark.parametrize("who", ["teacher_a", "admin_a"])
def test_teachers_and_school_admins_may_not_add_subjects(client, seeded, users, who):
    client.force_login(getattr(users, who))
    add_to_grade = reverse("curriculum:grade_subject_add", args=[3])
    add_subject = reverse("curriculum:subject_create")

    assert client.get(add_to_grade).status_code == 403
    assert client.get(add_subject).status_code == 403
    response = client.post(
        add_subject, {"code": "KHMER", "name": "Tiếng Khmer", "assessment_mode": "scored",
                      "sort_order": 300},
    )  # fmt: skip
    assert response.status_code == 403
    assert not Subject.objects.filter(code="KHMER").exists()


def test_an_unknown_grade_subject_is_404_for_an_officer(client, seeded, users):
    client.force_login(users.province)

    assert client.get(_edit_url(8, "KHONGCO")).status_code == 404
    assert client.get(_edit_url(13, "TOAN")).status_code == 404
    assert client.get(reverse("curriculum:grade_subject_add", args=[0])).status_code == 404


# --- editing ---------------------------------------------------------------------------------


def test_officer_edits_after_confirming_and_the_change_is_audited(client, seeded, users):
    client.force_login(users.province)
    row = grade_subject_get(8, "CN")
    url = _edit_url(8, "CN")

    preview = client.post(url, _data(row, periods_per_year=71))

    assert preview.status_code == 200
    assert preview.templates[0].name == "curriculum/grade_subject_confirm.html"
    page = preview.content.decode()
    assert "52 → <strong>71</strong>" in page
    assert "đổi từ 3 thành 4" in page
    assert grade_subject_get(8, "CN").periods_per_year == 52  # nothing saved before confirming

    response = client.post(
        url, {"confirm": preview.context["token"], **_data(row, periods_per_year=71)}
    )

    assert response.status_code == 302
    assert response.url == f"{INDEX}?grade=8"
    assert grade_subject_get(8, "CN").periods_per_year == 71
    entry = AuditEntry.objects.get(action="grade_subject.update")
    assert entry.actor == users.province
    assert entry.detail == {"grade": 8, "subject": "CN", "changes": {"periods_per_year": [52, 71]}}


def test_the_edit_page_shows_the_latest_changes_of_that_grade_subject(client, seeded, users):
    client.force_login(users.province)
    row = grade_subject_get(10, "LS")
    url = _edit_url(10, "LS")
    for periods in (60, 80):
        preview = client.post(url, _data(grade_subject_get(10, "LS"), periods_per_year=periods))
        client.post(url, {"confirm": preview.context["token"],
                          **_data(grade_subject_get(10, "LS"), periods_per_year=periods)})  # fmt: skip
    other = _edit_url(10, "TOAN")
    preview = client.post(other, _data(grade_subject_get(10, "TOAN"), periods_per_year=100))
    client.post(other, {"confirm": preview.context["token"],
                        **_data(grade_subject_get(10, "TOAN"), periods_per_year=100)})  # fmt: skip

    response = client.get(url)

    history = response.context["history"]
    assert [(h["lines"][0]["old"], h["lines"][0]["new"]) for h in history] == [
        ("60", "80"),
        ("52", "60"),
    ]
    assert all(h["by"] == users.province for h in history)
    assert row.pk == response.context["row"].pk
    assert "60 → <strong>80</strong>" in response.content.decode()


def test_going_back_from_the_confirmation_keeps_what_was_typed(client, seeded, users):
    client.force_login(users.province)
    row = grade_subject_get(8, "CN")

    response = client.post(_edit_url(8, "CN"), {"back": "1", **_data(row, periods_per_year=71)})

    assert response.templates[0].name == "curriculum/grade_subject_form.html"
    assert 'value="71"' in response.content.decode()
    assert grade_subject_get(8, "CN").periods_per_year == 52


def test_a_confirmation_for_values_changed_meanwhile_is_shown_again(client, seeded, users):
    client.force_login(users.province)
    row = grade_subject_get(8, "CN")
    url = _edit_url(8, "CN")
    preview = client.post(url, _data(row, periods_per_year=71))
    # Another officer changes the periods between the preview and the confirmation.
    GradeSubject.objects.filter(pk=row.pk).update(periods_per_year=60)

    response = client.post(
        url, {"confirm": preview.context["token"], **_data(row, periods_per_year=71)}
    )

    assert response.status_code == 200
    assert response.context["changed_meanwhile"]
    assert "60 → <strong>71</strong>" in response.content.decode()
    assert grade_subject_get(8, "CN").periods_per_year == 60
    assert not AuditEntry.objects.filter(action="grade_subject.update").exists()


def test_saving_without_changes_writes_nothing(client, seeded, users):
    client.force_login(users.province)
    row = grade_subject_get(8, "CN")

    response = client.post(_edit_url(8, "CN"), _data(row), follow=True)

    assert "Không có thay đổi nào để lưu." in response.content.decode()
    assert not AuditEntry.objects.filter(action="grade_subject.update").exists()


def test_a_mode_change_says_what_the_grade_books_become(client, seeded, users):
    client.force_login(users.province)
    row = grade_subject_get(11, "TIN")

    preview = client.post(_edit_url(11, "TIN"), _data(row, assessment_mode="comment"))

    assert preview.templates[0].name == "curriculum/grade_subject_confirm.html"
    consequences = " ".join(preview.context["consequences"])
    assert "Đánh giá bằng điểm số" in consequences
    assert "Đánh giá bằng nhận xét" in consequences


def test_the_forms_fields_follow_the_grade(client, seeded, users):
    client.force_login(users.province)

    primary = client.get(_edit_url(3, "TOAN")).context["form"].fields
    lower = client.get(_edit_url(8, "TOAN")).context["form"].fields
    upper = client.get(_edit_url(11, "VL")).context["form"].fields

    assert {"has_periodic_tests", "has_midterm_tests"} <= set(primary)
    assert "assessment_mode" not in primary and "elective_group" not in primary
    assert "assessment_mode" in lower and "has_periodic_tests" not in lower
    assert "elective_group" not in lower
    assert "elective_group" in upper


@pytest.mark.parametrize(
    ("grade", "code", "changes", "field", "message"),
    [
        (8, "CN", {"periods_per_year": 0}, "periods_per_year", "phải lớn hơn 0"),
        (8, "CN", {"periods_per_year": "nhiều"}, "periods_per_year", "một số nguyên"),
        (11, "TOAN", {"elective_group": "10-12-elective"}, "is_compulsory",
         "Môn thuộc nhóm môn lựa chọn thì không phải môn bắt buộc."),
        (3, "DD", {"has_midterm_tests": "on"}, "has_midterm_tests",
         "Môn có bài kiểm tra giữa kì thì cũng có bài kiểm tra định kì cuối kì."),
        (8, "TOAN", {"assessment_mode": "primary"}, "assessment_mode", "hợp lệ"),
    ],
)  # fmt: skip
def test_invalid_values_are_shown_next_to_the_field_and_nothing_changes(
    client, seeded, users, grade, code, changes, field, message
):
    client.force_login(users.province)
    row = grade_subject_get(grade, code)
    before = GradeSubject.objects.filter(pk=row.pk).values().get()

    response = client.post(_edit_url(grade, code), _data(row, **changes))

    assert response.status_code == 200
    assert response.templates[0].name == "curriculum/grade_subject_form.html"
    assert any(message in e for e in _field_errors(response, field)), response.context[
        "form"
    ].errors
    page = response.content.decode()
    assert f'id="id_{field}_error"' in page
    assert GradeSubject.objects.filter(pk=row.pk).values().get() == before
    assert not AuditEntry.objects.filter(action="grade_subject.update").exists()


def test_a_constraint_the_model_clean_misses_still_lands_on_its_field(
    client, seeded, users, monkeypatch
):
    """Should Model.clean() ever stop explaining a rule, the database constraint (checked by
    full_clean) still reaches the page as a Vietnamese error on the field, not a 500."""
    monkeypatch.setattr(GradeSubject, "clean", lambda self: None)
    client.force_login(users.province)
    row = grade_subject_get(3, "DD")

    response = client.post(_edit_url(3, "DD"), _data(row, has_midterm_tests="on"))

    assert response.status_code == 200
    assert _field_errors(response, "has_midterm_tests") == [
        "Môn có bài kiểm tra giữa kì thì cũng có bài kiểm tra định kì cuối kì."
    ]
    assert not grade_subject_get(3, "DD").has_midterm_tests


def test_a_violation_only_the_database_catches_is_a_form_error(client, seeded, users, monkeypatch):
    client.force_login(users.province)
    url = _edit_url(11, "TOAN")
    row = grade_subject_get(11, "TOAN")
    data = _data(row, elective_group="10-12-elective")
    monkeypatch.setattr(GradeSubject, "full_clean", lambda self, *a, **k: None)
    preview = client.post(url, data)

    response = client.post(url, {"confirm": preview.context["token"], **data})

    assert response.status_code == 200
    assert _field_errors(response, "is_compulsory") == [
        "Môn thuộc nhóm môn lựa chọn thì không phải môn bắt buộc."
    ]
    assert grade_subject_get(11, "TOAN").elective_group == ""


# --- adding ----------------------------------------------------------------------------------


def test_officer_creates_a_subject_then_adds_it_to_a_primary_grade(client, seeded, users):
    client.force_login(users.province)

    response = client.post(
        reverse("curriculum:subject_create") + "?grade=3",
        {"code": "khmer", "name": "Tiếng Khmer", "assessment_mode": "scored", "sort_order": 300},
    )

    add_url = reverse("curriculum:grade_subject_add", args=[3])
    assert response.status_code == 302
    assert response.url == f"{add_url}?subject=KHMER"
    khmer = Subject.objects.get(code="KHMER")
    form = client.get(response.url).context["form"]
    assert form.initial["subject"] == khmer

    response = client.post(
        add_url, {"subject": khmer.pk, "periods_per_year": 70, "has_periodic_tests": "on"}
    )

    assert response.status_code == 302
    row = grade_subject_get(3, "KHMER")
    assert (row.periods_per_year, row.is_compulsory, row.assessment_mode) == (70, False, "primary")
    assert row.has_periodic_tests
    actions = list(AuditEntry.objects.filter(actor=users.province).values_list("action", flat=True))
    assert sorted(actions) == ["grade_subject.create", "subject.create"]
    assert client.get(_edit_url(3, "KHMER")).context["history"][0]["action"] == "Thêm vào khối"


def test_a_subject_already_in_the_grade_is_not_offered_again(client, seeded, users):
    client.force_login(users.province)
    add_url = reverse("curriculum:grade_subject_add", args=[8])
    toan = Subject.objects.get(code="TOAN")

    assert toan not in client.get(add_url).context["form"].fields["subject"].queryset
    response = client.post(add_url, {"subject": toan.pk, "periods_per_year": 70,
                                     "is_compulsory": "on"})  # fmt: skip

    assert response.status_code == 200
    assert _field_errors(response, "subject")
    assert GradeSubject.objects.filter(grade=8, subject=toan).count() == 1


@pytest.mark.parametrize(
    ("code", "message"),
    [("TOAN", "Mã môn này đã có."), ("KH-MER", "Mã môn chỉ gồm chữ in hoa không dấu và chữ số")],
)
def test_a_bad_subject_code_is_refused_on_the_code_field(client, seeded, users, code, message):
    client.force_login(users.province)
    count = Subject.objects.count()

    response = client.post(
        reverse("curriculum:subject_create"),
        {"code": code, "name": "Tiếng Khmer", "assessment_mode": "scored", "sort_order": 300},
    )

    assert response.status_code == 200
    assert _field_errors(response, "code") == [message]
    assert 'value="Tiếng Khmer"' in response.content.decode()  # what was typed is kept
    assert Subject.objects.count() == count
    assert not AuditEntry.objects.filter(action="subject.create").exists()


def test_adding_to_a_secondary_grade_checks_the_mode(client, seeded, users):
    client.force_login(users.province)
    tv = Subject.objects.get(code="TV")  # a primary-only subject: its own mode is "primary"

    response = client.post(
        reverse("curriculum:grade_subject_add", args=[6]),
        {"subject": tv.pk, "periods_per_year": 35, "assessment_mode": ""},
    )

    assert response.status_code == 200
    assert any("Thông tư 22" in e for e in _field_errors(response, "assessment_mode"))
    assert not GradeSubject.objects.filter(grade=6, subject=tv).exists()
