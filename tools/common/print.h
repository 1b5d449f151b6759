/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One printer for text and JSON: every show command prints through these
 * calls, so the JSON never drifts from the text (iproute2's json_print idea).
 * PRINT_FP prints in text mode only, PRINT_JSON in JSON mode only,
 * PRINT_ANY in both.  A NULL key means "value in the enclosing array".
 */
#ifndef _HVK_PRINT_H
#define _HVK_PRINT_H

#include <stdbool.h>
#include <stdint.h>

enum print_type {
	PRINT_FP = 1,
	PRINT_JSON = 2,
	PRINT_ANY = 3,
};

void print_init(bool json, bool pretty);
/* Close what is open and end the output; returns 0 or -EIO. */
int print_fini(void);
bool print_is_json(void);

void print_open_object(const char *key);
void print_close_object(void);
void print_open_array(const char *key);
void print_close_array(void);

void print_string(enum print_type t, const char *key, const char *fmt, const char *val);
void print_u64(enum print_type t, const char *key, const char *fmt, uint64_t val);
void print_s64(enum print_type t, const char *key, const char *fmt, int64_t val);
void print_double(enum print_type t, const char *key, const char *fmt, double val);
void print_bool(enum print_type t, const char *key, const char *fmt, bool val);
/* Text-mode newline (JSON mode ignores it). */
void print_nl(void);

#endif /* _HVK_PRINT_H */
