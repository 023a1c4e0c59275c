/*
 * main.c - the `tcpsim` executable; everything lives in cli.c.
 */
#include "experiments/exp.h"

int main(int argc, char **argv)
{
  return exp_cli_main(argc, argv);
}
