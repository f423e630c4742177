"""Account administration: a user's own API tokens, and site roles (admins)."""
