"""Reading squeue's and scontrol's output, and folding Slurm's job states."""

from __future__ import annotations

from datetime import datetime

import pytest

from labgate.hpc.slurm import (
    JobState,
    normalise_state,
    parse_scontrol_oneliner,
    parse_squeue_line,
)

SEP = "\x1f"


@pytest.mark.parametrize(
    ("slurm_state", "state"),
    [
        ("PENDING", JobState.QUEUED),
        ("CONFIGURING", JobState.QUEUED),
        ("RUNNING", JobState.RUNNING),
        ("COMPLETING", JobState.COMPLETING),
        ("COMPLETED", JobState.COMPLETED),
        ("CANCELLED by 0", JobState.CANCELLED),
        ("TIMEOUT", JobState.TIMEOUT),
        ("NODE_FAIL", JobState.FAILED),
        ("OUT_OF_MEMORY", JobState.FAILED),
        ("PREEMPTED", JobState.FAILED),
        ("SOMETHING_NEW", JobState.FAILED),
    ],
)
def test_states_fold_into_what_the_controller_acts_on(slurm_state: str, state: JobState) -> None:
    assert normalise_state(slurm_state) is state


def test_only_final_states_count_as_ended() -> None:
    assert {s for s in JobState if s.ended} == {
        JobState.COMPLETED, JobState.CANCELLED, JobState.FAILED, JobState.TIMEOUT}


def test_running_squeue_line() -> None:
    line = SEP.join(["42", "labgate:r1:deepseek-ai_DeepSeek-R1", "RUNNING", "labgate-launch=ab12",
                     "gh[001-004]", "None", "2026-11-21T15:02:58", "2026-11-21T15:03:01",
                     "1-00:00:00"])
    job = parse_squeue_line(line)
    assert job is not None
    assert (job.job_id, job.state, job.nodes, job.comment) == (
        "42", JobState.RUNNING, "gh[001-004]", "labgate-launch=ab12")
    assert job.started_at == datetime(2026, 11, 21, 15, 3, 1).timestamp()
    assert job.time_limit_s == 86400
    assert job.ends_at() == job.started_at + 86400


def test_pending_squeue_line_has_no_start_yet() -> None:
    line = SEP.join(["43", "labgate:r1:m", "PENDING", "(null)", "", "Priority",
                     "2026-11-21T15:02:58", "2026-11-22T01:00:00", "4:00:00"])
    job = parse_squeue_line(line)
    assert job is not None
    assert job.state is JobState.QUEUED and job.started_at is None
    assert job.reason == "Priority" and job.comment == ""
    assert parse_squeue_line("garbage") is None


def test_scontrol_oneliner_keeps_values_with_spaces_and_equals() -> None:
    text = ("JobId=7 JobName=labgate:a:b UserId=root(0) JobState=RUNNING Reason=None "
            "Comment=labgate-launch=ff00 Command=(null) StdOut=/spool/logs/a-7.out "
            "TRES=cpu=1,mem=2G,node=1 Features=(null) Power= NtasksPerN:B:S:C=0:0:*:*\n")
    fields = parse_scontrol_oneliner(text)
    assert fields["JobId"] == "7"
    assert fields["Comment"] == "labgate-launch=ff00"
    assert fields["TRES"] == "cpu=1,mem=2G,node=1"
    assert fields["StdOut"] == "/spool/logs/a-7.out"
    assert fields["Power"] == ""
