/*
 * rng.h - internals of the random streams (do not use outside sim/, tests/
 * and bench/).
 *
 * The public half (struct sim_rng, sim_rng_*) is in sim/sim.h, which also
 * states the rule everything here obeys: integer and IEEE-754 double
 * arithmetic only, no libm, so that a seed gives the same draws on every
 * machine. The derivation of a stream from (seed, purpose, object) is
 * written at the top of sim/rng.c.
 */
#ifndef TCPSIM_SIM_RNG_H
#define TCPSIM_SIM_RNG_H

#include <stdint.h>

/* 64-bit FNV-1a of a NUL-terminated string (NULL hashes like ""). */
uint64_t sim__fnv1a64(const char *s);
/* One step of SplitMix64: advance *state and return the mixed output. */
uint64_t sim__splitmix64(uint64_t *state);
/* Natural logarithm without libm, within a few ulp of the exact value for
 * every positive finite x; log(0) is -inf, negative or NaN input gives NaN,
 * +inf gives +inf. */
double sim__rng_log(double x);

#endif /* TCPSIM_SIM_RNG_H */
