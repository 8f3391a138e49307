"""Sign in and out with Django's auth views, in Persian."""

from __future__ import annotations

from django.contrib.auth import views as auth_views

from tamin.portal.forms import LoginForm

login = auth_views.LoginView.as_view(
    template_name="portal/login.html",
    authentication_form=LoginForm,
    # A signed-in user who opens the login page goes home instead of signing in twice.
    redirect_authenticated_user=True,
)

# Django 5 accepts only POST here, so a link or a prefetch cannot sign anybody out.
logout = auth_views.LogoutView.as_view()
