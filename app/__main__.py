"""``python -m app`` is the ``tensorjudge`` command."""

from app.cli import main

main()
