/*
 * audit.h -- the tamper-evident audit chain of 09-audit.md §1-§4: append,
 * verification, workspace signing keys and crypto-shredding of personal
 * data.
 *
 * Every workspace (org) has its own hash chain.  An event is appended in
 * the transaction of the change it records, so both commit or neither
 * does.  One member list builds the event object (audit_event_render()
 * writes it in the §1.1 wire order, audit_event_jcs() canonically for the
 * entry hash and signature), so what is hashed is what is served.
 *
 * All functions that touch the database use the process's store
 * connection (store.h); none begins or commits a write transaction.
 */
#ifndef RENSEI_AUDIT_H
#define RENSEI_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "arena.h"
#include "buf.h"
#include "json.h"

#define AUDIT_WUR __attribute__((warn_unused_result))

#define AUDIT_MASTER_LEN     32
#define AUDIT_PUBKEY_LEN     32
#define AUDIT_KID_LEN        30    /* "ask_" + 26 base32 */
#define AUDIT_EVENT_ID_LEN   30    /* "evt_" + 26-char ULID */
#define AUDIT_SUBJECT_ID_LEN 36    /* "sub_" + 32 hex */
#define AUDIT_HASH_HEX_LEN   64
#define AUDIT_SIG_LEN        94    /* "ed25519:" + 86 base64url */
#define AUDIT_PAYLOAD_MAX    16384 /* bytes of the serialized payload (§1.2) */
#define AUDIT_ARRAY_MAX      100   /* entries kept per top-level array member */

/* ------------------------------------------------------------ keys (§3) */

/* Keeps the 32-byte master key for the process in sodium_malloc memory
 * (read-only, wiped at exit) with the two keys derived from it for
 * personal data (§4.3).  A second call replaces the key and empties the
 * private-key cache.  0 or -1. */
int  audit_init(const uint8_t master[AUDIT_MASTER_LEN]) AUDIT_WUR;
/* Wipes the master key and every cached private key (also run at exit). */
void audit_shutdown(void);

/* The public key and kid of (org_id, version), derived from the master
 * key; the private key stays in the cache.  0 or -1. */
int  audit_key_public(const char *org_id, int64_t version,
                      uint8_t pk[AUDIT_PUBKEY_LEN],
                      char kid[AUDIT_KID_LEN + 1]) AUDIT_WUR;
/* kid = "ask_" + the first 26 characters of lowercase base32 of SHA-256(pk). */
void audit_kid(char kid[AUDIT_KID_LEN + 1], const uint8_t pk[AUDIT_PUBKEY_LEN]);

/* Inserts the key row of (org_id, version); inside the caller's write
 * transaction (version 1 in the one that creates the org).  kid may be
 * NULL.  0, or -1 (logged; also when the row exists). */
int  audit_key_create(const char *org_id, int64_t version, int64_t now_ms,
                      char kid[AUDIT_KID_LEN + 1]) AUDIT_WUR;

/* §3 Rotation, inside the caller's write transaction: inserts version n+1,
 * revokes every older unrevoked key at max(now, last occurredAt + 1 ms),
 * appends audit.key_rotated signed by the new key.  Fills kid and
 * *version with the new key's.  0 or -1 (logged). */
int  audit_rotate_key(struct arena *a, const char *org_id,
                      const char *actor_type, const char *actor_id,
                      char kid[AUDIT_KID_LEN + 1], int64_t *version) AUDIT_WUR;

/* One row of audit_keys, for key discovery (§6). */
struct audit_key_info {
	const char *org_id;
	int64_t     version;
	const char *kid;
	uint8_t     pk[AUDIT_PUBKEY_LEN];
	int64_t     created_at;   /* Unix ms */
	int         revoked;      /* 0: revoked_at is null */
	int64_t     revoked_at;
};

/* Calls fn for every key of org_id in keyVersion order; stops when fn
 * returns non-zero.  0, or -1 on a store error. */
int  audit_keys_foreach(const char *org_id,
                        int (*fn)(const struct audit_key_info *, void *),
                        void *arg) AUDIT_WUR;
/* Writes the §6.1 JWK of one key. */
void audit_key_render_jwk(struct jw *w, const struct audit_key_info *k);

/* ------------------------------------------------------ the event (§1.1) */

/* The columns of one stored event; strings are NUL-terminated ASCII
 * (stored values are folded).  entity_id and session_id may be NULL. */
struct audit_event {
	const char *id;
	const char *workspace_id;
	int64_t     seq;
	const char *event_type;
	int64_t     occurred_at;      /* Unix ms, rendered ISO-8601 with ms */
	const char *actor_type;
	const char *actor_id;
	const char *entity_type;
	const char *entity_id;
	const char *session_id;
	const char *payload;          /* JCS text of the stored payload object */
	const char *prev_hash;
	const char *signing_key_id;
	const char *entry_hash;       /* unused by AUDIT_FORM_A */
	const char *signature;        /* used by AUDIT_FORM_FULL only */
};

enum audit_form {
	AUDIT_FORM_A,      /* without entryHash and signature (§2.2) */
	AUDIT_FORM_B,      /* without signature (§2.3) */
	AUDIT_FORM_FULL    /* every member (§1.1) */
};

/* Writes the full event object in the §1.1 member order (the payload text
 * inserted as stored). */
void audit_event_render(struct jw *w, const struct audit_event *ev);
/* Appends JCS of the event object in the given form.  0, or -1 when a
 * member is outside §1.2 (non-ASCII text, an unsafe integer). */
int  audit_event_jcs(struct buf *b, const struct audit_event *ev,
                     enum audit_form form) AUDIT_WUR;
/* entryHash = hex(SHA-256(JCS(A) || prevHash)).  0 or -1. */
int  audit_event_hash(const struct audit_event *ev,
                      char out[AUDIT_HASH_HEX_LEN + 1]) AUDIT_WUR;
/* d = SHA-256(JCS(B)); ev->entry_hash must be set.  0 or -1. */
int  audit_event_digest(const struct audit_event *ev, uint8_t d[32]) AUDIT_WUR;
/* "ed25519:" + base64url(Ed25519(sk, d)) with the private key of
 * (ev->workspace_id, key_version).  0 or -1. */
int  audit_event_sign(const struct audit_event *ev, int64_t key_version,
                      char out[AUDIT_SIG_LEN + 1]) AUDIT_WUR;

/* ------------------------------------------------------- appending (§1.3) */

struct audit_event_in {
	const char *workspace_id;
	const char *event_type;       /* §4.4 */
	const char *actor_type;       /* §4.2 */
	const char *actor_id;
	const char *entity_type;
	const char *entity_id;        /* NULL: null */
	const char *session_id;       /* NULL: null */
	/* A json-c object in any member order; borrowed, never modified.
	 * Strings need not be ASCII: they are folded here. */
	struct json_object *payload;
	/* 1 when the event is about a person: its top-level email,
	 * displayName and ip are then sealed for that person (§4.3).  0 for
	 * events about no person (scim.group_*, whose displayName is a group
	 * name), which store those members as they are. */
	int         about_person;
	const char *person_email;     /* any case; NULL when the person has none */
	const char *person_user_id;   /* usr_…, the subject when there is no email */
};

/* Appends one event inside the caller's open write transaction (it is an
 * error to call it outside one).  Fills out_id with the new event id.
 * 0, or -1 (logged): the caller rolls back, since the change must not
 * commit without its event. */
int  audit_append(struct arena *a, const struct audit_event_in *in,
                  char out_id[AUDIT_EVENT_ID_LEN + 1]) AUDIT_WUR;

/* ---------------------------------------------------- verification (§5.3) */

enum audit_break {
	AUDIT_BREAK_NONE = 0,
	AUDIT_BREAK_SEQUENCE_GAP,       /* "sequence_gap" */
	AUDIT_BREAK_PREV_HASH_MISMATCH, /* "prev_hash_mismatch" */
	AUDIT_BREAK_HASH_MISMATCH,      /* "hash_mismatch" */
	AUDIT_BREAK_TIME_REVERSED,      /* "occurred_at_decreased" */
	AUDIT_BREAK_UNKNOWN_KEY,        /* "unknown_key" */
	AUDIT_BREAK_REVOKED_KEY,        /* "revoked_key" */
	AUDIT_BREAK_BAD_SIGNATURE       /* "bad_signature" */
};

struct audit_verify_result {
	int              valid;
	int64_t          event_count;   /* events in the range */
	int64_t          first_seq;     /* 0 when the range is empty */
	int64_t          last_seq;
	int64_t          broken_at;     /* first bad sequence number, 0 if valid */
	enum audit_break reason;
	char             broken_entry_hash[AUDIT_HASH_HEX_LEN + 1];   /* as stored */
};

/* The §5.3 reason string of a break, or NULL for AUDIT_BREAK_NONE. */
const char *audit_break_name(enum audit_break reason);

/* Walks org_id's events with from_seq <= sequenceNumber <= to_seq in
 * ascending order (from_seq 1 and to_seq INT64_MAX for the whole chain)
 * and stops checking at the first failure.  Runs in the caller's
 * transaction, or in a read transaction of its own when there is none, so
 * the walk sees one snapshot.  0 when the walk finished (res tells whether
 * the chain is valid), -1 on a store error. */
int  audit_verify(const char *org_id, int64_t from_seq, int64_t to_seq,
                  struct audit_verify_result *res) AUDIT_WUR;

/* audit_verify() of every workspace that has events or keys, in org id
 * order, calling fn with each result; stops when fn returns non-zero.
 * 0, or -1 on a store error. */
int  audit_verify_all(int (*fn)(const char *org_id,
                                const struct audit_verify_result *, void *),
                      void *arg) AUDIT_WUR;

/* ------------------------------------------------ personal data (§4.3) */

/* "sub_" + 32 hex of HMAC(HMAC(master, "audit-subject-id"), email
 * ASCII-lower-cased), or of user_id when email is NULL.  0 or -1. */
int  audit_subject_id(char out[AUDIT_SUBJECT_ID_LEN + 1], const char *email,
                      const char *user_id) AUDIT_WUR;

/* The reading view of a stored payload (§5.2): a new json-c object (put
 * it) where each sealed top-level member is replaced by its decrypted
 * value, or by the string "[shredded]" when its data key is gone or does
 * not open it.  NULL when the text is not a JSON object. */
struct json_object *audit_payload_reveal(const char *org_id, const char *payload,
                                         size_t len);

enum audit_shred {
	AUDIT_SHRED_DONE,      /* the live data key was deleted */
	AUDIT_SHRED_ALREADY,   /* only tombstones remain */
	AUDIT_SHRED_UNKNOWN,   /* no data key was ever created */
	AUDIT_SHRED_ERROR
};

/* Deletes the live data key of (org_id, subject_id), leaving its row as a
 * tombstone with shredded_at = now_ms.  Inside the caller's write
 * transaction; appending audit.subject_shredded is the caller's part. */
enum audit_shred audit_data_key_shred(const char *org_id, const char *subject_id,
                                      int64_t now_ms);

#endif
