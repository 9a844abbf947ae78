from hocso.accounts.scope import scope_for


def navigation(request):
    """What the navigation bar needs: whether the user may see the registry pages at all."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    scope = scope_for(user)
    return {
        "nav_is_staff_member": scope.is_staff_member,
        "nav_can_write": bool(scope.write_paths) or scope.everything,
    }
