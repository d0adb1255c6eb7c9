"""Publishing: version 1 of the corrected demo with its five stored files, served as stored;
published data and artifacts that nothing can change; 更正 as version 2 while version 1 stays;
a rendering failure that publishes nothing; the download views' access and headers; the
publish command."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import shutil
import subprocess
import zipfile
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction
from django.urls import reverse

from performance.models import Indicator, ProjectTarget
from tables.models import FileKind, PublishedFile, PublishedVersion
from tables.publication.services import (
    PublicationFailed,
    published_file_get,
    published_versions_latest,
    submission_publish,
)
from tests.factories import budget_unit_create, submission_create, synthetic_budget, user_with
from units.immutability import PublishedDataLocked
from units.models import (
    BudgetLine,
    GlossaryTerm,
    Project,
    StatusChange,
    Submission,
    SubmissionStatus,
    SubmissionText,
)
from units.permissions import ADMIN, FILLER, REVIEWER
from units.services import TransitionRefused, submission_transition

pytestmark = pytest.mark.django_db

S = SubmissionStatus
User = get_user_model()
KINDS = {"html", "pdf", "xlsx", "json", "csv", "opendata", "datacsv"}
DEMO_NAME = "阳城县人民代表大会常务委员会办公室"


def approved_synthetic(n_lines=12, *, name="测试预算单位", seed=0):
    """A small synthetic unit put straight into 已审核 (publishing does not re-run checks)."""
    submission = submission_create(unit=budget_unit_create(name=name), status=S.APPROVED)
    synthetic_budget(submission, n_lines, seed=seed)
    return submission


@pytest.fixture
def admin_user():
    return user_with(ADMIN, name="publisher")


@pytest.fixture
def published(admin_user):
    """A synthetic submission published as version 1."""
    submission = approved_synthetic()
    version = submission_publish(submission_id=submission.pk, actor=admin_user)
    return submission, version


def file_url(submission, version, kind):
    return reverse(
        "publication:file", kwargs={"pk": submission.pk, "version": version, "kind": kind}
    )


def pdf_text(pdf: bytes, tmp_path) -> str:
    target = tmp_path / "published.pdf"
    target.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", str(target), "-"], capture_output=True, text=True, check=True
    ).stdout


# --- version 1 of the demo ----------------------------------------------------------------------


def test_publishing_the_demo_stores_version_one_with_five_files(demo_approved, client, tmp_path):
    """The corrected demo publishes as version 1: status 已发布 with an audit row, five files
    whose SHA-256 matches their bytes, served bytes hashing to the stored digest, no 草稿 mark,
    and a JSON snapshot holding the tables' numbers."""
    submission, people = demo_approved
    version = submission_publish(submission_id=submission.pk, actor=people[ADMIN])

    submission.refresh_from_db()
    assert submission.status == S.PUBLISHED
    assert version.version == 1 and version.published_by == people[ADMIN]
    assert (version.unit_code, version.unit_name, version.year) == ("003", DEMO_NAME, 2025)
    change = StatusChange.objects.filter(submission=submission).latest("id")
    assert (change.from_status, change.to_status, change.actor) == (
        S.APPROVED,
        S.PUBLISHED,
        people[ADMIN],
    )

    files = {f.kind: f for f in version.files.all()}
    assert set(files) == KINDS
    for file in files.values():
        content = bytes(file.content)
        assert file.size == len(content) > 0
        assert file.sha256 == hashlib.sha256(content).hexdigest()
        assert file.file_name.startswith(f"{DEMO_NAME}2025年单位预算公开")
    assert files["pdf"].file_name == f"{DEMO_NAME}2025年单位预算公开.pdf"
    assert files["pdf"].content_type == "application/pdf"

    client.force_login(people[FILLER])
    for kind, file in files.items():
        response = client.get(file_url(submission, 1, kind))
        assert response.status_code == 200, kind
        served = b"".join(response.streaming_content)
        assert hashlib.sha256(served).hexdigest() == file.sha256

    html = bytes(files["html"].content).decode("utf-8")
    assert 'class="watermark"' not in html and "（草稿）" not in html
    assert DEMO_NAME in html
    if shutil.which("pdftotext"):
        text = pdf_text(bytes(files["pdf"].content), tmp_path)
        assert DEMO_NAME in text and "草稿" not in text
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(bytes(files["xlsx"].content)))
    for sheet in workbook.worksheets:
        assert not sheet.oddHeader.center.text
        for row in sheet.iter_rows(values_only=True):
            assert not any(isinstance(v, str) and "草稿" in v for v in row)

    snapshot = json.loads(bytes(files["json"].content))
    assert snapshot == version.data_json
    assert snapshot["schema"] == "budget-disclosure-snapshot/1"
    assert (snapshot["unit"]["code"], snapshot["year"], snapshot["version"]) == ("003", 2025, 1)
    tables = {t["code"]: t for t in snapshot["tables"]}
    assert list(tables) == [f"T{n:02d}" for n in range(1, 15)]
    first = tables["T01"]["rows"][0]
    assert first["display"][:2] == ["一、一般公共预算", "1175.95"]
    general_current = [
        Decimal(line["amount"])
        for line in snapshot["budget"]["lines"]
        if line["fund"] == "general" and not line["is_carryover"]
    ]
    assert Decimal(first["values"][1]) == sum(general_current) == Decimal("11759498.00")
    assert snapshot["narrative"]["figures"]
    assert (
        len(snapshot["budget"]["lines"]) == BudgetLine.objects.filter(submission=submission).count()
    )
    assert snapshot["targets"]["project_targets"]

    with zipfile.ZipFile(io.BytesIO(bytes(files["csv"].content))) as archive:
        assert archive.namelist() == [f"T{n:02d}.csv" for n in range(1, 15)]
        t01 = archive.read("T01.csv").decode("utf-8-sig")
    assert "一、一般公共预算,1175.95" in t01


def test_publish_twice_makes_one_version(published, admin_user):
    """A repeated publish request is refused by the workflow; one version, one audit row."""
    submission, _ = published
    with pytest.raises(TransitionRefused, match="当前状态为已发布"):
        submission_publish(submission_id=submission.pk, actor=admin_user)
    assert PublishedVersion.objects.filter(submission=submission).count() == 1
    assert StatusChange.objects.filter(submission=submission, to_status=S.PUBLISHED).count() == 1


@pytest.mark.parametrize("role", [FILLER, REVIEWER])
def test_only_an_administrator_publishes(role):
    """填报人 and 审核人 of the unit cannot publish; nothing is stored."""
    submission = approved_synthetic()
    actor = user_with(role, [submission.unit])
    with pytest.raises(TransitionRefused, match="需要财政管理员"):
        submission_publish(submission_id=submission.pk, actor=actor)
    submission.refresh_from_db()
    assert submission.status == S.APPROVED
    assert not PublishedVersion.objects.exists()


def test_rendering_failure_publishes_nothing(monkeypatch, admin_user):
    """When the PDF renderer fails, the status stays 已审核, no version, file or audit row is
    stored, and the error names the cause."""
    submission = approved_synthetic()

    def broken(document, **kwargs):
        raise RuntimeError("找不到中文字体")

    monkeypatch.setattr("tables.document.render.pdf.document_pdf", broken)
    with pytest.raises(PublicationFailed) as failure:
        submission_publish(submission_id=submission.pk, actor=admin_user)
    assert "未发布" in failure.value.messages[0] and "找不到中文字体" in failure.value.messages[0]
    submission.refresh_from_db()
    assert submission.status == S.APPROVED
    assert not PublishedVersion.objects.exists() and not PublishedFile.objects.exists()
    assert not StatusChange.objects.filter(submission=submission).exists()


# --- immutability -------------------------------------------------------------------------------


def test_published_budget_data_refuses_orm_writes(published):
    """Lines, projects, texts, targets and the submission of a published version refuse save,
    delete, queryset update/delete and bulk_create; nothing changes."""
    submission, _ = published
    line = BudgetLine.objects.filter(submission=submission).first()
    amounts = list(BudgetLine.objects.order_by("pk").values_list("pk", "amount"))

    line.amount += 1
    with pytest.raises(PublishedDataLocked, match="已发布"):
        line.save()
    with pytest.raises(PublishedDataLocked):
        line.delete()
    with pytest.raises(PublishedDataLocked):
        BudgetLine.objects.filter(submission=submission).update(amount=0)
    with pytest.raises(PublishedDataLocked):
        submission.lines.all().delete()
    with pytest.raises(PublishedDataLocked):
        BudgetLine.objects.bulk_create([BudgetLine(**_line_fields(line))])
    with pytest.raises(PublishedDataLocked):
        BudgetLine.objects.create(**_line_fields(line))
    project = Project.objects.filter(submission=submission).first()
    project.name = "改名"
    with pytest.raises(PublishedDataLocked):
        project.save()
    with pytest.raises(PublishedDataLocked):
        Project.objects.filter(submission=submission).update(name="改名")
    with pytest.raises(PublishedDataLocked):
        SubmissionText.objects.create(submission=submission, duties="新职责")
    with pytest.raises(PublishedDataLocked):
        GlossaryTerm.objects.create(submission=submission, term="名词", definition="解释")
    with pytest.raises(PublishedDataLocked):
        ProjectTarget.objects.create(project=project, overview="新目标")
    submission.prior_total = Decimal("1")
    with pytest.raises(PublishedDataLocked):
        submission.save()
    with pytest.raises(PublishedDataLocked):
        Submission.objects.filter(pk=submission.pk).update(prior_total=1)
    with pytest.raises(PublishedDataLocked):
        Submission.objects.filter(pk=submission.pk).delete()

    assert list(BudgetLine.objects.order_by("pk").values_list("pk", "amount")) == amounts
    assert not Project.objects.filter(name="改名").exists()
    assert Submission.objects.get(pk=submission.pk).prior_total is None


def test_moving_a_draft_line_into_a_published_submission_is_refused(published):
    """Re-attaching rows to a published submission is refused and rolled back."""
    submission, _ = published
    draft = submission_create(unit=budget_unit_create())
    synthetic_budget(draft, 3, seed=5)
    with pytest.raises(PublishedDataLocked):
        BudgetLine.objects.filter(submission=draft).update(submission=submission)
    assert BudgetLine.objects.filter(submission=draft).count() == 3
    line = BudgetLine.objects.filter(submission=draft).first()
    line.submission = submission
    with pytest.raises(PublishedDataLocked):
        line.save()
    line.refresh_from_db()
    assert line.submission_id == draft.pk


def test_draft_data_stays_writable():
    """The guards leave unpublished data alone (and a published unit's other submissions)."""
    submission = submission_create(unit=budget_unit_create())
    synthetic_budget(submission, 3)
    BudgetLine.objects.filter(submission=submission).update(note="备注")
    line = BudgetLine.objects.filter(submission=submission).first()
    line.amount = Decimal("10.00")
    line.save()
    line.delete()
    assert BudgetLine.objects.filter(submission=submission).count() == 2


def test_target_indicators_of_a_published_submission_are_frozen(demo_approved):
    """An indicator of a published project target can be neither edited nor added."""
    submission, people = demo_approved
    submission_transition(
        submission_id=submission.pk, actor=people[ADMIN], to_status=S.PUBLISHED, publishing=True
    )
    indicator = Indicator.objects.filter(project_target__project__submission=submission).first()
    indicator.text = "100个"
    with pytest.raises(PublishedDataLocked):
        indicator.save()
    with pytest.raises(PublishedDataLocked):
        Indicator.objects.filter(pk=indicator.pk).update(text="100个")
    with pytest.raises(PublishedDataLocked):
        Indicator.objects.create(
            project_target=indicator.project_target,
            category=indicator.category,
            name="新增",
            text="1个",
        )


def _line_fields(line):
    return {
        "submission_id": line.submission_id,
        "func_code_id": line.func_code_id,
        "dept_econ_code_id": line.dept_econ_code_id,
        "gov_econ_code_id": line.gov_econ_code_id,
        "expense_kind": line.expense_kind,
        "amount": Decimal("1.00"),
    }


def test_published_data_refuses_admin_post_and_actions(published, client):
    """A superuser's POST to a published line's change page, and the delete action on it, are
    refused; the line is unchanged."""
    submission, _ = published
    superuser = User.objects.create_superuser("root", password="x")
    client.force_login(superuser)
    line = BudgetLine.objects.filter(submission=submission).first()
    change = reverse("admin:units_budgetline_change", args=[line.pk])
    response = client.post(change, {**_line_fields(line), "submission": submission.pk})
    assert response.status_code == 403
    response = client.post(
        reverse("admin:units_budgetline_changelist"),
        {"action": "delete_selected", "_selected_action": [line.pk], "post": "yes"},
    )
    assert response.status_code == 403
    response = client.post(
        reverse("admin:units_submission_changelist"),
        {"action": "initialise_texts", "_selected_action": [submission.pk]},
        follow=True,
    )
    assert "当前不可编辑，已跳过" in response.content.decode()
    assert BudgetLine.objects.filter(pk=line.pk, amount=line.amount).exists()
    assert not SubmissionText.objects.filter(submission=submission).exists()


def test_published_artifacts_refuse_every_change(published):
    """PublishedVersion and PublishedFile rows can be neither saved again, updated nor deleted,
    not even by a new object reusing a stored primary key."""
    _, version = published
    file = version.files.get(kind=FileKind.PDF)
    digest = file.sha256
    file.content = b"forged"
    with pytest.raises(PublishedDataLocked):
        file.save()
    with pytest.raises(PublishedDataLocked):
        file.delete()
    with pytest.raises(PublishedDataLocked):
        PublishedFile.objects.filter(pk=file.pk).update(content=b"forged")
    with pytest.raises(PublishedDataLocked):
        PublishedFile.objects.all().delete()
    with pytest.raises(PublishedDataLocked):
        PublishedFile.objects.bulk_update([file], ["content"])
    version.reason = "篡改"
    with pytest.raises(PublishedDataLocked):
        version.save()
    with pytest.raises(PublishedDataLocked):
        version.delete()
    with pytest.raises(PublishedDataLocked):
        PublishedVersion.objects.update(reason="篡改")
    with pytest.raises(PublishedDataLocked):
        PublishedVersion.objects.all().delete()
    forged = PublishedFile(
        pk=file.pk,
        version=version,
        kind=FileKind.PDF,
        file_name="x.pdf",
        content_type="application/pdf",
        content=b"forged",
        size=6,
        sha256="0" * 64,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        forged.save()

    stored = PublishedFile.objects.get(pk=file.pk)
    assert stored.sha256 == digest == hashlib.sha256(bytes(stored.content)).hexdigest()
    assert PublishedVersion.objects.get(pk=version.pk).reason == ""


def test_admin_shows_published_versions_read_only(published, client):
    """管理员 see versions and files in the admin and download the stored bytes; add, change and
    delete are refused; a 填报人 does not see them."""
    submission, version = published
    admin = User.objects.get(username="publisher")
    client.force_login(admin)
    file = version.files.get(kind=FileKind.XLSX)
    assert client.get(reverse("admin:tables_publishedversion_changelist")).status_code == 200
    page = client.get(reverse("admin:tables_publishedversion_change", args=[version.pk]))
    assert page.status_code == 200 and file.sha256 in page.content.decode()
    download = client.get(reverse("admin:tables_publishedfile_download", args=[file.pk]))
    assert hashlib.sha256(b"".join(download.streaming_content)).hexdigest() == file.sha256
    for name, args in [
        ("admin:tables_publishedfile_add", []),
        ("admin:tables_publishedfile_delete", [file.pk]),
        ("admin:tables_publishedversion_delete", [version.pk]),
    ]:
        assert client.get(reverse(name, args=args)).status_code == 403, name
    response = client.post(
        reverse("admin:tables_publishedfile_change", args=[file.pk]),
        {"file_name": "x.pdf", "sha256": "0" * 64},
    )
    assert response.status_code == 403
    assert PublishedFile.objects.get(pk=file.pk).file_name == file.file_name

    filler = user_with(FILLER, [submission.unit])
    client.force_login(filler)
    assert client.get(reverse("admin:tables_publishedversion_changelist")).status_code == 403
    assert (
        client.get(reverse("admin:tables_publishedfile_download", args=[file.pk])).status_code
        == 403
    )


# --- correction -------------------------------------------------------------------------------


def test_correction_publishes_version_two_and_keeps_version_one(demo_approved, client, fast_pdf):
    """更正 with a reason reopens the demo as draft version 2; after review it publishes as
    version 2 with that reason, while version 1's files and snapshot stay as stored."""
    submission, people = demo_approved
    v1 = submission_publish(submission_id=submission.pk, actor=people[ADMIN])
    v1_files = {f.kind: (f.sha256, bytes(f.content)) for f in v1.files.all()}

    submission_transition(
        submission_id=submission.pk,
        actor=people[ADMIN],
        to_status=S.DRAFT,
        reason="公用经费金额录入有误",
    )
    submission.refresh_from_db()
    assert (submission.status, submission.version) == (S.DRAFT, 2)
    line = BudgetLine.objects.filter(submission=submission, expense_kind="public").first()
    line.amount += Decimal("10000.00")  # 1万元 more, now editable again
    line.save()
    submission_transition(submission_id=submission.pk, actor=people[FILLER], to_status=S.SUBMITTED)
    submission_transition(submission_id=submission.pk, actor=people[REVIEWER], to_status=S.APPROVED)
    v2 = submission_publish(submission_id=submission.pk, actor=people[ADMIN])

    assert (v2.version, v2.reason) == (2, "公用经费金额录入有误")
    assert v2.files.get(kind="pdf").file_name == f"{DEMO_NAME}2025年单位预算公开（第2版）.pdf"
    t01 = {v: v.data_json["tables"][0]["rows"][-1]["display"][1] for v in (v1, v2)}
    assert Decimal(t01[v2]) - Decimal(t01[v1]) == Decimal("1.00")
    assert list(published_versions_latest().values_list("version", flat=True)) == [2]

    client.force_login(people[REVIEWER])
    for kind, (digest, content) in v1_files.items():
        stored = published_file_get(submission_id=submission.pk, version=1, kind=kind)
        assert (stored.sha256, bytes(stored.content)) == (digest, content)
        response = client.get(file_url(submission, 1, kind))
        assert hashlib.sha256(b"".join(response.streaming_content)).hexdigest() == digest
    page = client.get(reverse("publication:versions", kwargs={"pk": submission.pk}))
    text = page.content.decode()
    assert "第1版" in text and "第2版" in text and "公用经费金额录入有误" in text
    assert v1_files["pdf"][0] in text


# --- downloads ----------------------------------------------------------------------------------


def test_download_headers(published, client):
    """Stored content type, attachment with the Chinese name (RFC 5987), ETag = SHA-256,
    Repr-Digest, immutable private caching, and 304 for a matching If-None-Match."""
    submission, version = published
    client.force_login(User.objects.get(username="publisher"))
    file = version.files.get(kind=FileKind.PDF)
    response = client.get(file_url(submission, 1, "pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Length"] == str(file.size)
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; filename*=utf-8''")
    assert "%E6%B5%8B%E8%AF%95" in disposition  # 测试 (the unit's name), percent-encoded
    assert response["ETag"] == f'"{file.sha256}"'
    digest = base64.b64encode(bytes.fromhex(file.sha256)).decode()
    assert response["Repr-Digest"] == f"sha-256=:{digest}:"
    assert "immutable" in response["Cache-Control"] and "private" in response["Cache-Control"]
    again = client.get(file_url(submission, 1, "pdf"), HTTP_IF_NONE_MATCH=f'"{file.sha256}"')
    assert again.status_code == 304 and again["ETag"] == f'"{file.sha256}"'
    json_response = client.get(file_url(submission, 1, "json"))
    assert json_response["Content-Type"] == "application/json"


def test_download_access(published, client):
    """Anonymous users are sent to the login; another unit's users get 404, as do unknown
    versions and kinds; the unit's own 填报人 and 审核人 download."""
    submission, _ = published
    url = file_url(submission, 1, "pdf")
    versions = reverse("publication:versions", kwargs={"pk": submission.pk})
    for page in (url, versions):
        response = client.get(page)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]

    other = user_with(FILLER, [budget_unit_create(name="乙单位")])
    client.force_login(other)
    assert client.get(url).status_code == 404
    assert client.get(versions).status_code == 404

    for role in (FILLER, REVIEWER):
        client.force_login(user_with(role, [submission.unit]))
        assert client.get(url).status_code == 200
        assert client.get(versions).status_code == 200
        assert client.get(file_url(submission, 2, "pdf")).status_code == 404
        assert client.get(file_url(submission, 1, "docx")).status_code == 404


def test_an_unpublished_submission_has_no_files(client):
    """An approved submission that was never published answers 404 for its files."""
    submission = approved_synthetic()
    client.force_login(user_with(ADMIN))
    assert client.get(file_url(submission, 1, "pdf")).status_code == 404
    page = client.get(reverse("publication:versions", kwargs={"pk": submission.pk}))
    assert "尚未发布" in page.content.decode()


# --- the publish command ----------------------------------------------------------------------


def test_publish_command(admin_user):
    """publish --unit --year --user publishes and prints the files with their SHA-256."""
    submission = approved_synthetic()
    out = io.StringIO()
    call_command(
        "publish", unit=submission.unit.code, year=submission.year, user="publisher", stdout=out
    )
    version = PublishedVersion.objects.get(submission=submission)
    text = out.getvalue()
    assert "第1版" in text
    for file in version.files.all():
        assert file.sha256 in text and file.file_name in text


def test_publish_command_errors(admin_user):
    """Unknown unit, unknown user and a refused move stop with a Chinese message."""
    submission = approved_synthetic()
    with pytest.raises(CommandError, match="找不到单位 999"):
        call_command("publish", unit="999", year=2025, user="publisher")
    with pytest.raises(CommandError, match="找不到用户"):
        call_command("publish", unit=submission.unit.code, year=2025, user="nobody")
    call_command(
        "publish", unit=submission.unit.code, year=2025, user="publisher", stdout=io.StringIO()
    )
    with pytest.raises(CommandError, match="当前状态为已发布"):
        call_command("publish", unit=submission.unit.code, year=2025, user="publisher")


def test_admin_pages_do_not_reveal_which_versions_exist(published, client):
    """For a 填报人 the history, change and delete pages of published versions and files answer
    403 whether the id exists or not."""
    _, version = published
    file = version.files.first()
    client.force_login(user_with(FILLER, [budget_unit_create(name="乙单位")]))
    for model, pk in (("publishedversion", version.pk), ("publishedfile", file.pk)):
        for kind in ("history", "change", "delete"):
            for object_id in (pk, 999999):
                url = reverse(f"admin:tables_{model}_{kind}", args=[object_id])
                assert client.get(url).status_code == 403, url
