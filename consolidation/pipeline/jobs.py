"""Long work started from the web app, run in a background thread and recorded in the
``background_job`` table: its state, stage, progress and result, polled by the page that
started it. A job holds its ``lock_key`` while it runs, so the store's unique constraint refuses
a second job of the same key from any process; a job whose heartbeat stopped (its process
died) is marked interrupted and its lock taken over."""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from consolidation.core import audit
from consolidation.core.errors import ConsolidationError
from consolidation.core.schema import BackgroundJob
from consolidation.extract import process_alive

if TYPE_CHECKING:
    from consolidation.pipeline import Pipeline, RevalidateResult

logger = logging.getLogger(__name__)

REVALIDATE = "revalidate"
HEARTBEAT = timedelta(seconds=10)
"""How often a running job says it is alive."""
STALE_AFTER = timedelta(minutes=3)
"""A running job silent for this long is taken to have died with its process."""
RUNNING, DONE, FAILED, INTERRUPTED = "running", "done", "failed", "interrupted"


class JobRunning(ConsolidationError):  # noqa: N818 - reads as the condition it names
    """A job of the same kind is already running."""


class JobNotFound(ConsolidationError):  # noqa: N818 - reads as the condition it names
    """No job has that id."""


@dataclass(frozen=True)
class JobView:
    id: int
    kind: str
    state: str
    stage: str | None
    done: int
    total: int | None
    started_by: str
    started_at: datetime
    heartbeat_at: datetime
    finished_at: datetime | None
    message: str | None
    result: dict[str, Any]

    @property
    def running(self) -> bool:
        return self.state == RUNNING


class JobService:
    """Claiming, advancing and ending background jobs in the store."""

    def __init__(self, engine: sa.Engine, *, stale_after: timedelta = STALE_AFTER) -> None:
        self.engine = engine
        self.stale_after = stale_after

    @contextmanager
    def _session(self) -> Iterator[Session]:
        with Session(self.engine) as session, session.begin():
            yield session

    def claim(self, kind: str, *, actor: str, lock_key: str | None = None) -> int:
        """A new running job holding ``lock_key`` (the kind by default); ``JobRunning`` while
        another live job holds it. A holder silent for ``stale_after`` is marked interrupted
        and its lock taken over."""
        key = lock_key or kind
        for _attempt in range(3):
            self._take_over_stale(key)
            now = datetime.now(UTC)
            try:
                with self._session() as session:
                    job = BackgroundJob(
                        kind=kind,
                        lock_key=key,
                        state=RUNNING,
                        started_by=actor,
                        started_at=now,
                        heartbeat_at=now,
                        done=0,
                        result={},
                        pid=os.getpid(),
                        host=socket.gethostname()[:255],
                    )
                    session.add(job)
                    session.flush()
                    audit.record(session, actor, audit.Event.JOB_STARTED, "background_job",
                                 job.id, kind=kind)  # fmt: skip
                    return job.id
            except sa.exc.IntegrityError:
                holder = self._holder(key)
                if holder is None:
                    continue  # it ended between our insert and our look: try again
                if not self._stale(holder):
                    raise JobRunning(
                        f"a {kind} job is already running (job {holder.id}, started by "
                        f"{holder.started_by} at {holder.started_at:%Y-%m-%d %H:%M} UTC); "
                        "wait for it to finish"
                    ) from None
        raise JobRunning(f"could not start the {kind} job: its lock keeps changing hands")

    def progress(
        self,
        job_id: int,
        *,
        stage: str | None = None,
        done: int | None = None,
        total: int | None = None,
    ) -> None:
        """The job is alive, at ``stage``, ``done`` of ``total``."""
        values: dict[str, Any] = {"heartbeat_at": datetime.now(UTC)}
        if stage is not None:
            values["stage"] = stage
        if done is not None:
            values["done"] = done
        if total is not None:
            values["total"] = total
        with self._session() as session:
            session.execute(
                sa.update(BackgroundJob)
                .where(BackgroundJob.id == job_id, BackgroundJob.state == RUNNING)
                .values(**values)
            )

    def finish(self, job_id: int, result: dict[str, Any], *, actor: str) -> None:
        self._end(job_id, DONE, actor, result=result)

    def fail(self, job_id: int, message: str, *, actor: str) -> None:
        self._end(job_id, FAILED, actor, message=message)

    def get(self, job_id: int) -> JobView:
        with self._session() as session:
            job = session.get(BackgroundJob, job_id)
            if job is None:
                raise JobNotFound(f"no job {job_id}")
            if job.state == RUNNING and self._stale(job):
                job = self._interrupt(session, job)
            return _view(job)

    def latest(self, kind: str) -> JobView | None:
        with self._session() as session:
            job = session.scalars(
                sa.select(BackgroundJob)
                .where(BackgroundJob.kind == kind)
                .order_by(BackgroundJob.id.desc())
                .limit(1)
            ).one_or_none()
            return None if job is None else _view(job)

    def _end(self, job_id: int, state: str, actor: str, **values: Any) -> None:
        event = audit.Event.JOB_FINISHED if state == DONE else audit.Event.JOB_FAILED
        now = datetime.now(UTC)
        with self._session() as session:
            job = session.get(BackgroundJob, job_id)
            if job is None:
                raise JobNotFound(f"no job {job_id}")
            job.state, job.lock_key, job.finished_at, job.heartbeat_at = state, None, now, now
            if state == DONE:
                job.done = job.total if job.total is not None else job.done
                job.stage = DONE
            for name, value in values.items():
                setattr(job, name, value)
            detail = values.get("result") or {"message": values.get("message")}
            audit.record(session, actor, event, "background_job", job_id, kind=job.kind,
                         **detail)  # fmt: skip

    def _holder(self, key: str) -> BackgroundJob | None:
        with Session(self.engine, expire_on_commit=False) as session:
            return session.scalars(
                sa.select(BackgroundJob).where(BackgroundJob.lock_key == key)
            ).one_or_none()

    def _take_over_stale(self, key: str) -> None:
        with self._session() as session:
            holder = session.scalars(
                sa.select(BackgroundJob).where(BackgroundJob.lock_key == key)
            ).one_or_none()
            if holder is not None and self._stale(holder):
                self._interrupt(session, holder)

    def _interrupt(self, session: Session, job: BackgroundJob) -> BackgroundJob:
        logger.warning("job %s (%s) silent since %s: marked interrupted", job.id, job.kind,
                       job.heartbeat_at)  # fmt: skip
        job.state, job.lock_key, job.finished_at = INTERRUPTED, None, datetime.now(UTC)
        job.message = "its process stopped before it finished"
        audit.record(session, job.started_by, audit.Event.JOB_FAILED, "background_job", job.id,
                     kind=job.kind, message=job.message)  # fmt: skip
        return job

    def _stale(self, job: BackgroundJob) -> bool:
        if job.host == socket.gethostname()[:255] and job.pid and not process_alive(job.pid):
            return True  # its process died here: no need to wait for the heartbeat to age
        beat = job.heartbeat_at
        if beat.tzinfo is None:
            beat = beat.replace(tzinfo=UTC)
        return datetime.now(UTC) - beat > self.stale_after


def _view(job: BackgroundJob) -> JobView:
    return JobView(
        id=job.id,
        kind=job.kind,
        state=job.state,
        stage=job.stage,
        done=job.done,
        total=job.total,
        started_by=job.started_by,
        started_at=job.started_at,
        heartbeat_at=job.heartbeat_at,
        finished_at=job.finished_at,
        message=job.message,
        result=dict(job.result or {}),
    )


def revalidation_summary(result: RevalidateResult) -> dict[str, Any]:
    """What a finished revalidation reports: released per entity, still quarantined, new
    issues, records checked, and the sources left out for their reference data."""
    return {
        "checked": result.checked,
        "released": dict(sorted(result.released.items())),
        "still_quarantined": result.still_quarantined,
        "new_issues": result.new_issues,
        "skipped": dict(sorted(result.skipped.items())),
    }


@contextmanager
def exclusive(engine: sa.Engine, kind: str, key: str, *, actor: str) -> Iterator[int]:
    """Hold the lock ``key`` while the block runs, as a job of ``kind`` with a heartbeat: a
    second holder, in this process or another, on this machine or another, is refused with
    ``JobRunning`` (one line); a holder that died is taken over."""
    jobs = JobService(engine)
    job_id = jobs.claim(kind, actor=actor, lock_key=key)
    stop = _heartbeat(jobs, job_id)
    try:
        yield job_id
    except BaseException as exc:
        stop.set()
        jobs.fail(job_id, _failure(exc), actor=actor)
        raise
    finally:
        stop.set()
    jobs.finish(job_id, {}, actor=actor)


def _heartbeat(jobs: JobService, job_id: int) -> threading.Event:
    """A thread beating the job's heartbeat until the returned event is set."""
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(HEARTBEAT.total_seconds()):
            try:
                jobs.progress(job_id)
            except sa.exc.SQLAlchemyError as exc:  # a busy store: the next beat will do
                logger.warning("job %s heartbeat failed: %s", job_id, type(exc).__name__)

    threading.Thread(target=beat, name=f"job-{job_id}-heartbeat", daemon=True).start()
    return stop


def _failure(exc: BaseException) -> str:
    """A failed job's one line: our own errors' words, the type alone of any other (its text
    may hold a value of a record)."""
    text = str(exc).strip() if isinstance(exc, ConsolidationError) else ""
    return text.splitlines()[0][:500] if text else type(exc).__name__


class JobProgress:
    """A ProgressSink that writes a job's stage and count to its row, for the page to poll."""

    def __init__(self, jobs: JobService, job_id: int) -> None:
        self.jobs, self.job_id = jobs, job_id
        self.done = 0

    def start(self, label: str, total: int | None) -> None:
        self.done = 0
        self.jobs.progress(self.job_id, stage=label, done=0, total=total or 0)

    def advance(self, rows: int) -> None:
        self.done += rows
        self.jobs.progress(self.job_id, done=self.done)

    def finish(self) -> None:
        self.jobs.progress(self.job_id)


def start_revalidation(
    pipeline: Pipeline, *, actor: str, ministries: Collection[str] | None = None
) -> int:
    """Start ``Pipeline.revalidate`` in a background thread as a job of ``actor`` (released
    records are audited as theirs), over ``ministries``' sources (a steward's scope; None is
    every source); its id. ``JobRunning`` while a revalidation runs."""
    jobs = JobService(pipeline.engine)
    job_id = jobs.claim(REVALIDATE, actor=actor)

    def work(pipeline: Pipeline, jobs: JobService, job_id: int, actor: str) -> dict[str, Any]:
        return _revalidate(pipeline, jobs, job_id, actor, ministries)

    thread = threading.Thread(
        target=_run,
        args=(pipeline, jobs, job_id, actor, work),
        name=f"job-{job_id}",
        daemon=True,
    )
    thread.start()
    return job_id


def _revalidate(
    pipeline: Pipeline,
    jobs: JobService,
    job_id: int,
    actor: str,
    ministries: Collection[str] | None,
) -> dict[str, Any]:
    from consolidation.pipeline import Pipeline

    # the same store and sources, with the steward as the operator its events name
    own = Pipeline(pipeline.settings.model_copy(update={"operator": actor}), pipeline.sources_path)
    try:
        result = own.revalidate(ministries=ministries, progress=JobProgress(jobs, job_id))
        return revalidation_summary(result)
    finally:
        own.close()


def _run(
    pipeline: Pipeline,
    jobs: JobService,
    job_id: int,
    actor: str,
    work: Callable[[Pipeline, JobService, int, str], dict[str, Any]],
) -> None:
    """Run ``work`` with a heartbeat, and end the job done or failed (never both, never
    neither: a failure to record is logged)."""
    stop = _heartbeat(jobs, job_id)
    try:
        result = work(pipeline, jobs, job_id, actor)
    except Exception as exc:  # noqa: BLE001 - the job's boundary: recorded as failed
        # the type only: an exception's text may hold a value of a record
        logger.error("job %s (%s) failed: %s", job_id, actor, type(exc).__name__)
        stop.set()
        jobs.fail(job_id, _failure(exc), actor=actor)
        return
    finally:
        stop.set()
    jobs.finish(job_id, result, actor=actor)
