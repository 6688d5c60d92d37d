/*
 * paged.h - the Simple Paged Results control (RFC 2696,
 * 1.2.840.113556.1.4.319).
 *
 * A page ends a search with SearchResultDone and a cookie; the search
 * itself (a dir_search, resumable by design) is kept on the connection
 * under that cookie until the client asks for the next page with an
 * identical request, abandons it with size 0, or lets it expire.  At most
 * PAGED_MAX_SAVED searches are kept per connection (the least recently
 * used one is dropped to make room), each for at most PAGED_IDLE_MS.
 */
#ifndef ILSD_SERVER_PAGED_H
#define ILSD_SERVER_PAGED_H

#include "ldap/ldap.h"
#include "server/conn.h"

#define PAGED_MAX_SAVED 8
#define PAGED_IDLE_MS (5 * 60 * 1000)
#define PAGED_COOKIE_LEN 8

/* A search between two pages. */
typedef struct paged_saved {
	struct paged_saved *next;
	uint64_t cookie;
	uint64_t req_hash;	/* the request it answers, see paged_request_hash */
	uint64_t saved_ms;	/* monotonic time it was put aside */
	dir_search *ds;
} paged_saved;

/* realSearchControlValue ::= SEQUENCE { size INTEGER (0..maxInt), cookie OCTET STRING } */
int paged_parse(ber_slice value, int64_t *size, ber_slice *cookie);
void paged_encode_value(ber_writer *w, int64_t size, const void *cookie, size_t len);

/* The paged results control of a request, or NULL. */
const ldap_control *paged_control(const ldap_msg *m);

/*
 * Runs a search request that carries the control: starts a search, or
 * resumes / drops the one the cookie names.  p and ctx are the search as
 * ops.c prepared it.  Always answers (a job, or a SearchResultDone).
 */
void paged_search(conn *c, const ldap_msg *m, const ldap_control *ctl,
    const dir_search_params *p, const dir_ctx *ctx);

/*
 * A paged job's search stopped (r is DIR_SEARCH_PAGE or DIR_SEARCH_DONE):
 * encodes its SearchResultDone with the response control and, at a page
 * end, keeps the search under a new cookie (taking j->ds).
 */
void paged_job_end(conn *c, search_job *j, int r, const dir_result *res);

/* Frees every search kept on the connection. */
void paged_free_all(conn *c);

#endif
