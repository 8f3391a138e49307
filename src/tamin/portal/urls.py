"""Portal pages. Each view is wrapped by `portal_view` (sign-in required) except login itself;
tests/authz/test_portal_matrix.py walks every pattern here with every role."""

from django.urls import path

from tamin.portal.views import audit, auth, eligibility, home, persons, registration, wagelists, workshops
from tamin.portal.views import claims as pension_claims
from tamin.portal.views import estimate as pension_estimate
from tamin.portal.views import history as histories
from tamin.portal.views import slips as pension_slips
from tamin.portal.views import statements as debts

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
    # debts and payments
    path("statements/", debts.statements, name="statements"),
    path("workshops/<str:code>/statement/", debts.workshop_statement, name="workshop_statement"),
    path("workshops/<str:code>/statement.pdf", debts.workshop_statement_pdf, name="workshop_statement_pdf"),
    path("payments/new/", debts.payment_new, name="payment_new"),
    # insurance history and objections
    path("history/", histories.my_history, name="history"),
    path("persons/<str:national_code>/history/", histories.person_history, name="person_history"),
    path("persons/<str:national_code>/objections/new/", histories.objection_new, name="objection_new"),
    path("objections/", histories.objection_queue, name="objection_queue"),
    path("objections/<int:pk>/", histories.objection_resolve, name="objection_resolve"),
    # wage lists: read, send as files, type in a form (checked live)
    path("wagelists/", wagelists.wagelist_list, name="wagelist_list"),
    path("wagelists/upload/", wagelists.wagelist_upload, name="wagelist_upload"),
    path("wagelists/new/", wagelists.wagelist_manual, name="wagelist_manual"),
    path("wagelists/new/check/", wagelists.wagelist_manual_check, name="wagelist_manual_check"),
    path("wagelists/<int:list_id>/", wagelists.wagelist_detail, name="wagelist_detail"),
    # pension slips (فیش مستمری): the pensioner's own, the branch's pensioners for branch staff
    path("slips/", pension_slips.slips, name="slips"),
    path("slips/<int:line_id>/", pension_slips.slip, name="slip"),
    path("slips/<int:line_id>.pdf", pension_slips.slip_pdf_view, name="slip_pdf"),
    # pension claims: the insured's conditions and application; the branch's queue, maker–checker steps
    path("pension/conditions/", pension_claims.my_conditions, name="pension_conditions"),
    path("claims/", pension_claims.claim_list, name="claims"),
    path("claims/new/", pension_claims.claim_new, name="claim_new"),
    path("claims/<int:claim_id>/", pension_claims.claim_detail, name="claim"),
    path("claims/<int:claim_id>/prepare/", pension_claims.claim_prepare, name="claim_prepare"),
    path("claims/<int:claim_id>/approve/", pension_claims.claim_approve, name="claim_approve"),
    path("claims/<int:claim_id>/reject/", pension_claims.claim_reject, name="claim_reject"),
    path("claims/<int:claim_id>/withdraw/", pension_claims.claim_withdraw, name="claim_withdraw"),
    path("claims/<int:claim_id>/award.pdf", pension_claims.claim_award_pdf, name="claim_award_pdf"),
    # pension estimate "if I work until …": the insured person's own, staff on a person in their scope
    path("estimate/", pension_estimate.my_estimate, name="estimate"),
    path("persons/<str:national_code>/estimate/", pension_estimate.person_estimate, name="person_estimate"),
]
