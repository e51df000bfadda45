# SPDX-License-Identifier: GPL-2.0
# rxe_smoke: soft-RoCE on dummy0 with on-demand paging, driven by rdma-core
# and perftest clients over loopback.
RXE_IP=10.11.12.1
rxe_gid_index() { # the GID index of the IPv4-mapped RoCE v2 GID of RXE_IP
	local g t i
	local want
	want=$(printf '0000:0000:0000:0000:0000:ffff:%02x%02x:%02x%02x' ${RXE_IP//./ })
	for g in /sys/class/infiniband/rxe0/ports/1/gids/*; do
		i=$(basename "$g")
		t=$(cat /sys/class/infiniband/rxe0/ports/1/gid_attrs/types/$i 2>/dev/null || true)
		if [ "$(cat "$g")" = "$want" ] && [ "$t" = "RoCE v2" ]; then
			echo "$i"; return 0
		fi
	done
	return 1
}
# Wait (up to 30 s) until a server listens on TCP port $1: under TCG on a
# slow host, a fixed sleep is not enough.
wait_listen() {
	local i
	for i in $(seq 150); do
		ss -ltn 2>/dev/null | grep -q ":$1 " && return 0
		sleep 0.2
	done
	return 1
}
# rxe_up [MTU]: rxe0 on dummy0 (MTU 1500 unless given); prints the GID
# index of RXE_IP, or the error and fails.
rxe_up() {
	local out i
	ip addr replace $RXE_IP/24 dev dummy0 &&
		ip link set dummy0 mtu "${1:-1500}" up || return 1
	modprobe rdma_rxe || return 1
	out=$(rdma link add rxe0 type rxe netdev dummy0 2>&1) || { echo "$out"; return 1; }
	# The GID table fills in asynchronously.
	for i in $(seq 50); do
		rxe_gid_index && return 0
		sleep 0.2
	done
	rdma link show 2>&1
	return 1
}
rxe_down() { rdma link delete rxe0 && modprobe -r rdma_rxe; }
rxe_smoke() {
	local gid caps out pid rc
	suite_begin rxe_smoke
	gid=
	if out=$(rxe_up); then
		gid=$out
	fi
	if [ -n "$gid" ]; then
		ok rdma_link_add_rxe0
	else
		not_ok rdma_link_add_rxe0 "$out"
		suite_end; return
	fi
	caps=$(ibv_devinfo -v -d rxe0 2>&1)
	if printf '%s\n' "$caps" | grep -A6 'rc_odp_caps' | grep -q SUPPORT_READ &&
		printf '%s\n' "$caps" | grep -A6 'rc_odp_caps' | grep -q SUPPORT_WRITE &&
		printf '%s\n' "$caps" | grep -q 'ODP_SUPPORT'; then
		ok rxe_reports_rc_odp_caps
	else
		not_ok rxe_reports_rc_odp_caps "$(printf '%s\n' "$caps" | grep -i -A8 odp)"
	fi
	# Server in the background, client against it; both must exit 0.
	timeout 60 ibv_rc_pingpong -d rxe0 -g "$gid" --odp -n 100 -s 65536 >$RESULTS/rxe-pingpong-server.guest.log 2>&1 &
	pid=$!
	wait_listen 18515
	rc=0
	timeout 60 ibv_rc_pingpong -d rxe0 -g "$gid" --odp -n 100 -s 65536 $RXE_IP >$RESULTS/rxe-pingpong-client.guest.log 2>&1 || rc=$?
	wait $pid || rc=$((rc + 100))
	if [ $rc = 0 ] && grep -q 'bytes in' $RESULTS/rxe-pingpong-client.guest.log; then
		ok ibv_rc_pingpong_odp
	else
		not_ok ibv_rc_pingpong_odp "status $rc" "$(tail -3 $RESULTS/rxe-pingpong-server.guest.log $RESULTS/rxe-pingpong-client.guest.log)"
	fi
	# perftest RDMA READ with an ODP MR.
	timeout 60 ib_read_bw -d rxe0 -x "$gid" --odp -n 200 -s 65536 -F >$RESULTS/rxe-read-bw-server.guest.log 2>&1 &
	pid=$!
	wait_listen 18515
	rc=0
	timeout 60 ib_read_bw -d rxe0 -x "$gid" --odp -n 200 -s 65536 -F $RXE_IP >$RESULTS/rxe-read-bw-client.guest.log 2>&1 || rc=$?
	wait $pid || true
	if grep -q "Can't produce a report" $RESULTS/rxe-read-bw-client.guest.log $RESULTS/rxe-read-bw-server.guest.log; then
		ok perftest_ib_read_bw_odp SKIP "perftest cannot calibrate the TSC in this VM"
	elif [ $rc = 0 ] && grep -q '65536' $RESULTS/rxe-read-bw-client.guest.log; then
		ok perftest_ib_read_bw_odp
	else
		not_ok perftest_ib_read_bw_odp "status $rc" "$(tail -5 $RESULTS/rxe-read-bw-client.guest.log)"
	fi
	if rxe_down; then
		ok rxe_teardown
	else
		not_ok rxe_teardown
	fi
	suite_end
}
