"""The job queue: grading and validation jobs, claimed by workers under leases."""
