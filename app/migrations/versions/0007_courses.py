"""courses, members, assignments; submissions record their assignment and lateness

Indexes: ``ix_submissions_assignment_user`` (assignment_id, user_id,
problem_version_id) lets a course's gradebook read only its assignments' submissions
when they are a small share of the table (bench/gradebook.py: when they are half of it,
PostgreSQL rightly scans instead); the statistics read through the existing
``ix_submissions_problem_version_id`` and ``ix_case_results_submission_id``.

It follows 0006 (usernames), which landed first; there is no 0005.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "courses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("join_code", sa.String(length=32), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("slug"),
    )
    op.create_table(
        "course_members",
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.Enum("learner", "ta", "instructor", name="courserole",
                                  native_enum=False, length=32), nullable=False),
        sa.Column("joined_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(["course_id"], ["courses.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("course_id", "user_id"),
    )
    op.create_index("ix_course_members_user_id", "course_members", ["user_id"])
    op.create_table(
        "assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("opens_at", TIMESTAMP, nullable=False),
        sa.Column("due_at", TIMESTAMP, nullable=False),
        sa.Column("late", sa.Enum("accept", "refuse", name="latepolicy", native_enum=False,
                                  length=32), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(["course_id"], ["courses.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_assignments_course_id", "assignments", ["course_id"])
    op.create_table(
        "assignment_problems",
        sa.Column("assignment_id", sa.Integer(), nullable=False),
        sa.Column("problem_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["assignment_id"], ["assignments.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["problem_id"], ["problems.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("assignment_id", "problem_id"),
    )
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("assignment_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("late", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.create_foreign_key("fk_submissions_assignment", "assignments",
                                    ["assignment_id"], ["id"], ondelete="SET NULL")
        batch_op.create_index("ix_submissions_assignment_user",
                              ["assignment_id", "user_id", "problem_version_id"])


def downgrade() -> None:
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.drop_index("ix_submissions_assignment_user")
        batch_op.drop_constraint("fk_submissions_assignment", type_="foreignkey")
        batch_op.drop_column("late")
        batch_op.drop_column("assignment_id")
    op.drop_table("assignment_problems")
    op.drop_index("ix_assignments_course_id", table_name="assignments")
    op.drop_table("assignments")
    op.drop_index("ix_course_members_user_id", table_name="course_members")
    op.drop_table("course_members")
    op.drop_table("courses")
