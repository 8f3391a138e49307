"""The staff admin: Persian titles, scoped read-only registry, append-only audit, token revocation."""

from __future__ import annotations

from tamin.accounts.models import ApiToken, User
from tamin.accounts.roles import Role
from tamin.audit.models import AuditEntry
from tamin.core.text import to_persian_digits as fa
from tamin.registry.models import Person


def test_admin_titles_are_persian(signed_in) -> None:
    page = signed_in(Role.ADMIN).get("/admin/").content.decode()
    assert "مدیریت سامانهٔ تأمین" in page and "بخش مدیریت کارکنان" in page
    assert 'dir="rtl"' in page


def test_non_staff_roles_cannot_enter_the_admin(signed_in) -> None:
    for role in (Role.INSURED, Role.PENSIONER, Role.EMPLOYER, Role.PROVIDER):
        response = signed_in(role).get("/admin/registry/person/")
        assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_branch_staff_list_persons_of_their_branch_with_jalali_dates(signed_in, world) -> None:
    page = signed_in(Role.BRANCH_STAFF).get("/admin/registry/person/").content.decode()
    assert world.worker_a.national_code in page and "۱۳۶۴/۰۱/۰۱" in page
    assert world.worker_b.national_code not in page


def test_admin_search_accepts_persian_digits(signed_in, world) -> None:
    page = (
        signed_in(Role.ADMIN).get("/admin/registry/person/", {"q": fa(world.worker_b.national_code)}).content
    )
    assert world.worker_b.national_code in page.decode()
    assert world.worker_a.national_code not in page.decode()


def test_registry_is_read_only_in_the_admin(signed_in, world) -> None:
    client = signed_in(Role.ADMIN)
    assert client.get("/admin/registry/person/add/").status_code == 403
    url = f"/admin/registry/person/{world.worker_a.pk}/change/"
    assert client.get(url).status_code == 200  # a read-only view
    client.post(url, {"first_name": "تغییر"})
    assert Person.objects.get(pk=world.worker_a.pk).first_name == "علی"
    assert client.post(f"/admin/registry/person/{world.worker_a.pk}/delete/").status_code == 403
    assert (
        signed_in(Role.BRANCH_STAFF).get(f"/admin/registry/person/{world.worker_b.pk}/change/").status_code
        == 302
    )


def test_audit_entries_are_readable_by_auditors_and_never_writable(signed_in, world) -> None:
    from tamin.registry import services

    services.update_person(world.users[Role.BRANCH_STAFF], world.worker_a, {"mobile": "09121234567"})
    entry = AuditEntry.objects.get()
    auditor = signed_in(Role.AUDITOR)
    page = auditor.get("/admin/audit/auditentry/").content.decode()
    assert "person.update" in page and "staff-a" in page
    assert auditor.get("/admin/audit/auditentry/add/").status_code == 403
    assert auditor.get(f"/admin/audit/auditentry/{entry.pk}/change/").status_code == 200
    auditor.post(f"/admin/audit/auditentry/{entry.pk}/change/", {"action": "forged"})
    assert auditor.post(f"/admin/audit/auditentry/{entry.pk}/delete/").status_code == 403
    assert AuditEntry.objects.get().action == "person.update"
    assert signed_in(Role.BRANCH_STAFF).get("/admin/audit/auditentry/").status_code == 403


def test_token_admin_revokes_through_the_service(signed_in, world) -> None:
    employer = world.users[Role.EMPLOYER]
    token, raw = ApiToken.issue(employer, "حسابداری")
    admin_user = world.users[Role.ADMIN]
    client = signed_in(admin_user)
    page = client.get("/admin/accounts/apitoken/").content.decode()
    assert token.key_prefix in page and "employer-a" in page and raw not in page
    assert "ابطال توکن" in page
    response = client.post("/admin/accounts/apitoken/", {"action": "revoke", "_selected_action": [token.pk]})
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == admin_user
    assert AuditEntry.objects.filter(action="token.revoke", actor_name="admin").exists()
    assert ApiToken.authenticate(raw) is None
    assert client.get("/admin/accounts/apitoken/add/").status_code == 403
    assert signed_in(Role.BRANCH_STAFF).get("/admin/accounts/apitoken/").status_code == 403


def test_user_admin_creates_users_with_role_and_scope_and_audits_it(signed_in, world) -> None:
    client = signed_in(Role.ADMIN)
    page = client.get("/admin/accounts/user/").content.decode()
    assert "insured-a" in page and "بیمه‌شده" in page
    response = client.post(
        "/admin/accounts/user/add/",
        {
            "username": "staff-new",
            "usable_password": "true",
            "password1": "Yek-Ramz-Tazeh-1404",
            "password2": "Yek-Ramz-Tazeh-1404",
            "role": Role.BRANCH_STAFF,
            "branch": world.branch_a.pk,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(username="staff-new")
    assert user.role == Role.BRANCH_STAFF and user.branch == world.branch_a and user.is_staff
    entry = AuditEntry.objects.get(action="user.create")
    assert entry.after["username"] == "staff-new" and "password" not in entry.after
    assert signed_in(Role.BRANCH_STAFF).get("/admin/accounts/user/").status_code == 403
    assert client.post(f"/admin/accounts/user/{user.pk}/delete/").status_code == 403


def test_user_admin_password_change_is_audited(signed_in, world) -> None:
    client = signed_in(Role.ADMIN)
    target = world.users[Role.INSURED]
    response = client.post(
        f"/admin/accounts/user/{target.pk}/password/",
        {
            "password1": "Ramz-Jadid-Baraye-Ali-1404",
            "password2": "Ramz-Jadid-Baraye-Ali-1404",
        },
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.check_password("Ramz-Jadid-Baraye-Ali-1404")
    entry = AuditEntry.objects.get(action="user.password")
    assert entry.object_id == str(target.pk) and "Ramz" not in str(entry.after)
