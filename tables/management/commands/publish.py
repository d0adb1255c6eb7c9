"""publish --unit 003 --year 2025 --user NAME [--reason …] [--background]

Publish an approved submission as its next version: the same service as the admin
(`tables.publication.services.submission_publish`), acting as the named user (who must be 财政管理员 or a
superuser). Prints the stored files with their sizes and SHA-256. With --background the
publication is enqueued for `manage.py db_worker` instead, and the batch id is printed.
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import formats
from django.utils.timezone import localtime

from tables.publication.batches import submission_publish_enqueue
from tables.publication.services import PublicationFailed, submission_publish
from units.management.commands._common import add_submission_arguments, submission_from_options
from units.services import TransitionRefused


class Command(BaseCommand):
    help = "发布已审核的预算公开填报（生成并存档 HTML、PDF、Excel、JSON、CSV 文件）。"

    def add_arguments(self, parser):
        add_submission_arguments(parser)
        parser.add_argument("--user", required=True, help="发布人用户名（财政管理员）")
        parser.add_argument("--reason", default="", help="更正原因（第2版起，缺省取更正时的原因）")
        parser.add_argument(
            "--background", action="store_true", help="交给后台任务（db_worker）发布"
        )

    def handle(self, *args, **options):
        submission = submission_from_options(options)
        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"找不到用户 {options['user']}。")
        try:
            if options["background"]:
                batch = submission_publish_enqueue(
                    submission_id=submission.pk, actor=user, reason=options["reason"]
                )
                self.stdout.write(
                    f"已交给后台任务发布：批次 #{batch.pk}（manage.py db_worker 执行）"
                )
                return
            version = submission_publish(
                submission_id=submission.pk, actor=user, reason=options["reason"]
            )
        except (TransitionRefused, PublicationFailed) as exc:
            raise CommandError("；".join(exc.messages)) from exc
        self.stdout.write(
            f"已发布「{version.unit_name} {version.year}年」第{version.version}版"
            f"（{formats.date_format(localtime(version.published_at), 'DATETIME_FORMAT')}）："
        )
        for file in version.files.defer("content").order_by("kind"):
            self.stdout.write(f"  {file.file_name}  {file.size} 字节  SHA-256 {file.sha256}")
