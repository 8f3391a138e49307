from django.apps import AppConfig


class ContributionsConfig(AppConfig):
    name = "tamin.contributions"
    label = "contributions"
    verbose_name = "حق بیمه"
