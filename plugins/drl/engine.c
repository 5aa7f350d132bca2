/*
 * engine.c - an evaluator instance's compiled state: creation, interned
 * keys, owned regexes, teardown.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

int
drl_engine_init(struct drl_engine *eng, const struct ce_host *host,
    ce_instance *self, uint32_t regex_match_limit)
{
	char err[128];

	memset(eng, 0, sizeof(*eng));
	eng->host = host;
	eng->self = self;
	drl_arena_init(&eng->arena, NULL, 0);
	if (drl_regex_env_init(&eng->rx, regex_match_limit) < 0)
		return -ENOMEM;
	/* Routing reads these two for every event. */
	eng->k_source = drl_engine_key(eng, "eventSource", 11, err, sizeof(err));
	eng->k_name = drl_engine_key(eng, "eventName", 9, err, sizeof(err));
	if (eng->k_source == NULL || eng->k_name == NULL) {
		drl_engine_free(eng);
		return -ENOMEM;
	}
	return 0;
}

void
drl_engine_free(struct drl_engine *eng)
{
	size_t i;

	drl_index_free(&eng->index);
	if (eng->keyset != NULL)	/* before the paths it borrows */
		eng->host->pathset_free(eng->keyset);
	free(eng->keyset_ids);
	for (i = 0; i < eng->keys.cap; i++) {
		struct drl_key *k = eng->keys.slots[i].value;

		if (eng->keys.slots[i].key != NULL && k != NULL && k->path != NULL)
			eng->host->path_free(k->path);
	}
	drl_strmap_free(&eng->keys);
	free(eng->keyv);
	free(eng->hot);
	for (i = 0; i < eng->nregexes; i++)
		drl_regex_free(eng->regexes[i]);
	free(eng->regexes);
	free(eng->rules);
	drl_strmap_free(&eng->names);
	drl_strmap_free(&eng->groups);
	drl_regex_env_free(&eng->rx);
	drl_arena_free(&eng->arena);
	memset(eng, 0, sizeof(*eng));
}

/* Room in eng->keyv for one more key; -ENOMEM. */
static int
keyv_reserve(struct drl_engine *eng)
{
	unsigned cap = eng->capkeys ? eng->capkeys * 2 : 64;
	struct drl_key **v;

	if (eng->nkeys < eng->capkeys)
		return 0;
	if ((v = realloc(eng->keyv, cap * sizeof(*v))) == NULL)
		return -ENOMEM;
	eng->keyv = v;
	eng->capkeys = cap;
	return 0;
}

struct drl_key *
drl_engine_key(struct drl_engine *eng, const char *text, size_t len,
    char *err, size_t errlen)
{
	struct drl_key *k = drl_strmap_get(&eng->keys, text, len);
	ce_path *path;

	if (k != NULL)
		return k;
	err[0] = '\0';
	if ((path = eng->host->path_compile(text, len, err, errlen)) == NULL) {
		if (err[0] == '\0')
			snprintf(err, errlen, "malformed key");
		return NULL;
	}
	if ((k = drl_arena_zalloc(&eng->arena, sizeof(*k))) == NULL ||
	    (k->text = drl_arena_strndup(&eng->arena, text, len)) == NULL)
		goto oom;
	k->len = len;
	k->path = path;
	k->id = eng->nkeys;
	k->multi = eng->host->path_is_multi(path) != 0;
	if (keyv_reserve(eng) < 0 ||
	    drl_strmap_put(&eng->keys, k->text, len, k) < 0)
		goto oom;
	eng->keyv[eng->nkeys++] = k;
	return k;
oom:
	eng->host->path_free(path);
	snprintf(err, errlen, "out of memory");
	return NULL;
}

int
drl_engine_keyset(struct drl_engine *eng)
{
	ce_path **paths;
	struct drl_key *k;
	size_t i;

	if (eng->nkeys < DRL_SET_MIN_KEYS || eng->host->pathset_compile == NULL)
		return 0;
	paths = calloc(eng->nkeys, sizeof(*paths));
	eng->keyset_ids = calloc((eng->nkeys + 63) / 64, sizeof(uint64_t));
	if (paths == NULL || eng->keyset_ids == NULL)
		goto oom;
	for (i = 0; i < eng->keys.cap; i++) {
		k = eng->keys.slots[i].value;
		if (eng->keys.slots[i].key != NULL && !k->multi) {
			paths[k->id] = k->path;
			eng->keyset_ids[k->id / 64] |= UINT64_C(1) << k->id % 64;
		}
	}
	eng->keyset = eng->host->pathset_compile(paths, eng->nkeys, NULL, 0);
	if (eng->keyset == NULL)
		goto oom;	/* nothing else can fail: no "[*]" */
	free(paths);
	return 0;
oom:
	free(paths);
	free(eng->keyset_ids);
	eng->keyset_ids = NULL;
	return -ENOMEM;
}

int
drl_engine_keep_regex(struct drl_engine *eng, struct drl_regex *re)
{
	if (eng->nregexes == eng->capregexes) {
		size_t cap = eng->capregexes ? eng->capregexes * 2 : 16;
		struct drl_regex **v = realloc(eng->regexes, cap * sizeof(*v));

		if (v == NULL)
			return -ENOMEM;
		eng->regexes = v;
		eng->capregexes = cap;
	}
	eng->regexes[eng->nregexes++] = re;
	return 0;
}
