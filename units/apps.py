from django.apps import AppConfig


class UnitsConfig(AppConfig):
    name = "units"
    verbose_name = "预算单位与预算数据"

    def ready(self):
        from units import history

        history.register()
