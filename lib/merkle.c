/* merkle.c -- streaming RFC 6962 tree hash and audit path (see merkle.h). */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "crypto.h"
#include "merkle.h"

#define MERKLE_MAX_LEAVES ((UINT64_C(1) << 63) - 1)

void
merkle_leaf_hash(uint8_t out[MERKLE_HASH_LEN], const uint8_t leaf[MERKLE_HASH_LEN])
{
	uint8_t in[1 + MERKLE_HASH_LEN];

	in[0] = 0x00;
	memcpy(in + 1, leaf, MERKLE_HASH_LEN);
	sha256(out, in, sizeof(in));
}

void
merkle_node_hash(uint8_t out[MERKLE_HASH_LEN], const uint8_t left[MERKLE_HASH_LEN],
    const uint8_t right[MERKLE_HASH_LEN])
{
	uint8_t in[1 + 2 * MERKLE_HASH_LEN];

	/* Copied first, so out may alias left or right. */
	in[0] = 0x01;
	memcpy(in + 1, left, MERKLE_HASH_LEN);
	memcpy(in + 1 + MERKLE_HASH_LEN, right, MERKLE_HASH_LEN);
	sha256(out, in, sizeof(in));
}

void
merkle_init(struct merkle *m, uint64_t proof_index)
{
	memset(m, 0, sizeof(*m));
	m->target = proof_index;
}

uint64_t
merkle_count(const struct merkle *m)
{
	return m->count;
}

static void
path_push(struct merkle_step *path, size_t *n, const uint8_t hash[MERKLE_HASH_LEN],
    enum merkle_side side)
{
	memcpy(path[*n].hash, hash, MERKLE_HASH_LEN);
	path[*n].side = side;
	(*n)++;
}

/*
 * The stack holds the perfect subtrees of the leaves so far, largest (and
 * leftmost) first, their sizes the binary digits of the count; adding a
 * leaf merges equal neighbours like a binary carry.  Every merge that
 * joins the subtree holding the target leaf with another contributes the
 * other as the next step of the audit path, so the path comes out leaf
 * level first, as RFC 6962 orders it.
 */
int
merkle_add(struct merkle *m, const uint8_t leaf[MERKLE_HASH_LEN])
{
	int l, r;

	if (m->count >= MERKLE_MAX_LEAVES)
		return -1;
	merkle_leaf_hash(m->stack[m->top], leaf);
	m->height[m->top] = 0;
	m->has_target[m->top] = m->count == m->target;
	m->top++;
	m->count++;
	while (m->top >= 2 && m->height[m->top - 1] == m->height[m->top - 2]) {
		l = m->top - 2;
		r = m->top - 1;
		if (m->has_target[l])
			path_push(m->path, &m->pathlen, m->stack[r], MERKLE_RIGHT);
		else if (m->has_target[r])
			path_push(m->path, &m->pathlen, m->stack[l], MERKLE_LEFT);
		merkle_node_hash(m->stack[l], m->stack[l], m->stack[r]);
		m->height[l]++;
		m->has_target[l] |= m->has_target[r];
		m->top--;
	}
	return 0;
}

/*
 * For a count that is not a power of two RFC 6962 splits at the largest
 * power of two below n, again and again on the right part: that is the
 * stack folded from its right end, each smaller right part hashed before
 * the larger subtree to its left joins it.
 */
int
merkle_final(const struct merkle *m, uint8_t root[MERKLE_HASH_LEN],
    struct merkle_step *path, size_t *pathlen)
{
	uint8_t h[MERKLE_HASH_LEN];
	size_t n = 0;
	int i, h_has_target;

	if (m->count == 0)
		return -1;
	if (m->target != MERKLE_NO_PROOF && m->target >= m->count)
		return -1;
	if (path != NULL) {
		n = m->pathlen;
		memcpy(path, m->path, n * sizeof(*path));
	}
	memcpy(h, m->stack[m->top - 1], MERKLE_HASH_LEN);
	h_has_target = m->has_target[m->top - 1];
	for (i = m->top - 2; i >= 0; i--) {
		if (path != NULL) {
			if (m->has_target[i])
				path_push(path, &n, h, MERKLE_RIGHT);
			else if (h_has_target)
				path_push(path, &n, m->stack[i], MERKLE_LEFT);
		}
		merkle_node_hash(h, m->stack[i], h);
		h_has_target |= m->has_target[i];
	}
	memcpy(root, h, MERKLE_HASH_LEN);
	if (pathlen != NULL)
		*pathlen = n;
	return 0;
}

int
merkle_verify(const uint8_t leaf[MERKLE_HASH_LEN], const struct merkle_step *path,
    size_t pathlen, const uint8_t root[MERKLE_HASH_LEN])
{
	uint8_t h[MERKLE_HASH_LEN];
	size_t i;

	if (pathlen > MERKLE_MAX_PATH)
		return 0;
	merkle_leaf_hash(h, leaf);
	for (i = 0; i < pathlen; i++) {
		if (path[i].side == MERKLE_LEFT)
			merkle_node_hash(h, path[i].hash, h);
		else if (path[i].side == MERKLE_RIGHT)
			merkle_node_hash(h, h, path[i].hash);
		else
			return 0;
	}
	return ct_equal(h, root, MERKLE_HASH_LEN);
}

const char *
merkle_side_name(enum merkle_side side)
{
	return side == MERKLE_LEFT ? "left" : "right";
}
