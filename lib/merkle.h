/*
 * merkle.h -- RFC 6962 §2.1 Merkle tree hash and inclusion proof over a
 * stream of 32-byte leaves (09-audit.md §2.4).
 *
 * Leaves arrive one at a time in ascending order (a caller feeds them
 * straight from a SQL cursor over entry_hash), and the state holds one
 * hash per level of the binary representation of the count -- at most
 * ceil(log2 n) + 1 subtree hashes -- so a route never holds n hashes.
 * The audit path of one chosen leaf is collected during the same pass.
 *
 *	struct merkle m;
 *	merkle_init(&m, index);            (or MERKLE_NO_PROOF)
 *	while (row) merkle_add(&m, leaf);
 *	merkle_final(&m, root, path, &pathlen);
 */
#ifndef RENSEI_MERKLE_H
#define RENSEI_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#define MERKLE_WUR __attribute__((warn_unused_result))

#define MERKLE_HASH_LEN  32
#define MERKLE_MAX_PATH  63          /* a tree of < 2^63 leaves */
#define MERKLE_NO_PROOF  UINT64_MAX  /* merkle_init: root only */

enum merkle_side {
	MERKLE_LEFT,    /* the sibling is on the left: h = H(0x01 || sib || h) */
	MERKLE_RIGHT    /* the sibling is on the right: h = H(0x01 || h || sib) */
};

struct merkle_step {
	uint8_t          hash[MERKLE_HASH_LEN];
	enum merkle_side side;
};

/* Treat as opaque; sized for any count below 2^63. */
struct merkle {
	uint8_t            stack[MERKLE_MAX_PATH + 1][MERKLE_HASH_LEN];
	uint8_t            height[MERKLE_MAX_PATH + 1];   /* subtree of 2^h leaves */
	uint8_t            has_target[MERKLE_MAX_PATH + 1];
	int                top;         /* entries in use */
	uint64_t           count;       /* leaves added */
	uint64_t           target;      /* leaf index whose path is collected */
	struct merkle_step path[MERKLE_MAX_PATH];
	size_t             pathlen;     /* steps collected so far */
};

/* Starts a tree; the audit path of leaf `proof_index` (0-based) is
 * collected, or none with MERKLE_NO_PROOF. */
void merkle_init(struct merkle *m, uint64_t proof_index);

/* Adds the next leaf (its 32 data bytes, not yet hashed).  Returns 0, or
 * -1 when the tree already holds 2^63 - 1 leaves. */
int  merkle_add(struct merkle *m, const uint8_t leaf[MERKLE_HASH_LEN]) MERKLE_WUR;

/* Leaves added so far. */
uint64_t merkle_count(const struct merkle *m);

/* Writes the root of the leaves added so far.  When a proof was asked for
 * and path is not NULL, writes its audit path, leaf level first, to
 * path[0..*pathlen) (room for MERKLE_MAX_PATH steps).  The state is not
 * changed, so more leaves may follow.  Returns 0, or -1 when no leaf was
 * added (an empty range has no root) or the proof index is not below the
 * leaf count. */
int  merkle_final(const struct merkle *m, uint8_t root[MERKLE_HASH_LEN],
                  struct merkle_step *path, size_t *pathlen) MERKLE_WUR;

/* SHA-256(0x00 || leaf). */
void merkle_leaf_hash(uint8_t out[MERKLE_HASH_LEN],
                      const uint8_t leaf[MERKLE_HASH_LEN]);

/* SHA-256(0x01 || left || right). */
void merkle_node_hash(uint8_t out[MERKLE_HASH_LEN],
                      const uint8_t left[MERKLE_HASH_LEN],
                      const uint8_t right[MERKLE_HASH_LEN]);

/* 1 when folding path over the leaf's hash gives root (§2.4 check,
 * compared in constant time), else 0. */
int  merkle_verify(const uint8_t leaf[MERKLE_HASH_LEN],
                   const struct merkle_step *path, size_t pathlen,
                   const uint8_t root[MERKLE_HASH_LEN]) MERKLE_WUR;

/* "left" or "right", for the wire. */
const char *merkle_side_name(enum merkle_side side);

#endif
