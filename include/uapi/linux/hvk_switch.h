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

enum hvk_switch_cmd {
	HVK_SWITCH_CMD_UNSPEC,
	HVK_SWITCH_CMD_INFO_GET,	/* do: module version and features */

	__HVK_SWITCH_CMD_MAX,
	HVK_SWITCH_CMD_MAX = __HVK_SWITCH_CMD_MAX - 1
};

/* Attribute set "info": replies to HVK_SWITCH_CMD_INFO_GET. */
enum hvk_switch_info_attr {
	HVK_SWITCH_INFO_A_UNSPEC,
	HVK_SWITCH_INFO_A_VERSION,	/* string: module version */
	HVK_SWITCH_INFO_A_FEATURES,	/* u64: feature bits, see below */
	HVK_SWITCH_INFO_A_PAD,

	__HVK_SWITCH_INFO_A_MAX,
	HVK_SWITCH_INFO_A_MAX = __HVK_SWITCH_INFO_A_MAX - 1
};

/*
 * Feature bits in HVK_SWITCH_INFO_A_FEATURES.  A bit is defined when its
 * feature lands; userspace ignores bits it does not know.  None yet.
 */

#endif /* _UAPI_LINUX_HVK_SWITCH_H */
