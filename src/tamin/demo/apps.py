from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "tamin.demo"
    verbose_name = "دادهٔ نمایشی"
