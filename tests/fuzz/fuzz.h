/*
 * fuzz.h - what every fuzz target defines and may use: the libFuzzer entry
 * point, and checks that abort (so both libFuzzer and the regression
 * runner report them) when an invariant the target verifies is broken.
 */
#ifndef CE_FUZZ_H
#define CE_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* Run one input; always returns 0 (libFuzzer reserves other values). */
int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Abort with a message: an invariant the target checks does not hold.
 * Not assert(): it must stay on in every build. */
#define FUZZ_CHECK(cond, what)						\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: fuzz check failed: %s\n",\
			    __FILE__, __LINE__, (what));		\
			abort();					\
		}							\
	} while (0)

/* Non-zero when text[0..len) is exactly one valid JSON text (strict,
 * UTF-8 validated): what every output of the engine must be. */
int	fuzz_json_valid(const char *text, size_t len);
/* The same without the UTF-8 check: the structure is intact (json-c's
 * writer passes the bytes of a string through as they came). */
int	fuzz_json_structured(const char *text, size_t len);

#endif /* CE_FUZZ_H */
