/*
 * secrets.h -- the instance secrets of 01-auth.md §16.2.
 *
 * Each secret comes from its variable (hex, already validated by
 * settings.c) or else from its file in the data dir: 64 lowercase hex and a
 * newline, mode 0600 (no group/other bits).  Responders never create a
 * secret file; only `rensei-admin init` and `migrate` do.
 */
#ifndef RENSEI_SECRETS_H
#define RENSEI_SECRETS_H

#include <stddef.h>
#include <stdint.h>

enum secret_id {
	SECRET_RUNTIME_JWT,     /* runtime_jwt.key */
	SECRET_M2M_HS256,       /* m2m_hs256.key */
	SECRET_M2M_ED25519,     /* m2m_ed25519.key (seed) */
	SECRET_SESSION_HASH,    /* session_hash.key */
	SECRET_PUBLIC_ID_SALT,  /* public_id.salt */
	SECRET_SEAL,            /* seal.key */
	SECRET_AUDIT_MASTER,    /* audit-master.key */
	SECRET__COUNT
};

#define SECRET_BIT(id) (1u << (id))
#define SECRETS_ALL ((1u << SECRET__COUNT) - 1)
#define SECRET_MAX_LEN 512

struct secret {
	uint8_t *key;      /* sodium_malloc'd; NULL when not loaded */
	size_t   len;
};

/* Loads the secrets named by mask (M2M: only the configured algorithm's
 * file is required).  On failure writes "<file or VARIABLE>: reason" into
 * err; the caller exits 78. */
int  secrets_load(unsigned mask, char *err, size_t errlen)
	__attribute__((warn_unused_result));
const struct secret *secret_get(enum secret_id id);
const char *secret_file_name(enum secret_id id);
/* Creates every missing secret file in dir (O_EXCL, 0600, fsync, link).
 * Returns the number created, or -1 with err set. */
int  secrets_create_missing(const char *dir, char *err, size_t errlen)
	__attribute__((warn_unused_result));
void secrets_wipe(void);

#endif
