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
};

struct hvk_switch_info {
	uint32_t has;
	uint32_t ifindex;
	char name[HVK_IFNAMSIZ];
	uint32_t ageing_ms;		/* 0 = never */
	uint16_t vlan_protocol;		/* 0x8100 or 0x88a8 */
	uint16_t default_pvid;		/* 0 = none */
	uint32_t fdb_count, fdb_static, port_count;	/* replies only */
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
};

struct hvk_port_info {
	uint32_t has;
	uint32_t ifindex;
	uint32_t switch_ifindex;
	char name[HVK_IFNAMSIZ];
	bool host;			/* the switch's own port */
	bool learning, flood;
	bool oper_up;			/* replies only */
	struct hvk_vlan_config vlan;
	struct hvk_port_stats stats;	/* replies only */
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
