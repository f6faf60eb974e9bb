/* error.c - error names and messages, generated from the one table in tick/error.h. */
#include "core/internal.h"

const char *tick_strerror(int err) {
  switch (err) {
#define TICK__ERR_MSG(name, value, msg) \
  case TICK_##name:                     \
    return msg;
    TICK_ERRNO_MAP(TICK__ERR_MSG)
#undef TICK__ERR_MSG
    default:
      return "unknown error";
  }
}

const char *tick_err_name(int err) {
  switch (err) {
#define TICK__ERR_NAME(name, value, msg) \
  case TICK_##name:                      \
    return #name;
    TICK_ERRNO_MAP(TICK__ERR_NAME)
#undef TICK__ERR_NAME
    default:
      return "UNKNOWN";
  }
}

int tick_translate_errno(int sys_errno) {
  /* EWOULDBLOCK and ENOTSUP share values with EAGAIN and EOPNOTSUPP on Linux. */
  if (sys_errno <= 0) return TICK_EUNKNOWN;
  return -sys_errno;
}

unsigned tick_version(void) { return TICK_VERSION_HEX; }

#define TICK__STR2(x) #x
#define TICK__STR(x) TICK__STR2(x)
const char *tick_version_string(void) {
  return TICK__STR(TICK_VERSION_MAJOR) "." TICK__STR(TICK_VERSION_MINOR) "." TICK__STR(
      TICK_VERSION_PATCH);
}
