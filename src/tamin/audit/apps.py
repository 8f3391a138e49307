from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "tamin.audit"
    verbose_name = "ردپای تغییرات"
