"""Factories for tests. Org units go through the orgs service so paths are always right."""

from datetime import date

import factory

from hocso.accounts.models import User
from hocso.core.text import fold
from hocso.orgs.models import OrgKind, SchoolType
from hocso.orgs.services import orgunit_create, schoolyear_get_or_create
from hocso.registry.models import Gender, Staff, Student


def make_unit(code, name, kind, parent=None, school_type=""):
    return orgunit_create(
        actor=None, code=code, name=name, kind=kind, parent=parent, school_type=school_type
    )


def make_school(code, parent, school_type=SchoolType.LOWER_SECONDARY, name=None):
    return make_unit(code, name or f"Trường {code}", OrgKind.SCHOOL, parent, school_type)


def make_year(code="2025-2026"):
    return schoolyear_get_or_create(code=code)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Faker("name", locale="vi_VN")
    password = factory.PostGenerationMethodCall("set_password", "Mat-khau-2025")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def _national_id(n: int, gender: str, year: int) -> str:
    century_digit = (0 if year < 2000 else 2) + (0 if gender == Gender.MALE else 1)
    return f"084{century_digit}{year % 100:02d}{n:06d}"


class StudentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Student

    full_name = factory.Sequence(lambda n: f"Nguyễn Văn Học {n}")
    search_name = factory.LazyAttribute(lambda o: fold(o.full_name))
    gender = Gender.MALE
    date_of_birth = date(2012, 3, 14)
    ethnicity = "01"
    national_id = factory.Sequence(lambda n: _national_id(n, Gender.MALE, 2012))
    moet_code = factory.Sequence(lambda n: f"84{n:08d}")


class StaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Staff

    full_name = factory.Sequence(lambda n: f"Trần Thị Giáo {n}")
    search_name = factory.LazyAttribute(lambda o: fold(o.full_name))
    gender = Gender.FEMALE
    date_of_birth = date(1985, 6, 1)
    national_id = factory.Sequence(lambda n: _national_id(500000 + n, Gender.FEMALE, 1985))
    position = "teacher"
