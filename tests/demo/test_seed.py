"""The small demo province as loaded by `hocso seed-demo --scale small` (once for the module)."""

from collections import Counter
from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, Q
from django.urls import reverse

from hocso.accounts.models import Role
from hocso.accounts.scope import scope_for
from hocso.demo.accounts import DEMO_PASSWORD, DEMO_USERNAMES, PEOPLE_CLASS
from hocso.demo.data.schools import (
    LOWER_SECONDARY_SUBJECTS,
    PRESCHOOL_SUBJECTS,
    PRIMARY_CLASS_TEACHER,
    PRIMARY_SPECIALISTS,
    SECOND_SUBJECT,
    UPPER_SECONDARY_SUBJECTS,
)
from hocso.demo.monitoring import YEARS as HISTORY_YEARS
from hocso.demo.plan import (
    AS_OF,
    CURRENT_YEAR,
    EARLIER_YEAR,
    PREVIOUS_YEAR,
    SCALES,
    DemoPlan,
    year_dates,
)
from hocso.orgs.models import OrgKind, OrgUnit, OrgUnitMove, SchoolType
from hocso.registry import selectors
from hocso.registry.models import (
    Enrollment,
    EnrollmentEnd,
    EnrollmentStart,
    Equipment,
    Guardian,
    Room,
    SchoolClass,
    Staff,
    Student,
    StudentStatus,
)
from hocso.registry.rules import HOA, KHMER, KINH, citizen_id_problems

pytestmark = pytest.mark.django_db
DEMO_GRADES = False  # the registry only: the grade books are tested in test_grades.py


def test_loads_a_few_thousand_learners_in_13_schools_across_3_old_districts(demo):
    schools = OrgUnit.objects.filter(kind=OrgKind.SCHOOL)
    assert schools.count() == 13
    assert OrgUnit.objects.filter(kind=OrgKind.DISTRICT).count() == 9
    assert len({m.old_path.split("/")[1] for m in OrgUnitMove.objects.filter(
        unit__children__kind=OrgKind.SCHOOL)}) == 3  # fmt: skip
    studying = Student.objects.filter(status=StudentStatus.STUDYING).count()
    assert 2_000 <= studying <= 8_000
    assert set(schools.values_list("school_type", flat=True)) >= {
        SchoolType.PRESCHOOL, SchoolType.PRIMARY, SchoolType.LOWER_SECONDARY,
        SchoolType.UPPER_SECONDARY, SchoolType.CONTINUING,
    }  # fmt: skip
    assert "Tài khoản mẫu" in demo.output


def test_about_31_percent_of_learners_are_khmer_with_kinh_and_hoa_too(demo):
    counts = Counter(
        Student.objects.filter(status=StudentStatus.STUDYING).values_list("ethnicity", flat=True)
    )
    total = sum(counts.values())
    assert abs(counts[KHMER] / total - 0.31) <= 0.05
    assert counts[KINH] > counts[KHMER] > counts[HOA] > 0


def test_khmer_learners_carry_khmer_family_names(demo):
    khmer_family = {"Thạch", "Sơn", "Kim", "Danh", "Lâm", "Lý", "Châu", "Huỳnh", "Kiên", "Trà",
                    "Triệu", "Dương"}  # fmt: skip
    names = Student.objects.filter(ethnicity=KHMER).values_list("full_name", flat=True)
    assert all(name.split()[0] in khmer_family for name in names)
    assert any(
        name.endswith(("Sô Phal", "Sa Rum", "Chanh Đa", "Sô Phia", "Mo Ni")) for name in names
    )


def test_every_current_class_has_30_to_45_active_learners_and_a_homeroom_teacher(demo):
    classes = SchoolClass.objects.filter(year__code=CURRENT_YEAR).annotate(
        active=Count("enrollments", filter=Q(enrollments__end_date__isnull=True))
    )
    assert classes.exists()
    for school_class in classes:
        assert 30 <= school_class.active <= 45, school_class
        assert school_class.homeroom_teacher is not None
        assert school_class.homeroom_teacher.school_id == school_class.school_id
    names = set(classes.values_list("name", flat=True))
    assert {"6A1", "1A", "10A1", "LÁ 1"} <= names


def test_every_citizen_id_is_valid_for_gender_and_birth_year_and_unique(demo):
    people = list(Student.objects.exclude(national_id=None).values_list(
        "national_id", "gender", "date_of_birth")) + list(Staff.objects.values_list(
        "national_id", "gender", "date_of_birth"))  # fmt: skip
    for national_id, gender, born in people:
        assert citizen_id_problems(national_id, gender=gender, birth_year=born.year) == []
    ids = [p[0] for p in people]
    assert len(ids) == len(set(ids))
    provinces = Counter(i[:3] for i in ids)
    assert provinces.most_common(1)[0][0] == "084" and len(provinces) > 3


def test_moet_codes_are_unique_10_digit_strings_starting_84(demo):
    codes = list(Student.objects.values_list("moet_code", flat=True))
    assert len(codes) == len(set(codes)) == Student.objects.count()
    assert all(len(c) == 10 and c.isdigit() and c.startswith("84") for c in codes)


def test_learners_born_in_the_year_their_grade_implies(demo):
    """Continuing-education centres excepted: their learners are often older."""
    rows = (
        Enrollment.objects.filter(
            end_date__isnull=True,
            school_class__grade__gte=1,
            start_reason=EnrollmentStart.PROMOTION,
        )
        .exclude(school__school_type=SchoolType.CONTINUING)
        .values_list("school_class__grade", "student__date_of_birth")
    )
    assert rows
    assert CURRENT_YEAR == "2026-2027"
    for grade, born in rows:
        assert born.year == 2021 - grade  # grade 1 in 2026-2027 → 6 in 2026 → born 2020
    repeaters = Enrollment.objects.filter(
        end_date__isnull=True, start_reason=EnrollmentStart.REPEAT, school_class__grade__gte=1
    ).exclude(school__school_type=SchoolType.CONTINUING)
    assert repeaters.exists()
    for enrollment in repeaters.select_related("student", "school_class"):
        assert enrollment.student.date_of_birth.year == 2020 - enrollment.school_class.grade
    graduates = Enrollment.objects.filter(
        end_reason=EnrollmentEnd.GRADUATION, year__code=PREVIOUS_YEAR, school_class__grade=12
    )
    assert {e.student.date_of_birth.year for e in graduates.select_related("student")[:50]} == {
        2008
    }  # grade 12 in 2025-2026 (earlier years' graduates: tests/demo/test_monitoring_demo.py)


def test_each_learner_has_one_active_enrollment_unless_dropped_out_or_graduated(demo):
    active = Count("enrollments", filter=Q(enrollments__end_date__isnull=True))
    by_status = Student.objects.annotate(active=active).values_list("status", "active")
    for status, n_active in by_status:
        assert n_active == (1 if status == StudentStatus.STUDYING else 0), status
    statuses = Counter(s for s, _ in by_status)
    assert statuses[StudentStatus.DROPPED_OUT] > 0 and statuses[StudentStatus.GRADUATED] > 0


def test_enrollment_history_has_promotions_transfers_drop_outs_and_graduations(demo):
    ends = Counter(Enrollment.objects.values_list("end_reason", flat=True))
    starts = Counter(Enrollment.objects.values_list("start_reason", flat=True))
    assert ends[EnrollmentEnd.YEAR_END] > 1000
    assert starts[EnrollmentStart.PROMOTION] > 1000 and starts[EnrollmentStart.ADMISSION] > 500
    assert ends[EnrollmentEnd.TRANSFER_OUT] == starts[EnrollmentStart.TRANSFER_IN] > 0
    assert ends[EnrollmentEnd.DROP_OUT] > 0 and ends[EnrollmentEnd.GRADUATION] > 0
    for transfer_in in Enrollment.objects.filter(start_reason=EnrollmentStart.TRANSFER_IN):
        out = Enrollment.objects.get(
            student=transfer_in.student, end_reason=EnrollmentEnd.TRANSFER_OUT
        )
        assert out.end_date == transfer_in.start_date and out.school_id != transfer_in.school_id
        assert transfer_in.student.school_id == transfer_in.school_id
    graduation = Enrollment.objects.filter(
        end_reason=EnrollmentEnd.GRADUATION, year__code=PREVIOUS_YEAR
    ).first()
    assert graduation.school_class.grade == 12


def test_promoted_learners_were_in_the_same_cohort_class_last_year(demo):
    promoted = Enrollment.objects.filter(
        start_reason=EnrollmentStart.PROMOTION, year__code=CURRENT_YEAR, school_class__name="7A1"
    ).select_related("student")[:20]
    assert promoted
    for enrollment in promoted:
        last_year = Enrollment.objects.get(student=enrollment.student, year__code=PREVIOUS_YEAR)
        assert (
            last_year.school_class.name == "6A1" and last_year.end_reason == EnrollmentEnd.YEAR_END
        )


def test_cohorts_already_at_school_before_the_reform_keep_that_year_in_their_history(demo):
    """8A1 of 2026-2027 was 7A1 in 2025-2026 and 6A1 in 2024-2025, before the 1 July 2025
    reform; 12A1's learners were in 10A1 then (unless they repeated a grade since). The two
    school years before come from demo/monitoring.py."""
    for current, before in (("8A1", "6A1"), ("12A1", "10A1")):
        enrollments = Enrollment.objects.filter(
            start_reason=EnrollmentStart.PROMOTION, year__code=CURRENT_YEAR,
            school_class__name=current, end_date__isnull=True,
        ).select_related("student", "school")[:20]  # fmt: skip
        assert enrollments
        for enrollment in enrollments:
            history = list(
                Enrollment.objects.filter(student=enrollment.student).order_by("start_date")
            )
            # Earlier years where the learner was in the demo's schools (another school then).
            years = [e.year.code for e in history]
            assert years == list(HISTORY_YEARS[-len(years) :]) and len(years) >= 3
            earlier = history[-3]
            assert earlier.year.code == EARLIER_YEAR
            repeated = any(e.start_reason == EnrollmentStart.REPEAT for e in history[-2:])
            assert earlier.school_class.name == before or repeated
            assert earlier.school_id == enrollment.school_id
            assert earlier.start_date == year_dates(EARLIER_YEAR)[0]
            assert earlier.end_date == date(2025, 5, 31)
            assert earlier.school_class.homeroom_teacher is not None


def test_the_tree_of_a_day_before_the_reform_counts_the_learners_enrolled_that_day(demo, client):
    from hocso.accounts.models import User

    client.force_login(User.objects.get(username="so.gddt"))
    before = client.get(reverse("orgs:tree") + "?unit=84&on=2025-01-01")
    assert before.status_code == 200
    districts = {c.code: c.student_count for c in before.context["children"]}
    enrolled = Enrollment.objects.filter(
        start_date__lte=date(2025, 1, 1), end_date__gte=date(2025, 1, 1)
    )
    assert sum(districts.values()) == enrolled.count() > 1000
    assert len([n for n in districts.values() if n]) == 3  # the three former districts
    after = client.get(reverse("orgs:tree") + "?on=2025-10-01")
    assert [c.code for c in after.context["children"]] == ["86"]


def test_nothing_happens_after_the_demos_day(demo):
    assert date(2026, 11, 27) == AS_OF
    assert not Enrollment.objects.filter(start_date__gt=AS_OF).exists()
    assert not Enrollment.objects.filter(end_date__gt=AS_OF).exists()
    moved = Enrollment.objects.filter(year__code=CURRENT_YEAR, end_date__isnull=False)
    assert moved.filter(end_reason=EnrollmentEnd.TRANSFER_OUT).exists()
    assert moved.filter(end_reason=EnrollmentEnd.DROP_OUT).exists()
    assert not Equipment.objects.filter(acquired_on__gt=date(2026, 8, 31)).exists()
    assert Equipment.objects.filter(acquired_on__year=2026).exists()


def test_guardians_have_vietnamese_mobile_numbers_and_siblings_share_them(demo):
    phones = [p for p in Guardian.objects.values_list("phone", flat=True) if p]
    assert all(len(p) == 10 and p[:2] in ("03", "07", "08", "09") for p in phones)
    assert len(phones) == len(set(phones))
    shared = Guardian.objects.annotate(n=Count("students")).filter(n__gt=1)
    assert shared.exists()
    assert not Student.objects.annotate(n=Count("guardians")).filter(n=0).exists()


def test_online_access_varies_and_is_better_in_towns(demo):
    def share_online(commune_filter):
        learners = Student.objects.filter(status=StudentStatus.STUDYING, **commune_filter)
        return learners.filter(internet_at_home=True).count() / learners.count()

    urban = share_online({"address__contains": "Phường"})
    rural = share_online({"address__contains": "xã "})
    assert urban > rural
    assert len(set(Student.objects.values_list("device_access", flat=True))) == 5


def test_staff_teach_subjects_of_their_school_level(demo):
    allowed = {
        SchoolType.PRESCHOOL: {s for s, _ in PRESCHOOL_SUBJECTS},
        SchoolType.PRIMARY: {s for s, _ in PRIMARY_SPECIALISTS}
        | {part for text in PRIMARY_CLASS_TEACHER.values() for part in text.split("; ")},
        SchoolType.LOWER_SECONDARY: {s for s, _ in LOWER_SECONDARY_SUBJECTS}
        | set(SECOND_SUBJECT.values()),
        SchoolType.UPPER_SECONDARY: {s for s, _ in UPPER_SECONDARY_SUBJECTS}
        | set(SECOND_SUBJECT.values()),
    }
    allowed[SchoolType.CONTINUING] = allowed[SchoolType.UPPER_SECONDARY]
    for staff in Staff.objects.select_related("school").exclude(subjects=""):
        assert set(staff.subjects.split("; ")) <= allowed[staff.school.school_type], staff.subjects
    assert Staff.objects.filter(position="principal").count() == 13
    assert Staff.objects.filter(other_schools__isnull=False).exists()
    learners = Student.objects.filter(status=StudentStatus.STUDYING).count()
    teachers = Staff.objects.filter(position="teacher").count()
    assert 16 <= learners / teachers <= 22


def test_rooms_and_equipment_are_recorded_per_school(demo):
    for school in OrgUnit.objects.filter(kind=OrgKind.SCHOOL):
        kinds = set(Room.objects.filter(school=school).values_list("kind", flat=True))
        assert {"classroom", "library", "office"} <= kinds
        assert Equipment.objects.filter(school=school).exists()
    assert Equipment.objects.filter(category="computer", room__kind="computer").exists()
    assert set(Equipment.objects.values_list("condition", flat=True)) == {"good", "fair", "broken"}
    assert not Equipment.objects.filter(acquired_on__isnull=True).exists()


def test_a_sample_of_rows_passes_full_validation(demo):
    for model in (Student, Staff, Guardian, Enrollment, SchoolClass, Room, Equipment, OrgUnit):
        for row in model.objects.order_by("?")[:60]:
            row.full_clean()


def test_reform_is_recorded_as_data(demo):
    tra_vinh = OrgUnit.objects.get(code="84")
    vinh_long = OrgUnit.objects.get(code="86")
    assert tra_vinh.valid_to == date(2025, 6, 30)
    assert list(tra_vinh.successors.all()) == [vinh_long]
    assert vinh_long.valid_from == date(2025, 7, 1) and vinh_long.valid_to is None
    for district in OrgUnit.objects.filter(kind=OrgKind.DISTRICT):
        assert district.valid_to == date(2025, 6, 30)
        assert list(district.successors.all()) == [vinh_long]
        assert not district.children.exists()
    communes = OrgUnit.objects.filter(kind=OrgKind.COMMUNE)
    assert all(c.parent_id == vinh_long.pk and c.path == f"86/{c.code}/" for c in communes)
    moves = OrgUnitMove.objects.filter(effective_on=date(2025, 7, 1))
    assert moves.count() == communes.count()
    assert all(m.old_path.startswith("84/") and m.new_parent_id == vinh_long.pk for m in moves)
    assert OrgUnit.objects.get(name="Trường THPT Trà Cú").path == "86/29461/84493001/"


def test_same_seed_writes_the_learners_the_plan_describes(demo):
    plan = DemoPlan(SCALES["small"], demo.seed)
    planned = plan.students_for(plan.schools[0]).students[:30]
    stored = Student.objects.order_by("id")[:30]
    assert [(s.full_name, s.national_id, s.moet_code) for s in planned] == [
        (s.full_name, s.national_id, s.moet_code) for s in stored
    ]


@pytest.mark.parametrize(
    ("username", "role", "unit_code"),
    [
        ("so.gddt", Role.PROVINCE_OFFICER, "86"),
        ("admin.thcs-lytutrong", Role.SCHOOL_ADMIN, "84422001"),
        ("admin.thpt-tracu", Role.SCHOOL_ADMIN, "84493001"),
        ("admin.th-phuong1", Role.SCHOOL_ADMIN, "84421002"),
        ("gv.thcs-lytutrong", Role.TEACHER, "84422001"),
        ("hs.thcs-lytutrong", Role.STUDENT, "84422001"),
        ("ph.thcs-lytutrong", Role.GUARDIAN, "84422001"),
    ],
)
def test_demo_accounts_log_in_and_hold_their_role(demo, client, username, role, unit_code):
    assert client.login(username=username, password=DEMO_PASSWORD)
    from hocso.accounts.models import User

    user = User.objects.get(username=username)
    assert [(a.role, a.org_unit.code) for a in user.role_assignments.all()] == [(role, unit_code)]
    assert username in demo.output


def test_demo_superuser_logs_in_to_django_admin(demo, client):
    assert client.login(username="admin", password=DEMO_PASSWORD)
    assert client.get("/admin/").status_code == 200


def test_demo_people_accounts_are_linked_to_their_records(demo):
    from hocso.accounts.models import User

    learner_user = User.objects.get(username="hs.thcs-lytutrong")
    parent_user = User.objects.get(username="ph.thcs-lytutrong")
    teacher_user = User.objects.get(username="gv.thcs-lytutrong")
    learner = learner_user.student
    assert learner.full_name == learner_user.full_name
    assert parent_user.guardian in learner.guardians.all()
    assert PEOPLE_CLASS == "7A1"
    assert teacher_user.staff.homeroom_classes.filter(name="7A1", year__code=CURRENT_YEAR).exists()
    assert learner.enrollments.get(end_date__isnull=True).school_class.name == "7A1"
    # The child did grade 6 here last year, with the same homeroom teacher.
    last_year = learner.enrollments.get(year__code=PREVIOUS_YEAR)
    assert last_year.school_class.name == "6A1" and last_year.school_id == learner.school_id
    assert last_year.school_class.homeroom_teacher == teacher_user.staff
    # The guardian sees their own children (siblings share guardians) and nobody else.
    visible = set(selectors.students_visible(actor=parent_user))
    assert learner in visible and visible == set(parent_user.guardian.students.all())
    officer = User.objects.get(username="so.gddt")
    assert scope_for(officer).covers(learner.school.path)


def test_if_empty_loads_nothing_the_second_time_and_still_prints_the_accounts(demo):
    before = (OrgUnit.objects.count(), Student.objects.count(), Staff.objects.count())
    out = StringIO()
    call_command("seed_demo", "--scale", "small", "--if-empty", stdout=out)
    assert (OrgUnit.objects.count(), Student.objects.count(), Staff.objects.count()) == before
    text = out.getvalue()
    assert "không nạp thêm" in text
    assert all(username in text for username in DEMO_USERNAMES)
    assert DEMO_PASSWORD in text


def test_loading_into_a_database_that_has_org_units_is_refused_without_if_empty(demo):
    before = Student.objects.count()
    with pytest.raises(CommandError, match="--if-empty"):
        call_command("seed_demo", "--scale", "small", stdout=StringIO())
    assert Student.objects.count() == before
