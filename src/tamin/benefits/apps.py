from django.apps import AppConfig


class BenefitsConfig(AppConfig):
    name = "tamin.benefits"
    label = "benefits"
    verbose_name = "مستمری‌ها و مزایا"
    default_auto_field = "django.db.models.BigAutoField"
