/* test-error.c - error names, messages, errno translation, version. */
#include "test.h"

TEST(error_names_and_messages) {
  ASSERT_STR_EQ(tick_err_name(TICK_EINVAL), "EINVAL");
  ASSERT_STR_EQ(tick_strerror(TICK_EINVAL), "invalid argument");
  ASSERT_STR_EQ(tick_err_name(TICK_ENOMEM), "ENOMEM");
  ASSERT_STR_EQ(tick_err_name(TICK_EOVERFLOW), "EOVERFLOW");
  ASSERT_STR_EQ(tick_err_name(TICK_EWRONGTHREAD), "EWRONGTHREAD");
  ASSERT_STR_EQ(tick_err_name(TICK_ESTALE), "ESTALE");
  ASSERT_STR_EQ(tick_err_name(TICK_EOF), "EOF");
  ASSERT_STR_EQ(tick_strerror(TICK_ECANCELED), "operation canceled");
}

TEST(error_unknown_codes) {
  ASSERT_STR_EQ(tick_err_name(0), "UNKNOWN");
  ASSERT_STR_EQ(tick_err_name(12345), "UNKNOWN");
  ASSERT_STR_EQ(tick_err_name(-99999), "UNKNOWN");
  ASSERT_STR_EQ(tick_strerror(-99999), "unknown error");
}

TEST(error_codes_distinct_and_negative) {
  static const int codes[] = {
#define XX(name, value, msg) TICK_##name,
      TICK_ERRNO_MAP(XX)
#undef XX
  };
  size_t i, j, n = sizeof(codes) / sizeof(codes[0]);
  for (i = 0; i < n; i++) {
    ASSERT_LT(codes[i], 0);
    ASSERT(strcmp(tick_err_name(codes[i]), "UNKNOWN") != 0);
    for (j = i + 1; j < n; j++) ASSERT_NE(codes[i], codes[j]);
  }
}

TEST(error_translate_errno) {
  ASSERT_EQ(tick_translate_errno(ENOENT), TICK_ENOENT);
  ASSERT_EQ(tick_translate_errno(EAGAIN), TICK_EAGAIN);
  ASSERT_EQ(tick_translate_errno(EMFILE), TICK_EMFILE);
  ASSERT_EQ(tick_translate_errno(0), TICK_EUNKNOWN);
  ASSERT_EQ(tick_translate_errno(-5), TICK_EUNKNOWN);
}

TEST(version) {
  ASSERT_EQ(tick_version(), TICK_VERSION_HEX);
  ASSERT_STR_EQ(tick_version_string(), "0.1.0");
}

/* Every errno Linux defines (1..133, without the unused 41 and 58) passes through tick as
 * its negation from some system call, so each must have a name and a message of its
 * own: nothing a system call can say is "UNKNOWN". Where the C library can name the
 * errno, tick's name is the same, except for the aliases tick spells another way. */
TEST(error_every_linux_errno_has_a_name) {
  int e;
  for (e = 1; e <= 133; e++) {
    const char *name;
    if (e == 41 || e == 58) continue; /* no errno has these values on Linux */
    name = tick_err_name(tick_translate_errno(e));
    if (strcmp(name, "UNKNOWN") == 0 || strcmp(tick_strerror(-e), "unknown error") == 0) {
      fprintf(stderr, "errno %d (%s) has no tick name or message\n", e, strerror(e));
      ASSERT(0);
    }
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
    {
      const char *libc = strerrorname_np(e);
      if (e == EOPNOTSUPP)
        ASSERT_STR_EQ(name, "ENOTSUP"); /* the same value on Linux */
      else if (e == ESTALE)
        ASSERT_STR_EQ(name, "ESTALEFH"); /* TICK_ESTALE is tick's stale handle */
      else if (libc != NULL)
        ASSERT_STR_EQ(name, libc);
    }
#endif
  }
  ASSERT_STR_EQ(tick_err_name(-ENOEXEC), "ENOEXEC");
  ASSERT_STR_EQ(tick_err_name(-EHWPOISON), "EHWPOISON");
  ASSERT_STR_EQ(tick_err_name(-41), "UNKNOWN");
  ASSERT_STR_EQ(tick_err_name(-134), "UNKNOWN");
}

/* No two codes share a name: a name printed in a log says which code it was. */
TEST(error_names_distinct) {
  static const int codes[] = {
#define XX(name, value, msg) TICK_##name,
      TICK_ERRNO_MAP(XX)
#undef XX
  };
  size_t i, j, n = sizeof(codes) / sizeof(codes[0]);
  for (i = 0; i < n; i++)
    for (j = i + 1; j < n; j++)
      ASSERT(strcmp(tick_err_name(codes[i]), tick_err_name(codes[j])) != 0);
}
