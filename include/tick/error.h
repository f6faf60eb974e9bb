/* tick/error.h - error codes, version. Included by <tick.h>; do not include directly.
 *
 * Every tick function that can fail returns an int: zero (or a count) on success and a
 * negative TICK_E* code on failure. Argument and state errors (NULL, stale handle, wrong
 * thread) are returned at once by the call; failures of an operation that already started
 * arrive later as the status argument of its callback. tick never sets errno as a side
 * channel.
 *
 * On Linux the codes that have an errno equivalent are the negated errno values, so a
 * system call failure maps with a plain negation; tick's own conditions live above 4000.
 */
#ifndef TICK_ERROR_H
#define TICK_ERROR_H

#include <errno.h>

#define TICK_VERSION_MAJOR 0
#define TICK_VERSION_MINOR 1
#define TICK_VERSION_PATCH 0
#define TICK_VERSION_HEX \
  ((TICK_VERSION_MAJOR << 16) | (TICK_VERSION_MINOR << 8) | TICK_VERSION_PATCH)

/* The one table of error codes: XX(name, value, message). */
#define TICK_ERRNO_MAP(XX)                                                         \
  XX(E2BIG, -E2BIG, "argument list too long")                                      \
  XX(EACCES, -EACCES, "permission denied")                                         \
  XX(EADDRINUSE, -EADDRINUSE, "address already in use")                            \
  XX(EADDRNOTAVAIL, -EADDRNOTAVAIL, "address not available")                       \
  XX(EAFNOSUPPORT, -EAFNOSUPPORT, "address family not supported")                  \
  XX(EAGAIN, -EAGAIN, "resource temporarily unavailable")                          \
  XX(EALREADY, -EALREADY, "operation already in progress")                         \
  XX(EBADF, -EBADF, "bad file descriptor")                                         \
  XX(EBUSY, -EBUSY, "resource busy or locked")                                     \
  XX(ECANCELED, -ECANCELED, "operation canceled")                                  \
  XX(ECHILD, -ECHILD, "no child processes")                                        \
  XX(ECONNABORTED, -ECONNABORTED, "software caused connection abort")              \
  XX(ECONNREFUSED, -ECONNREFUSED, "connection refused")                            \
  XX(ECONNRESET, -ECONNRESET, "connection reset by peer")                          \
  XX(EEXIST, -EEXIST, "file already exists")                                       \
  XX(EFAULT, -EFAULT, "bad address in system call argument")                       \
  XX(EFBIG, -EFBIG, "file too large")                                              \
  XX(EHOSTUNREACH, -EHOSTUNREACH, "host is unreachable")                           \
  XX(EINTR, -EINTR, "interrupted system call")                                     \
  XX(EINVAL, -EINVAL, "invalid argument")                                          \
  XX(EIO, -EIO, "i/o error")                                                       \
  XX(EISCONN, -EISCONN, "socket is already connected")                             \
  XX(EISDIR, -EISDIR, "illegal operation on a directory")                          \
  XX(ELOOP, -ELOOP, "too many symbolic links encountered")                         \
  XX(EMFILE, -EMFILE, "too many open files")                                       \
  XX(EMSGSIZE, -EMSGSIZE, "message too long")                                      \
  XX(ENAMETOOLONG, -ENAMETOOLONG, "name too long")                                 \
  XX(ENETDOWN, -ENETDOWN, "network is down")                                       \
  XX(ENETUNREACH, -ENETUNREACH, "network is unreachable")                          \
  XX(ENFILE, -ENFILE, "file table overflow")                                       \
  XX(ENOBUFS, -ENOBUFS, "no buffer space available")                               \
  XX(ENODEV, -ENODEV, "no such device")                                            \
  XX(ENOENT, -ENOENT, "no such file or directory")                                 \
  XX(ENOMEM, -ENOMEM, "not enough memory")                                         \
  XX(ENOSPC, -ENOSPC, "no space left on device")                                   \
  XX(ENOSYS, -ENOSYS, "function not implemented")                                  \
  XX(ENOTCONN, -ENOTCONN, "socket is not connected")                               \
  XX(ENOTDIR, -ENOTDIR, "not a directory")                                         \
  XX(ENOTEMPTY, -ENOTEMPTY, "directory not empty")                                 \
  XX(ENOTSOCK, -ENOTSOCK, "socket operation on non-socket")                        \
  XX(ENOTSUP, -ENOTSUP, "operation not supported")                                 \
  XX(EOVERFLOW, -EOVERFLOW, "value too large for defined data type")               \
  XX(EPERM, -EPERM, "operation not permitted")                                     \
  XX(EPIPE, -EPIPE, "broken pipe")                                                 \
  XX(EPROTO, -EPROTO, "protocol error")                                            \
  XX(ERANGE, -ERANGE, "result out of range")                                       \
  XX(EROFS, -EROFS, "read-only file system")                                       \
  XX(ESPIPE, -ESPIPE, "invalid seek")                                              \
  XX(ESRCH, -ESRCH, "no such process")                                             \
  XX(ETIMEDOUT, -ETIMEDOUT, "connection timed out")                                \
  XX(ETXTBSY, -ETXTBSY, "text file is busy")                                       \
  XX(EXDEV, -EXDEV, "cross-device link not permitted")                             \
  XX(EWRONGTHREAD, -4001, "called from a thread that does not own the loop")       \
  XX(ESTALE, -4002, "stale handle: already closed, fired or cleared")              \
  XX(ECLOSING, -4003, "loop or handle is closing")                                 \
  XX(ETYPE, -4004, "type error")                                                   \
  XX(EAGGREGATE, -4005, "all promises were rejected")                              \
  XX(ENOTASYNC, -4010, "not called from the async function running now")          \
  XX(EAI_ADDRFAMILY, -4030, "address family not supported for host")              \
  XX(EAI_AGAIN, -4031, "temporary failure in name resolution")                     \
  XX(EAI_BADFLAGS, -4032, "bad ai_flags value")                                    \
  XX(EAI_FAIL, -4033, "permanent failure in name resolution")                      \
  XX(EAI_FAMILY, -4034, "ai_family not supported")                                 \
  XX(EAI_NODATA, -4035, "no address associated with host")                         \
  XX(EAI_NONAME, -4036, "unknown node or service")                                 \
  XX(EAI_SERVICE, -4037, "service not available for socket type")                 \
  XX(EAI_SOCKTYPE, -4038, "socket type not supported")                             \
  XX(EOF, -4095, "end of file")                                                    \
  XX(EUNKNOWN, -4094, "unknown error")

typedef enum tick_error_e {
#define TICK__ERR_ENUM(name, value, msg) TICK_##name = (value),
  TICK_ERRNO_MAP(TICK__ERR_ENUM)
#undef TICK__ERR_ENUM
  TICK__ERR_MAX_ = -4096
} tick_error_t;

/* The message for an error code: a static string, never NULL. Unknown codes give
 * "unknown error". Any thread. */
const char *tick_strerror(int err);

/* The symbolic name of an error code without the TICK_ prefix ("EINVAL"), or "UNKNOWN".
 * Any thread. */
const char *tick_err_name(int err);

/* Maps a positive errno value to a tick code (its negation). Any thread. */
int tick_translate_errno(int sys_errno);

/* TICK_VERSION_HEX of the library that is linked, which may differ from the header's. */
unsigned tick_version(void);
/* "0.1.0" */
const char *tick_version_string(void);

#endif
