/* placeholder: src/reader.c */
