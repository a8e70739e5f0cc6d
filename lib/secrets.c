/* secrets.c -- instance secrets (01-auth.md §16.2). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "crypto.h"
#include "secrets.h"
#include "settings.h"

static const char *const file_names[SECRET__COUNT] = {
	"runtime_jwt.key", "m2m_hs256.key", "m2m_ed25519.key",
	"session_hash.key", "public_id.salt", "seal.key", "audit-master.key"
};

static struct secret secrets[SECRET__COUNT];

const char *
secret_file_name(enum secret_id id)
{
	return file_names[id];
}

const struct secret *
secret_get(enum secret_id id)
{
	return secrets[id].key != NULL ? &secrets[id] : NULL;
}

static const char *
secret_var(enum secret_id id)
{
	switch (id) {
	case SECRET_RUNTIME_JWT:    return cfg.runtime_jwt_secret_hex;
	case SECRET_M2M_HS256:      return cfg.m2m_jwt_secret_hex;
	case SECRET_M2M_ED25519:    return cfg.m2m_ed25519_seed_hex;
	case SECRET_SESSION_HASH:   return cfg.session_hash_secret_hex;
	case SECRET_PUBLIC_ID_SALT: return cfg.session_hash_salt_hex;
	case SECRET_SEAL:           return cfg.seal_key_hex;
	case SECRET_AUDIT_MASTER:   return cfg.audit_master_key_hex;
	default:                    return NULL;
	}
}

static int
store_hex(enum secret_id id, const char *hex, size_t n)
{
	uint8_t *k = sodium_malloc(n / 2);

	if (k == NULL)
		abort();
	if (hex_decode(k, n / 2, hex, n, 1) != (long)(n / 2)) {
		sodium_free(k);
		return -1;
	}
	if (secrets[id].key != NULL)
		sodium_free(secrets[id].key);
	secrets[id].key = k;
	secrets[id].len = n / 2;
	return 0;
}

static int
load_file(enum secret_id id, char *err, size_t errlen)
{
	char path[4096], text[SHA256_HEX_LEN + 2];
	struct stat st;
	ssize_t n;
	int fd, rc = -1;

	snprintf(path, sizeof(path), "%s/%s", cfg.data_dir, file_names[id]);
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: cannot open: %s (run rensei-admin "
		    "init or migrate)", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		goto out;
	}
	if (st.st_mode & 077) {
		snprintf(err, errlen, "%s: readable or writable by group or "
		    "others (mode %03o); chmod 600", path,
		    (unsigned)(st.st_mode & 0777));
		goto out;
	}
	n = read(fd, text, sizeof(text));
	if (n != SHA256_HEX_LEN + 1 || text[SHA256_HEX_LEN] != '\n' ||
	    !is_lower_hex(text, SHA256_HEX_LEN) ||
	    store_hex(id, text, SHA256_HEX_LEN) == -1) {
		snprintf(err, errlen, "%s: must hold 64 lowercase hex "
		    "characters and a newline", path);
		goto out;
	}
	rc = 0;
out:
	sodium_memzero(text, sizeof(text));
	close(fd);
	return rc;
}

int
secrets_load(unsigned mask, char *err, size_t errlen)
{
	for (int id = 0; id < SECRET__COUNT; id++) {
		const char *var;

		if (!(mask & SECRET_BIT(id)))
			continue;
		if (id == SECRET_M2M_HS256 && cfg.m2m_alg != M2M_HS256)
			continue;
		if (id == SECRET_M2M_ED25519 && cfg.m2m_alg != M2M_EDDSA)
			continue;
		var = secret_var((enum secret_id)id);
		if (var != NULL) {
			if (store_hex((enum secret_id)id, var, strlen(var)) == -1) {
				snprintf(err, errlen, "%s: bad hex", file_names[id]);
				return -1;
			}
			continue;
		}
		if (load_file((enum secret_id)id, err, errlen) == -1)
			return -1;
	}
	return 0;
}

/* 01-auth.md §16.2: temp file O_CREAT|O_EXCL mode 0600, fsync, link() to
 * the final name, so a crash never leaves a half-written secret and two
 * racing inits never both win. */
static int
create_one(const char *dir, enum secret_id id, char *err, size_t errlen)
{
	char path[4096], tmp[4200], hex[SHA256_HEX_LEN + 2];
	uint8_t key[32];
	int fd, rc = -1;

	snprintf(path, sizeof(path), "%s/%s", dir, file_names[id]);
	if (access(path, F_OK) == 0)
		return 0;
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	fd = open(tmp, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
	if (fd == -1) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	random_bytes(key, sizeof(key));
	hex_encode(hex, key, sizeof(key));
	hex[SHA256_HEX_LEN] = '\n';
	if (write(fd, hex, SHA256_HEX_LEN + 1) != SHA256_HEX_LEN + 1 ||
	    fsync(fd) == -1) {
		snprintf(err, errlen, "%s: write: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		goto out;
	}
	close(fd);
	if (link(tmp, path) == -1 && errno != EEXIST) {
		snprintf(err, errlen, "%s: link: %s", path, strerror(errno));
		unlink(tmp);
		goto out;
	}
	unlink(tmp);
	rc = 1;
out:
	sodium_memzero(key, sizeof(key));
	sodium_memzero(hex, sizeof(hex));
	return rc;
}

int
secrets_create_missing(const char *dir, char *err, size_t errlen)
{
	int made = 0, r;

	for (int id = 0; id < SECRET__COUNT; id++) {
		if ((r = create_one(dir, (enum secret_id)id, err, errlen)) == -1)
			return -1;
		made += r;
	}
	return made;
}

void
secrets_wipe(void)
{
	for (int id = 0; id < SECRET__COUNT; id++) {
		if (secrets[id].key != NULL)
			sodium_free(secrets[id].key);
		secrets[id].key = NULL;
		secrets[id].len = 0;
	}
}
