/*
 * test_dir_paged.c - paged searches (RFC 2696 support in the directory):
 * dir_search_set_page makes dir_search_step end a page after N entries
 * with DIR_SEARCH_PAGE, keeps the search resumable for the next page, and
 * ends with DIR_SEARCH_DONE (no empty last page) when nothing is left.
 * Every entry is returned exactly once over the pages, from the scope
 * iterator and from an index; the size limit counts over all pages; an
 * entry that would open the next page and is deleted meanwhile is skipped.
 */
#include "test.h"
#include "test_dir_util.h"

#define DYN "ou=Dynamic,o=Intranet"

static tdir T;

static void
fresh(int n)
{
	dir_result res;
	char dnbuf[64], ldif[160];

	if (T.d)
		td_close(&T);
	if (td_open(&T, NULL) != 0)
		exit(2);
	for (int i = 0; i < n; i++) {
		snprintf(dnbuf, sizeof(dnbuf), "cn=p%04d," DYN, i);
		/* Two values with one prefix: the prefix index yields the entry twice. */
		snprintf(ldif, sizeof(ldif), "objectClass: person\nsn: s\ncn: p%04d\ncn: p%04dx\n",
		    i, i);
		if (td_add(&T, dnbuf, ldif, 0, &res) != 0)
			exit(2);
	}
}

typedef struct pages {
	int npages;
	int sizes[1000];
	int last_code;
	int last_status;
	td_result r;
} pages;

/* Runs the search page by page (size entries, max_bytes per step); del: delete this DN
 * after the first page. */
static void
run_pages(const char *filter, uint64_t size, int64_t sizelimit, size_t max_bytes,
    const char *del, pages *out)
{
	dir_ctx *c = td_ctx(&T);
	dir_search_params p;
	dir_search *s = NULL;
	dir_result res;
	ldap_filter *f = NULL;
	const char *why = NULL;
	ber_writer w;
	int st;

	memset(out, 0, sizeof(*out));
	memset(&p, 0, sizeof(p));
	CHECK_EQ_INT(filter_parse(filter, strlen(filter), c->a, 64, 16, &f, &why), 0);
	p.base = td_s(DYN);
	p.scope = LDAP_SCOPE_SUBTREE;
	p.filter = f;
	p.sizelimit = sizelimit;
	CHECK_EQ_INT(dir_search_begin(T.d, c, &p, &s, &res), 0);
	ber_writer_init(&w, 4096, 0);
	for (;;) {
		int before = out->r.nentries;

		dir_search_set_page(s, size, T.t0);
		do {
			ber_writer_reset(&w);
			st = dir_search_step(s, &w, 7, max_bytes, T.t0, &res);
			CHECK_EQ_INT(td_render(&out->r, 7, w.buf, w.len), 0);
		} while (st == DIR_SEARCH_MORE);
		out->sizes[out->npages++] = out->r.nentries - before;
		if (st == DIR_SEARCH_DONE || out->npages == 1000)
			break;
		if (del != NULL && out->npages == 1) {
			dir_result dr;
			CHECK_EQ_INT(dir_delete(T.d, td_ctx(&T), td_s(del), 0, &dr), 0);
		}
	}
	out->last_status = st;
	out->last_code = res.code;
	dir_search_free(s);
	ber_writer_free(&w);
}

static int
count_dn(const pages *pg, int i)
{
	char needle[64];

	snprintf(needle, sizeof(needle), "dn: cn=p%04d," DYN "\n", i);
	return td_count(pg->r.text, needle);
}

TEST(pages_from_scope)
{
	pages pg;
	int bad = 0;

	fresh(95);
	run_pages("(objectClass=person)", 10, 0, 1 << 20, NULL, &pg);
	CHECK_EQ_INT(pg.last_status, DIR_SEARCH_DONE);
	CHECK_EQ_INT(pg.last_code, 0);
	CHECK_EQ_INT(pg.npages, 10);
	for (int i = 0; i < 9; i++)
		CHECK_EQ_INT(pg.sizes[i], 10);
	CHECK_EQ_INT(pg.sizes[9], 5);
	for (int i = 0; i < 95; i++)
		bad += count_dn(&pg, i) != 1;
	CHECK_EQ_INT(bad, 0);
	td_result_free(&pg.r);
}

/* An exact multiple: the last full page is also the end, no empty page follows. */
TEST(exact_multiple)
{
	pages pg;

	fresh(40);
	run_pages("(objectClass=person)", 10, 0, 1 << 20, NULL, &pg);
	CHECK_EQ_INT(pg.npages, 4);
	CHECK_EQ_INT(pg.sizes[3], 10);
	CHECK_EQ_INT(pg.r.nentries, 40);
	td_result_free(&pg.r);
	/* One page larger than the result. */
	run_pages("(objectClass=person)", 1000, 0, 1 << 20, NULL, &pg);
	CHECK_EQ_INT(pg.npages, 1);
	CHECK_EQ_INT(pg.r.nentries, 40);
	td_result_free(&pg.r);
}

/* From the prefix index, in tiny steps: deduplication holds across pages. */
TEST(pages_from_index_small_steps)
{
	pages pg;
	int bad = 0;

	fresh(60);
	run_pages("(cn=p00*)", 7, 0, 300, NULL, &pg);
	CHECK_EQ_INT(pg.last_code, 0);
	CHECK_EQ_INT(pg.r.nentries, 60);
	CHECK_EQ_INT(pg.npages, 9);
	for (int i = 0; i < 60; i++)
		bad += count_dn(&pg, i) != 1;
	CHECK_EQ_INT(bad, 0);
	td_result_free(&pg.r);
}

TEST(size_limit_over_pages)
{
	pages pg;

	fresh(30);
	run_pages("(objectClass=person)", 4, 10, 1 << 20, NULL, &pg);
	CHECK_EQ_INT(pg.r.nentries, 10);
	CHECK_EQ_INT(pg.last_status, DIR_SEARCH_DONE);
	CHECK_EQ_INT(pg.last_code, LDAP_SIZE_LIMIT_EXCEEDED);
	td_result_free(&pg.r);
	/* A limit equal to the result size is not exceeded. */
	run_pages("(objectClass=person)", 4, 30, 1 << 20, NULL, &pg);
	CHECK_EQ_INT(pg.r.nentries, 30);
	CHECK_EQ_INT(pg.last_code, 0);
	td_result_free(&pg.r);
}

/* The entry that opens page 2 is found while page 1 ends; deleted meanwhile, it is skipped. */
TEST(held_entry_deleted)
{
	pages pg;

	fresh(20);
	run_pages("(objectClass=person)", 5, 0, 1 << 20, "cn=p0005," DYN, &pg);
	CHECK_EQ_INT(pg.last_code, 0);
	CHECK_EQ_INT(pg.r.nentries, 19);
	CHECK_EQ_INT(count_dn(&pg, 5), 0);
	CHECK_EQ_INT(count_dn(&pg, 6), 1);
	td_result_free(&pg.r);
}

int
main(void)
{
	td_setup("test_dir_paged");
	RUN(pages_from_scope);
	RUN(exact_multiple);
	RUN(pages_from_index_small_steps);
	RUN(size_limit_over_pages);
	RUN(held_entry_deleted);
	if (T.d)
		td_close(&T);
	td_teardown();
	return test_summary();
}
