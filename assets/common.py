"""What every stage asset shares: the year partitions, the group, the owner, the batch size."""

import logging
from functools import partial

import dagster as dg

from assets.partitions import report_years
from assets.settings import OgiSettings
from ogi.store.lock import hold_year

GROUP = "annual_reports"
OWNERS = ["team:ogi-reports"]
BATCH = 256
# Every Progress update as a record with `ogi_progress` = (year, step, done, total); `ogi materialize`
# draws it as a bar on a terminal, and nothing else listens.
PROGRESS_LOG = logging.getLogger("ogi.progress")
# Every stage: one partition per report year, in one group, with one owner.
stage_asset = partial(dg.asset, partitions_def=report_years, group_name=GROUP, owners=OWNERS,
                      kinds={"python", "parquet"})


def partition_year(context) -> int:
    return int(context.partition_key)


def hold(context, settings: OgiSettings) -> int:
    """The step's report year, after taking or confirming the year's lock for this run (one run
    per year at a time: another run's staging is never mixed with this one's)."""
    year = partition_year(context)

    def alive(run_id: str) -> bool:
        run = context.instance.get_run_by_id(run_id)
        return run is None or not run.is_finished  # unknown to this instance: alive until stale

    hold_year(settings.storage_root, year, context.run.run_id, alive)
    return year


class Progress:
    """Logs `done of total` in the run's log each time another tenth of a step's documents is done,
    and every update to PROGRESS_LOG."""

    def __init__(self, context, what: str, total: int):
        self.context, self.what, self.total, self.done, self.logged = context, what, total, 0, 0

    def add(self, n: int) -> None:
        self.done += n
        if PROGRESS_LOG.isEnabledFor(logging.INFO):
            key = self.context.partition_key if self.context.has_partition_key else "all"
            PROGRESS_LOG.info("%s: %s of %s documents", self.what, self.done, self.total,
                              extra={"ogi_progress": (key, self.what, self.done, self.total)})
        if self.total and (self.done - self.logged >= self.total / 10 or self.done == self.total):
            self.context.log.info(f"{self.what}: {self.done:,} of {self.total:,} documents")
            self.logged = self.done
