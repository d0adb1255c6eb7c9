"""App configurations of libraries, for what their users read: the admin names an app by its
verbose name, and django-tasks-db's is English."""

from django_tasks_db.apps import TasksAppConfig


class TasksDatabaseConfig(TasksAppConfig):
    """django-tasks-db (the task queue's table), named in Chinese in the admin."""

    verbose_name = "后台任务队列"
