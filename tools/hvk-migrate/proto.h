/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hvk-migrate's wire protocol (Documentation/hvk-migrate.1): messages of
 * a 16-byte header, little-endian, and an optional payload.
 *
 *   source                          destination
 *   HELLO {magic, size, page size,
 *          flags, nonce}           ->
 *                                  <- READY [{nonce, proof}]
 *   [AUTH {proof}]                 ->  (--psk-file: both ends proved the key)
 *                                      (temporary file created)
 *   PAGES / ZERO ... ROUND ...     ->  (pre-copy rounds; the writer runs)
 *   PAGES / ZERO ... END {verify}  ->  (the writer is paused)
 *                                  <- SYNCED (everything written)
 *                                  <- DIGEST {digest}
 *   DEVICE ... DEVICE_END          ->  (a VM, --qmp: QEMU's device state)
 *                                  <- LOADED (QEMU loaded it, paused)
 *   COMMIT                         ->
 *                                  <- DONE {resume status}
 *   ABORT {text} either way at any point before COMMIT.
 *
 * A VM's migration (MIG_HELLO_VM) pauses the source with QMP "stop", sends
 * the last dirty pages, has the source QEMU save its device state (RAM of
 * shared file backends skipped: x-ignore-shared), sends the pages dirtied
 * meanwhile, ends the RAM; the destination QEMU loads the device state only
 * after the RAM is complete and verified, and runs ("cont") on COMMIT.
 *
 * With a pre-shared key (MIG_HELLO_AUTH), K: READY carries the destination's
 * nonce and proof HMAC-SHA256(K, "hvk-migrate dst" NUL, HELLO, nonce_d); AUTH
 * the source's proof HMAC(K, "hvk-migrate src" NUL, HELLO, nonce_d).  Each
 * side checks the other's before it sends or writes a page.  From then on
 * every message in each direction ends with HMAC(S, seq, header, payload),
 * S = HMAC(K, "hvk-migrate session" NUL, nonce_s, nonce_d), seq counting the
 * messages in that direction from 0 (le64): a changed, dropped, replayed or
 * reordered message fails its check.  No encryption: guest memory is readable
 * on the wire (run it over a trusted network, IPsec or WireGuard).
 */
#ifndef _HVK_MIGRATE_PROTO_H
#define _HVK_MIGRATE_PROTO_H

#include <stdint.h>

#define MIG_MAGIC	"HVKMIG02"
#define MIG_PAGE	4096u
#define MIG_MAX_RUN	64u	/* pages in one PAGES message */

enum mig_type {
	MIG_HELLO = 1,	/* payload struct mig_hello */
	MIG_READY,
	MIG_PAGES,	/* index = first page, count pages of data follow */
	MIG_ZERO,	/* index = first page, count zero pages, no payload */
	MIG_ROUND,	/* index = round that ended */
	MIG_END,	/* count = enum mig_verify */
	MIG_SYNCED,
	MIG_DIGEST,	/* index = digest */
	MIG_COMMIT,
	MIG_DONE,	/* count = resume command exit status (0 = none or ok) */
	MIG_ABORT,	/* count bytes of text follow */
	MIG_DEVICE,	/* count bytes of QEMU's migration stream follow */
	MIG_DEVICE_END,	/* index = the stream's length */
	MIG_LOADED,
	MIG_AUTH,	/* payload: the source's proof (MIG_MAC_LEN bytes) */
};

/* mig_hello.flags */
#define MIG_HELLO_VM	1u	/* a QEMU VM: device state follows the RAM */
#define MIG_HELLO_AUTH	2u	/* a pre-shared key authenticates the stream */
#define MIG_MAC_LEN	32u	/* HMAC-SHA256 */
#define MIG_NONCE_LEN	32u
#define MIG_DEVICE_CHUNK	(1u << 20)	/* most bytes in one DEVICE message */
#define MIG_DEVICE_MAX		(1u << 30)	/* most bytes of device state */
/* Both QEMUs skip the RAM of shared file backends: hvk-migrate moves it. */
#define MIG_QMP_CAPS \
	"{\"capabilities\":[{\"capability\":\"x-ignore-shared\",\"state\":true}]}"

enum mig_verify {
	MIG_VERIFY_SENT,	/* digest of what was sent / written */
	MIG_VERIFY_FULL,	/* digest of the memory itself, re-read at pause */
};

struct mig_hdr {
	uint32_t type;
	uint32_t count;
	uint64_t index;
};

struct mig_hello {
	char magic[8];
	uint64_t size;
	uint32_t page_size;
	uint32_t flags;
	uint8_t nonce[MIG_NONCE_LEN];	/* the source's, with MIG_HELLO_AUTH */
};

/* READY's payload with MIG_HELLO_AUTH */
struct mig_ready_auth {
	uint8_t nonce[MIG_NONCE_LEN];
	uint8_t proof[MIG_MAC_LEN];
};

/* A page's 64-bit hash: fast and well mixed, not cryptographic. */
static inline uint64_t mig_page_hash(const void *page)
{
	const uint64_t *w = page;
	uint64_t h = 0x9e3779b97f4a7c15ull;
	unsigned int i;

	for (i = 0; i < MIG_PAGE / 8; i++) {
		h ^= w[i];
		h *= 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	return h;
}

/* The region's digest from its pages' hashes, in order. */
static inline uint64_t mig_digest(const uint64_t *hashes, uint64_t n)
{
	uint64_t d = 0xcbf29ce484222325ull, i;

	for (i = 0; i < n; i++) {
		d ^= hashes[i] + i;
		d *= 0x100000001b3ull;
		d ^= d >> 29;
	}
	return d;
}

#endif /* _HVK_MIGRATE_PROTO_H */
