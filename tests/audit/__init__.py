"""Tests of the audit log, transcripts and the two-person rule."""
