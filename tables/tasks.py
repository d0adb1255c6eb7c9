"""Background tasks, by the paths stored task rows name: `tables.tasks.publish_submission_task`
is the publication task of `tables.publication.batches` (where it is defined, beside the
services that enqueue it), imported here so that rows enqueued under this path still run."""

from tables.publication.batches import publish_submission_task

__all__ = ["publish_submission_task"]
