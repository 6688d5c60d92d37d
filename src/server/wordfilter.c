/*
 * wordfilter.c - see wordfilter.h.
 *
 * Words are kept lower-cased; a value is lower-cased once into a small
 * buffer and searched with memmem for each word.  Values are bounded by
 * max-value-size and the list by WORDFILTER_MAX_WORDS, so the cost of one
 * request is bounded too; a longer value is checked in overlapping
 * windows.
 */
#include "server/wordfilter.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WINDOW 4096

struct wordfilter {
	char (*words)[WORDFILTER_MAX_WORD + 1];
	size_t *lens;
	size_t n;
};

static char
lower(char ch)
{
	return ch >= 'A' && ch <= 'Z' ? (char)(ch + 32) : ch;
}

static int
add_word(wordfilter *wf, const char *w, size_t len)
{
	if (wf->n == WORDFILTER_MAX_WORDS)
		return -1;
	for (size_t i = 0; i < len; i++)
		wf->words[wf->n][i] = lower(w[i]);
	wf->words[wf->n][len] = '\0';
	wf->lens[wf->n++] = len;
	return 0;
}

wordfilter *
wordfilter_load(const char *path, char *err, size_t errlen)
{
	wordfilter *wf = calloc(1, sizeof(*wf));
	char line[512];
	unsigned lineno = 0;
	FILE *f;

	if (wf == NULL || (wf->words = calloc(WORDFILTER_MAX_WORDS, sizeof(*wf->words))) == NULL ||
	    (wf->lens = calloc(WORDFILTER_MAX_WORDS, sizeof(*wf->lens))) == NULL) {
		snprintf(err, errlen, "word-filter-file: out of memory");
		wordfilter_free(wf);
		return NULL;
	}
	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "word-filter-file: cannot open %s: %s", path, strerror(errno));
		wordfilter_free(wf);
		return NULL;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		size_t len = strcspn(line, "\r\n");
		char *w = line;
		lineno++;
		line[len] = '\0';
		while (*w == ' ' || *w == '\t')
			w++;
		len = strlen(w);
		while (len > 0 && (w[len - 1] == ' ' || w[len - 1] == '\t'))
			w[--len] = '\0';
		if (len == 0 || w[0] == '#')
			continue;
		if (len > WORDFILTER_MAX_WORD || add_word(wf, w, len) != 0) {
			snprintf(err, errlen, "word-filter-file: %s:%u: %s", path, lineno,
			    len > WORDFILTER_MAX_WORD ? "word longer than 64 bytes" :
			    "more than 10000 words");
			fclose(f);
			wordfilter_free(wf);
			return NULL;
		}
	}
	fclose(f);
	return wf;
}

void
wordfilter_free(wordfilter *wf)
{
	if (wf == NULL)
		return;
	free(wf->words);
	free(wf->lens);
	free(wf);
}

size_t
wordfilter_count(const wordfilter *wf)
{
	return wf != NULL ? wf->n : 0;
}

static bool
match_window(const wordfilter *wf, const char *low, size_t len)
{
	for (size_t i = 0; i < wf->n; i++)
		if (wf->lens[i] <= len && memmem(low, len, wf->words[i], wf->lens[i]) != NULL)
			return true;
	return false;
}

bool
wordfilter_match(const wordfilter *wf, const void *text, size_t len)
{
	const char *p = text;
	char low[WINDOW];
	size_t pos = 0;

	if (wf == NULL || wf->n == 0)
		return false;
	/* Windows overlap by a word's length, so no word is split unseen. */
	for (;;) {
		size_t n = len - pos < WINDOW ? len - pos : WINDOW;
		for (size_t i = 0; i < n; i++)
			low[i] = lower(p[pos + i]);
		if (match_window(wf, low, n))
			return true;
		if (pos + n >= len)
			return false;
		pos += WINDOW - WORDFILTER_MAX_WORD;
	}
}

static bool
match_attr(const wordfilter *wf, const ldap_attr *at)
{
	for (size_t i = 0; i < at->nvals; i++)
		if (wordfilter_match(wf, at->vals[i].p, at->vals[i].len))
			return true;
	return false;
}

bool
wordfilter_add(const wordfilter *wf, const ldap_add_req *req)
{
	if (wordfilter_match(wf, req->dn.p, req->dn.len))
		return true;
	for (size_t i = 0; i < req->nattrs; i++)
		if (match_attr(wf, &req->attrs[i]))
			return true;
	return false;
}

bool
wordfilter_modify(const wordfilter *wf, const ldap_modify_req *req)
{
	for (size_t i = 0; i < req->nmods; i++)
		if (req->mods[i].op != LDAP_MOD_DELETE && match_attr(wf, &req->mods[i].attr))
			return true;
	return false;
}
