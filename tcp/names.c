/*
 * names.c - the names and messages of the TCP module's enums: states,
 * errors and flag letters, generated from the lists in tcp/tcp.h so that
 * they cannot drift apart from the codes.
 */
#include "tcp/tcp.h"

const char *tcp_state_name(enum tcp_state s)
{
  static const char *const names[] = {
#define TCP__STATE_NAME(name) #name,
      TCP_STATES(TCP__STATE_NAME)
#undef TCP__STATE_NAME
  };
  return (unsigned)s < TCP_S__COUNT ? names[s] : "?";
}

const char *tcp_strerror(int err)
{
  switch (err) {
#define TCP__ERR_MSG(name, code, msg) \
  case (code):                        \
    return msg;
    TCP_ERRORS(TCP__ERR_MSG)
#undef TCP__ERR_MSG
  default:
    return "unknown error";
  }
}

const char *tcp_errname(int err)
{
  switch (err) {
#define TCP__ERR_NAME(name, code, msg) \
  case (code):                         \
    return #name;
    TCP_ERRORS(TCP__ERR_NAME)
#undef TCP__ERR_NAME
  default:
    return "?";
  }
}

/* The results schema spells flags as letters in the order SFRPAU. */
char *tcp_flags_str(uint8_t flags, char *buf)
{
  static const struct {
    uint8_t bit;
    char letter;
  } order[] = {{TCP_F_SYN, 'S'}, {TCP_F_FIN, 'F'}, {TCP_F_RST, 'R'},
               {TCP_F_PSH, 'P'}, {TCP_F_ACK, 'A'}, {TCP_F_URG, 'U'}};
  char *p = buf;
  for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
    if (flags & order[i].bit)
      *p++ = order[i].letter;
  *p = '\0';
  return buf;
}
