"""Portal pages. Each view is wrapped by `portal_view` (sign-in required) except login itself;
tests/authz/test_portal_matrix.py walks every pattern here with every role."""

from django.urls import path

from tamin.portal.views import audit, auth, eligibility, home, persons, registration, workshops

app_name = "portal"

urlpatterns = [
    path("", home.home, name="home"),
    path("login/", auth.login, name="login"),
    path("logout/", auth.logout, name="logout"),
    path("persons/search/", persons.person_search, name="person_search"),
    path("persons/new/", registration.person_register, name="person_register"),
    path("persons/<str:national_code>/", persons.person_detail, name="person_detail"),
    path("workshops/<str:code>/", workshops.workshop_detail, name="workshop_detail"),
    path("eligibility/", eligibility.eligibility, name="eligibility"),
    path("audit/", audit.audit_log, name="audit"),
    path("audit/verify/", audit.audit_verify, name="audit_verify"),
]
