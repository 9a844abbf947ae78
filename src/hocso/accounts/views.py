from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hocso.accounts.scope import scope_for

from .forms import ThrottledLoginForm
from .models import Role
from .services import token_create, token_revoke


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = ThrottledLoginForm
    redirect_authenticated_user = True


@login_required
def home(request):
    """Each role lands on what it works with; the home page lists the user's roles and shortcuts."""
    from hocso.registry.selectors import students_visible  # pages sit above the apps they show

    scope = scope_for(request.user)
    assignments = request.user.role_assignments.select_related("org_unit").order_by("role")
    context = {"assignments": assignments, "scope": scope}
    if not scope.is_staff_member:
        # Students and guardians: their own record(s).
        context["own_students"] = students_visible(actor=request.user)[:10]
    schools = [
        a.org_unit
        for a in assignments
        if a.org_unit.is_school and a.role in (Role.SCHOOL_ADMIN, Role.TEACHER)
    ]
    context["schools"] = schools
    # Schools this user admits transferring learners into (the receiving school's page).
    context["admitting_schools"] = [s for s in schools if scope.covers(s.path, write=True)]
    return render(request, "accounts/home.html", context)


@login_required
def tokens(request):
    new_token = None
    if request.method == "POST":
        new_token = token_create(user=request.user, name=request.POST.get("name", "")[:100])
        messages.success(request, _("Đã tạo khóa API. Hãy sao chép ngay: khóa chỉ hiện một lần."))
    items = request.user.api_tokens.filter(revoked_at__isnull=True).order_by("-created_at")
    return render(request, "accounts/tokens.html", {"tokens": items, "new_token": new_token})


@login_required
@require_POST
def token_revoke_view(request, token_id: int):
    token_revoke(user=request.user, token_id=token_id)
    messages.success(request, _("Đã thu hồi khóa API."))
    return redirect("tokens")
