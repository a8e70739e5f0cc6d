/* t/unit/audit.c -- audit chain: vectors, append, verify, rotation,
 * crypto-shredding (09-audit.md §1-§4). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "arena.h"
#include "audit.h"
#include "buf.h"
#include "clock.h"
#include "crypto.h"
#include "json.h"
#include "store.h"

#define T0 INT64_C(1777649400123)   /* 2026-05-01T15:30:00.123Z */

static const char schema[] =
    "CREATE TABLE audit_keys (org_id TEXT NOT NULL, key_version INTEGER NOT"
    " NULL, kid TEXT NOT NULL UNIQUE, public_key BLOB NOT NULL, created_at"
    " INTEGER NOT NULL, revoked_at INTEGER, PRIMARY KEY (org_id,"
    " key_version)) STRICT;"
    "CREATE TABLE audit_events (org_id TEXT NOT NULL, seq INTEGER NOT NULL,"
    " id TEXT NOT NULL UNIQUE, event_type TEXT NOT NULL, occurred_at INTEGER"
    " NOT NULL, actor_type TEXT NOT NULL, actor_id TEXT NOT NULL,"
    " entity_type TEXT NOT NULL, entity_id TEXT, session_id TEXT, payload"
    " TEXT NOT NULL, prev_hash TEXT NOT NULL, signing_key_id TEXT NOT NULL,"
    " entry_hash TEXT NOT NULL, signature TEXT NOT NULL, PRIMARY KEY"
    " (org_id, seq)) STRICT, WITHOUT ROWID;"
    "CREATE TABLE audit_data_keys (id INTEGER PRIMARY KEY, org_id TEXT NOT"
    " NULL, subject_id TEXT NOT NULL, key_sealed BLOB, created_at INTEGER"
    " NOT NULL, shredded_at INTEGER) STRICT;"
    "CREATE UNIQUE INDEX audit_data_keys_live ON audit_data_keys(org_id,"
    " subject_id) WHERE key_sealed IS NOT NULL;";

static const char sql_event_row[] =
    "SELECT payload, signing_key_id, occurred_at, entity_id, event_type"
    " FROM audit_events WHERE org_id = ?1 AND seq = ?2";
static const char sql_event_all[] =
    "SELECT id, event_type, actor_type, actor_id, entity_type, entity_id,"
    " payload, prev_hash, signing_key_id FROM audit_events"
    " WHERE org_id = ?1 AND seq = ?2";
static const char sql_data_key_count[] =
    "SELECT count(*) FROM audit_data_keys";
static const char sql_key_row[] =
    "SELECT kid, revoked_at FROM audit_keys WHERE org_id = ?1"
    " AND key_version = ?2";
static const char sql_col_len[] =
    "SELECT length(CAST(id AS BLOB)), length(CAST(event_type AS BLOB)),"
    " length(CAST(actor_type AS BLOB)), length(CAST(actor_id AS BLOB)),"
    " length(CAST(entity_type AS BLOB)), length(CAST(entity_id AS BLOB)),"
    " length(CAST(session_id AS BLOB)), length(CAST(payload AS BLOB)),"
    " length(CAST(prev_hash AS BLOB)), length(CAST(signing_key_id AS BLOB)),"
    " length(CAST(entry_hash AS BLOB)), length(CAST(signature AS BLOB)),"
    " length(CAST(org_id AS BLOB))"
    " FROM audit_events WHERE org_id = 'org_acme' AND seq = 2";

static char dbpath[64];
static struct arena arena;

/* ------------------------------------------------------------- helpers */

static void
master_init(void)
{
	uint8_t master[AUDIT_MASTER_LEN];
	int i;

	for (i = 0; i < AUDIT_MASTER_LEN; i++)
		master[i] = (uint8_t)i;
	assert_int_equal(audit_init(master), 0);
}

static int
db_setup(void **state)
{
	int fd;

	master_init();
	snprintf(dbpath, sizeof(dbpath), "/tmp/rensei-audit-XXXXXX");
	fd = mkstemp(dbpath);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(store_open(dbpath, STORE_OPEN_CREATE), 0);
	assert_int_equal(store_exec(schema), STORE_OK);
	clock_set_fixed(T0);
	arena_init(&arena);
	assert_int_equal(store_begin_write(), STORE_OK);
	assert_int_equal(audit_key_create("org_acme", 1, T0, NULL), 0);
	assert_int_equal(audit_key_create("org_beta", 1, T0, NULL), 0);
	assert_int_equal(store_commit(), STORE_OK);
	return 0;
}

static int
db_teardown(void **state)
{
	char p[80];

	store_close();
	unlink(dbpath);
	snprintf(p, sizeof(p), "%s-wal", dbpath);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", dbpath);
	unlink(p);
	clock_set_fixed(0);
	arena_free(&arena);
	return 0;
}

/* Appends one api_key.revoked event to org in its own transaction. */
static void
append_plain(const char *org, const char *key_id)
{
	struct audit_event_in in;
	char id[AUDIT_EVENT_ID_LEN + 1];

	memset(&in, 0, sizeof(in));
	in.workspace_id = org;
	in.event_type = "api_key.revoked";
	in.actor_type = "user";
	in.actor_id = "usr_ada";
	in.entity_type = "api_key";
	in.entity_id = key_id;
	in.payload = json_object_new_object();
	json_object_object_add(in.payload, "keyPrefix",
	    json_object_new_string("rsk_live_e4f2"));
	json_object_object_add(in.payload, "keyId", json_object_new_string(key_id));
	assert_int_equal(store_begin_write(), STORE_OK);
	assert_int_equal(audit_append(&arena, &in, id), 0);
	assert_int_equal(store_commit(), STORE_OK);
	assert_int_equal(strlen(id), AUDIT_EVENT_ID_LEN);
	assert_memory_equal(id, "evt_", 4);
	json_object_put(in.payload);
}

/* Appends an event about a person carrying email, displayName and ip. */
static void
append_person(const char *org, const char *email, const char *display)
{
	struct audit_event_in in;
	char id[AUDIT_EVENT_ID_LEN + 1];

	memset(&in, 0, sizeof(in));
	in.workspace_id = org;
	in.event_type = "scim.user_created";
	in.actor_type = "system";
	in.actor_id = "scim_tok_1";
	in.entity_type = "user";
	in.entity_id = "usr_ada";
	in.payload = json_object_new_object();
	json_object_object_add(in.payload, "userId", json_object_new_string("usr_ada"));
	json_object_object_add(in.payload, "email", json_object_new_string(email));
	json_object_object_add(in.payload, "displayName",
	    json_object_new_string(display));
	json_object_object_add(in.payload, "ip", NULL);
	in.about_person = 1;
	in.person_email = email;
	in.person_user_id = "usr_ada";
	assert_int_equal(store_begin_write(), STORE_OK);
	assert_int_equal(audit_append(&arena, &in, id), 0);
	assert_int_equal(store_commit(), STORE_OK);
	json_object_put(in.payload);
}

static void
assert_chain_valid(const char *org, int64_t count)
{
	struct audit_verify_result res;

	assert_int_equal(audit_verify(org, 1, INT64_MAX, &res), 0);
	assert_int_equal(res.valid, 1);
	assert_int_equal(res.event_count, count);
	assert_int_equal(res.broken_at, 0);
	assert_int_equal(res.reason, AUDIT_BREAK_NONE);
	assert_int_equal(res.first_seq, count ? 1 : 0);
	assert_int_equal(res.last_seq, count);
}

/* Runs sql in a transaction, verifies org_acme inside it, rolls back. */
static void
assert_tamper_breaks(const char *sql, int64_t broken_at, enum audit_break why)
{
	struct audit_verify_result res;

	assert_int_equal(store_begin_write(), STORE_OK);
	assert_int_equal(store_exec(sql), STORE_OK);
	assert_int_equal(store_changes(), 1);
	assert_int_equal(audit_verify("org_acme", 1, INT64_MAX, &res), 0);
	store_rollback();
	if (res.valid || res.broken_at != broken_at ||
	    (why != AUDIT_BREAK_NONE && res.reason != why))
		fail_msg("%s: valid %d broken_at %lld reason %s", sql, res.valid,
		    (long long)res.broken_at,
		    audit_break_name(res.reason) ? audit_break_name(res.reason) :
		    "none");
}

/* A copy of the stored payload text of (org, seq). */
static char *
stored_payload(const char *org, int64_t seq)
{
	struct sstmt *st = store_stmt(sql_event_row);
	char *p;

	assert_non_null(st);
	ss_bind_text(st, 1, org);
	ss_bind_int(st, 2, seq);
	assert_int_equal(ss_step(st), STORE_ROW);
	p = arena_strdup(&arena, ss_text(st, 0));
	ss_reset(st);
	return p;
}

static const char *
revealed_string(struct json_object *o, const char *key)
{
	struct json_object *v;

	assert_true(json_object_object_get_ex(o, key, &v));
	assert_true(json_object_is_type(v, json_type_string));
	return json_object_get_string(v);
}

/* -------------------------------------------------- vectors (§2.5, §3) */

static const char vec_event[] =
    "{\"id\":\"evt_01JTESTAUDIT0000000000001\",\"workspaceId\":\"org_acme\","
    "\"sequenceNumber\":1,\"eventType\":\"api_key.revoked\",\"occurredAt\":"
    "\"2026-05-01T15:30:00.123Z\",\"actorType\":\"user\",\"actorId\":"
    "\"usr_ada\",\"entityType\":\"api_key\",\"entityId\":"
    "\"key_01JQ3Z8V6M2B7C4D5E6F7G8H9J\",\"sessionId\":null,\"payload\":"
    "{\"keyId\":\"key_01JQ3Z8V6M2B7C4D5E6F7G8H9J\",\"keyPrefix\":"
    "\"rsk_live_e4f2\"},\"prevHash\":"
    "\"0000000000000000000000000000000000000000000000000000000000000000\","
    "\"signingKeyId\":\"ask_p4migkdxj26rvh4rpthbgxypfk\",\"entryHash\":"
    "\"c6201c2f8b9afd01cd24188be3d7083267474db916f593bc2e1aa38cab801691\","
    "\"signature\":\"ed25519:kD0npszv8vJlEITLGqbJLH07Y4inbAnhu6G65TYxd0vRGW8b"
    "1ow5PTH5R0OQ5aHVT0PPARM2mT86agHmlCyBCQ\"}";

static void
vector_event(struct audit_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->id = "evt_01JTESTAUDIT0000000000001";
	ev->workspace_id = "org_acme";
	ev->seq = 1;
	ev->event_type = "api_key.revoked";
	ev->occurred_at = T0;
	ev->actor_type = "user";
	ev->actor_id = "usr_ada";
	ev->entity_type = "api_key";
	ev->entity_id = "key_01JQ3Z8V6M2B7C4D5E6F7G8H9J";
	ev->session_id = NULL;
	ev->payload = "{\"keyId\":\"key_01JQ3Z8V6M2B7C4D5E6F7G8H9J\","
	    "\"keyPrefix\":\"rsk_live_e4f2\"}";
	ev->prev_hash =
	    "0000000000000000000000000000000000000000000000000000000000000000";
	ev->signing_key_id = "ask_p4migkdxj26rvh4rpthbgxypfk";
}

static void
vector_key_of_org_acme_version_1(void **state)
{
	uint8_t pk[AUDIT_PUBKEY_LEN];
	char kid[AUDIT_KID_LEN + 1], x[64];

	master_init();
	assert_int_equal(audit_key_public("org_acme", 1, pk, kid), 0);
	b64url_encode(x, pk, sizeof(pk));
	assert_string_equal(x, "RHraRkFQ8fYTuW8Mmf0bvTVl-RHc-ITMig0a3JJexOU");
	assert_string_equal(kid, "ask_p4migkdxj26rvh4rpthbgxypfk");
	audit_kid(kid, pk);
	assert_string_equal(kid, "ask_p4migkdxj26rvh4rpthbgxypfk");
}

static void
vector_entry_hash(void **state)
{
	struct audit_event ev;
	char hash[AUDIT_HASH_HEX_LEN + 1];

	master_init();
	vector_event(&ev);
	assert_int_equal(audit_event_hash(&ev, hash), 0);
	assert_string_equal(hash,
	    "c6201c2f8b9afd01cd24188be3d7083267474db916f593bc2e1aa38cab801691");
}

static void
vector_digest_d(void **state)
{
	struct audit_event ev;
	uint8_t d[32];
	char hexd[65];

	master_init();
	vector_event(&ev);
	ev.entry_hash =
	    "c6201c2f8b9afd01cd24188be3d7083267474db916f593bc2e1aa38cab801691";
	assert_int_equal(audit_event_digest(&ev, d), 0);
	hex_encode(hexd, d, sizeof(d));
	assert_string_equal(hexd,
	    "5fd58d77390a2c3f38d581d974f24daf2296d55b03c18b1e66ceb44021c9bb2d");
}

static void
vector_signature_exact(void **state)
{
	struct audit_event ev;
	char hash[AUDIT_HASH_HEX_LEN + 1], sig[AUDIT_SIG_LEN + 1];

	master_init();
	vector_event(&ev);
	assert_int_equal(audit_event_hash(&ev, hash), 0);
	ev.entry_hash = hash;
	assert_int_equal(audit_event_sign(&ev, 1, sig), 0);
	assert_int_equal(strlen(sig), AUDIT_SIG_LEN);
	assert_string_equal(sig, "ed25519:kD0npszv8vJlEITLGqbJLH07Y4inbAnhu6G65"
	    "TYxd0vRGW8b1ow5PTH5R0OQ5aHVT0PPARM2mT86agHmlCyBCQ");
}

static void
vector_event_renders_in_wire_order(void **state)
{
	struct audit_event ev;
	struct buf b;
	struct jw w;

	vector_event(&ev);
	ev.entry_hash =
	    "c6201c2f8b9afd01cd24188be3d7083267474db916f593bc2e1aa38cab801691";
	ev.signature = "ed25519:kD0npszv8vJlEITLGqbJLH07Y4inbAnhu6G65TYxd0vRGW8b"
	    "1ow5PTH5R0OQ5aHVT0PPARM2mT86agHmlCyBCQ";
	buf_init(&b);
	jw_init(&w, &b);
	audit_event_render(&w, &ev);
	assert_string_equal(b.data, vec_event);
	buf_free(&b);
}

static void
event_jcs_sorts_members(void **state)
{
	struct audit_event ev;
	struct buf b;

	vector_event(&ev);
	ev.entry_hash = "e";
	ev.signature = "s";
	buf_init(&b);
	assert_int_equal(audit_event_jcs(&b, &ev, AUDIT_FORM_FULL), 0);
	assert_string_equal(b.data, "{\"actorId\":\"usr_ada\",\"actorType\":"
	    "\"user\",\"entityId\":\"key_01JQ3Z8V6M2B7C4D5E6F7G8H9J\","
	    "\"entityType\":\"api_key\",\"entryHash\":\"e\",\"eventType\":"
	    "\"api_key.revoked\",\"id\":\"evt_01JTESTAUDIT0000000000001\","
	    "\"occurredAt\":\"2026-05-01T15:30:00.123Z\",\"payload\":{\"keyId\":"
	    "\"key_01JQ3Z8V6M2B7C4D5E6F7G8H9J\",\"keyPrefix\":\"rsk_live_e4f2\"},"
	    "\"prevHash\":"
	    "\"0000000000000000000000000000000000000000000000000000000000000000\","
	    "\"sequenceNumber\":1,\"sessionId\":null,\"signature\":\"s\","
	    "\"signingKeyId\":\"ask_p4migkdxj26rvh4rpthbgxypfk\",\"workspaceId\":"
	    "\"org_acme\"}");
	buf_free(&b);
}

static void
event_jcs_rejects_non_ascii_member(void **state)
{
	struct audit_event ev;
	struct buf b;

	vector_event(&ev);
	ev.actor_id = "usr_\xc3\xa9";
	buf_init(&b);
	assert_int_equal(audit_event_jcs(&b, &ev, AUDIT_FORM_A), -1);
	buf_free(&b);
}

static void
subject_id_ignores_ascii_case(void **state)
{
	char a[AUDIT_SUBJECT_ID_LEN + 1], b[AUDIT_SUBJECT_ID_LEN + 1];
	char c[AUDIT_SUBJECT_ID_LEN + 1];

	master_init();
	assert_int_equal(audit_subject_id(a, "Ada@Example.COM", "usr_ada"), 0);
	assert_int_equal(audit_subject_id(b, "ada@example.com", NULL), 0);
	assert_int_equal(audit_subject_id(c, NULL, "usr_ada"), 0);
	assert_string_equal(a, b);
	assert_string_not_equal(a, c);
	assert_int_equal(strlen(a), AUDIT_SUBJECT_ID_LEN);
	assert_memory_equal(a, "sub_", 4);
	assert_true(is_lower_hex(a + 4, 32));
	assert_int_equal(audit_subject_id(c, NULL, NULL), -1);
}

static void
key_cache_eviction_keeps_keys_right(void **state)
{
	char kid[AUDIT_KID_LEN + 1], org[32];
	int i;

	master_init();
	for (i = 0; i < 100; i++) {
		snprintf(org, sizeof(org), "org_%d", i);
		assert_int_equal(audit_key_public(org, 1, NULL, kid), 0);
	}
	assert_int_equal(audit_key_public("org_acme", 1, NULL, kid), 0);
	assert_string_equal(kid, "ask_p4migkdxj26rvh4rpthbgxypfk");
	assert_int_equal(audit_key_public("org_acme", 0, NULL, kid), -1);
}

/* --------------------------------------------------- append and verify */

static void
append_three_events_verifies(void **state)
{
	struct sstmt *st;

	append_plain("org_acme", "key_1");
	append_plain("org_acme", "key_2");
	append_plain("org_acme", "key_3");
	assert_chain_valid("org_acme", 3);
	assert_chain_valid("org_beta", 0);

	st = store_stmt(sql_event_row);
	ss_bind_text(st, 1, "org_acme");
	ss_bind_int(st, 2, 3);
	assert_int_equal(ss_step(st), STORE_ROW);
	assert_string_equal(ss_text(st, 0),
	    "{\"keyId\":\"key_3\",\"keyPrefix\":\"rsk_live_e4f2\"}");
	assert_string_equal(ss_text(st, 1), "ask_p4migkdxj26rvh4rpthbgxypfk");
	assert_int_equal(ss_int(st, 2), T0);
	ss_reset(st);
}

static void
first_event_of_stored_chain_matches_vector_hash(void **state)
{
	struct audit_verify_result res;
	char sql[512];

	/* The stored row with the vector's id re-hashes to the vector's
	 * entryHash: what is stored is what the spec hashes. */
	append_plain("org_acme", "key_01JQ3Z8V6M2B7C4D5E6F7G8H9J");
	snprintf(sql, sizeof(sql), "UPDATE audit_events SET"
	    " id = 'evt_01JTESTAUDIT0000000000001', entry_hash ="
	    " 'c6201c2f8b9afd01cd24188be3d7083267474db916f593bc2e1aa38cab801691',"
	    " signature = 'ed25519:kD0npszv8vJlEITLGqbJLH07Y4inbAnhu6G65TYxd0vRGW"
	    "8b1ow5PTH5R0OQ5aHVT0PPARM2mT86agHmlCyBCQ' WHERE seq = 1");
	assert_int_equal(store_exec(sql), STORE_OK);
	assert_int_equal(audit_verify("org_acme", 1, INT64_MAX, &res), 0);
	assert_int_equal(res.valid, 1);
}

static void
append_outside_transaction_refused(void **state)
{
	struct audit_event_in in;
	char id[AUDIT_EVENT_ID_LEN + 1];

	memset(&in, 0, sizeof(in));
	in.workspace_id = "org_acme";
	in.event_type = "api_key.revoked";
	in.actor_type = "user";
	in.actor_id = "usr_ada";
	in.entity_type = "api_key";
	in.payload = json_object_new_object();
	assert_int_equal(audit_append(&arena, &in, id), -1);
	json_object_put(in.payload);
	assert_chain_valid("org_acme", 0);
}

static void
append_without_signing_key_refused(void **state)
{
	struct audit_event_in in;
	char id[AUDIT_EVENT_ID_LEN + 1];

	memset(&in, 0, sizeof(in));
	in.workspace_id = "org_nokey";
	in.event_type = "api_key.revoked";
	in.actor_type = "user";
	in.actor_id = "usr_ada";
	in.entity_type = "api_key";
	in.payload = json_object_new_object();
	assert_int_equal(store_begin_write(), STORE_OK);
	assert_int_equal(audit_append(&arena, &in, id), -1);
	store_rollback();
	json_object_put(in.payload);
}

static void
append_with_foreign_master_key_refused(void **state)
{
	struct audit_event_in in;
	uint8_t other[AUDIT_MASTER_LEN];
	char id[AUDIT_EVENT_ID_LEN + 1];

	memset(other, 0x55, sizeof(other));
	assert_int_equal(audit_init(other), 0);
	memset(&in, 0, sizeof(in));
	in.workspace_id = "org_acme";
	in.event_type = "api_key.revoked";
	in.actor_type = "user";
	in.actor_id = "usr_ada";
	in.entity_type = "api_key";
	in.payload = json_object_new_object();
	assert_int_equal(store_begin_write(), STORE_OK);
	assert_int_equal(audit_append(&arena, &in, id), -1);
	store_rollback();
	json_object_put(in.payload);
	master_init();
}

static void
occurred_at_never_decreases(void **state)
{
	struct sstmt *st;

	append_plain("org_acme", "key_1");
	clock_set_fixed(T0 - 60000);   /* the clock steps back */
	append_plain("org_acme", "key_2");
	st = store_stmt(sql_event_row);
	ss_bind_text(st, 1, "org_acme");
	ss_bind_int(st, 2, 2);
	assert_int_equal(ss_step(st), STORE_ROW);
	assert_int_equal(ss_int(st, 2), T0);
	ss_reset(st);
	assert_chain_valid("org_acme", 2);
}

/* Re-dates event seq of org_acme and signs it again with key version 1,
 * as only the holder of the signing key could. */
static void
resign_with_time(int64_t seq, int64_t occurred_at)
{
	struct audit_event ev;
	struct sstmt *st = store_stmt(sql_event_all);
	char hash[AUDIT_HASH_HEX_LEN + 1], sig[AUDIT_SIG_LEN + 1];

	ss_bind_text(st, 1, "org_acme");
	ss_bind_int(st, 2, seq);
	assert_int_equal(ss_step(st), STORE_ROW);
	memset(&ev, 0, sizeof(ev));
	ev.workspace_id = "org_acme";
	ev.seq = seq;
	ev.id = arena_strdup(&arena, ss_text(st, 0));
	ev.event_type = arena_strdup(&arena, ss_text(st, 1));
	ev.occurred_at = occurred_at;
	ev.actor_type = arena_strdup(&arena, ss_text(st, 2));
	ev.actor_id = arena_strdup(&arena, ss_text(st, 3));
	ev.entity_type = arena_strdup(&arena, ss_text(st, 4));
	ev.entity_id = arena_strdup(&arena, ss_text(st, 5));
	ev.session_id = NULL;
	ev.payload = arena_strdup(&arena, ss_text(st, 6));
	ev.prev_hash = arena_strdup(&arena, ss_text(st, 7));
	ev.signing_key_id = arena_strdup(&arena, ss_text(st, 8));
	ss_reset(st);
	assert_int_equal(audit_event_hash(&ev, hash), 0);
	ev.entry_hash = hash;
	assert_int_equal(audit_event_sign(&ev, 1, sig), 0);
	assert_int_equal(store_exec(arena_printf(&arena, "UPDATE audit_events"
	    " SET occurred_at = %lld, entry_hash = '%s', signature = '%s'"
	    " WHERE org_id = 'org_acme' AND seq = %lld", (long long)occurred_at,
	    hash, sig, (long long)seq)), STORE_OK);
}

static void
decreasing_occurred_at_breaks_chain(void **state)
{
	struct audit_verify_result res;

	append_plain("org_acme", "key_1");
	append_plain("org_acme", "key_2");
	resign_with_time(2, T0 + 1);
	assert_chain_valid("org_acme", 2);
	/* validly hashed and signed, but dated before its predecessor */
	resign_with_time(2, T0 - 1);
	assert_int_equal(audit_verify("org_acme", 1, INT64_MAX, &res), 0);
	assert_false(res.valid);
	assert_int_equal(res.broken_at, 2);
	assert_int_equal(res.reason, AUDIT_BREAK_TIME_REVERSED);
	assert_string_equal(audit_break_name(res.reason), "occurred_at_decreased");
}

static void
tampering_any_byte_of_any_text_column_breaks_chain(void **state)
{
	static const char *const cols[] = { "id", "event_type", "actor_type",
	    "actor_id", "entity_type", "entity_id", "session_id", "payload",
	    "prev_hash", "signing_key_id", "entry_hash", "signature", "org_id" };
	struct sstmt *st;
	int64_t len[13];
	char sql[512];
	size_t c;
	int64_t pos;

	append_plain("org_acme", "key_1");
	append_plain("org_acme", "key_2");
	append_plain("org_acme", "key_3");
	assert_int_equal(store_exec("UPDATE audit_events SET session_id = NULL"),
	    STORE_OK);
	st = store_stmt(sql_col_len);
	assert_int_equal(ss_step(st), STORE_ROW);
	for (c = 0; c < 13; c++)
		len[c] = ss_int(st, (int)c);
	ss_reset(st);

	for (c = 0; c < 13; c++) {
		for (pos = 1; pos <= len[c]; pos++) {
			snprintf(sql, sizeof(sql), "UPDATE audit_events SET %s ="
			    " substr(%s, 1, %lld) || CASE substr(%s, %lld, 1)"
			    " WHEN 'a' THEN 'b' ELSE 'a' END || substr(%s, %lld)"
			    " WHERE org_id = 'org_acme' AND seq = 2", cols[c],
			    cols[c], (long long)pos - 1, cols[c], (long long)pos,
			    cols[c], (long long)pos + 1);
			/* A row moved to another workspace leaves a gap at 3. */
			assert_tamper_breaks(sql, strcmp(cols[c], "org_id") == 0 ?
			    3 : 2, AUDIT_BREAK_NONE);
		}
	}
	assert_chain_valid("org_acme", 3);
}

static void
tampering_each_column_reports_its_reason(void **state)
{
	append_plain("org_acme", "key_1");
	append_plain("org_acme", "key_2");
	append_plain("org_acme", "key_3");
	assert_tamper_breaks("UPDATE audit_events SET seq = 9 WHERE seq = 2", 3,
	    AUDIT_BREAK_SEQUENCE_GAP);
	assert_tamper_breaks("UPDATE audit_events SET occurred_at ="
	    " occurred_at + 1 WHERE seq = 2", 2, AUDIT_BREAK_HASH_MISMATCH);
	assert_tamper_breaks("UPDATE audit_events SET occurred_at ="
	    " occurred_at + 256 WHERE seq = 2", 2, AUDIT_BREAK_HASH_MISMATCH);
	assert_tamper_breaks("UPDATE audit_events SET entity_id = NULL"
	    " WHERE seq = 2", 2, AUDIT_BREAK_HASH_MISMATCH);
	assert_tamper_breaks("UPDATE audit_events SET session_id = 'x'"
	    " WHERE seq = 2", 2, AUDIT_BREAK_HASH_MISMATCH);
	assert_tamper_breaks("UPDATE audit_events SET payload = payload || ' '"
	    " WHERE seq = 2", 2, AUDIT_BREAK_HASH_MISMATCH);
	assert_tamper_breaks("UPDATE audit_events SET payload ="
	    " replace(payload, ':', ': ') WHERE seq = 2", 2,
	    AUDIT_BREAK_HASH_MISMATCH);
	assert_tamper_breaks("UPDATE audit_events SET actor_id = actor_id ||"
	    " char(0) WHERE seq = 2", 2, AUDIT_BREAK_HASH_MISMATCH);
	assert_tamper_breaks("UPDATE audit_events SET prev_hash = prev_hash ||"
	    " char(0) WHERE seq = 2", 2, AUDIT_BREAK_PREV_HASH_MISMATCH);
	assert_tamper_breaks("UPDATE audit_events SET prev_hash ="
	    " '0000000000000000000000000000000000000000000000000000000000000000'"
	    " WHERE seq = 2", 2, AUDIT_BREAK_PREV_HASH_MISMATCH);
	assert_tamper_breaks("UPDATE audit_events SET entry_hash ="
	    " upper(entry_hash) WHERE seq = 2", 2, AUDIT_BREAK_HASH_MISMATCH);
	assert_tamper_breaks("UPDATE audit_events SET signature ="
	    " replace(signature, 'ed25519:', 'ed25518:') WHERE seq = 2", 2,
	    AUDIT_BREAK_BAD_SIGNATURE);
	assert_tamper_breaks("UPDATE audit_events SET signature = signature ||"
	    " 'A' WHERE seq = 2", 2, AUDIT_BREAK_BAD_SIGNATURE);
	assert_tamper_breaks("UPDATE audit_keys SET public_key ="
	    " (SELECT public_key FROM audit_keys WHERE org_id = 'org_beta')"
	    " WHERE org_id = 'org_acme'", 1, AUDIT_BREAK_UNKNOWN_KEY);
	assert_tamper_breaks("DELETE FROM audit_keys WHERE org_id = 'org_acme'",
	    1, AUDIT_BREAK_UNKNOWN_KEY);
	assert_chain_valid("org_acme", 3);
}

static void
deleted_row_breaks_chain(void **state)
{
	append_plain("org_acme", "key_1");
	append_plain("org_acme", "key_2");
	append_plain("org_acme", "key_3");
	assert_tamper_breaks("DELETE FROM audit_events WHERE seq = 2", 3,
	    AUDIT_BREAK_SEQUENCE_GAP);
	assert_tamper_breaks("DELETE FROM audit_events WHERE seq = 1", 2,
	    AUDIT_BREAK_SEQUENCE_GAP);
}

static void
swapped_rows_break_chain(void **state)
{
	struct audit_verify_result res;

	append_plain("org_acme", "key_1");
	append_plain("org_acme", "key_2");
	append_plain("org_acme", "key_3");
	assert_int_equal(store_begin_write(), STORE_OK);
	assert_int_equal(store_exec("UPDATE audit_events SET seq = 100 WHERE"
	    " seq = 2; UPDATE audit_events SET seq = 2 WHERE seq = 3;"
	    " UPDATE audit_events SET seq = 3 WHERE seq = 100"), STORE_OK);
	assert_int_equal(audit_verify("org_acme", 1, INT64_MAX, &res), 0);
	store_rollback();
	assert_false(res.valid);
	assert_int_equal(res.broken_at, 2);
	assert_int_equal(res.reason, AUDIT_BREAK_PREV_HASH_MISMATCH);
	assert_int_equal(res.event_count, 3);
	assert_int_equal(strlen(res.broken_entry_hash), AUDIT_HASH_HEX_LEN);
}

static void
inserted_row_breaks_chain(void **state)
{
	append_plain("org_acme", "key_1");
	append_plain("org_acme", "key_2");
	/* A copy of event 2 re-numbered as 3: linkage fails. */
	assert_tamper_breaks("INSERT INTO audit_events SELECT org_id, 3,"
	    " id || 'x', event_type, occurred_at, actor_type, actor_id,"
	    " entity_type, entity_id, session_id, payload, prev_hash,"
	    " signing_key_id, entry_hash, signature FROM audit_events"
	    " WHERE seq = 2", 3, AUDIT_BREAK_PREV_HASH_MISMATCH);
}

static void
partial_range_links_to_stored_predecessor(void **state)
{
	struct audit_verify_result res;

	append_plain("org_acme", "key_1");
	append_plain("org_acme", "key_2");
	append_plain("org_acme", "key_3");
	assert_int_equal(audit_verify("org_acme", 2, 3, &res), 0);
	assert_true(res.valid);
	assert_int_equal(res.event_count, 2);
	assert_int_equal(res.first_seq, 2);
	assert_int_equal(res.last_seq, 3);
	assert_int_equal(audit_verify("org_acme", 3, 3, &res), 0);
	assert_true(res.valid);
	assert_int_equal(res.event_count, 1);
}

static int
collect_results(const char *org, const struct audit_verify_result *res,
    void *arg)
{
	struct buf *b = arg;

	buf_printf(b, "%s:%d:%lld:%lld;", org, res->valid,
	    (long long)res->event_count, (long long)res->broken_at);
	return 0;
}

static void
verify_all_reports_each_workspace(void **state)
{
	struct buf b;

	append_plain("org_acme", "key_1");
	append_plain("org_acme", "key_2");
	append_plain("org_beta", "key_3");
	assert_int_equal(store_exec("UPDATE audit_events SET actor_id = 'usr_eve'"
	    " WHERE org_id = 'org_beta'"), STORE_OK);
	buf_init(&b);
	assert_int_equal(audit_verify_all(collect_results, &b), 0);
	assert_string_equal(b.data, "org_acme:1:2:0;org_beta:0:1:1;");
	buf_free(&b);
}

/* ------------------------------------------------------------ rotation */

static void
rotate_key_then_append_signed_by_version_2(void **state)
{
	struct sstmt *st;
	char kid1[AUDIT_KID_LEN + 1], kid2[AUDIT_KID_LEN + 1];
	char *payload;
	int64_t version = 0;

	append_plain("org_acme", "key_1");
	append_plain("org_acme", "key_2");
	assert_int_equal(audit_key_public("org_acme", 1, NULL, kid1), 0);

	assert_int_equal(store_begin_write(), STORE_OK);
	assert_int_equal(audit_rotate_key(&arena, "org_acme", "system", "cli",
	    kid2, &version), 0);
	assert_int_equal(store_commit(), STORE_OK);
	assert_int_equal(version, 2);
	assert_string_not_equal(kid1, kid2);

	/* Old key revoked at max(now, last occurredAt + 1): clock is fixed
	 * at T0, the last event at T0, so T0 + 1. */
	st = store_stmt(sql_key_row);
	ss_bind_text(st, 1, "org_acme");
	ss_bind_int(st, 2, 1);
	assert_int_equal(ss_step(st), STORE_ROW);
	assert_int_equal(ss_int(st, 1), T0 + 1);
	ss_reset(st);
	ss_bind_text(st, 1, "org_acme");
	ss_bind_int(st, 2, 2);
	assert_int_equal(ss_step(st), STORE_ROW);
	assert_string_equal(ss_text(st, 0), kid2);
	assert_true(ss_is_null(st, 1));
	ss_reset(st);

	append_plain("org_acme", "key_3");
	assert_chain_valid("org_acme", 4);

	st = store_stmt(sql_event_row);
	ss_bind_text(st, 1, "org_acme");
	ss_bind_int(st, 2, 3);
	assert_int_equal(ss_step(st), STORE_ROW);
	assert_string_equal(ss_text(st, 1), kid2);
	assert_string_equal(ss_text(st, 3), kid2);
	assert_string_equal(ss_text(st, 4), "audit.key_rotated");
	ss_reset(st);
	payload = stored_payload("org_acme", 3);
	assert_int_equal(strcmp(payload, arena_printf(&arena, "{\"keyVersion\":2,"
	    "\"kid\":\"%s\",\"previousKid\":\"%s\"}", kid2, kid1)), 0);

	ss_bind_text(st, 1, "org_acme");
	ss_bind_int(st, 2, 4);
	assert_int_equal(ss_step(st), STORE_ROW);
	assert_string_equal(ss_text(st, 1), kid2);
	ss_reset(st);
	ss_bind_text(st, 1, "org_acme");
	ss_bind_int(st, 2, 2);
	assert_int_equal(ss_step(st), STORE_ROW);
	assert_string_equal(ss_text(st, 1), kid1);
	ss_reset(st);
}

static void
revoked_key_signature_after_revocation_rejected(void **state)
{
	append_plain("org_acme", "key_1");
	append_plain("org_acme", "key_2");
	/* revoked_at must be after occurredAt; equal is already too late */
	assert_tamper_breaks(arena_printf(&arena, "UPDATE audit_keys SET"
	    " revoked_at = %lld WHERE org_id = 'org_acme'", (long long)T0), 1,
	    AUDIT_BREAK_REVOKED_KEY);
	assert_int_equal(store_exec(arena_printf(&arena, "UPDATE audit_keys SET"
	    " revoked_at = %lld WHERE org_id = 'org_acme'", (long long)T0 + 1)),
	    STORE_OK);
	assert_chain_valid("org_acme", 2);
}

static void
revoked_key_never_signs_again(void **state)
{
	struct audit_event_in in;
	char id[AUDIT_EVENT_ID_LEN + 1];

	assert_int_equal(store_exec("UPDATE audit_keys SET revoked_at = 1"),
	    STORE_OK);
	memset(&in, 0, sizeof(in));
	in.workspace_id = "org_acme";
	in.event_type = "api_key.revoked";
	in.actor_type = "user";
	in.actor_id = "usr_ada";
	in.entity_type = "api_key";
	in.payload = json_object_new_object();
	assert_int_equal(store_begin_write(), STORE_OK);
	assert_int_equal(audit_append(&arena, &in, id), -1);
	store_rollback();
	json_object_put(in.payload);
}

static void
rotate_without_transaction_refused(void **state)
{
	char kid[AUDIT_KID_LEN + 1];
	int64_t v;

	assert_int_equal(audit_rotate_key(&arena, "org_acme", "system", "cli",
	    kid, &v), -1);
}

static int
render_keys(const struct audit_key_info *k, void *arg)
{
	struct jw *w = arg;

	audit_key_render_jwk(w, k);
	return 0;
}

static void
keys_render_as_jwk_in_version_order(void **state)
{
	struct buf b;
	struct jw w;
	uint8_t pk2[AUDIT_PUBKEY_LEN];
	char kid2[AUDIT_KID_LEN + 1], x2[64];
	int64_t v;

	assert_int_equal(store_begin_write(), STORE_OK);
	assert_int_equal(audit_rotate_key(&arena, "org_acme", "system", "cli",
	    kid2, &v), 0);
	assert_int_equal(store_commit(), STORE_OK);
	assert_int_equal(audit_key_public("org_acme", 2, pk2, NULL), 0);
	b64url_encode(x2, pk2, sizeof(pk2));
	buf_init(&b);
	jw_init(&w, &b);
	jw_arr_open(&w);
	assert_int_equal(audit_keys_foreach("org_acme", render_keys, &w), 0);
	jw_arr_close(&w);
	/* no events yet: version 1 is revoked at now = T0 */
	assert_string_equal(b.data, arena_printf(&arena, "[{\"kty\":\"OKP\","
	    "\"crv\":\"Ed25519\",\"alg\":\"EdDSA\",\"use\":\"sig\",\"kid\":"
	    "\"ask_p4migkdxj26rvh4rpthbgxypfk\",\"x\":"
	    "\"RHraRkFQ8fYTuW8Mmf0bvTVl-RHc-ITMig0a3JJexOU\","
	    "\"rensei:workspace_id\":\"org_acme\",\"rensei:key_version\":1,"
	    "\"rensei:created_at\":\"2026-05-01T15:30:00.123Z\","
	    "\"rensei:revoked_at\":\"2026-05-01T15:30:00.123Z\"},"
	    "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"alg\":\"EdDSA\",\"use\":"
	    "\"sig\",\"kid\":\"%s\",\"x\":\"%s\",\"rensei:workspace_id\":"
	    "\"org_acme\",\"rensei:key_version\":2,\"rensei:created_at\":"
	    "\"2026-05-01T15:30:00.123Z\",\"rensei:revoked_at\":null}]", kid2, x2));
	buf_free(&b);
}

/* --------------------------------------------------------- the payload */

static void
payload_strings_folded_before_storing(void **state)
{
	struct audit_event_in in;
	char id[AUDIT_EVENT_ID_LEN + 1], *p;
	struct sstmt *st;

	memset(&in, 0, sizeof(in));
	in.workspace_id = "org_acme";
	in.event_type = "workflow.deployed";
	in.actor_type = "user";
	in.actor_id = "usr_ada";
	in.entity_type = "workflow_deployment";
	in.entity_id = "Caf\xc3\xa9";
	in.payload = json_object_new_object();
	json_object_object_add(in.payload, "name",
	    json_object_new_string("Caf\xc3\xa9"));
	json_object_object_add(in.payload, "version", json_object_new_int(3));
	assert_int_equal(store_begin_write(), STORE_OK);
	assert_int_equal(audit_append(&arena, &in, id), 0);
	assert_int_equal(store_commit(), STORE_OK);
	json_object_put(in.payload);

	p = stored_payload("org_acme", 1);
	assert_string_equal(p, "{\"name\":\"Caf\\\\u00e9\",\"version\":3}");
	st = store_stmt(sql_event_row);
	ss_bind_text(st, 1, "org_acme");
	ss_bind_int(st, 2, 1);
	assert_int_equal(ss_step(st), STORE_ROW);
	assert_string_equal(ss_text(st, 3), "Caf\\u00e9");
	ss_reset(st);
	assert_chain_valid("org_acme", 1);
}

static void
long_array_keeps_100_entries_and_counts_omitted(void **state)
{
	struct audit_event_in in;
	struct json_object *arr, *stored, *v;
	char id[AUDIT_EVENT_ID_LEN + 1], *p, name[16];
	int i;

	memset(&in, 0, sizeof(in));
	in.workspace_id = "org_acme";
	in.event_type = "member.removed";
	in.actor_type = "user";
	in.actor_id = "usr_ada";
	in.entity_type = "member";
	in.entity_id = "usr_bob";
	in.payload = json_object_new_object();
	arr = json_object_new_array();
	for (i = 0; i < 130; i++) {
		snprintf(name, sizeof(name), "key_%d", i);
		json_object_array_add(arr, json_object_new_string(name));
	}
	json_object_object_add(in.payload, "revokedKeyIds", arr);
	json_object_object_add(in.payload, "removedProjectIds",
	    json_object_new_array());
	assert_int_equal(store_begin_write(), STORE_OK);
	assert_int_equal(audit_append(&arena, &in, id), 0);
	assert_int_equal(store_commit(), STORE_OK);
	/* the caller's object is borrowed, never modified */
	assert_int_equal(json_object_array_length(arr), 130);
	json_object_put(in.payload);

	p = stored_payload("org_acme", 1);
	assert_int_equal(json_parse_strict(p, strlen(p), JSON_MAX_DEPTH, &stored),
	    JSON_OK);
	assert_true(json_object_object_get_ex(stored, "revokedKeyIds", &v));
	assert_int_equal(json_object_array_length(v), 100);
	assert_string_equal(json_object_get_string(
	    json_object_array_get_idx(v, 99)), "key_99");
	assert_true(json_object_object_get_ex(stored, "revokedKeyIdsOmitted", &v));
	assert_int_equal(json_object_get_int64(v), 30);
	assert_false(json_object_object_get_ex(stored, "removedProjectIdsOmitted",
	    NULL));
	json_object_put(stored);
	assert_chain_valid("org_acme", 1);
}

static void
payload_over_16_kib_refused(void **state)
{
	struct audit_event_in in;
	char id[AUDIT_EVENT_ID_LEN + 1], *big;

	big = arena_alloc(&arena, AUDIT_PAYLOAD_MAX + 1);
	memset(big, 'x', AUDIT_PAYLOAD_MAX);
	memset(&in, 0, sizeof(in));
	in.workspace_id = "org_acme";
	in.event_type = "repo.added";
	in.actor_type = "user";
	in.actor_id = "usr_ada";
	in.entity_type = "repo";
	in.payload = json_object_new_object();
	json_object_object_add(in.payload, "url", json_object_new_string(big));
	assert_int_equal(store_begin_write(), STORE_OK);
	assert_int_equal(audit_append(&arena, &in, id), -1);
	store_rollback();
	json_object_put(in.payload);
}

static void
payload_with_fraction_refused(void **state)
{
	struct audit_event_in in;
	char id[AUDIT_EVENT_ID_LEN + 1];

	memset(&in, 0, sizeof(in));
	in.workspace_id = "org_acme";
	in.event_type = "repo.added";
	in.actor_type = "user";
	in.actor_id = "usr_ada";
	in.entity_type = "repo";
	in.payload = json_object_new_object();
	json_object_object_add(in.payload, "share", json_object_new_double(0.42));
	assert_int_equal(store_begin_write(), STORE_OK);
	assert_int_equal(audit_append(&arena, &in, id), -1);
	store_rollback();
	json_object_object_add(in.payload, "share",
	    json_object_new_int64(INT64_C(9007199254740992)));
	assert_int_equal(store_begin_write(), STORE_OK);
	assert_int_equal(audit_append(&arena, &in, id), -1);
	store_rollback();
	json_object_put(in.payload);
	assert_chain_valid("org_acme", 0);
}

/* -------------------------------------------------- personal data (§4.3) */

static void
sealed_email_decrypts_with_data_key(void **state)
{
	struct json_object *stored, *revealed, *v, *m;
	char subject[AUDIT_SUBJECT_ID_LEN + 1], *p;

	append_person("org_acme", "Ada@Example.com", "Zo\xc3\xab");
	p = stored_payload("org_acme", 1);
	/* Whole values: a two-letter probe ("Zo") turns up by chance in
	 * base64 ciphertext about once in forty runs. */
	assert_null(strstr(p, "Example"));
	assert_null(strstr(p, "Zo\xc3\xab"));
	assert_null(strstr(p, "Zo\\u00eb"));   /* as JCS would escape it */
	assert_int_equal(json_parse_strict(p, strlen(p), JSON_MAX_DEPTH, &stored),
	    JSON_OK);
	assert_true(json_object_object_get_ex(stored, "email", &v));
	assert_true(json_object_object_get_ex(v, "sealed", &m));
	assert_string_equal(json_object_get_string(m), "secretbox-v1");
	assert_true(json_object_object_get_ex(v, "subjectId", &m));
	assert_int_equal(audit_subject_id(subject, "ada@example.com", NULL), 0);
	assert_string_equal(json_object_get_string(m), subject);
	assert_true(json_object_object_get_ex(v, "nonce", &m));
	assert_int_equal(json_object_get_string_len(m), 32);
	/* null stays null */
	assert_true(json_object_object_get_ex(stored, "ip", &v));
	assert_null(v);
	json_object_put(stored);

	revealed = audit_payload_reveal("org_acme", p, strlen(p));
	assert_non_null(revealed);
	assert_string_equal(revealed_string(revealed, "email"), "Ada@Example.com");
	/* the plaintext is the value before folding */
	assert_string_equal(revealed_string(revealed, "displayName"),
	    "Zo\xc3\xab");
	assert_string_equal(revealed_string(revealed, "userId"), "usr_ada");
	json_object_put(revealed);
	assert_chain_valid("org_acme", 1);
}

static void
shredded_email_reads_shredded_and_chain_still_verifies(void **state)
{
	struct json_object *revealed;
	char subject[AUDIT_SUBJECT_ID_LEN + 1], *p1, *p2;

	append_person("org_acme", "ada@example.com", "Ada");
	assert_int_equal(audit_subject_id(subject, "ada@example.com", NULL), 0);
	assert_int_equal(store_begin_write(), STORE_OK);
	assert_int_equal(audit_data_key_shred("org_acme", subject, T0),
	    AUDIT_SHRED_DONE);
	assert_int_equal(store_commit(), STORE_OK);

	p1 = stored_payload("org_acme", 1);
	revealed = audit_payload_reveal("org_acme", p1, strlen(p1));
	assert_string_equal(revealed_string(revealed, "email"), "[shredded]");
	assert_string_equal(revealed_string(revealed, "displayName"),
	    "[shredded]");
	json_object_put(revealed);
	assert_chain_valid("org_acme", 1);

	assert_int_equal(store_begin_write(), STORE_OK);
	assert_int_equal(audit_data_key_shred("org_acme", subject, T0),
	    AUDIT_SHRED_ALREADY);
	assert_int_equal(audit_data_key_shred("org_acme", "sub_nobody", T0),
	    AUDIT_SHRED_UNKNOWN);
	store_rollback();

	/* A later event gets a fresh key; the old value stays unreadable. */
	append_person("org_acme", "ada@example.com", "Ada");
	p2 = stored_payload("org_acme", 2);
	revealed = audit_payload_reveal("org_acme", p2, strlen(p2));
	assert_string_equal(revealed_string(revealed, "email"), "ada@example.com");
	json_object_put(revealed);
	revealed = audit_payload_reveal("org_acme", p1, strlen(p1));
	assert_string_equal(revealed_string(revealed, "email"), "[shredded]");
	json_object_put(revealed);
	assert_chain_valid("org_acme", 2);
}

static void
data_key_deleted_row_reads_shredded(void **state)
{
	struct json_object *revealed;
	char *p;

	append_person("org_acme", "ada@example.com", "Ada");
	assert_int_equal(store_exec("DELETE FROM audit_data_keys"), STORE_OK);
	p = stored_payload("org_acme", 1);
	revealed = audit_payload_reveal("org_acme", p, strlen(p));
	assert_string_equal(revealed_string(revealed, "email"), "[shredded]");
	json_object_put(revealed);
	assert_chain_valid("org_acme", 1);
}

static void
data_key_is_per_workspace_and_subject(void **state)
{
	struct json_object *revealed;
	struct sstmt *st;
	char *p;

	append_person("org_acme", "ada@example.com", "Ada");
	append_person("org_acme", "ADA@example.com", "Ada");
	append_person("org_beta", "ada@example.com", "Ada");
	append_person("org_acme", "bob@example.com", "Bob");
	/* one key for (acme, ada), one for (beta, ada), one for (acme, bob) */
	st = store_stmt(sql_data_key_count);
	assert_int_equal(ss_step(st), STORE_ROW);
	assert_int_equal(ss_int(st, 0), 3);
	ss_reset(st);
	/* a sealed value names its subject; another workspace's key for the
	 * same subject does not open it */
	p = stored_payload("org_acme", 1);
	revealed = audit_payload_reveal("org_beta", p, strlen(p));
	assert_string_equal(revealed_string(revealed, "email"), "[shredded]");
	json_object_put(revealed);
}

static void
group_event_display_name_stays_unsealed(void **state)
{
	struct audit_event_in in;
	char id[AUDIT_EVENT_ID_LEN + 1];

	memset(&in, 0, sizeof(in));
	in.workspace_id = "org_acme";
	in.event_type = "scim.group_created";
	in.actor_type = "system";
	in.actor_id = "workos";
	in.entity_type = "team";
	in.entity_id = "team_1";
	in.payload = json_object_new_object();
	json_object_object_add(in.payload, "displayName",
	    json_object_new_string("Engineers"));
	in.about_person = 0;
	assert_int_equal(store_begin_write(), STORE_OK);
	assert_int_equal(audit_append(&arena, &in, id), 0);
	assert_int_equal(store_commit(), STORE_OK);
	json_object_put(in.payload);
	assert_string_equal(stored_payload("org_acme", 1),
	    "{\"displayName\":\"Engineers\"}");
}

static void
person_event_without_subject_refused(void **state)
{
	struct audit_event_in in;
	char id[AUDIT_EVENT_ID_LEN + 1];

	memset(&in, 0, sizeof(in));
	in.workspace_id = "org_acme";
	in.event_type = "member.joined";
	in.actor_type = "user";
	in.actor_id = "usr_ada";
	in.entity_type = "member";
	in.payload = json_object_new_object();
	json_object_object_add(in.payload, "email",
	    json_object_new_string("a@b.c"));
	in.about_person = 1;
	assert_int_equal(store_begin_write(), STORE_OK);
	assert_int_equal(audit_append(&arena, &in, id), -1);
	store_rollback();
	json_object_put(in.payload);
}

static void
user_without_email_sealed_under_user_id(void **state)
{
	struct audit_event_in in;
	struct json_object *stored, *v, *m;
	char id[AUDIT_EVENT_ID_LEN + 1], subject[AUDIT_SUBJECT_ID_LEN + 1], *p;

	memset(&in, 0, sizeof(in));
	in.workspace_id = "org_acme";
	in.event_type = "auth.login";
	in.actor_type = "user";
	in.actor_id = "usr_ada";
	in.entity_type = "user";
	in.entity_id = "usr_ada";
	in.payload = json_object_new_object();
	json_object_object_add(in.payload, "ip",
	    json_object_new_string("192.0.2.1"));
	in.about_person = 1;
	in.person_user_id = "usr_ada";
	assert_int_equal(store_begin_write(), STORE_OK);
	assert_int_equal(audit_append(&arena, &in, id), 0);
	assert_int_equal(store_commit(), STORE_OK);
	json_object_put(in.payload);
	p = stored_payload("org_acme", 1);
	assert_int_equal(json_parse_strict(p, strlen(p), JSON_MAX_DEPTH, &stored),
	    JSON_OK);
	assert_true(json_object_object_get_ex(stored, "ip", &v));
	assert_true(json_object_object_get_ex(v, "subjectId", &m));
	assert_int_equal(audit_subject_id(subject, NULL, "usr_ada"), 0);
	assert_string_equal(json_object_get_string(m), subject);
	json_object_put(stored);
}

#define DB_TEST(f) cmocka_unit_test_setup_teardown(f, db_setup, db_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(vector_key_of_org_acme_version_1),
		cmocka_unit_test(vector_entry_hash),
		cmocka_unit_test(vector_digest_d),
		cmocka_unit_test(vector_signature_exact),
		cmocka_unit_test(vector_event_renders_in_wire_order),
		cmocka_unit_test(event_jcs_sorts_members),
		cmocka_unit_test(event_jcs_rejects_non_ascii_member),
		cmocka_unit_test(subject_id_ignores_ascii_case),
		cmocka_unit_test(key_cache_eviction_keeps_keys_right),
		DB_TEST(append_three_events_verifies),
		DB_TEST(first_event_of_stored_chain_matches_vector_hash),
		DB_TEST(append_outside_transaction_refused),
		DB_TEST(append_without_signing_key_refused),
		DB_TEST(append_with_foreign_master_key_refused),
		DB_TEST(occurred_at_never_decreases),
		DB_TEST(decreasing_occurred_at_breaks_chain),
		DB_TEST(tampering_any_byte_of_any_text_column_breaks_chain),
		DB_TEST(tampering_each_column_reports_its_reason),
		DB_TEST(deleted_row_breaks_chain),
		DB_TEST(swapped_rows_break_chain),
		DB_TEST(inserted_row_breaks_chain),
		DB_TEST(partial_range_links_to_stored_predecessor),
		DB_TEST(verify_all_reports_each_workspace),
		DB_TEST(rotate_key_then_append_signed_by_version_2),
		DB_TEST(revoked_key_signature_after_revocation_rejected),
		DB_TEST(revoked_key_never_signs_again),
		DB_TEST(rotate_without_transaction_refused),
		DB_TEST(keys_render_as_jwk_in_version_order),
		DB_TEST(payload_strings_folded_before_storing),
		DB_TEST(long_array_keeps_100_entries_and_counts_omitted),
		DB_TEST(payload_over_16_kib_refused),
		DB_TEST(payload_with_fraction_refused),
		DB_TEST(sealed_email_decrypts_with_data_key),
		DB_TEST(shredded_email_reads_shredded_and_chain_still_verifies),
		DB_TEST(data_key_deleted_row_reads_shredded),
		DB_TEST(data_key_is_per_workspace_and_subject),
		DB_TEST(group_event_display_name_stays_unsealed),
		DB_TEST(person_event_without_subject_refused),
		DB_TEST(user_without_email_sealed_under_user_id),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
