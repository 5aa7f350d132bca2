/* placeholder: src/aws.c */
