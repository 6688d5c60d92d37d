/*
 * wordfilter.h - the optional word filter (word-filter-file): names and
 * text containing a listed word are refused with namingViolation (64),
 * for which NetMeeting shows a message of its own.
 *
 * The file holds one word per line; blank lines and lines starting with
 * '#' are ignored.  Matching is ASCII case-insensitive and finds a word
 * anywhere in a value ("spam" also matches "SpamKing").
 */
#ifndef ILSD_SERVER_WORDFILTER_H
#define ILSD_SERVER_WORDFILTER_H

#include <stdbool.h>
#include <stddef.h>

#include "ldap/ldap.h"

#define WORDFILTER_MAX_WORDS 10000
#define WORDFILTER_MAX_WORD 64

typedef struct wordfilter wordfilter;

/* Returns NULL with a message ("FILE:LINE: ...") on failure. */
wordfilter *wordfilter_load(const char *path, char *err, size_t errlen);
void wordfilter_free(wordfilter *wf);
size_t wordfilter_count(const wordfilter *wf);

/* Does text contain one of the words? */
bool wordfilter_match(const wordfilter *wf, const void *text, size_t len);

/* Does an Add's DN or a value, or a Modify's new value, contain a listed word? */
bool wordfilter_add(const wordfilter *wf, const ldap_add_req *req);
bool wordfilter_modify(const wordfilter *wf, const ldap_modify_req *req);

#endif
