/* SPDX-License-Identifier: GPL-2.0 */
/* hvk: tc's units.  Rates in bit/s: a bare number or bit, kbit, mbit, gbit,
 * tbit (x1000), bps, kbps, mbps, gbps (bytes/s); decimals allowed ("1.5mbit").
 * Sizes in bytes: a bare number or b, k/kb, m/mb, g/gb (x1024).
 */
#ifndef _HVK_TOOL_UNITS_H
#define _HVK_TOOL_UNITS_H

#include <stddef.h>
#include <stdint.h>

int parse_rate(const char *s, uint64_t *bps);
int parse_size(const char *s, uint64_t *bytes);
/* Exact forms that parse back to the same value: "20mbit", "64k", "1518b". */
const char *format_rate(uint64_t bps, char *buf, size_t len);
const char *format_size(uint64_t bytes, char *buf, size_t len);

#endif /* _HVK_TOOL_UNITS_H */
