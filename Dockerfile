# syntax=docker/dockerfile:1
# TensorJudge: one image for `serve` (API), `worker`, `check` and `db upgrade`.
# Build:  docker build -t tensorjudge .

FROM python:3.11-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY app ./app
COPY sandbox ./sandbox
# Dependencies are pinned exactly in pyproject.toml (the same install as scripts/setup.sh).
RUN pip install --prefix=/install .

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    TENSORJUDGE_DATA_DIR=/var/lib/tensorjudge \
    TENSORJUDGE_PROBLEMS_DIR=/srv/tensorjudge/problems \
    TENSORJUDGE_REFERENCE_DIR=/srv/tensorjudge/reference
# libseccomp2 backs the seccomp layer; curl is not needed (the healthcheck uses Python).
RUN apt-get update \
    && apt-get install -y --no-install-recommends libseccomp2=2.5.4-1+deb12u1 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /nonexistent --shell /usr/sbin/nologin tensorjudge \
    && install -d -m 0711 /var/lib/tensorjudge
COPY --from=build /install /usr/local
# Workers start through this (see docker-compose.yml): it makes the container's own
# cgroup subtree writable, then execs `tensorjudge`.
COPY --chmod=0755 deploy/docker/worker-entrypoint.sh /usr/local/bin/tensorjudge-worker-entrypoint
# Problems and references are readable by root and the API user only: never by the
# sandbox uids (Landlock hides them too).
COPY --chown=root:tensorjudge --chmod=0750 problems /srv/tensorjudge/problems
COPY --chown=root:tensorjudge --chmod=0750 reference /srv/tensorjudge/reference
WORKDIR /var/lib/tensorjudge
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status != 200)"]
# The API runs unprivileged.  Workers override the user to root (see docker-compose.yml):
# the sandbox creates namespaces and cgroups and drops every run to its own uid.
USER 10001
ENTRYPOINT ["tensorjudge"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "0"]
