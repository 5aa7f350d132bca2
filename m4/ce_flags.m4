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

# CE_CHECK_LDFLAGS(VAR, FLAGS): the same for the linker.
AC_DEFUN([CE_CHECK_LDFLAGS], [
	for ce_flag in $2; do
		AC_MSG_CHECKING([whether the linker accepts $ce_flag])
		ce_save_LDFLAGS=$LDFLAGS
		LDFLAGS="$LDFLAGS $ce_flag"
		AC_LINK_IFELSE([AC_LANG_PROGRAM([], [return 0;])],
			[AC_MSG_RESULT([yes]); $1="$$1 $ce_flag"],
			[AC_MSG_RESULT([no])])
		LDFLAGS=$ce_save_LDFLAGS
	done
])

# CE_CHECK_FORTIFY(VAR): add -D_FORTIFY_SOURCE=2 when the current CFLAGS
# optimise (fortify warns without optimisation, which -Werror makes fatal)
# and the definition does not clash with one the compiler already makes.
AC_DEFUN([CE_CHECK_FORTIFY], [
	AC_MSG_CHECKING([whether _FORTIFY_SOURCE=2 can be used])
	ce_save_CFLAGS=$CFLAGS
	CFLAGS="$CFLAGS -Werror -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=2"
	AC_COMPILE_IFELSE([AC_LANG_PROGRAM([[#include <string.h>]], [return 0;])],
		[AC_MSG_RESULT([yes]); $1="$$1 -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=2"],
		[AC_MSG_RESULT([no])])
	CFLAGS=$ce_save_CFLAGS
])
