from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "spor.registry"
    verbose_name = "Institutioner, grupper og børn"
