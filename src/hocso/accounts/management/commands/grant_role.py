"""`hocso grant-role USERNAME ROLE ORG_CODE [--create-user]`: give a user a role over a subtree."""

import secrets

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from hocso.accounts.models import Role, RoleAssignment, User
from hocso.accounts.services import role_grant
from hocso.orgs.models import OrgUnit


class Command(BaseCommand):
    @property
    def help(self):  # translated when asked for, in the active language
        return _(
            "Cấp vai trò cho người dùng trên một đơn vị (vai trò có hiệu lực với toàn bộ đơn vị cấp "
            "dưới). Vai trò: province_officer, district_officer, school_admin, teacher, student, "
            "guardian."
        )

    def add_arguments(self, parser):
        parser.add_argument("username", help=_("tên đăng nhập"))
        parser.add_argument("role", help=", ".join(Role.values))
        parser.add_argument("org_code", help=_("mã đơn vị, ví dụ 84 hoặc 84000001"))
        parser.add_argument(
            "--create-user",
            action="store_true",
            help=_("tạo người dùng nếu chưa có (in ra mật khẩu tạm, chỉ hiện một lần)"),
        )

    def handle(self, *args, username, role, org_code, create_user, **options):
        if role not in Role.values:
            raise CommandError(
                _("Vai trò không hợp lệ: %(role)s. Chọn một trong: %(roles)s")
                % {"role": role, "roles": ", ".join(Role.values)}
            )
        unit = OrgUnit.objects.filter(code=org_code.strip()).first()
        if unit is None:
            raise CommandError(_("Không có đơn vị nào mã %(code)s") % {"code": org_code})

        password = None
        with transaction.atomic():
            user = User.objects.filter(username=username).first()
            if user is None:
                if not create_user:
                    raise CommandError(
                        _("Không có người dùng %(username)s. Thêm --create-user để tạo mới.")
                        % {"username": username}
                    )
                password = secrets.token_urlsafe(12)
                user = User(username=username)
                user.set_password(password)
                try:
                    user.full_clean()
                except ValidationError as exc:
                    raise CommandError(
                        _("Tên đăng nhập không hợp lệ: %(errors)s")
                        % {"errors": "; ".join(exc.messages)}
                    ) from None
                user.save()
            existed = RoleAssignment.objects.filter(user=user, role=role, org_unit=unit).exists()
            role_grant(actor=None, user=user, role=role, org_unit=unit)

        if password is not None:
            self.stdout.write(
                _(
                    "Đã tạo người dùng %(username)s. Mật khẩu tạm (chỉ hiện một lần; đổi bằng "
                    "`hocso changepassword %(username)s`): %(password)s"
                )
                % {"username": username, "password": password}
            )
        label = Role(role).label
        if existed:
            self.stdout.write(
                _("%(username)s đã có vai trò %(role)s tại %(unit)s; không thay đổi gì.")
                % {"username": username, "role": label, "unit": unit}
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    _("Đã cấp vai trò %(role)s tại %(unit)s cho %(username)s.")
                    % {"username": username, "role": label, "unit": unit}
                )
            )
