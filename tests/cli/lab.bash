# A multi-host test lab on one machine, for the taskrun tests
# (notes/taskrun.md): a throw-away user, sshd processes on loopback ports
# with their own keys and config, and one sshd inside a network namespace
# reached over a veth pair, whose link the tests can cut.  Everything is
# started in lab_start and stopped by PID in lab_stop.
#
# The bats files call lab_setup_file/lab_teardown_file and lab_setup/
# lab_teardown (below).  One lab serves every file of a bats run: the
# first file that needs it starts it, the next ones find it (lab.env in
# the suite's directory, LAB_SUITE, which setup_suite.bash sets), clean
# it between files (lab_reset) and check that every host answers (else
# they start a new one), and teardown_suite stops it at the end of the
# run, also after a failure or Ctrl-C.  Without LAB_SUITE (bats --jobs
# runs files at once; another runner) each file has a lab of its own.
#
# After lab_start:
#   LAB        the lab directory (world-readable; pids/ is world-writable)
#   LAB_SSH    the --ssh value: "ssh -F $LAB/ssh_config"
#   LAB_AGENT  the --agent value: the copied taskrun binary + " agent"
#   hosts node1 node2 node3 (loopback), cut1 and cut2 (in the namespace,
#   behind one veth: they reach each other without crossing it), dead1 (a
#   port where nothing listens); each host's sessions have
#   TASKRUN_KEEP_DIR=$LAB/keep/HOST, a directory of its own

lab_need_root() {
	if [ "$(id -u)" -ne 0 ]; then
		skip "needs root: creates a user, sshd processes and network namespaces"
	fi
}

lab_free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# lab_sshd NAME ADDR PORT [NETNS]
lab_sshd() {
	local name=$1 addr=$2 port=$3 ns=${4:-} v senv=""
	# sshd gives its sessions a fresh environment: the sanitizers' options
	# of a make asan run (halt, log_path) reach the hosts' agents too.
	for v in ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS; do
		if [ -n "${!v:-}" ]; then senv="$senv \"$v=${!v}\""; fi
	done
	cat >"$LAB/sshd_$name.conf" <<CONF
Port $port
ListenAddress $addr
HostKey $LAB/hostkey
PidFile $LAB/sshd_$name.pid
AuthorizedKeysFile $LAB/authorized_keys
AllowUsers $LAB_USER
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PermitRootLogin no
MaxStartups 200:30:400
MaxSessions 200
LogLevel ERROR
SetEnv TASKRUN_KEEP_DIR=$LAB/keep/$name$senv
CONF
	# Each host's own directory for taskrun --keep (they share one file
	# system): the agents' relative --keep paths start there.
	mkdir -p "$LAB/keep/$name"
	chown "$LAB_USER" "$LAB/keep/$name"
	/usr/sbin/sshd -t -f "$LAB/sshd_$name.conf"
	if [ -n "$ns" ]; then
		ip netns exec "$ns" /usr/sbin/sshd -f "$LAB/sshd_$name.conf" -E "$LAB/sshd_$name.log"
	else
		/usr/sbin/sshd -f "$LAB/sshd_$name.conf" -E "$LAB/sshd_$name.log"
	fi
	for _ in $(seq 50); do
		[ -s "$LAB/sshd_$name.pid" ] && break
		sleep 0.1
	done
	cat "$LAB/sshd_$name.pid" >>"$LAB/sshd.pids"
	if [ "$port" = 22 ]; then
		echo "$addr $(cut -d' ' -f1,2 "$LAB/hostkey.pub")" >>"$LAB/known_hosts"
	else
		echo "[$addr]:$port $(cut -d' ' -f1,2 "$LAB/hostkey.pub")" >>"$LAB/known_hosts"
	fi
	cat >>"$LAB/ssh_config" <<CONF
Host $name
	HostName $addr
	Port $port
CONF
}

# lab_init: the lab directory, the throw-away user, keys and the copied
# taskrun, without any host (bench/dist.sh adds its own).
lab_init() {
	local suffix
	suffix=$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')
	LAB=$(mktemp -d /tmp/taskrun-lab.XXXXXX)
	export LAB
	chmod 755 "$LAB"
	echo "$suffix" >"$LAB/suffix"
	LAB_USER=trt$suffix
	LAB_NS=trns$suffix
	LAB_VETH=trv$suffix
	export LAB_USER LAB_NS LAB_VETH
	mkdir -p /run/sshd "$LAB/home" "$LAB/pids"
	chmod 1777 "$LAB/pids"
	useradd -M -d "$LAB/home" -s /bin/sh "$LAB_USER"
	echo "$LAB_USER" >"$LAB/user"
	usermod -p '*' "$LAB_USER"
	chown "$LAB_USER" "$LAB/home"
	ssh-keygen -q -t ed25519 -N '' -f "$LAB/hostkey"
	ssh-keygen -q -t ed25519 -N '' -f "$LAB/id"
	cp "$LAB/id.pub" "$LAB/authorized_keys"
	chmod 644 "$LAB/authorized_keys"
	cp "$BATS_TEST_DIRNAME/../../bin/taskrun" "$LAB/taskrun"
	chmod 755 "$LAB/taskrun"
	: >"$LAB/ssh_config"
	: >"$LAB/known_hosts"
	: >"$LAB/sshd.pids"
}

# lab_client_config: the ssh_config lines for every host, after the hosts.
lab_client_config() {
	cat >>"$LAB/ssh_config" <<CONF
Host *
	User $LAB_USER
	IdentityFile $LAB/id
	IdentitiesOnly yes
	BatchMode yes
	StrictHostKeyChecking yes
	UserKnownHostsFile $LAB/known_hosts
	ConnectTimeout 4
	LogLevel ERROR
CONF
	LAB_SSH="ssh -F $LAB/ssh_config"
	LAB_AGENT="$LAB/taskrun agent"
	export LAB_SSH LAB_AGENT
}

lab_start() {
	lab_init
	lab_start_hosts
}

# lab_start_hosts: lab_start's hosts, in the directory lab_init made.
lab_start_hosts() {
	local suffix
	suffix=$(cat "$LAB/suffix")
	lab_sshd node1 127.0.0.1 "$(lab_free_port)"
	lab_sshd node2 127.0.0.1 "$(lab_free_port)"
	lab_sshd node3 127.0.0.1 "$(lab_free_port)"
	# The cut host: an sshd in a network namespace behind a veth pair.
	local net=10.$((0x${suffix:0:2} % 200 + 20)).$((0x${suffix:2:2})).
	ip netns add "$LAB_NS"
	echo "$LAB_NS" >"$LAB/netns"
	ip link add "${LAB_VETH}a" type veth peer name "${LAB_VETH}b"
	echo "${LAB_VETH}a" >"$LAB/veth"
	ip link set "${LAB_VETH}b" netns "$LAB_NS"
	ip addr add "${net}1/30" dev "${LAB_VETH}a"
	ip link set "${LAB_VETH}a" up
	ip netns exec "$LAB_NS" ip addr add "${net}2/30" dev "${LAB_VETH}b"
	ip netns exec "$LAB_NS" ip link set "${LAB_VETH}b" up
	ip netns exec "$LAB_NS" ip link set lo up
	lab_sshd cut1 "${net}2" 22 "$LAB_NS"
	# A second host behind the same link: cut1 and cut2 reach each other
	# inside the namespace, the controller only over the veth.
	lab_sshd cut2 "${net}2" 2222 "$LAB_NS"
	cat >>"$LAB/ssh_config" <<CONF
Host dead1
	HostName 127.0.0.1
	Port 1
CONF
	lab_client_config
	# Every host answers before the tests start.
	for h in node1 node2 node3 cut1 cut2; do
		$LAB_SSH "$h" true
	done
}

# The PIDs of every descendant of PID.
lab_descendants() {
	local kid
	for kid in $(ps -o pid= --ppid "$1" 2>/dev/null); do
		echo "$kid"
		lab_descendants "$kid"
	done
}

lab_kill_tree() {
	local p
	for p in $(lab_descendants "$1") "$1"; do
		kill -9 "$p" 2>/dev/null || true
	done
}

lab_stop() {
	local p
	[ -n "${LAB:-}" ] && [ -d "$LAB" ] || return 0
	if [ -f "$LAB/sshd.pids" ]; then
		for p in $(cat "$LAB/sshd.pids"); do
			lab_kill_tree "$p"
		done
	fi
	# Processes of the test user that escaped the sshd trees (by PID).
	if [ -f "$LAB/user" ]; then
		for p in $(ps -o pid= -u "$(cat "$LAB/user")" 2>/dev/null); do
			kill -9 "$p" 2>/dev/null || true
		done
	fi
	if [ -f "$LAB/veth" ]; then
		ip link del "$(cat "$LAB/veth")" 2>/dev/null || true
	fi
	if [ -f "$LAB/netns" ]; then
		ip netns del "$(cat "$LAB/netns")" 2>/dev/null || true
	fi
	if [ -f "$LAB/user" ]; then
		for _ in 1 2 3 4 5; do
			userdel "$(cat "$LAB/user")" 2>/dev/null && break
			sleep 0.2
		done
	fi
	rm -rf "$LAB"
}

# lab_env_save: the lab's variables, for the next files of the run.
lab_env_save() {
	local v
	for v in LAB LAB_USER LAB_NS LAB_VETH LAB_SSH LAB_AGENT; do
		printf 'export %s=%q\n' "$v" "${!v:-}"
	done >"$LAB_SUITE/lab.env"
}

# lab_reset: the lab as lab_start left it, between the files that share
# it: no process of the test user (by PID), the link up, and nothing that
# a file added (the keep directories emptied, its files in $LAB removed).
lab_reset() {
	local p f
	for p in $(ps -o pid= -u "$LAB_USER" 2>/dev/null); do
		kill -9 "$p" 2>/dev/null || true
	done
	ip link set "${LAB_VETH}a" up 2>/dev/null || true
	# segmerge_hosts gives the client key to the test user.
	chown root "$LAB/id"
	rm -rf "$LAB"/keep/*/* "$LAB"/keep/*/.[!.]* "$LAB"/home/* "$LAB"/home/.[!.]* "$LAB"/pids/*
	for f in "$LAB"/*; do
		grep -qxF "${f##*/}" "$LAB/base" || rm -rf "$f"
	done
}

# lab_healthy: every host answers (a file may have killed an sshd).
lab_healthy() {
	local h
	for h in node1 node2 node3 cut1 cut2; do
		timeout 20 $LAB_SSH "$h" true </dev/null || return 1
	done
}

# setup_file: the run's lab (started here when there is none, or none that
# answers), or one of this file's own.  Not root: no lab, and the tests
# that need one skip (lab_need_root).
lab_setup_file() {
	[ "$(id -u)" -eq 0 ] || return 0
	if [ -n "${LAB_SUITE:-}" ] && [ -f "$LAB_SUITE/lab.env" ]; then
		. "$LAB_SUITE/lab.env"
		lab_reset
		lab_healthy && return 0
		lab_stop
		rm -f "$LAB_SUITE/lab.env"
	fi
	lab_init
	# Saved at once, so that teardown_suite stops even a lab that failed
	# to start.
	if [ -n "${LAB_SUITE:-}" ]; then lab_env_save; fi
	lab_start_hosts
	if [ -n "${LAB_SUITE:-}" ]; then lab_env_save; fi
	(cd "$LAB" && ls -A) >"$LAB/base"
	echo base >>"$LAB/base"
}

# teardown_file: a shared lab is cleaned for the next file; one of this
# file's own is stopped.
lab_teardown_file() {
	if [ -n "${LAB_SUITE:-}" ] && [ -f "$LAB_SUITE/lab.env" ]; then
		lab_reset
	else
		lab_stop
	fi
}

# setup: bin/ on PATH, the test's directory $T (readable by the test
# user), and BG, the background PIDs that lab_teardown kills.
lab_setup() {
	export PATH="$BATS_TEST_DIRNAME/../../bin:$PATH"
	T=$(mktemp -d)
	chmod 755 "$T"
	BG=""
}

# BG's process trees killed (the controllers a test started first, so
# that none starts a task after its cleanup), and BG emptied.
lab_kill_bg() {
	local p
	for p in ${BG:-}; do
		lab_kill_tree "$p"
	done
	BG=""
}

# teardown: BG's process trees killed, the cut link up again, $T removed.
lab_teardown() {
	lab_kill_bg
	if [ -n "${LAB_VETH:-}" ]; then ip link set "${LAB_VETH}a" up 2>/dev/null || true; fi
	rm -rf "$T"
}

# Waits up to $2 seconds (default 20) for a command to succeed.
lab_wait() {
	local cond=$1 secs=${2:-20} i
	for i in $(seq $((secs * 10))); do
		eval "$cond" && return 0
		sleep 0.1
	done
	return 1
}

# Journal helpers: count of events EV [on host H] [for task T].
j_count() {  # FILE EV [HOST] [TASK]
	awk -F'\t' -v ev="$2" -v h="${3:-}" -v t="${4:-}" \
		'$2 == ev && (h == "" || $5 == h) && (t == "" || $3 == t) { n++ } END { print n + 0 }' "$1"
}
