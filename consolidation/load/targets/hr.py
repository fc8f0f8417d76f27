"""The HR targets: org units, jobs, persons and their salary accounts, employments."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from consolidation.core.schema import Employment, Job, Ministry, OrgUnit, Person
from consolidation.load.settings import CentralConfig
from consolidation.load.targets.model import Record, Selection, lineage
from consolidation.load.targets.names import company_field, display_name, external_name


def read_org_unit(
    session: Session, selection: Selection, config: CentralConfig
) -> Iterator[Record]:
    units = list(
        session.execute(
            sa.select(OrgUnit, Ministry.code)
            .join(Ministry, Ministry.id == OrgUnit.ministry_id)
            .where(selection.staged(OrgUnit))
            .order_by(OrgUnit.id)
        )
    )
    by_id = {unit.id: unit for unit, _ in units}

    def depth(unit: OrgUnit) -> int:
        level, seen = 0, set()
        while unit.parent_id is not None and unit.parent_id in by_id and unit.id not in seen:
            seen.add(unit.id)
            unit = by_id[unit.parent_id]
            level += 1
        return level

    for unit, ministry_code in units:
        parent = by_id.get(unit.parent_id) if unit.parent_id is not None else None
        parent_xid = (
            _org_unit_xid(config, parent)
            if parent is not None
            else config.xid(external_name("ministry", ministry_code))
        )
        values = {
            "name": display_name(config, unit.name_en, unit.name_ar),
            "parent_id/id": parent_xid,
        }
        values |= company_field(config, ministry_code)
        yield Record(
            "org_unit",
            unit.id,
            _org_unit_xid(config, unit),
            values,
            parent_xid,
            level=depth(unit),
            **lineage(unit),
        )


def _org_unit_xid(config: CentralConfig, unit: OrgUnit) -> str:
    return config.xid(external_name("org_unit", unit.source_system, unit.source_key))


def read_job(session: Session, selection: Selection, config: CentralConfig) -> Iterator[Record]:
    jobs = list(
        session.execute(
            sa.select(Job, Ministry.code)
            .join(Ministry, Ministry.id == Job.ministry_id)
            .where(selection.staged(Job))
            .order_by(Job.id)
        )
    )
    titles: dict[tuple[str, str], int] = {}
    for job, ministry_code in jobs:
        title = display_name(config, job.title_en, job.title_ar)
        titles[(ministry_code, title)] = titles.get((ministry_code, title), 0) + 1
    for job, ministry_code in jobs:
        title = display_name(config, job.title_en, job.title_ar) or job.code
        if titles.get((ministry_code, title), 0) > 1:
            title = f"{title} ({job.code})"  # Odoo: a job's name is unique per department
        department = config.xid(external_name("ministry", ministry_code))
        values = {"name": title, "department_id/id": department} | company_field(
            config, ministry_code
        )
        xid = config.xid(external_name("job", job.source_system, job.source_key))
        yield Record("job", job.id, xid, values, department, **lineage(job))


def _person_xid(config: CentralConfig, person_key: str) -> str:
    return config.xid(external_name("person", person_key))


def _person_bank_xid(config: CentralConfig, person_key: str, iban: str) -> str:
    digest = hashlib.sha256(iban.encode()).hexdigest()[:12]  # the IBAN stays out of the id
    return config.xid(external_name("person_bank", person_key, digest))


def _selected_employments(selection: Selection) -> Any:
    return (
        sa.select(Employment, Person)
        .join(Person, Person.id == Employment.person_id, isouter=True)
        .where(selection.staged(Employment))
        .order_by(Employment.id)
        .execution_options(yield_per=2_000)
    )


def read_person(session: Session, selection: Selection, config: CentralConfig) -> Iterator[Record]:
    people = sa.select(Employment.person_id).where(selection.staged(Employment))
    query = sa.select(Person).where(Person.id.in_(people)).order_by(Person.id)
    for person in session.scalars(query):
        values = {"name": display_name(config, person.name_en, person.name_ar), "active": "1"}
        xid = _person_xid(config, person.person_key)
        record = Record("person", person.id, xid, values, xid, **lineage(person))
        if not values["name"]:
            record.refusal = "the person has no name in English or Arabic"
        yield record


def read_person_bank(
    session: Session, selection: Selection, config: CentralConfig
) -> Iterator[Record]:
    seen: set[str] = set()
    for employment, person in session.execute(_selected_employments(selection)):
        if person is None or not employment.iban:
            continue
        xid = _person_bank_xid(config, person.person_key, employment.iban)
        if xid in seen:
            continue  # the same salary account of one person in two ministries
        seen.add(xid)
        person_xid = _person_xid(config, person.person_key)
        values = {"acc_number": employment.iban, "partner_id/id": person_xid, "active": "1"}
        yield Record("person_bank", employment.id, xid, values, person_xid, **lineage(employment))


def read_employment(
    session: Session, selection: Selection, config: CentralConfig
) -> Iterator[Record]:
    units = {
        unit.id: unit
        for unit in session.scalars(sa.select(OrgUnit).where(selection.staged(OrgUnit)))
    }
    jobs = {job.id: job for job in session.scalars(sa.select(Job).where(selection.staged(Job)))}
    ministries = {
        row.id: row.code for row in session.execute(sa.select(Ministry.id, Ministry.code))
    }
    for employment, person in session.execute(_selected_employments(selection)):
        unit = units.get(employment.org_unit_id or -1)
        job = jobs.get(employment.job_id or -1)
        name = display_name(config, person.name_en, person.name_ar) if person is not None else ""
        terminated = employment.status == "terminated"
        values = {
            "name": name,
            "department_id/id": _org_unit_xid(config, unit) if unit is not None else "",
            "job_id/id": config.xid(external_name("job", job.source_system, job.source_key))
            if job is not None
            else "",
            "work_contact_id/id": _person_xid(config, person.person_key) if person else "",
            "bank_account_id/id": _person_bank_xid(config, person.person_key, employment.iban)
            if person is not None and employment.iban
            else "",
            "identification_id": (person.national_id or "") if person else "",
            "birthday": person.birth_date.isoformat() if person and person.birth_date else "",
            "gender": config.genders.get(person.gender or "", "") if person else "",
            "work_email": employment.email or "",
            "mobile_phone": employment.phone or "",
            # a terminated employment arrives archived, with the day it ended (Odoo 17 has no
            # state for a suspension: a suspended employee stays active)
            "active": "0" if terminated else "1",
            "departure_date": employment.end_date.isoformat()
            if terminated and employment.end_date
            else "",
        } | company_field(config, ministries[employment.ministry_id])
        xid = config.xid(
            external_name("employment", employment.source_system, employment.source_key)
        )
        # creating an employee writes its work contact (email, phone) and its job (head counts):
        # records sharing either go to one lane (Odoo 17: "could not serialize access")
        group = values["work_contact_id/id"] or xid
        record = Record("employment", employment.id, xid, values, group, **lineage(employment))
        record.also = tuple(value for value in (values["job_id/id"],) if value)
        if not name:
            # Odoo 17 answers an employee without a name with a server crash (KeyError)
            record.refusal = "the employee has no name: no matched person with a name"
        yield record
