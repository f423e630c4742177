"""gradebook cells: each (course, learner, problem)'s counted attempts, kept as they are graded

``gradebook_cells`` holds, per (course, user, problem), the best counted attempt as a
packed key (``app.courses.repository.best_key``) with its verdict, passed, total and
lateness, the number of counted attempts and the first acceptance time, so the
gradebook reads one row per cell instead of grouping every attempt of the course on
each request.  The worker updates a cell in the
transaction that writes a submission's verdict; ``backfill`` fills the table from the
submissions graded before this migration, with the same rules: full submissions
recorded for one of the course's assignments, graded, not ``internal_error``.

Branched from 0008 (another branch holds 0009): re-chain on merge.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

ID_BITS = 41
ID_MASK = (1 << ID_BITS) - 1


def _key(submissions: sa.TableClause) -> sa.ColumnElement[int]:
    """``app.courses.repository.best_key`` in SQL, frozen here as this migration wrote it."""
    s = submissions.c
    big = sa.BigInteger()
    accepted = sa.case((s.verdict == "accepted", sa.literal(1 << 52, big)), else_=sa.literal(0, big))
    on_time = sa.case((s.late.is_(False), sa.literal(1 << ID_BITS, big)), else_=sa.literal(0, big))
    return (accepted + sa.func.coalesce(s.passed, 0) * sa.literal(1 << 42, big) + on_time
            + (sa.literal(ID_MASK, big) - s.id))


def backfill(connection: sa.Connection) -> None:
    """Fill ``gradebook_cells`` from every counted attempt already graded (one GROUP BY)."""
    submissions = sa.table(
        "submissions", sa.column("id", sa.Integer), sa.column("user_id", sa.Integer),
        sa.column("problem_version_id", sa.Integer), sa.column("mode", sa.String),
        sa.column("verdict", sa.String), sa.column("passed", sa.Integer), sa.column("total", sa.Integer),
        sa.column("late", sa.Boolean), sa.column("assignment_id", sa.Integer),
        sa.column("created_at", sa.DateTime(timezone=True)))
    assignments = sa.table("assignments", sa.column("id", sa.Integer),
                           sa.column("course_id", sa.Integer))
    versions = sa.table("problem_versions", sa.column("id", sa.Integer),
                        sa.column("problem_id", sa.Integer))
    columns = ("course_id", "user_id", "problem_id", "best_key", "attempts", "first_accepted_at",
               "verdict", "passed", "total", "late")
    cells = sa.table("gradebook_cells", *(sa.column(name) for name in columns))
    s = submissions.c
    accepted_at = sa.case((s.verdict == "accepted", s.created_at))
    grouped = (
        sa.select(assignments.c.course_id, s.user_id, versions.c.problem_id,
                  sa.func.max(_key(submissions)).label("best_key"),
                  sa.func.count().label("attempts"), sa.func.min(accepted_at).label("accepted_at"))
        .select_from(submissions)
        .join(assignments, assignments.c.id == s.assignment_id)
        .join(versions, versions.c.id == s.problem_version_id)
        .where(s.mode == "submit", s.verdict.is_not(None), s.verdict != "internal_error")
        .group_by(assignments.c.course_id, s.user_id, versions.c.problem_id)).subquery()
    best = submissions.alias("best")
    best_id = (sa.literal(ID_MASK, sa.BigInteger())
               - grouped.c.best_key.op("%")(sa.literal(1 << ID_BITS, sa.BigInteger())))
    connection.execute(cells.insert().from_select(list(columns), sa.select(
        *grouped.c, best.c.verdict, best.c.passed, best.c.total, best.c.late)
        .join(best, best.c.id == best_id)))


def upgrade() -> None:
    op.create_table(
        "gradebook_cells",
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("problem_id", sa.Integer(), nullable=False),
        sa.Column("best_key", sa.BigInteger(), nullable=False),
        sa.Column("verdict", sa.String(length=32), nullable=False),
        sa.Column("passed", sa.Integer(), nullable=True),
        sa.Column("total", sa.Integer(), nullable=True),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("first_accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["course_id"], ["courses.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["problem_id"], ["problems.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("course_id", "user_id", "problem_id"),
    )
    backfill(op.get_bind())


def downgrade() -> None:
    op.drop_table("gradebook_cells")
