"""Response shapes of the registry API (/api/v1/students, staff, classes, rooms, equipment).

Codes, not labels: `gender` is "M"/"F", `ethnicity` the two-digit official code (its name is
beside it), choice fields carry their stored value. Dates are ISO 8601. Identifiers are strings.
"""

from datetime import date

from ninja import Field, Schema

from .selectors import student_enrollment_history, student_guardians


class StudentItem(Schema):
    id: int
    full_name: str
    date_of_birth: date | None
    gender: str = Field(description='"M" (Nam) or "F" (Nữ)')
    ethnicity: str = Field(description="Official two-digit code of the ethnic group, e.g. 05")
    ethnicity_name: str
    national_id: str | None = Field(description="12-digit citizen ID (string)")
    moet_code: str | None = Field(description="10-digit MOET learner code (string)")
    school: str = Field(alias="school.code", description="Code of the learner's school")
    class_name: str | None = Field(description="Class of the active enrollment")
    grade: int | None = Field(description="Grade of the active enrollment")
    year: str | None = Field(alias="year_code", description="School year of the active enrollment")
    status: str

    @staticmethod
    def resolve_ethnicity_name(obj) -> str:
        return obj.get_ethnicity_display()


class GuardianOut(Schema):
    id: int
    full_name: str
    phone: str
    relationship: str | None


class EnrollmentOut(Schema):
    school: str = Field(alias="school.code")
    school_name: str = Field(alias="school.name")
    year: str = Field(alias="year.code")
    class_id: int = Field(alias="school_class_id")
    class_name: str = Field(alias="school_class.name")
    grade: int = Field(alias="school_class.grade")
    start_date: date
    start_reason: str
    end_date: date | None
    end_reason: str
    note: str


class StudentDetail(StudentItem):
    school_name: str = Field(alias="school.name")
    address: str
    device_access: str = Field(
        description='"" (not declared), none, shared_phone, own_phone or computer'
    )
    internet_at_home: bool | None
    can_study_online: bool
    guardians: list[GuardianOut]
    enrollments: list[EnrollmentOut] = Field(description="Enrollment history, oldest first")

    @staticmethod
    def resolve_guardians(obj) -> list:
        return list(student_guardians(student=obj))

    @staticmethod
    def resolve_enrollments(obj) -> list:
        return list(student_enrollment_history(student=obj))


class StudentBrief(Schema):
    """A learner in a class roster."""

    id: int
    full_name: str
    date_of_birth: date | None
    gender: str
    national_id: str | None
    moet_code: str | None


class StaffItem(Schema):
    id: int
    full_name: str
    date_of_birth: date | None
    gender: str
    national_id: str | None
    school: str = Field(alias="school.code", description="Code of the main school")
    position: str
    qualification: str
    subjects: str
    phone: str
    is_active: bool


class ClassRef(Schema):
    id: int
    name: str
    grade: int
    year: str = Field(alias="year.code")


class StaffDetail(StaffItem):
    school_name: str = Field(alias="school.name")
    other_schools: list[str] = Field(description="Codes of the other schools taught at")
    homeroom_classes: list[ClassRef]

    @staticmethod
    def resolve_other_schools(obj) -> list[str]:
        return [school.code for school in obj.other_schools.all()]

    @staticmethod
    def resolve_homeroom_classes(obj) -> list:
        return list(obj.homeroom_classes.select_related("year"))


class PersonRef(Schema):
    id: int
    full_name: str


class ClassItem(Schema):
    id: int
    school: str = Field(alias="school.code")
    year: str = Field(alias="year.code")
    grade: int
    name: str
    homeroom_teacher: PersonRef | None
    student_count: int = Field(description="Learners currently enrolled")


class ClassDetail(ClassItem):
    roster: list[StudentBrief]


class RoomItem(Schema):
    id: int
    school: str = Field(alias="school.code")
    code: str
    name: str
    kind: str
    capacity: int | None
    condition: str


class EquipmentItem(Schema):
    id: int
    school: str = Field(alias="school.code")
    asset_code: str
    name: str
    category: str
    room: str | None = Field(description="Code of the room it is in")
    quantity: int
    condition: str
    acquired_on: date | None

    @staticmethod
    def resolve_room(obj) -> str | None:
        return obj.room.code if obj.room_id else None


class RoomDetail(RoomItem):
    equipment: list[EquipmentItem] = Field(alias="equipment_list")


class EquipmentDetail(EquipmentItem):
    school_name: str = Field(alias="school.name")
    room_name: str | None

    @staticmethod
    def resolve_room_name(obj) -> str | None:
        return obj.room.name if obj.room_id else None
