/* t/unit/merkle.c -- streaming RFC 6962 root and audit path (09-audit.md §2.4). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "crypto.h"
#include "merkle.h"

#define MAXN 40

static const char *vec_root =
    "df896896c799531f1fd1e556cea26a6989ab06853bcbfdd3e4f5097a611f658f";

static void
leaf_fill(uint8_t leaf[MERKLE_HASH_LEN], unsigned i)
{
	memset(leaf, (int)(i + 1), MERKLE_HASH_LEN);
}

static void
assert_hex(const uint8_t h[MERKLE_HASH_LEN], const char *want)
{
	char hex[2 * MERKLE_HASH_LEN + 1];

	hex_encode(hex, h, MERKLE_HASH_LEN);
	assert_string_equal(hex, want);
}

/* Feeds leaves 0x01*32, 0x02*32, ... and finishes. */
static size_t
build(unsigned n, uint64_t index, uint8_t root[MERKLE_HASH_LEN],
    struct merkle_step *path)
{
	struct merkle m;
	uint8_t leaf[MERKLE_HASH_LEN];
	size_t pathlen = 0;
	unsigned i;

	merkle_init(&m, index);
	for (i = 0; i < n; i++) {
		leaf_fill(leaf, i);
		assert_int_equal(merkle_add(&m, leaf), 0);
	}
	assert_int_equal(merkle_count(&m), n);
	assert_int_equal(merkle_final(&m, root, path, &pathlen), 0);
	return pathlen;
}

/* RFC 6962 §2.1 written as the recursion it defines, for comparison. */
static void
naive_mth(uint8_t out[MERKLE_HASH_LEN], unsigned lo, unsigned n)
{
	uint8_t leaf[MERKLE_HASH_LEN], l[MERKLE_HASH_LEN], r[MERKLE_HASH_LEN];
	unsigned k = 1;

	if (n == 1) {
		leaf_fill(leaf, lo);
		merkle_leaf_hash(out, leaf);
		return;
	}
	while (k * 2 < n)
		k *= 2;
	naive_mth(l, lo, k);
	naive_mth(r, lo + k, n - k);
	merkle_node_hash(out, l, r);
}

static void
naive_path(unsigned m, unsigned lo, unsigned n, struct merkle_step *path,
    size_t *len)
{
	unsigned k = 1;

	if (n == 1)
		return;
	while (k * 2 < n)
		k *= 2;
	if (m < k) {
		naive_path(m, lo, k, path, len);
		naive_mth(path[*len].hash, lo + k, n - k);
		path[*len].side = MERKLE_RIGHT;
	} else {
		naive_path(m - k, lo + k, n - k, path, len);
		naive_mth(path[*len].hash, lo, k);
		path[*len].side = MERKLE_LEFT;
	}
	(*len)++;
}

static void
vector_root_of_three_leaves(void **state)
{
	uint8_t root[MERKLE_HASH_LEN];

	assert_int_equal(build(3, MERKLE_NO_PROOF, root, NULL), 0);
	assert_hex(root, vec_root);
}

static void
vector_proof_of_leaf_2(void **state)
{
	struct merkle_step path[MERKLE_MAX_PATH];
	uint8_t root[MERKLE_HASH_LEN], leaf[MERKLE_HASH_LEN], lh[MERKLE_HASH_LEN];

	assert_int_equal(build(3, 2, root, path), 1);
	assert_hex(root, vec_root);
	assert_hex(path[0].hash,
	    "3a066e0f40c6a1981ebfa60d2411625d0517ae22c2fc8c7c1784ff8a75c78565");
	assert_string_equal(merkle_side_name(path[0].side), "left");
	leaf_fill(leaf, 2);
	merkle_leaf_hash(lh, leaf);
	assert_hex(lh,
	    "acaa04663a8547a2f70c60cc18f9378796b13c4f9a08f70d6adae662365b30c6");
	assert_true(merkle_verify(leaf, path, 1, root));
}

static void
vector_proof_of_leaf_0(void **state)
{
	struct merkle_step path[MERKLE_MAX_PATH];
	uint8_t root[MERKLE_HASH_LEN], leaf[MERKLE_HASH_LEN];

	assert_int_equal(build(3, 0, root, path), 2);
	assert_hex(path[0].hash,
	    "cba8c596120bdb69debbd923d92cba948bde7c7d06a465a1bb7d98d3116038fa");
	assert_string_equal(merkle_side_name(path[0].side), "right");
	assert_hex(path[1].hash,
	    "acaa04663a8547a2f70c60cc18f9378796b13c4f9a08f70d6adae662365b30c6");
	assert_string_equal(merkle_side_name(path[1].side), "right");
	leaf_fill(leaf, 0);
	assert_true(merkle_verify(leaf, path, 2, root));
}

static void
one_leaf_root_is_leaf_hash(void **state)
{
	struct merkle_step path[MERKLE_MAX_PATH];
	uint8_t root[MERKLE_HASH_LEN], leaf[MERKLE_HASH_LEN], lh[MERKLE_HASH_LEN];

	assert_int_equal(build(1, 0, root, path), 0);
	leaf_fill(leaf, 0);
	merkle_leaf_hash(lh, leaf);
	assert_memory_equal(root, lh, MERKLE_HASH_LEN);
	assert_true(merkle_verify(leaf, path, 0, root));
}

static void
two_leaves_root_and_proofs(void **state)
{
	struct merkle_step path[MERKLE_MAX_PATH];
	uint8_t root[MERKLE_HASH_LEN], want[MERKLE_HASH_LEN];
	uint8_t l0[MERKLE_HASH_LEN], l1[MERKLE_HASH_LEN];
	uint8_t h0[MERKLE_HASH_LEN], h1[MERKLE_HASH_LEN];

	leaf_fill(l0, 0);
	leaf_fill(l1, 1);
	merkle_leaf_hash(h0, l0);
	merkle_leaf_hash(h1, l1);
	merkle_node_hash(want, h0, h1);

	assert_int_equal(build(2, 0, root, path), 1);
	assert_memory_equal(root, want, MERKLE_HASH_LEN);
	assert_memory_equal(path[0].hash, h1, MERKLE_HASH_LEN);
	assert_int_equal(path[0].side, MERKLE_RIGHT);
	assert_true(merkle_verify(l0, path, 1, root));

	assert_int_equal(build(2, 1, root, path), 1);
	assert_memory_equal(path[0].hash, h0, MERKLE_HASH_LEN);
	assert_int_equal(path[0].side, MERKLE_LEFT);
	assert_true(merkle_verify(l1, path, 1, root));
}

static void
seven_leaves_match_naive_recursion(void **state)
{
	struct merkle_step path[MERKLE_MAX_PATH], want[MERKLE_MAX_PATH];
	uint8_t root[MERKLE_HASH_LEN], naive[MERKLE_HASH_LEN], leaf[MERKLE_HASH_LEN];
	size_t len, wantlen;
	unsigned i, k;

	naive_mth(naive, 0, 7);
	for (i = 0; i < 7; i++) {
		len = build(7, i, root, path);
		assert_memory_equal(root, naive, MERKLE_HASH_LEN);
		wantlen = 0;
		naive_path(i, 0, 7, want, &wantlen);
		assert_int_equal(len, wantlen);
		for (k = 0; k < len; k++) {
			assert_memory_equal(path[k].hash, want[k].hash,
			    MERKLE_HASH_LEN);
			assert_int_equal(path[k].side, want[k].side);
		}
		leaf_fill(leaf, i);
		assert_true(merkle_verify(leaf, path, len, root));
	}
}

static void
every_size_to_40_matches_naive_recursion(void **state)
{
	struct merkle_step path[MERKLE_MAX_PATH], want[MERKLE_MAX_PATH];
	uint8_t root[MERKLE_HASH_LEN], naive[MERKLE_HASH_LEN];
	size_t len, wantlen;
	unsigned n, i, k;

	for (n = 1; n <= MAXN; n++) {
		naive_mth(naive, 0, n);
		for (i = 0; i < n; i++) {
			len = build(n, i, root, path);
			assert_memory_equal(root, naive, MERKLE_HASH_LEN);
			wantlen = 0;
			naive_path(i, 0, n, want, &wantlen);
			assert_int_equal(len, wantlen);
			for (k = 0; k < len; k++) {
				assert_memory_equal(path[k].hash, want[k].hash,
				    MERKLE_HASH_LEN);
				assert_int_equal(path[k].side, want[k].side);
			}
		}
	}
}

static void
stack_stays_within_log2_plus_one(void **state)
{
	struct merkle m;
	uint8_t leaf[MERKLE_HASH_LEN];
	unsigned i, bound = 1;

	merkle_init(&m, MERKLE_NO_PROOF);
	for (i = 0; i < 1000; i++) {
		leaf_fill(leaf, i & 0xff);
		assert_int_equal(merkle_add(&m, leaf), 0);
		/* ceil(log2 n) + 1 */
		while ((1u << (bound - 1)) < i + 1)
			bound++;
		assert_true(m.top <= (int)bound);
	}
}

static void
tampered_proof_fails_verification(void **state)
{
	struct merkle_step path[MERKLE_MAX_PATH];
	uint8_t root[MERKLE_HASH_LEN], leaf[MERKLE_HASH_LEN];
	size_t len;

	len = build(7, 3, root, path);
	leaf_fill(leaf, 3);
	assert_true(merkle_verify(leaf, path, len, root));

	path[1].hash[0] ^= 1;
	assert_false(merkle_verify(leaf, path, len, root));
	path[1].hash[0] ^= 1;

	path[0].side = path[0].side == MERKLE_LEFT ? MERKLE_RIGHT : MERKLE_LEFT;
	assert_false(merkle_verify(leaf, path, len, root));
	path[0].side = path[0].side == MERKLE_LEFT ? MERKLE_RIGHT : MERKLE_LEFT;

	assert_false(merkle_verify(leaf, path, len - 1, root));
	leaf_fill(leaf, 4);
	assert_false(merkle_verify(leaf, path, len, root));
}

static void
empty_tree_has_no_root(void **state)
{
	struct merkle m;
	uint8_t root[MERKLE_HASH_LEN];

	merkle_init(&m, MERKLE_NO_PROOF);
	assert_int_equal(merkle_final(&m, root, NULL, NULL), -1);
}

static void
proof_index_beyond_count_fails(void **state)
{
	struct merkle m;
	struct merkle_step path[MERKLE_MAX_PATH];
	uint8_t root[MERKLE_HASH_LEN], leaf[MERKLE_HASH_LEN];
	size_t len;

	merkle_init(&m, 3);
	leaf_fill(leaf, 0);
	assert_int_equal(merkle_add(&m, leaf), 0);
	assert_int_equal(merkle_add(&m, leaf), 0);
	assert_int_equal(merkle_add(&m, leaf), 0);
	assert_int_equal(merkle_final(&m, root, path, &len), -1);
}

static void
final_leaves_state_usable_for_more_leaves(void **state)
{
	struct merkle m;
	uint8_t root[MERKLE_HASH_LEN], naive[MERKLE_HASH_LEN], leaf[MERKLE_HASH_LEN];
	unsigned i;

	merkle_init(&m, MERKLE_NO_PROOF);
	for (i = 0; i < 6; i++) {
		leaf_fill(leaf, i);
		assert_int_equal(merkle_add(&m, leaf), 0);
		assert_int_equal(merkle_final(&m, root, NULL, NULL), 0);
		naive_mth(naive, 0, i + 1);
		assert_memory_equal(root, naive, MERKLE_HASH_LEN);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(vector_root_of_three_leaves),
		cmocka_unit_test(vector_proof_of_leaf_2),
		cmocka_unit_test(vector_proof_of_leaf_0),
		cmocka_unit_test(one_leaf_root_is_leaf_hash),
		cmocka_unit_test(two_leaves_root_and_proofs),
		cmocka_unit_test(seven_leaves_match_naive_recursion),
		cmocka_unit_test(every_size_to_40_matches_naive_recursion),
		cmocka_unit_test(stack_stays_within_log2_plus_one),
		cmocka_unit_test(tampered_proof_fails_verification),
		cmocka_unit_test(empty_tree_has_no_root),
		cmocka_unit_test(proof_index_beyond_count_fails),
		cmocka_unit_test(final_leaves_state_usable_for_more_leaves),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
