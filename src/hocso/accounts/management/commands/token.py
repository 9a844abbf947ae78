"""`hocso token USERNAME`: create a personal API token; the secret is the last line printed."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from hocso.accounts.models import User
from hocso.accounts.services import token_create


class Command(BaseCommand):
    @property
    def help(self):  # translated when asked for, in the active language
        return _(
            "Tạo khóa API cá nhân cho người dùng. Khóa in ở dòng cuối, chỉ hiện một lần; dùng với "
            "tiêu đề `Authorization: Bearer <khóa>`."
        )

    def add_arguments(self, parser):
        parser.add_argument("username", help=_("tên đăng nhập"))
        parser.add_argument("--name", default="", help=_("tên gợi nhớ của khóa"))

    def handle(self, *args, username, name, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(_("Không có người dùng %(username)s") % {"username": username})
        if not user.is_active:
            raise CommandError(
                _("Tài khoản %(username)s đang bị khóa; không thể tạo khóa API")
                % {"username": username}
            )
        secret = token_create(user=user, name=name[:100] or _("dòng lệnh"))
        self.stdout.write(
            _("Khóa API mới của %(username)s (chỉ hiện một lần, hãy sao chép ngay):")
            % {"username": username}
        )
        self.stdout.write(secret)
