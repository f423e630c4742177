"""problems.current_version_id foreign key on PostgreSQL

0001 declared it with ``use_alter=True`` inside ``create_table``, which Alembic leaves
out, so PostgreSQL databases never got the constraint.  SQLite keeps its tables as
0001 made them (adding a constraint there means rebuilding the table, and SQLite does
not enforce foreign keys without a pragma anyway).

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.create_foreign_key("fk_problem_current_version", "problems", "problem_versions",
                              ["current_version_id"], ["id"])


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint("fk_problem_current_version", "problems", type_="foreignkey")
