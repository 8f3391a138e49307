from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "tamin.records"
    label = "records"
    verbose_name = "سوابق بیمه"
    default_auto_field = "django.db.models.BigAutoField"
