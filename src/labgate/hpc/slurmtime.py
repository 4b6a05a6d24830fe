"""Slurm's ways of writing durations and timestamps, read and written exactly as Slurm does.

Durations (``--time``, squeue's ``%l``) come in six shapes: ``minutes``, ``minutes:seconds``,
``hours:minutes:seconds``, ``days-hours``, ``days-hours:minutes`` and
``days-hours:minutes:seconds`` (see ``sbatch --time``). squeue prints timestamps (``%S``,
``%V``) as local ISO times without a zone, or ``N/A``/``Unknown`` when there is none yet.
"""

from __future__ import annotations

import re
from datetime import datetime

_DAYS_FORM = re.compile(r"^(\d+)-(\d+)(?::(\d+))?(?::(\d+))?$")
_COLON_FORM = re.compile(r"^(\d+)(?::(\d+))?(?::(\d+))?$")

WALLTIME_FORMS = (
    "'MM', 'MM:SS', 'HH:MM:SS', 'D-HH', 'D-HH:MM' or 'D-HH:MM:SS' (for example '04:00:00' "
    "for four hours, or '1-00:00:00' for a day)"
)


def parse_duration(text: str) -> int:
    """Seconds in a Slurm duration; ``ValueError`` naming the accepted forms otherwise."""
    value = text.strip()
    days_match = _DAYS_FORM.match(value)
    if days_match:
        days, hours, minutes, seconds = (int(g) if g else 0 for g in days_match.groups())
        if hours >= 24 or minutes >= 60 or seconds >= 60:
            raise ValueError(f"{text!r} has a field out of range; use {WALLTIME_FORMS}")
        return ((days * 24 + hours) * 60 + minutes) * 60 + seconds
    colon_match = _COLON_FORM.match(value)
    if colon_match:
        parts = [int(g) for g in colon_match.groups() if g is not None]
        if len(parts) == 1:
            return parts[0] * 60
        if len(parts) == 2:
            minutes, seconds = parts
            if seconds >= 60:
                raise ValueError(f"{text!r} has seconds out of range; use {WALLTIME_FORMS}")
            return minutes * 60 + seconds
        hours, minutes, seconds = parts
        if minutes >= 60 or seconds >= 60:
            raise ValueError(f"{text!r} has a field out of range; use {WALLTIME_FORMS}")
        return (hours * 60 + minutes) * 60 + seconds
    raise ValueError(f"{text!r} is not a Slurm time; use {WALLTIME_FORMS}")


def format_duration(seconds: int) -> str:
    """``D-HH:MM:SS`` (or ``HH:MM:SS`` under a day), the form ``sbatch --time`` always accepts."""
    seconds = max(0, int(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    clock = f"{hours:02d}:{minutes:02d}:{secs:02d}"
    return f"{days}-{clock}" if days else clock


def parse_limit(text: str) -> int | None:
    """squeue's time limit (``%l``): seconds, or ``None`` for ``UNLIMITED``/``NOT_SET``/blank."""
    value = text.strip()
    if not value or not value[0].isdigit():
        return None
    try:
        return parse_duration(value)
    except ValueError:
        return None


def parse_timestamp(text: str) -> float | None:
    """squeue's local ISO timestamp as epoch seconds, or ``None`` for ``N/A``/``Unknown``."""
    value = text.strip()
    if not value or not value[0].isdigit():
        return None
    try:
        return datetime.fromisoformat(value).timestamp()
    except ValueError:
        return None
