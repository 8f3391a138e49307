"""Bearer tokens issued by `tamin token create`, revoked by staff; argon2 for passwords."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from tamin.accounts.models import ApiToken, User
from tamin.accounts.roles import Role
from tamin.accounts.services import revoke_token
from tamin.core.errors import Forbidden


def issue(username: str) -> str:
    out = io.StringIO()
    call_command("token", "create", username, "--name", "payroll", stdout=out, stderr=io.StringIO())
    return out.getvalue().strip()


def test_token_lifecycle(world, client) -> None:
    raw = issue("employer-a")
    assert raw.startswith("tmn_") and len(raw) > 40
    stored = ApiToken.objects.get(user__username="employer-a")
    assert raw not in (stored.key_digest, stored.key_prefix)  # only a digest is kept
    auth = {"Authorization": f"Bearer {raw}"}
    assert client.get("/api/v1/me", headers=auth).json()["username"] == "employer-a"
    call_command("token", "revoke", stored.key_prefix, stdout=io.StringIO())
    response = client.get("/api/v1/me", headers=auth)
    assert response.status_code == 401 and response.json()["errors"][0]["code"] == "auth.required"


def test_wrong_and_inactive_tokens_are_refused(world, client) -> None:
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer tmn_forged"}).status_code == 401
    raw = issue("insured-a")
    User.objects.filter(username="insured-a").update(is_active=False)
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 401


def test_staff_revoke_only_tokens_of_people_they_serve(world, client) -> None:
    token, _ = ApiToken.issue(world.users[Role.EMPLOYER])
    with pytest.raises(Forbidden):
        revoke_token(world.staff_b, token)  # employer A has no workshop in branch B
    revoke_token(world.users[Role.BRANCH_STAFF], token)
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == world.users[Role.BRANCH_STAFF]


def test_token_command_errors(db) -> None:
    with pytest.raises(CommandError, match="no user"):
        call_command("token", "create", "nobody", stdout=io.StringIO())
    with pytest.raises(CommandError, match="no token"):
        call_command("token", "revoke", "tmn_missing", stdout=io.StringIO())


def test_passwords_are_hashed_with_argon2(world, real_hashing) -> None:
    user = User(username="fresh", role=Role.AUDITOR)
    user.set_password("a long enough password")
    assert user.password.startswith("argon2$")


def test_createuser_command_scopes_the_user(world) -> None:
    call_command(
        "createuser",
        "clerk",
        "--role",
        "branch_staff",
        "--branch",
        world.branch_a.code,
        "--password",
        "a long enough password",
        stdout=io.StringIO(),
    )
    clerk = User.objects.get(username="clerk")
    assert clerk.branch == world.branch_a and clerk.is_staff and not clerk.is_superuser
    with pytest.raises(CommandError):
        call_command(
            "createuser",
            "clerk2",
            "--role",
            "insured",
            "--national-code",
            "1234567890",
            "--password",
            "x" * 12,
            stdout=io.StringIO(),
        )
