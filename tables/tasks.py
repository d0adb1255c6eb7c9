"""Background tasks (Django's task API through django-tasks; `manage.py db_worker` runs them
with the django_tasks_db backend, tests use the immediate backend)."""

from django_tasks import task


@task()
def publish_submission_task(
    *, submission_id: int, actor_id: int | None, reason: str = "", item_id: int | None = None
) -> dict:
    """Publish one approved submission (`tables.publication.submission_publish`) and record the
    outcome on its batch item; enqueue it with `tables.publication.publication_batch_start` or
    `submission_publish_enqueue`, which create the item."""
    from tables.publication import publication_item_run

    return publication_item_run(
        submission_id=submission_id, actor_id=actor_id, reason=reason, item_id=item_id
    )
