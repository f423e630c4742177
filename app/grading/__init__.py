"""Grading: run a submission in the sandbox and compare with expected outputs."""
