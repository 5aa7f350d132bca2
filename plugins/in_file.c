/* placeholder: plugins/in_file.c */
