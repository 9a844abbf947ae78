"""Writes of the accounts app: role grants, API tokens, audit entries, failed-login tracking."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import ApiToken, AuditEntry, FailedLogin, Role, RoleAssignment, User
from .scope import forget_scope, scope_for

TOKEN_PREFIX = "hs_"  # noqa: S105 (a public marker, not a secret)


def audit_log(*, actor, action: str, obj=None, org_unit=None, **detail) -> AuditEntry:
    """Record one audited action. `obj` is any model instance (its type and id are kept)."""
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        object_type=obj._meta.model_name if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        org_unit=org_unit,
        detail=detail,
    )


@transaction.atomic
def role_grant(*, actor, user: User, role: str, org_unit) -> RoleAssignment:
    """Give `user` a role over `org_unit`'s subtree. `actor=None` is the command line (system)."""
    if role not in Role.values:
        raise ValidationError({"role": _("Vai trò không hợp lệ: %(role)s") % {"role": role}})
    if actor is not None and not scope_for(actor).covers(org_unit.path, write=True):
        raise PermissionDenied
    assignment, created = RoleAssignment.objects.get_or_create(
        user=user, role=role, org_unit=org_unit
    )
    if created:
        audit_log(actor=actor, action="role.grant", obj=user, org_unit=org_unit, role=role)
    forget_scope(user)
    return assignment


def _hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def token_create(*, user: User, name: str = "") -> str:
    """Create a personal API token and return its secret; only its hash is stored."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    ApiToken.objects.create(
        user=user, name=name, prefix=secret[: len(TOKEN_PREFIX) + 6], key_hash=_hash_token(secret)
    )
    audit_log(actor=user, action="token.create", obj=user, name=name)
    return secret


def token_user(secret: str) -> User | None:
    """The active user a bearer token belongs to, or None."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=_hash_token(secret), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    # Write last-use at most once a minute so busy API clients do not write on every request.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def token_revoke(*, user: User, token_id: int) -> None:
    ApiToken.objects.filter(user=user, pk=token_id, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def login_is_locked(*, username: str, ip_address: str | None) -> bool:
    """True when too many recent failures came for this username or from this address."""
    since = timezone.now() - timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)
    recent = FailedLogin.objects.filter(created_at__gte=since)
    limit = settings.LOGIN_MAX_FAILURES
    if recent.filter(username=username.lower()).count() >= limit:
        return True
    # An address gets more room: a school's whole staff may sit behind one NAT.
    return bool(ip_address) and recent.filter(ip_address=ip_address).count() >= limit * 4


def login_record_failure(*, username: str, ip_address: str | None) -> None:
    FailedLogin.objects.create(username=username.lower(), ip_address=ip_address)


def login_record_success(*, username: str) -> None:
    FailedLogin.objects.filter(username=username.lower()).delete()
