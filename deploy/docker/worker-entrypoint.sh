#!/bin/sh
# Entrypoint of a containerised grading worker (Docker, Compose, Kubernetes).
#
# The sandbox makes one cgroup per run below the container's own cgroup, so the cgroup
# filesystem must be writable.  Runtimes mount it read-only in unprivileged containers;
# with a private cgroup namespace (Docker's default on cgroup v2 hosts, `cgroup: private`
# in Compose, every Kubernetes pod on a v2 node) that mount shows only the container's
# own subtree, so making it writable hands the worker that subtree and nothing above it.
# Remounting needs CAP_SYS_ADMIN, which the sandbox needs anyway (network namespaces).
# The worker's self-check then says in one line what is still missing, if anything.
set -eu
for target in $(awk '$3 == "cgroup2" || $3 == "cgroup" { print $2 }' /proc/self/mounts); do
    case "$target" in
        /sys/fs/cgroup|/sys/fs/cgroup/*)
            if ! mount -o remount,rw "$target" 2>/dev/null; then
                echo "worker-entrypoint: cannot remount $target read-write (needs CAP_SYS_ADMIN" \
                     "and an AppArmor profile that allows mount); the self-check will name it" >&2
            fi ;;
    esac
done
exec tensorjudge "$@"
