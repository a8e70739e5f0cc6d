/*
 * extern.h -- helpers private to the domain modules (tenancy.c, cred.c and
 * the modules of later route groups).  Not part of any public interface.
 */
#ifndef RENSEI_EXTERN_H
#define RENSEI_EXTERN_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "arena.h"
#include "json.h"
#include "store.h"
#include "tenancy.h"

/*
 * Portable SQL for "the column's value is an element of the JSON string
 * array bound as parameter P" (NULL = no filter).  00-overview.md §2 keeps
 * domain SQL to what SQLite and PostgreSQL share, so no json_each: the
 * array text is searched for the quoted value with LIKE (both dialects;
 * '_' in the value escaped).  Only for values without '"', '\\' or '%'
 * (ids and slugs), which JSON writes verbatim.
 */
#define SQL_IN_JSON_LIST(param, col) \
	"(" param " IS NULL OR " param " LIKE '%\"' || replace(" col \
	", '_', '\\_') || '\"%' ESCAPE '\\')"

/* Appends one audit event for the change in hand (inside the caller's
 * write transaction) and releases payload.  person_*: the person the
 * event is about, whose email/displayName/ip members are sealed. */
int  dom_event(struct arena *a, const struct actor *who, const char *org_id,
               const char *type, const char *entity_type,
               const char *entity_id, struct json_object *payload,
               const char *person_email, const char *person_user_id)
	__attribute__((warn_unused_result));
/* A JSON string, or NULL (json null) for NULL. */
struct json_object *dom_jstr(const char *s);
/* ISO-8601 string of a ms time, or null for 0. */
struct json_object *dom_jtime(int64_t ms);
/* prefix + ULID in the arena. */
const char *dom_new_id(struct arena *a, const char *prefix);
/* Nullable columns copied into the arena / read as 0. */
const char *dom_col_text(struct arena *a, struct sstmt *st, int col);
int64_t     dom_col_int(struct sstmt *st, int col);
/* "name is required" for NULL or "", "name must be a string of 1-<max>
 * characters" (bytes) when longer: DOM_INVALID with err set, else DOM_OK. */
enum dom_rc dom_check_name(struct arena *a, const char *name, size_t max,
                           struct dom_err *err);

#endif
