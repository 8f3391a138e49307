from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "tamin.portal"
    verbose_name = "درگاه"
