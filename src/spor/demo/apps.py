from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "spor.demo"
    label = "demo"
    verbose_name = "Demodata (kun til udvikling)"
