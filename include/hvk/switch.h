/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libhvk: the hvk_switch family.  Objects are plain structs; a request
 * carries the fields whose HVK_*_HAS_* bit is set in ->has.  Names are
 * resolved by the caller (if_nametoindex) in its own network namespace.
 */
#ifndef _HVK_SWITCH_API_H
#define _HVK_SWITCH_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct hvk_nl;
struct hvk_error;
struct nlmsghdr;

#define HVK_IFNAMSIZ 16
#define HVK_VIDS_LEN 512	/* bitmap: VID N is bit N % 8 of byte N / 8 */

enum {
	HVK_SWITCH_HAS_NAME = 1 << 0,
	HVK_SWITCH_HAS_AGEING = 1 << 1,
	HVK_SWITCH_HAS_VLAN_PROTOCOL = 1 << 2,
	HVK_SWITCH_HAS_DEFAULT_PVID = 1 << 3,
	HVK_SWITCH_HAS_MAX_MACS = 1 << 4,
};

struct hvk_switch_info {
	uint32_t has;
	uint32_t ifindex;
	char name[HVK_IFNAMSIZ];
	uint32_t ageing_ms;		/* 0 = never */
	uint16_t vlan_protocol;		/* 0x8100 or 0x88a8 */
	uint16_t default_pvid;		/* 0 = none */
	uint32_t fdb_count, fdb_static, port_count;	/* replies only */
	uint32_t max_macs;		/* learned entries, 0 = the hard cap */
};

struct hvk_vlan_config {
	uint8_t mode;			/* enum hvk_switch_vlan_mode */
	uint16_t pvid;			/* 0 = none */
	bool has_vids;			/* false on set: all VIDs (trunk, native) */
	uint8_t vids[HVK_VIDS_LEN];
};

enum hvk_port_drop {
	HVK_PORT_DROP_VLAN_INGRESS,
	HVK_PORT_DROP_VLAN_EGRESS,
	HVK_PORT_DROP_SAME_PORT,
	HVK_PORT_DROP_PORT_DOWN,
	HVK_PORT_DROP_FLOOD_SUPPRESSED,
	HVK_PORT_DROP_INVALID_SRC,
	HVK_PORT_DROP_MTU,
	HVK_PORT_DROP_NOMEM,
	HVK_PORT_DROP_SWITCH_DOWN,
	HVK_PORT_DROP_SHAPER,
	HVK_PORT_DROP_POLICER,
	HVK_PORT_DROP_STORM_BROADCAST,
	HVK_PORT_DROP_STORM_MULTICAST,
	HVK_PORT_DROP_STORM_UNKNOWN,
	HVK_PORT_DROP_FORGED,
	HVK_PORT_DROP_MAC_CHANGE,
	HVK_PORT_DROP_PROMISC,
	HVK_PORT_DROP_MAC_LIMIT,
	HVK_PORT_DROP_SWITCH_MAC_LIMIT,
	HVK_PORT_DROP_LOCKED,
	HVK_PORT_DROP_FILTER,
	HVK_PORT_DROP_MAX
};

/* "vlan-ingress", ... as in the netlink spec; NULL if out of range. */
const char *hvk_port_drop_name(unsigned int drop);

struct hvk_port_stats {
	uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes;
	uint64_t drops[HVK_PORT_DROP_MAX];
};

enum {
	HVK_PORT_HAS_VLAN = 1 << 0,
	HVK_PORT_HAS_LEARNING = 1 << 1,
	HVK_PORT_HAS_FLOOD = 1 << 2,
	/* Requests: replace the port's setting (.on = false turns it off). */
	HVK_PORT_HAS_INBOUND = 1 << 3,
	HVK_PORT_HAS_OUTBOUND = 1 << 4,
	HVK_PORT_HAS_STORM = 1 << 5,
	HVK_PORT_HAS_SECURITY = 1 << 6,
	HVK_PORT_HAS_FILTER = 1 << 7,
};

/* Rates in bit/s, sizes in bytes of L2 frames (see Documentation/switch.md). */
struct hvk_rate {
	bool on;
	uint64_t average;		/* >= 8000 */
	uint64_t peak;			/* 0 = none, else >= average */
	uint64_t burst;			/* 0 = default (10 ms, one frame at least) */
	uint32_t pps;			/* 0 = none */
	uint64_t limit;			/* inbound queue, 0 = default */
	uint64_t backlog;		/* replies: bytes queued now */
};

/* Ingress pps limits per frame kind; all 0 = off. */
struct hvk_storm {
	uint32_t broadcast, multicast, unknown_unicast;
};

#define HVK_SECURITY_MAX_MACS 64

struct hvk_security {
	bool on;			/* false: no policy */
	bool forged_transmits;		/* true = accept (the default) */
	bool mac_changes;		/* true = accept */
	bool promiscuous;		/* true = accept */
	bool locked;			/* only static FDB entries may source */
	uint32_t max_macs;		/* 0 = no limit */
	unsigned int n_macs;
	uint8_t macs[HVK_SECURITY_MAX_MACS][6];
	bool has_sticky;		/* replies: the first source seen */
	uint8_t sticky_mac[6];
};

/* A new security policy with VMware's permissive defaults (all accept). */
void hvk_security_init(struct hvk_security *sec);

struct hvk_filter {
	int fd;				/* requests: program fd, -1 removes */
	uint32_t id;			/* replies */
	char name[16];			/* replies */
};

/* Security notifications (HVK_SWITCH_CMD_SECURITY_NTF). */
struct hvk_port_drop_event {
	int reason;			/* enum hvk_switch_drop_reason, -1 = none */
	uint8_t mac[6];
	uint16_t vid;
};

/* "forged", "mac-limit", "switch-mac-limit", "locked"; NULL if unknown. */
const char *hvk_drop_reason_name(unsigned int reason);

struct hvk_port_info {
	uint32_t has;
	uint32_t ifindex;
	uint32_t switch_ifindex;
	char name[HVK_IFNAMSIZ];
	bool host;			/* the switch's own port */
	bool learning, flood;
	bool oper_up;			/* replies only */
	struct hvk_vlan_config vlan;
	struct hvk_rate inbound;	/* switch -> port, shaped */
	struct hvk_rate outbound;	/* port -> switch, policed */
	struct hvk_storm storm;
	struct hvk_security security;
	struct hvk_filter filter;	/* replies: has HVK_PORT_HAS_FILTER when set */
	uint32_t mac_count;		/* replies: learned entries on the port */
	struct hvk_port_drop_event drop;	/* notifications */
	struct hvk_port_stats stats;	/* replies only */
};

#define HVK_MIRROR_MAX_PORTS 256

struct hvk_mirror_info {
	uint32_t switch_ifindex;
	char name[HVK_IFNAMSIZ];
	uint32_t dest_ifindex;
	size_t n_ingress, n_egress;
	uint32_t ingress[HVK_MIRROR_MAX_PORTS];	/* frames they receive */
	uint32_t egress[HVK_MIRROR_MAX_PORTS];	/* frames they send */
	uint16_t vid;			/* RSPAN 802.1Q tag, 0 = none */
	uint32_t truncate;		/* bytes, 0 = whole frames */
	uint64_t packets, bytes, drops;	/* replies only */
};

struct hvk_fdb_entry {
	uint32_t switch_ifindex;
	uint8_t mac[6];
	uint16_t vid;
	uint32_t port_ifindex;
	bool is_static;
	uint32_t age_ms;
	int event;			/* notifications: enum hvk_switch_fdb_event, else -1 */
};

/* Open a handle on the hvk_switch family (autoloads the module). */
int hvk_switch_open(struct hvk_nl **nl, struct hvk_error *err);

int hvk_switch_new(struct hvk_nl *nl, const struct hvk_switch_info *req,
		   struct hvk_switch_info *out, struct hvk_error *err);
int hvk_switch_del(struct hvk_nl *nl, uint32_t ifindex, struct hvk_error *err);
int hvk_switch_get(struct hvk_nl *nl, uint32_t ifindex,
		   struct hvk_switch_info *out, struct hvk_error *err);
int hvk_switch_set(struct hvk_nl *nl, const struct hvk_switch_info *req,
		   struct hvk_error *err);
/* All switches of the namespace: *out is malloc'ed, free() it. */
int hvk_switch_list(struct hvk_nl *nl, struct hvk_switch_info **out, size_t *n,
		    struct hvk_error *err);

int hvk_port_add(struct hvk_nl *nl, const struct hvk_port_info *req,
		 struct hvk_port_info *out, struct hvk_error *err);
int hvk_port_del(struct hvk_nl *nl, uint32_t ifindex, struct hvk_error *err);
int hvk_port_get(struct hvk_nl *nl, uint32_t ifindex, struct hvk_port_info *out,
		 struct hvk_error *err);
int hvk_port_set(struct hvk_nl *nl, const struct hvk_port_info *req,
		 struct hvk_error *err);
/* Ports of @switch_ifindex, or of every switch if 0. */
int hvk_port_list(struct hvk_nl *nl, uint32_t switch_ifindex,
		  struct hvk_port_info **out, size_t *n, struct hvk_error *err);

/*
 * Load the BPF_PROG_TYPE_SCHED_CLS program in section @section (NULL: the
 * first program) of ELF object @path; *fd is the program's fd, for
 * hvk_filter.fd (close it after the request).  libbpf's messages go into
 * @err, never to stderr.
 */
int hvk_filter_load(const char *path, const char *section, int *fd, struct hvk_error *err);

int hvk_mirror_new(struct hvk_nl *nl, const struct hvk_mirror_info *req,
		   struct hvk_mirror_info *out, struct hvk_error *err);
int hvk_mirror_del(struct hvk_nl *nl, uint32_t switch_ifindex, const char *name,
		   struct hvk_error *err);
int hvk_mirror_get(struct hvk_nl *nl, uint32_t switch_ifindex, const char *name,
		   struct hvk_mirror_info *out, struct hvk_error *err);
/* Sessions of @switch_ifindex, or of every switch if 0; free() *out. */
int hvk_mirror_list(struct hvk_nl *nl, uint32_t switch_ifindex,
		    struct hvk_mirror_info **out, size_t *n, struct hvk_error *err);
int hvk_mirror_parse(const struct nlmsghdr *nlh, struct hvk_mirror_info *m,
		     struct hvk_error *err);

/* Add or replace a static entry. */
int hvk_fdb_add(struct hvk_nl *nl, const struct hvk_fdb_entry *e, struct hvk_error *err);
int hvk_fdb_del(struct hvk_nl *nl, uint32_t switch_ifindex, const uint8_t mac[6],
		uint16_t vid, struct hvk_error *err);
int hvk_fdb_get(struct hvk_nl *nl, uint32_t switch_ifindex, const uint8_t mac[6],
		uint16_t vid, struct hvk_fdb_entry *out, struct hvk_error *err);
int hvk_fdb_list(struct hvk_nl *nl, uint32_t switch_ifindex,
		 struct hvk_fdb_entry **out, size_t *n, struct hvk_error *err);
/* Delete entries of a switch; port 0 / vid 0 match any. */
int hvk_fdb_flush(struct hvk_nl *nl, uint32_t switch_ifindex, uint32_t port_ifindex,
		  uint16_t vid, bool dynamic_only, struct hvk_error *err);

/* Message parsers, for event loops (cmd from the genl header). */
int hvk_switch_parse(const struct nlmsghdr *nlh, struct hvk_switch_info *sw,
		     struct hvk_error *err);
int hvk_port_parse(const struct nlmsghdr *nlh, struct hvk_port_info *port,
		   struct hvk_error *err);
int hvk_fdb_parse(const struct nlmsghdr *nlh, struct hvk_fdb_entry *e,
		  struct hvk_error *err);
/* The genl command of a family message. */
uint8_t hvk_msg_cmd(const struct nlmsghdr *nlh);

/* VLAN lists: "10", "10,20-30", "all" <-> bitmap.  Parse fills @vids. */
int hvk_vids_parse(const char *list, uint8_t vids[HVK_VIDS_LEN], struct hvk_error *err);
/* "all" when 1-4094 are all set; "" when none; truncated lists end in "...". */
void hvk_vids_format(const uint8_t vids[HVK_VIDS_LEN], char *buf, size_t len);
static inline bool hvk_vids_test(const uint8_t vids[HVK_VIDS_LEN], unsigned int vid)
{
	return vid < 4096 && (vids[vid / 8] >> (vid % 8)) & 1;
}

/* "aa:bb:cc:dd:ee:ff" <-> bytes. */
int hvk_mac_parse(const char *s, uint8_t mac[6]);
void hvk_mac_format(const uint8_t mac[6], char buf[18]);

#ifdef __cplusplus
}
#endif

#endif /* _HVK_SWITCH_API_H */
