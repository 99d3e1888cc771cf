from django.apps import AppConfig


class BarometerConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "barometer"
