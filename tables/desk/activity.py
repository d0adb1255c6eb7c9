"""What happened last to each of many submissions, and a fingerprint of everything recorded about
each, in a fixed number of queries whatever the number of submissions (the 年度总览 lists them
all on one page).

A submission's recorded changes are its workflow moves (`StatusChange`) and the audit trail of
its data (`units.history.TRACKED`: the submission row, its lines, projects, texts, targets …).
The fingerprint hashes, per kind of record, how many there are and the newest one's id. Records
are only ever appended, so a change committed after a fingerprint was read always gives another
fingerprint, whatever order concurrent transactions commit in; comparing timestamps could miss a
change whose transaction started before a check and committed after it.

The bureau's own 批复日期 (`APPROVAL_DATE_REASON`, set by `tables.desk.bureau.approval_date_set`)
is left out of both the fingerprint and the last activity: it is not the unit's work and changes
no check finding, so setting it for a whole year neither hides what the units did last nor sends
every unit's checks to be run again. The records of the audit trail's baseline (when it was
switched on) are not activity either, as in the 变更记录; they count in the fingerprint, which
they never change.

The counting is one UNION ALL query written in SQL from the models' metadata (tables and
columns, the paths of `units.history.TRACKED`), with the submissions as a subquery: built with
the ORM, its twenty-odd parts, each binding hundreds of ids, took longer to compile than the
database took to run them. Then one query per kind of record that is some submission's newest
(usually two or three), one for the users: five or so in all, whatever the number of
submissions.
"""

from __future__ import annotations

import datetime
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import IntegerField, Q, QuerySet, Value

from units.history import ACTIONS, BASELINE, TRACKED
from units.models import StatusChange, Submission
from units.workflow import status_label, transition_for

#: The change reason (`units.history.history_reason`) of a 批复日期 set by the bureau.
APPROVAL_DATE_REASON = "设置批复日期"
#: The kind number of workflow moves in a fingerprint (history kinds are TRACKED's indexes).
MOVES = -1


@dataclass(frozen=True)
class LastChange:
    """The newest recorded change of a submission: when, by whom (or 系统), and what."""

    at: datetime.datetime
    actor: str
    what: str


@dataclass(frozen=True)
class SubmissionActivity:
    fingerprint: str
    last: LastChange | None


def _source(model, path: str, alias: str) -> tuple[str, str]:
    """(joins, key) for the history table of `model` aliased `alias`: `key` is the SQL
    expression of each record's submission id, following `path` through the parents' history
    tables (so the records of rows deleted since still count), `joins` what it needs. "{subs}"
    stands for the SQL selecting the submissions' ids (filled in by `_aggregates_sql`)."""
    qn = connection.ops.quote_name
    if not path:
        return "", f"{alias}.{qn('id')}"
    head, _, rest = path.partition("__")
    field = model._meta.get_field(head)
    if not rest:
        return "", f"{alias}.{qn(field.column)}"
    parent = field.related_model
    inner = f"{alias}p"
    joins, key = _source(parent, rest, f"{inner}h")
    table = qn(parent.history.model._meta.db_table)
    mapped = (
        f"SELECT DISTINCT {inner}h.{qn('id')} AS pid, {key} AS sid FROM {table} {inner}h {joins} "
        f"WHERE {key} IN ({{subs}})"
    )
    return f"JOIN ({mapped}) {inner} ON {alias}.{qn(field.column)} = {inner}.pid", f"{inner}.sid"


def _aggregates_sql(subs_sql: str, subs_params) -> tuple[str, list]:
    """One UNION ALL of, per kind of record (and path), per submission: (kind, path index,
    submission id, records, newest id, newest time)."""
    qn = connection.ops.quote_name
    parts = [
        f"SELECT {MOVES} AS kind, 0 AS via, m.{qn('submission_id')} AS sid, COUNT(*) AS n, "
        f"MAX(m.{qn('id')}) AS newest, MAX(m.{qn('at')}) AS latest "
        f"FROM {qn(StatusChange._meta.db_table)} m WHERE m.{qn('submission_id')} IN ({{subs}}) "
        f"GROUP BY m.{qn('submission_id')}"
    ]
    for kind, tracked in enumerate(TRACKED):
        table = qn(tracked.model.history.model._meta.db_table)
        for via, path in enumerate(tracked.paths):
            joins, key = _source(tracked.model, path, "h")
            where = f"{key} IN ({{subs}})"
            if tracked.model is Submission:  # its own history: not the bureau's 批复日期
                reason = qn("history_change_reason")
                where += f" AND (h.{reason} IS NULL OR h.{reason} NOT LIKE %s)"
            parts.append(
                f"SELECT {kind}, {via}, {key}, COUNT(*), MAX(h.{qn('history_id')}), "
                f"MAX(h.{qn('history_date')}) FROM {table} h {joins} WHERE {where} "
                f"GROUP BY {key}"
            )
    sql = " UNION ALL ".join(parts)
    # parameters in the order of their placeholders: the submissions' wherever "{subs}" stands,
    # the 批复日期 reason where its LIKE stands
    params: list = []
    pieces = sql.split("{subs}")
    out = pieces[0]
    for piece in pieces[1:]:
        params += list(subs_params)
        out += subs_sql + piece
        params += [f"{APPROVAL_DATE_REASON}%"] * piece.count("%s")
    return out, params


@dataclass
class _Found:
    """Per submission: the (kind, path index, records, newest id) of each kind, for the
    fingerprint, and the kind and id of its newest record, with its time."""

    entries: list = field(default_factory=list)
    latest: tuple | None = None  # (time, is a move, kind, id)


def _aggregates(submissions: QuerySet) -> dict[int, _Found]:
    """What each submission's records add up to, in one query. Written in SQL: built with the
    ORM, its twenty-odd parts took longer to compile than the database took to run them."""
    subs_sql, subs_params = submissions.order_by().values("pk").query.sql_with_params()
    sql, params = _aggregates_sql(subs_sql, subs_params)
    found: dict[int, _Found] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    for kind, via, submission_id, records, newest, latest in rows:
        entry = found.setdefault(submission_id, _Found())
        entry.entries.append((kind, via, records, newest))
        # a move wins over the save of the submission it made at the same moment; the times
        # compare as the database returns them (datetimes, or ISO text on SQLite)
        candidate = (latest, kind == MOVES, kind, newest)
        if entry.latest is None or candidate[:2] > entry.latest[:2]:
            entry.latest = candidate
    return found


def _fingerprint(found: _Found | None) -> str:
    entries = sorted(found.entries) if found else []
    return hashlib.sha256(repr(entries).encode()).hexdigest()


def _actor(user) -> str:
    if user is None:
        return "系统"
    return user.get_full_name() or user.get_username()


def _last_changes(found: dict[int, _Found]) -> dict[int, LastChange]:
    """Who made each submission's newest record and what it was: one query for the moves, one
    UNION over the kinds of record that are someone's newest (by the ids found, one per
    submission), one for the users. A submission
    whose newest record is of the baseline shows none (nothing happened since)."""
    wanted: dict[int, list[int]] = {}
    for entry in found.values():
        if entry.latest is not None:
            wanted.setdefault(entry.latest[2], []).append(entry.latest[3])
    records = {}  # (kind, id) → (at, user id, what)
    history_parts = [
        TRACKED[kind]
        .model.history.filter(history_id__in=ids)
        .order_by()
        .annotate(audit_kind=Value(kind, output_field=IntegerField()))
        .values_list(
            "audit_kind",
            "history_id",
            "history_date",
            "history_user_id",
            "history_type",
            "history_change_reason",
        )
        for kind, ids in wanted.items()
        if kind != MOVES
    ]
    if history_parts:
        for kind, pk, at, user_id, history_type, reason in history_parts[0].union(
            *history_parts[1:], all=True
        ):
            if reason == BASELINE:
                continue
            model = TRACKED[kind].model
            what = f"{ACTIONS.get(history_type, history_type)}{model._meta.verbose_name}"
            records[(kind, pk)] = (at, user_id, what)
    if wanted.get(MOVES):
        for pk, at, user_id, from_status, to_status in (
            StatusChange.objects.filter(id__in=wanted[MOVES])
            .order_by()
            .values_list("id", "at", "actor_id", "from_status", "to_status")
        ):
            move = transition_for(from_status, to_status)
            what = move.action if move else f"改为{status_label(to_status)}"
            records[(MOVES, pk)] = (at, user_id, what)
    newest = {
        submission_id: records[entry.latest[2:]]
        for submission_id, entry in found.items()
        if entry.latest is not None and entry.latest[2:] in records
    }
    users = get_user_model().objects.in_bulk({r[1] for r in newest.values() if r[1] is not None})
    return {
        submission_id: LastChange(at=at, actor=_actor(users.get(user_id)), what=what)
        for submission_id, (at, user_id, what) in newest.items()
    }


def _fingerprints(submissions: QuerySet, found: dict[int, _Found]) -> dict[int, str]:
    """Each submission's fingerprint; a 部门汇总单位's folds in its members' (their lines and
    moves make its figures), so its cached check counts follow a member's change. Two queries
    more, whatever the number of submissions (one when no 部门 is among them). The members are
    those of the same year and kind (a 部门's budget folds in its members' budgets only)."""
    prints = {pk: _fingerprint(entry) for pk, entry in found.items()}
    heads = list(
        submissions.filter(unit__consolidates_department=True)
        .order_by()
        .values_list("pk", "year", "kind", "unit__department_id")
    )
    if not heads:
        return prints
    wanted = Q()
    for _, year, kind, department_id in heads:
        wanted |= Q(year=year, kind=kind, unit__department_id=department_id)
    members = Submission.objects.filter(wanted, unit__consolidates_department=False)
    member_found = _aggregates(members)
    by_department = defaultdict(list)
    for pk, year, kind, department_id in members.order_by("pk").values_list(
        "pk", "year", "kind", "unit__department_id"
    ):
        by_department[(year, kind, department_id)].append(
            f"{pk}:{_fingerprint(member_found.get(pk))}"
        )
    for pk, year, kind, department_id in heads:
        folded = [_fingerprint(found.get(pk)), *by_department[(year, kind, department_id)]]
        prints[pk] = hashlib.sha256(repr(folded).encode()).hexdigest()
    return prints


def submissions_activity(*, submissions: QuerySet[Submission]) -> dict[int, SubmissionActivity]:
    """Each submission's fingerprint and newest recorded change (None: nothing recorded), in
    a handful of queries whatever the number of submissions."""
    ids = list(submissions.order_by().values_list("pk", flat=True))
    if not ids:
        return {}
    found = _aggregates(submissions)
    last = _last_changes(found)
    prints = _fingerprints(submissions, found)
    return {pk: SubmissionActivity(prints.get(pk, _fingerprint(None)), last.get(pk)) for pk in ids}


def submission_fingerprint(*, submission_id: int) -> str:
    """The fingerprint of one submission's recorded changes (see the module's docstring)."""
    submissions = Submission.objects.filter(pk=submission_id)
    found = _aggregates(submissions)
    return _fingerprints(submissions, found).get(submission_id, _fingerprint(None))
