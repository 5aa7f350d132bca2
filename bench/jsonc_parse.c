/*
 * jsonc_parse.c - the benchmark baseline: parse every line of an NDJSON
 * file with json-c (json_tokener_parse_ex), free the tree, count records.
 *
 * Built and run by bench/run.sh, never by make:
 *	cc -O2 -o jsonc_parse jsonc_parse.c $(pkg-config --cflags --libs json-c)
 *	jsonc_parse FILE	prints "records N errors N"
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

struct counts {
	unsigned long	records;
	unsigned long	errors;
};

/* One tokener for the whole file, reset per line: the same work cloudengine
 * does per record before it can look at a field, and no more. */
static void
parse_line(struct json_tokener *tok, const char *line, size_t len,
    struct counts *c)
{
	struct json_object *obj;

	json_tokener_reset(tok);
	obj = json_tokener_parse_ex(tok, line, (int)len);
	if (obj == NULL || json_tokener_get_error(tok) != json_tokener_success) {
		c->errors++;
		json_object_put(obj);
		return;
	}
	c->records++;
	json_object_put(obj);
}

static int
parse_file(FILE *fp, struct counts *c)
{
	struct json_tokener *tok;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = 0;

	if ((tok = json_tokener_new()) == NULL)
		return -ENOMEM;
	while ((n = getline(&line, &cap, fp)) > 0) {
		/* The newline is not part of the record. */
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			n--;
		if (n > 0)
			parse_line(tok, line, (size_t)n, c);
	}
	if (ferror(fp))
		rc = -EIO;
	free(line);
	json_tokener_free(tok);
	return rc;
}

int
main(int argc, char **argv)
{
	struct counts c = { 0, 0 };
	FILE *fp;
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: jsonc_parse FILE\n");
		return 2;
	}
	if ((fp = fopen(argv[1], "r")) == NULL) {
		fprintf(stderr, "jsonc_parse: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	rc = parse_file(fp, &c);
	fclose(fp);
	if (rc < 0) {
		fprintf(stderr, "jsonc_parse: %s: %s\n", argv[1], strerror(-rc));
		return 1;
	}
	printf("records %lu errors %lu\n", c.records, c.errors);
	return 0;
}
