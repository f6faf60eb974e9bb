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
 * Every errno Linux defines has a code, named after it (TICK_ENOEXEC for ENOEXEC ...), so
 * no error a system call passes through is "UNKNOWN". The exceptions are the aliases and
 * one clash: EWOULDBLOCK is TICK_EAGAIN, EOPNOTSUPP is TICK_ENOTSUP, EDEADLOCK is
 * TICK_EDEADLK (the same values), and ESTALE ("stale file handle", from NFS) is
 * TICK_ESTALEFH, because TICK_ESTALE is tick's own stale handle.
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
  XX(EADV, -EADV, "advertise error")                                               \
  XX(EAFNOSUPPORT, -EAFNOSUPPORT, "address family not supported")                  \
  XX(EAGAIN, -EAGAIN, "resource temporarily unavailable")                          \
  XX(EALREADY, -EALREADY, "operation already in progress")                         \
  XX(EBADE, -EBADE, "invalid exchange")                                            \
  XX(EBADF, -EBADF, "bad file descriptor")                                         \
  XX(EBADFD, -EBADFD, "file descriptor in bad state")                              \
  XX(EBADMSG, -EBADMSG, "bad message")                                             \
  XX(EBADR, -EBADR, "invalid request descriptor")                                  \
  XX(EBADRQC, -EBADRQC, "invalid request code")                                    \
  XX(EBADSLT, -EBADSLT, "invalid slot")                                            \
  XX(EBFONT, -EBFONT, "bad font file format")                                      \
  XX(EBUSY, -EBUSY, "resource busy or locked")                                     \
  XX(ECANCELED, -ECANCELED, "operation canceled")                                  \
  XX(ECHILD, -ECHILD, "no child processes")                                        \
  XX(ECHRNG, -ECHRNG, "channel number out of range")                               \
  XX(ECOMM, -ECOMM, "communication error on send")                                 \
  XX(ECONNABORTED, -ECONNABORTED, "software caused connection abort")              \
  XX(ECONNREFUSED, -ECONNREFUSED, "connection refused")                            \
  XX(ECONNRESET, -ECONNRESET, "connection reset by peer")                          \
  XX(EDEADLK, -EDEADLK, "resource deadlock avoided")                               \
  XX(EDESTADDRREQ, -EDESTADDRREQ, "destination address required")                  \
  XX(EDOM, -EDOM, "argument out of domain")                                        \
  XX(EDOTDOT, -EDOTDOT, "RFS specific error")                                      \
  XX(EDQUOT, -EDQUOT, "disk quota exceeded")                                       \
  XX(EEXIST, -EEXIST, "file already exists")                                       \
  XX(EFAULT, -EFAULT, "bad address in system call argument")                       \
  XX(EFBIG, -EFBIG, "file too large")                                              \
  XX(EHOSTDOWN, -EHOSTDOWN, "host is down")                                        \
  XX(EHOSTUNREACH, -EHOSTUNREACH, "host is unreachable")                           \
  XX(EHWPOISON, -EHWPOISON, "memory page has hardware error")                      \
  XX(EIDRM, -EIDRM, "identifier removed")                                          \
  XX(EILSEQ, -EILSEQ, "illegal byte sequence")                                     \
  XX(EINPROGRESS, -EINPROGRESS, "operation in progress")                           \
  XX(EINTR, -EINTR, "interrupted system call")                                     \
  XX(EINVAL, -EINVAL, "invalid argument")                                          \
  XX(EIO, -EIO, "i/o error")                                                       \
  XX(EISCONN, -EISCONN, "socket is already connected")                             \
  XX(EISDIR, -EISDIR, "illegal operation on a directory")                          \
  XX(EISNAM, -EISNAM, "is a named type file")                                      \
  XX(EKEYEXPIRED, -EKEYEXPIRED, "key has expired")                                 \
  XX(EKEYREJECTED, -EKEYREJECTED, "key was rejected by service")                   \
  XX(EKEYREVOKED, -EKEYREVOKED, "key has been revoked")                            \
  XX(EL2HLT, -EL2HLT, "level 2 halted")                                            \
  XX(EL2NSYNC, -EL2NSYNC, "level 2 not synchronized")                              \
  XX(EL3HLT, -EL3HLT, "level 3 halted")                                            \
  XX(EL3RST, -EL3RST, "level 3 reset")                                             \
  XX(ELIBACC, -ELIBACC, "cannot access a needed shared library")                   \
  XX(ELIBBAD, -ELIBBAD, "accessing a corrupted shared library")                    \
  XX(ELIBEXEC, -ELIBEXEC, "cannot exec a shared library directly")                 \
  XX(ELIBMAX, -ELIBMAX, "attempting to link in too many shared libraries")         \
  XX(ELIBSCN, -ELIBSCN, ".lib section in a.out corrupted")                         \
  XX(ELNRNG, -ELNRNG, "link number out of range")                                  \
  XX(ELOOP, -ELOOP, "too many symbolic links encountered")                         \
  XX(EMEDIUMTYPE, -EMEDIUMTYPE, "wrong medium type")                               \
  XX(EMFILE, -EMFILE, "too many open files")                                       \
  XX(EMLINK, -EMLINK, "too many links")                                            \
  XX(EMSGSIZE, -EMSGSIZE, "message too long")                                      \
  XX(EMULTIHOP, -EMULTIHOP, "multihop attempted")                                  \
  XX(ENAMETOOLONG, -ENAMETOOLONG, "name too long")                                 \
  XX(ENAVAIL, -ENAVAIL, "no XENIX semaphores available")                           \
  XX(ENETDOWN, -ENETDOWN, "network is down")                                       \
  XX(ENETRESET, -ENETRESET, "connection aborted by network")                       \
  XX(ENETUNREACH, -ENETUNREACH, "network is unreachable")                          \
  XX(ENFILE, -ENFILE, "file table overflow")                                       \
  XX(ENOANO, -ENOANO, "no anode")                                                  \
  XX(ENOBUFS, -ENOBUFS, "no buffer space available")                               \
  XX(ENOCSI, -ENOCSI, "no CSI structure available")                                \
  XX(ENODATA, -ENODATA, "no data available")                                       \
  XX(ENODEV, -ENODEV, "no such device")                                            \
  XX(ENOENT, -ENOENT, "no such file or directory")                                 \
  XX(ENOEXEC, -ENOEXEC, "exec format error")                                       \
  XX(ENOKEY, -ENOKEY, "required key not available")                                \
  XX(ENOLCK, -ENOLCK, "no locks available")                                        \
  XX(ENOLINK, -ENOLINK, "link has been severed")                                   \
  XX(ENOMEDIUM, -ENOMEDIUM, "no medium found")                                     \
  XX(ENOMEM, -ENOMEM, "not enough memory")                                         \
  XX(ENOMSG, -ENOMSG, "no message of desired type")                                \
  XX(ENONET, -ENONET, "machine is not on the network")                             \
  XX(ENOPKG, -ENOPKG, "package not installed")                                     \
  XX(ENOPROTOOPT, -ENOPROTOOPT, "protocol not available")                          \
  XX(ENOSPC, -ENOSPC, "no space left on device")                                   \
  XX(ENOSR, -ENOSR, "out of streams resources")                                    \
  XX(ENOSTR, -ENOSTR, "device not a stream")                                       \
  XX(ENOSYS, -ENOSYS, "function not implemented")                                  \
  XX(ENOTBLK, -ENOTBLK, "block device required")                                   \
  XX(ENOTCONN, -ENOTCONN, "socket is not connected")                               \
  XX(ENOTDIR, -ENOTDIR, "not a directory")                                         \
  XX(ENOTEMPTY, -ENOTEMPTY, "directory not empty")                                 \
  XX(ENOTNAM, -ENOTNAM, "not a XENIX named type file")                             \
  XX(ENOTRECOVERABLE, -ENOTRECOVERABLE, "state not recoverable")                   \
  XX(ENOTSOCK, -ENOTSOCK, "socket operation on non-socket")                        \
  XX(ENOTSUP, -ENOTSUP, "operation not supported")                                 \
  XX(ENOTTY, -ENOTTY, "inappropriate ioctl for device")                            \
  XX(ENOTUNIQ, -ENOTUNIQ, "name not unique on network")                            \
  XX(ENXIO, -ENXIO, "no such device or address")                                   \
  XX(EOVERFLOW, -EOVERFLOW, "value too large for defined data type")               \
  XX(EOWNERDEAD, -EOWNERDEAD, "owner died")                                        \
  XX(EPERM, -EPERM, "operation not permitted")                                     \
  XX(EPFNOSUPPORT, -EPFNOSUPPORT, "protocol family not supported")                 \
  XX(EPIPE, -EPIPE, "broken pipe")                                                 \
  XX(EPROTO, -EPROTO, "protocol error")                                            \
  XX(EPROTONOSUPPORT, -EPROTONOSUPPORT, "protocol not supported")                  \
  XX(EPROTOTYPE, -EPROTOTYPE, "protocol wrong type for socket")                    \
  XX(ERANGE, -ERANGE, "result out of range")                                       \
  XX(EREMCHG, -EREMCHG, "remote address changed")                                  \
  XX(EREMOTE, -EREMOTE, "object is remote")                                        \
  XX(EREMOTEIO, -EREMOTEIO, "remote i/o error")                                    \
  XX(ERESTART, -ERESTART, "interrupted system call should be restarted")           \
  XX(ERFKILL, -ERFKILL, "operation not possible due to RF-kill")                   \
  XX(EROFS, -EROFS, "read-only file system")                                       \
  XX(ESHUTDOWN, -ESHUTDOWN, "cannot send after transport endpoint shutdown")       \
  XX(ESOCKTNOSUPPORT, -ESOCKTNOSUPPORT, "socket type not supported")               \
  XX(ESPIPE, -ESPIPE, "invalid seek")                                              \
  XX(ESRCH, -ESRCH, "no such process")                                             \
  XX(ESRMNT, -ESRMNT, "srmount error")                                             \
  XX(ESTALEFH, -ESTALE, "stale file handle")                                       \
  XX(ESTRPIPE, -ESTRPIPE, "streams pipe error")                                    \
  XX(ETIME, -ETIME, "timer expired")                                               \
  XX(ETIMEDOUT, -ETIMEDOUT, "connection timed out")                                \
  XX(ETOOMANYREFS, -ETOOMANYREFS, "too many references")                           \
  XX(ETXTBSY, -ETXTBSY, "text file is busy")                                       \
  XX(EUCLEAN, -EUCLEAN, "structure needs cleaning")                                \
  XX(EUNATCH, -EUNATCH, "protocol driver not attached")                            \
  XX(EUSERS, -EUSERS, "too many users")                                            \
  XX(EXDEV, -EXDEV, "cross-device link not permitted")                             \
  XX(EXFULL, -EXFULL, "exchange full")                                             \
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
