/*
 * audit.c -- the audit chain of 09-audit.md §1-§4 (see audit.h).
 *
 * Secrets live in sodium_malloc memory: the master key with the KEK and
 * subject-id key derived from it, and the workspace private keys, derived
 * when first needed and cached per (workspace, version).  The cache holds
 * keys only: which key signs is read from audit_keys in the appending
 * transaction every time (§1.3), so a rotation by the CLI takes effect in
 * every responder at once.
 */
#include "config.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <sodium.h>

#include "arena.h"
#include "audit.h"
#include "buf.h"
#include "clock.h"
#include "crypto.h"
#include "jcs.h"
#include "json.h"
#include "log.h"
#include "store.h"

#define KEY_CACHE       64        /* cached private keys; least recently used goes */
#define DATA_KEY_LEN    crypto_secretbox_KEYBYTES
#define DATA_NONCE_LEN  crypto_secretbox_NONCEBYTES
#define SEALED_KEY_LEN  (DATA_NONCE_LEN + crypto_secretbox_MACBYTES + DATA_KEY_LEN)
#define SIG_PREFIX      "ed25519:"
#define SIG_PREFIX_LEN  8
#define ISO_MAX_MS      INT64_C(253402300799999)   /* 9999-12-31T23:59:59.999Z */
#define SHREDDED        "[shredded]"

static const char zero_hash[] =
    "0000000000000000000000000000000000000000000000000000000000000000";

/* ---------------------------------------------------------------- SQL */

static const char sql_last_event[] =
    "SELECT seq, entry_hash, occurred_at FROM audit_events"
    " WHERE org_id = ?1 ORDER BY seq DESC LIMIT 1";
static const char sql_signing_key[] =
    "SELECT key_version, kid FROM audit_keys"
    " WHERE org_id = ?1 AND revoked_at IS NULL"
    " ORDER BY key_version DESC LIMIT 1";
static const char sql_newest_key[] =
    "SELECT key_version, kid FROM audit_keys"
    " WHERE org_id = ?1 ORDER BY key_version DESC LIMIT 1";
static const char sql_key_insert[] =
    "INSERT INTO audit_keys (org_id, key_version, kid, public_key, created_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5)";
static const char sql_key_revoke_older[] =
    "UPDATE audit_keys SET revoked_at = ?3"
    " WHERE org_id = ?1 AND key_version <= ?2 AND revoked_at IS NULL";
static const char sql_keys_of_org[] =
    "SELECT key_version, kid, public_key, created_at, revoked_at"
    " FROM audit_keys WHERE org_id = ?1 ORDER BY key_version";
static const char sql_event_insert[] =
    "INSERT INTO audit_events (org_id, seq, id, event_type, occurred_at,"
    " actor_type, actor_id, entity_type, entity_id, session_id, payload,"
    " prev_hash, signing_key_id, entry_hash, signature)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)";
static const char sql_event_walk[] =
    "SELECT seq, id, event_type, occurred_at, actor_type, actor_id,"
    " entity_type, entity_id, session_id, payload, prev_hash, signing_key_id,"
    " entry_hash, signature FROM audit_events"
    " WHERE org_id = ?1 AND seq >= ?2 AND seq <= ?3 ORDER BY seq";
static const char sql_event_at[] =
    "SELECT entry_hash, occurred_at FROM audit_events"
    " WHERE org_id = ?1 AND seq = ?2";
static const char sql_chain_orgs[] =
    "SELECT org_id FROM audit_events UNION SELECT org_id FROM audit_keys"
    " ORDER BY 1";
static const char sql_data_key_live[] =
    "SELECT key_sealed FROM audit_data_keys"
    " WHERE org_id = ?1 AND subject_id = ?2 AND key_sealed IS NOT NULL";
static const char sql_data_key_insert[] =
    "INSERT INTO audit_data_keys (org_id, subject_id, key_sealed, created_at)"
    " VALUES (?1, ?2, ?3, ?4)";
static const char sql_data_key_shred[] =
    "UPDATE audit_data_keys SET key_sealed = NULL, shredded_at = ?3"
    " WHERE org_id = ?1 AND subject_id = ?2 AND key_sealed IS NOT NULL";
static const char sql_data_key_any[] =
    "SELECT 1 FROM audit_data_keys WHERE org_id = ?1 AND subject_id = ?2"
    " LIMIT 1";

/* -------------------------------------------------------------- secrets */

struct audit_secrets {
	uint8_t master[AUDIT_MASTER_LEN];
	uint8_t kek[32];            /* HMAC(master, "audit-kek") */
	uint8_t subject_key[32];    /* HMAC(master, "audit-subject-id") */
};

struct key_slot {
	int64_t version;
	uint8_t pk[crypto_sign_PUBLICKEYBYTES];
	uint8_t sk[crypto_sign_SECRETKEYBYTES];
	char    kid[AUDIT_KID_LEN + 1];
	char    org_id[];
};

static struct audit_secrets *secrets;
static struct key_slot *key_cache[KEY_CACHE];   /* most recently used first */
static size_t key_cache_len;

void
audit_shutdown(void)
{
	size_t i;

	for (i = 0; i < key_cache_len; i++)
		sodium_free(key_cache[i]);   /* zeroes before freeing */
	key_cache_len = 0;
	if (secrets != NULL)
		sodium_free(secrets);
	secrets = NULL;
}

int
audit_init(const uint8_t master[AUDIT_MASTER_LEN])
{
	static int registered;

	if (sodium_init() < 0) {
		log_error("audit_init: sodium_init failed");
		return -1;
	}
	audit_shutdown();
	/* 96 bytes: a multiple of 16, so aligned (see key_slot_get). */
	if ((secrets = sodium_malloc(sizeof(*secrets))) == NULL) {
		log_error("audit_init: sodium_malloc failed");
		return -1;
	}
	memcpy(secrets->master, master, AUDIT_MASTER_LEN);
	hmac_sha256(secrets->kek, master, AUDIT_MASTER_LEN, "audit-kek", 9);
	hmac_sha256(secrets->subject_key, master, AUDIT_MASTER_LEN,
	    "audit-subject-id", 16);
	sodium_mprotect_readonly(secrets);
	if (!registered) {
		atexit(audit_shutdown);
		registered = 1;
	}
	return 0;
}

void
audit_kid(char kid[AUDIT_KID_LEN + 1], const uint8_t pk[AUDIT_PUBKEY_LEN])
{
	uint8_t h[SHA256_LEN];
	char b32[(SHA256_LEN * 8 + 4) / 5 + 1];

	sha256(h, pk, AUDIT_PUBKEY_LEN);
	base32_lower_encode(b32, h, sizeof(h));
	memcpy(kid, "ask_", 4);
	memcpy(kid + 4, b32, AUDIT_KID_LEN - 4);
	kid[AUDIT_KID_LEN] = '\0';
}

/* The key pair of (org_id, version), derived on first use (§3: seed =
 * HMAC(master, "audit-key:" org ":" version)) and kept in the cache. */
static const struct key_slot *
key_slot_get(const char *org_id, int64_t version)
{
	struct key_slot *slot;
	struct buf msg;
	uint8_t seed[crypto_sign_SEEDBYTES];
	size_t i, orglen, size;

	for (i = 0; i < key_cache_len; i++) {
		slot = key_cache[i];
		if (slot->version == version && strcmp(slot->org_id, org_id) == 0) {
			memmove(key_cache + 1, key_cache, i * sizeof(*key_cache));
			key_cache[0] = slot;
			return slot;
		}
	}
	if (secrets == NULL) {
		log_error("key_slot_get: audit_init was not called");
		return NULL;
	}
	if (version < 1) {
		log_error("key_slot_get: %s: bad key version %" PRId64, org_id,
		    version);
		return NULL;
	}
	orglen = strlen(org_id);
	/* sodium_malloc puts the block against its guard page, so the
	 * struct is aligned only when the size is a multiple of 16. */
	size = (sizeof(*slot) + orglen + 1 + 15) & ~(size_t)15;
	if ((slot = sodium_malloc(size)) == NULL) {
		log_error("key_slot_get: sodium_malloc failed");
		return NULL;
	}
	buf_init(&msg);
	buf_printf(&msg, "audit-key:%s:%" PRId64, org_id, version);
	hmac_sha256(seed, secrets->master, AUDIT_MASTER_LEN, msg.data, msg.len);
	buf_free(&msg);
	crypto_sign_seed_keypair(slot->pk, slot->sk, seed);
	sodium_memzero(seed, sizeof(seed));
	audit_kid(slot->kid, slot->pk);
	slot->version = version;
	memcpy(slot->org_id, org_id, orglen + 1);
	sodium_mprotect_readonly(slot);

	if (key_cache_len == KEY_CACHE)
		sodium_free(key_cache[--key_cache_len]);
	memmove(key_cache + 1, key_cache, key_cache_len * sizeof(*key_cache));
	key_cache[0] = slot;
	key_cache_len++;
	return slot;
}

int
audit_key_public(const char *org_id, int64_t version,
    uint8_t pk[AUDIT_PUBKEY_LEN], char kid[AUDIT_KID_LEN + 1])
{
	const struct key_slot *slot;

	if ((slot = key_slot_get(org_id, version)) == NULL)
		return -1;
	if (pk != NULL)
		memcpy(pk, slot->pk, AUDIT_PUBKEY_LEN);
	if (kid != NULL)
		memcpy(kid, slot->kid, AUDIT_KID_LEN + 1);
	return 0;
}

int
audit_key_create(const char *org_id, int64_t version, int64_t now_ms,
    char kid[AUDIT_KID_LEN + 1])
{
	const struct key_slot *slot;
	struct sstmt *st;

	if ((slot = key_slot_get(org_id, version)) == NULL)
		return -1;
	if ((st = store_stmt(sql_key_insert)) == NULL)
		return -1;
	ss_bind_text(st, 1, org_id);
	ss_bind_int(st, 2, version);
	ss_bind_text(st, 3, slot->kid);
	ss_bind_blob(st, 4, slot->pk, AUDIT_PUBKEY_LEN);
	ss_bind_int(st, 5, now_ms);
	if (ss_exec(st) != STORE_OK) {
		log_error("audit_key_create: %s version %" PRId64 ": %s", org_id,
		    version, store_errmsg());
		return -1;
	}
	if (kid != NULL)
		memcpy(kid, slot->kid, AUDIT_KID_LEN + 1);
	return 0;
}

int
audit_keys_foreach(const char *org_id,
    int (*fn)(const struct audit_key_info *, void *), void *arg)
{
	struct audit_key_info k;
	struct sstmt *st;
	int rc;

	if ((st = store_stmt(sql_keys_of_org)) == NULL)
		return -1;
	ss_bind_text(st, 1, org_id);
	while ((rc = ss_step(st)) == STORE_ROW) {
		memset(&k, 0, sizeof(k));
		k.org_id = org_id;
		k.version = ss_int(st, 0);
		k.kid = ss_text(st, 1);
		if (ss_bytes(st, 2) != AUDIT_PUBKEY_LEN) {
			log_warn("audit_keys_foreach: %s version %" PRId64
			    ": public key is not 32 bytes", org_id, k.version);
			continue;
		}
		memcpy(k.pk, ss_blob(st, 2), AUDIT_PUBKEY_LEN);
		k.created_at = ss_int(st, 3);
		k.revoked = !ss_is_null(st, 4);
		k.revoked_at = k.revoked ? ss_int(st, 4) : 0;
		if (fn(&k, arg) != 0) {
			rc = STORE_DONE;
			break;
		}
	}
	ss_reset(st);
	return rc == STORE_DONE ? 0 : -1;
}

void
audit_key_render_jwk(struct jw *w, const struct audit_key_info *k)
{
	char x[AUDIT_PUBKEY_LEN * 2], iso[ISO8601_LEN + 1];

	b64url_encode(x, k->pk, AUDIT_PUBKEY_LEN);
	jw_obj_open(w);
	jw_kstr(w, "kty", "OKP");
	jw_kstr(w, "crv", "Ed25519");
	jw_kstr(w, "alg", "EdDSA");
	jw_kstr(w, "use", "sig");
	jw_kstr(w, "kid", k->kid);
	jw_kstr(w, "x", x);
	jw_kstr(w, "rensei:workspace_id", k->org_id);
	jw_kint(w, "rensei:key_version", k->version);
	iso8601_ms(iso, k->created_at);
	jw_kstr(w, "rensei:created_at", iso);
	if (k->revoked) {
		iso8601_ms(iso, k->revoked_at);
		jw_kstr(w, "rensei:revoked_at", iso);
	} else
		jw_knull(w, "rensei:revoked_at");
	jw_obj_close(w);
}

/* ------------------------------------------------------------ the event */

enum member_kind {
	MK_TEXT,           /* string, never null */
	MK_TEXT_OR_NULL,   /* string or null */
	MK_INT,
	MK_RAW             /* serialized JSON (the payload), inserted as is */
};

struct member {
	const char       *key;
	enum member_kind  kind;
	const char       *s;
	int64_t           i;
};

#define EVENT_MEMBERS 15

/* The one list of the event's members, in §1.1 order: the wire writer
 * walks it as is, the canonical writer sorted, so the two can never
 * disagree about what an event contains. */
static size_t
event_members(const struct audit_event *ev, enum audit_form form,
    char iso[ISO8601_LEN + 1], struct member m[EVENT_MEMBERS])
{
	size_t n = 0;

	iso8601_ms(iso, ev->occurred_at);
	m[n++] = (struct member){ "id", MK_TEXT, ev->id, 0 };
	m[n++] = (struct member){ "workspaceId", MK_TEXT, ev->workspace_id, 0 };
	m[n++] = (struct member){ "sequenceNumber", MK_INT, NULL, ev->seq };
	m[n++] = (struct member){ "eventType", MK_TEXT, ev->event_type, 0 };
	m[n++] = (struct member){ "occurredAt", MK_TEXT, iso, 0 };
	m[n++] = (struct member){ "actorType", MK_TEXT, ev->actor_type, 0 };
	m[n++] = (struct member){ "actorId", MK_TEXT, ev->actor_id, 0 };
	m[n++] = (struct member){ "entityType", MK_TEXT, ev->entity_type, 0 };
	m[n++] = (struct member){ "entityId", MK_TEXT_OR_NULL, ev->entity_id, 0 };
	m[n++] = (struct member){ "sessionId", MK_TEXT_OR_NULL, ev->session_id, 0 };
	m[n++] = (struct member){ "payload", MK_RAW, ev->payload, 0 };
	m[n++] = (struct member){ "prevHash", MK_TEXT, ev->prev_hash, 0 };
	m[n++] = (struct member){ "signingKeyId", MK_TEXT, ev->signing_key_id, 0 };
	if (form == AUDIT_FORM_A)
		return n;
	m[n++] = (struct member){ "entryHash", MK_TEXT, ev->entry_hash, 0 };
	if (form == AUDIT_FORM_B)
		return n;
	m[n++] = (struct member){ "signature", MK_TEXT, ev->signature, 0 };
	return n;
}

static int
member_cmp(const void *a, const void *b)
{
	return strcmp(((const struct member *)a)->key,
	    ((const struct member *)b)->key);
}

void
audit_event_render(struct jw *w, const struct audit_event *ev)
{
	struct member m[EVENT_MEMBERS];
	char iso[ISO8601_LEN + 1];
	size_t i, n;

	n = event_members(ev, AUDIT_FORM_FULL, iso, m);
	jw_obj_open(w);
	for (i = 0; i < n; i++) {
		jw_key(w, m[i].key);
		switch (m[i].kind) {
		case MK_TEXT:
		case MK_TEXT_OR_NULL:
			jw_str(w, m[i].s);
			break;
		case MK_INT:
			jw_int(w, m[i].i);
			break;
		case MK_RAW:
			jw_raw(w, m[i].s, strlen(m[i].s));
			break;
		}
	}
	jw_obj_close(w);
}

int
audit_event_jcs(struct buf *b, const struct audit_event *ev,
    enum audit_form form)
{
	struct member m[EVENT_MEMBERS];
	char iso[ISO8601_LEN + 1];
	size_t i, n, start = b->len;

	/* Outside this range the ISO rendering would not be the fixed
	 * 24-character form, and two times could render alike. */
	if (ev->occurred_at < 0 || ev->occurred_at > ISO_MAX_MS)
		goto fail;
	n = event_members(ev, form, iso, m);
	qsort(m, n, sizeof(*m), member_cmp);
	buf_putc(b, '{');
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_putc(b, ',');
		if (jcs_put_string(b, m[i].key, strlen(m[i].key)) == -1)
			goto fail;
		buf_putc(b, ':');
		switch (m[i].kind) {
		case MK_TEXT_OR_NULL:
			if (m[i].s == NULL) {
				buf_append(b, "null", 4);
				break;
			}
			/* FALLTHROUGH */
		case MK_TEXT:
			if (m[i].s == NULL ||
			    jcs_put_string(b, m[i].s, strlen(m[i].s)) == -1)
				goto fail;
			break;
		case MK_INT:
			if (m[i].i < -JCS_MAX_SAFE_INT || m[i].i > JCS_MAX_SAFE_INT)
				goto fail;
			buf_printf(b, "%" PRId64, m[i].i);
			break;
		case MK_RAW:
			if (m[i].s == NULL)
				goto fail;
			buf_puts(b, m[i].s);
			break;
		}
	}
	buf_putc(b, '}');
	return 0;
fail:
	if (b->data != NULL) {
		b->len = start;
		b->data[start] = '\0';
	}
	return -1;
}

int
audit_event_hash(const struct audit_event *ev, char out[AUDIT_HASH_HEX_LEN + 1])
{
	struct buf b;
	int rc = -1;

	if (ev->prev_hash == NULL)
		return -1;
	buf_init(&b);
	if (audit_event_jcs(&b, ev, AUDIT_FORM_A) == -1)
		goto out;
	buf_puts(&b, ev->prev_hash);
	sha256_hex(out, b.data, b.len);
	rc = 0;
out:
	buf_free(&b);
	return rc;
}

int
audit_event_digest(const struct audit_event *ev, uint8_t d[32])
{
	struct buf b;
	int rc = -1;

	if (ev->entry_hash == NULL)
		return -1;
	buf_init(&b);
	if (audit_event_jcs(&b, ev, AUDIT_FORM_B) == -1)
		goto out;
	sha256(d, b.data, b.len);
	rc = 0;
out:
	buf_free(&b);
	return rc;
}

int
audit_event_sign(const struct audit_event *ev, int64_t key_version,
    char out[AUDIT_SIG_LEN + 1])
{
	const struct key_slot *slot;
	uint8_t d[32], sig[crypto_sign_BYTES];

	if ((slot = key_slot_get(ev->workspace_id, key_version)) == NULL)
		return -1;
	if (audit_event_digest(ev, d) == -1)
		return -1;
	/* Pure Ed25519 over the 32 digest bytes (§2.3), not their hex. */
	crypto_sign_detached(sig, NULL, d, sizeof(d), slot->sk);
	memcpy(out, SIG_PREFIX, SIG_PREFIX_LEN);
	b64url_encode(out + SIG_PREFIX_LEN, sig, sizeof(sig));
	return 0;
}

/* -------------------------------------------------- personal data (§4.3) */

int
audit_subject_id(char out[AUDIT_SUBJECT_ID_LEN + 1], const char *email,
    const char *user_id)
{
	uint8_t mac[SHA256_LEN];
	char hexd[2 * SHA256_LEN + 1];
	char *lower;
	size_t i, n;

	if (secrets == NULL) {
		log_error("audit_subject_id: audit_init was not called");
		return -1;
	}
	if (email != NULL) {
		n = strlen(email);
		if ((lower = malloc(n + 1)) == NULL)
			abort();
		/* ASCII lower-casing only: other bytes stay as they are. */
		for (i = 0; i <= n; i++)
			lower[i] = (email[i] >= 'A' && email[i] <= 'Z') ?
			    (char)(email[i] - 'A' + 'a') : email[i];
		hmac_sha256(mac, secrets->subject_key, sizeof(secrets->subject_key),
		    lower, n);
		sodium_memzero(lower, n);
		free(lower);
	} else if (user_id != NULL)
		hmac_sha256(mac, secrets->subject_key, sizeof(secrets->subject_key),
		    user_id, strlen(user_id));
	else
		return -1;
	hex_encode(hexd, mac, sizeof(mac));
	memcpy(out, "sub_", 4);
	memcpy(out + 4, hexd, 32);
	out[AUDIT_SUBJECT_ID_LEN] = '\0';
	return 0;
}

/* Opens the live data key of (org_id, subject_id): 1 with key filled, 0
 * when there is none (never created, or shredded), -1 on an error. */
static int
data_key_open(const char *org_id, const char *subject_id,
    uint8_t key[DATA_KEY_LEN])
{
	struct sstmt *st;
	const uint8_t *sealed;
	int rc;

	if ((st = store_stmt(sql_data_key_live)) == NULL)
		return -1;
	ss_bind_text(st, 1, org_id);
	ss_bind_text(st, 2, subject_id);
	rc = ss_step(st);
	if (rc == STORE_DONE) {
		ss_reset(st);
		return 0;
	}
	if (rc != STORE_ROW) {
		ss_reset(st);
		return -1;
	}
	sealed = ss_blob(st, 0);
	if (ss_bytes(st, 0) != SEALED_KEY_LEN ||
	    crypto_secretbox_open_easy(key, sealed + DATA_NONCE_LEN,
	    SEALED_KEY_LEN - DATA_NONCE_LEN, sealed, secrets->kek) != 0) {
		log_error("data_key_open: %s %s: data key does not open with"
		    " the KEK (another master key?)", org_id, subject_id);
		rc = -1;
	} else
		rc = 1;
	ss_reset(st);
	return rc;
}

/* The data key of (org_id, subject_id), created at first use -- and again
 * after a shred: the tombstone stays and old ciphertext stays unreadable. */
static int
data_key_get(const char *org_id, const char *subject_id, int64_t now_ms,
    uint8_t key[DATA_KEY_LEN])
{
	uint8_t sealed[SEALED_KEY_LEN];
	struct sstmt *st;
	int rc;

	if ((rc = data_key_open(org_id, subject_id, key)) != 0)
		return rc == 1 ? 0 : -1;
	randombytes_buf(key, DATA_KEY_LEN);
	randombytes_buf(sealed, DATA_NONCE_LEN);
	crypto_secretbox_easy(sealed + DATA_NONCE_LEN, key, DATA_KEY_LEN, sealed,
	    secrets->kek);
	if ((st = store_stmt(sql_data_key_insert)) == NULL)
		return -1;
	ss_bind_text(st, 1, org_id);
	ss_bind_text(st, 2, subject_id);
	ss_bind_blob(st, 3, sealed, sizeof(sealed));
	ss_bind_int(st, 4, now_ms);
	if (ss_exec(st) != STORE_OK) {
		log_error("data_key_get: %s: %s", org_id, store_errmsg());
		sodium_memzero(key, DATA_KEY_LEN);
		return -1;
	}
	return 0;
}

/* {"sealed":"secretbox-v1","subjectId","nonce","ciphertext"} of the
 * value's ordinary JSON text before folding (§4.3). */
static struct json_object *
seal_value(struct json_object *v, const char *subject_id,
    const uint8_t key[DATA_KEY_LEN])
{
	struct json_object *o;
	struct jw w;
	struct buf pt;
	uint8_t nonce[DATA_NONCE_LEN], *ct;
	char nonce64[DATA_NONCE_LEN * 2], *ct64;
	size_t ctlen;

	buf_init(&pt);
	jw_init(&w, &pt);
	jw_value(&w, v);
	ctlen = pt.len + crypto_secretbox_MACBYTES;
	if ((ct = malloc(ctlen)) == NULL ||
	    (ct64 = malloc(b64url_encoded_len(ctlen) + 1)) == NULL)
		abort();
	randombytes_buf(nonce, sizeof(nonce));
	crypto_secretbox_easy(ct, (const uint8_t *)pt.data, pt.len, nonce, key);
	buf_wipe(&pt);
	buf_free(&pt);
	b64url_encode(nonce64, nonce, sizeof(nonce));
	b64url_encode(ct64, ct, ctlen);

	o = json_object_new_object();
	json_object_object_add(o, "sealed", json_object_new_string("secretbox-v1"));
	json_object_object_add(o, "subjectId", json_object_new_string(subject_id));
	json_object_object_add(o, "nonce", json_object_new_string(nonce64));
	json_object_object_add(o, "ciphertext", json_object_new_string(ct64));
	free(ct);
	free(ct64);
	return o;
}

static const char *const personal_members[] = { "email", "displayName", "ip" };

/* Replaces the personal members of folded by values sealed from the
 * caller's original (unfolded) ones.  A null stays null: it holds nothing
 * personal, and sealing it would create a data key for no data. */
static int
seal_personal(const struct audit_event_in *in, struct json_object *folded,
    int64_t now_ms)
{
	struct json_object *orig;
	char subject[AUDIT_SUBJECT_ID_LEN + 1];
	uint8_t key[DATA_KEY_LEN];
	int have_key = 0, rc = -1;
	size_t i;

	for (i = 0; i < sizeof(personal_members) / sizeof(*personal_members); i++) {
		if (!json_object_object_get_ex(in->payload, personal_members[i],
		    &orig) || orig == NULL)
			continue;
		if (!have_key) {
			if (audit_subject_id(subject, in->person_email,
			    in->person_user_id) == -1) {
				log_error("audit_append: %s: event about a person"
				    " without email or user id", in->event_type);
				goto out;
			}
			if (data_key_get(in->workspace_id, subject, now_ms, key) == -1)
				goto out;
			have_key = 1;
		}
		json_object_object_add(folded, personal_members[i],
		    seal_value(orig, subject, key));
	}
	rc = 0;
out:
	sodium_memzero(key, sizeof(key));
	return rc;
}

/* §1.2: an array member keeps its first AUDIT_ARRAY_MAX entries and
 * <name>Omitted counts the rest, so a bulk change still fits one event. */
static void
cap_arrays(struct arena *a, struct json_object *payload)
{
	struct json_object *arr;
	const char **names;
	size_t i, n = 0, len;

	names = arena_alloc(a, (size_t)json_object_object_length(payload) *
	    sizeof(*names) + 1);
	json_object_object_foreach(payload, key, val) {
		if (json_object_is_type(val, json_type_array) &&
		    json_object_array_length(val) > AUDIT_ARRAY_MAX)
			names[n++] = arena_strdup(a, key);
	}
	for (i = 0; i < n; i++) {
		json_object_object_get_ex(payload, names[i], &arr);
		len = json_object_array_length(arr);
		json_object_array_del_idx(arr, AUDIT_ARRAY_MAX,
		    len - AUDIT_ARRAY_MAX);
		json_object_object_add(payload,
		    arena_printf(a, "%sOmitted", names[i]),
		    json_object_new_int64((int64_t)(len - AUDIT_ARRAY_MAX)));
	}
}

/* The stored payload text: folded, capped, sealed, checked against §1.2
 * and serialized with JCS. */
static int
payload_build(struct arena *a, const struct audit_event_in *in, int64_t now_ms,
    struct buf *out)
{
	struct json_object *folded = NULL;
	int rc = -1;

	if (!json_object_is_type(in->payload, json_type_object)) {
		log_error("audit_append: %s: payload is not an object",
		    in->event_type);
		return -1;
	}
	if (jcs_fold(in->payload, &folded) == -1) {
		log_error("audit_append: %s: payload too deep or keys collide"
		    " when folded", in->event_type);
		goto out;
	}
	cap_arrays(a, folded);
	if (in->about_person && seal_personal(in, folded, now_ms) == -1)
		goto out;
	if (jcs_serialize(out, folded) == -1) {
		log_error("audit_append: %s: payload outside 09-audit.md §1.2"
		    " (a fraction, unsafe integer or bad key)", in->event_type);
		goto out;
	}
	if (out->len > AUDIT_PAYLOAD_MAX) {
		log_error("audit_append: %s: payload of %zu bytes exceeds %d",
		    in->event_type, out->len, AUDIT_PAYLOAD_MAX);
		goto out;
	}
	rc = 0;
out:
	json_object_put(folded);
	return rc;
}

static const char *
fold_dup(struct arena *a, const char *s)
{
	struct buf b;
	char *r;

	if (s == NULL)
		return NULL;
	buf_init(&b);
	buf_append(&b, "", 0);
	jcs_fold_string(&b, s, strlen(s));
	r = arena_strndup(a, b.data, b.len);
	buf_free(&b);
	return r;
}

/* The workspace's last (seq, entryHash, occurredAt); seq 0 and 64 zeros
 * when the chain is empty. */
static int
chain_tail(const char *org_id, int64_t *seq, char hash[AUDIT_HASH_HEX_LEN + 1],
    int64_t *at)
{
	struct sstmt *st;
	int rc;

	if ((st = store_stmt(sql_last_event)) == NULL)
		return -1;
	ss_bind_text(st, 1, org_id);
	rc = ss_step(st);
	if (rc == STORE_ROW) {
		*seq = ss_int(st, 0);
		if (ss_bytes(st, 1) != AUDIT_HASH_HEX_LEN) {
			log_error("chain_tail: %s: stored entry hash is malformed",
			    org_id);
			ss_reset(st);
			return -1;
		}
		memcpy(hash, ss_text(st, 1), AUDIT_HASH_HEX_LEN + 1);
		*at = ss_int(st, 2);
	} else if (rc == STORE_DONE) {
		*seq = 0;
		memcpy(hash, zero_hash, AUDIT_HASH_HEX_LEN + 1);
		*at = 0;
	}
	ss_reset(st);
	return rc == STORE_ROW || rc == STORE_DONE ? 0 : -1;
}

int
audit_append(struct arena *a, const struct audit_event_in *in,
    char out_id[AUDIT_EVENT_ID_LEN + 1])
{
	const struct key_slot *slot;
	struct audit_event ev;
	struct sstmt *st;
	struct buf payload;
	char prev[AUDIT_HASH_HEX_LEN + 1], entry[AUDIT_HASH_HEX_LEN + 1];
	char sig[AUDIT_SIG_LEN + 1], kid[AUDIT_KID_LEN + 1];
	int64_t now, last_seq, last_at, version;
	int rc = -1, src;

	if (in->workspace_id == NULL || in->event_type == NULL ||
	    in->actor_type == NULL || in->actor_id == NULL ||
	    in->entity_type == NULL) {
		log_error("audit_append: missing member");
		return -1;
	}
	if (!store_in_txn()) {
		log_error("audit_append: %s: no open write transaction",
		    in->event_type);
		return -1;
	}
	buf_init(&payload);
	now = clock_now_ms();
	if (chain_tail(in->workspace_id, &last_seq, prev, &last_at) == -1)
		goto out;

	/* The signing key is chosen here, in this transaction, every time. */
	if ((st = store_stmt(sql_signing_key)) == NULL)
		goto out;
	ss_bind_text(st, 1, in->workspace_id);
	if ((src = ss_step(st)) != STORE_ROW || ss_bytes(st, 1) != AUDIT_KID_LEN) {
		ss_reset(st);
		if (src != STORE_BUSY && src != STORE_ERROR)
			log_error("audit_append: %s: no usable signing key",
			    in->workspace_id);
		goto out;
	}
	version = ss_int(st, 0);
	memcpy(kid, ss_text(st, 1), AUDIT_KID_LEN + 1);
	ss_reset(st);
	if ((slot = key_slot_get(in->workspace_id, version)) == NULL)
		goto out;
	if (strcmp(slot->kid, kid) != 0) {
		/* Signing anyway would write events nobody can verify. */
		log_error("audit_append: %s: key %s does not derive from this"
		    " master key", in->workspace_id, kid);
		goto out;
	}

	if (payload_build(a, in, now, &payload) == -1)
		goto out;

	ulid_new(out_id, "evt_", now);
	memset(&ev, 0, sizeof(ev));
	ev.id = out_id;
	ev.workspace_id = in->workspace_id;
	ev.seq = last_seq + 1;
	ev.event_type = fold_dup(a, in->event_type);
	ev.occurred_at = now > last_at ? now : last_at;
	ev.actor_type = fold_dup(a, in->actor_type);
	ev.actor_id = fold_dup(a, in->actor_id);
	ev.entity_type = fold_dup(a, in->entity_type);
	ev.entity_id = fold_dup(a, in->entity_id);
	ev.session_id = fold_dup(a, in->session_id);
	ev.payload = payload.data;
	ev.prev_hash = prev;
	ev.signing_key_id = kid;
	if (audit_event_hash(&ev, entry) == -1) {
		log_error("audit_append: %s: member outside 09-audit.md §1.2",
		    in->event_type);
		goto out;
	}
	ev.entry_hash = entry;
	if (audit_event_sign(&ev, version, sig) == -1)
		goto out;
	ev.signature = sig;

	if ((st = store_stmt(sql_event_insert)) == NULL)
		goto out;
	ss_bind_text(st, 1, ev.workspace_id);
	ss_bind_int(st, 2, ev.seq);
	ss_bind_text(st, 3, ev.id);
	ss_bind_text(st, 4, ev.event_type);
	ss_bind_int(st, 5, ev.occurred_at);
	ss_bind_text(st, 6, ev.actor_type);
	ss_bind_text(st, 7, ev.actor_id);
	ss_bind_text(st, 8, ev.entity_type);
	ss_bind_text(st, 9, ev.entity_id);
	ss_bind_text(st, 10, ev.session_id);
	ss_bind_textn(st, 11, payload.data, payload.len);
	ss_bind_text(st, 12, ev.prev_hash);
	ss_bind_text(st, 13, ev.signing_key_id);
	ss_bind_text(st, 14, ev.entry_hash);
	ss_bind_text(st, 15, ev.signature);
	if (ss_exec(st) != STORE_OK) {
		log_error("audit_append: %s: %s", in->event_type, store_errmsg());
		goto out;
	}
	rc = 0;
out:
	buf_free(&payload);
	return rc;
}

int
audit_rotate_key(struct arena *a, const char *org_id, const char *actor_type,
    const char *actor_id, char kid[AUDIT_KID_LEN + 1], int64_t *version)
{
	struct audit_event_in in;
	struct json_object *payload = NULL;
	struct sstmt *st;
	char prev_kid[AUDIT_KID_LEN + 1], tail[AUDIT_HASH_HEX_LEN + 1];
	char id[AUDIT_EVENT_ID_LEN + 1];
	int64_t n, now, last_seq, last_at, revoke_at;
	int rc = -1;

	if (!store_in_txn()) {
		log_error("audit_rotate_key: %s: no open write transaction",
		    org_id);
		return -1;
	}
	if ((st = store_stmt(sql_newest_key)) == NULL)
		return -1;
	ss_bind_text(st, 1, org_id);
	if (ss_step(st) != STORE_ROW || ss_bytes(st, 1) != AUDIT_KID_LEN) {
		ss_reset(st);
		log_error("audit_rotate_key: %s: no key to rotate", org_id);
		return -1;
	}
	n = ss_int(st, 0);
	memcpy(prev_kid, ss_text(st, 1), AUDIT_KID_LEN + 1);
	ss_reset(st);

	now = clock_now_ms();
	if (chain_tail(org_id, &last_seq, tail, &last_at) == -1)
		return -1;
	/* Every event the old key signed is dated strictly before this. */
	revoke_at = last_seq > 0 && last_at + 1 > now ? last_at + 1 : now;

	if (audit_key_create(org_id, n + 1, now, kid) == -1)
		return -1;
	if ((st = store_stmt(sql_key_revoke_older)) == NULL)
		return -1;
	ss_bind_text(st, 1, org_id);
	ss_bind_int(st, 2, n);
	ss_bind_int(st, 3, revoke_at);
	if (ss_exec(st) != STORE_OK) {
		log_error("audit_rotate_key: %s: %s", org_id, store_errmsg());
		return -1;
	}

	payload = json_object_new_object();
	json_object_object_add(payload, "kid", json_object_new_string(kid));
	json_object_object_add(payload, "keyVersion", json_object_new_int64(n + 1));
	json_object_object_add(payload, "previousKid",
	    json_object_new_string(prev_kid));
	memset(&in, 0, sizeof(in));
	in.workspace_id = org_id;
	in.event_type = "audit.key_rotated";
	in.actor_type = actor_type;
	in.actor_id = actor_id;
	in.entity_type = "audit_key";
	in.entity_id = kid;
	in.payload = payload;
	if (audit_append(a, &in, id) == -1)
		goto out;
	if (version != NULL)
		*version = n + 1;
	rc = 0;
out:
	json_object_put(payload);
	return rc;
}

/* --------------------------------------------------------- verification */

const char *
audit_break_name(enum audit_break reason)
{
	switch (reason) {
	case AUDIT_BREAK_SEQUENCE_GAP:
		return "sequence_gap";
	case AUDIT_BREAK_PREV_HASH_MISMATCH:
		return "prev_hash_mismatch";
	case AUDIT_BREAK_HASH_MISMATCH:
		return "hash_mismatch";
	case AUDIT_BREAK_TIME_REVERSED:
		return "occurred_at_decreased";
	case AUDIT_BREAK_UNKNOWN_KEY:
		return "unknown_key";
	case AUDIT_BREAK_REVOKED_KEY:
		return "revoked_key";
	case AUDIT_BREAK_BAD_SIGNATURE:
		return "bad_signature";
	case AUDIT_BREAK_NONE:
		break;
	}
	return NULL;
}

struct vkey {
	char    kid[AUDIT_KID_LEN + 1];
	uint8_t pk[AUDIT_PUBKEY_LEN];
	int     revoked;
	int64_t revoked_at;
};

struct vkeys {
	struct vkey *k;
	size_t       n, cap;
};

/* Keeps a key row for the walk; a row whose kid is not the kid of its own
 * public key can vouch for nothing, so it is left out (unknown_key). */
static int
vkeys_add(const struct audit_key_info *k, void *arg)
{
	struct vkeys *v = arg;
	struct vkey *nk;
	char kid[AUDIT_KID_LEN + 1];

	audit_kid(kid, k->pk);
	if (strcmp(kid, k->kid) != 0) {
		log_warn("audit_verify: %s version %" PRId64 ": kid does not"
		    " match its public key", k->org_id, k->version);
		return 0;
	}
	if (v->n == v->cap) {
		v->cap = v->cap ? v->cap * 2 : 4;
		if ((nk = realloc(v->k, v->cap * sizeof(*nk))) == NULL)
			abort();
		v->k = nk;
	}
	nk = &v->k[v->n++];
	memcpy(nk->kid, kid, sizeof(kid));
	memcpy(nk->pk, k->pk, AUDIT_PUBKEY_LEN);
	nk->revoked = k->revoked;
	nk->revoked_at = k->revoked_at;
	return 0;
}

static const struct vkey *
vkeys_find(const struct vkeys *v, const char *kid)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		if (strcmp(v->k[i].kid, kid) == 0)
			return &v->k[i];
	return NULL;
}

/* Where the walk stands: what the next event must link to. */
struct walk {
	int64_t next_seq;
	char    prev_hash[AUDIT_HASH_HEX_LEN + 1];
	int     have_prev_at;
	int64_t prev_at;
};

/* Text of a column; *nul set when it holds an embedded NUL, which no
 * stored value has and which the C string would hide from the hash. */
static const char *
col_text(struct sstmt *st, int col, int *nul)
{
	const char *s = ss_text(st, col);

	if (s != NULL && strlen(s) != ss_bytes(st, col))
		*nul = 1;
	return s;
}

static enum audit_break
check_event(struct sstmt *st, const char *org_id, const struct walk *w,
    const struct vkeys *keys)
{
	struct audit_event ev;
	const struct vkey *key;
	uint8_t d[32], sig[crypto_sign_BYTES];
	char hash[AUDIT_HASH_HEX_LEN + 1], reenc[AUDIT_SIG_LEN + 1];
	int nul = 0;

	memset(&ev, 0, sizeof(ev));
	ev.workspace_id = org_id;
	ev.seq = ss_int(st, 0);
	if (ev.seq != w->next_seq)
		return AUDIT_BREAK_SEQUENCE_GAP;
	ev.id = col_text(st, 1, &nul);
	ev.event_type = col_text(st, 2, &nul);
	ev.occurred_at = ss_int(st, 3);
	ev.actor_type = col_text(st, 4, &nul);
	ev.actor_id = col_text(st, 5, &nul);
	ev.entity_type = col_text(st, 6, &nul);
	ev.entity_id = col_text(st, 7, &nul);
	ev.session_id = col_text(st, 8, &nul);
	ev.payload = col_text(st, 9, &nul);
	ev.prev_hash = col_text(st, 10, &nul);
	ev.signing_key_id = col_text(st, 11, &nul);
	ev.entry_hash = col_text(st, 12, &nul);
	ev.signature = col_text(st, 13, &nul);

	if (ev.prev_hash == NULL || ss_bytes(st, 10) != AUDIT_HASH_HEX_LEN ||
	    memcmp(ev.prev_hash, w->prev_hash, AUDIT_HASH_HEX_LEN) != 0)
		return AUDIT_BREAK_PREV_HASH_MISMATCH;
	if (nul || ev.entry_hash == NULL || audit_event_hash(&ev, hash) == -1 ||
	    ss_bytes(st, 12) != AUDIT_HASH_HEX_LEN ||
	    memcmp(hash, ev.entry_hash, AUDIT_HASH_HEX_LEN) != 0)
		return AUDIT_BREAK_HASH_MISMATCH;
	if (w->have_prev_at && ev.occurred_at < w->prev_at)
		return AUDIT_BREAK_TIME_REVERSED;
	if ((key = vkeys_find(keys, ev.signing_key_id)) == NULL)
		return AUDIT_BREAK_UNKNOWN_KEY;
	if (key->revoked && key->revoked_at <= ev.occurred_at)
		return AUDIT_BREAK_REVOKED_KEY;
	/* Re-encoding must give the stored text back, so no byte of the
	 * column can change without failing here. */
	if (ev.signature == NULL || ss_bytes(st, 13) != AUDIT_SIG_LEN ||
	    memcmp(ev.signature, SIG_PREFIX, SIG_PREFIX_LEN) != 0 ||
	    b64url_decode(sig, sizeof(sig), ev.signature + SIG_PREFIX_LEN,
	    AUDIT_SIG_LEN - SIG_PREFIX_LEN) != (long)sizeof(sig))
		return AUDIT_BREAK_BAD_SIGNATURE;
	b64url_encode(reenc, sig, sizeof(sig));
	if (strcmp(reenc, ev.signature + SIG_PREFIX_LEN) != 0 ||
	    audit_event_digest(&ev, d) == -1 ||
	    crypto_sign_verify_detached(sig, d, sizeof(d), key->pk) != 0)
		return AUDIT_BREAK_BAD_SIGNATURE;
	return AUDIT_BREAK_NONE;
}

/* Sets up the walk for a range starting at from_seq: at 1 the chain's
 * origin, else the stored event before the range.  0, 1 when that event
 * does not exist, -1 on an error. */
static int
walk_start(const char *org_id, int64_t from_seq, struct walk *w)
{
	struct sstmt *st;
	int rc;

	memset(w, 0, sizeof(*w));
	w->next_seq = from_seq;
	memcpy(w->prev_hash, zero_hash, sizeof(w->prev_hash));
	if (from_seq == 1)
		return 0;
	if ((st = store_stmt(sql_event_at)) == NULL)
		return -1;
	ss_bind_text(st, 1, org_id);
	ss_bind_int(st, 2, from_seq - 1);
	rc = ss_step(st);
	if (rc == STORE_ROW) {
		if (ss_bytes(st, 0) == AUDIT_HASH_HEX_LEN)
			memcpy(w->prev_hash, ss_text(st, 0), sizeof(w->prev_hash));
		else
			w->prev_hash[0] = '\0';   /* nothing can link to it */
		w->have_prev_at = 1;
		w->prev_at = ss_int(st, 1);
	}
	ss_reset(st);
	if (rc == STORE_DONE) {
		w->prev_hash[0] = '\0';
		return 1;
	}
	return rc == STORE_ROW ? 0 : -1;
}

static int
verify_range(const char *org_id, int64_t from_seq, int64_t to_seq,
    struct audit_verify_result *res)
{
	struct vkeys keys = { NULL, 0, 0 };
	struct walk w;
	struct sstmt *st;
	enum audit_break why;
	const char *stored;
	int64_t seq;
	int rc = -1;

	memset(res, 0, sizeof(*res));
	res->valid = 1;
	if (from_seq < 1)
		from_seq = 1;
	if (audit_keys_foreach(org_id, vkeys_add, &keys) == -1)
		goto out;
	if (walk_start(org_id, from_seq, &w) == -1)
		goto out;
	if ((st = store_stmt(sql_event_walk)) == NULL)
		goto out;
	ss_bind_text(st, 1, org_id);
	ss_bind_int(st, 2, from_seq);
	ss_bind_int(st, 3, to_seq);
	while ((rc = ss_step(st)) == STORE_ROW) {
		seq = ss_int(st, 0);
		res->event_count++;
		if (res->first_seq == 0)
			res->first_seq = seq;
		res->last_seq = seq;
		if (!res->valid)
			continue;   /* counting the range only */
		why = check_event(st, org_id, &w, &keys);
		stored = ss_text(st, 12);
		if (why != AUDIT_BREAK_NONE) {
			res->valid = 0;
			res->broken_at = seq;
			res->reason = why;
			snprintf(res->broken_entry_hash,
			    sizeof(res->broken_entry_hash), "%s",
			    stored != NULL ? stored : "");
			continue;
		}
		w.next_seq = seq + 1;
		memcpy(w.prev_hash, stored, sizeof(w.prev_hash));
		w.have_prev_at = 1;
		w.prev_at = ss_int(st, 3);
	}
	ss_reset(st);
	rc = rc == STORE_DONE ? 0 : -1;
out:
	free(keys.k);
	return rc;
}

int
audit_verify(const char *org_id, int64_t from_seq, int64_t to_seq,
    struct audit_verify_result *res)
{
	int own, rc;

	own = !store_in_txn();
	if (own && store_begin_read() != STORE_OK)
		return -1;
	rc = verify_range(org_id, from_seq, to_seq, res);
	if (own && store_commit() != STORE_OK)
		rc = -1;
	return rc;
}

int
audit_verify_all(int (*fn)(const char *, const struct audit_verify_result *,
    void *), void *arg)
{
	struct audit_verify_result res;
	struct sstmt *st;
	char **orgs = NULL, **n;
	size_t norgs = 0, cap = 0, i;
	int own, rc = -1;

	own = !store_in_txn();
	if (own && store_begin_read() != STORE_OK)
		return -1;
	/* Collected first, so no cursor stays open across the walks. */
	if ((st = store_stmt(sql_chain_orgs)) == NULL)
		goto out;
	while ((rc = ss_step(st)) == STORE_ROW) {
		if (norgs == cap) {
			cap = cap ? cap * 2 : 16;
			if ((n = realloc(orgs, cap * sizeof(*orgs))) == NULL)
				abort();
			orgs = n;
		}
		if ((orgs[norgs++] = strdup(ss_text(st, 0))) == NULL)
			abort();
	}
	ss_reset(st);
	if (rc != STORE_DONE) {
		rc = -1;
		goto out;
	}
	rc = 0;
	for (i = 0; i < norgs; i++) {
		if (verify_range(orgs[i], 1, INT64_MAX, &res) == -1) {
			rc = -1;
			break;
		}
		if (fn(orgs[i], &res, arg) != 0)
			break;
	}
out:
	for (i = 0; i < norgs; i++)
		free(orgs[i]);
	free(orgs);
	if (own && store_commit() != STORE_OK)
		rc = -1;
	return rc;
}

/* ------------------------------------------------- reading view, shred */

/* The value sealed in o, or "[shredded]" when it cannot be opened. */
static struct json_object *
reveal_value(const char *org_id, struct json_object *o)
{
	struct json_object *subj, *nonce64, *ct64, *v = NULL;
	uint8_t key[DATA_KEY_LEN], nonce[DATA_NONCE_LEN], *ct = NULL, *pt = NULL;
	long ctlen;
	size_t n;
	int have;

	if (!json_object_object_get_ex(o, "subjectId", &subj) ||
	    !json_object_object_get_ex(o, "nonce", &nonce64) ||
	    !json_object_object_get_ex(o, "ciphertext", &ct64) ||
	    !json_object_is_type(subj, json_type_string) ||
	    !json_object_is_type(nonce64, json_type_string) ||
	    !json_object_is_type(ct64, json_type_string))
		goto shredded;
	if (b64url_decode(nonce, sizeof(nonce), json_object_get_string(nonce64),
	    (size_t)json_object_get_string_len(nonce64)) != (long)sizeof(nonce))
		goto shredded;
	n = (size_t)json_object_get_string_len(ct64);
	if ((ct = malloc(n + 1)) == NULL)
		abort();
	ctlen = b64url_decode(ct, n + 1, json_object_get_string(ct64), n);
	if (ctlen < (long)crypto_secretbox_MACBYTES)
		goto shredded;
	have = data_key_open(org_id, json_object_get_string(subj), key);
	if (have != 1)
		goto shredded;
	n = (size_t)ctlen - crypto_secretbox_MACBYTES;
	if ((pt = malloc(n + 1)) == NULL)
		abort();
	if (crypto_secretbox_open_easy(pt, ct, (unsigned long long)ctlen, nonce,
	    key) != 0 ||
	    json_parse_strict((const char *)pt, n, JSON_MAX_DEPTH, &v) != JSON_OK)
		v = NULL;
	sodium_memzero(key, sizeof(key));
	sodium_memzero(pt, n);
	free(pt);
	free(ct);
	if (v != NULL)
		return v;
	return json_object_new_string(SHREDDED);
shredded:
	free(ct);
	return json_object_new_string(SHREDDED);
}

static int
is_sealed(struct json_object *v)
{
	struct json_object *tag;

	return json_object_is_type(v, json_type_object) &&
	    json_object_object_get_ex(v, "sealed", &tag) &&
	    json_object_is_type(tag, json_type_string) &&
	    strcmp(json_object_get_string(tag), "secretbox-v1") == 0;
}

struct json_object *
audit_payload_reveal(const char *org_id, const char *payload, size_t len)
{
	struct json_object *obj = NULL, *v;
	size_t i;

	if (json_parse_strict(payload, len, JSON_MAX_DEPTH, &obj) != JSON_OK)
		return NULL;
	if (!json_object_is_type(obj, json_type_object)) {
		json_object_put(obj);
		return NULL;
	}
	for (i = 0; i < sizeof(personal_members) / sizeof(*personal_members); i++) {
		if (json_object_object_get_ex(obj, personal_members[i], &v) &&
		    is_sealed(v))
			json_object_object_add(obj, personal_members[i],
			    reveal_value(org_id, v));
	}
	return obj;
}

enum audit_shred
audit_data_key_shred(const char *org_id, const char *subject_id,
    int64_t now_ms)
{
	struct sstmt *st;
	int rc;

	if ((st = store_stmt(sql_data_key_shred)) == NULL)
		return AUDIT_SHRED_ERROR;
	ss_bind_text(st, 1, org_id);
	ss_bind_text(st, 2, subject_id);
	ss_bind_int(st, 3, now_ms);
	if (ss_exec(st) != STORE_OK)
		return AUDIT_SHRED_ERROR;
	if (store_changes() > 0)
		return AUDIT_SHRED_DONE;
	if ((st = store_stmt(sql_data_key_any)) == NULL)
		return AUDIT_SHRED_ERROR;
	ss_bind_text(st, 1, org_id);
	ss_bind_text(st, 2, subject_id);
	rc = ss_step(st);
	ss_reset(st);
	if (rc == STORE_ROW)
		return AUDIT_SHRED_ALREADY;
	return rc == STORE_DONE ? AUDIT_SHRED_UNKNOWN : AUDIT_SHRED_ERROR;
}
