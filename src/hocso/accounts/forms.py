from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from .services import login_is_locked, login_record_failure, login_record_success


def client_ip(request) -> str | None:
    # Behind a reverse proxy set HOCSO_TRUST_X_FORWARDED_FOR? Not by default: REMOTE_ADDR only,
    # so the address cannot be forged to escape the limit.
    return request.META.get("REMOTE_ADDR")


class ThrottledLoginForm(AuthenticationForm):
    """Django's login form that refuses to check passwords after repeated failures."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "locked": _("Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau 15 phút."),
        "invalid_login": _("Tên đăng nhập hoặc mật khẩu không đúng."),
    }

    def clean(self):
        username = (self.data.get("username") or "").strip()
        ip = client_ip(self.request) if self.request else None
        if username and login_is_locked(username=username, ip_address=ip):
            raise forms.ValidationError(self.error_messages["locked"], code="locked")
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            if username:
                login_record_failure(username=username, ip_address=ip)
            raise
        login_record_success(username=username)
        return cleaned
