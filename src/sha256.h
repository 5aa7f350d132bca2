/*
 * sha256.h - SHA-256 (FIPS 180-4), for idempotency keys.
 */
#ifndef CE_SHA256_H
#define CE_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct ce_sha256 {
	uint32_t	h[8];
	uint64_t	total;		/* bytes hashed so far */
	uint8_t		block[64];
	size_t		used;		/* bytes waiting in block */
};

void	ce_sha256_init(struct ce_sha256 *c);
void	ce_sha256_update(struct ce_sha256 *c, const void *p, size_t n);
void	ce_sha256_final(struct ce_sha256 *c, uint8_t out[32]);
/* 64 lowercase hex characters and a NUL. */
void	ce_sha256_hex(const uint8_t digest[32], char out[65]);

#endif /* CE_SHA256_H */
