from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "tamin.registry"
    verbose_name = "ثبت و شناسایی"
