/*
 * report.c - the result of a run: a table for people and one JSON line
 * for scripts.  A run in which any operation failed more than 1% of the
 * time is INVALID: its throughput is never printed, only its errors.
 */
#include <stdio.h>
#include <string.h>

#include "bench.h"
#include "ldap/ldap.h"
#include "proto.h"

static double
ms(uint64_t ns)
{
	return (double)ns / 1e6;
}

static double
error_rate(const op_stats *s)
{
	uint64_t err = op_stats_errors(s), all = err + s->ok;

	return all ? (double)err / (double)all : 0.0;
}

static bool
run_valid(const run_result *r, double *worst)
{
	bool any = false;

	*worst = 0;
	for (int k = 0; k < OPK_COUNT; k++) {
		const op_stats *s = &r->ops[k];
		double e = error_rate(s);

		if (s->ok + op_stats_errors(s) == 0)
			continue;
		any = true;
		if (e > *worst)
			*worst = e;
	}
	return any && *worst <= INVALID_ERROR_RATE;
}

/* "32 noSuchObject x12, closed x3" */
static void
format_errors(const op_stats *s, char *out, size_t cap)
{
	size_t n = 0;

	out[0] = '\0';
	for (int i = 0; i < RESULT_CODES && n < cap; i++)
		if (s->code[i] != 0)
			n += (size_t)snprintf(out + n, cap - n, "%s%d %s x%llu", n ? ", " : "", i,
			    ldap_result_name(i), (unsigned long long)s->code[i]);
	for (int i = 0; i < CERR_COUNT && n < cap; i++)
		if (s->client[i] != 0)
			n += (size_t)snprintf(out + n, cap - n, "%s%s x%llu", n ? ", " : "",
			    client_err_name(i), (unsigned long long)s->client[i]);
}

static void
print_table(const bench_cfg *cfg, const char *what, const run_result *r, bool valid,
    double worst)
{
	printf("ilsbench %s: %s dialect, %s, %u connection%s, %u thread%s, %.1f s",
	    cfg->label, cfg->dialect == DIALECT_ILS ? "ils" : "std", what, cfg->conns,
	    cfg->conns == 1 ? "" : "s", cfg->threads, cfg->threads == 1 ? "" : "s", r->seconds);
	printf(", %u users\n", cfg->users);
	printf("  %-10s %11s %9s %9s %9s %9s  %s\n", "operation", "ops/s", "p50 ms", "p90 ms",
	    "p99 ms", "max ms", "errors");
	for (int k = 0; k < OPK_COUNT; k++) {
		const op_stats *s = &r->ops[k];
		char errs[512], rate[32];

		if (s->ok + op_stats_errors(s) == 0)
			continue;
		format_errors(s, errs, sizeof(errs));
		if (valid)
			snprintf(rate, sizeof(rate), "%.1f", r->seconds > 0 ?
			    (double)s->ok / r->seconds : 0.0);
		else
			snprintf(rate, sizeof(rate), "INVALID");
		printf("  %-10s %11s %9.3f %9.3f %9.3f %9.3f  %s\n", op_kind_name(k), rate,
		    ms(hist_percentile(&s->lat, 50)), ms(hist_percentile(&s->lat, 90)),
		    ms(hist_percentile(&s->lat, 99)), ms(s->lat.max), errs[0] ? errs : "0");
		if (s->tolerated != 0)
			printf("  %-10s (%llu of the successes were %s)\n", "",
			    (unsigned long long)s->tolerated,
			    k == OPK_PRELOAD ? "alreadyExists" : "noSuchObject");
	}
	if (valid)
		printf("  VALID: %.3f%% errors at most\n", worst * 100);
	else if (worst == 0)
		printf("  INVALID: no operation finished within the window\n");
	else
		printf("  INVALID: %.3f%% errors (more than %.0f%%): no throughput figure\n",
		    worst * 100, INVALID_ERROR_RATE * 100);
}

/* Labels are ours or the user's; keep the JSON well-formed whatever they hold. */
static void
json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s != NULL && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void
json_op(FILE *f, const op_stats *s, double seconds, bool valid)
{
	bool first = true;

	fprintf(f, "{\"ok\":%llu,\"errors\":%llu,\"tolerated\":%llu,",
	    (unsigned long long)s->ok, (unsigned long long)op_stats_errors(s),
	    (unsigned long long)s->tolerated);
	if (valid && seconds > 0)
		fprintf(f, "\"ops_per_s\":%.1f,", (double)s->ok / seconds);
	else
		fprintf(f, "\"ops_per_s\":null,");
	fprintf(f, "\"p50_ms\":%.4f,\"p90_ms\":%.4f,\"p99_ms\":%.4f,\"max_ms\":%.4f,"
	    "\"mean_ms\":%.4f,\"error_codes\":{", ms(hist_percentile(&s->lat, 50)),
	    ms(hist_percentile(&s->lat, 90)), ms(hist_percentile(&s->lat, 99)), ms(s->lat.max),
	    hist_mean(&s->lat) / 1e6);
	for (int i = 0; i < RESULT_CODES; i++)
		if (s->code[i] != 0) {
			fprintf(f, "%s\"%d\":%llu", first ? "" : ",", i,
			    (unsigned long long)s->code[i]);
			first = false;
		}
	fprintf(f, "},\"client_errors\":{");
	first = true;
	for (int i = 0; i < CERR_COUNT; i++)
		if (s->client[i] != 0) {
			fprintf(f, "%s\"%s\":%llu", first ? "" : ",", client_err_name(i),
			    (unsigned long long)s->client[i]);
			first = false;
		}
	fprintf(f, "}}");
}

static void
json_line(FILE *f, const bench_cfg *cfg, const char *what, const run_result *r, bool valid,
    double worst)
{
	uint64_t ok = 0;
	bool first = true;

	for (int k = 0; k < OPK_COUNT; k++)
		ok += r->ops[k].ok;
	fprintf(f, "{\"tool\":\"ilsbench\",\"label\":");
	json_str(f, cfg->label);
	fprintf(f, ",\"host\":");
	json_str(f, cfg->host);
	fprintf(f, ",\"port\":%u,\"dialect\":\"%s\",\"workload\":", cfg->port,
	    cfg->dialect == DIALECT_ILS ? "ils" : "std");
	json_str(f, what);
	fprintf(f, ",\"conns\":%u,\"threads\":%u,\"seconds\":%.3f,\"warmup_s\":%.3f,"
	    "\"users\":%u,\"seed\":%llu,\"valid\":%s,\"error_rate\":%.6f,", cfg->conns,
	    cfg->threads, r->seconds, cfg->warmup, cfg->users, (unsigned long long)cfg->seed,
	    valid ? "true" : "false", worst);
	if (valid && r->seconds > 0)
		fprintf(f, "\"ops_per_s\":%.1f,", (double)ok / r->seconds);
	else
		fprintf(f, "\"ops_per_s\":null,");
	fprintf(f, "\"ops\":{");
	for (int k = 0; k < OPK_COUNT; k++) {
		const op_stats *s = &r->ops[k];

		if (s->ok + op_stats_errors(s) == 0)
			continue;
		fprintf(f, "%s\"%s\":", first ? "" : ",", op_kind_name(k));
		json_op(f, s, r->seconds, valid);
		first = false;
	}
	fprintf(f, "}}\n");
}

bool
report_run(const bench_cfg *cfg, const char *what, const run_result *res)
{
	double worst;
	bool valid = run_valid(res, &worst);

	if (!cfg->quiet)
		print_table(cfg, what, res, valid, worst);
	json_line(stdout, cfg, what, res, valid, worst);
	fflush(stdout);
	if (cfg->json_path != NULL) {
		FILE *f = fopen(cfg->json_path, "a");

		if (f == NULL) {
			perror(cfg->json_path);
			return valid;
		}
		json_line(f, cfg, what, res, valid, worst);
		fclose(f);
	}
	return valid;
}
