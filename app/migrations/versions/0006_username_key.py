"""users.username_key: usernames compared case-insensitively after NFKC, unique

Existing accounts get ``NFKC(username).casefold()``.  Where two existing accounts
already collide (``Alice`` and ``alice``), the oldest keeps the plain key and each
later one gets ``<key>#<id>``, which no registration can produce ('#' is not allowed
in a username): nobody is renamed or locked out (login prefers an exact name), and
no new look-alike can be registered.

Revision ID: 0006
Revises: 0004 (courses, built in parallel, follow as 0007)
"""

import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("username_key", sa.String(96), nullable=True))
    bind = op.get_bind()
    users = sa.table("users", sa.column("id", sa.Integer), sa.column("username", sa.String),
                     sa.column("username_key", sa.String))
    seen: set[str] = set()
    for user_id, username in bind.execute(sa.select(users.c.id, users.c.username)
                                          .order_by(users.c.id)).all():
        key = unicodedata.normalize("NFKC", username).casefold()
        if key in seen:
            key = f"{key}#{user_id}"
        seen.add(key)
        bind.execute(users.update().where(users.c.id == user_id).values(username_key=key))
    with op.batch_alter_table("users") as batch:
        batch.alter_column("username_key", existing_type=sa.String(96), nullable=False)
        batch.create_index("ix_users_username_key", ["username_key"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_index("ix_users_username_key")
        batch.drop_column("username_key")
