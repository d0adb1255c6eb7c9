"""search_index_rebuild: rewrite the public search's entry of every published version.

The admin of 检索简称 rebuilds the entries itself after each change; this command is for what
the admin does not see: aliases loaded by other means (a fixture, SQL), a change in how the
search text is written (`tables.publication.search.search_text`), or a restored database.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import transaction

from tables.public.cache import public_pages_clear
from tables.publication.search import search_entries_rebuild


class Command(BaseCommand):
    help = "按当前的检索简称，重建全部已公开版本的检索条目（公开查询所匹配的文本）。"

    def handle(self, *args, **options):
        with transaction.atomic():
            count = search_entries_rebuild()
        public_pages_clear()  # this process's cache, or everyone's when the cache is shared
        self.stdout.write(f"已重建 {count} 个已公开版本的检索条目。")
