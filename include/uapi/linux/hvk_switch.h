/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * hvk_switch: generic netlink ABI of the hvkit virtual switch.
 *
 * Conventions (Documentation/netlink.md): attributes start at 1, rates are
 * u64 bit/s, sizes u64 bytes, times u32 milliseconds.  The authoritative
 * description is Documentation/netlink/specs/hvk_switch.yaml.
 */
#ifndef _UAPI_LINUX_HVK_SWITCH_H
#define _UAPI_LINUX_HVK_SWITCH_H

#define HVK_SWITCH_GENL_NAME		"hvk_switch"
#define HVK_SWITCH_GENL_VERSION		1
#define HVK_SWITCH_MCGRP_EVENTS		"events"

/* Size of a VLAN bitmap attribute: one bit per VID 0..4095. */
#define HVK_SWITCH_VLAN_BITMAP_LEN	512

enum hvk_switch_cmd {
	HVK_SWITCH_CMD_UNSPEC,
	HVK_SWITCH_CMD_INFO_GET,	/* do: module version and features */
	HVK_SWITCH_CMD_SWITCH_NEW,	/* do, notify */
	HVK_SWITCH_CMD_SWITCH_DEL,	/* do, notify */
	HVK_SWITCH_CMD_SWITCH_GET,	/* do, dump */
	HVK_SWITCH_CMD_SWITCH_SET,	/* do, notify */
	HVK_SWITCH_CMD_PORT_ADD,	/* do, notify */
	HVK_SWITCH_CMD_PORT_DEL,	/* do, notify */
	HVK_SWITCH_CMD_PORT_GET,	/* do, dump */
	HVK_SWITCH_CMD_PORT_SET,	/* do, notify */
	HVK_SWITCH_CMD_FDB_ADD,		/* do */
	HVK_SWITCH_CMD_FDB_DEL,		/* do */
	HVK_SWITCH_CMD_FDB_GET,		/* do, dump */
	HVK_SWITCH_CMD_FDB_FLUSH,	/* do */
	HVK_SWITCH_CMD_FDB_NTF,		/* notify: enum hvk_switch_fdb_event */
	HVK_SWITCH_CMD_SECURITY_NTF,	/* notify: a port dropped a frame, rate-limited */
	HVK_SWITCH_CMD_MIRROR_NEW,	/* do, notify */
	HVK_SWITCH_CMD_MIRROR_DEL,	/* do, notify */
	HVK_SWITCH_CMD_MIRROR_GET,	/* do, dump */

	__HVK_SWITCH_CMD_MAX,
	HVK_SWITCH_CMD_MAX = __HVK_SWITCH_CMD_MAX - 1
};

/* Attribute set "info": replies to HVK_SWITCH_CMD_INFO_GET. */
enum hvk_switch_info_attr {
	HVK_SWITCH_INFO_A_UNSPEC,
	HVK_SWITCH_INFO_A_VERSION,	/* string: module version */
	HVK_SWITCH_INFO_A_FEATURES,	/* u64: enum hvk_switch_feature bits */
	HVK_SWITCH_INFO_A_PAD,

	__HVK_SWITCH_INFO_A_MAX,
	HVK_SWITCH_INFO_A_MAX = __HVK_SWITCH_INFO_A_MAX - 1
};

/* Feature bits in HVK_SWITCH_INFO_A_FEATURES; unknown bits are ignored. */
enum hvk_switch_feature {
	HVK_SWITCH_F_SWITCHING	= 1 << 0,	/* switches, ports, FDB, VLANs */
	HVK_SWITCH_F_SHAPING	= 1 << 1,	/* inbound shaper, outbound policer */
	HVK_SWITCH_F_SECURITY	= 1 << 2,	/* security policy, MAC limits, storm control */
	HVK_SWITCH_F_MIRROR	= 1 << 3,	/* mirror sessions */
	HVK_SWITCH_F_FILTER	= 1 << 4,	/* eBPF port filters */
};

/* Attribute set "switch". */
enum hvk_switch_switch_attr {
	HVK_SWITCH_SWITCH_A_UNSPEC,
	HVK_SWITCH_SWITCH_A_IFINDEX,		/* u32 */
	HVK_SWITCH_SWITCH_A_NAME,		/* string: netdevice name */
	HVK_SWITCH_SWITCH_A_AGEING_MS,		/* u32: FDB ageing, 0 = never */
	HVK_SWITCH_SWITCH_A_VLAN_PROTOCOL,	/* u16: 0x8100 or 0x88a8 (host order) */
	HVK_SWITCH_SWITCH_A_DEFAULT_PVID,	/* u16: PVID of new ports, 0 = none */
	HVK_SWITCH_SWITCH_A_FDB_COUNT,		/* u32: entries, all kinds */
	HVK_SWITCH_SWITCH_A_FDB_STATIC,		/* u32: static entries */
	HVK_SWITCH_SWITCH_A_PORT_COUNT,		/* u32: ports, host port excluded */
	HVK_SWITCH_SWITCH_A_MAX_MACS,		/* u32: learned-entry limit, 0 = the hard cap */

	__HVK_SWITCH_SWITCH_A_MAX,
	HVK_SWITCH_SWITCH_A_MAX = __HVK_SWITCH_SWITCH_A_MAX - 1
};

/* Port VLAN modes: Documentation/switch.md has the table. */
enum hvk_switch_vlan_mode {
	HVK_SWITCH_VLAN_ACCESS,			/* PVID only, untagged */
	HVK_SWITCH_VLAN_TRUNK,			/* tagged VIDs only */
	HVK_SWITCH_VLAN_NATIVE_UNTAGGED,	/* PVID untagged + tagged VIDs */
	HVK_SWITCH_VLAN_NATIVE_TAGGED,		/* PVID from untagged, all out tagged */
	HVK_SWITCH_VLAN_DOT1Q_TUNNEL,		/* QinQ customer port, PVID = S-VID */
	HVK_SWITCH_VLAN_NONE,			/* member of no VLAN: drops all */

	__HVK_SWITCH_VLAN_MODE_MAX,
	HVK_SWITCH_VLAN_MODE_MAX = __HVK_SWITCH_VLAN_MODE_MAX - 1
};

/* Attribute set "vlan": nested in HVK_SWITCH_PORT_A_VLAN. */
enum hvk_switch_vlan_attr {
	HVK_SWITCH_VLAN_A_UNSPEC,
	HVK_SWITCH_VLAN_A_MODE,		/* u8: enum hvk_switch_vlan_mode */
	HVK_SWITCH_VLAN_A_PVID,		/* u16: access/native VID, tunnel S-VID */
	/*
	 * binary: HVK_SWITCH_VLAN_BITMAP_LEN bytes, VID N tagged when bit
	 * (1 << N % 8) of byte N / 8 is set; absent on set: all of 1-4094.
	 */
	HVK_SWITCH_VLAN_A_VIDS,

	__HVK_SWITCH_VLAN_A_MAX,
	HVK_SWITCH_VLAN_A_MAX = __HVK_SWITCH_VLAN_A_MAX - 1
};

/* Attribute set "stats": nested in HVK_SWITCH_PORT_A_STATS; all u64. */
enum hvk_switch_stats_attr {
	HVK_SWITCH_STATS_A_UNSPEC,
	HVK_SWITCH_STATS_A_RX_PACKETS,		/* frames into the switch */
	HVK_SWITCH_STATS_A_RX_BYTES,
	HVK_SWITCH_STATS_A_TX_PACKETS,		/* frames out of the switch */
	HVK_SWITCH_STATS_A_TX_BYTES,
	HVK_SWITCH_STATS_A_DROP_VLAN_INGRESS,	/* rx: VLAN not allowed */
	HVK_SWITCH_STATS_A_DROP_VLAN_EGRESS,	/* tx: known dst not in the VLAN */
	HVK_SWITCH_STATS_A_DROP_SAME_PORT,	/* rx: dst learned on the ingress port */
	HVK_SWITCH_STATS_A_DROP_PORT_DOWN,	/* tx: port down or no carrier */
	HVK_SWITCH_STATS_A_DROP_FLOOD_SUPPRESSED, /* tx: unknown unicast, flood off */
	HVK_SWITCH_STATS_A_DROP_INVALID_SRC,	/* rx: multicast or zero source MAC */
	HVK_SWITCH_STATS_A_DROP_MTU,		/* tx: frame larger than port MTU */
	HVK_SWITCH_STATS_A_DROP_NOMEM,		/* rx/tx: allocation failure */
	HVK_SWITCH_STATS_A_DROP_SWITCH_DOWN,	/* rx: the switch is down */
	HVK_SWITCH_STATS_A_PAD,
	HVK_SWITCH_STATS_A_DROP_SHAPER,		/* tx: inbound shaper queue full */
	HVK_SWITCH_STATS_A_DROP_POLICER,	/* rx: over the outbound rate */
	HVK_SWITCH_STATS_A_DROP_STORM_BROADCAST, /* rx: over the broadcast pps limit */
	HVK_SWITCH_STATS_A_DROP_STORM_MULTICAST, /* rx: over the multicast pps limit */
	HVK_SWITCH_STATS_A_DROP_STORM_UNKNOWN,	/* rx: over the unknown-unicast pps limit */
	HVK_SWITCH_STATS_A_DROP_FORGED,		/* rx: source is not the port's MAC */
	HVK_SWITCH_STATS_A_DROP_MAC_CHANGE,	/* tx: destination is not the port's MAC */
	HVK_SWITCH_STATS_A_DROP_PROMISC,	/* tx: flooded unicast for another MAC */
	HVK_SWITCH_STATS_A_DROP_MAC_LIMIT,	/* rx: new source over the port's max-macs */
	HVK_SWITCH_STATS_A_DROP_SWITCH_MAC_LIMIT, /* rx: new source over the switch's max-macs */
	HVK_SWITCH_STATS_A_DROP_LOCKED,		/* rx: source has no static entry */
	HVK_SWITCH_STATS_A_DROP_FILTER,		/* rx: the eBPF filter said drop */

	__HVK_SWITCH_STATS_A_MAX,
	HVK_SWITCH_STATS_A_MAX = __HVK_SWITCH_STATS_A_MAX - 1
};

/* Attribute set "port". */
enum hvk_switch_port_attr {
	HVK_SWITCH_PORT_A_UNSPEC,
	HVK_SWITCH_PORT_A_IFINDEX,		/* u32: the port's netdevice */
	HVK_SWITCH_PORT_A_NAME,			/* string, reply only */
	HVK_SWITCH_PORT_A_SWITCH_IFINDEX,	/* u32 */
	HVK_SWITCH_PORT_A_HOST,			/* flag: the switch's own port */
	HVK_SWITCH_PORT_A_VLAN,			/* nest: "vlan" */
	HVK_SWITCH_PORT_A_LEARNING,		/* u8: learn source MACs (default 1) */
	HVK_SWITCH_PORT_A_FLOOD,		/* u8: receive unknown unicast (default 1) */
	HVK_SWITCH_PORT_A_OPER_UP,		/* u8: forwarding (up, carrier), reply only */
	HVK_SWITCH_PORT_A_STATS,		/* nest: "stats", reply only */
	HVK_SWITCH_PORT_A_INBOUND,		/* nest: "rate", switch -> port, shaped */
	HVK_SWITCH_PORT_A_OUTBOUND,		/* nest: "rate", port -> switch, policed */
	HVK_SWITCH_PORT_A_STORM,		/* nest: "storm" */
	HVK_SWITCH_PORT_A_SECURITY,		/* nest: "security" */
	HVK_SWITCH_PORT_A_FILTER,		/* nest: "filter" */
	HVK_SWITCH_PORT_A_MAC_COUNT,		/* u32: learned entries on the port, reply only */
	HVK_SWITCH_PORT_A_DROP_REASON,		/* u8: enum hvk_switch_drop_reason, notify */
	HVK_SWITCH_PORT_A_DROP_MAC,		/* binary: 6 bytes, source of the dropped frame */
	HVK_SWITCH_PORT_A_DROP_VID,		/* u16: its VLAN, 0 = not classified yet */

	__HVK_SWITCH_PORT_A_MAX,
	HVK_SWITCH_PORT_A_MAX = __HVK_SWITCH_PORT_A_MAX - 1
};

/*
 * Attribute set "rate": a token-bucket configuration, nested in
 * HVK_SWITCH_PORT_A_INBOUND / _OUTBOUND.  An empty nest turns it off.
 * Bytes are L2 frame bytes (Ethernet header and VLAN tags, no FCS); a GSO
 * frame counts the bytes of the frames it becomes on the wire.
 */
enum hvk_switch_rate_attr {
	HVK_SWITCH_RATE_A_UNSPEC,
	HVK_SWITCH_RATE_A_AVERAGE,	/* u64: bit/s, required */
	HVK_SWITCH_RATE_A_PEAK,		/* u64: bit/s >= average, 0 = none */
	HVK_SWITCH_RATE_A_BURST,	/* u64: bytes at peak rate, >= one frame */
	HVK_SWITCH_RATE_A_PPS,		/* u32: packets/s, 0 = none */
	HVK_SWITCH_RATE_A_LIMIT,	/* u64: inbound queue bytes (inbound only) */
	HVK_SWITCH_RATE_A_BACKLOG,	/* u64: queued bytes now, reply only */
	HVK_SWITCH_RATE_A_PAD,

	__HVK_SWITCH_RATE_A_MAX,
	HVK_SWITCH_RATE_A_MAX = __HVK_SWITCH_RATE_A_MAX - 1
};

/* Attribute set "storm": per-port ingress pps limits, 0 = none. */
enum hvk_switch_storm_attr {
	HVK_SWITCH_STORM_A_UNSPEC,
	HVK_SWITCH_STORM_A_BROADCAST,	/* u32: pps */
	HVK_SWITCH_STORM_A_MULTICAST,	/* u32: pps */
	HVK_SWITCH_STORM_A_UNKNOWN_UNICAST, /* u32: pps */

	__HVK_SWITCH_STORM_A_MAX,
	HVK_SWITCH_STORM_A_MAX = __HVK_SWITCH_STORM_A_MAX - 1
};

/* Attribute set "security": a port's policy; a set replaces it whole. */
enum hvk_switch_security_attr {
	HVK_SWITCH_SECURITY_A_UNSPEC,
	HVK_SWITCH_SECURITY_A_FORGED_TRANSMITS,	/* u8: 1 accept (default), 0 reject */
	HVK_SWITCH_SECURITY_A_MAC_CHANGES,	/* u8: 1 accept (default), 0 reject */
	HVK_SWITCH_SECURITY_A_PROMISCUOUS,	/* u8: 1 accept (default), 0 reject */
	HVK_SWITCH_SECURITY_A_LOCKED,		/* u8: only static entries may source */
	HVK_SWITCH_SECURITY_A_MAX_MACS,		/* u32: learned MACs, 0 = no limit */
	HVK_SWITCH_SECURITY_A_MACS,		/* nest: "mac-list", the port's MACs */
	HVK_SWITCH_SECURITY_A_STICKY_MAC,	/* binary: first source seen, reply only */

	__HVK_SWITCH_SECURITY_A_MAX,
	HVK_SWITCH_SECURITY_A_MAX = __HVK_SWITCH_SECURITY_A_MAX - 1
};

/* Attribute set "mac-list": HVK_SWITCH_MAC_LIST_A_MAC repeated. */
enum hvk_switch_mac_list_attr {
	HVK_SWITCH_MAC_LIST_A_UNSPEC,
	HVK_SWITCH_MAC_LIST_A_MAC,		/* binary: 6 bytes, unicast */

	__HVK_SWITCH_MAC_LIST_A_MAX,
	HVK_SWITCH_MAC_LIST_A_MAX = __HVK_SWITCH_MAC_LIST_A_MAX - 1
};

/* Most MAC addresses a security policy lists. */
#define HVK_SWITCH_SECURITY_MAX_MACS	64

/* Attribute set "filter": the port's eBPF ingress filter. */
enum hvk_switch_filter_attr {
	HVK_SWITCH_FILTER_A_UNSPEC,
	HVK_SWITCH_FILTER_A_FD,		/* s32: BPF_PROG_TYPE_SCHED_CLS fd, -1 removes */
	HVK_SWITCH_FILTER_A_ID,		/* u32: program id, reply only */
	HVK_SWITCH_FILTER_A_NAME,	/* string: program name, reply only */

	__HVK_SWITCH_FILTER_A_MAX,
	HVK_SWITCH_FILTER_A_MAX = __HVK_SWITCH_FILTER_A_MAX - 1
};

/* HVK_SWITCH_PORT_A_DROP_REASON of a security notification. */
enum hvk_switch_drop_reason {
	HVK_SWITCH_DROP_FORGED,
	HVK_SWITCH_DROP_MAC_LIMIT,
	HVK_SWITCH_DROP_SWITCH_MAC_LIMIT,
	HVK_SWITCH_DROP_LOCKED,
};

/* Attribute set "port-list": HVK_SWITCH_PORT_LIST_A_IFINDEX repeated. */
enum hvk_switch_port_list_attr {
	HVK_SWITCH_PORT_LIST_A_UNSPEC,
	HVK_SWITCH_PORT_LIST_A_IFINDEX,		/* u32 */

	__HVK_SWITCH_PORT_LIST_A_MAX,
	HVK_SWITCH_PORT_LIST_A_MAX = __HVK_SWITCH_PORT_LIST_A_MAX - 1
};

/* Attribute set "mirror": a mirror session of a switch. */
enum hvk_switch_mirror_attr {
	HVK_SWITCH_MIRROR_A_UNSPEC,
	HVK_SWITCH_MIRROR_A_SWITCH_IFINDEX,	/* u32 */
	HVK_SWITCH_MIRROR_A_NAME,		/* string: unique in the switch */
	HVK_SWITCH_MIRROR_A_DEST_IFINDEX,	/* u32: a port of the switch */
	HVK_SWITCH_MIRROR_A_INGRESS,		/* nest: "port-list", frames they receive */
	HVK_SWITCH_MIRROR_A_EGRESS,		/* nest: "port-list", frames they send */
	HVK_SWITCH_MIRROR_A_VID,		/* u16: RSPAN tag (802.1Q), 0 = none */
	HVK_SWITCH_MIRROR_A_TRUNCATE,		/* u32: copy at most this many bytes, 0 = all */
	HVK_SWITCH_MIRROR_A_PACKETS,		/* u64: copies sent, reply only */
	HVK_SWITCH_MIRROR_A_BYTES,		/* u64: their bytes, reply only */
	HVK_SWITCH_MIRROR_A_DROPS,		/* u64: copies lost, reply only */
	HVK_SWITCH_MIRROR_A_PAD,

	__HVK_SWITCH_MIRROR_A_MAX,
	HVK_SWITCH_MIRROR_A_MAX = __HVK_SWITCH_MIRROR_A_MAX - 1
};

enum hvk_switch_fdb_event {
	HVK_SWITCH_FDB_LEARNED,		/* new dynamic entry */
	HVK_SWITCH_FDB_MOVED,		/* dynamic entry changed port */
	HVK_SWITCH_FDB_AGED,		/* dynamic entry expired */
	HVK_SWITCH_FDB_ADDED,		/* static entry added or replaced */
	HVK_SWITCH_FDB_DELETED,		/* entry deleted or flushed */
};

/* Attribute set "fdb". */
enum hvk_switch_fdb_attr {
	HVK_SWITCH_FDB_A_UNSPEC,
	HVK_SWITCH_FDB_A_SWITCH_IFINDEX,	/* u32 */
	HVK_SWITCH_FDB_A_MAC,			/* binary: 6 bytes */
	HVK_SWITCH_FDB_A_VID,			/* u16: 1-4094 */
	HVK_SWITCH_FDB_A_PORT_IFINDEX,		/* u32 */
	HVK_SWITCH_FDB_A_STATIC,		/* flag */
	HVK_SWITCH_FDB_A_AGE_MS,		/* u32: since last seen, reply only */
	HVK_SWITCH_FDB_A_EVENT,			/* u8: enum hvk_switch_fdb_event, notify */
	HVK_SWITCH_FDB_A_DYNAMIC_ONLY,		/* flag: flush keeps static entries */

	__HVK_SWITCH_FDB_A_MAX,
	HVK_SWITCH_FDB_A_MAX = __HVK_SWITCH_FDB_A_MAX - 1
};

#endif /* _UAPI_LINUX_HVK_SWITCH_H */
