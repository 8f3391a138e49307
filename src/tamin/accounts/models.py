"""Users with one role and its scope, and the bearer tokens API clients use."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone

from tamin.accounts.roles import SCOPE_FIELD, STAFF_ROLES, Role


class User(AbstractUser):
    role = models.CharField("نقش", max_length=16, choices=Role.choices)
    person = models.ForeignKey(
        "registry.Person", verbose_name="شخص", on_delete=models.PROTECT, null=True, blank=True
    )
    employer = models.ForeignKey(
        "registry.Employer", verbose_name="کارفرما", on_delete=models.PROTECT, null=True, blank=True
    )
    branch = models.ForeignKey(
        "registry.Branch", verbose_name="شعبه", on_delete=models.PROTECT, null=True, blank=True
    )
    province = models.ForeignKey(
        "registry.Province", verbose_name="استان", on_delete=models.PROTECT, null=True, blank=True
    )
    provider_name = models.CharField("نام مرکز درمانی", max_length=200, blank=True)

    class Meta:
        verbose_name = "کاربر"
        verbose_name_plural = "کاربران"
        constraints = [
            models.CheckConstraint(condition=Q(role__in=[r.value for r in Role]), name="user_role_known"),
        ]

    def save(self, *args: object, **kwargs: object) -> None:
        # Staff back office is for staff roles only; whoever edits a user cannot widen that by a tick box.
        self.is_staff = self.role in STAFF_ROLES
        self.is_superuser = self.role == Role.ADMIN
        super().save(*args, **kwargs)

    @property
    def scope_object(self) -> models.Model | None:
        field = SCOPE_FIELD.get(self.role)
        return getattr(self, field) if field else None


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def active(self) -> ApiTokenQuerySet:
        return self.filter(revoked_at__isnull=True, user__is_active=True)


class ApiToken(models.Model):
    """A bearer token. Only its SHA-256 is stored; the token itself is shown once, when issued."""

    PREFIX = "tmn_"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField("نام", max_length=100, blank=True)
    key_prefix = models.CharField("ابتدای توکن", max_length=12, db_index=True)
    key_digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField("صدور", auto_now_add=True)
    last_used_at = models.DateTimeField("آخرین استفاده", null=True, blank=True)
    revoked_at = models.DateTimeField("ابطال", null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="revoked_tokens"
    )

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = "توکن API"
        verbose_name_plural = "توکن‌های API"

    def __str__(self) -> str:
        return f"{self.key_prefix}… ({self.user.username})"

    @classmethod
    def issue(cls, user: User, name: str = "") -> tuple[ApiToken, str]:
        raw = cls.PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, key_prefix=raw[:12], key_digest=_digest(raw))
        return token, raw

    @classmethod
    def authenticate(cls, raw: str) -> User | None:
        token = cls.objects.active().select_related("user").filter(key_digest=_digest(raw)).first()
        if token is None:
            return None
        now = timezone.now()
        # Touch at most once a minute: a busy client must not turn every read into a write.
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            cls.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
