/* t/unit/arena.c -- lib/arena.c: the per-request bump allocator. */
#include "config.h"

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "arena.h"

/* Must match ARENA_BLOCK in lib/arena.c: allocations above it get a block
 * of their own. */
#define BLOCK 16384

static int
setup_arena(void **state)
{
	struct arena *a = malloc(sizeof(*a));

	if (a == NULL)
		return -1;
	arena_init(a);
	*state = a;
	return 0;
}

static int
teardown_arena(void **state)
{
	struct arena *a = *state;

	arena_free(a);
	free(a);
	return 0;
}

static int
is_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != 0)
			return 0;
	return 1;
}

static void
init_leaves_arena_empty(void **state)
{
	struct arena *a = *state;

	assert_null(a->head);
	assert_null(a->first);
	assert_int_equal(a->total, 0);
}

static void
allocations_are_16_aligned(void **state)
{
	struct arena *a = *state;

	for (size_t n = 0; n < 100; n++) {
		void *p = arena_alloc(a, n);

		assert_non_null(p);
		assert_int_equal((uintptr_t)p % 16, 0);
	}
	/* Also across a block boundary and in a large block. */
	assert_int_equal((uintptr_t)arena_alloc(a, BLOCK - 3) % 16, 0);
	assert_int_equal((uintptr_t)arena_alloc(a, 3 * BLOCK + 5) % 16, 0);
	assert_int_equal((uintptr_t)arena_alloc(a, 7) % 16, 0);
}

static void
allocation_is_zeroed(void **state)
{
	struct arena *a = *state;
	unsigned char *p = arena_alloc(a, 1000);

	assert_true(is_zero(p, 1000));
}

static void
allocation_after_reset_is_zeroed_again(void **state)
{
	struct arena *a = *state;
	unsigned char *p = arena_alloc(a, 4096), *q;

	memset(p, 0xa5, 4096);
	arena_reset(a);
	q = arena_alloc(a, 4096);
	/* Same memory (first block kept) but cleared. */
	assert_ptr_equal(p, q);
	assert_true(is_zero(q, 4096));
}

static void
zero_byte_allocations_are_distinct(void **state)
{
	struct arena *a = *state;
	void *p = arena_alloc(a, 0), *q = arena_alloc(a, 0);

	assert_non_null(p);
	assert_non_null(q);
	assert_ptr_not_equal(p, q);
}

static void
allocations_do_not_overlap(void **state)
{
	struct arena *a = *state;
	unsigned char *p = arena_alloc(a, 17), *q = arena_alloc(a, 1);

	/* 17 rounds up to 32: q starts past all of p. */
	assert_true(q >= p + 17);
	assert_int_equal(q - p, 32);
}

static void
total_counts_rounded_bytes(void **state)
{
	struct arena *a = *state;

	arena_alloc(a, 1);
	arena_alloc(a, 16);
	arena_alloc(a, 17);
	assert_int_equal(a->total, 16 + 16 + 32);
}

static void
large_allocation_gets_its_own_block(void **state)
{
	struct arena *a = *state;
	size_t big = 5 * BLOCK + 123;
	unsigned char *small = arena_alloc(a, 10), *p, *after;

	memset(small, 'x', 10);
	p = arena_alloc(a, big);
	assert_non_null(p);
	assert_true(is_zero(p, big));
	memset(p, 0x5a, big);   /* every byte writable (ASan checks) */
	after = arena_alloc(a, 10);
	memset(after, 'y', 10);
	/* Earlier memory is untouched by later allocations. */
	for (size_t i = 0; i < 10; i++)
		assert_int_equal(small[i], 'x');
	for (size_t i = 0; i < big; i++)
		if (p[i] != 0x5a)
			fail_msg("byte %zu of the large allocation changed", i);
}

static void
first_allocation_larger_than_block(void **state)
{
	struct arena *a = *state;
	unsigned char *p = arena_alloc(a, 2 * BLOCK);

	assert_non_null(p);
	assert_true(is_zero(p, 2 * BLOCK));
	memset(p, 1, 2 * BLOCK);
	assert_ptr_equal(a->first, a->head);
	assert_non_null(arena_alloc(a, 1));
}

static void
exact_block_size_allocation_fits(void **state)
{
	struct arena *a = *state;
	unsigned char *p = arena_alloc(a, BLOCK);

	memset(p, 2, BLOCK);
	assert_ptr_equal(a->first, a->head);
	/* The block is full: the next byte comes from a new block. */
	assert_non_null(arena_alloc(a, 1));
	assert_ptr_not_equal(a->first, a->head);
}

static void
reset_keeps_first_block(void **state)
{
	struct arena *a = *state;
	struct arena_block *first;
	void *p, *q;

	p = arena_alloc(a, 100);
	first = a->first;
	for (int i = 0; i < 10; i++)
		arena_alloc(a, BLOCK);
	arena_alloc(a, 10 * BLOCK);
	assert_ptr_not_equal(a->head, first);
	arena_reset(a);
	assert_ptr_equal(a->first, first);
	assert_ptr_equal(a->head, first);
	assert_int_equal(a->total, 0);
	q = arena_alloc(a, 100);
	assert_ptr_equal(p, q);
}

static void
reset_of_unused_arena_is_harmless(void **state)
{
	struct arena *a = *state;

	arena_reset(a);
	arena_reset(a);
	assert_null(a->first);
	assert_non_null(arena_alloc(a, 1));
}

static void
free_returns_arena_to_initial_state(void **state)
{
	struct arena *a = *state;

	arena_alloc(a, 10);
	arena_alloc(a, 3 * BLOCK);
	arena_free(a);
	assert_null(a->first);
	assert_null(a->head);
	assert_int_equal(a->total, 0);
	/* Usable again after a free. */
	assert_non_null(arena_strdup(a, "again"));
}

static void
strdup_copies_string(void **state)
{
	struct arena *a = *state;
	char src[] = "hello, arena";
	char *p = arena_strdup(a, src);

	assert_string_equal(p, "hello, arena");
	assert_ptr_not_equal(p, src);
	src[0] = 'J';
	assert_string_equal(p, "hello, arena");
}

static void
strdup_of_empty_string(void **state)
{
	struct arena *a = *state;
	char *p = arena_strdup(a, "");

	assert_non_null(p);
	assert_string_equal(p, "");
}

static void
strndup_stops_at_n_and_terminates(void **state)
{
	struct arena *a = *state;
	char *p = arena_strndup(a, "abcdef", 3);

	assert_string_equal(p, "abc");
	/* n bytes are copied as they are, embedded NULs included. */
	p = arena_strndup(a, "a\0b", 3);
	assert_memory_equal(p, "a\0b\0", 4);
}

static void
strdup_longer_than_block(void **state)
{
	struct arena *a = *state;
	size_t n = 3 * BLOCK;
	char *src = malloc(n + 1), *p;

	assert_non_null(src);
	memset(src, 'q', n);
	src[n] = '\0';
	p = arena_strdup(a, src);
	assert_int_equal(strlen(p), n);
	assert_string_equal(p, src);
	free(src);
}

static void
printf_formats(void **state)
{
	struct arena *a = *state;

	assert_string_equal(arena_printf(a, "%s-%d-%05.1f", "x", 42, 3.14159),
	    "x-42-003.1");
	assert_string_equal(arena_printf(a, "%s", ""), "");
	assert_string_equal(arena_printf(a, "%lld", (long long)INT64_MIN),
	    "-9223372036854775808");
}

static void
printf_longer_than_block(void **state)
{
	struct arena *a = *state;
	int w = 2 * BLOCK + 7;
	char *p = arena_printf(a, "<%*s>", w, "z");

	assert_int_equal(strlen(p), (size_t)w + 2);
	assert_int_equal(p[0], '<');
	assert_int_equal(p[w], 'z');
	assert_int_equal(p[w + 1], '>');
}

/* Ten thousand allocations of mixed sizes, each filled with its own
 * pattern, all still intact at the end: no two overlap. */
static void
many_allocations_stay_intact(void **state)
{
	struct arena *a = *state;
	enum { N = 10000 };
	unsigned char **ptrs = calloc(N, sizeof(*ptrs));
	size_t *sizes = calloc(N, sizeof(*sizes));
	size_t sum = 0;

	assert_non_null(ptrs);
	assert_non_null(sizes);
	srand(12345);
	for (int i = 0; i < N; i++) {
		sizes[i] = (size_t)(rand() % 300);
		if (i % 997 == 0)
			sizes[i] = BLOCK + (size_t)(rand() % 1000);
		ptrs[i] = arena_alloc(a, sizes[i]);
		assert_int_equal((uintptr_t)ptrs[i] % 16, 0);
		assert_true(is_zero(ptrs[i], sizes[i]));
		memset(ptrs[i], i & 0xff, sizes[i]);
		sum += sizes[i] == 0 ? 16 : (sizes[i] + 15) & ~(size_t)15;
	}
	for (int i = 0; i < N; i++)
		for (size_t j = 0; j < sizes[i]; j++)
			if (ptrs[i][j] != (unsigned char)(i & 0xff))
				fail_msg("allocation %d byte %zu overwritten", i, j);
	assert_int_equal(a->total, sum);
	arena_reset(a);
	assert_int_equal(a->total, 0);
	free(ptrs);
	free(sizes);
}

/* A size whose block header would overflow size_t must abort, never
 * allocate a small block and hand out memory past its end. */
static void
huge_allocation_aborts(void **state)
{
	pid_t pid;
	int status;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct arena a;
		unsigned char *p;

		/* Plain signals in the child, not cmocka's handlers. */
		signal(SIGABRT, SIG_DFL);
		signal(SIGSEGV, SIG_DFL);
		arena_init(&a);
		p = arena_alloc(&a, SIZE_MAX - 20);
		/* Reaching here means a bogus pointer was returned. */
		(void)p;
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup_arena, teardown_arena)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(init_leaves_arena_empty),
		T(allocations_are_16_aligned),
		T(allocation_is_zeroed),
		T(allocation_after_reset_is_zeroed_again),
		T(zero_byte_allocations_are_distinct),
		T(allocations_do_not_overlap),
		T(total_counts_rounded_bytes),
		T(large_allocation_gets_its_own_block),
		T(first_allocation_larger_than_block),
		T(exact_block_size_allocation_fits),
		T(reset_keeps_first_block),
		T(reset_of_unused_arena_is_harmless),
		T(free_returns_arena_to_initial_state),
		T(strdup_copies_string),
		T(strdup_of_empty_string),
		T(strndup_stops_at_n_and_terminates),
		T(strdup_longer_than_block),
		T(printf_formats),
		T(printf_longer_than_block),
		T(many_allocations_stay_intact),
		cmocka_unit_test(huge_allocation_aborts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
