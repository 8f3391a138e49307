from django.apps import AppConfig


class ReliefConfig(AppConfig):
    name = "tamin.relief"
    label = "relief"
    verbose_name = "تقسیط و بخشودگی"
