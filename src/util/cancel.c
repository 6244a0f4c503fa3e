#define _POSIX_C_SOURCE 200809L
#include "util/cancel.h"

#include <errno.h>
#include <signal.h>
#include <time.h>

static volatile sig_atomic_t s_sig;

void cancel_request(int sig)
{
	s_sig = sig ? sig : SIGTERM;
}

int cancel_requested(void)
{
	return (int)s_sig;
}

int cancel_sleep_ms(long ms)
{
	struct timespec ts;

	if (ms < 0)
		ms = 0;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	if (s_sig)
		return -1;
	while (nanosleep(&ts, &ts) != 0) {
		if (errno != EINTR || s_sig)
			break;
	}
	return s_sig ? -1 : 0;
}
