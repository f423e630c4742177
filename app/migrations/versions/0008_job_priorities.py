"""jobs claimed by priority (learners before warming), warming pieces unique, hints that follow

``jobs.priority`` orders claims (``app.models.JOB_PRIORITY``; existing rows: grade 0,
validate 3); ``jobs.piece`` names one warming piece of a version and is unique with
the version (``uq_jobs_warm_piece``; NULL for every other kind, and NULLs never
collide); ``jobs.not_before`` lets a ``hints`` job wait for the pieces it needs.
``submissions.hints_pending``: graded, hints still to come.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("priority", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("piece", sa.String(length=96), nullable=True))
        batch.add_column(sa.Column("not_before", sa.DateTime(timezone=True), nullable=True))
        batch.create_index("uq_jobs_warm_piece", ["problem_version_id", "piece"], unique=True)
    jobs = sa.table("jobs", sa.column("kind", sa.String), sa.column("priority", sa.Integer))
    op.get_bind().execute(jobs.update().where(jobs.c.kind == "validate").values(priority=3))
    with op.batch_alter_table("submissions") as batch:
        batch.add_column(sa.Column("hints_pending", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.drop_column("hints_pending")
    jobs = sa.table("jobs", sa.column("kind", sa.String))
    op.get_bind().execute(jobs.delete().where(jobs.c.kind.in_(("warm", "hints"))))
    with op.batch_alter_table("jobs") as batch:
        batch.drop_index("uq_jobs_warm_piece")
        batch.drop_column("not_before")
        batch.drop_column("piece")
        batch.drop_column("priority")
