/*
 * Cancellation by a signal: the CLI's SIGINT/SIGTERM handler calls
 * cancel_request (async-signal-safe); long waits (order polls, the DNS
 * INSYNC wait) sleep through cancel_sleep_ms and stop early, so the job
 * fails its usual way and removes its TXT records before the process exits.
 */
#ifndef AAA_UTIL_CANCEL_H
#define AAA_UTIL_CANCEL_H

/* Records sig (async-signal-safe). */
void cancel_request(int sig);
/* The signal that asked us to stop, or 0. */
int cancel_requested(void);
/* Sleeps ms milliseconds unless cancelled first (or during); 0 slept, -1 cancelled. */
int cancel_sleep_ms(long ms);

#endif
