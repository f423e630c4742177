"""Problems as data: folders under ``problems/`` with a ``problem.toml`` manifest."""
