"""learners choose their framework: submissions.framework, problem_versions.starters

``submissions.framework``: what the code is written in (``jax``, ``numpy`` or
``pytorch``; existing rows were all JAX).  ``problem_versions.starters``: the starter of
every accepted framework other than JAX (``starter`` stays JAX's); NULL for versions
stored before frameworks existed, which accept JAX only as they did.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.add_column(sa.Column("framework", sa.String(length=16), nullable=False,
                                   server_default="jax"))
    with op.batch_alter_table("problem_versions") as batch:
        batch.add_column(sa.Column("starters", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("problem_versions") as batch:
        batch.drop_column("starters")
    with op.batch_alter_table("submissions") as batch:
        batch.drop_column("framework")
