"""benchmark_pdf [--projects N] [--repeat 3] [--scenario demo|synthetic …] [--no-chromium] [--profile]

How long does the PDF take, and how much memory? For the demo unit (003, loaded when missing)
and for a synthetic unit with `--projects` projects (default: 10× the demo's), each with a
绩效目标 table copied from the demo's, this builds the document and prints it

- "WeasyPrint": as the site does (`tables.document.render.pdf.document_pdf`: pieces laid out in
  parallel by forked workers, cached by content hash, merged; tables/render/pdf_parts.py), cold:
  nothing cached. In a child Python process with Django set up and WeasyPrint's fonts warmed
  first, as in a running server. Time is the wall time of the whole call; peak memory is the
  peak RSS of the largest process (the caller or a worker), as for Chromium; the line below the
  table adds the peak of all of them together (PSS, shared pages counted once);
- "WeasyPrint 改一处" (one edit): the same child then renders the document again after one
  entered text changed (十二 其他说明, printed in every document): only the piece holding it is
  laid out again (and the 目录 and page layer if the page count changed);
- "WeasyPrint 改一处 另一进程" (one edit, in another process): a second child, warmed up (fonts,
  the document's templates), renders the edited document on a copy of the file cache that the
  first child's cold render filled: a download served by another web worker after the edit;
- "WeasyPrint 整份" (whole): the self-contained HTML (`document_html(for_pdf=True)`) printed in
  one `write_pdf`, in one process: the renderer before pieces, for reference;
- "Chromium": headless Chromium (`--print-to-pdf`) printing that same HTML file: the wall time
  of the whole browser run (start-up included, it is part of using it) and the peak RSS of its
  largest process.

Each runs `--repeat` times; best and median are printed, with pages and PDF size, then the
ratio WeasyPrint / Chromium for each scenario against the goals (demo: at most 1.5× Chromium's
time, under 300 MiB). The synthetic unit and the edit are made in a transaction that is rolled
back, so the database is left as it was. Figures depend on the machine: this is not a test.

`--profile` measures something else: the CPU of publishing the demo in a warm batch worker. In
this process it renders the demo's files once unmeasured (imports, templates, fonts), then
builds and renders them again as `submission_publish` does (document, snapshot, then HTML, PDF,
XLSX, JSON, CSV and open data, `publication_render`, inside `pdf_single_process` and with no
PDF cache) under cProfile with a CPU clock, and prints the CPU seconds by category (PROFILE_ROWS),
the total CPU without the profiler and the process's peak RSS. The categories are cumulative
times of the functions that do that work; what cProfile adds is spread over all of them, so
the shares, not the profiled seconds, are what to compare with the unprofiled total.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from performance.demo import demo_load
from performance.models import Indicator, KeyTask, ProjectTarget, UnitTarget
from tables.document.build import document_build
from tables.document.render.document import document_html
from tables.management.commands.benchmark import format_table
from units import demo
from units.models import Project, Submission, SubmissionText
from units.selectors import submission_get
from units.synthetic import SYNTHETIC_UNIT_CODE, synthetic_submission_create

#: the demo's goals: WeasyPrint at most this many times Chromium's time, and peak memory
GOAL_RATIO = 1.5
GOAL_PEAK_MIB = 300
#: seconds from one edit to its new PDF in another warm process
GOAL_EDIT_SECONDS = 0.5
#: synthetic lines per project (units.synthetic makes one project per 25 lines)
LINES_PER_PROJECT = 25
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--no-pdf-header-footer",
)

#: the steps of tables.document.render.pdf_parts.disclosure_pdf, as printed
STEP_LABELS = {
    "html": "HTML",
    "body": "正文分块 body pieces",
    "front": "目录与页码层 目录 + page layer",
    "fonts": "字体子集 font subsets",
    "merge": "合并 merge",
}
#: --profile: category → functions (file suffix, name) whose cumulative CPU it is, and
#: functions whose time is taken out of it (counted in another category)
PROFILE_ROWS = {
    "文档构建 document build": (
        [
            ("document/build.py", "document_build"),
            ("publication/artifacts.py", "publication_snapshot"),
        ],
        [],
    ),
    "HTML": ([("render/document.py", "document_html")], []),
    "PDF 样式计算 cascade": ([("weasyprint/css/__init__.py", "get_all_computed_styles")], []),
    "PDF 排版 layout": ([("weasyprint/layout/__init__.py", "layout_document")], []),
    "PDF 绘制与写出 write_pdf": ([("weasyprint/document.py", "write_pdf")], []),
    "字体子集 font subsets": ([("render/pdf_parts.py", "font_programs")], []),
    "PDF 合并 merge (pypdf)": ([("render/pdf_merge.py", "merged_pdf")], []),
    "XLSX": ([("render/xlsx.py", "disclosure_workbook")], []),
}
#: what is left of the PDF (HTML of the pieces, parsing it, the CSS) and of the files
PDF_ROW = "PDF 其他 other (pieces' HTML, parsing)"
DATA_ROW = "JSON/CSV/open data"

#: the edit of the warm re-render: appended to 十二 其他说明
EDIT_SUFFIX = "（修改）"

#: part of the child programs below: the edited document's PDF on `cache`, timed
EDIT_RENDER = """
def render_edited(edited, cache):
    laid_out = []
    start = time.perf_counter()
    pdf = pdf_parts.disclosure_pdf(
        edited, cache=cache, on_render=lambda renderer: laid_out.extend(renderer.rendered)
    )
    return pdf, time.perf_counter() - start, len(laid_out)
"""

#: run in a child Python: the site's PDF (pieces), cold then after one edit; wall times, peak
#: RSS of the child and of its largest worker, and the peak PSS of all of them together
PIECES_CHILD = (
    """
import json, os, pickle, resource, shutil, sys, threading, time
import django
django.setup()
from django.core.cache.backends.filebased import FileBasedCache
from tables.document.render import pdf_parts
"""
    + EDIT_RENDER
    + """
def tree_pss_kib():
    pids, total = [os.getpid()], 0
    for tid in os.listdir("/proc/self/task"):
        try:
            pids += open(f"/proc/self/task/{tid}/children").read().split()
        except OSError:
            pass
    for pid in pids:
        try:
            for line in open(f"/proc/{pid}/smaps_rollup"):
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total

peak_pss, done = [0], threading.Event()
def sample():
    while not done.wait(0.05):
        peak_pss[0] = max(peak_pss[0], tree_pss_kib())

document, edited = (pickle.load(open(path, "rb")) for path in sys.argv[1:3])
pdf_parts._warm()
# a file cache in an empty directory of this run, as the site's (CACHES "pdf"): the edit is
# rendered again below in this process and by EDIT_CHILD in another one
cache = FileBasedCache(sys.argv[5], {"TIMEOUT": None, "OPTIONS": {"MAX_ENTRIES": 100000}})
sampler = threading.Thread(target=sample, daemon=True)
sampler.start()
def cpu():
    own, workers = (resource.getrusage(who) for who in (resource.RUSAGE_SELF,
                                                       resource.RUSAGE_CHILDREN))
    return own.ru_utime + own.ru_stime + workers.ru_utime + workers.ru_stime
steps, cpu_start = {}, cpu()
start = time.perf_counter()
pdf = pdf_parts.disclosure_pdf(document, cache=cache, timings=steps)
cold = time.perf_counter() - start
cold_cpu = cpu() - cpu_start
done.set()
sampler.join()
# what the cold render cached, for EDIT_CHILD (before this process caches the edit too)
shutil.copytree(sys.argv[5], sys.argv[5] + "-elsewhere")
edited_pdf, warm, laid_out = render_edited(edited, cache)
open(sys.argv[3], "wb").write(pdf)
open(sys.argv[4], "wb").write(edited_pdf)
print(json.dumps({
    "cold": cold, "warm": warm, "laid_out": laid_out, "cpu": cold_cpu, "steps": steps,
    "peak_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    "workers_peak_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    "tree_pss_kib": max(peak_pss[0], tree_pss_kib()),
    "workers": pdf_parts.pdf_workers(),
}))
"""
)

#: run in a child Python after PIECES_CHILD, on a copy of the file cache its cold render filled:
#: the edited document in another process (as a download served by another web worker after
#: an edit), warmed up first (fonts, the templates: the unedited document's HTML)
EDIT_CHILD = (
    """
import json, pickle, resource, sys, time
import django
django.setup()
from django.core.cache.backends.filebased import FileBasedCache
from tables.document.render import pdf_parts
from tables.document.render.document import document_html
"""
    + EDIT_RENDER
    + """
document, edited = (pickle.load(open(path, "rb")) for path in sys.argv[1:3])
pdf_parts._warm()
document_html(document, for_pdf=True)
cache = FileBasedCache(sys.argv[3], {"TIMEOUT": None, "OPTIONS": {"MAX_ENTRIES": 100000}})
pdf, seconds, laid_out = render_edited(edited, cache)
open(sys.argv[4], "wb").write(pdf)
print(json.dumps({
    "seconds": seconds, "laid_out": laid_out,
    "peak_kib": max(resource.getrusage(who).ru_maxrss
                    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)),
}))
"""
)

#: run in a child Python: WeasyPrint's render time (after a warm-up) and the child's peak RSS
WEASYPRINT_CHILD = """
import json, resource, sys, time
import django
django.setup()
from tables.document.render.weasy import html_to_pdf
html = open(sys.argv[1], encoding="utf-8").read()
html_to_pdf("<p>预热 warm-up</p>")
usage = resource.getrusage(resource.RUSAGE_SELF)
start = time.perf_counter()
pdf = html_to_pdf(html)
seconds = time.perf_counter() - start
after = resource.getrusage(resource.RUSAGE_SELF)
cpu = after.ru_utime + after.ru_stime - usage.ru_utime - usage.ru_stime
open(sys.argv[2], "wb").write(pdf)
print(json.dumps({"seconds": seconds, "peak_kib": after.ru_maxrss, "cpu": cpu}))
"""

#: run in a child Python, so that its RUSAGE_CHILDREN is Chromium's processes only
CHROMIUM_CHILD = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
result = subprocess.run(sys.argv[1:], capture_output=True, timeout=600)
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"seconds": seconds, "peak_kib": peak, "returncode": result.returncode,
                  "stderr": result.stderr.decode(errors="replace")[-2000:]}))
"""


@dataclass
class Runs:
    scenario: str
    renderer: str
    projects: int
    seconds: list[float] = field(default_factory=list)
    peak_kib: int = 0
    pages: int = 0
    pdf_bytes: int = 0
    #: pieces (pdf_parts): the peak PSS of the caller and its workers together, how many
    #: workers, how many pieces an edit laid out again
    tree_pss_kib: int = 0
    workers: int = 0
    laid_out: int = 0
    #: CPU seconds of each run (all processes), and the seconds of each step of the last
    cpu: list[float] = field(default_factory=list)
    steps: dict[str, float] = field(default_factory=dict)

    @property
    def best(self) -> float:
        return min(self.seconds)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def peak_mib(self) -> float:
        return self.peak_kib / 1024


def pdf_page_count(pdf: bytes) -> int:
    """Pages of a PDF (pdfinfo when available; else the count of page objects)."""
    pdfinfo = shutil.which("pdfinfo")
    if pdfinfo:
        result = subprocess.run(
            [pdfinfo, "-"], input=pdf, capture_output=True, check=False, timeout=60
        )
        for line in result.stdout.decode(errors="replace").splitlines():
            if line.startswith("Pages:"):
                return int(line.split()[1])
    return pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")


def _publish_render(submission) -> None:
    """Build and render the files of a publication of `submission`, as `submission_publish`
    does, storing nothing."""
    from django.test import override_settings
    from django.utils import timezone

    from tables.document.render.pdf_parts import pdf_single_process
    from tables.publication.artifacts import publication_build

    with pdf_single_process(), override_settings(DISCLOSURE_PDF_CACHE=""):
        publication_build(submission=submission, published_at=timezone.now(), reason="")


def _cumulative(stats, functions) -> float:
    return sum(
        entry[3]
        for (path, _, name), entry in stats.items()
        for suffix, wanted in functions
        if name == wanted and path.replace(os.sep, "/").endswith(suffix)
    )


def publish_profile(submission, *, repeat: int = 3) -> list[str]:
    """The lines of `--profile` (module docstring): `repeat` unprofiled runs, then one under
    cProfile; the peak RSS is the process's before the profiler ran (it holds its own data)."""
    import cProfile
    import pstats
    import resource

    _publish_render(submission)  # warm: imports, templates, fonts
    runs = []
    for _ in range(repeat):
        start = time.process_time()
        _publish_render(submission)
        runs.append(time.process_time() - start)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    profiler = cProfile.Profile(time.process_time)
    profiler.runcall(_publish_render, submission)
    stats = pstats.Stats(profiler).stats
    profiled = sum(entry[2] for entry in stats.values())
    rows = {label: _cumulative(stats, functions) for label, (functions, _) in PROFILE_ROWS.items()}
    pdf = _cumulative(stats, [("render/pdf.py", "document_pdf")])
    files = _cumulative(stats, [("publication/artifacts.py", "publication_render")])
    pdf_parts_total = sum(v for k, v in rows.items() if k.startswith(("PDF", "字体")))
    rows[PDF_ROW] = max(0.0, pdf - pdf_parts_total)
    rows[DATA_ROW] = max(0.0, files - pdf - rows["HTML"] - rows["XLSX"])
    table = [["类别 category", "CPU s（profiled）", "占比 share", "≈ CPU s"]]
    total = statistics.median(runs)
    for label, seconds in rows.items():
        share = seconds / profiled if profiled else 0.0
        table.append([label, f"{seconds:.2f}", f"{share:.0%}", f"{share * total:.2f}"])
    return [
        f"发布演示单位 {submission.unit.code} {submission.year}年的文件（HTML、PDF、XLSX、JSON、"
        "CSV、开放数据），已预热的单进程，cProfile（CPU 时钟），不用 PDF 缓存："
        "publishing the demo's files in one warm process",
        *format_table(table, right_from=1),
        f"合计 total（profiled）{profiled:.2f} CPU-s；不加 profile 的合计 total without profiler "
        f"{total:.2f} CPU-s（{repeat} 次中位 median of {repeat}: "
        + ", ".join(f"{r:.2f}" for r in runs)
        + f"）；峰值内存 peak RSS {peak:.0f} MiB",
    ]


def synthetic_targets_copy(*, submission: Submission, source: Submission) -> int:
    """Give `submission` the demo's unit target and, for each of its projects in turn, a copy
    of one of the demo's project targets (cycling), indicators included. Returns how many
    project targets were made."""
    unit_target = UnitTarget.objects.filter(submission=source).first()
    if unit_target is not None:
        copy = UnitTarget.objects.create(
            submission=submission,
            strategic_goal=unit_target.strategic_goal,
            annual_goal=unit_target.annual_goal,
        )
        KeyTask.objects.bulk_create(
            KeyTask(unit_target=copy, function=t.function, tasks=t.tasks, position=t.position)
            for t in unit_target.key_tasks.all()
        )
        Indicator.objects.bulk_create(
            _indicator_copies(unit_target.indicators.all(), unit_target=copy)
        )
    sources = list(
        ProjectTarget.objects.filter(project__submission=source).prefetch_related("indicators")
    )
    projects = list(
        Project.objects.filter(submission=submission, allocation_of__isnull=True).order_by(
            "position"
        )
    )
    if not sources or not projects:
        return 0
    skip = {"id", "project"}
    copied_fields = [f.attname for f in ProjectTarget._meta.concrete_fields if f.name not in skip]
    targets = ProjectTarget.objects.bulk_create(
        ProjectTarget(
            project=project,
            **{name: getattr(sources[i % len(sources)], name) for name in copied_fields},
        )
        for i, project in enumerate(projects)
    )
    Indicator.objects.bulk_create(
        indicator
        for i, target in enumerate(targets)
        for indicator in _indicator_copies(
            sources[i % len(sources)].indicators.all(), project_target=target
        )
    )
    return len(targets)


def _indicator_copies(indicators, **owner) -> list[Indicator]:
    skip = {"id", "unit_target", "project_target"}
    names = [f.attname for f in Indicator._meta.concrete_fields if f.name not in skip]
    return [Indicator(**{n: getattr(i, n) for n in names}, **owner) for i in indicators]


class Command(BaseCommand):
    help = (
        "PDF 性能基准：演示单位和合成单位（--projects 个项目及其绩效目标表）的整份公开文件，"
        "WeasyPrint 与 headless Chromium 打印同一份自包含 HTML 的耗时和峰值内存。"
        "合成数据在事务中创建并在结束时回滚。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--projects",
            type=int,
            default=None,
            help="合成单位的项目数（默认为演示单位项目数的 10 倍）",
        )
        parser.add_argument("--repeat", type=int, default=3, help="每种渲染重复次数")
        parser.add_argument(
            "--scenario",
            action="append",
            choices=("demo", "synthetic"),
            help="只测这些场景（可重复；默认两者）",
        )
        parser.add_argument("--no-chromium", action="store_true", help="不运行 Chromium 对照")
        parser.add_argument("--keep", help="把生成的 HTML 和 PDF 留在这个目录（默认不保留）")
        parser.add_argument(
            "--profile",
            action="store_true",
            help="在本进程内（已预热）用 cProfile 测发布演示单位各格式文件的 CPU，按类别列出",
        )

    def handle(self, *args, **options):
        repeat = options["repeat"]
        if repeat < 1:
            raise CommandError("--repeat 至少为 1。")
        if options["projects"] is not None and options["projects"] < 1:
            raise CommandError("--projects 至少为 1。")
        if options["profile"]:
            with transaction.atomic():
                try:
                    submission = submission_get(unit_code=demo.UNIT_CODE, year=demo.YEAR)
                except Submission.DoesNotExist:
                    self.stdout.write("演示单位不存在，先载入演示数据（demo_load）……")
                    submission = demo_load()
                for line in publish_profile(submission, repeat=repeat):
                    self.stdout.write(line)
                transaction.set_rollback(True)
            return
        scenarios = options["scenario"] or ["demo", "synthetic"]
        chromium = None if options["no_chromium"] else shutil.which("chromium")
        if not options["no_chromium"] and chromium is None:
            self.stdout.write("未找到 chromium，只测 WeasyPrint。chromium not found.")

        with tempfile.TemporaryDirectory(prefix="benchmark-pdf-") as tmp:
            workdir = Path(options["keep"] or tmp)
            workdir.mkdir(parents=True, exist_ok=True)
            results: list[Runs] = []
            with transaction.atomic():
                try:
                    demo_submission = submission_get(unit_code=demo.UNIT_CODE, year=demo.YEAR)
                except Submission.DoesNotExist:
                    self.stdout.write("演示单位不存在，先载入演示数据（demo_load）……")
                    demo_submission = demo_load()
                demo_projects = demo_submission.projects.count()
                for scenario in scenarios:
                    if scenario == "demo":
                        submission, label = demo_submission, f"演示 demo {demo.UNIT_CODE}"
                    else:
                        projects = options["projects"] or 10 * demo_projects
                        submission = synthetic_submission_create(
                            n_lines=projects * LINES_PER_PROJECT
                        )
                        synthetic_targets_copy(submission=submission, source=demo_submission)
                        label = f"合成 synthetic {SYNTHETIC_UNIT_CODE}"
                    results += self._measure(
                        submission, label, workdir / scenario, repeat=repeat, chromium=chromium
                    )
                transaction.set_rollback(True)
        for line in self._report(results, repeat=repeat):
            self.stdout.write(line)

    def _measure(self, submission, label, stem: Path, *, repeat: int, chromium) -> list[Runs]:
        start = time.perf_counter()
        document = document_build(submission=submission)
        html = document_html(document, for_pdf=True)
        prepared = time.perf_counter() - start
        html_path = stem.with_suffix(".html")
        html_path.write_text(html, encoding="utf-8")
        projects = len(document.data.projects)
        self.stdout.write(
            f"{label}：项目 projects {projects}，绩效目标表 target tables "
            f"{len(document.project_target_sheets)}，HTML {len(html.encode()) / 1024:.0f} KiB，"
            f"文档构建 build + HTML {prepared * 1000:.0f} ms"
        )
        documents = [
            stem.with_name(f"{stem.name}-document.pickle"),
            stem.with_name(f"{stem.name}-edited.pickle"),
        ]
        documents[0].write_bytes(pickle.dumps(document))
        documents[1].write_bytes(pickle.dumps(self._edited(submission)))

        pieces = Runs(label, "WeasyPrint", projects)
        edited = Runs(label, "WeasyPrint 改一处", projects)
        elsewhere = Runs(label, "WeasyPrint 改一处 另一进程", projects)
        pdfs = [
            stem.with_name(f"{stem.name}-weasyprint.pdf"),
            stem.with_name(f"{stem.name}-weasyprint-edited.pdf"),
            stem.with_name(f"{stem.name}-weasyprint-edited-elsewhere.pdf"),
        ]
        for _ in range(repeat):
            # an empty directory of this run for the file cache (PIECES_CHILD copies what its
            # cold render cached into <dir>-elsewhere for EDIT_CHILD)
            scratch = Path(tempfile.mkdtemp(prefix="benchmark-pdf-cache-"))
            cache_dir = scratch / "cache"
            try:
                figures = self._child(
                    PIECES_CHILD, *map(str, documents), *map(str, pdfs[:2]), str(cache_dir)
                )
                other = self._child(
                    EDIT_CHILD, *map(str, documents), f"{cache_dir}-elsewhere", str(pdfs[2])
                )
            finally:
                shutil.rmtree(scratch, ignore_errors=True)
            elsewhere.seconds.append(other["seconds"])
            elsewhere.laid_out = other["laid_out"]
            elsewhere.peak_kib = max(elsewhere.peak_kib, other["peak_kib"])
            pieces.seconds.append(figures["cold"])
            pieces.cpu.append(figures["cpu"])
            pieces.steps = figures["steps"]
            edited.seconds.append(figures["warm"])
            peak = max(figures["peak_kib"], figures["workers_peak_kib"])
            pieces.peak_kib = edited.peak_kib = max(pieces.peak_kib, peak)
            pieces.tree_pss_kib = max(pieces.tree_pss_kib, figures["tree_pss_kib"])
            pieces.workers = figures["workers"]
            edited.laid_out = figures["laid_out"]
        for runs, path in zip((pieces, edited, elsewhere), pdfs, strict=True):
            pdf = path.read_bytes()
            runs.pages, runs.pdf_bytes = pdf_page_count(pdf), len(pdf)

        whole = Runs(label, "WeasyPrint 整份", projects)
        pdf_path = stem.with_name(f"{stem.name}-weasyprint-whole.pdf")
        for _ in range(repeat):
            figures = self._child(WEASYPRINT_CHILD, str(html_path), str(pdf_path))
            whole.seconds.append(figures["seconds"])
            whole.cpu.append(figures["cpu"])
            whole.peak_kib = max(whole.peak_kib, figures["peak_kib"])
        pdf = pdf_path.read_bytes()
        whole.pages, whole.pdf_bytes = pdf_page_count(pdf), len(pdf)
        runs = [pieces, edited, elsewhere, whole]
        if chromium:
            chrome = Runs(label, "Chromium", projects)
            out = stem.with_name(f"{stem.name}-chromium.pdf")
            for i in range(repeat):
                profile = stem.with_name(f"{stem.name}-chromium-profile-{i}")
                figures = self._child(
                    CHROMIUM_CHILD,
                    chromium,
                    *CHROMIUM_FLAGS,
                    f"--user-data-dir={profile}",
                    f"--print-to-pdf={out}",
                    html_path.as_uri(),
                )
                shutil.rmtree(profile, ignore_errors=True)
                if figures["returncode"] != 0 or not out.exists():
                    raise CommandError(f"Chromium 打印失败：{figures['stderr']}")
                chrome.seconds.append(figures["seconds"])
                chrome.peak_kib = max(chrome.peak_kib, figures["peak_kib"])
            pdf = out.read_bytes()
            chrome.pages, chrome.pdf_bytes = pdf_page_count(pdf), len(pdf)
            runs.append(chrome)
        return runs

    def _edited(self, submission):
        """The document after one entered text changed (十二 其他说明); the change is rolled
        back with the rest of the benchmark's transaction."""
        texts, _ = SubmissionText.objects.get_or_create(submission=submission)
        SubmissionText.objects.filter(pk=texts.pk).update(
            other_notes=texts.other_notes + EDIT_SUFFIX
        )
        return document_build(submission=submission)

    def _child(self, code: str, *args: str) -> dict:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": os.environ.get(
                "DJANGO_SETTINGS_MODULE", "budgetsite.settings"
            ),
        }
        result = subprocess.run(
            [sys.executable, "-c", code, *args],
            capture_output=True,
            text=True,
            cwd=settings.BASE_DIR,
            env=env,
            timeout=1800,
            check=False,
        )
        if result.returncode != 0:
            raise CommandError(f"子进程失败 child process failed：{result.stderr[-3000:]}")
        return json.loads(result.stdout.strip().splitlines()[-1])

    def _report(self, results: list[Runs], *, repeat: int) -> list[str]:
        rows = [
            [
                "场景 scenario",
                "渲染 renderer",
                "项目 projects",
                "页数 pages",
                "最佳 best s",
                "中位 median s",
                "峰值内存 peak MiB",
                "PDF KiB",
            ]
        ]
        for r in results:
            rows.append(
                [
                    r.scenario,
                    r.renderer,
                    str(r.projects),
                    str(r.pages),
                    f"{r.best:.2f}",
                    f"{r.median:.2f}",
                    f"{r.peak_mib:.1f}",
                    f"{r.pdf_bytes / 1024:.0f}",
                ]
            )
        out = [
            "",
            f"PDF 基准测试 benchmark_pdf，重复 repeat {repeat} 次。"
            "WeasyPrint：网站的渲染（分块并行、按内容哈希缓存、合并），冷启动，已预热的子进程内"
            "整个调用的墙钟时间与最大进程的峰值 RSS；WeasyPrint 改一处：改一处文字后再渲染；"
            "WeasyPrint 整份：同一份自包含 HTML 一次 write_pdf（参照）；"
            "Chromium：打印同一份 HTML，整个 headless 运行的墙钟时间（含启动）与其最大进程的峰值 RSS",
            *format_table(rows, right_from=2),
            "",
        ]
        by_scenario: dict[str, dict[str, Runs]] = {}
        for r in results:
            by_scenario.setdefault(r.scenario, {})[r.renderer] = r
        for scenario, runs in by_scenario.items():
            weasy, chrome = runs["WeasyPrint"], runs.get("Chromium")
            edited, whole = runs["WeasyPrint 改一处"], runs["WeasyPrint 整份"]
            memory = "达成 met" if weasy.peak_mib < GOAL_PEAK_MIB else "未达成 not met"
            line = (
                f"{scenario}：WeasyPrint 中位 median {weasy.median:.2f} s（{weasy.workers} 个进程 "
                f"workers；整份 whole {whole.median:.2f} s），"
                f"峰值内存 peak {weasy.peak_mib:.0f} MiB（< {GOAL_PEAK_MIB} MiB：{memory}；"
                f"全部进程合计 all processes PSS {weasy.tree_pss_kib / 1024:.0f} MiB）"
            )
            if chrome:
                ratio = weasy.median / chrome.median
                met = "达成 met" if ratio <= GOAL_RATIO else "未达成 not met"
                line += (
                    f"；WeasyPrint / Chromium = {ratio:.2f}×（目标 goal ≤ {GOAL_RATIO}×：{met}）"
                )
            out.append(line)
            steps = "，".join(f"{STEP_LABELS.get(k, k)} {v:.2f}" for k, v in weasy.steps.items())
            out.append(
                f"{scenario}：分步 steps（s）{steps}；CPU 合计 total "
                f"{statistics.median(weasy.cpu):.2f} s（整份 whole {statistics.median(whole.cpu):.2f} s）"
            )
            out.append(
                f"{scenario}：改一处后 after one edit {edited.median:.2f} s，重新排版 laid out "
                f"{edited.laid_out} 块 pieces"
                + (f"，= {edited.median / chrome.median:.2f}× Chromium" if chrome else "")
            )
            elsewhere = runs["WeasyPrint 改一处 另一进程"]
            met = "达成 met" if elsewhere.median <= GOAL_EDIT_SECONDS else "未达成 not met"
            out.append(
                f"{scenario}：改一处后在另一进程 after one edit, in another warm process "
                f"{elsewhere.median:.2f} s，重新排版 laid out {elsewhere.laid_out} 块 pieces"
                f"（目标 goal ≤ {GOAL_EDIT_SECONDS} s：{met}）"
            )
        out.append("合成数据已回滚 synthetic data rolled back")
        return out
