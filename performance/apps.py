from django.apps import AppConfig


class PerformanceConfig(AppConfig):
    name = "performance"
    verbose_name = "绩效目标"

    def ready(self):
        from performance import history

        history.register()
