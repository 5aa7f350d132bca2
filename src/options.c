/* placeholder: src/options.c */
