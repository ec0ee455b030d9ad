#!/bin/sh
# Installs the Debian packages segkit's build, tests and benchmarks need.
# As root: apt-get update once, then a non-interactive install of whatever is
# missing.  As anyone else: prints the one apt-get line to run, and fails when
# something is missing.
set -eu

PKGS="build-essential pkg-config clang libclang-rt-14-dev \
libyaml-dev libzstd-dev zstd libxxhash-dev libcairo2-dev \
bats parallel openssh-server openssh-client iproute2 procps \
python3 python3-segyio python3-numpy libsegyio-dev \
groff-base mandoc valgrind time xxd strace \
slurm-wlm slurm-client munge fuse3 libfuse3-dev libpcre2-dev"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing packages; run as root:" >&2
	echo "apt-get update && apt-get install -y$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing >/dev/null
