"""The daily reminders of the 公开时限 (units.notifications.reminders_send), for a daily timer:
idempotent, so running it twice, or after a missed day, sends nothing twice."""

import datetime

from django.core.management.base import BaseCommand, CommandError

from units.models import Notification, NotificationKind
from units.notifications import reminders_send


def _cn_date(value: datetime.date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


class Command(BaseCommand):
    help = (
        "发送公开时限提醒：批复后尚未发布的填报，在到期前若干天（--days，默认5）提醒本单位"
        "填报人，逾期后再提醒一次；同一提醒不会重复发送。供每日定时任务运行。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days", type=int, default=5, help="到期前多少天开始提醒（默认 5，0 表示仅当天）"
        )
        parser.add_argument("--date", help="按哪一天计算，格式 YYYY-MM-DD（默认今天）")

    def handle(self, *args, **options):
        days = options["days"]
        if days < 0:
            raise CommandError("--days 不能小于 0。")
        today = None
        if options["date"]:
            try:
                today = datetime.date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError(
                    f"日期格式应为 YYYY-MM-DD，例如 2026-03-05（收到：{options['date']}）。"
                ) from None
        sent = reminders_send(today=today, days=days)
        notices = 0
        for reminder in sent:
            name = f"「{reminder.submission.unit.name} {reminder.submission.year}年」"
            if reminder.kind == NotificationKind.OVERDUE:
                what = f"已逾期{reminder.days}天"
            elif reminder.days == 0:
                what = "今天到期"
            else:
                what = f"还剩{reminder.days}天"
            head = f"{name} 公开时限{_cn_date(reminder.due)}，{what}"
            if not reminder.has_fillers:
                self.stdout.write(f"{head}：本单位没有填报人，未发送。")
            elif reminder.notices:
                notices += reminder.notices
                self.stdout.write(f"{head}：已提醒 {reminder.notices} 位填报人。")
        if notices:
            ids = [pk for reminder in sent for pk in reminder.notice_ids]
            emailed = Notification.objects.filter(pk__in=ids, emailed_at__isnull=False).count()
            self.stdout.write(f"共发出 {notices} 条提醒，其中 {emailed} 条同时发送了邮件。")
        else:
            self.stdout.write("没有需要发送的提醒（已发送过的提醒不会重复发送）。")
