"""Importing the equipment inventory: keyed by (school, asset code "Mã thiết bị"); the room, when
given, must be one of the school's rooms (by its code).
"""

from django.utils.translation import gettext_noop as N_

from ..models import Condition, Equipment, Room
from . import cells as C
from .base import CREATED, UNCHANGED, UPDATED, BaseImporter, Row
from .columns import CONDITION, EQUIPMENT_CATEGORY, EQUIPMENT_SPEC

FIELDS = ("name", "category", "room_id", "quantity", "condition", "acquired_on")


class EquipmentImporter(BaseImporter):
    spec = EQUIPMENT_SPEC

    def parse_row(self, row: Row, cells: dict) -> None:
        values = row.values
        values["asset_code"] = self.read_text(
            row, cells, "asset_code", max_length=30, required=True
        )
        values["name"] = self.read_text(row, cells, "name", max_length=200, required=True)
        values["category"] = self.read_choice(
            row, cells, "category", EQUIPMENT_CATEGORY, required=True
        )
        if "room" in self.index:
            values["room"] = self.read_text(row, cells, "room", max_length=20)
        if "quantity" in self.index:
            quantity = self.read(row, cells, "quantity", C.integer)
            if quantity is not None and quantity < 1:
                self.reject(row, "quantity", quantity, N_("Số lượng phải từ 1 trở lên"))
            values["quantity"] = quantity if quantity is not None else 1
        if "condition" in self.index:
            values["condition"] = (
                self.read_choice(row, cells, "condition", CONDITION) or Condition.GOOD
            )
        if "acquired_on" in self.index:
            values["acquired_on"] = self.read(row, cells, "acquired_on", C.to_date)

    def plan(self) -> None:
        self.duplicates_within_file("asset_code")
        existing = {e.asset_code: e for e in Equipment.objects.filter(school=self.school)}
        rooms = {r.code: r for r in Room.objects.filter(school=self.school)}
        for row in self.rows:
            if not row.ok:
                continue
            values = row.values
            if "room" in values:
                room = rooms.get(values["room"]) if values["room"] else None
                if values["room"] and room is None:
                    self.reject(row, "room", values["room"],
                                N_("Trường không có phòng mã %(code)s"), code=values["room"])  # fmt: skip
                    continue
                values["room_id"] = room.pk if room else None
            item = existing.get(values["asset_code"])
            if item is None:
                row.status = CREATED
                continue
            row.target = item
            row.changes = self.diff(item, values, FIELDS)
            row.status = UPDATED if row.changes else UNCHANGED
        self.finish_plan()

    def write(self) -> None:
        created, updated, fields = [], [], set()
        for row in self.rows:
            if row.status == CREATED:
                values = row.values
                created.append(
                    Equipment(
                        school=self.school,
                        asset_code=values["asset_code"],
                        **{f: values[f] for f in FIELDS if f in values},
                    )  # fmt: skip
                )
            elif row.status == UPDATED:
                for field, value in row.changes.items():
                    setattr(row.target, field, value)
                fields.update(row.changes)
                updated.append(row.target)
        Equipment.objects.bulk_create(created, batch_size=1000)
        if updated:
            Equipment.objects.bulk_update(updated, sorted(fields), batch_size=500)
