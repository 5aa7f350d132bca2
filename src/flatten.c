/* placeholder: src/flatten.c */
