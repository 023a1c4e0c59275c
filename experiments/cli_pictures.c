/*
 * cli_pictures.c - `tcpsim ladder` and `tcpsim fsm` (being written).
 */
#include <stdio.h>

#include "experiments/cli_int.h"

int exp__cmd_ladder(int argc, char **argv)
{
  (void)argc;
  (void)argv;
  fprintf(stderr, "tcpsim ladder: not available yet\n");
  return EXIT_BAD_INPUT;
}

int exp__cmd_fsm(int argc, char **argv)
{
  (void)argc;
  (void)argv;
  fprintf(stderr, "tcpsim fsm: not available yet\n");
  return EXIT_BAD_INPUT;
}
