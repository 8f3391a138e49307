from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "tamin.accounts"
    verbose_name = "کاربران و دسترسی"
