"""The publication-season schedules ask for the right year on the right days."""

from datetime import UTC, datetime

import dagster as dg

from orchestration.schedules import after_season_monthly, publication_season_weekly


def _tick(schedule, when: datetime):
    return schedule(dg.build_schedule_context(scheduled_execution_time=when))


def test_weekly_season_skips_before_15_january():
    result = _tick(publication_season_weekly, datetime(2026, 1, 12, 6, tzinfo=UTC))
    assert isinstance(result, dg.SkipReason) and "15 January" in result.skip_message


def test_weekly_season_materializes_the_previous_year():
    result = _tick(publication_season_weekly, datetime(2026, 3, 2, 6, tzinfo=UTC))
    assert result.partition_key == "2025"


def test_monthly_after_the_season():
    assert _tick(after_season_monthly, datetime(2026, 6, 1, 6, tzinfo=UTC)).partition_key == "2025"


def test_cron_strings_cover_the_season():
    assert publication_season_weekly.cron_schedule == "0 6 * 1-4 1"
    assert after_season_monthly.cron_schedule == "0 6 1 5-12 *"
    assert publication_season_weekly.default_status == dg.DefaultScheduleStatus.STOPPED
