# SPDX-License-Identifier: GPL-2.0
# pci_topology: the devices and BARs of DESIGN.md's topology are there.
bar_size() { # DEV BAR -> size in bytes of that BAR from sysfs
	local l
	l=$(sed -n "$(($2 + 1))p" "/sys/bus/pci/devices/$1/resource")
	set -- $l
	echo $(($2 - $1 + 1))
}
is_ivshmem() {
	[ "$(cat /sys/bus/pci/devices/$1/vendor)" = 0x1af4 ] &&
		[ "$(cat /sys/bus/pci/devices/$1/device)" = 0x1110 ]
}
pci_checks() {
	local vram=0000:03:00.0 near=0000:04:00.0 far=0000:00:04.0 pv pn
	suite_begin pci_topology
	if [ "$(lspci -d 1af4:1110 | wc -l)" = 3 ]; then ok lspci_lists_ivshmem
	else not_ok lspci_lists_ivshmem "$(lspci -nn)"; fi
	if is_ivshmem $vram && [ "$(bar_size $vram 2)" = $((256 << 20)) ]; then
		ok vram_ivshmem_256M_behind_switch
	else not_ok vram_ivshmem_256M_behind_switch "$(lspci -vv -s $vram 2>&1 | head -20)"; fi
	if is_ivshmem $near && [ "$(bar_size $near 2)" = $((64 << 20)) ]; then
		ok client_ivshmem_64M_behind_switch
	else not_ok client_ivshmem_64M_behind_switch "$(lspci -vv -s $near 2>&1 | head -20)"; fi
	if is_ivshmem $far && [ "$(bar_size $far 2)" = $((32 << 20)) ] &&
		[ "$(basename "$(dirname "$(readlink -f /sys/bus/pci/devices/$far)")")" = pci0000:00 ]; then
		ok client_ivshmem_32M_on_root_complex
	else not_ok client_ivshmem_32M_on_root_complex "$(ls -l /sys/bus/pci/devices/)"; fi
	# Both endpoints hang off downstream ports of the same upstream switch port.
	pv=$(readlink -f /sys/bus/pci/devices/$vram)
	pn=$(readlink -f /sys/bus/pci/devices/$near)
	if [ "$(dirname "$(dirname "$pv")")" = "$(dirname "$(dirname "$pn")")" ] &&
		[ "$(dirname "$pv")" != "$(dirname "$pn")" ]; then
		ok vram_and_client_share_a_switch
	else not_ok vram_and_client_share_a_switch "$pv" "$pn"; fi
	suite_end
}
