from django.apps import AppConfig


class TablesConfig(AppConfig):
    name = "tables"
    verbose_name = "公开报表"

    def ready(self):
        # registers the CJK font check of the PDF renderer
        from tables import system_checks  # noqa: F401
