// Header-only shim over hiredis (Debian's libhiredis-dev): the blocking client abtop's fleet state uses.
//
// `redisCommand` is variadic (Swift cannot call it); abtop only calls `redisCommandArgv` and
// `redisAppendCommandArgv`, which take their arguments as arrays, so no argument is ever formatted as a
// format string.
#ifndef ABTOP_CHIREDIS_SHIM_H
#define ABTOP_CHIREDIS_SHIM_H

#include <hiredis/hiredis.h>
#include <sys/time.h>

/// A timeval of `ms` milliseconds (Swift's view of `struct timeval` differs between libcs).
static inline struct timeval abtop_redis_timeval(long ms) {
    struct timeval tv;
    tv.tv_sec = ms / 1000;
    tv.tv_usec = (ms % 1000) * 1000;
    return tv;
}

#endif
