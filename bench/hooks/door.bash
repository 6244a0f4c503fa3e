# Sourced by the hooks: door OP FQDN VALUE sends one line to the bench's TXT
# side door (bench/txtdoor.py) on 127.0.0.1:$BENCH_TXT_PORT and waits for "ok".
# bash's /dev/tcp keeps a hook to one small process (no curl, no interpreter),
# so the peers' measured time and memory are theirs, not their hooks'.
door() {
	local answer=""
	exec 3<>"/dev/tcp/127.0.0.1/${BENCH_TXT_PORT:?BENCH_TXT_PORT is not set}" || return 1
	printf '%s %s %s\n' "$1" "$2" "$3" >&3
	IFS= read -r -t "${BENCH_DOOR_TIMEOUT:-30}" answer <&3
	exec 3<&- 3>&-
	if [ "$answer" != ok ]; then
		echo "bench hook: $1 $2: ${answer:-no answer}" >&2
		return 1
	fi
}
