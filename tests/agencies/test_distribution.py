"""Citus-ready schema (gongkai.agencies.distribution), checked on the live database: every grown table
carries the agency, no unique constraint or foreign key crosses agencies, and docs/deploy.md gives the
DDL built from the same list."""
from datetime import date
from pathlib import Path

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from gongkai.agencies import distribution
from gongkai.applications import services as applications
from gongkai.applications.models import Application
from gongkai.applications.services import ApplicantData

DEPLOY = Path(__file__).resolve().parents[2] / "docs" / "deploy.md"


def _constraints(table: str) -> dict:
    with connection.cursor() as cursor:
        return connection.introspection.get_constraints(cursor, table)


def _tables(labels) -> set[str]:
    return {apps.get_model(label)._meta.db_table for label in labels}


def violations(table: str) -> list[str]:
    """What stops ``table`` from being distributed by agency_id, as read from the live schema."""
    with connection.cursor() as cursor:
        columns = {c.name for c in connection.introspection.get_table_description(cursor, table)}
    if "agency_id" not in columns:
        return [f"{table}: no agency_id column"]
    out = []
    grown, reference = _tables(distribution.grown_labels()), _tables(distribution.REFERENCE)
    pk_column = next(m._meta.pk.column for m in apps.get_models() if m._meta.db_table == table)
    for name, c in _constraints(table).items():
        if c["primary_key"]:
            # The surrogate key, unique by its sequence; the Citus DDL widens it to (agency_id, id).
            if c["columns"] != [pk_column]:
                out.append(f"{table}.{name}: primary key {c['columns']}")
        elif c["unique"] and "agency_id" not in c["columns"]:
            out.append(f"{table}.{name}: unique {c['columns']} without agency_id")
        if c["foreign_key"]:
            target = c["foreign_key"][0]
            if target in grown:
                out.append(f"{table}.{name}: foreign key to the grown table {target}")
            elif target not in reference:
                out.append(f"{table}.{name}: foreign key to {target}, neither grown nor a reference table")
    return out


@pytest.mark.django_db
def test_grown_tables_can_be_distributed_by_agency():
    # A table that points at a grown table grows with it: it must be on the list too.
    grown = set(distribution.grown_labels())
    children = {m._meta.label for m in apps.get_models() for f in m._meta.concrete_fields
                if f.is_relation and f.related_model._meta.label in grown}
    assert children <= grown
    problems = [p for model in distribution.grown_models() for p in violations(model._meta.db_table)]
    assert problems == []


@pytest.mark.django_db
def test_the_check_finds_what_would_stop_citus():
    """The rule bites on tables that are not distributed, in the ways it looks for."""
    assert violations("agencies_agency") == ["agencies_agency: no agency_id column"]
    audit = violations("agencies_auditentry")
    assert len(audit) == 1 and "unique ['seq'] without agency_id" in audit[0]
    assert violations("agencies_staff") == []  # unique (user, agency, role); the key to users is fine


@pytest.mark.django_db
def test_nothing_references_a_grown_table_with_a_database_constraint():
    """Reference and local tables cannot point at a distributed table in Citus; grown tables point at
    each other without constraints (the services keep the integrity)."""
    grown = _tables(distribution.grown_labels())
    offenders = []
    for table in connection.introspection.table_names():
        for name, c in _constraints(table).items():
            if c["foreign_key"] and c["foreign_key"][0] in grown:
                offenders.append(f"{table}.{name} → {c['foreign_key'][0]}")
    assert offenders == []
    for model in distribution.grown_models():
        for field in model._meta.concrete_fields:
            if field.is_relation and f"{field.related_model._meta.label}" in distribution.grown_labels():
                assert not field.db_constraint, f"{model._meta.label}.{field.name}"
            if field.is_relation:
                assert field.related_model._meta.label in distribution.REFERENCE + tuple(distribution.grown_labels())


@pytest.mark.django_db
def test_audit_log_is_the_one_documented_exception():
    """Its hash chain is one global sequence: seq stays globally unique and the table on the coordinator."""
    table = apps.get_model(distribution.COORDINATOR[0])._meta.db_table
    assert table not in _tables(distribution.grown_labels())
    unique = sorted(tuple(c["columns"]) for c in _constraints(table).values() if c["unique"] and not c["primary_key"])
    assert unique == [("seq",)]


@pytest.mark.django_db
def test_primary_keys_widen_to_include_the_agency():
    """The DDL's first grown-table step runs on this schema: no foreign key depends on those keys."""
    if connection.vendor != "postgresql":
        pytest.skip("the Citus DDL is PostgreSQL")
    with transaction.atomic():
        with connection.cursor() as cursor:
            for sql in distribution.widen_primary_keys_sql():
                cursor.execute(sql)
        for model in distribution.grown_models():
            pk = [c for c in _constraints(model._meta.db_table).values() if c["primary_key"]]
            assert [c["columns"] for c in pk] == [["agency_id", model._meta.pk.column]]
        transaction.set_rollback(True)


def test_deploy_doc_gives_the_ddl_of_the_list():
    text = DEPLOY.read_text(encoding="utf-8")
    assert "## Citus" in text
    assert distribution.citus_ddl() in text


# -- tracking codes: unique per agency, looked up city-wide ------------------------------------------------

def _register(agency, actor):
    data = ApplicantData(applicant_type="natural_person", applicant_name="张三", id_type="ric",
                         id_number="11010519491231002X", title="某道路建设项目环评批复",
                         description="请公开某道路建设项目的环境影响评价批复文件。", phone="13800000000")
    return applications.register_application(agency, data, channel="in_person", actor=actor,
                                             submitted_on=date(2024, 9, 25))


def test_tracking_code_unique_per_agency_and_never_shows_the_wrong_case(client, agencies, staff):
    mine = _register(agencies["own"], staff["registrar"])
    assert "办理中" in client.get(reverse("applications:status"), {"code": mine.tracking_code}).content.decode()
    with pytest.raises(IntegrityError), transaction.atomic():
        Application.objects.filter(pk=_register(agencies["own"], staff["registrar"]).pk).update(
            tracking_code=mine.tracking_code)
    # The database allows the same code in another agency (Citus cannot check across shards); codes are
    # drawn unique city-wide, and if two ever met the lookup shows neither rather than a stranger's case.
    theirs = _register(agencies["other"], staff["other_registrar"])
    Application.objects.filter(pk=theirs.pk).update(tracking_code=mine.tracking_code)
    page = client.get(reverse("applications:status"), {"code": mine.tracking_code}).content.decode()
    assert "没有找到该查询码对应的申请" in page and "办理中" not in page
