"""Who sees which resource (resources/access.py)."""

from hocso.resources import access


def _titles(actor):
    return set(access.resources_visible(actor).values_list("title", flat=True))


def test_a_learner_sees_province_wide_and_own_school_published_resources(library, users):
    assert _titles(users.student_a) == {"Phân số và số thập phân"}


def test_a_school_c_admin_sees_their_school_shared_video_and_the_province_pdf(library, users):
    assert _titles(users.admin_c) == {"Phân số và số thập phân", "Thí nghiệm đo điện trở"}


def test_the_contributor_sees_their_drafts_and_submissions(library, users):
    assert {"Phiếu học tập Ngữ văn", "Sơ đồ phân số"} <= _titles(users.teacher_a)
    assert "Thí nghiệm đo điện trở" not in _titles(users.teacher_a)


def test_the_province_officer_sees_everything_in_the_province(library, users):
    assert len(_titles(users.province)) == 4


def test_an_outsider_sees_nothing(library, users):
    assert _titles(users.outsider) == set()


def test_reviewers_are_those_who_write_the_owning_unit(library, users):
    assert access.can_review(users.admin_a, library.submitted_a)
    assert access.can_review(users.province, library.submitted_a)
    assert not access.can_review(users.teacher_a, library.submitted_a)
    assert not access.can_review(users.admin_c, library.submitted_a)
    assert access.can_share_province(users.province, library.submitted_a.org_unit)
    assert not access.can_share_province(users.admin_a, library.submitted_a.org_unit)
