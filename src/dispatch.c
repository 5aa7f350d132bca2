/* placeholder: src/dispatch.c */
