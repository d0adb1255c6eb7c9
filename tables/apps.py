from django.apps import AppConfig


class TablesConfig(AppConfig):
    name = "tables"
    verbose_name = "公开报表"
