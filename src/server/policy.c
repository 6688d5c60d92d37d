/*
 * policy.c - see policy.h.
 */
#include "server/policy.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static char *
trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	return s;
}

static int
parse_rights(const char *s, unsigned *out)
{
	char buf[128], *tok, *save = NULL;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	*out = 0;
	if (strcasecmp(buf, "none") == 0)
		return 0;
	for (tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		if (strcasecmp(tok, "read") == 0)
			*out |= DIR_RIGHT_READ;
		else if (strcasecmp(tok, "register") == 0)
			*out |= DIR_RIGHT_REGISTER;
		else if (strcasecmp(tok, "write") == 0)
			*out |= DIR_RIGHT_WRITE;
		else if (strcasecmp(tok, "all") == 0)
			*out |= DIR_RIGHT_READ | DIR_RIGHT_REGISTER | DIR_RIGHT_WRITE;
		else
			return -1;
	}
	return *out != 0 ? 0 : -1;
}

/*
 * Cuts text (a writable copy) into the rule's parts.  The strings in r
 * point into text.  Returns NULL or what is wrong.
 */
static const char *
parse_rule(char *text, dir_access_rule *r)
{
	char *by = NULL, *who, *rights;

	for (char *p = text; (p = strchr(p, ' ')) != NULL; p++) {
		if (strncasecmp(p, " by ", 4) == 0) {
			by = p;
			break;
		}
	}
	if (by == NULL)
		return "expected \"SUBTREE by WHO RIGHTS\"";
	*by = '\0';
	who = trim(by + 4);
	rights = strrchr(who, ' ');
	if (rights == NULL)
		return "expected \"SUBTREE by WHO RIGHTS\"";
	*rights++ = '\0';
	who = trim(who);
	memset(r, 0, sizeof(*r));
	r->subtree = trim(text);
	if (strcmp(r->subtree, "*") == 0)
		r->subtree = "";
	if (parse_rights(rights, &r->rights) != 0)
		return "RIGHTS must be none, or read, register, write, all separated by commas";
	if (strcasecmp(who, "anyone") == 0) {
		r->who = DIR_WHO_ANYONE;
	} else if (strcasecmp(who, "anonymous") == 0) {
		r->who = DIR_WHO_ANONYMOUS;
	} else if (strcasecmp(who, "users") == 0) {
		r->who = DIR_WHO_USERS;
	} else if (strncasecmp(who, "dn:", 3) == 0 && who[3] != '\0') {
		r->who = DIR_WHO_DN;
		r->who_dn = trim(who + 3);
	} else if (strncasecmp(who, "under:", 6) == 0 && who[6] != '\0') {
		r->who = DIR_WHO_UNDER;
		r->who_dn = trim(who + 6);
	} else {
		return "WHO must be anyone, anonymous, users, dn:<DN> or under:<DN>";
	}
	return NULL;
}

const char *
policy_check_rule(const char *text)
{
	dir_access_rule r;
	char *copy = strdup(text);
	const char *why;

	if (copy == NULL)
		return "out of memory";
	why = parse_rule(copy, &r);
	free(copy);
	return why;
}

int
policy_build(policy *p, const ilsd_config *cfg, char *err, size_t errlen)
{
	static const char *const private_attrs[] = { "securityToken", NULL };
	const char *why;

	memset(p, 0, sizeof(*p));
	for (size_t i = 0; i < cfg->naccess && i < CONFIG_MAX_ACCESS; i++) {
		p->text[i] = strdup(cfg->access[i]);
		if (p->text[i] == NULL) {
			snprintf(err, errlen, "out of memory");
			policy_free(p);
			return -1;
		}
		if ((why = parse_rule(p->text[i], &p->rules[i])) != NULL) {
			snprintf(err, errlen, "access \"%s\": %s", cfg->access[i], why);
			policy_free(p);
			return -1;
		}
	}
	p->acc.rules = p->rules;
	p->acc.nrules = cfg->naccess;
	p->acc.anonymous_rights = (cfg->anonymous_read ? DIR_RIGHT_READ : 0) |
	    (cfg->anonymous_register ? DIR_RIGHT_REGISTER : 0);
	p->acc.user_rights = DIR_RIGHT_READ | DIR_RIGHT_REGISTER;
	/* MS-TAIL 2.2.3: sFlags 0 is an unlisted user. */
	p->acc.hidden_attr = "sFlags";
	p->acc.hidden_value = "0";
	/* The ILS registration secret (ssecurity) proves ownership: never shown to others. */
	p->acc.private_attrs = private_attrs;
	return 0;
}

void
policy_free(policy *p)
{
	for (size_t i = 0; i < CONFIG_MAX_ACCESS; i++)
		free(p->text[i]);
	memset(p, 0, sizeof(*p));
}
