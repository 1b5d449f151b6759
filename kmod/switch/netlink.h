/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _HVK_SWITCH_NETLINK_H
#define _HVK_SWITCH_NETLINK_H

#include <linux/types.h>

#include "port.h"

struct genl_info;
struct hvk_switch;
struct hvk_port;
struct hvk_fdb;
struct hvk_mirror;

int hvk_switch_genl_init(void);
void hvk_switch_genl_uninit(void);

/*
 * Notifications on the "events" group.  With @info (a request caused it)
 * the requester's NLM_F_ECHO is honoured.  RTNL held.
 */
void hvk_switch_nl_switch_notify(struct hvk_switch *sw, u8 cmd, struct genl_info *info);
void hvk_switch_nl_port_notify(struct hvk_port *port, u8 cmd, struct genl_info *info);
void hvk_switch_nl_mirror_notify(struct hvk_mirror *m, u8 cmd, struct genl_info *info);
/* From the datapath too: atomic, and free when nobody listens. */
void hvk_switch_nl_fdb_notify(struct hvk_switch *sw, const struct hvk_fdb *f, u8 event);
/* A port dropped a frame for a security reason; rate-limited per port. */
void hvk_switch_nl_security_notify(struct hvk_port *port, enum hvk_drop_reason reason,
				   const u8 *mac, u16 vid);

#endif /* _HVK_SWITCH_NETLINK_H */
