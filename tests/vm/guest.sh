#!/bin/bash
# Runs as root inside the cgroup v2 guest (booted by tests/vm/test_cgroup_v2_vm.py).
# Usage: guest.sh OUT_DIR SEED_DIR
#  1. "host": the driver in the guest's real cgroup v2 hierarchy;
#  2. "container": the same from a fresh cgroup + mount namespace with cgroup2 mounted
#     the way a container sees it (/proc/self/cgroup reads 0::/, the namespace root is
#     a non-root group that has processes: the delegation path).
set -u
out=$1
seed=$2
cd "$(dirname "$0")/../.."
py=.venv/bin/python
started=$(date +%s.%N)
stamp() { echo "$1 $(echo "$(date +%s.%N) - $started" | bc)" >> "$out/phases.txt"; }
mount -t tmpfs -o size=1g tmpfs /dev/shm 2>/dev/null || true  # scratch root on tmpfs
stamp booted
# The two phases run side by side (one vCPU each): emulation makes each take minutes.
( $py tests/vm/guest_driver.py host "$out" "$seed" > "$out/host.log" 2>&1
  echo "host exit $?" >> "$out/phases.txt"; stamp host_done ) &
host_phase=$!

# A container's view: its group (with controllers offered by the parent) is the root of
# its cgroup namespace, and it holds the container's processes.
mkdir -p /sys/fs/cgroup/container
echo "+cpu +memory +pids" > /sys/fs/cgroup/cgroup.subtree_control
echo $$ > /sys/fs/cgroup/container/cgroup.procs
unshare --cgroup --mount --fork /bin/bash -c '
    umount -l /sys/fs/cgroup && mount -t cgroup2 cgroup2 /sys/fs/cgroup || exit 3
    cat /proc/self/cgroup > "$1/container-view.txt"
    exec "$2" tests/vm/guest_driver.py container "$1" "$3"
' container "$out" "$py" "$seed" > "$out/container.log" 2>&1
echo "container exit $?" >> "$out/phases.txt"
stamp container_done
wait $host_phase
# Nothing may be left in the whole tree: every group below the roots is empty.
find /sys/fs/cgroup -name cgroup.procs -path '*tensorjudge/*' -exec sh -c 'cat "$1"' _ {} \; \
    > "$out/leftover-procs.txt" 2>&1
find /sys/fs/cgroup -mindepth 1 -type d -path '*tensorjudge/*' > "$out/leftover-groups.txt"
stamp end
