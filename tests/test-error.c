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
