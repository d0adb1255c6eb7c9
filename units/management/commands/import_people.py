"""import_people FILE [--user NAME]: create or update 主管部门, units, users and their roles and
assignments from the 单位和用户 workbook (`units.people_import`), all or nothing.

With --user the import acts as that user (units need 财政管理员, users need 用户管理); without
it, as the command line (whoever may run commands on the server). Role changes are audited
with the actor either way.
"""

from django.core.management.base import BaseCommand

from units.management.commands._common import actor_from_options, workbook_import_run
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
        actor = actor_from_options(options)
        report = workbook_import_run(
            self,
            options["file"],
            lambda path_: people_import(file=path_, actor=actor),
            nothing="单位或用户",
        )
        self.stdout.write(report.summary())
        for pk, username in report.without_password:
            self.stdout.write(f"  没有密码：{username}（用户编号 {pk}）")
