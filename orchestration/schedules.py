"""Re-materialize the previous report year while its reports come out, then monthly.

Reports are due 31 January (departments, townships) and aggregate reports by 31 March, and
pages keep changing for a while: weekly from 15 January to 30 April, monthly after that.
Both schedules are off by default; turn them on in the UI (Automation) or with
`dagster schedule start -m orchestration.definitions <name>`.
"""

from datetime import date

import dagster as dg

from orchestration.jobs import year_job


def previous_year(day: date) -> str:
    return str(day.year - 1)


@dg.schedule(job=year_job, cron_schedule="0 6 * 1-4 1", execution_timezone="Asia/Shanghai",
             default_status=dg.DefaultScheduleStatus.STOPPED,
             description="Mondays 06:00 Beijing time from 15 January to 30 April: the previous report year.")
def publication_season_weekly(context: dg.ScheduleEvaluationContext):
    day = context.scheduled_execution_time.date()
    if (day.month, day.day) < (1, 15):
        return dg.SkipReason(f"{day}: the publication season starts on 15 January")
    return dg.RunRequest(run_key=f"season-{day}", partition_key=previous_year(day))


@dg.schedule(job=year_job, cron_schedule="0 6 1 5-12 *", execution_timezone="Asia/Shanghai",
             default_status=dg.DefaultScheduleStatus.STOPPED,
             description="The 1st of each month from May to December: the previous report year.")
def after_season_monthly(context: dg.ScheduleEvaluationContext):
    day = context.scheduled_execution_time.date()
    return dg.RunRequest(run_key=f"monthly-{day}", partition_key=previous_year(day))


SCHEDULES = [publication_season_weekly, after_season_monthly]
