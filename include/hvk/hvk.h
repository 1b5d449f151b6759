/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libhvk: the C library over the hvkit generic netlink families.
 *
 * Every call that can fail returns 0 (or a count) on success and -errno on
 * failure, and fills the caller's struct hvk_error with a message a person
 * can act on: the kernel's extack text when the kernel rejected the request.
 * The library never prints.
 */
#ifndef _HVK_HVK_H
#define _HVK_HVK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct nlmsghdr;

#define HVK_ERROR_MSG_LEN 256

struct hvk_error {
	int code;			/* -errno, 0 when no error */
	char msg[HVK_ERROR_MSG_LEN];	/* extack or library text, "" if none */
	uint32_t bad_attr_offset;	/* extack: offending attribute, 0 = none */
	uint16_t bad_attr_type;		/* its type, valid if offset != 0 */
	uint16_t missing_attr_type;	/* extack: a required attribute, 0 = none */
};

/* Clear @err; every entry point does this first. */
void hvk_error_clear(struct hvk_error *err);

/* ---- generic netlink core ---- */

struct hvk_nl;

/*
 * Open a generic netlink socket for @family, resolving its id, version and
 * multicast groups.  The kernel autoloads the module on this lookup when it
 * carries MODULE_ALIAS_GENL_FAMILY.
 */
int hvk_nl_open(struct hvk_nl **nl, const char *family, struct hvk_error *err);
void hvk_nl_close(struct hvk_nl *nl);

uint16_t hvk_nl_family_id(const struct hvk_nl *nl);
uint32_t hvk_nl_family_version(const struct hvk_nl *nl);
/* Multicast group id of @group, or -ENOENT. */
int hvk_nl_group_id(const struct hvk_nl *nl, const char *group);
/* The socket's file descriptor, for poll(). */
int hvk_nl_fd(const struct hvk_nl *nl);

/*
 * Start a request in @buf (at least HVK_NL_REQ_SIZE bytes): a netlink header
 * for the family with NLM_F_REQUEST | NLM_F_ACK | @flags and a genl header
 * carrying @cmd.  Add attributes with libmnl's mnl_attr_put_*().
 */
#define HVK_NL_REQ_SIZE 8192
struct nlmsghdr *hvk_nl_req_start(const struct hvk_nl *nl, void *buf,
				  uint8_t cmd, uint16_t flags);

/*
 * Called for every reply message.  Return 0 to go on, a negative errno to
 * stop the request with that error (the callback sets err->msg if it wants).
 */
typedef int (*hvk_nl_msg_cb)(const struct nlmsghdr *nlh, void *data,
			     struct hvk_error *err);
/* Called before a dump is restarted, to drop what the callback collected. */
typedef void (*hvk_nl_reset_cb)(void *data);

/*
 * Send @req and feed each reply to @cb until the kernel's ACK (or, for a
 * NLM_F_DUMP request, NLMSG_DONE).  A dump the kernel marks inconsistent
 * (NLM_F_DUMP_INTR) is restarted after @reset, up to HVK_NL_DUMP_TRIES times.
 */
#define HVK_NL_DUMP_TRIES 16
int hvk_nl_request(struct hvk_nl *nl, struct nlmsghdr *req, hvk_nl_msg_cb cb,
		   hvk_nl_reset_cb reset, void *data, struct hvk_error *err);

/* Join multicast @group ("events") of the socket's family. */
int hvk_nl_subscribe(struct hvk_nl *nl, const char *group,
		     struct hvk_error *err);
/*
 * Wait up to @timeout_ms (-1: forever) for notifications and feed each one
 * to @cb.  Returns the number of messages handled (0 on timeout).
 */
int hvk_nl_recv_events(struct hvk_nl *nl, int timeout_ms, hvk_nl_msg_cb cb,
		       void *data, struct hvk_error *err);

/* ---- message parsing, exposed for tests and integrators ---- */

/*
 * Fill @err from an NLMSG_ERROR message answering @req (may be NULL) and
 * return its error code (0 for an ACK).
 */
int hvk_nl_parse_error(const struct nlmsghdr *nlh, const struct nlmsghdr *req,
		       struct hvk_error *err);

#define HVK_NL_MAX_GROUPS 8
#define HVK_NL_NAME_LEN 32
struct hvk_nl_family {
	uint16_t id;
	uint32_t version;
	unsigned int n_groups;
	struct {
		char name[HVK_NL_NAME_LEN];
		uint32_t id;
	} groups[HVK_NL_MAX_GROUPS];
};

/* Parse a CTRL_CMD_NEWFAMILY message (the reply to a family lookup). */
int hvk_nl_parse_family(const struct nlmsghdr *nlh, struct hvk_nl_family *fam,
			struct hvk_error *err);

/* ---- module information (both families) ---- */

#define HVK_VERSION_LEN 32
struct hvk_module_info {
	char version[HVK_VERSION_LEN];
	uint64_t features;
};

/* The library's own version string. */
const char *hvk_lib_version(void);

int hvk_switch_info_get(struct hvk_module_info *info, struct hvk_error *err);
int hvk_mem_info_get(struct hvk_module_info *info, struct hvk_error *err);

/* Parse an INFO_GET reply of either family (same attribute layout). */
int hvk_info_parse(const struct nlmsghdr *nlh, struct hvk_module_info *info,
		   struct hvk_error *err);

#ifdef __cplusplus
}
#endif

#include <hvk/switch.h>

#endif /* _HVK_HVK_H */
