# ce_flags.m4 - compiler and linker flag probes for cloudengine.
#
# CE_CHECK_CFLAGS(VAR, FLAGS): append to VAR each flag of FLAGS that the C
# compiler accepts without a warning (so -Werror builds stay clean).
AC_DEFUN([CE_CHECK_CFLAGS], [
	for ce_flag in $2; do
		AC_MSG_CHECKING([whether $CC accepts $ce_flag])
		ce_save_CFLAGS=$CFLAGS
		CFLAGS="$CFLAGS -Werror $ce_flag"
		AC_COMPILE_IFELSE([AC_LANG_PROGRAM([], [return 0;])],
			[AC_MSG_RESULT([yes]); $1="$$1 $ce_flag"],
			[AC_MSG_RESULT([no])])
		CFLAGS=$ce_save_CFLAGS
	done
])

# CE_LD_FATAL_WARNINGS: ce_ld_fatal is -Wl,--fatal-warnings when the
# linker has it, so that the probes below do not take a flag the linker
# only warns about ("-z relro ignored") for one it applies.
AC_DEFUN([CE_LD_FATAL_WARNINGS], [
	AC_MSG_CHECKING([whether the linker accepts -Wl,--fatal-warnings])
	ce_save_LDFLAGS=$LDFLAGS
	LDFLAGS="$LDFLAGS -Wl,--fatal-warnings"
	AC_LINK_IFELSE([AC_LANG_PROGRAM([], [return 0;])],
		[AC_MSG_RESULT([yes]); ce_ld_fatal=-Wl,--fatal-warnings],
		[AC_MSG_RESULT([no]); ce_ld_fatal=])
	LDFLAGS=$ce_save_LDFLAGS
])

# CE_CHECK_LDFLAGS(VAR, FLAGS): the same for the linker.
AC_DEFUN([CE_CHECK_LDFLAGS], [
	AC_REQUIRE([CE_LD_FATAL_WARNINGS])
	for ce_flag in $2; do
		AC_MSG_CHECKING([whether the linker accepts $ce_flag])
		ce_save_LDFLAGS=$LDFLAGS
		LDFLAGS="$LDFLAGS $ce_ld_fatal $ce_flag"
		AC_LINK_IFELSE([AC_LANG_PROGRAM([], [return 0;])],
			[AC_MSG_RESULT([yes]); $1="$$1 $ce_flag"],
			[AC_MSG_RESULT([no])])
		LDFLAGS=$ce_save_LDFLAGS
	done
])

# CE_CHECK_PIE(CFLAGS-VAR, LDFLAGS-VAR): add -fPIE and -pie when a program
# compiled and linked with both builds without a warning.  Probed together:
# -pie over objects that are not position-independent fails to link.
# libtool compiles library objects with -fPIC instead and leaves -pie out
# of shared-library links, so plugins are unaffected.
AC_DEFUN([CE_CHECK_PIE], [
	AC_REQUIRE([CE_LD_FATAL_WARNINGS])
	AC_MSG_CHECKING([whether $CC builds position-independent executables])
	ce_save_CFLAGS=$CFLAGS
	ce_save_LDFLAGS=$LDFLAGS
	CFLAGS="$CFLAGS -Werror -fPIE"
	LDFLAGS="$LDFLAGS $ce_ld_fatal -pie"
	AC_LINK_IFELSE([AC_LANG_PROGRAM([[#include <stdio.h>]],
		[[puts("pie"); return 0;]])],
		[AC_MSG_RESULT([yes]); $1="$$1 -fPIE"; $2="$$2 -pie"],
		[AC_MSG_RESULT([no])])
	CFLAGS=$ce_save_CFLAGS
	LDFLAGS=$ce_save_LDFLAGS
])

# CE_CHECK_FORTIFY(VAR): add -D_FORTIFY_SOURCE=2 when the current CFLAGS
# optimise and the definition does not clash with one the compiler already
# makes (it is undefined first).  Without optimisation fortify does nothing
# and older glibc warns about it, which -Werror makes fatal: the
# probe asks for __OPTIMIZE__ itself, whatever the glibc.
AC_DEFUN([CE_CHECK_FORTIFY], [
	AC_MSG_CHECKING([whether _FORTIFY_SOURCE=2 can be used])
	ce_save_CFLAGS=$CFLAGS
	CFLAGS="$CFLAGS -Werror -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=2"
	AC_COMPILE_IFELSE([AC_LANG_PROGRAM([[#include <string.h>
#ifndef __OPTIMIZE__
#error _FORTIFY_SOURCE needs optimisation
#endif]], [return 0;])],
		[AC_MSG_RESULT([yes]); $1="$$1 -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=2"],
		[AC_MSG_RESULT([no])])
	CFLAGS=$ce_save_CFLAGS
])
