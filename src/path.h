/*
 * path.h - a flattened key compiled into the steps that reach its value.
 *
 * ce_path_compile(), ce_path_free() and ce_path_is_multi() are declared in
 * event.h (they are what struct ce_host exposes); this header is the
 * compiled form that event.c walks.
 */
#ifndef CE_PATH_H
#define CE_PATH_H

#include <stddef.h>

#include "cloudengine/plugin.h"

/* Longest key ce_path_compile() accepts, in bytes. */
#define CE_PATH_KEY_MAX	4096

enum ce_step_kind {
	CE_STEP_MEMBER = 1,	/* object member by name */
	CE_STEP_INDEX,		/* array element by index */
	CE_STEP_EACH		/* "[*]": every element of an array */
};

struct ce_step {
	enum ce_step_kind	 kind;
	const char		*name;		/* MEMBER: unescaped, NUL-terminated */
	size_t			 namelen;
	size_t			 index;		/* INDEX */
	int			 never;		/* MEMBER: the name holds a NUL byte,
						 * which no json-c member name can */
	/* MEMBER: the name's hash in json-c's object tables, made with
	 * hash_fn (json-c's string hash when the path was compiled), so a
	 * lookup need not hash it again. */
	unsigned long		 hash;
	unsigned long		(*hash_fn)(const void *);
};

struct ce_path {
	size_t		 nsteps;		/* >= 1 */
	int		 multi;			/* holds a CE_STEP_EACH */
	int		 root;			/* the key is exactly "root" (the
						 * key of a leaf record, and a key
						 * whose {} value is dropped) */
	struct ce_step	 steps[];		/* names follow the steps */
};

#endif /* CE_PATH_H */
