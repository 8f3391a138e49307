"""Portal forms. They only collect text: the registry services validate, so a form error carries the
domain's stable code and Persian message, exactly as the API would report it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from tamin.core.errors import DomainError
from tamin.registry.models import Branch, Sex


class PortalForm(forms.Form):
    """Bootstrap classes on every widget, and `is-invalid` on each field that gets an error."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)

    def add_error(self, field: str | None, error: Any) -> None:
        super().add_error(field, error)
        if field is not None and field in self.fields:
            widget = self.fields[field].widget
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()
            widget.attrs["aria-invalid"] = "true"

    def show_problems(self, err: DomainError) -> None:
        """Each problem next to its field; problems about fields this form lacks go on top, named."""
        for problem in err.problems:
            if problem.field in self.fields:
                self.add_error(problem.field, ValidationError(problem.message, code=problem.code))
            else:
                self.add_error(
                    None,
                    ValidationError(
                        problem.message, code=problem.code, params={"field": problem.field or ""}
                    ),
                )


def _digits_input(placeholder: str = "") -> forms.TextInput:
    # Codes and dates read left to right even inside a right-to-left page.
    return forms.TextInput(
        attrs={"dir": "ltr", "inputmode": "numeric", "placeholder": placeholder, "autocomplete": "off"}
    )


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "نام کاربری یا گذرواژه درست نیست. دقت کنید که بزرگی و کوچکی حروف لاتین مهم است.",
        "inactive": "این حساب کاربری غیرفعال است.",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "نام کاربری"
        self.fields["password"].label = "گذرواژه"
        for field in self.fields.values():
            field.widget.attrs.update({"class": "form-control", "dir": "ltr"})
        self.fields["username"].error_messages["required"] = "نام کاربری را وارد کنید."
        self.fields["password"].error_messages["required"] = "گذرواژه را وارد کنید."


class NationalCodeForm(PortalForm):
    national_code = forms.CharField(label="کد ملی", required=False, widget=_digits_input("۰۰۱۲۳۴۵۶۷۸"))


class PersonRegistrationForm(PortalForm):
    national_code = forms.CharField(label="کد ملی", required=False, widget=_digits_input("۰۰۱۲۳۴۵۶۷۸"))
    first_name = forms.CharField(label="نام", required=False)
    last_name = forms.CharField(label="نام خانوادگی", required=False)
    father_name = forms.CharField(label="نام پدر", required=False)
    birth_date = forms.CharField(label="تاریخ تولد", required=False, widget=_digits_input("۱۳۷۰/۰۱/۱۵"))
    # Free text, not a ChoiceField: a wrong value must get the service's `sex.invalid`, not Django's code.
    sex = forms.CharField(
        label="جنسیت", required=False, widget=forms.Select(choices=[("", "— انتخاب کنید —"), *Sex.choices])
    )
    id_card_number = forms.CharField(label="شماره شناسنامه", required=False, widget=_digits_input())
    mobile = forms.CharField(label="تلفن همراه", required=False, widget=_digits_input("۰۹۱۲۱۲۳۴۵۶۷"))
    branch = forms.CharField(label="شعبه", required=False)

    SERVICE_FIELDS = (
        "national_code",
        "first_name",
        "last_name",
        "father_name",
        "birth_date",
        "sex",
        "id_card_number",
        "mobile",
    )

    def __init__(self, *args: Any, branches: list[Branch] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if branches is None:
            # Branch staff always register in their own branch; the service enforces it.
            del self.fields["branch"]
        else:
            choices = [("", "— بدون شعبه —")] + [(b.code, f"{b.name_fa} ({b.code})") for b in branches]
            self.fields["branch"].widget = forms.Select(choices=choices, attrs={"class": "form-select"})

    def service_data(self) -> dict[str, str]:
        return {name: self.cleaned_data.get(name, "") for name in self.SERVICE_FIELDS}
