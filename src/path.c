/* placeholder: src/path.c */
