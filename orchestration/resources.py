"""The settings resource. Each setting given in the environment is passed as a Dagster EnvVar: Dagster
reads the variable when a run starts, in the run's process (a changed value needs no reload of the
code location), and the UI shows the variable on the resource's page. A setting not in the
environment when the definitions load keeps OgiSettings' default."""

import os

import dagster as dg

from assets.settings import OgiSettings

ENVIRONMENT = {  # setting: its variable
    "storage_root": "OGI_DATA",
    "sources": "OGI_SOURCES",
    "waivers": "OGI_WAIVERS",
    "withdrawn": "OGI_WITHDRAWN",
    "publishers": "OGI_PUBLISHERS",
    "gate": "OGI_GATE",
    "workers": "OGI_WORKERS",
    "hosts": "OGI_HOSTS",
    "crawl_max_age": "OGI_CRAWL_MAX_AGE",
    "docs_url": "OGI_DOCS_URL",
    "ocr": "OGI_OCR",
}


def settings_from_env() -> OgiSettings:
    """The settings as EnvVars of the variables set now (an empty one counts as not set)."""
    fields = OgiSettings.model_fields
    given = {}
    for name, variable in ENVIRONMENT.items():
        if os.environ.get(variable):
            # Dagster has EnvVar for text and EnvVar.int for numbers: it reads an int setting's
            # variable as an int when the run starts, and a bool setting's as a bool (false when
            # empty, 0, false or none, any case; else true). EnvVar.int is the one a bool field takes.
            given[name] = dg.EnvVar(variable) if fields[name].annotation is str else dg.EnvVar.int(variable)
    return OgiSettings(**given)


class SettingsError(ValueError):
    """A setting's variable that cannot be read as the setting's type."""


def storage_root() -> str:
    """OGI_DATA, or the settings' default: the storage root of the commands that work outside a run."""
    return os.environ.get("OGI_DATA") or OgiSettings.model_fields["storage_root"].default


def resolved_settings() -> OgiSettings:
    """The settings with the environment read now: for what reads them outside a run (`ogi materialize`)."""
    try:
        # the values alone: the run's worker pool is opened by each run (it starts no worker unless used)
        with settings_from_env().process_config_and_initialize_cm() as settings:
            return settings
    except dg.DagsterInvalidConfigError as exc:  # the reason, without Dagster's stack trace
        reasons = [line.split(": ", 1)[1] for e in exc.errors for line in e.message.splitlines()
                   if line.startswith("dagster._config.errors.PostProcessingError: ")]
        raise SettingsError("; ".join(reasons) or str(exc).splitlines()[0]) from None
