"""import_people FILE [--user NAME]: create or update 主管部门, units, users and their roles and
assignments from the 单位和用户 workbook (`units.people_import`), all or nothing.

With --user the import acts as that user (units need 财政管理员, users need 用户管理); without
it, as the command line (whoever may run commands on the server). Role changes are audited
with the actor either way.
"""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from units.people_import import people_import


class Command(BaseCommand):
    help = (
        "从 Excel（.xlsx，单位和用户导入模板）导入主管部门、预算单位、用户、角色和负责单位。"
        "全部成功才写入；重复导入同一文件不会产生重复数据；新建的用户没有密码，须在管理后台设置。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="单位和用户工作簿（.xlsx）")
        parser.add_argument("--user", default="", help="操作人用户名（缺省为命令行）")

    def handle(self, *args, **options):
        actor = None
        if options["user"]:
            actor = get_user_model().objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(f"找不到用户 {options['user']}。")
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}")
        try:
            report = people_import(file=path, actor=actor)
        except ValidationError as exc:
            for message in exc.messages:
                self.stderr.write(message)
            raise CommandError(
                f"{path.name} 有 {len(exc.messages)} 处错误，未导入任何单位或用户。"
            ) from None
        self.stdout.write(report.summary())
        for pk, username in report.without_password:
            self.stdout.write(f"  没有密码：{username}（用户编号 {pk}）")
