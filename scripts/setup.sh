#!/usr/bin/env bash
# Set up everything TensorJudge needs on a fresh Debian machine (idempotent, fast when done).
#  - a world-readable Python 3.11 (Debian's): the sandbox drops to an unprivileged uid
#    that must be able to read the standard library;
#  - .venv with the pinned dependencies (reinstalled only when pyproject.toml changes).
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=/usr/bin/python3.11
apt_install() {
    if [ "$(id -u)" -ne 0 ]; then
        echo "setup: need root to install Debian packages: $*" >&2
        exit 1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

if [ ! -x "$PYTHON" ] || ! "$PYTHON" -c "import venv, ensurepip" 2>/dev/null; then
    echo "setup: installing Debian's python3.11 and venv"
    apt_install python3.11 python3.11-venv
fi
if ! ldconfig -p | grep -q libseccomp.so.2; then
    apt_install libseccomp2
fi
# Test tooling from Debian: docker-compose validates the compose file (no engine needed).
# Chromium is the real browser the e2e tests drive through Playwright (its own browser
# download does not work offline, so the tests use /usr/bin/chromium).
# QEMU, a static busybox (virtme-ng's initramfs) and Debian's 6.12 kernel boot the cgroup
# v2 guest of tests/vm (6.12: the Landlock ABI 6 the sandbox requires; 6.1 has ABI 2).
if [ "${1:-}" = "--test" ]; then
    missing=()
    command -v docker-compose >/dev/null || missing+=(docker-compose)
    [ -x /usr/bin/chromium ] || missing+=(chromium)
    command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86)
    command -v busybox >/dev/null || missing+=(busybox-static)
    compgen -G "/boot/vmlinuz-6.12*" >/dev/null || missing+=(linux-image-6.12-amd64)
    if [ "${#missing[@]}" -gt 0 ]; then
        apt_install "${missing[@]}"
    fi
fi

if [ ! -x .venv/bin/python ] || [ "$(readlink -f .venv/bin/python)" != "$(readlink -f "$PYTHON")" ]; then
    echo "setup: creating .venv from $PYTHON"
    rm -rf .venv
    "$PYTHON" -m venv .venv
    .venv/bin/pip install -q --upgrade pip
fi

stamp=".venv/.tensorjudge-installed"
want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "setup: installing Python dependencies (pinned in pyproject.toml)"
    .venv/bin/pip install -q -e '.[test,oracle,pytorch]'
    echo "$want" > "$stamp"
fi
