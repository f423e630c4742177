"""The learner web app: server-rendered pages over the JSON API."""
